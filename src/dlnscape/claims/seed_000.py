"""Seed 000 — Hofflin 2023, "local ⟹ 1" for the matrix-multiplication lift.

Checks of what dlnscape already computes: the §3.2 counterexample data, gradient and App. A
second derivative; the order of criticality of the §3.2 point (Thm 3.1) and whether it is a
local minimum (Claim 3.3, Thm 3.2); stationarity on M_r (Lem 3.2 / Cor 3.1); the LKB pair
(Prop 2.2(ii)); Behrends' theorem (Thm 3.5); the layer-wise openness criterion (Cor 3.2); the
rank identity; the fiber moves of Claim 3.1; and the reading-E counterexample to Thm 3.3/3.4.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from dlnscape.claims._common import (
    cert_for,
    classified,
    escape_figure,
    exact_rank,
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

W1 = np.array([[1.0, 0, 0], [0, 1, 0]])
W2 = np.array([[1.0, 0], [0, 0]])
SEC32 = (W1, W2, W1.T.copy())


def _sec32(x=0.0, y=0.0, z=1.0, c=1.0, normalisation="text"):
    from dlnscape.examples import hofflin_counterexample

    return hofflin_counterexample(x, y, z, c, normalisation=normalisation)


@claim("T-000-Sec3.2-CE", "check-2", "check-3")
def sec32_data_and_gradient(ctx):
    """§3.2, Eq. (29)–(31): ranks and nullities of W_1, W_2, W_3, W, W_2W_1, W_3W_2; k_1 = 1,
    k_2 = 2 (both Prop 3.1 conditions fail); ∇g = 0 ⟺ A = [[0,0,0],[0,0,x],[0,y,z]]."""
    from dlnscape.architecture import end_to_end
    from dlnscape.geometry import rank_profile
    from dlnscape.losses import LinearQuadraticLoss

    p = rank_profile(SEC32)
    ranks = {
        "W1": (p.layers[0].rank, 3 - p.layers[0].rank),
        "W2": (p.layers[1].rank, 2 - p.layers[1].rank),
        "W3": (p.layers[2].rank, 2 - p.layers[2].rank),
        "W": (p.rank, 3 - p.rank),
        "W2W1": (p.prefix[2].rank, 3 - p.prefix[2].rank),
        "W3W2": (p.suffix[1].rank, 2 - p.suffix[1].rank),
    }
    printed = {"W1": (2, 1), "W2": (1, 1), "W3": (2, 0), "W": (1, 2), "W2W1": (1, 2),
               "W3W2": (1, 1)}
    transpose = bool(np.array_equal((SEC32[1] @ SEC32[0]).T, SEC32[2] @ SEC32[1]))
    conds_fail = p.prefix[2].rank < 3 and p.rank < 2 and p.k1 != p.k2
    # ∇g is linear in A at the point (the c-term vanishes there): the 9 basis matrices decide
    L, th = _sec32()
    zero_for = []
    for i in range(3):
        for j in range(3):
            A = np.zeros((3, 3))
            A[i, j] = 1.0
            land = type(L)(L.model, LinearQuadraticLoss(A, 1.0, end_to_end(th)))
            if max(float(np.abs(g).max()) for g in land.grad(th)) == 0.0:
                zero_for.append(f"a{i + 1}{j + 1}")
    family = ["a23", "a32", "a33"]
    nums = {"ranks_nullities": ranks, "k1": p.k1, "k2": p.k2,
            "(W2W1)^T = W3W2": transpose, "prop31_conditions_fail": conds_fail,
            "gradient_zero_exactly_for": zero_for}
    inst = [point_instance("000 §3.2 point, d = (3,2,2,3), A = E_33, c = 1", L, th)]
    ok2 = ranks == printed and transpose and (p.k1, p.k2) == (1, 2) and conds_fail
    ok3 = zero_for == family
    if not (ok2 and ok3):
        raise Inconclusive(f"§3.2 data differ from the text: {nums}")
    s2 = ("ranks and nullities (2,1), (1,1), (2,0), (1,2), (1,2), (1,1) as printed; "
          "(W2W1)ᵀ = W3W2; k1 = 1, k2 = 2, so both Prop 3.1 conditions fail")
    s3 = ("∇g vanishes exactly for A in span(E_23, E_32, E_33) = the family "
          "[[0,0,0],[0,0,x],[0,y,z]] (∇g is linear in A at the point; the 9 basis matrices "
          "decide it)")
    return {"T-000-Sec3.2-CE": agrees(f"{s2}; {s3}", numbers=nums, instances=inst),
            "check-2": agrees(s2, numbers=nums, instances=inst),
            "check-3": agrees(s3, numbers=nums, instances=inst)}


def _printed_second_derivative(x, y, z, c, w1, w2, w3):
    def e(M, i, j):
        return M[i - 1, j - 1]

    return (c * (2 * e(w1, 1, 3) ** 2 + 2 * (e(w1, 1, 2) + e(w2, 1, 2)) ** 2
                 + 2 * e(w2, 2, 2) ** 2
                 + 2 * (e(w1, 1, 1) + e(w2, 1, 1) + e(w3, 1, 1)) ** 2
                 + 2 * (e(w2, 2, 1) + e(w3, 2, 1)) ** 2 + 2 * e(w3, 3, 1) ** 2)
            + 2 * e(w1, 2, 3) * e(w2, 2, 2) * x + 2 * e(w1, 1, 2) * e(w3, 3, 1) * y
            + 2 * e(w2, 1, 2) * e(w3, 3, 1) * y + 2 * e(w2, 2, 2) * e(w3, 3, 2) * y
            + 2 * e(w1, 1, 3) * (e(w2, 2, 1) * x + e(w3, 2, 1) * x + e(w3, 3, 1) * z))


@claim("T-000-AppA", "check-8", quick={"n": 3}, full={"n": 20})
def appA_derivatives(ctx, n):
    """App. A: d/dt G(0) = 0 and d²/dt² G(0) equals the printed polynomial (normalisation
    c‖P − W‖², no ½). Both are quadratic forms in the directions, so comparing the printed
    polynomial's matrix (by polarisation on basis vectors) with the Hessian is exact."""
    from dlnscape.architecture import unpack

    rng = ctx.rng()
    worst, g1 = 0.0, 0.0
    for _ in range(n):
        x, y, z, c = (float(v) for v in rng.integers(-5, 6, size=4))
        L, th = _sec32(x, y, z, c, normalisation="appendix")
        arch = L.arch
        P = arch.n_params
        H = L.hessian(th)

        def q(v, arch=arch, x=x, y=y, z=z, c=c):
            w1, w2, w3 = unpack(arch, v)
            return _printed_second_derivative(x, y, z, c, w1, w2, w3)

        E = np.eye(P)
        M = np.empty((P, P))
        for i in range(P):
            for j in range(P):
                M[i, j] = 0.5 * (q(E[i] + E[j]) - q(E[i]) - q(E[j]))
        worst = max(worst, float(np.abs(M - H).max()))
        g1 = max(g1, max(float(np.abs(g).max()) for g in L.grad(th)))
    nums = {"instances": n, "max_abs_hessian_minus_printed": worst, "max_abs_gradient": g1}
    if worst == 0.0 and g1 == 0.0:
        return agrees(f"k = 1 gives 0 and the printed k = 2 polynomial is exactly d²G/dt² on "
                      f"{n} integer (x, y, z, c) (matrices equal entry by entry); the k = 3, 4 "
                      "printouts are OCR-garbled (Gaps 15)", numbers=nums)
    raise Inconclusive(f"the printed second derivative differs from the Hessian: {nums}")


