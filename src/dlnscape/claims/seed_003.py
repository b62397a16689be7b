"""Seed 003 — Zhou & Liang, "Characterization of gradient dominance and regularity conditions".

Checks of what dlnscape already computes: the global minimum of the square deep linear
network (Prop 1: its value, the OLS product and full-rank factors, Cor 1) and the equivalence
class of minimisers (Eq. (1)). The gradient-dominance and regularity constants (Thm 1–6) come
with ``dlnscape.conditions`` (not yet built).
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from dlnscape.claims.base import (
    Inconclusive,
    agrees,
    claim,
    disagrees,
    recomputation_certificate,
)


def verify_prop1_value(instance: dict) -> dict:
    """Recompute exactly (rationals): the minimum over all W of ½‖WX − Y‖² is attained at the
    OLS W* = YXᵀ(XXᵀ)⁻¹ (a convex quadratic; square widths are filling, so every W is a
    product), and compare it with the printed Tr(Σ_YY) − Σ_i λ_i (Σ_i λ_i = tr Σ exactly)."""
    import flint

    def mat(A):
        A = [[Fraction(x) for x in row] for row in A]
        return flint.fmpq_mat(len(A), len(A[0]), [flint.fmpq(a.numerator, a.denominator)
                                                  for row in A for a in row])

    X, Y = mat(instance["X"]), mat(instance["Y"])
    XXt = X * X.transpose()
    Wstar = Y * X.transpose() * XXt.inv()
    R = Wstar * X - Y
    minimum = sum((R[i, j] ** 2 for i in range(R.nrows()) for j in range(R.ncols())),
                  flint.fmpq(0)) / 2
    trYY = sum((Y[i, j] ** 2 for i in range(Y.nrows()) for j in range(Y.ncols())),
               flint.fmpq(0))
    S = Y * X.transpose() * XXt.inv() * X * Y.transpose()
    trS = sum((S[i, i] for i in range(S.nrows())), flint.fmpq(0))
    printed = trYY - trS
    return {"ok": printed != minimum, "minimum": str(minimum), "printed_value": str(printed),
            "printed_over_minimum": str(printed / minimum) if minimum != 0 else None,
            "kawaguchi_half_formula": str((trYY - trS) / 2)}


@claim("T-003-Prop1", "T-003-Cor1", "check-50", quick={"depths": (2, 3), "gd_starts": 2},
       full={"depths": (2, 3, 4), "gd_starts": 10}, cost=2)
def prop1_global_minimizers(ctx, depths, gd_starts):
    """Prop 1: global minimisers W_l* = UC_l, …, W_1* = C_2⁻¹UᵀΣ_XYᵀΣ_XX⁻¹ (product = OLS),
    value Tr(Σ_YY) − Σλ_i for the ½-normalised h; Cor 1: minimisers have full-rank factors."""
    import dlnscape as dl
    from dlnscape.critical import find_critical_point
    from dlnscape.functional import global_minimum

    rng = ctx.rng()
    d, m = 4, 9
    rows, cor1 = [], []
    for l in depths:
        X, Y = rng.standard_normal((d, m)), rng.standard_normal((d, m))
        arch = dl.Architecture((d,) * (l + 1))
        L = dl.Landscape(dl.LinearNetwork(arch), dl.SquaredLoss(X, Y))
        ols = Y @ X.T @ np.linalg.inv(X @ X.T)
        Cs = [rng.standard_normal((d, d)) for _ in range(l - 1)]
        layers = [None] * l  # W_1 … W_l, first layer first
        layers[0] = np.linalg.inv(Cs[0]) @ ols if l > 1 else ols
        for k in range(1, l - 1):
            layers[k] = np.linalg.inv(Cs[k]) @ Cs[k - 1]
        if l > 1:
            layers[l - 1] = Cs[l - 2]
        th = tuple(layers)
        gm = global_minimum(L.loss, arch)
        rows.append({"l": l, "h(W*)": L.value(th), "closed_form": gm.value,
                     "product_minus_OLS": float(np.linalg.norm(dl.end_to_end(th) - ols))})
        for _ in range(gd_starts):
            sol = find_critical_point(L, dl.random_point(arch, rng), "gd", max_iter=5000)
            if abs(sol.value - gm.value) <= 1e-6 * (1 + gm.value):
                cor1.append(min(float(np.linalg.svd(W, compute_uv=False)[-1])
                                for W in sol.theta))
    ok = all(abs(r["h(W*)"] - r["closed_form"]) <= 1e-9 * (1 + r["closed_form"])
             and r["product_minus_OLS"] < 1e-9 for r in rows)
    Xi = rng.integers(-3, 4, (3, 5))
    while np.linalg.matrix_rank(Xi) < 3:
        Xi = rng.integers(-3, 4, (3, 5))
    Yi = rng.integers(-3, 4, (3, 5))
    inst = {"X": Xi.tolist(), "Y": Yi.tolist(),
            "label": "square case d = 3, m = 5: integer X, Y ∈ Z^{3×5}"}
    ex = verify_prop1_value(inst)
    nums = {"constructed": rows, "min_sigma_min_at_gd_minima": cor1, "exact": ex}
    if not ok:
        raise Inconclusive(f"the constructed W* is not a global minimiser: {rows}")
    cor = (agrees(f"{len(cor1)} multistart global minimisers: smallest singular value of any "
                  f"factor {min(cor1):.3g} > 0 (full-rank factors)", numbers=nums)
           if cor1 and min(cor1) > 1e-6 else None)
    if cor is None:
        raise Inconclusive(f"Cor 1: no converged minimiser or a near-singular factor: {cor1}")
    if not ex["ok"]:
        out = agrees("W* attains the minimum, product = OLS, value as printed", numbers=nums)
        return {"T-003-Prop1": out, "check-50": out, "T-003-Cor1": cor}
    cert = recomputation_certificate(
        "T-003-Prop1--value", "T-003-Prop1", verify_prop1_value, inst, label=inst["label"],
        how="the minimum of ½‖WX − Y‖² at the OLS solution, in exact rational arithmetic",
        claimed=f"Tr(Σ_YY) − Σλ = {ex['printed_value']}", computed=ex["minimum"])
    out = disagrees(
        "W* built from random invertible C_k attains the minimum and its product is the OLS "
        f"solution (l ∈ {list(depths)}), as Prop 1 says; but the printed minimum value "
        f"Tr(Σ_YY) − Σλ_i is twice the minimum of the ½-normalised h: exactly "
        f"{ex['printed_value']} vs {ex['minimum']} (002's ½(tr YYᵀ − Σλ) is what the numbers "
        "satisfy)", certificates=[cert], instances=[inst], numbers=nums)
    return {"T-003-Prop1": out, "check-50": out, "T-003-Cor1": cor}


@claim("T-003-Eq1", quick={"n": 10}, full={"n": 100})
def eq1_equivalence_class(ctx, n):
    """Eq. (1): (W_l C_l, C_l⁻¹W_{l−1}C_{l−1}, …, C_2⁻¹W_1) has the same loss (and a global
    minimiser stays one) for any invertible C_k."""
    import dlnscape as dl
    from dlnscape.geometry import random_fiber_point

    rng = ctx.rng()
    d, m, l = 4, 9, 3
    X, Y = rng.standard_normal((d, m)), rng.standard_normal((d, m))
    arch = dl.Architecture((d,) * (l + 1))
    L = dl.Landscape(dl.LinearNetwork(arch), dl.SquaredLoss(X, Y))
    th = dl.random_point(arch, rng)
    v0 = L.value(th)
    worst = max(abs(L.value(random_fiber_point(th, rng)) - v0) / (1 + abs(v0))
                for _ in range(n))
    if worst < 1e-10:
        return agrees(f"{n} random GL(d) actions leave the loss unchanged (max relative "
                      f"change {worst:.1e})", numbers={"max_relative_change": worst})
    raise Inconclusive(f"the loss changed by {worst}")


CHECKS = (prop1_global_minimizers, eq1_equivalence_class)

NOT_CHECKABLE: dict[str, str] = {}

VERIFIERS = (verify_prop1_value,)
