"""Matrix-free extreme Hessian eigenvalues with GL-orbit deflation (issue 8, "Size").

The orbit tangent ``δW_i = E W_i, δW_{i+1} = −W_{i+1} E`` (Trager et al. 2020, eq. (11)) lies in
``ker ∇²L`` at a critical point; the eigensolver deflates it and reports residuals, the method
used, convergence and ``‖HQ‖``. Everything is checked against dense ``eigh`` / brute force.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dlnscape import Architecture, Landscape, LinearNetwork, SquaredLoss, pack
from dlnscape.errors import DlnscapeError
from dlnscape.functional import critical_point_from_subset
from dlnscape.geometry.fibers import orbit_tangent_basis, random_fiber_point
from dlnscape.landscape import hessian_extreme_eigenvalues


def _problem(widths, seed, I=None, n=None):
    rng = np.random.default_rng(seed)
    arch = Architecture(widths)
    n = n or 2 * max(widths)
    loss = SquaredLoss(rng.standard_normal((arch.d_in, n)), rng.standard_normal((arch.d_out, n)))
    I = range(arch.r) if I is None else I
    theta, info = critical_point_from_subset(loss, arch, I, rng=seed)
    return Landscape(LinearNetwork(arch), loss), theta, info


def _generators(theta):
    """Brute force: ξ_E for every hidden layer and every matrix unit E_ab."""
    cols = []
    for i in range(1, len(theta)):
        d = theta[i - 1].shape[0]
        for a in range(d):
            for b in range(d):
                E = np.zeros((d, d))
                E[a, b] = 1.0
                dth = [np.zeros_like(W) for W in theta]
                dth[i - 1] = E @ theta[i - 1]
                dth[i] = -theta[i] @ E
                cols.append(pack(dth))
    return np.array(cols).T


@settings(derandomize=True, max_examples=12, deadline=None)
@given(seed=st.integers(0, 10_000),
       widths=st.lists(st.integers(1, 4), min_size=3, max_size=5),
       saddle=st.booleans())
def test_orbit_tangent_basis_spans_the_generators_and_is_in_the_hessian_kernel(
        seed, widths, saddle):
    arch = Architecture(widths)
    m = min(arch.d_in, arch.d_out)
    I = list(range(arch.r))
    if saddle and arch.r < m:
        I[-1] = arch.r  # swap the last index: a strict saddle (Thm 12 index 1)
    land, theta, _ = _problem(widths, seed, I)
    theta = random_fiber_point(theta, seed)  # a generic point of the orbit (still critical)
    Q = orbit_tangent_basis(theta)
    T = _generators(theta)
    assert Q.shape == (land.n_params, np.linalg.matrix_rank(T))
    assert np.abs(Q.T @ Q - np.eye(Q.shape[1])).max() <= 1e-12
    # same span as the brute-force generators
    assert np.linalg.norm(T - Q @ (Q.T @ T)) <= 1e-12 * (1 + np.linalg.norm(T))
    # the Hessian annihilates it at a critical point
    H = land.hessian(theta)
    assert np.linalg.norm(H @ Q) <= 1e-10 * (1 + np.linalg.norm(H))
    # the operator form is the same basis
    op = orbit_tangent_basis(theta, as_operator=True)
    z = np.random.default_rng(seed).standard_normal((Q.shape[1], 2))
    v = np.random.default_rng(seed + 1).standard_normal(land.n_params)
    assert np.allclose(np.column_stack([op.matvec(c) for c in z.T]), Q @ z, atol=1e-12)
    assert np.allclose(op.rmatvec(v), Q.T @ v, atol=1e-12)


def test_orbit_tangent_not_in_kernel_away_from_critical_points():
    """Control: at a random (non-critical) point ∇²L ξ_E = −ξ_Eᵀ∇L ≠ 0."""
    rng = np.random.default_rng(0)
    arch = Architecture([3, 2, 3])
    loss = SquaredLoss(rng.standard_normal((3, 6)), rng.standard_normal((3, 6)))
    land = Landscape(LinearNetwork(arch), loss)
    theta = tuple(rng.standard_normal(s) for s in arch.shapes)
    Q = orbit_tangent_basis(theta)
    assert Q.shape[1] == 4
    assert np.linalg.norm(land.hessian(theta) @ Q) > 1e-3


@pytest.mark.parametrize("widths,saddle", [((6, 3, 5), False), ((6, 3, 5), True),
                                           ((4, 3, 3, 4), True), ((5, 2, 4), False)])
@pytest.mark.parametrize("which", ["smallest", "largest"])
def test_deflated_lanczos_matches_dense_restriction(widths, saddle, which):
    arch = Architecture(widths)
    I = list(range(arch.r))
    if saddle:
        I[-1] = arch.r
    land, theta, info = _problem(widths, 3, I)
    H = land.hessian(theta)
    Q = orbit_tangent_basis(theta)
    C = np.linalg.qr(Q, mode="complete")[0][:, Q.shape[1]:]
    ev_c = np.linalg.eigvalsh(C.T @ H @ C)  # brute force: H on span(Q)⊥
    scale = np.abs(np.linalg.eigvalsh(H)).max()
    k = 2
    want = ev_c[:k] if which == "smallest" else ev_c[::-1][:k]
    for defl in (Q, orbit_tangent_basis(theta, as_operator=True)):
        res = hessian_extreme_eigenvalues(land, theta, k, which, deflate=defl,
                                          dense_max_params=5)
        assert res.method == "lanczos-eigsh" and res.converged and res.reason == ""
        assert res.deflation_dim == Q.shape[1] and res.deflation_residual <= 1e-10 * scale
        np.testing.assert_allclose(res.values, want, rtol=0, atol=1e-8 * scale)
        # reported residuals are the true ‖Hv − λv‖ with the full Hessian
        R = np.linalg.norm(H @ res.vectors - res.vectors * res.values, axis=0)
        np.testing.assert_allclose(res.residuals, R, rtol=1e-6, atol=1e-12 * scale)
        assert np.all(res.residuals <= 1e-8 * scale)
        assert np.abs(Q.T @ res.vectors).max() <= 1e-8  # in the complement
        dense = hessian_extreme_eigenvalues(land, theta, k, which, deflate=defl)
        assert dense.method == "dense-eigh"
        np.testing.assert_allclose(dense.values, want, rtol=0, atol=1e-10 * scale)
    # the nonzero spectrum is unchanged by deflating the (exact) kernel: strict saddles keep
    # Thm 12's negative eigenvalue, the global minimum's smallest value becomes positive
    full = np.linalg.eigvalsh(H)
    if which == "smallest":
        if saddle:
            assert want[0] < -1e-6 * scale and want[0] == pytest.approx(full[0], abs=1e-9 * scale)
        else:
            assert want[0] > 1e-8 * scale and abs(full[0]) <= 1e-10 * scale
    nonzero = full[np.abs(full) > 1e-8 * scale]
    assert np.allclose(np.sort(ev_c[np.abs(ev_c) > 1e-8 * scale]), nonzero, atol=1e-9 * scale)


def test_lobpcg_fallback_and_non_convergence_is_reported_not_raised():
    land, theta, _ = _problem((6, 3, 5), 1, [0, 1, 3])
    H = land.hessian(theta)
    lam = np.linalg.eigvalsh(H)
    Q = orbit_tangent_basis(theta)
    # ARPACK with a budget of one restart cannot converge: the reason says so, LOBPCG finishes
    res = hessian_extreme_eigenvalues(land, theta, 1, "smallest", deflate=Q, dense_max_params=5,
                                      max_matvecs=1, ncv=4, methods=("arpack", "lobpcg"))
    assert res.attempts[0]["method"] == "lanczos-eigsh"
    assert res.attempts[0]["converged"] is False
    assert "ArpackNoConvergence" in res.attempts[0]["message"]
    # LOBPCG alone, with a sensible budget, converges to the dense value
    res2 = hessian_extreme_eigenvalues(land, theta, 1, "smallest", deflate=Q,
                                       dense_max_params=5, methods=("lobpcg",))
    assert res2.method == "lobpcg" and res2.converged
    assert res2.values[0] == pytest.approx(lam[0], abs=1e-8 * np.abs(lam).max())
    # every method starved: converged=False with the reason, and no traceback
    res3 = hessian_extreme_eigenvalues(land, theta, 1, "smallest", dense_max_params=5,
                                       max_matvecs=1, ncv=4, methods=("arpack",))
    assert res3.converged is False and "no method converged" in res3.reason
    assert res3.values.shape == (1,) and res3.residuals.shape == (1,)
    d = res3.to_dict()
    assert d["converged"] is False and d["reason"] == res3.reason


def test_eigensolver_bad_arguments_name_the_argument():
    land, theta, _ = _problem((3, 2, 3), 0)
    P = land.n_params
    with pytest.raises(DlnscapeError, match="deflate"):
        hessian_extreme_eigenvalues(land, theta, deflate=np.ones((P - 1, 2)))
    with pytest.raises(DlnscapeError, match="deflate"):
        hessian_extreme_eigenvalues(land, theta, deflate=np.ones((P, 2)))  # not orthonormal
    with pytest.raises(DlnscapeError, match="tol"):
        hessian_extreme_eigenvalues(land, theta, tol=-1.0)
    with pytest.raises(DlnscapeError, match="methods"):
        hessian_extreme_eigenvalues(land, theta, methods=("magic",))
    with pytest.raises(DlnscapeError, match="k:"):
        hessian_extreme_eigenvalues(land, theta, k=P, deflate=orbit_tangent_basis(theta))
    with pytest.raises(DlnscapeError, match="ncv"):
        hessian_extreme_eigenvalues(land, theta, ncv=1)
    with pytest.raises(DlnscapeError, match="rtol"):
        orbit_tangent_basis(theta, rtol=2.0)


@pytest.mark.slow
def test_large_global_minimum_converges_with_deflation():
    """P = 10⁴ (widths (100, 50, 100)): the issue's case; a converged answer in seconds."""
    land, theta, info = _problem((100, 50, 100), 0)
    Q = orbit_tangent_basis(theta, as_operator=True)
    lo = hessian_extreme_eigenvalues(land, theta, 1, "smallest", deflate=Q)
    hi = hessian_extreme_eigenvalues(land, theta, 1, "largest", deflate=Q)
    assert lo.converged and hi.converged
    assert lo.values[0] > 100 * lo.residuals[0]  # positive on the complement, beyond residual
    assert lo.deflation_residual <= 1e-10 * hi.values[0]
    _, theta2, _ = _problem((100, 50, 100), 0, [*range(49), 50])
    lo2 = hessian_extreme_eigenvalues(land, theta2, 1, "smallest",
                                      deflate=orbit_tangent_basis(theta2, as_operator=True))
    assert lo2.converged and lo2.values[0] < -100 * lo2.residuals[0]