@claim("T-000-Thm3.1", "check-4", "check-5",
       quick={"cs": (0.5, 1.0, 10.0), "triples": ((1, 0, 1), (0, 1, 0), (0, 0, 1), (0, 0, -1))},
       full={"cs": (0.25, 0.5, 1.0, 2.0, 10.0), "triples": "all"}, cost=3)
def thm31_order_of_criticality(ctx, cs, triples):
    """Thm 3.1: "∇²g and ∇³g also equal 0" at the §3.2 point for every A in the family, so
    the point is 3-critical and φ is not 3 ⟹ 1. Check 4: the Hessian for (x, y, z) ∈
    {−1, 0, 1}³ ∖ 0 and several c (text normalisation c/2); check 5: x = y = 0, z = 1, c = 1
    is 3-critical (exact cubic form on ker ∇²g) while ∇f(W) ≠ 0."""
    import itertools

    from dlnscape.architecture import end_to_end
    from dlnscape.critical import criticality_order

    if triples == "all":
        triples = [t for t in itertools.product((-1, 0, 1), repeat=3) if any(t)]
    rows = []
    n_zero_hessian = 0
    for (x, y, z) in triples:
        for c in cs:
            L, th = _sec32(x, y, z, c)
            H = L.hessian(th)
            ev = np.linalg.eigvalsh(H)
            thr = 1e-12 * max(1.0, float(np.abs(ev).max()))
            n_zero_hessian += not np.any(H)
            rows.append({"x": x, "y": y, "z": z, "c": c, "hessian_zero": bool(not np.any(H)),
                         "n_negative": int(np.sum(ev < -thr)),
                         "n_positive": int(np.sum(ev > thr))})
    # a certified strict saddle (not even 2-critical) and the 3-critical case
    Ls, ths = _sec32(1.0, 0.0, 1.0, 1.0)
    res_s = classified(Ls, ths)
    L5, th5 = _sec32(0.0, 0.0, 1.0, 1.0)
    order5 = criticality_order(L5, th5)
    gradf = float(np.linalg.norm(L5.loss.grad(end_to_end(th5))))
    nums = {"cases": rows, "hessian_zero_count": n_zero_hessian,
            "strict_saddle_example": verdict_numbers(res_s),
            "check5": {"order": order5.order, "exact": order5.exact, "grad_f_norm": gradf,
                       "rank_W": 1, "r": 2}}
    label = "000 §3.2 point with A = E_23 + E_33 (x = 1, y = 0, z = 1), c = 1"
    cert = cert_for("T-000-Thm3.1", "x1z1c1", Ls, ths, res_s, label)
    figs = [spectrum_figure("T-000-Thm3.1", "x1z1c1", res_s,
                            f"{label}: Hessian spectrum (negative eigenvalue: not 2-critical)"),
            escape_figure("T-000-Thm3.1", "x1z1c1", Ls, res_s,
                          f"{label}: the loss along the negative-curvature escape")]
    indefinite = sum(r["n_negative"] > 0 for r in rows)
    s4 = (f"'∇²g = ∇³g = 0 for every A in the family' fails: the Hessian is nonzero in "
          f"{len(rows) - n_zero_hessian} of {len(rows)} cases (c ≠ 0 always gives positive "
          f"eigenvalues) and indefinite in {indefinite}; e.g. x = 1, z = 1, c = 1 is a "
          f"certified {res_s.verdict}, not even 2-critical")
    ok5 = order5.order == 3 and order5.exact and gradf > 0.5
    s5 = ("x = y = 0, z = 1, c = 1: 3-critical (exact cubic form on ker ∇²g) while ∇f(W) = E_33 "
          "≠ 0 and rank W = 1 < 2: the conclusion 'not 3 ⟹ 1' holds")
    if str(res_s.verdict) != "strict_saddle" or n_zero_hessian:
        raise Inconclusive(f"unexpected Thm 3.1 data {nums}")
    out4 = disagrees(s4, certificates=[cert], numbers=nums, figures=figs,
                     instances=[point_instance(label, Ls, ths)])
    out5 = (agrees(s5, numbers=nums["check5"],
                   instances=[point_instance("000 §3.2 point, A = E_33, c = 1", L5, th5)])
            if ok5 else None)
    if out5 is None:
        raise Inconclusive(f"check 5: order {order5.order} (exact {order5.exact})")
    return {"T-000-Thm3.1": disagrees(
        s4 + "; the theorem's conclusion (not 3 ⟹ 1, hence not 2 ⟹ 1) survives: " + s5,
        certificates=[cert], numbers=nums, figures=figs,
        instances=[point_instance(label, Ls, ths)]),
        "check-4": out4, "check-5": out5}


