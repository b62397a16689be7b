"""Seed 002 — Kawaguchi 2016, "Deep learning without poor local minima".

Checks of what dlnscape already computes: Cor 2.4 and its proof (App. C.1: the Hessian at
W_H = … = W_1 = 0, the ± formula), the H = 1 saddles of check 40, and Thm 2.3's global
minimum value against the closed form and multistart end points, each classified.
"""

from __future__ import annotations

import itertools
from fractions import Fraction

import numpy as np

from dlnscape.claims._common import (
    cert_for,
    classified,
    escape_figure,
    point_instance,
    spectrum_figure,
    verdict_numbers,
)
from dlnscape.claims.base import (
    Inconclusive,
    agrees,
    claim,
    disagrees,
    recomputation_certificate,
)


def _sigma(X, Y):
    S = Y @ X.T @ np.linalg.solve(X @ X.T, X @ Y.T)
    lam, U = np.linalg.eigh(S)
    return S, lam[::-1], U[:, ::-1]


@claim("T-002-Cor2.4", "check-40", "check-41", "check-42", cost=2)
def cor24_depth(ctx):
    """Cor 2.4: H = 1 ⇒ every saddle has a negative eigenvalue; H ≥ 2 ⇒ saddles without one
    exist. Proof C.1: W_H = … = W_1 = 0 with W_{H+1} arbitrary are critical with a zero
    Hessian. Check 40: the H = 1 subset points; 41: zero points for H ∈ {2, 3}; 42: the C.1
    claim for H = 2, 3 with W_{H+1} = 0 and random."""
    import dlnscape as dl
    from dlnscape.examples import kawaguchi_cor24_point, kawaguchi_data

    rng = ctx.rng()
    # check 40: d_y = d_x = 4, p = 2, every I ⊂ [4] with |I| = 2
    X, Y = kawaguchi_data(4, 4, 8, rng)
    _, lam, U = _sigma(X, Y)
    arch = dl.Architecture((4, 2, 4))
    L1 = dl.Landscape(dl.LinearNetwork(arch), dl.SquaredLoss(X, Y))
    rows40 = []
    for I in itertools.combinations(range(4), 2):
        UI = U[:, list(I)]
        th = (UI.T @ Y @ X.T @ np.linalg.inv(X @ X.T), UI)
        res = classified(L1, th)
        rows40.append({"I": [i + 1 for i in I], **verdict_numbers(res)})
    ok40 = (rows40[0]["verdict"] == "global_minimum"
            and all(r["verdict"] == "strict_saddle" for r in rows40[1:]))
    # checks 41 / 42: the C.1 points
    rows = {}
    certs42, insts42, figs = [], [], []
    for H, last in ((1, "zero"), (2, "zero"), (3, "zero"), (2, "random"), (3, "random")):
        L, th = kawaguchi_cor24_point(H, last=last, rng=ctx.seed(H))
        Hm = L.hessian(th)
        res = classified(L, th)
        key = f"H={H}, W_H+1 {last}"
        rows[key] = {"hessian_zero": bool(not np.any(Hm)),
                     "max_abs_hessian_entry": float(np.abs(Hm).max()), **verdict_numbers(res)}
        if H >= 2 and last == "random" and np.any(Hm):
            label = f"002 C.1 point: H = {H}, W_1 = … = W_H = 0, W_{{H+1}} random"
            certs42.append(cert_for("check-42", f"H{H}", L, th, res, label))
            insts42.append(point_instance(label, L, th))
            figs.append(spectrum_figure("check-42", f"H{H}", res,
                                        f"{label}: Hessian spectrum (C.1 says it is zero)"))
            figs.append(escape_figure("check-42", f"H{H}", L, res,
                                      f"{label}: the loss along the escape certificate"))
    ok41 = all(rows[k]["hessian_zero"] and rows[k]["verdict"] == "degenerate_saddle"
               for k in ("H=2, W_H+1 zero", "H=3, W_H+1 zero"))
    okH1 = rows["H=1, W_H+1 zero"]["verdict"] == "strict_saddle"
    nums = {"check40": rows40, "C1_points": rows}
    if not (ok40 and ok41 and okH1):
        raise Inconclusive(f"unexpected Cor 2.4 data {nums}")
    cor = agrees("H = 1: the zero point and every non-top subset point are strict saddles "
                 "(negative eigenvalue); H = 2, 3 with W_{H+1} = 0: zero Hessian, certified "
                 "degenerate saddles (L > L*). The corollary holds; its proof's claim fails for "
                 "H = 2 with W_3 ≠ 0 (check-42)", numbers=nums)
    out = {"T-002-Cor2.4": cor,
           "check-40": agrees("I = {1,2} is the global minimum; the other five subsets are "
                              "certified strict saddles", numbers={"check40": rows40}),
           "check-41": agrees("all-zero weights, H ∈ {2, 3}: the Hessian is exactly 0 and the "
                              "point a certified degenerate saddle above L*",
                              numbers={"C1_points": rows})}
    if certs42:
        out["check-42"] = disagrees(
            "C.1 says the Hessian is zero at W_H = … = W_1 = 0 for any W_{H+1}; for "
            + ", ".join(k for k in rows if "random" in k and not rows[k]["hessian_zero"])
            + " it is not: the block pairing W_1 and W_2 is ⟨∇l(0), W_3Ẇ_2Ẇ_1⟩ and the point "
            "is a certified strict saddle (true for H ≥ 3 and for W_{H+1} = 0)",
            certificates=certs42, instances=insts42, numbers=nums, figures=figs)
    else:
        out["check-42"] = agrees("the Hessian is zero at every C.1 point tested", numbers=nums)
    return out


