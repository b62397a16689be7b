"""Lift properties (000 Def 2.6, Prop 2.2, Thm 3.1–3.4, Cor 3.2; catalog §6.2 X1, X3, X7) and
pure/spurious critical points (004 Def 1, Lem 2, Prop 6, Prop 9)."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from _geo_points import low_rank, point_with_ranks
from hypothesis import given, settings
from hypothesis import strategies as st

import dlnscape as dl
from dlnscape.architecture import Architecture, end_to_end
from dlnscape.geometry import (
    critical_type,
    factorize,
    fiber_move,
    fiber_moves,
    is_locally_open,
    is_stationary_on_Mr,
    lift_properties,
    random_fiber_point,
)
from dlnscape.models.linear import LinearNetwork

W1 = np.array([[1.0, 0, 0], [0, 1, 0]])
W2 = np.array([[1.0, 0], [0, 0]])
SEC32 = (W1, W2, W1.T)


def test_000_prop22_ii_rank_deficient_pair_is_not_1_to_1():
    """000 Prop 2.2(ii) witness (check 11): m = n = 3, r = 2, L = R = [e_1, 0],
    f = ⟨e_2 e_3ᵀ, X⟩: ∇_L g = ∇_R g = 0 but LRᵀ = E_11 is not stationary on M_2."""
    L = np.array([[1.0, 0], [0, 0], [0, 0]])
    th = (L.T, L)  # μ = L Lᵀ = ψ(L, R) with R = L
    G = np.zeros((3, 3))
    G[1, 2] = 1.0
    pull = LinearNetwork(Architecture((3, 2, 3))).pullback(th, G)
    assert all(np.all(p == 0) for p in pull)
    assert is_stationary_on_Mr(G, end_to_end(th), 2).stationary is False
    lp = lift_properties(th)
    v = lp["1 ⇒ 1"]
    assert v.verdict is False and v.counterexample["valid"]
    assert v.per_text["000 Prop 2.2(ii) (LKB Prop 3.6(ii)), reading M_r"]["value"] is False
    assert lp["2 ⇒ 1"].verdict is True  # LKB Prop 3.6(iii), a theorem
    assert lp["local ⇒ local"].verdict is True  # LKB (i): ranks 1 = 1 = 1


@settings(derandomize=True, max_examples=30, deadline=None)
@given(st.integers(0, 2), st.integers(0, 2), st.integers(0, 2**31 - 1))
def test_lkb_prop36_i_and_ii_match_the_verdicts(rl, rr, seed):
    """000 Prop 2.2(i)/(ii) on random pairs (m = n = 4, r = 2) agree with the certified
    verdicts (openness; 1⇒1 from Im dμ and the normal space)."""
    rng = np.random.default_rng(seed)
    th = (low_rank(rng, 2, 4, rr), low_rank(rng, 4, 2, rl))
    lp = lift_properties(th, n_random=0)
    if lp.ambiguous:
        return
    for name in ("local ⇒ local", "1 ⇒ 1"):
        v = lp[name]
        for key, entry in v.per_text.items():
            if "LKB" in key:
                assert entry["value"] == v.verdict, (name, key)


def test_sec32_point_lifts_and_the_2_to_1_counterexample():
    """000 Thm 3.1 (not 2⇒1) at the §3.2 point: an f = ⟨G,X⟩ + (c/2)‖X − W‖² with θ
    2-critical and W not stationary on M_2 is found; re-checked with the Landscape oracles."""
    lp = lift_properties(SEC32)
    v = lp["2 ⇒ 1"]
    assert v.verdict is False
    ce = v.counterexample
    arch = Architecture((3, 2, 2, 3))
    land = dl.Landscape(dl.LinearNetwork(arch),
                        dl.LinearQuadraticLoss(ce["G"], ce["c"], end_to_end(SEC32)))
    g = land.grad(SEC32)
    assert max(float(np.abs(x).max()) for x in g) <= 1e-12
    ev = np.linalg.eigvalsh(land.hessian(SEC32))
    assert ev[0] >= -1e-9 * max(1.0, abs(ev).max())
    assert is_stationary_on_Mr(ce["G"], end_to_end(SEC32), 2).stationary is False
    # the G found lies in the text's family A = [[0,0,0],[0,0,x],[0,y,z]] (∇g = 0 there)
    assert np.abs(ce["G"][0]).max() < 1e-12 and abs(ce["G"][1, 0]) + abs(ce["G"][1, 1]) < 1e-12
    assert abs(ce["G"][2, 0]) < 1e-12
    assert lp["local ⇒ local"].verdict is False  # Thm 3.2 title: not open (check 9)


def _frac(a):
    return np.array([[Fraction(x).limit_denominator(10**6) for x in row] for row in a],
                    dtype=object)


def test_000_claim33_refuted_by_fiber_moves_exactly():
    """Catalog §6.2 X1: 000 Claim 3.3 says θ (the §3.2 point) is a local minimum of
    g = f∘μ, f(X) = ⟨A,X⟩ + (c/2)‖X − W‖², for A = zE_33 and some c > 0. FINDING: for every
    c, two fiber moves (the 004 Prop 9 mechanism) reach θ'' with g(θ'') = g(θ) = 0 at
    distance √2·δ and ∇g(θ'') ≠ 0; one gradient step then gives g < 0 = g(θ). The decrease is
    computed in exact rational arithmetic, so θ is not a local minimum (c = 1, 10, 100)."""
    delta = 1e-2
    m1 = fiber_move(SEC32, 3, "prefix", delta, v=np.array([0.0, 0, 1]))
    m2 = fiber_move(m1.theta, 1, "suffix", delta, w=np.array([0.0, 0, 1]))
    th2 = m2.theta
    dist = np.sqrt(sum(np.sum((a - b) ** 2) for a, b in zip(th2, SEC32, strict=True)))
    assert m2.residual <= 1e-16 and np.isclose(dist, np.sqrt(2) * delta)
    exact = [_frac(np.round(W, 12)) for W in th2]
    Wf = _frac(end_to_end(SEC32))
    for c in (Fraction(1), Fraction(10), Fraction(100)):
        A = np.zeros((3, 3), dtype=object) + Fraction(0)
        A[2, 2] = Fraction(1)

        def g(t, A=A, c=c):
            P = t[2].dot(t[1]).dot(t[0])
            D = P - Wf
            return sum((A * P).ravel()) + c / 2 * sum((D * D).ravel())

        assert g(exact) == 0
        P1, P2 = exact[0], exact[1].dot(exact[0])
        S1, S2 = exact[2].dot(exact[1]), exact[2]
        D = exact[2].dot(exact[1]).dot(exact[0]) - Wf
        Gf = A + c * D  # ∇f at μ(θ'') = W
        grads = [S1.T.dot(Gf), S2.T.dot(Gf).dot(P1.T), Gf.dot(P2.T)]
        assert any(x != 0 for gr in grads for x in gr.ravel())
        eta = Fraction(1, 1000)
        stepped = [t - eta * gr for t, gr in zip(exact, grads, strict=True)]
        assert g(stepped) < 0


def test_local_to_1_reading_E_counterexample_is_valid():
    """Non-filling, rk W = r: under the reading X = E, f = ‖X − Q‖² with Q = W + s u⊥v⊥ᵀ
    (s < σ_r(W)) has θ as a global minimum of f∘μ (Eckart–Young: [Q]_r = W) while
    ∇f(W) ≠ 0. Re-checked: random perturbations never lower f∘μ."""
    rng = np.random.default_rng(0)
    th = point_with_ranks(rng, (4, 2, 3, 4), (2, 2, 2))
    v = lift_properties(th, n_random=0)["local ⇒ 1"]
    assert v.verdict is True and v.verdict_E is False
    Q = v.counterexample_E["Q"]
    W = end_to_end(th)
    sv = np.linalg.svd(Q, compute_uv=False)
    assert sv[1] > sv[2] > 0  # a gap at r = 2, so [Q]_2 is unique
    g0 = np.sum((W - Q) ** 2)
    for _ in range(200):
        th2 = tuple(x + 1e-3 * rng.standard_normal(x.shape) for x in th)
        assert np.sum((end_to_end(th2) - Q) ** 2) >= g0 - 1e-15
    assert v.counterexample_E["grad_f_norm"] > 0


def test_local_to_local_reading_E_counterexample_non_filling():
    """Non-filling: im μ = M_r has empty interior, so f = −dist(·, M_r) is a counterexample
    to local⇒local on E at every θ (f∘μ ≡ 0; f(W + tN) < 0)."""
    th = tuple(np.zeros(s) for s in Architecture((3, 2, 2, 3)).shapes)
    v = lift_properties(th, n_random=0)["local ⇒ local"]
    assert v.verdict is True and v.verdict_E is False
    X = v.counterexample_E["witness_X"]
    assert np.linalg.svd(X, compute_uv=False)[2] > 0 and v.counterexample_E["f_witness"] < 0
    findings = " ".join(v.findings)
    assert "Cor 3.2" in findings and "X = E" in findings


def test_000_thm34_versus_004_prop9_is_recorded():
    """Catalog §6.2 X1: at the §3.2 point 000 Thm 3.3/3.4 says "not local⇒1"; 004 Prop 9
    (with Thm 4/Prop 6) says local⇒1 holds at every θ. The disagreement is reported."""
    v = lift_properties(SEC32, n_random=0)["local ⇒ 1"]
    assert v.per_text["000 Thm 3.3/3.4 (⟺)"]["value"] is False
    assert v.verdict is True and any("Thm 3.3/3.4" in f for f in v.findings)


def test_filling_lvb_local_to_1():
    rng = np.random.default_rng(1)
    th = point_with_ranks(rng, (3, 4, 5, 2), (1, 2, 1))
    v = lift_properties(th, n_random=0)["local ⇒ 1"]
    assert v.verdict is True and v.verdict_E is True
    assert v.per_text["000 Thm 2.3 (LvB)"]["value"] is True


# ------------------------------------------------------------------ pure / spurious
def _distance_landscape(widths, Q):
    return dl.Landscape(dl.LinearNetwork(Architecture(widths)), dl.DistanceLoss(Q))


def test_004_def1_pure_at_global_minimum_and_prop6_gl_orbit():
    """004 Def 1 / Prop 6 (checks 64, 80): a factorization of [Q]_r is pure; 100 random GL
    actions keep it critical; so do fiber moves (Def 1 (a): every fiber point of a pure
    critical point is critical)."""
    rng = np.random.default_rng(0)
    Q = rng.standard_normal((4, 5))
    U, s, Vt = np.linalg.svd(Q)
    Wr = (U[:, :2] * s[:2]) @ Vt[:2]
    land = _distance_landscape((5, 3, 2, 4), Q)
    th = factorize(Wr, (5, 3, 2, 4), rng=1)
    ct = critical_type(land, th)
    assert ct.kind == "pure" and ct.kind_literal == "pure"
    assert ct.differential_rank == ct.max_differential_rank
    for _ in range(100):
        t2 = random_fiber_point(th, rng)
        assert np.linalg.norm(dl.pack(land.grad(t2))) <= 1e-9 * (1 + land.value(t2))
    for mv in fiber_moves(th, rng, delta=0.5):
        assert np.linalg.norm(dl.pack(land.grad(mv.theta))) <= 1e-9


def test_004_prop9_spurious_saddle_at_zero_and_two_moves_escape():
    """004 Prop 9 (check 66): d = (3,2,2,3), l = ‖W − Q‖², θ = 0 is critical, rk 0 < 2,
    ∇l(0) ≠ 0: spurious; one move keeps θ critical, two successive moves give
    ∇_{W_1}L ≠ 0 of order ε², and a gradient step lowers L below L(0)."""
    rng = np.random.default_rng(2)
    Q = rng.standard_normal((3, 3))
    land = _distance_landscape((3, 2, 2, 3), Q)
    th = tuple(np.zeros(s) for s in Architecture((3, 2, 2, 3)).shapes)
    ct = critical_type(land, th)
    assert ct.kind == "spurious" and ct.saddle_by_prop9
    eps = 1e-3
    m1 = fiber_move(th, 2, "prefix", eps, rng=3)
    assert np.linalg.norm(dl.pack(land.grad(m1.theta))) == 0
    m2 = fiber_move(m1.theta, 3, "prefix", eps, rng=4)
    g = land.grad(m2.theta)
    n1 = np.linalg.norm(g[0])
    assert 0 < n1 <= 10 * eps**2 * np.linalg.norm(Q) * 2
    assert np.linalg.norm(end_to_end(m2.theta)) == 0
    step = tuple(x - 1e-2 * gx for x, gx in zip(m2.theta, g, strict=True))
    assert land.value(step) < land.value(th)


def test_critical_type_not_critical_and_pure_at_singular_point():
    rng = np.random.default_rng(5)
    Q = rng.standard_normal((3, 3))
    land = _distance_landscape((3, 2, 2, 3), Q)
    assert critical_type(land, dl.random_point(Architecture((3, 2, 2, 3)), 1)).kind == \
        "not_critical"
    Q1 = low_rank(rng, 3, 3, 1)  # global minimum has rank 1 < r: singular point of M_2
    land1 = _distance_landscape((3, 2, 2, 3), Q1)
    ct = critical_type(land1, factorize(Q1, (3, 2, 2, 3), rng=2))
    assert ct.kind == "pure" and ct.kind_literal == "spurious" and not ct.smooth_point


def test_critical_type_undetermined_when_rank_is_ambiguous():
    """A critical point whose W has a singular value at the noise/signal boundary."""
    rng = np.random.default_rng(0)
    U = np.linalg.qr(rng.standard_normal((3, 3)))[0]
    V = np.linalg.qr(rng.standard_normal((3, 3)))[0]
    W = U[:, :2] @ np.diag([1.0, 1e-13]) @ V[:, :2].T
    land = _distance_landscape((3, 2, 2, 3), W)  # ∇l(W) = 0: critical at any factorization
    th = factorize(W, (3, 2, 2, 3))
    ct = critical_type(land, th)
    assert ct.kind == "undetermined"


@pytest.mark.parametrize("widths", [(3, 2, 2, 3), (2, 3, 2)])
def test_is_locally_open_reports_its_theorem(widths):
    rng = np.random.default_rng(0)
    arch = Architecture(widths)
    th = point_with_ranks(rng, widths, [min(s) for s in arch.shapes])
    res = is_locally_open(th)
    assert res.is_open is True and "Lem 10" in res.theorem
    assert res.to_dict()["evidence"]["rank_W"] == arch.r


def test_an_unbalanced_approximate_critical_point_is_not_reported_as_a_def1b_disagreement():
    """Newton from random starts on a logistic + ridge loss with d = (5, 3, 1) can end at
    ‖W_1‖ ≈ 1e2, ‖W_2‖ ≈ 1e-33: the aggregate relative gradient is ~1e-18, yet W_1's own gradient
    is far above its rounding floor. Trager et al. 2020 Def 1 (b) (maximal rank dμ ⟹ pure) is
    about exact critical points, so such a point must not be flagged as a disagreement."""
    import dlnscape as dl
    from dlnscape.tolerances import layer_relative_gradients, point_scale

    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((5, 8)), np.sign(rng.standard_normal((1, 8)))
    arch = dl.Architecture((5, 3, 1))
    L = dl.Landscape(arch, dl.LogisticLoss(X, y, ridge=0.1))
    th = dl.find_critical_point(L, dl.random_point(arch, rng), "newton").theta
    assert np.linalg.norm(th[1]) < 1e-20 < np.linalg.norm(th[0])  # the unbalanced end point
    layer_rel = max(layer_relative_gradients(L.grad(th), point_scale(L, th)))
    assert layer_rel > dl.DEFAULT_TOLERANCES.critical_rtol
    ct = dl.critical_type(L, th)
    assert "disagreement" not in ct.reason and ct.kind == "undetermined"