@claim("T-000-Claim3.3", "check-6", "check-7",
       quick={"zs": (1.0, -0.1), "cs": (1.0, 100.0), "others": ((1, 0, 0, 1.0), (0, 1, 0, 10.0)),
              "huge_c": False},
       full={"zs": (1.0, -1.0, 0.1, -0.1), "cs": (1.0, 10.0, 100.0, 1e4),
             "others": ((1, 0, 0, 1.0), (1, 0, 0, 10.0), (1, 0, 0, 100.0), (0, 1, 0, 1.0),
                        (0, 1, 0, 10.0), (0, 1, 0, 100.0), (0.3, -0.7, 0.5, 1.0),
                        (-0.4, 0.2, 0.9, 10.0), (0.8, 0.6, -0.3, 100.0)),
             "huge_c": True}, cost=4)
def claim33_not_a_local_minimum(ctx, zs, cs, others, huge_c):
    """Claim 3.3: for A = [[0,0,0],[0,0,x],[0,y,z]] some c > 0 makes the §3.2 point a local
    minimum of g. Check 6: A = zE_33; check 7: x or y ≠ 0."""
    def run(cases, tag):
        rows, certs, insts, figs = [], [], [], []
        for (x, y, z, c) in cases:
            L, th = _sec32(x, y, z, c)
            res = classified(L, th)
            label = f"000 §3.2 point, A = [[0,0,0],[0,0,{x:g}],[0,{y:g},{z:g}]], c = {c:g}"
            rows.append({"x": x, "y": y, "z": z, "c": c, **verdict_numbers(res),
                         "arithmetic": getattr(res.certificate, "arithmetic", None)})
            if str(res.verdict) in ("global_minimum", "local_minimum"):
                continue
            name = f"{tag}-x{x:g}y{y:g}z{z:g}c{c:g}"
            certs.append(cert_for("T-000-Claim3.3", name, L, th, res, label))
            insts.append(point_instance(label, L, th))
            figs.append(escape_figure("T-000-Claim3.3", name, L, res,
                                      f"{label}: the loss along the escape certificate"))
        return rows, certs, insts, figs

    cases6 = [(0.0, 0.0, z, c) for z in zs for c in cs]
    if huge_c:
        cases6.append((0.0, 0.0, 0.1, 1e6))
    r6, c6, i6, f6 = run(cases6, "c6")
    r7, c7, i7, f7 = run(list(others), "c7")
    nums = {"check6": r6, "check7": r7}

    def outcome(rows, certs, insts, figs, what):
        if len(certs) < len(rows):
            mins = [r for r in rows if r["verdict"] in ("global_minimum", "local_minimum")]
            return agrees(f"{what}: local minima found for {mins} (as the claim says)",
                          numbers=nums, instances=insts)
        kinds = sorted({r["verdict"] for r in rows})
        return disagrees(f"{what}: every tested c gives a certified {' or '.join(kinds)} "
                         f"({len(rows)} cases): no tested c > 0 makes the point a local "
                         "minimum", certificates=certs, instances=insts, numbers=nums,
                         figures=figs)

    o6 = outcome(r6, c6, i6, f6, "A = zE_33, z ∈ " + ", ".join(f"{z:g}" for z in zs))
    o7 = outcome(r7, c7, i7, f7, "x or y ≠ 0")
    allc = c6 + c7
    if o6.status == o7.status == "certified_disagreement":
        how = sorted({f"{r['verdict']} ({r['arithmetic']} arithmetic)" for r in r6 + r7})
        main = disagrees(f"{len(allc)} instances of the family, each certified not a local "
                         f"minimum — {', '.join(how)}: the text's 'there exists c > 0' fails "
                         "on every c tested (004 Prop 9 predicts it: rank W < r, ∇f(W) ≠ 0)",
                         certificates=allc, instances=i6 + i7, numbers=nums,
                         figures=f6 + f7)
    else:
        main = o6 if o6.status == "agrees" else o7
    return {"T-000-Claim3.3": main, "check-6": o6, "check-7": o7}


