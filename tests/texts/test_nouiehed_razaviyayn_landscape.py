"""Nouiehed & Razaviyayn (seed 001) on landscapes: Thm 8 with the App. A.1 (A, B, α) recipe,
Cor 9 for convex non-quadratic losses (logistic, Huber), Lem C19's directions and their
derivative order, and the Thm 12(b) reduction of App. C.

Oracles independent of the module: second differences of Landscape.value, closed forms
written here (‖AW1X‖², 2‖b‖²G_ji, ½‖Δ + t^sP1 + t^{s+1}P2‖²), exact rational Taylor
coefficients, and dlnscape.classify's certified verdicts.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import dlnscape as dl
from dlnscape.examples import nouiehed_thm12_point
from dlnscape.losses import HuberLoss
from dlnscape.texts import nouiehed_razaviyayn as N


def _land(widths, loss):
    return dl.Landscape(dl.LinearNetwork(dl.Architecture(widths)), loss)


def _second_difference(L, theta, v, h):
    plus = tuple(W + h * V for W, V in zip(theta, v, strict=True))
    minus = tuple(W - h * V for W, V in zip(theta, v, strict=True))
    return (L.value(plus) - 2 * L.value(theta) + L.value(minus)) / (h * h)


def _data(seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((4, 2)) @ rng.standard_normal((2, 6))  # rank 2 < d_0 = 4
    Y = rng.standard_normal((3, 2)) @ rng.standard_normal((2, 6))  # rank 2 < d_2 = 3
    return X, Y


def _padded_critical_points(loss, seeds, require=True):
    """Critical points of the bottleneck network (4, 1, 3) found by GD, padded to (4, 2, 3):
    degenerate critical points of the wider network (rank ≤ 1 < 2). (GD rather than Newton:
    Newton from these starts tends to the zero point, where the balanced escape lines of
    classify are too short to certify — reported to the critical/ module.)"""
    small = _land((4, 1, 3), loss)
    out = []
    for s in seeds:
        rng = np.random.default_rng(s)
        res = dl.find_critical_point(small, dl.random_point(small.arch, rng), method="gd")
        if res.converged:
            out.append(N.pad_hidden_layer(res.theta, 1, 2))
    assert out or not require
    return out


# --- Thm 8 (App. A.1) ------------------------------------------------------------------------
def test_001_thm8_recipe_negative_curvature_at_degenerate_critical_points():
    X, Y = _data()
    L = _land((4, 2, 3), dl.SquaredLoss(X, Y))
    points = [(np.zeros((2, 4)), np.zeros((3, 2)))] + _padded_critical_points(L.loss, [0, 1, 3])
    # a case-a point: a fiber move W2 += v e_2ᵀ with v ∈ N(Gᵀ) keeps it critical and makes
    # W2 injective, so App. A.1 must use a ∈ N(W1ᵀ)
    W1, W2 = points[1]
    G = L.loss.grad(W2 @ W1)
    v = np.linalg.svd(G.T)[2][-1]
    points.append((W1, W2 + np.outer(v, [0.0, 1.0])))
    cases = set()
    for th in points:
        esc = N.thm8_second_order_escape(L, th)
        assert esc.applicable and esc.critical and esc.degenerate and not esc.gradient_zero
        cases.add(esc.case)
        B, A = esc.direction
        W1, W2 = th
        # closed forms (written here): slope 2‖b‖²G_ji and the α-free curvature term
        assert esc.slope_taylor == pytest.approx(2 * (esc.vector @ esc.vector) * G_ji(L, th, esc),
                                                 rel=1e-9)
        A0, B0 = (A, B / esc.alpha) if esc.case.startswith("b") else (A / esc.alpha, B)
        const = np.linalg.norm((A0 @ W1 + W2 @ B0) @ X) ** 2
        assert esc.constant == pytest.approx(const, rel=1e-9, abs=1e-12)
        # the second derivative along θ + t(B, A), by second differences of L alone
        fd = _second_difference(L, th, esc.direction, 1e-4)
        assert esc.second_derivative < 0
        assert fd == pytest.approx(esc.second_derivative, rel=1e-5)
        assert esc.hessian_quadratic_form == pytest.approx(esc.second_derivative, rel=1e-9)
        res = dl.classify(L, th, rng=0)
        assert res.verdict == "strict_saddle" and res.verify(L)  # Thm 8: a second-order saddle
    assert cases == {"b ∈ N(W2)", "a ∈ N(W1ᵀ)"}


def G_ji(L, th, esc):
    W1, W2 = th
    return L.loss.grad(W2 @ W1)[esc.j, esc.i]


def test_001_thm8_printed_second_order_value_lacks_a_factor_2():
    # A.1 prints "α‖b‖²⟨X_{i,:}, Δ_{j,:}⟩ + c ≥ 0"; d²/dt² is 2⟨ABX, Δ⟩ + ‖AW̄1X + W̄2BX‖², so the
    # slope in α is 2‖b‖²G_ji (harmless for the argument: only its sign and non-vanishing matter)
    X, Y = _data()
    L = _land((4, 2, 3), dl.SquaredLoss(X, Y))
    th = (np.zeros((2, 4)), np.zeros((3, 2)))
    esc = N.thm8_second_order_escape(L, th)
    printed = (esc.vector @ esc.vector) * G_ji(L, th, esc)
    assert esc.slope_taylor == pytest.approx(2 * printed, rel=1e-9)
    assert esc.slope_taylor != pytest.approx(printed, rel=1e-3)


def test_001_thm8_every_local_minimum_is_global_multistart():
    # Thm 8, first part, with rank-deficient X and Y (d = (4, 2, 3)): GD from random starts
    # ends at certified global minima, never at a non-global local minimum
    X, Y = _data(1)
    L = _land((4, 2, 3), dl.SquaredLoss(X, Y))
    verdicts = []
    for s in range(6):
        th0 = dl.random_point(L.arch, np.random.default_rng(100 + s))
        res = dl.find_critical_point(L, th0, method="gd")
        v = dl.classify(L, res.theta, rng=0).verdict
        verdicts.append(v)
        assert v != "local_minimum"
    assert verdicts.count("global_minimum") >= 4


def test_001_thm8_non_degenerate_points_are_outside_the_recipe():
    X, Y = _data()
    L = _land((4, 2, 3), dl.SquaredLoss(X, Y))
    th = dl.random_point(L.arch, np.random.default_rng(0))
    esc = N.thm8_second_order_escape(L, th)
    assert not esc.applicable and esc.degenerate is False
    with pytest.raises(dl.PointError, match="two layers"):
        N.thm8_second_order_escape(_land((2, 2, 2, 2), dl.SquaredLoss(np.eye(2), np.eye(2))),
                                   tuple(np.eye(2) for _ in range(3)))


# --- Cor 9: convex non-quadratic losses ------------------------------------------------------
def _convex_losses():
    rng = np.random.default_rng(3)
    X = rng.standard_normal((4, 6))
    labels = rng.choice([-1.0, 1.0], (3, 6))
    return {
        "logistic+ridge": dl.LogisticLoss(X, labels, 0.1),
        "logistic": dl.LogisticLoss(X, labels),
        "huber": HuberLoss(X, 2 * rng.standard_normal((3, 6)), 0.5),
    }


@pytest.mark.parametrize("name", ["logistic+ridge", "logistic", "huber"])
def test_001_cor9_degenerate_critical_points_are_second_order_saddles(name):
    loss = _convex_losses()[name]
    L = _land((4, 2, 3), loss)
    # without a ridge the logistic minimum of the bottleneck network may not be attained
    points = [(np.zeros((2, 4)), np.zeros((3, 2)))] + _padded_critical_points(
        loss, [0, 1], require=name != "logistic")
    for th in points:
        chk = N.cor9_check(L, th)
        assert chk.critical and chk.degenerate
        assert chk.conclusion == "second-order saddle" and chk.agrees
        assert chk.verdict == "strict_saddle"  # certified by classify
        esc = chk.escape
        fd = _second_difference(L, th, esc.direction, 1e-4)
        assert fd == pytest.approx(esc.second_derivative, rel=1e-4)
        assert esc.slope_taylor == pytest.approx(esc.slope, rel=1e-8)


def test_001_cor9_newton_multistart_degenerate_points():
    # Newton on ∇L = 0 from small starts (it converges to saddles too); every degenerate
    # critical point it finds must be a second-order saddle or a global minimum
    loss = _convex_losses()["logistic+ridge"]
    L = _land((4, 2, 3), loss)
    n_deg = 0
    for s in range(6):
        th0 = dl.random_point(L.arch, np.random.default_rng(s), scale=0.05)
        res = dl.find_critical_point(L, th0, method="newton")
        if not res.converged:
            continue
        chk = N.cor9_check(L, res.theta)
        if chk.degenerate:
            n_deg += 1
            assert chk.agrees, (chk.conclusion, chk.verdict)
            # Newton ends near θ = 0 (‖W_k‖ ~ 1e-8): classify sees the negative eigenvalue but
            # may not certify the escape there ("undetermined"); never a minimum
            assert chk.verdict in ("strict_saddle", "undetermined") and chk.hessian_negative
    assert n_deg >= 1


def test_001_cor9_degenerate_global_minimum_when_the_gradient_vanishes():
    # Huber with Y = W*X, rank W* = 1 < 2: the padded factorisation of W* is a degenerate
    # critical point with ∇l(W) = 0, a global minimum (l ≥ 0 = l(W*)), not a saddle
    rng = np.random.default_rng(4)
    X = rng.standard_normal((4, 6))
    u, v = rng.standard_normal(3), rng.standard_normal(4)
    loss = HuberLoss(X, np.outer(u, v) @ X, 0.5)
    L = _land((4, 2, 3), loss)
    th = (np.vstack([v, np.zeros(4)]), np.column_stack([u, np.zeros(3)]))
    chk = N.cor9_check(L, th)
    assert chk.degenerate and chk.escape.gradient_zero
    assert chk.conclusion == "global minimum" and chk.agrees
    assert L.value(th) <= 1e-25


# --- Lem C19 ---------------------------------------------------------------------------------
def E(i, j, m=2, n=2):
    out = np.zeros((m, n))
    out[i, j] = 1.0
    return out


C19 = {  # name: (theta, Y) with X = I; critical points, integer entries
    "case b (𝒦 = ∅), h = 3": ((E(0, 0), np.zeros((2, 2)), E(0, 0)), np.array([[0.0, 1], [1, 1]])),
    "case a, k* = h = 3": ((np.array([[0.0, 0], [1, 2]]), E(0, 0), E(0, 1)),
                           np.array([[2.0, -1], [0, 1]])),
    "case a, k* = 3 < h = 4": ((np.array([[1.0, 0], [1, 2]]), E(0, 0), E(0, 1), E(0, 0)),
                               np.array([[0.0, 0], [3, 1]])),
    "N(W1ᵀ) half (transposed)": ((E(0, 0), np.zeros((2, 2)), np.eye(2)),
                                 np.array([[0.0, 1], [0, 1]])),
    "d = (3, 2, 2, 3)": ((E(0, 0, 2, 3), np.zeros((2, 2)), E(0, 0, 3, 2)),
                         np.array([[0.0, 1, 0], [1, 0, 1], [0, 1, 1]])),
}


@pytest.mark.parametrize("name", list(C19))
def test_001_lemC19_first_nonzero_derivative_has_order_s_or_s_plus_1(name):
    th, Y = C19[name]
    d = [th[0].shape[1]] + [W.shape[0] for W in th]
    L = _land(d, dl.SquaredLoss(np.eye(d[0]), Y))
    assert dl.tolerances.relative_gradient_at(L, th)[0] == 0.0  # an exact critical point
    r = N.lemma_c19_directions(L, th)
    assert r.applicable and r.products_vanish
    h = len(th)
    assert r.s == h - r.k_star + 1
    # exact rational Taylor coefficients: zero below order s, first non-zero at s or s + 1,
    # negative (a descent direction)
    ex = r.exact_taylor
    assert all(c == 0 for c in ex[1:r.s])
    assert r.order in (r.s, r.s + 1) and ex[r.order] < 0 and r.descent
    # Landscape.taylor (float, the whole polynomial) equals the exact coefficients
    np.testing.assert_allclose(r.taylor, [float(c) for c in ex], rtol=1e-13, atol=1e-13)
    assert all(c == 0.0 for c in r.taylor[1:r.s])
    # the structure claimed in the proof: g(t) = ½‖Δ + t^s P1 + t^{s+1} P2‖² (written here)
    W = dl.end_to_end(th)
    D = W - Y
    deg = len(r.taylor) - 1
    poly = np.zeros(deg + 1)
    terms = {0: D, r.s: r.P1, r.s + 1: r.P2}
    for (a, Ma), (b, Mb) in itertools.product(terms.items(), repeat=2):
        poly[a + b] += 0.5 * float(np.vdot(Ma, Mb))
    np.testing.assert_allclose(r.taylor, poly, atol=1e-12)
    # deliberately broken (exponents swapped): does not match
    wrong = np.zeros(deg + 2)
    for (a, Ma), (b, Mb) in itertools.product({0: D, r.s + 1: r.P1, r.s: r.P2}.items(), repeat=2):
        wrong[a + b] += 0.5 * float(np.vdot(Ma, Mb))
    assert np.abs(wrong[: deg + 1] - r.taylor).max() > 1e-6
    # P2 = α_h α_1 c E_ji with c = Π p_kᵀb_{k-1} · bᵀb ≠ 0, at the largest |∇l(W)| entry
    G = L.loss.grad(W)
    nz = np.argwhere(r.P2 != 0)
    assert nz.shape[0] in (0, 1)
    if r.alpha_1 != 0:
        assert tuple(nz[0]) == np.unravel_index(np.argmax(np.abs(G)), G.shape)
        assert r.P2[tuple(nz[0])] == pytest.approx(r.alpha_h * r.alpha_1 * float(r.c_constant))
    assert r.c_constant != 0
    # the lemma's conclusion ("global minimum or saddle") against classify
    res = dl.classify(L, th, rng=0)
    assert res.verdict in ("strict_saddle", "degenerate_saddle") and res.verify(L)


@pytest.mark.parametrize("kind", ["logistic", "huber"])
def test_001_lemC19_general_convex_loss(kind):
    # the remark after the proof: "the same result when replacing the square loss by a general
    # convex and differentiable function": same directions, the order is still s or s + 1
    th, Y = C19["case b (𝒦 = ∅), h = 3"]
    loss = (dl.LogisticLoss(np.eye(2), np.array([[1.0, -1], [-1, 1]])) if kind == "logistic"
            else HuberLoss(np.eye(2), Y + 0.3, 0.7))
    L = _land((2, 2, 2, 2), loss)
    r = N.lemma_c19_directions(L, th)
    assert r.applicable and r.exact_taylor is None
    assert all(c == 0.0 for c in r.taylor[1:r.s])
    assert r.order in (r.s, r.s + 1) and r.taylor[r.order] < 0 and r.descent
    fd = (L.value(tuple(W + 1e-2 * V for W, V in zip(th, r.direction, strict=True)))
          - L.value(th))
    assert fd < 0  # an actual decrease at a small step


def test_001_lemC19_hypotheses_fail_at_the_thm12a_point():
    # d = (2, 1, 1, 2): N(W3) = N(W1ᵀ) = {0}, so Lem C19 (and with it this escape) says nothing
    L, th = nouiehed_thm12_point((2, 1, 1, 2))
    r = N.lemma_c19_directions(L, th)
    assert not r.applicable
    assert not r.hypotheses["N(W_h) != 0"] and not r.hypotheses["N(W_1^T) != 0"]


# --- Thm 12(b): the reduction ----------------------------------------------------------------
def _reduction_instances():
    out = {}
    Y = np.array([[1.0, 2], [3, -1]])
    for d in [(2, 3, 2), (2, 3, 3, 2)]:
        L = _land(d, dl.SquaredLoss(np.eye(2), Y))
        out[f"lifted minimum {d}"] = (L, dl.lift(Y, L.arch, rng=1), "Lem 7", "global minimum")
    L = _land((3, 1, 3), dl.SquaredLoss(np.eye(3), np.arange(9.0).reshape(3, 3)))
    out["zero (3,1,3)"] = (L, (np.zeros((1, 3)), np.zeros((3, 1))), "Thm 8",
                           "not a local minimum")
    Lq = _land((3, 2, 3), dl.SquaredLoss(np.eye(3), np.diag([3.0, 2, 1])))
    th, _ = dl.critical_point_from_subset(Lq.loss, Lq.arch, (0, 2), rng=1)
    out["Eckart–Young saddle (3,2,3)"] = (Lq, th, "Thm 8", "not a local minimum")
    th, Y = C19["case b (𝒦 = ∅), h = 3"]
    out["C19 case b"] = (_land((2, 2, 2, 2), dl.SquaredLoss(np.eye(2), Y)), th, "Lem 19",
                         "not a local minimum")
    out["merge then Lem 19"] = (_land((2, 2, 2, 2, 2), dl.SquaredLoss(np.eye(2), Y)),
                                (np.eye(2), E(0, 0), np.zeros((2, 2)), E(0, 0)), "Lem 19",
                                "not a local minimum")
    return out


REDUCTION = _reduction_instances()


@pytest.mark.parametrize("name", list(REDUCTION))
def test_001_thm12b_reduction_decides_like_classify(name):
    L, th, lemma, conclusion = REDUCTION[name]
    red = N.thm12b_reduction(L, th)
    assert red.case == "b" and red.critical and red.merged_critical
    assert red.lemma == lemma and red.conclusion == conclusion
    # merging keeps the end-to-end matrix (and so the value)
    np.testing.assert_allclose(dl.end_to_end(red.merged_theta), dl.end_to_end(th), atol=1e-12)
    for st in red.steps:
        assert len(st.widths_after) == len(st.widths_before) - 1
        assert min(st.widths_after) == min(st.widths_before)
    res = dl.classify(L, th, rng=0)
    assert res.verify(L)
    if conclusion == "global minimum":
        assert res.verdict == "global_minimum"
    else:
        assert res.verdict in ("strict_saddle", "degenerate_saddle")
    assert red.to_dict()["lemma"] == lemma


def test_001_thm12b_finding_proof_gap_at_d_3212():
    # d = (3, 2, 1, 2) is in case (b) (d_p2* = 2 = min(d_0, d_h)). At θ = ([I 0], 0, e_1) with
    # X = I, Y = E_23 (critical, L = ½ > 0 = min): no merge applies (W_1 is full row rank but
    # i = 1; W_3 is full column rank but i = h), so h' = 3, and Lem 19 does not apply
    # (N(W_3) = N(W_1ᵀ) = {0}). The printed step "d'_h' > d'_h'-1 and d'_0 > d'_1 ⟹
    # d_p2* < min(d_h, d_0)" is false here (2 > 1 and 3 > 2). Thm 12(b)'s conclusion still
    # holds: classify certifies a degenerate saddle (fiber move, Trager et al. Prop 9).
    Y = np.zeros((2, 3))
    Y[1, 2] = 1.0
    L = _land((3, 2, 1, 2), dl.SquaredLoss(np.eye(3), Y))
    th = (np.eye(2, 3), np.zeros((1, 2)), np.array([[1.0], [0.0]]))
    red = N.thm12b_reduction(L, th)
    assert red.case == "b" and red.critical and red.steps == ()
    assert red.lemma is None and red.conclusion == "undecided by the text"
    assert red.text_implication is False
    assert not red.detail.applicable
    res = dl.classify(L, th, rng=0)
    assert res.verdict == "degenerate_saddle" and res.verify(L)
    assert L.value(th) == 0.5 and dl.global_minimum(L.loss, L.arch).value == pytest.approx(0.0)


def test_001_thm12b_printed_step_fails_for_these_architectures():
    # arithmetic of the printed step over all h = 3 architectures with widths ≤ 4: those in
    # case (b) whose end widths exceed their neighbours (premise true, conclusion false)
    bad = []
    for d in itertools.product(range(1, 5), repeat=4):
        order = sorted(range(4), key=lambda t: (d[t], t))
        case_b = not d[order[1]] < min(d[0], d[3])
        if case_b and d[3] > d[2] and d[0] > d[1]:
            bad.append(d)
    assert (3, 2, 1, 2) in bad and (2, 1, 2, 3) in bad
    for d in bad:  # each has one interior width ≥ min(d_0, d_h): the premise is not enough
        assert max(d[1], d[2]) >= min(d[0], d[3])


def test_001_thm12b_case_a_is_reported():
    L, th = nouiehed_thm12_point((2, 1, 1, 2))
    assert N.thm12b_reduction(L, th).case == "a"


def test_001_landscape_results_serialise_to_json():
    import json

    X, Y = _data()
    L = _land((4, 2, 3), dl.SquaredLoss(X, Y))
    th = (np.zeros((2, 4)), np.zeros((3, 2)))
    json.dumps(N.thm8_second_order_escape(L, th).to_dict())
    th3, Y3 = C19["case b (𝒦 = ∅), h = 3"]
    L3 = _land((2, 2, 2, 2), dl.SquaredLoss(np.eye(2), Y3))
    json.dumps(N.lemma_c19_directions(L3, th3).to_dict())
    json.dumps(N.thm12b_reduction(L3, th3).to_dict())
