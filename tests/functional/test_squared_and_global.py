"""004 §3.3 reduction, 001 Lem 7 (rank-deficient X), global minima, ½ conventions (002/003)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import minimize

from dlnscape import (
    Architecture,
    DistanceLoss,
    Landscape,
    LinearNetwork,
    LinearQuadraticLoss,
    LogisticLoss,
    SquaredLoss,
    pack,
    random_point,
    unpack,
)
from dlnscape.errors import DlnscapeError
from dlnscape.functional import (
    global_minimum,
    global_minimum_report,
    squared_loss_critical_points,
)
from dlnscape.geometry.manifold import riemannian_gradient, riemannian_hessian, stratum_frame


def _multistart_min(loss, arch, n_starts, rng):
    """Best L-BFGS value of L = l ∘ μ over random starts (independent of the closed form)."""
    land = Landscape(LinearNetwork(arch), loss)

    def f(x):
        return land.value(unpack(arch, x))

    def g(x):
        return land.grad_flat(unpack(arch, x))

    best = np.inf
    for _ in range(n_starts):
        x0 = pack(random_point(arch, rng))
        res = minimize(f, x0, jac=g, method="L-BFGS-B", options={"maxiter": 3000, "gtol": 1e-12,
                                                                 "ftol": 1e-15})
        best = min(best, res.fun)
    return best


@settings(derandomize=True, max_examples=10, deadline=None)
@given(seed=st.integers(0, 10_000), d0=st.integers(2, 4), dy=st.integers(2, 4), n=st.integers(4, 7))
def test_sec33_identity_constant_and_Q0Q0t_is_Sigma(seed, d0, dy, n):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((d0, n))
    Y = rng.standard_normal((dy, n))
    fs = squared_loss_critical_points(SquaredLoss(X, Y), 1)
    P, Q0 = fs.P, fs.Q0
    assert np.allclose(P @ P, X @ X.T, atol=1e-10)
    const = np.sum(Y**2) - np.sum(Q0**2)
    for _ in range(5):
        W = rng.standard_normal((dy, d0)) * 3
        lhs = np.sum((W @ X - Y) ** 2) - np.sum((W @ P - Q0) ** 2)
        assert lhs == pytest.approx(const, rel=1e-9, abs=1e-9)
    Sigma = Y @ X.T @ np.linalg.inv(X @ X.T) @ X @ Y.T
    assert np.allclose(Q0 @ Q0.T, Sigma, atol=1e-9)
    # the reduced target has the same singular values as 004's Q0
    assert np.allclose(np.linalg.svd(Q0, compute_uv=False)[: min(dy, d0)],
                       fs.eckart_young.singular_values, atol=1e-10)


@pytest.mark.parametrize("kx", [4, 2])  # full row rank X, and rank-deficient X (001 Lem 7)
def test_squared_loss_critical_points_are_critical_with_thm12_index(kx):
    rng = np.random.default_rng(7 + kx)
    d0, dy, n, r = 4, 3, 6, 2
    X = rng.standard_normal((d0, kx)) @ rng.standard_normal((kx, n))
    Y = rng.standard_normal((dy, n))
    loss = SquaredLoss(X, Y)
    fs = squared_loss_critical_points(loss, r)
    m = min(dy, kx)
    assert len(fs.points) == {4: 3, 2: 1}[kx]  # C(3, 2); reduced 3×2 target with r = m = 2
    assert m == {4: 3, 2: 2}[kx]
    assert fs.finite == (kx == d0)
    for p in fs.points:
        assert p.value == pytest.approx(loss.value(p.W), rel=1e-10)
        fr = stratum_frame(p.W, rank=len(p.I))
        assert np.linalg.norm(riemannian_gradient(loss, p.W, fr)) <= 1e-9
        ev = np.linalg.eigvalsh(riemannian_hessian(loss, p.W, fr))
        thr = 1e-8 * max(1.0, np.abs(ev).max())
        assert int(np.sum(ev < -thr)) == p.index
        assert int(np.sum(np.abs(ev) <= thr)) == p.nullity


@pytest.mark.parametrize(
    "widths,kx,ky",
    [((4, 2, 3), 4, 3), ((4, 2, 3), 2, 3), ((3, 1, 2, 3), 3, 1), ((4, 3, 3), 1, 2),
     ((3, 2, 3), 3, 3)],
)
def test_global_minimum_squared_loss_vs_multistart(widths, kx, ky):
    rng = np.random.default_rng(sum(widths) + 10 * kx + ky)
    arch = Architecture(widths)
    n = 6
    X = rng.standard_normal((arch.d_in, kx)) @ rng.standard_normal((kx, n))
    Y = rng.standard_normal((arch.d_out, ky)) @ rng.standard_normal((ky, n))
    loss = SquaredLoss(X, Y)
    gm = global_minimum(loss, arch)
    assert gm is not None and gm.certified
    assert np.linalg.matrix_rank(gm.W, tol=1e-9) <= arch.r
    assert loss.value(gm.W) == pytest.approx(gm.value, abs=gm.tol)
    best = _multistart_min(loss, arch, 6, rng)
    assert best >= gm.value - 1e-8
    assert best == pytest.approx(gm.value, abs=1e-6)


def test_half_conventions_002_vs_003_vs_004():
    """Which printed formula does the minimum of ½‖W_l⋯W_1X − Y‖² satisfy? (catalog X4)."""
    rng = np.random.default_rng(0)
    d, m = 4, 9  # 003's square setting: X, Y ∈ R^{d×m}, all widths d (filling)
    X = rng.standard_normal((d, m))
    Y = rng.standard_normal((d, m))
    arch = Architecture([d, d, d, d])
    gm = global_minimum(SquaredLoss(X, Y), arch)
    Sigma = Y @ X.T @ np.linalg.inv(X @ X.T) @ X @ Y.T
    lam = np.sort(np.linalg.eigvalsh(Sigma))[::-1]
    kawaguchi_002 = 0.5 * (np.trace(Y @ Y.T) - lam.sum())  # ½(tr YYᵀ − Σ_k λ_k(Σ))
    zhou_liang_003 = np.trace(Y @ Y.T) - lam.sum()  # Tr(Σ_YY) − Σ λ_i, printed for a ½-loss
    assert gm.value == pytest.approx(kawaguchi_002, rel=1e-10)
    assert gm.value == pytest.approx(0.5 * zhou_liang_003, rel=1e-10)
    assert abs(gm.value - zhou_liang_003) > 0.1  # finding: 003's value is twice the minimum
    best = _multistart_min(SquaredLoss(X, Y), arch, 3, rng)
    assert best == pytest.approx(kawaguchi_002, abs=1e-6)
    # 004's loss has no ½: its minimum over M_r is Σ_{i>r} σ_i² + ‖Y‖² − ‖Q0‖² = 2·(ours)
    r = 2
    gm2 = global_minimum(SquaredLoss(X, Y), Architecture([d, r, d]))
    assert 2 * gm2.value == pytest.approx(np.trace(Y @ Y.T) - lam[:r].sum(), rel=1e-10)


def test_global_minimum_distance_linear_quadratic_and_unbounded():
    rng = np.random.default_rng(1)
    Q0 = rng.standard_normal((3, 3))
    s = np.linalg.svd(Q0, compute_uv=False)
    arch = Architecture([3, 1, 3])
    gm = global_minimum(DistanceLoss(Q0), arch)
    assert gm.value == pytest.approx(s[1] ** 2 + s[2] ** 2, rel=1e-12)
    gm = global_minimum(DistanceLoss(Q0, 2.0 * np.eye(9)), arch)  # φᵀφ = 4 I
    assert gm.value == pytest.approx(4 * (s[1] ** 2 + s[2] ** 2), rel=1e-12)
    phi = rng.integers(-10, 11, (9, 9)).astype(float)
    assert global_minimum(DistanceLoss(Q0, phi), Architecture([3, 3, 3])).value == 0.0
    rep = global_minimum_report(DistanceLoss(Q0, phi), arch)
    assert rep.status == "unknown" and "critical_points_on_Mr" in rep.reason
    A = rng.standard_normal((3, 3))
    W0 = rng.standard_normal((3, 3))
    lq = LinearQuadraticLoss(A, 1.5, W0)
    gm = global_minimum(lq, arch)
    assert gm.value == pytest.approx(lq.value(gm.W), abs=gm.tol)
    best = _multistart_min(lq, arch, 5, rng)
    assert best == pytest.approx(gm.value, abs=1e-7) and best >= gm.value - 1e-9
    for c in (0.0, -1.0):
        rep = global_minimum_report(LinearQuadraticLoss(A, c, W0), arch)
        assert rep.status == "unbounded" and rep.minimum is None and rep.infimum == -np.inf
        # the reason is true: the loss goes below any bound along the stated rank-one ray
        U, _, Vt = np.linalg.svd(A)
        E = -np.outer(U[:, 0], Vt[0])
        assert LinearQuadraticLoss(A, c, W0).value(1e4 * E) < -1e3
    assert global_minimum(LinearQuadraticLoss(np.zeros((3, 3)), 0.0), arch).value == 0.0


def test_global_minimum_logistic_filling_certified_vs_multistart():
    rng = np.random.default_rng(4)
    X = rng.standard_normal((3, 20))
    labels = (rng.standard_normal((2, 20)) > 0).astype(float)
    loss = LogisticLoss(X, labels, ridge=0.1)
    arch = Architecture([3, 4, 2])  # filling (r = 2 = min(d_0, d_h))
    gm = global_minimum(loss, arch)
    assert gm.certified and gm.tol < 1e-10
    best = _multistart_min(loss, arch, 3, rng)
    assert best >= gm.value - gm.tol - 1e-12
    assert best == pytest.approx(gm.value, abs=1e-7)
    rep = global_minimum_report(loss, Architecture([3, 1, 2]))
    assert rep.status == "unknown" and rep.minimum is None


def test_global_minimum_bad_input():
    with pytest.raises(DlnscapeError, match="loss"):
        global_minimum(SquaredLoss(np.ones((3, 4)), np.ones((2, 4))), Architecture([4, 1, 2]))
    with pytest.raises(DlnscapeError, match="arch"):
        global_minimum(DistanceLoss(np.eye(2)), "nonsense")


def test_002_C1_plus_minus_formula():
    """002 App C.1 prints ½(tr YYᵀ ± Σ_{k≤p} Λ_kk) for the product ±U_pU_pᵀYXᵀ(XXᵀ)⁻¹."""
    rng = np.random.default_rng(9)
    dx, dy, n, p = 4, 3, 8, 2
    X = rng.standard_normal((dx, n))
    Y = rng.standard_normal((dy, n))
    loss = SquaredLoss(X, Y)
    Sigma = Y @ X.T @ np.linalg.inv(X @ X.T) @ X @ Y.T
    lam, U = np.linalg.eigh(Sigma)
    lam, U = lam[::-1], U[:, ::-1]
    Up = U[:, :p]
    base = Up @ Up.T @ Y @ X.T @ np.linalg.inv(X @ X.T)
    trYY, S = np.trace(Y @ Y.T), lam[:p].sum()
    plus, minus = loss.value(base), loss.value(-base)
    assert plus == pytest.approx(0.5 * (trYY - S), rel=1e-12)  # the '+' product: text agrees
    # the '−' product: ½(tr YYᵀ − 2s S + s² S) with s = −1 gives ½(tr YYᵀ + 3S), not ½(tr YYᵀ + S)
    assert minus == pytest.approx(0.5 * (trYY + 3 * S), rel=1e-12)
    assert abs(minus - 0.5 * (trYY + S)) > 0.5  # finding: the printed '±' is wrong for '−'
    # and the '+' value is the global minimum over M_p (Eckart–Young)
    assert plus == pytest.approx(global_minimum(loss, Architecture([dx, p, dy])).value, rel=1e-10)


def test_distance_loss_with_a_target_in_M_r_has_minimum_zero_at_the_target():
    # l ≥ 0 and rank Q0 = 1 ≤ r = 1 (non-filling (3, 1, 3), generic φ): min 0 at W = Q0;
    # brute force: gradient descent on the network from random starts never goes below 0
    # and reaches 0 at a point whose product is Q0
    from dlnscape import Architecture, DistanceLoss, Landscape, LinearNetwork, random_point
    from dlnscape.critical import find_critical_point
    from dlnscape.functional import global_minimum

    rng = np.random.default_rng(4)
    Q0 = np.outer(rng.standard_normal(3), rng.standard_normal(3))
    loss = DistanceLoss(Q0, rng.standard_normal((9, 9)))
    gm = global_minimum(loss, Architecture((3, 1, 3)))
    assert gm is not None and gm.value == 0.0 and np.array_equal(gm.W, Q0)
    L = Landscape(LinearNetwork(Architecture((3, 1, 3))), loss)
    best = min(find_critical_point(L, random_point(L.arch, rng=s), "gd", max_iter=4000).value
               for s in range(3))
    assert 0.0 <= best <= 1e-10
    # a rank-2 target is not in M_1: no such closed form is claimed
    Q2 = Q0 + np.outer(rng.standard_normal(3), rng.standard_normal(3))
    assert global_minimum(DistanceLoss(Q2, rng.standard_normal((9, 9))),
                          Architecture((3, 1, 3))) is None