@claim("T-000-Thm3.2", "check-9")
def thm32_title_and_statement(ctx):
    """Thm 3.2: title "φ is not local ⟹ local" (openness at the §3.2 point, check 9) and
    statement "φ does not satisfy local ⟹ 1" (its witness is Claim 3.3's point)."""
    from dlnscape.geometry import is_locally_open, probe_local_openness

    op = is_locally_open(SEC32)
    Z = np.zeros((3, 3))
    Z[2, 2] = 1.0
    pr = probe_local_openness(SEC32, eps=0.1, targets=[Z], radii=(1e-2, 1e-3, 1e-4))
    needed = float(min(min(x) for x in pr.needed))
    nums = {"is_open": op.is_open, "theorem": op.theorem, "probe_min_perturbation": needed}
    if op.is_open is not False:
        raise Inconclusive(f"openness at the §3.2 point not decided: {nums}")
    reach = ("reaches no target near diag(1,0,0) + εE_33 within ε = 0.1" if not np.isfinite(needed)
             else f"needs a perturbation ≥ {needed:.2f}")
    title = agrees("not open onto M_2 at the §3.2 point (001 Thm 5 at the split W_3W_2 · W_1, "
                   f"ranks 1 ≠ 2; the probe {reach}, evidence): so not local ⟹ local (000 "
                   "Thm 2.1), as the title says", numbers=nums)
    L, th = _sec32()
    res = classified(L, th)
    label = "000 §3.2 point, A = E_33, c = 1 (the witness of the statement)"
    if str(res.verdict) in ("global_minimum", "local_minimum"):
        return {"T-000-Thm3.2": title, "check-9": title}
    stmt = disagrees(
        "title: agrees (check-9). Statement 'does not satisfy local ⟹ 1': its only witness, "
        f"Claim 3.3's point, is a certified {res.verdict}, not a local minimum; and 004 Prop 9 "
        "(with Thm 4 / Prop 6) gives local ⟹ 1 at every θ of the product map",
        certificates=[cert_for("T-000-Thm3.2", "witness", L, th, res, label)],
        instances=[point_instance(label, L, th)], numbers={**nums, **verdict_numbers(res)})
    return {"T-000-Thm3.2": stmt, "check-9": title}


