"""Zhou & Liang 2018 (seed 003) formulas in the text's conventions (column-major vec,
denominator layout) against the package's oracles (``Landscape.grad`` / ``.hessian``) and
against central finite differences written here (catalog T-003-Eq8 … Eq24, T-003-AppB,
T-003-Facts; check 52).

``tests/models/test_one_hidden.py`` already checks eqs (14)/(15) and (24) on fixed instances
with its own Kronecker products; here the functions of ``dlnscape.texts.zhou_liang`` are
checked on hypothesis-drawn instances (and the Kronecker products written in
``tests/conditions/_zl.py`` are reused as the independent reference for G, Q and H).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dlnscape as dl
from dlnscape.errors import DlnscapeError, PointError
from dlnscape.models.activations import activation
from dlnscape.models.minimizers import deep_linear_global_minimizer, residual_global_minimizer
from dlnscape.models.one_hidden import OneHiddenLayerNetwork, one_hidden_global_minimizer
from dlnscape.models.residual import ResidualLinearNetwork
from dlnscape.texts import zhou_liang as zl

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "conditions"))
from _zl import G_text, H_text, Q_text  # noqa: E402

SIGMAS = {"prelu": activation("leaky_relu", 0.3), "smooth": activation("x_plus_a_tanh", 0.5),
          "tanh": activation("tanh")}


def _fd_grad(f, x, h=1e-6):
    out = np.empty_like(x)
    for i in range(x.size):
        e = np.zeros_like(x)
        e[i] = h
        out[i] = (f(x + e) - f(x - e)) / (2 * h)
    return out


def _fd_jac(f, x, h=1e-6):
    return np.stack([(f(x + h * e) - f(x - h * e)) / (2 * h) for e in np.eye(x.size)], axis=1)


def _rel(a, b):
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(b), 1e-300))


# ---- conventions ---------------------------------------------------------------------------
def test_vec_and_text_order():
    """vec stacks columns; text_order maps the package's packed vector (row-major blocks) to
    the text's (column-major blocks), same block order."""
    A = np.arange(6.0).reshape(2, 3)
    assert zl.vec(A).tolist() == [0, 3, 1, 4, 2, 5]
    assert np.array_equal(zl.unvec(zl.vec(A), (2, 3)), A)
    B = np.arange(4.0).reshape(2, 2) + 10
    packed = dl.pack((A, B))
    assert np.array_equal(zl.to_text(packed, [A.shape, B.shape]),
                          np.concatenate([zl.vec(A), zl.vec(B)]))
    H = np.outer(packed, packed)
    t = zl.to_text(packed, [A.shape, B.shape])
    assert np.array_equal(zl.hessian_to_text(H, [A.shape, B.shape]), np.outer(t, t))


# ---- eqs (8)/(9), (17)/(18) ------------------------------------------------------------------
@settings(derandomize=True, max_examples=20, deadline=None)
@given(d=st.integers(1, 3), l=st.integers(1, 4), extra=st.integers(0, 2),
       seed=st.integers(0, 2**31 - 1))
def test_eq8_eq9_gradient_matches_the_oracle(d, l, extra, seed):
    """Eq (8) ``G_k(W)ᵀvec(e)`` with eq (9)'s G_k equals Landscape.grad (converted to the
    text's order) at random points, any m ≥ d; G_k also equals the reference Kronecker product
    (written in tests/conditions/_zl.py)."""
    rng = np.random.default_rng(seed)
    X, Y = rng.standard_normal((d, d + extra)), rng.standard_normal((d, d + extra))
    L = dl.Landscape(dl.LinearNetwork(dl.Architecture([d] * (l + 1))), dl.SquaredLoss(X, Y))
    theta = tuple(rng.standard_normal((d, d)) for _ in range(l))
    c = zl.compare_gradient(L, theta)
    assert c.agrees and c.rel_err <= 1e-12, c.to_dict()
    oracle = zl.to_text(L.grad_flat(theta), [(d, d)] * l)
    assert _rel(zl.eq8_gradient(theta, X, Y), oracle) <= 1e-11
    np.testing.assert_allclose(zl.G_matrix(theta, X), G_text(theta, X), rtol=0, atol=0)