def verify_c1_minus(instance: dict) -> dict:
    """Recompute exactly (rationals) the loss ½‖WX − Y‖² at W = −U_pU_pᵀYXᵀ(XXᵀ)⁻¹ with
    p = d_y (U_pU_pᵀ = I), and compare it with the text's ½(tr YYᵀ ± Σ_k Λ_kk) (both signs;
    Σ_k Λ_kk = tr Σ exactly) and with ½(tr YYᵀ + 3 tr Σ)."""
    import flint

    X = [[Fraction(x) for x in row] for row in instance["X"]]
    Y = [[Fraction(x) for x in row] for row in instance["Y"]]

    def mat(A):
        return flint.fmpq_mat(len(A), len(A[0]), [flint.fmpq(a.numerator, a.denominator)
                                                  for row in A for a in row])

    Xm, Ym = mat(X), mat(Y)
    XXt = Xm * Xm.transpose()
    B = Ym * Xm.transpose() * XXt.inv()  # YXᵀ(XXᵀ)⁻¹
    R = (-B) * Xm - Ym
    loss = sum((R[i, j] ** 2 for i in range(R.nrows()) for j in range(R.ncols())),
               flint.fmpq(0)) / 2
    trYY = sum((Ym[i, j] ** 2 for i in range(Ym.nrows()) for j in range(Ym.ncols())),
               flint.fmpq(0))
    S = Ym * Xm.transpose() * XXt.inv() * Xm * Ym.transpose()
    trS = sum((S[i, i] for i in range(S.nrows())), flint.fmpq(0))
    text = (trYY + trS) / 2  # the printed ½(tr YYᵀ ± ΣΛ), the sign paired with '−'
    other = (trYY - trS) / 2  # … and with the other sign, for either pairing of ±
    three = (trYY + 3 * trS) / 2
    return {"ok": loss != text and loss != other and loss == three, "loss": str(loss),
            "text_value": str(text), "text_value_other_sign": str(other),
            "half_trYY_plus_3trSigma": str(three)}


@claim("check-49", quick={"n_float": 3}, full={"n_float": 20})
def c1_plus_minus(ctx, n_float):
    """C.1: at W_{H+1}⋯W_1 = ±U_pU_pᵀYXᵀ(XXᵀ)⁻¹ the loss is printed as ½(tr YYᵀ ± Σ_{k≤p}Λ_kk)."""
    from dlnscape.losses import SquaredLoss

    rng = ctx.rng()
    rows = []
    for _ in range(n_float):
        dx, dy, n, p = 4, 3, 8, 2
        X, Y = rng.standard_normal((dx, n)), rng.standard_normal((dy, n))
        loss = SquaredLoss(X, Y)
        _, lam, U = _sigma(X, Y)
        base = U[:, :p] @ U[:, :p].T @ Y @ X.T @ np.linalg.inv(X @ X.T)
        trYY, S = float(np.trace(Y @ Y.T)), float(lam[:p].sum())
        rows.append({"plus": loss.value(base), "plus_text": 0.5 * (trYY - S),
                     "minus": loss.value(-base), "minus_text": 0.5 * (trYY + S),
                     "half_trYY_plus_3S": 0.5 * (trYY + 3 * S)})
    ok_plus = all(np.isclose(r["plus"], r["plus_text"], rtol=1e-12) for r in rows)
    ok_minus3 = all(np.isclose(r["minus"], r["half_trYY_plus_3S"], rtol=1e-12) for r in rows)
    Xi = rng.integers(-4, 5, (3, 5))
    while np.linalg.matrix_rank(Xi) < 3:
        Xi = rng.integers(-4, 5, (3, 5))
    Yi = rng.integers(-4, 5, (2, 5))
    inst = {"X": Xi.tolist(), "Y": Yi.tolist(),
            "label": "integer X ∈ Z^{3×5}, Y ∈ Z^{2×5}, p = d_y = 2 (U_pU_pᵀ = I), the '−' "
                     "product −YXᵀ(XXᵀ)⁻¹"}
    ex = verify_c1_minus(inst)
    nums = {"float_instances": rows, "exact": ex}
    if not (ok_plus and ok_minus3 and ex["ok"]):
        raise Inconclusive(f"unexpected C.1 values {nums}")
    cert = recomputation_certificate(
        "check-49--minus", "check-49", verify_c1_minus, inst, label=inst["label"],
        how="the loss at the '−' product in exact rational arithmetic (python-flint fmpq_mat)",
        claimed=f"½(tr YYᵀ + ΣΛ) = {ex['text_value']}", computed=ex["loss"])
    return disagrees(
        "the '+' product has loss ½(tr YYᵀ − ΣΛ) as printed (the global minimum); the '−' "
        f"product has ½(tr YYᵀ + 3ΣΛ), not ½(tr YYᵀ + ΣΛ): exactly {ex['loss']} vs the "
        f"printed {ex['text_value']} on an integer instance, and on {n_float} random float "
        "instances with p < d_y", certificates=[cert], instances=[inst], numbers=nums)