@claim("T-000-Cor3.1", "T-000-Lem3.2", "check-10")
def cor31_stationarity_on_Mr(ctx):
    """Lem 3.2 / Cor 3.1: the best rank-2 approximation of Q (5 × 4) is stationary on M_2
    with ∇h ≠ 0; the best rank-1 approximation, viewed in M_2, is not (∇h ≠ 0 at rank < r)."""
    from dlnscape.geometry import is_stationary_on_Mr

    rng = ctx.rng()
    Q = rng.standard_normal((5, 4))
    U, s, Vt = np.linalg.svd(Q)
    X2 = (U[:, :2] * s[:2]) @ Vt[:2]
    X1 = (U[:, :1] * s[:1]) @ Vt[:1]
    st2 = is_stationary_on_Mr(X2 - Q, X2, 2)
    st1 = is_stationary_on_Mr(X1 - Q, X1, 2)
    nums = {"rank2_stationary": st2.stationary, "rank1_stationary_in_M2": st1.stationary,
            "grad_norm_rank2": float(np.linalg.norm(X2 - Q)),
            "residuals_rank2": [float(np.linalg.norm((X2 - Q).T @ X2)),
                                float(np.linalg.norm((X2 - Q) @ X2.T))]}
    if st2.stationary is True and st1.stationary is False:
        return agrees("[Q]_2 satisfies ∇hᵀX = ∇hXᵀ = 0 with ∇h ≠ 0 (stationary on M_2); [Q]_1 "
                      "in M_2 is not (rank < r needs ∇h = 0)", numbers=nums)
    raise Inconclusive(f"unexpected stationarity data {nums}")


@claim("T-000-Prop2.2", "check-11")
def prop22_lkb_pair(ctx):
    """Prop 2.2(ii) 'only if' witness: m = n = 3, r = 2, L = R = [e_1, 0], f = ⟨e_2e_3ᵀ, X⟩:
    ∇_L g = ∇_R g = 0 but LRᵀ = E_11 is not stationary on M_2; (i), (iii) per lift_properties."""
    from dlnscape.architecture import Architecture, end_to_end
    from dlnscape.geometry import is_stationary_on_Mr, lift_properties
    from dlnscape.models.linear import LinearNetwork

    Lm = np.array([[1.0, 0], [0, 0], [0, 0]])
    th = (Lm.T, Lm)
    G = np.zeros((3, 3))
    G[1, 2] = 1.0
    pull = LinearNetwork(Architecture((3, 2, 3))).pullback(th, G)
    stat = is_stationary_on_Mr(G, end_to_end(th), 2).stationary
    lp = lift_properties(th)
    nums = {"pullback_zero": all(bool(np.all(p == 0)) for p in pull),
            "stationary_on_M2": stat, "1=>1": lp["1 ⇒ 1"].verdict,
            "2=>1": lp["2 ⇒ 1"].verdict, "local=>local": lp["local ⇒ local"].verdict}
    if nums["pullback_zero"] and stat is False and lp["1 ⇒ 1"].verdict is False:
        return agrees("the witness works: ∇g = 0 at (L, R) = ([e_1, 0], [e_1, 0]) while E_11 is "
                      "not stationary on M_2 (1 ⟹ 1 fails at rank-deficient pairs); 2 ⟹ 1 and "
                      "local ⟹ local (ranks 1 = 1 = 1) hold there, as (i), (iii) say",
                      numbers=nums, instances=[{"label": "L = R = [e_1, 0], f = ⟨E_23, X⟩"}])
    raise Inconclusive(f"unexpected LKB data {nums}")


@claim("T-000-Thm3.5", "T-001-Prop4", "check-13", quick={"n_pairs": 60}, full={"n_pairs": 500})
def behrends(ctx, n_pairs):
    """Behrends Thm 2.5 (= 001 Prop 4): for k ≥ min(m, n), conditions (ii) and (iii) agree;
    at (0, 0) the product is open in the full space ⟺ k ≥ min(m, n)."""
    from dlnscape.claims.seed_001 import random_pairs
    from dlnscape.geometry import behrends_condition, is_locally_open_product

    rng = ctx.rng()
    n = bad = 0
    for (*_, t2), A, B in random_pairs(rng, n_pairs, rank_deficient_case=False):
        res = is_locally_open_product(A, B)
        if res.is_open is None:
            continue
        n += 1
        if not (res.agree and res.intersection_dim.rank == t2
                and res.is_open == behrends_condition(A, B)["holds"]):
            bad += 1
    zero = {}
    for (m, k, nn) in [(2, 3, 2), (3, 2, 3), (2, 2, 3), (3, 1, 3), (1, 1, 1)]:
        zero[f"{m}x{k}x{nn}"] = {
            "behrends": behrends_condition(np.zeros((m, k)), np.zeros((k, nn)))["holds"],
            "k>=min(m,n)": k >= min(m, nn)}
    ok_zero = all(v["behrends"] == v["k>=min(m,n)"] for v in zero.values())
    nums = {"pairs": n, "mismatches": bad, "at_zero": zero}
    if bad or not ok_zero:
        raise Inconclusive(f"Behrends' conditions disagree: {nums}")
    return agrees(f"(ii) and (iii) agree on {n} random pairs with k ≥ min(m, n); at (0, 0) the "
                  "condition holds exactly when k ≥ min(m, n)", numbers=nums)