@settings(derandomize=True, max_examples=10, deadline=None)
@given(d=st.integers(1, 3), l=st.integers(1, 3), seed=st.integers(0, 2**31 - 1))
def test_eq17_eq18_hessian_at_global_minimizers_is_GtG(d, l, seed):
    """Eqs (17)/(18): at a global minimizer with m = d (Prop 1 construction) the Hessian is
    G(W*)ᵀG(W*) with block (k, k') = G_k'ᵀG_k; checked against Landscape.hessian (text order)
    and block by block; symmetric blocks."""
    rng = np.random.default_rng(seed)
    X, Y = rng.standard_normal((d, d)), rng.standard_normal((d, d))
    L = dl.Landscape(dl.LinearNetwork(dl.Architecture([d] * (l + 1))), dl.SquaredLoss(X, Y))
    theta = deep_linear_global_minimizer(X, Y, l, rng=seed)
    c = zl.compare_hessian(L, theta)
    assert c.agrees and c.rel_err <= 1e-10, c.to_dict()
    H = zl.hessian_to_text(L.hessian(theta), [(d, d)] * l)
    n = d * d
    for k in range(1, l + 1):
        for kp in range(1, l + 1):
            blk = H[(kp - 1) * n:kp * n, (k - 1) * n:k * n]
            assert _rel(zl.eq17_block(theta, X, k, kp), blk) <= 1e-9
            assert np.allclose(zl.eq17_block(theta, X, k, kp), zl.eq17_block(theta, X, kp, k).T)


def test_catalog_52_gradient_and_hessian_against_finite_differences():
    """Check 52: the column-major gradient G_kᵀvec(e) and the Hessian G(W*)ᵀG(W*) at W* against
    central finite differences (of h written here, and of the text's gradient) → relative
    error < 1e-6."""
    rng = np.random.default_rng(52)
    d, l = 3, 3
    X, Y = rng.standard_normal((d, d)), rng.standard_normal((d, d))
    shapes = [(d, d)] * l

    def split(xt):
        return tuple(zl.unvec(xt[k * d * d:(k + 1) * d * d], (d, d)) for k in range(l))

    def h(xt):
        W = split(xt)
        e = W[2] @ W[1] @ W[0] @ X - Y
        return 0.5 * float(np.sum(e * e))

    theta = tuple(rng.standard_normal((d, d)) for _ in range(l))
    xt = np.concatenate([zl.vec(W) for W in theta])
    assert _rel(zl.eq8_gradient(theta, X, Y), _fd_grad(h, xt)) < 1e-6
    star = deep_linear_global_minimizer(X, Y, l, rng=1)
    xs = np.concatenate([zl.vec(W) for W in star])
    fd_h = _fd_jac(lambda x: zl.eq8_gradient(split(x), X, Y), xs)
    assert _rel(zl.eq18_hessian(star, X), fd_h) < 1e-6
    assert _rel(zl.to_text(dl.pack(star), shapes), xs) == 0.0


def test_eq18_is_only_the_gauss_newton_part_away_from_minimizers():
    """The text derives (18) from e(W*) = 0: at a point with e ≠ 0 GᵀG differs from the true
    Hessian (so the comparison can fail), and compare_hessian refuses such a point; for m > d
    (e(W*) ≠ 0 at the minimizer) it refuses the landscape."""
    rng = np.random.default_rng(0)
    X, Y = rng.standard_normal((2, 2)), rng.standard_normal((2, 2))
    L = dl.Landscape(dl.LinearNetwork(dl.Architecture([2, 2, 2])), dl.SquaredLoss(X, Y))
    theta = tuple(rng.standard_normal((2, 2)) for _ in range(2))
    H = zl.hessian_to_text(L.hessian(theta), [(2, 2)] * 2)
    assert _rel(zl.eq18_hessian(theta, X), H) > 1e-3
    with pytest.raises(PointError, match="theta_star"):
        zl.compare_hessian(L, theta)
    X5, Y5 = rng.standard_normal((2, 5)), rng.standard_normal((2, 5))
    L5 = dl.Landscape(dl.LinearNetwork(dl.Architecture([2, 2, 2])), dl.SquaredLoss(X5, Y5))
    with pytest.raises(DlnscapeError, match="m = d"):
        zl.compare_hessian(L5, deep_linear_global_minimizer(X5, Y5, 2, rng=0))


def test_a_wrong_kronecker_order_disagrees():
    """The conventions matter: G_k with the Kronecker factors swapped (a row-major reading)
    does not reproduce the gradient (so agreement above is not automatic)."""
    rng = np.random.default_rng(1)
    X, Y = rng.standard_normal((3, 3)), rng.standard_normal((3, 3))
    theta = tuple(rng.standard_normal((3, 3)) for _ in range(2))
    e = zl.vec(zl.linear_error(theta, X, Y))
    swapped = np.kron(theta[1], X.T)  # (W_2 ⊗ Xᵀ): the factors of G_1 in the other order
    assert _rel(swapped.T @ e, zl.G_k(theta, X, 1).T @ e) > 1e-3


# ---- eqs (11)/(12), (21)/(22) ----------------------------------------------------------------
@settings(derandomize=True, max_examples=12, deadline=None)
@given(d=st.integers(1, 3), units=st.integers(1, 3), r=st.integers(1, 3),
       seed=st.integers(0, 2**31 - 1))