@claim("T-002-Thm2.3", "check-39", quick={"depths": (1, 2), "starts": 3},
       full={"depths": (1, 2, 3), "starts": 20}, cost=4)
def thm23_global_minimum(ctx, depths, starts):
    """Thm 2.3 (ii)/(iii): every local minimum is global with value
    L* = ½(tr YYᵀ − Σ_{k ≤ min(p, d_y)} λ_k(Σ)); other critical points are saddles. The
    formula against the closed form (global_minimum) and multistart end points, classified."""
    import dlnscape as dl
    from dlnscape.critical import find_critical_point
    from dlnscape.examples import kawaguchi_data
    from dlnscape.functional import global_minimum

    rng = ctx.rng()
    rows = []
    for H in depths:
        widths = (4,) + (2,) * H + (3,)
        X, Y = kawaguchi_data(4, 3, 10, rng)
        _, lam, _ = _sigma(X, Y)
        p = min(widths[1:-1])
        Lstar = 0.5 * (float(np.trace(Y @ Y.T)) - float(lam[:min(p, 3)].sum()))
        arch = dl.Architecture(widths)
        L = dl.Landscape(dl.LinearNetwork(arch), dl.SquaredLoss(X, Y))
        gm = global_minimum(L.loss, arch)
        ends = []
        for _ in range(starts):
            sol = find_critical_point(L, dl.random_point(arch, rng), "newton")
            if not sol.converged:
                continue
            try:
                verdict = str(classified(L, sol.theta).verdict)
            except Inconclusive:  # an end point classify cannot decide proves nothing
                verdict = "undetermined"
            ends.append({"value": sol.value, "verdict": verdict})
        rows.append({"H": H, "widths": widths, "L_star_formula": Lstar,
                     "closed_form": gm.value, "ends": ends})
    bad = [r for r in rows if not np.isclose(r["L_star_formula"], r["closed_form"], rtol=1e-10)
           or any(e["verdict"] == "local_minimum" or e["verdict"] == "local_maximum"
                  or (e["verdict"] == "global_minimum"
                      and not np.isclose(e["value"], r["closed_form"], rtol=1e-8))
                  for e in r["ends"])]
    if bad:
        raise Inconclusive(f"end points or values disagree with Thm 2.3: {bad}")
    n_end = sum(len(r["ends"]) for r in rows)
    n_und = sum(e["verdict"] == "undetermined" for r in rows for e in r["ends"])
    return agrees(f"H ∈ {list(depths)}: the formula ½(tr YYᵀ − Σλ) equals the closed-form "
                  f"minimum; of {n_end} converged multistart end points, {n_end - n_und} are "
                  "certified global minima or saddles (no other local minimum, no maximum)"
                  + (f" and {n_und} undetermined" if n_und else ""),
                  numbers={"depths": rows})


CHECKS = (cor24_depth, c1_plus_minus, thm23_global_minimum)

NOT_CHECKABLE = {
    "T-002-Abstract": "summary of Thm 2.3, Cor 2.4 and Cor 3.2 (checked there)",
    "T-002-AppB4": "follows from the rank = p cases of Thm 2.3(ii) (checked through "
                   "T-002-Thm2.3)",
}

VERIFIERS = (verify_c1_minus,)