def verify_cor32_filling(instance: dict) -> dict:
    """Recompute exactly, for θ = (W_1, W_2, W_3) with integer entries: the rank of the
    Jacobian of μ (a submersion when it equals d_h·d_0, so μ is open) and Cor 3.2's k-th
    condition (both alternatives), with integer ranks."""
    layers = [[[Fraction(x) for x in row] for row in M] for M in instance["layers"]]
    d = [len(layers[0][0])] + [len(M) for M in layers]

    def mul(A, B):
        return [[sum((A[i][t] * B[t][j] for t in range(len(B))), Fraction(0))
                 for j in range(len(B[0]))] for i in range(len(A))]

    def eye(n):
        return [[Fraction(int(i == j)) for j in range(n)] for i in range(n)]

    h = len(layers)
    cols = []
    for k in range(h):
        below = eye(d[0])
        for M in layers[:k]:
            below = mul(M, below)
        above = eye(d[k + 1])
        for M in layers[k + 1:]:
            above = mul(M, above)
        for a in range(d[k + 1]):
            for b in range(d[k]):
                cols.append([above[i][a] * below[b][j] for i in range(d[-1])
                             for j in range(d[0])])
    J = [list(r) for r in zip(*cols, strict=True)]
    rank_J = exact_rank(J)
    submersion = rank_J == d[-1] * d[0]
    kk = int(instance["k"])  # 1-based layer index of the condition
    prefix = eye(d[0])
    for M in layers[:kk]:
        prefix = mul(M, prefix)
    Wn = layers[kk]  # W_{k+1}
    rk_pre = exact_rank(prefix)
    rk_next = exact_rank(Wn)
    rk_prod = exact_rank(mul(Wn, prefix))
    inter = rk_pre - rk_prod  # dim(im W_{k,-} ∩ ker W_{k+1}) (000 Fact-rankAB)
    alt1 = inter <= d[kk] - d[kk + 1]
    alt2 = d[0] - rk_pre + inter <= d[kk] - rk_next
    return {"ok": submersion and not (alt1 or alt2), "jacobian_rank": rank_J,
            "d_h*d_0": d[-1] * d[0], "k": kk, "dim_intersection": inter,
            "alternative_1": alt1, "alternative_2": alt2,
            "text": "Cor 3.2: φ local ⟹ local ⟺ the condition holds for every k"}


@claim("T-000-Cor3.2", "check-14", quick={"per": 1}, full={"per": 4}, cost=3)
def cor32_layerwise_criterion(ctx, per):
    """Cor 3.2: φ is local ⟹ local ⟺ for all k the layer condition holds. Compared with the
    openness of μ (is_locally_open) on every width vector with h ≤ 3, d_i ≤ 3."""
    import itertools

    from dlnscape.architecture import Architecture
    from dlnscape.geometry import layerwise_openness_test

    rng = ctx.rng()
    n = n_suff_ok = n_nec_fail = 0
    for h in range(2, 4):
        for ws in itertools.product(range(1, 4), repeat=h + 1):
            arch = Architecture(ws)
            for trial in range(per):
                ranks = [min(s) if trial == 0 else int(rng.integers(0, min(s) + 1))
                         for s in arch.shapes]
                th = _point(rng, ws, ranks)
                lw = layerwise_openness_test(th)
                op = lw.openness.is_open
                if lw.criterion_holds is None or op is None:
                    continue
                n += 1
                if lw.criterion_holds and op is not True:
                    raise Inconclusive(f"'⟸' fails at widths {ws}: a disagreement in the other "
                                       "direction (not certified yet)")
                n_suff_ok += bool(lw.criterion_holds)
                n_nec_fail += bool(op and not lw.criterion_holds)
    inst = {"layers": [[[0]], [[1], [0], [0]], [[1, 0, 0]]], "k": 1,
            "label": "d = (1,1,3,1), θ = ([0], e_1, e_1ᵀ) (filling: both readings agree)"}
    res = verify_cor32_filling(inst)
    nums = {"instances": n, "criterion_holds_and_open": n_suff_ok,
            "open_but_criterion_fails": n_nec_fail, "filling_counterexample": res}
    if not res["ok"]:
        raise Inconclusive(f"the filling counterexample does not verify: {res}")
    cert = recomputation_certificate(
        "T-000-Cor3.2--d1131", "T-000-Cor3.2", verify_cor32_filling, inst, label=inst["label"],
        how="exact integer Jacobian rank = d_h·d_0 = 1 (a submersion, so μ is open, 004 Thm 4 / "
            "LKB Thm A.2) while both alternatives of the k = 1 condition fail (exact ranks)",
        claimed="local ⟹ local only if the condition holds for every k",
        computed="open at θ, condition fails for k = 1")
    return disagrees(
        f"'⟹' fails: {n_nec_fail} of {n} instances (h ≤ 3, d_i ≤ 3) are open although the "
        "criterion fails (all non-filling architectures: the criterion is full-space openness, "
        "never true across a bottleneck), and in a filling architecture too: d = (1,1,3,1), θ = "
        "([0], e_1, e_1ᵀ) is a submersion but the k = 1 condition fails. '⟸' held on all "
        f"{n_suff_ok} instances where the criterion holds", certificates=[cert],
        instances=[inst], numbers=nums)