def test_eq11_eq12_residual_gradient_matches_the_oracle(d, units, r, seed):
    """Eq (11) ``Q_kq(A)ᵀvec(e)`` with eq (12)'s Q_kq equals Landscape.grad of the residual
    network (text order) at random points; Q equals the reference product of _zl.py."""
    rng = np.random.default_rng(seed)
    X, Y = rng.standard_normal((d, d + 1)), rng.standard_normal((d, d + 1))
    L = dl.Landscape(ResidualLinearNetwork(d, units, r), dl.SquaredLoss(X, Y))
    theta = tuple(rng.standard_normal((d, d)) for _ in range(units * r))
    c = zl.compare_gradient(L, theta)
    assert c.agrees and c.rel_err <= 1e-12, c.to_dict()
    np.testing.assert_allclose(zl.Q_matrix(theta, X, units, r), Q_text(theta, X, units, r),
                               rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize("units,r", [(2, 2), (1, 3), (3, 1)])
def test_eq21_eq22_residual_hessian_at_global_minimizers_is_QtQ(units, r):
    """Eqs (21)/(22) at Prop 2 minimizers (m = d): ∇²f(A*) = Q(A*)ᵀQ(A*), block
    (kq, k'q') = Q_k'q'ᵀQ_kq, against Landscape.hessian and finite differences of eq (11)."""
    rng = np.random.default_rng(21 + units + r)
    d = 2
    X, Y = rng.standard_normal((d, d)), rng.standard_normal((d, d))
    L = dl.Landscape(ResidualLinearNetwork(d, units, r), dl.SquaredLoss(X, Y))
    theta = residual_global_minimizer(X, Y, units, r, rng=3)
    c = zl.compare_hessian(L, theta)
    assert c.agrees, c.to_dict()
    n = units * r

    def split(xt):
        return tuple(zl.unvec(xt[i * d * d:(i + 1) * d * d], (d, d)) for i in range(n))

    xs = np.concatenate([zl.vec(A) for A in theta])
    fd = _fd_jac(lambda x: zl.eq11_gradient(split(x), X, Y, units, r), xs)
    assert _rel(zl.eq22_hessian(theta, X, units, r), fd) < 1e-6
    blk = zl.eq21_block(theta, X, units, r, (1, 1), (units, r))
    H = zl.eq22_hessian(theta, X, units, r)
    np.testing.assert_allclose(blk, H[(n - 1) * d * d:, :d * d], rtol=1e-12, atol=1e-14)


# ---- eqs (14)/(15), (24) ---------------------------------------------------------------------
@settings(derandomize=True, max_examples=15, deadline=None)
@given(d=st.integers(1, 3), extra=st.integers(0, 2), kind=st.sampled_from(sorted(SIGMAS)),
       seed=st.integers(0, 2**31 - 1))
def test_eq14_eq15_one_hidden_gradients_match_the_oracle(d, extra, kind, seed):
    """Eqs (15)/(14) stacked as the text's vec(W) = [vec W_1; vec W_2] equal Landscape.grad of
    W_2σ(W_1X) with ½‖· − Y‖² (text order) at random points, any m ≥ d, smooth σ and PReLU
    away from its kink (the equations need σ')."""
    rng = np.random.default_rng(seed)
    sigma = SIGMAS[kind]
    X, Y = rng.standard_normal((d, d + extra)), rng.standard_normal((d, d + extra))
    L = dl.Landscape(OneHiddenLayerNetwork(X, sigma, d, d), dl.SquaredLoss(np.eye(d + extra), Y))
    theta = tuple(rng.standard_normal((d, d)) for _ in range(2))
    c = zl.compare_gradient(L, theta)
    assert c.agrees and c.rel_err <= 1e-12, c.to_dict()
    g2 = zl.to_text(L.grad_flat(theta), [(d, d)] * 2)[d * d:]
    assert _rel(zl.eq14_gradient(theta, X, Y, sigma), g2) <= 1e-12


@pytest.mark.parametrize("kind", ["prelu", "smooth"])
def test_eq24_one_hidden_hessian_at_global_minimizers_is_HtH(kind):
    """Eq (24) at Prop 3 minimizers (d = m = 3): HᵀH equals Landscape.hessian (text order) and
    finite differences of the text's gradient; H equals the reference built in _zl.py."""
    rng = np.random.default_rng(24)
    sigma = SIGMAS[kind]
    X, Y = rng.standard_normal((3, 3)), rng.standard_normal((3, 3))
    L = dl.Landscape(OneHiddenLayerNetwork(X, sigma, 3, 3), dl.SquaredLoss(np.eye(3), Y))
    theta = one_hidden_global_minimizer(X, Y, sigma, rng=1).theta
    c = zl.compare_hessian(L, theta)
    assert c.agrees, c.to_dict()
    np.testing.assert_allclose(zl.H_matrix(theta, X, sigma), H_text(theta, X, sigma),
                               rtol=1e-13, atol=1e-13)

    def split(xt):
        return tuple(zl.unvec(xt[i * 9:(i + 1) * 9], (3, 3)) for i in range(2))

    xs = np.concatenate([zl.vec(W) for W in theta])
    fd = _fd_jac(lambda x: zl.one_hidden_gradient(split(x), X, Y, sigma), xs)
    assert _rel(zl.eq24_hessian(theta, X, sigma), fd) < 1e-6


# ---- App. B and the Facts ------------------------------------------------------------------
@settings(derandomize=True, max_examples=20, deadline=None)
@given(m=st.integers(1, 3), n=st.integers(1, 3), p=st.integers(1, 3),
       seed=st.integers(0, 2**31 - 1))
def test_appb_rules_and_facts_on_random_matrices(m, n, p, seed):
    """T-003-AppB: vec(AXB) = (Bᵀ⊗A)vec(X), ∇_xσ(Ax) = Aᵀdiag(σ'(Ax)) (FD). T-003-Facts:
    ‖A⊗B‖ = ‖A‖‖B‖, η_min(A⊗B) = η_min(A)η_min(B) (any A, B, also rank deficient),
    η_min(AB) ≥ η_min(A)η_min(B) and Weyl for full-rank square factors."""
    rng = np.random.default_rng(seed)
    A, Xm, B = (rng.standard_normal(s) for s in ((m, n), (n, p), (p, m)))
    assert zl.appb_vec_identity(A, Xm, B).holds
    assert zl.appb_sigma_rule(A, rng.standard_normal(n), SIGMAS["smooth"]).holds
    assert zl.fact_kron_norm(A, B).holds
    assert zl.fact_kron_eta(A, B).holds
    low = np.outer(rng.standard_normal(m), rng.standard_normal(n))
    assert zl.fact_kron_eta(low, B).holds
    S1, S2 = rng.standard_normal((n, n)), rng.standard_normal((n, n))
    assert zl.fact_eta_product(S1, S2).holds
    assert zl.fact_weyl(S1, 0.1 * S2).holds


def test_facts_eta_product_fails_for_rank_deficient_factors():
    """FINDING (T-003-Facts, the catalog's "separately, on rank-deficient factors"):
    η_min(AB) ≥ η_min(A)η_min(B) with η_min the smallest non-zero singular value is false for
    rank-one projectors at angle φ: η_min(AB) = |cos φ| < 1. Exact instance φ = π/3:
    A = e₁e₁ᵀ, B = vvᵀ, v = (½, √3/2): AB = ½·e₁vᵀ, whose only non-zero singular value is ½."""
    c = zl.eta_product_counterexample(np.pi / 3)
    assert not c.holds and c.lhs == pytest.approx(0.5, rel=1e-12) and c.rhs == pytest.approx(1)
    A = np.diag([1.0, 0.0])
    v = np.array([0.5, np.sqrt(3) / 2])
    s = np.linalg.svd(A @ np.outer(v, v), compute_uv=False)
    assert s[0] == pytest.approx(0.5, rel=1e-12) and s[1] <= 1e-15
    # the proofs only use it for full-rank square factors, where it holds
    rng = np.random.default_rng(9)
    for _ in range(50):
        assert zl.fact_eta_product(rng.standard_normal((3, 3)), rng.standard_normal((3, 3))).holds


def test_bad_input_names_the_argument():
    rng = np.random.default_rng(2)
    X, Y = rng.standard_normal((2, 2)), rng.standard_normal((2, 2))
    th = (np.eye(2), np.eye(2))
    with pytest.raises(DlnscapeError, match="k: expected a layer index"):
        zl.G_k(th, X, 3)
    with pytest.raises(DlnscapeError, match="X: expected 2 rows"):
        zl.eq8_gradient(th, rng.standard_normal((3, 2)), Y)
    with pytest.raises(DlnscapeError, match="theta"):
        zl.eq8_gradient(np.zeros(8), X, Y)
    with pytest.raises(DlnscapeError, match="theta: expected units"):
        zl.Q_matrix(th, X, 2, 2)
    with pytest.raises(DlnscapeError, match="angle"):
        zl.eta_product_counterexample(0.0)
    L = dl.Landscape(dl.LinearNetwork(dl.Architecture([2, 2])), dl.DistanceLoss(Y))
    with pytest.raises(DlnscapeError, match="landscape.loss"):
        zl.compare_gradient(L, (np.eye(2),))
