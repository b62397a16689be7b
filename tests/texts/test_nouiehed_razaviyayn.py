"""Nouiehed & Razaviyayn (seed 001): Ex 2, Lem B13, Lem B17, Prop B18 (with the §3 remark on
δ = O(ε)), and the HuberLoss used for Cor 9 — dlnscape.texts.nouiehed_razaviyayn.

Oracles: JAX autodiff and grids (Ex 2), exact rational residuals and float re-solves (B13),
numpy ranks and SVDs (B17), an independent least-squares solver and dlnscape's openness probe
(B18), JAX and finite differences (Huber).
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import least_squares

import dlnscape as dl
from dlnscape.errors import DlnscapeError, LossError, PointError, ShapeError
from dlnscape.jax_support import jax, jnp
from dlnscape.losses import HuberLoss
from dlnscape.texts import nouiehed_razaviyayn as N

SETTINGS = settings(derandomize=True, max_examples=20, deadline=None)


# --- Ex 2 ------------------------------------------------------------------------------------
def test_001_ex2_critical_points_and_their_kinds():
    ex = N.example2()
    assert ex.critical_points == (Fraction(-1), Fraction(0), Fraction(1))
    assert ex.kinds[Fraction(-1)] == ex.kinds[Fraction(1)] == "strict local minimum"
    assert ex.kinds[Fraction(0)] == "strict local maximum"
    # independent: JAX derivatives of (w² − 1)² written here
    g = lambda w: (w * w - 1.0) ** 2
    for w in ex.critical_points:
        assert float(jax.jit(jax.grad(g))(float(w))) == 0.0
        h = float(jax.jit(jax.grad(jax.grad(g)))(float(w)))
        assert (h > 0) == (ex.kinds[w] == "strict local minimum")
        assert float(ex.taylor[w][2]) == pytest.approx(h / 2, rel=1e-14)
    # brute force: the local minima of g on a grid are at ±1 only
    w = np.linspace(-2, 2, 4001)
    v = g(w)
    mins = w[1:-1][(v[1:-1] < v[:-2]) & (v[1:-1] < v[2:])]
    np.testing.assert_allclose(sorted(mins), [-1.0, 1.0], atol=1e-3)


def test_001_ex2_local_minima_map_to_the_auxiliary_convex_minimum():
    # Obs 1: F(w) = w² is open onto [0, ∞), so the minima w = ±1 map to the local, hence
    # global, minimum z = 1 of the convex problem min_{z ≥ 0} (z − 1)²: both are global of (7)
    ex = N.example2()
    for w, kind in ex.kinds.items():
        if kind == "strict local minimum":
            assert ex.images[w] == ex.auxiliary_minimiser == 1
            assert ex.taylor[w][0] == ex.auxiliary_minimum == 0
    z = np.linspace(0, 3, 3001)
    assert z[np.argmin((z - 1) ** 2)] == pytest.approx(1.0)


@pytest.mark.parametrize("w_bar", [Fraction(-1), Fraction(0), Fraction(1), Fraction(1, 2)])
@pytest.mark.parametrize("eps", [Fraction(1, 2), Fraction(1, 10), Fraction(1, 1000)])
def test_001_ex2_square_map_is_open_in_its_range(w_bar, eps):
    delta = N.example2_openness_radius(w_bar, eps)
    assert delta > 0
    if w_bar == 0:
        assert delta == eps * eps  # the ball (−ε, ε) maps onto [0, ε²)
    elif abs(w_bar) == 1:
        assert delta == 2 * eps - eps * eps
    # brute force: the image of a fine grid of (w̄ − ε, w̄ + ε) covers [z̄ − δ, z̄ + δ] ∩ [0, ∞)
    w = np.linspace(float(w_bar - eps), float(w_bar + eps), 200_001)[1:-1]
    img = w * w
    z = float(w_bar * w_bar)
    slack = 4 * float(abs(w_bar) + eps) * (w[1] - w[0])  # image spacing of the grid
    assert img.max() >= z + float(delta) - slack
    assert img.min() <= max(z - float(delta), 0.0) + slack


def test_001_ex2_openness_needs_the_range_not_R():
    # deliberately broken reading "open in R": at w̄ = 0 no ball around 0 ∈ R is covered
    # (negative targets are never squares); relative to the range [0, ∞) it is open
    w = np.linspace(-0.1, 0.1, 1001)
    assert (w * w).min() >= 0.0
    assert N.example2_openness_radius(0, Fraction(1, 10)) == Fraction(1, 100)
    with pytest.raises(ShapeError, match="eps:"):
        N.example2_openness_radius(0, 0)


# --- Lem B13 ---------------------------------------------------------------------------------
@SETTINGS
@given(st.integers(2, 7), st.integers(1, 4), st.data())
def test_001_lemB13_row_basis_has_bounded_coefficients(m, n, data):
    r = data.draw(st.integers(0, min(m - 1, n)))
    rng = np.random.default_rng(data.draw(st.integers(0, 10_000)))
    V = (rng.integers(-4, 5, (m, r)) @ rng.integers(-4, 5, (r, n))).astype(float)
    if data.draw(st.booleans()):
        V = V / 8.0  # dyadic, still exact
    for method in ("proof", "maxvol"):
        res = N.lemma_b13_row_basis(V, method)
        r_true = np.linalg.matrix_rank(V)
        assert res.rank == r_true and len(res.basis) == r_true
        assert res.residual_zero
        # float re-check of V_{Bᶜ} = A V_B, independent of the exact one
        Bc = [j for j in range(m) if j not in res.basis]
        np.testing.assert_allclose(res.A @ V[list(res.basis)], V[Bc], atol=1e-9 * (
            1 + np.abs(V).max()))
        assert res.max_abs <= res.bound == 2 ** (m - r_true - 1)
        if method == "maxvol":
            assert res.max_abs <= 1  # Cramer's rule at a maximal-volume basis
        else:
            assert res.updates_match_direct_solve  # the proof's update formulas are exact


def test_001_lemB13_bound_is_attained_by_the_proof_algorithm():
    # V = [1; 3/2; 3]: row 2 swaps in (|a| = 3/2 > 1), row 3 then has a = 2 = 2^{m−r−1};
    # a sharper bound 2^{m−r−2} (deliberately broken) would be violated, maxvol gives 1/2
    V = np.array([[1.0], [1.5], [3.0]])
    res = N.lemma_b13_row_basis(V, "proof")
    assert res.swaps == 1 and res.max_abs == 2 == res.bound
    assert res.max_abs > 2 ** (3 - 1 - 2)
    assert N.lemma_b13_row_basis(V, "maxvol").max_abs == Fraction(1, 2)


def test_001_lemB13_bad_input():
    with pytest.raises(ShapeError, match="V:"):
        N.lemma_b13_row_basis(np.eye(3))
    with pytest.raises(DlnscapeError, match="method"):
        N.lemma_b13_row_basis(np.ones((3, 1)), "greedy")


# --- Lem B17 ---------------------------------------------------------------------------------
def _open_pair(rng, m, k, n, r):
    """W1 = F Gᵀ, W2 = H Jᵀ of rank r with Gᵀ H invertible: N(W1) ∩ C(W2) = {0}."""
    F, G = rng.standard_normal((m, r)), rng.standard_normal((k, r))
    H, J = rng.standard_normal((k, r)), rng.standard_normal((n, r))
    return F @ G.T, H @ J.T


@SETTINGS
@given(st.integers(2, 5), st.integers(2, 5), st.data())
def test_001_lemB17_zero_blocks_at_pairs_satisfying_i_and_ii(m, n, data):
    k = data.draw(st.integers(1, min(m, n) - 1))
    r = data.draw(st.integers(0, k))
    rng = np.random.default_rng(data.draw(st.integers(0, 10_000)))
    W1, W2 = _open_pair(rng, m, k, n, r)
    res = N.lemma_b17_check(W1, W2)
    assert res.hypothesis_i and res.hypothesis_ii
    assert res.conclusion_holds
    assert np.linalg.matrix_rank(W1) == np.linalg.matrix_rank(W2) == res.ranks[0] == r
    # independent: SVD of the product, the blocks W2 V_{:, r:} and U_{:, r:}ᵀ W1
    U, _, Vt = np.linalg.svd(W1 @ W2)
    assert np.linalg.norm(W2 @ Vt[r:].T) <= 1e-10 * (1 + np.linalg.norm(W2))
    assert np.linalg.norm(U[:, r:].T @ W1) <= 1e-10 * (1 + np.linalg.norm(W1))


def test_001_lemB17_conclusion_fails_without_the_hypotheses():
    # N(W1) ∩ C(W2) ≠ {0}: W2's column space meets ker W1, so W2 V_{:, r:} ≠ 0
    rng = np.random.default_rng(5)
    F, G = rng.standard_normal((4, 1)), rng.standard_normal((2, 1))
    W1 = F @ G.T
    nullv = np.array([-G[1, 0], G[0, 0]])  # ker W1
    W2 = np.outer(nullv, rng.standard_normal(3))  # C(W2) = ker W1, ranks 1 = 1, product 0
    res = N.lemma_b17_check(W1, W2)
    assert not (res.hypothesis_i and res.hypothesis_ii)
    assert res.ranks == (1, 1, 0)
    assert res.residual_W2V > 0.5 and not res.conclusion_holds
    with pytest.raises(ShapeError, match="k < min"):
        N.lemma_b17_check(np.ones((2, 2)), np.ones((2, 3)))


# --- Prop B18 and the §3 remark "δ = O(ε)" ---------------------------------------------------
PAIRS = {
    "rank 1 < k = 2": (4, 2, 3, 1),
    "rank 0 (0, 0)": (2, 1, 2, 0),
    "rank 2 < k = 3": (5, 3, 4, 2),
    "rank k = 2": (4, 2, 3, 2),
}


def _pair(name, seed=0):
    m, k, n, r = PAIRS[name]
    if r == 0:
        return np.zeros((m, k)), np.zeros((k, n))
    return _open_pair(np.random.default_rng(seed), m, k, n, r)


def _targets(W1, W2, delta, rng):
    k = W1.shape[1]
    out = []
    if np.linalg.matrix_rank(W1 @ W2) < k:
        out.append(N.rank_increasing_target(W1, W2, 0.99 * delta))
    for _ in range(2):
        Z = rng.standard_normal((W1.shape[0], W2.shape[1]))
        U, s, Vt = np.linalg.svd(W1 @ W2 + 0.5 * delta * Z / np.linalg.norm(Z))
        out.append((U[:, :k] * s[:k]) @ Vt[:k])  # rank ≤ k, within δ (Eckart–Young)
    return out


@pytest.mark.parametrize("name", list(PAIRS))
@pytest.mark.parametrize("eps", [1.0, 0.1, 0.01])
def test_001_propB18_every_target_within_delta_is_reached_within_eps(name, eps):
    W1, W2 = _pair(name)
    d = N.prop_b18_delta(W1, W2, eps)
    assert d.applicable and 0 < d.delta <= eps
    rng = np.random.default_rng(1)
    for T in _targets(W1, W2, d.delta, rng):
        assert np.linalg.norm(T - W1 @ W2) <= d.delta
        c = N.prop_b18_construction(W1, W2, T, eps)
        # recomputed here: the product of the perturbed factors is the target
        P = (W1 + c.delta1) @ (W2 + c.delta2)
        assert np.linalg.norm(P - T) <= 1e-10 * (1 + np.linalg.norm(T))
        assert c.within_eps and np.linalg.norm(c.delta1) <= eps and np.linalg.norm(
            c.delta2) <= eps
        # consistency with the proven lower bound on every preimage
        lb = N.openness_lower_bound(W1, W2, T)
        assert max(c.norm1, c.norm2) >= lb.needed_eps * (1 - 1e-9)


def _solve_preimage(W1, W2, T, rng, scale):
    """An independent solver: trust-region least squares on (W1 + Δ1)(W2 + Δ2) = T from small random
    starts, keeping the closest solution (evidence only)."""
    m, k = W1.shape
    n = W2.shape[1]

    def fun(x):
        D1 = x[: m * k].reshape(m, k)
        D2 = x[m * k:].reshape(k, n)
        return ((W1 + D1) @ (W2 + D2) - T).ravel()

    best = None
    for _ in range(8):
        x0 = scale * rng.standard_normal(m * k + k * n)
        sol = least_squares(fun, x0, method="trf", xtol=1e-15, ftol=1e-15, gtol=1e-15)
        if np.linalg.norm(fun(sol.x)) <= 1e-11 * (1 + np.linalg.norm(T)):
            D1, D2 = sol.x[: m * k].reshape(m, k), sol.x[m * k:].reshape(k, n)
            v = max(np.linalg.norm(D1), np.linalg.norm(D2))
            best = v if best is None else min(best, v)
    return best


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # scipy TRF at a zero Jacobian
@pytest.mark.parametrize("name", ["rank 1 < k = 2", "rank 0 (0, 0)"])
def test_001_propB18_independent_solver_agrees(name):
    W1, W2 = _pair(name)
    eps = 0.1
    d = N.prop_b18_delta(W1, W2, eps)
    T = N.rank_increasing_target(W1, W2, d.delta)
    found = _solve_preimage(W1, W2, T, np.random.default_rng(2), np.sqrt(d.delta))
    assert found is not None and found <= eps
    assert found >= N.openness_lower_bound(W1, W2, T).needed_eps * (1 - 1e-9)
    # dlnscape's openness probe (Gauss–Newton from θ) on generic targets: reached within ε
    Z = np.random.default_rng(3).standard_normal(T.shape)
    pr = dl.probe_local_openness((W2, W1), eps=eps, targets=[Z], radii=(d.delta / 2,))
    if name != "rank 0 (0, 0)":  # at (0, 0) the Jacobian is 0: the probe cannot start
        assert pr.reached_within_eps == [1.0]


def test_001_sec3_finding_delta_is_not_of_order_eps_at_rank_deficient_open_pairs():
    # The text (§3, "How much perturbation is needed?"): "for any locally open pair
    # (W1, W2), given an ε > 0, the chosen δ is of order ε, i.e., δ = O(ε)". At open pairs with
    # rank W1W2 < k this fails in the sense "δ can be taken proportional to ε":
    for name in ["rank 1 < k = 2", "rank 0 (0, 0)", "rank 2 < k = 3"]:
        W1, W2 = _pair(name)
        m, k, n, r = PAIRS[name]
        assert N.lemma_b17_check(W1, W2).hypothesis_i  # open (Thm 5 / Prop B18)
        # (a) proof: the rank-increasing target at distance δ needs max ‖Δ_i‖ ≥ √δ
        for delta in (1e-2, 1e-4, 1e-6):
            T = N.rank_increasing_target(W1, W2, delta)
            assert np.linalg.norm(T - W1 @ W2) == pytest.approx(delta, rel=1e-12)
            assert N.openness_lower_bound(W1, W2, T).needed_eps == pytest.approx(
                np.sqrt(delta), rel=1e-9)
        # (b) the proof's own δ(ε) is at most ε²/(n2^{n+1}): δ/ε → 0 linearly in ε
        ratios = []
        for eps in (1e-1, 1e-2, 1e-3):
            d = N.prop_b18_delta(W1, W2, eps)
            assert d.delta <= eps * eps / (n * 2.0 ** (n + 1)) * (1 + 1e-12)
            ratios.append(d.delta / eps)
        assert ratios[1] < 0.2 * ratios[0] and ratios[2] < 0.2 * ratios[1]
    # contrast (agreement): at an open pair with rank W1W2 = k, δ(ε)/ε is constant
    W1, W2 = _pair("rank k = 2")
    ratios = [N.prop_b18_delta(W1, W2, eps).delta / eps for eps in (1e-1, 1e-2, 1e-3)]
    np.testing.assert_allclose(ratios, ratios[0], rtol=1e-9)


def test_001_sec3_lower_bound_fails_if_the_projection_is_dropped():
    # deliberately broken bound √‖T − W1W2‖ (no projection onto C(W1)^⊥ ⊗ R(W2)^⊥): a generic
    # target is reached with max ‖Δ_i‖ far below it, while the true bound holds
    W1, W2 = _pair("rank k = 2")
    eps = 0.1
    d = N.prop_b18_delta(W1, W2, eps)
    T = _targets(W1, W2, d.delta, np.random.default_rng(4))[0]
    c = N.prop_b18_construction(W1, W2, T, eps)
    assert max(c.norm1, c.norm2) < np.sqrt(np.linalg.norm(T - W1 @ W2))
    assert max(c.norm1, c.norm2) >= N.openness_lower_bound(W1, W2, T).needed_eps


def test_001_propB18_not_open_pairs():
    # rank W1 ≠ rank W2 (Thm 5: not open): no δ from the proof, and no construction
    W1 = np.array([[1.0], [1.0]])
    W2 = np.zeros((1, 2))
    d = N.prop_b18_delta(W1, W2, 0.1)
    assert not d.applicable and d.delta == 0.0
    with pytest.raises(PointError, match="W1, W2"):
        N.prop_b18_construction(W1, W2, np.diag([0.1, 0.0]), 0.1)
    W1, W2 = _pair("rank 1 < k = 2")
    with pytest.raises(ShapeError, match="target:"):
        N.prop_b18_construction(W1, W2, np.eye(4, 3), 0.1)
    with pytest.raises(ShapeError, match="eps:"):
        N.prop_b18_delta(W1, W2, -1.0)


# --- HuberLoss (the convex non-quadratic loss for Cor 9) --------------------------------------
def _huber_ref(X, Y, kappa):
    Xj, Yj = jnp.asarray(X), jnp.asarray(Y)

    def f(W):
        R = W @ Xj - Yj
        a = jnp.abs(R)
        return jnp.sum(jnp.where(a <= kappa, 0.5 * R**2, kappa * a - 0.5 * kappa**2))

    return f


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_huber_loss_matches_jax_and_finite_differences(seed):
    rng = np.random.default_rng(seed)
    X, Y = rng.standard_normal((3, 7)), rng.standard_normal((2, 7))
    kappa = 0.4
    loss = HuberLoss(X, Y, kappa)
    ref = _huber_ref(X, Y, kappa)
    W, V = rng.standard_normal((2, 3)), rng.standard_normal((2, 3))
    assert loss.kinks(W).shape[0] == 0
    assert loss.value(W) == pytest.approx(float(ref(jnp.asarray(W))), rel=1e-14)
    np.testing.assert_allclose(loss.grad(W), np.asarray(jax.jit(jax.grad(ref))(jnp.asarray(W))),
                               rtol=1e-12, atol=1e-14)
    Hj = np.asarray(jax.jit(jax.hessian(ref))(jnp.asarray(W))).reshape(6, 6)
    np.testing.assert_allclose(loss.hessian_matrix(W), Hj, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(loss.hvp(W, V), (Hj @ V.ravel()).reshape(2, 3), rtol=1e-12,
                               atol=1e-14)
    # central finite differences of value and gradient
    h = 1e-6
    fd = (loss.value(W + h * V) - loss.value(W - h * V)) / (2 * h)
    assert fd == pytest.approx(float(np.vdot(loss.grad(W), V)), rel=1e-6)
    fdg = (loss.grad(W + h * V) - loss.grad(W - h * V)) / (2 * h)
    np.testing.assert_allclose(fdg, loss.hvp(W, V), rtol=1e-5, atol=1e-7)
    # jax_value is the same function (used by jet for Taylor coefficients)
    assert float(loss.jax_value(jnp.asarray(W))) == pytest.approx(loss.value(W), rel=1e-14)
    # magnitude bounds the terms
    mag = loss.magnitude(W)
    assert mag.value >= loss.value(W) and mag.gradient >= np.linalg.norm(loss.grad(W))


def test_huber_loss_is_convex_not_quadratic_and_landscape_agrees_with_jax():
    rng = np.random.default_rng(7)
    X, Y = rng.standard_normal((3, 6)), 3 * rng.standard_normal((2, 6))
    loss = HuberLoss(X, Y, 0.5)
    for _ in range(5):
        W = rng.standard_normal((2, 3))
        assert np.linalg.eigvalsh(loss.hessian_matrix(W)).min() >= -1e-12
    # not quadratic: along a line through a kink the second difference changes
    W0, V = np.zeros((2, 3)), rng.standard_normal((2, 3))
    f = [loss.value(W0 + t * V) for t in np.linspace(-4, 4, 9)]
    assert np.ptp(np.diff(f, 2)) > 1e-3
    # the landscape of a network with this loss: gradient and Hessian against JAX
    arch = dl.Architecture((3, 2, 2))
    L = dl.Landscape(dl.LinearNetwork(arch), loss)
    th = dl.random_point(arch, rng)
    ref = _huber_ref(X, Y, 0.5)

    def F(x):
        W1 = x[:6].reshape(2, 3)
        W2 = x[6:].reshape(2, 2)
        return ref(W2 @ W1)

    x = jnp.asarray(dl.pack(th))
    np.testing.assert_allclose(L.grad_flat(th), np.asarray(jax.jit(jax.grad(F))(x)), rtol=1e-11,
                               atol=1e-13)
    np.testing.assert_allclose(L.hessian(th), np.asarray(jax.jit(jax.hessian(F))(x)), rtol=1e-10,
                               atol=1e-12)


def test_huber_loss_kinks_and_bad_input():
    X, Y = np.eye(2), np.array([[1.0, 0.0], [0.0, 0.0]])
    loss = HuberLoss(X, Y, 1.0)
    assert loss.kinks(np.zeros((2, 2))).tolist() == [[0, 0]]  # residual −1 = −κ
    with pytest.raises(LossError, match="kappa"):
        HuberLoss(X, Y, 0.0)
    with pytest.raises(LossError, match="Y:"):
        HuberLoss(X, np.zeros((2, 3)))


def test_001_results_serialise_to_json():
    import json

    json.dumps(N.example2().to_dict())
    json.dumps(N.lemma_b13_row_basis(np.array([[1.0], [1.5], [3.0]])).to_dict())
    W1, W2 = _pair("rank 1 < k = 2")
    json.dumps(N.lemma_b17_check(W1, W2).to_dict())
    d = N.prop_b18_delta(W1, W2, 0.1)
    json.dumps(d.to_dict())
    T = N.rank_increasing_target(W1, W2, d.delta)
    json.dumps(N.prop_b18_construction(W1, W2, T, 0.1).to_dict())
    json.dumps(N.openness_lower_bound(W1, W2, T).to_dict())