def _point(rng, widths, ranks):
    return tuple(rng.standard_normal((widths[i + 1], ranks[i]))
                 @ rng.standard_normal((ranks[i], widths[i])) for i in range(len(widths) - 1))


@claim("T-000-Fact-rankAB", "check-15", quick={"n": 100}, full={"n": 1000})
def rank_identity(ctx, n):
    """rank(AB) = rank B − dim(im B ∩ ker A), with the intersection from principal angles."""
    from dlnscape.claims.seed_001 import random_pairs
    from dlnscape.geometry import is_locally_open_product

    rng = ctx.rng()
    m_ok = tried = 0
    for half in (True, False):
        for _, A, B in random_pairs(rng, n // 2, rank_deficient_case=half):
            res = is_locally_open_product(A, B)
            if res.intersection_dim.ambiguous:
                continue
            tried += 1
            m_ok += res.intersection_dim.rank == res.intersection_dim_fact
    if tried and m_ok == tried:
        return agrees(f"the identity holds on all {tried} random low-rank pairs (intersection "
                      "dimension from principal angles vs rank B − rank AB)",
                      numbers={"pairs": tried})
    raise Inconclusive(f"{tried - m_ok} of {tried} pairs differ")


@claim("T-000-Claim3.1", "check-16")
def claim31_fiber_moves(ctx):
    """Claim 3.1 at the §3.2 point: W̃_3 = Ŵ_3 + δ w û_2ᵀ with Ŵ_{2,-}ᵀ û_2 = 0 keeps every
    W̃_{k,-} (so the product); the kernels available are those the ranks predict."""
    from dlnscape.architecture import prefix_products
    from dlnscape.geometry import fiber_move, fiber_moves

    mv = fiber_move(SEC32, 3, "prefix", 0.25, v=np.array([0.0, 0, 1]), rng=ctx.seed())
    same = all(np.array_equal(a, b) for a, b in zip(prefix_products(mv.theta),
                                                    prefix_products(SEC32), strict=True))
    kinds = sorted((m.layer, m.side, m.kernel_dim) for m in fiber_moves(SEC32))
    nums = {"prefix_products_unchanged": same, "residual": mv.residual, "moves": kinds}
    if same and mv.residual == 0:
        return agrees("the move through the left kernel of Ŵ_{2,-} keeps every prefix product "
                      "exactly (residual 0)", numbers=nums)
    raise Inconclusive(f"unexpected move data {nums}")


def verify_thm33_reading_E(instance: dict) -> dict:
    """Recompute exactly: θ's product W, the rank condition (39) at k, Q's singular values
    (Q diagonal), min over M_r of ‖X − Q‖² (Eckart–Young), ‖W − Q‖² and ∇f(W) = 2(W − Q)."""
    layers = [[[Fraction(x) for x in row] for row in M] for M in instance["layers"]]
    Q = [[Fraction(x) for x in row] for row in instance["Q"]]
    k, r = int(instance["k"]), int(instance["r"])

    def mul(A, B):
        return [[sum((A[i][t] * B[t][j] for t in range(len(B))), Fraction(0))
                 for j in range(len(B[0]))] for i in range(len(A))]

    def prod(ms):
        P = ms[0]
        for M in ms[1:]:
            P = mul(M, P)
        return P

    W = prod(layers)
    left = prod(layers[:k])
    right = prod(layers[k:])
    cond39 = exact_rank(left) == exact_rank(right) == r
    diag = all(Q[i][j] == 0 for i in range(len(Q)) for j in range(len(Q[0])) if i != j)
    sig = sorted((abs(Q[i][i]) for i in range(min(len(Q), len(Q[0])))), reverse=True)
    ey_min = sum((s * s for s in sig[r:]), Fraction(0))
    g_theta = sum(((W[i][j] - Q[i][j]) ** 2 for i in range(len(Q)) for j in range(len(Q[0]))),
                  Fraction(0))
    grad_nonzero = any(W[i][j] != Q[i][j] for i in range(len(Q)) for j in range(len(Q[0])))
    ok = diag and cond39 and g_theta == ey_min and grad_nonzero and exact_rank(W) <= r
    return {"ok": ok, "rank_condition_39": cond39, "g(theta)": str(g_theta),
            "min_over_M_r": str(ey_min), "grad_f_nonzero": grad_nonzero,
            "text": "(39) holds ⟹ local ⟹ 1 at θ, i.e. ∇f(W) = 0 at every local minimum "
                    "(reading X = E)"}


@claim("T-000-Thm3.3", "T-000-Thm3.4")
def thm33_rank_condition_reading_E(ctx):
    """Thm 3.3/3.4: with d_min < d_0, d_L, φ is local ⟹ 1 at θ ⟺ rank(W_k⋯W_1) =
    rank(W_L⋯W_{k+1}) = d_min. Under the reading X = E, '⟸' fails: at a non-degenerate θ
    (condition (39) holds) f = ‖X − Q‖² with Q = W + s·u⊥v⊥ᵀ has θ as a global minimum of
    f∘μ while ∇f(W) ≠ 0. Under the reading X = M_r the '⟸' direction holds (Thm 4 / Prop 6)."""
    from dlnscape.geometry import lift_properties

    layers = [[[2, 0, 0, 0], [0, 1, 0, 0]], [[1, 0], [0, 1], [0, 0]],
              [[1, 0, 0], [0, 1, 0], [0, 0, 1], [0, 0, 0]]]
    Q = [[2, 0, 0, 0], [0, 1, 0, 0], [0, 0, Fraction(1, 2), 0], [0, 0, 0, 0]]
    inst = {"layers": layers, "Q": [[str(x) for x in row] for row in Q], "k": 1, "r": 2,
            "label": "d = (4,2,3,4), θ with W = diag(2,1,0,0), f = ‖X − Q‖², "
                     "Q = diag(2, 1, 1/2, 0)"}
    res = verify_thm33_reading_E(inst)
    th = tuple(np.array(M, dtype=float) for M in layers)
    lp = lift_properties(th, n_random=0)["local ⇒ 1"]
    nums = {"exact": res, "lift_properties": {"verdict_M_r": lp.verdict,
                                              "verdict_E": lp.verdict_E,
                                              "findings": list(lp.findings)}}
    if not res["ok"]:
        raise Inconclusive(f"the reading-E counterexample does not verify: {res}")
    cert = recomputation_certificate(
        "T-000-Thm3.3--readingE", "T-000-Thm3.3", verify_thm33_reading_E, inst,
        label=inst["label"], how="exact rationals: (39) holds, g(θ) = ‖W − Q‖² = 1/4 equals "
        "the Eckart–Young minimum of ‖X − Q‖² over M_2 (so θ is a global minimum of g), and "
        "∇f(W) = 2(W − Q) ≠ 0", claimed="∇f(W) = 0 at every local minimum of g",
        computed="∇f(W) ≠ 0 at a global minimum")
    return disagrees(
        "reading X = E: '⟸' fails — (39) holds at θ, θ is a global minimum of g = f∘μ, and "
        "∇f(W) ≠ 0 (exact). Reading X = M_r: '⟸' holds (lift_properties: local ⟹ 1 by 004 "
        "Thm 4 / Prop 6); the '⟹' direction contradicts 004 Prop 9 (Gaps 1: a theorem, not a "
        "computation)", certificates=[cert], instances=[inst], numbers=nums)


CHECKS = (
    sec32_data_and_gradient,
    appA_derivatives,
    thm31_order_of_criticality,
    claim33_not_a_local_minimum,
    thm32_title_and_statement,
    cor31_stationarity_on_Mr,
    prop22_lkb_pair,
    behrends,
    cor32_layerwise_criterion,
    rank_identity,
    claim31_fiber_moves,
    thm33_rank_condition_reading_E,
)

NOT_CHECKABLE = {
    "T-000-Intro": "restates T-000-Thm2.3 (LvB) and lists open questions (checked through "
                   "T-000-Thm2.3, T-000-Thm3.3/3.4 and T-004-Prop9)",
    "T-000-Claim3.2": "a step of the proof of Prop 3.1 (for all admissible moves …): only the "
                      "moves themselves are computable (T-000-Claim3.1)",
}

VERIFIERS = (verify_cor32_filling, verify_thm33_reading_E)
