"""critical_points_on_Mr with the exact backend (msolve): Trager et al. 2020 Ex 13 and Thm 12."""

from __future__ import annotations

import itertools
import json
import math

import numpy as np
import pytest

from dlnscape import DistanceLoss, SquaredLoss
from dlnscape.algebraic import critical_points_on_Mr
from dlnscape.errors import DlnscapeError, LossError, SolverError
from dlnscape.geometry.manifold import riemannian_gradient, stratum_frame
from dlnscape.io import to_jsonable


def ex13_data(seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.integers(-10, 11, size=(3, 3)), rng.integers(-10, 11, size=(9, 9))


def ex13_instance(seed: int) -> DistanceLoss:
    return DistanceLoss(*ex13_data(seed))


# ---------------------------------------------------------------------------------------------
# independent references (numpy only; nothing from dlnscape.functional or dlnscape.geometry)
def eckart_young_reference(Q0: np.ndarray, r: int, c: float = 1.0) -> list[tuple]:
    """004 Thm 12 from numpy's SVD, for l(W) = c‖W − Q0‖²: for each I ⊆ [m] with |I| = r the
    critical point W_I = Σ_{i∈I} σ_i u_i v_iᵀ, its value c·Σ_{i∉I} σ_i² and its index
    #{(j, i) ∈ I × Iᶜ : j > i} (σ descending, so j > i means σ_j < σ_i)."""
    U, s, Vt = np.linalg.svd(np.asarray(Q0, dtype=float))
    m = s.size
    out = []
    for I in itertools.combinations(range(m), r):
        Ic = [i for i in range(m) if i not in I]
        W = (U[:, list(I)] * s[list(I)]) @ Vt[list(I)]
        index = sum(1 for j in I for i in Ic if j > i)
        out.append((W, c * float(np.sum(s[Ic] ** 2)), index))
    return out


def assert_same_critical_set(points, reference, scale: float) -> None:
    """The enumerated points are the reference points, one to one: W up to 1e-9·scale, the
    value to a relative 1e-9, the index exactly."""
    assert len(points) == len(reference)
    unused = list(range(len(reference)))
    for p in points:
        dists = [np.linalg.norm(p.W - reference[k][0]) for k in unused]
        k = unused[int(np.argmin(dists))]
        assert min(dists) <= 1e-9 * scale, (p.W, reference[k][0])
        unused.remove(k)
        _, value, index = reference[k]
        assert p.value == pytest.approx(value, rel=1e-9, abs=1e-12 * scale**2)
        assert p.index == index


def direct_distance_value(Q0, phi, W) -> float:
    """‖φ · vec_row(W − Q0)‖², written again from the definition."""
    r = np.asarray(phi, dtype=float) @ (W - Q0).ravel()
    return float(r @ r)


def chart_hessian_eigenvalues(Q0, phi, W) -> tuple[np.ndarray, np.ndarray]:
    """Gradient residuals and Hessian eigenvalues of l on M_1 at a rank-one W = s u vᵀ, in the
    (non-orthonormal) chart c(α, β) = (u + U_⊥α)(s v + β)ᵀ, a local diffeomorphism of
    R^{m−1} × R^n onto a neighbourhood of W in M_1. At a critical point the Hessian of l∘c has
    the inertia of the Riemannian Hessian (Sylvester), so its negative count is the index.
    For l(W) = vec(W − Q0)ᵀ G vec(W − Q0), G = φᵀφ: ∇²(l∘c)(0) = 2JᵀGJ + [[0, M], [Mᵀ, 0]]
    with J = Dc(0) and M = U_⊥ᵀ ∇l(W) (the bilinear term U_⊥α βᵀ of c)."""
    G = np.asarray(phi, dtype=float).T @ np.asarray(phi, dtype=float)
    m, n = W.shape
    U, s, Vt = np.linalg.svd(W)
    u, P, v = U[:, 0], U[:, 1:], Vt[0]
    grad = 2.0 * (G @ (W - Q0).ravel()).reshape(m, n)
    # first-order condition on M_1: ∇l(W) ⟂ T_W M_1 = {u aᵀ + b vᵀ}  ⟺  uᵀ∇l = 0 and ∇l v = 0
    residual = np.concatenate([u @ grad, grad @ v])
    J = np.column_stack([np.outer(P[:, i], s[0] * v).ravel() for i in range(m - 1)]
                        + [np.outer(u, np.eye(n)[j]).ravel() for j in range(n)])
    H = 2.0 * J.T @ G @ J
    M = P.T @ grad
    H[: m - 1, m - 1 :] += M
    H[m - 1 :, : m - 1] += M.T
    return residual, np.linalg.eigvalsh(H)


@pytest.mark.parametrize("seed", [11, 12, 13])
def test_ex13_random_integer_instance_has_39_complex_and_odd_real(seed):
    Q0, phi = ex13_data(seed)
    loss = DistanceLoss(Q0, phi)
    res = critical_points_on_Mr(loss, 1, backend="msolve")
    assert res.certified
    assert res.n_complex == 39
    assert res.n_real % 2 == 1 and 1 <= res.n_real <= 39
    assert res.n_local_minima >= 1
    assert res.complex_W.shape == (39, 3, 3)
    # the 39 points from msolve's parametrisation, polished, are 39 distinct α-certified zeros
    # and α-theory proves exactly n_real of them real (numerics agree with the exact count)
    ev = res.evidence["complex_points_alpha"]
    assert ev["all_approximate_zeros"] and ev["distinct"]
    assert ev["n_proven_real"] == res.n_real and ev["n_proven_nonreal"] == 39 - res.n_real
    for p in res.points:  # every real point is a rank-one critical point of l on M_1
        assert np.linalg.matrix_rank(p.W, tol=1e-8 * np.linalg.norm(p.W)) == 1
        rg = riemannian_gradient(loss, p.W, stratum_frame(p.W, rank=1))
        assert np.linalg.norm(rg) < 1e-7 * (1 + np.linalg.norm(loss.grad(p.W)))
        # value and criticality recomputed from the definition of l, index from a chart
        assert p.value == pytest.approx(direct_distance_value(Q0, phi, p.W), rel=1e-12)
        residual, ev = chart_hessian_eigenvalues(Q0, phi, p.W)
        assert np.linalg.norm(residual) < 1e-7 * (1 + np.linalg.norm(loss.grad(p.W)))
        if p.index is not None and np.min(np.abs(ev)) > 1e-8 * np.max(np.abs(ev)):
            assert p.index == int(np.sum(ev < 0)), ev
    # the global minimum on M_1 is one of them, with index 0; the points are sorted by value
    assert res.points[0].index == 0
    assert [p.value for p in res.points] == sorted(p.value for p in res.points)
    assert res.n_local_minima == sum(p.index == 0 for p in res.points)
    # the real points are conjugation-invariant members of the complex list
    for p in res.points:
        assert np.min(np.linalg.norm(res.complex_W - p.W, axis=(1, 2))) < 1e-8 * (
            1 + np.linalg.norm(p.W))


def test_local_minima_are_local_minima_on_the_manifold():
    loss = ex13_instance(12)
    res = critical_points_on_Mr(loss, 1, backend="msolve")
    rng = np.random.default_rng(0)
    for p in res.local_minima:
        u, s, vt = np.linalg.svd(p.W)
        for _ in range(20):  # move along M_1 (rank-one curves through W), the value grows
            du, dv = rng.normal(size=3), rng.normal(size=3)
            eps = 1e-4 * s[0]
            W2 = np.outer(u[:, 0] * s[0] + eps * du, vt[0] + eps * dv / s[0])
            assert loss.value(W2) >= p.value - 1e-9 * (1 + abs(p.value))


@pytest.mark.parametrize("shape,r,c", [((3, 3), 1, 1), ((3, 4), 2, 1), ((4, 3), 1, 1),
                                       ((2, 3), 1, 1), ((3, 3), 2, 1), ((3, 3), 1, 4),
                                       ((3, 4), 2, 9)])
def test_thm12_eckart_young_points_values_and_indices(shape, r, c):
    """φ = √c·I (φᵀφ = c·I): the enumerated critical points, values and indices are exactly
    the Eckart–Young set of 004 Thm 12, computed here from numpy's SVD."""
    rng = np.random.default_rng(sum(shape) + r)
    Q0 = rng.integers(-10, 11, size=shape)
    phi = None if c == 1 else math.isqrt(c) * np.eye(Q0.size, dtype=int)
    res = critical_points_on_Mr(DistanceLoss(Q0, phi), r, backend="msolve")
    m = min(shape)
    assert res.certified
    assert res.n_complex == res.n_real == math.comb(m, r)
    assert res.n_local_minima == 1
    assert_same_critical_set(res.points, eckart_young_reference(Q0, r, c),
                             float(np.linalg.norm(Q0)))


@pytest.mark.parametrize("shape,r", [((3, 3), 1), ((3, 4), 2)])
def test_squared_loss_reduces_to_eckart_young(shape, r):
    """004 §3.3: with XXᵀ = LLᵀ (Cholesky), ½‖WX − Y‖² = ½‖WL − Q0‖² + ½(‖Y‖² − ‖Q0‖²) for
    Q0 = YXᵀL⁻ᵀ, and W ↦ WL preserves rank, so the critical points on M_r are W_I = Z_I L⁻¹
    for the Eckart–Young points Z_I of Q0, with value ½Σ_{i∉I}σ_i² + const and Thm 12's index
    (the index is invariant under the linear isomorphism)."""
    dy, d0 = shape
    rng = np.random.default_rng(5 + d0)
    X = rng.normal(size=(d0, 7))
    Y = rng.normal(size=(dy, 7))
    loss = SquaredLoss(X, Y)
    res = critical_points_on_Mr(loss, r, backend="msolve")
    m = min(shape)
    assert res.certified
    assert res.n_complex == res.n_real == math.comb(m, r)
    L = np.linalg.cholesky(X @ X.T)
    Q0 = Y @ X.T @ np.linalg.inv(L).T
    const = 0.5 * (float(np.sum(Y**2)) - float(np.sum(Q0**2)))
    reference = [(Z @ np.linalg.inv(L), 0.5 * v + const, index)
                 for Z, v, index in eckart_young_reference(Q0, r)]
    scale = max(np.linalg.norm(W) for W, _, _ in reference)
    assert_same_critical_set(res.points, reference, scale)


def test_result_is_json_serialisable_and_names_the_backend():
    res = critical_points_on_Mr(DistanceLoss(np.diag([3.0, 2.0, 1.0])), 1, backend="msolve")
    d = json.loads(json.dumps(to_jsonable(res)))
    for key in ("n_complex", "n_real", "n_local_minima", "certified", "backend",
                "backend_version", "seconds", "points"):
        assert key in d
    assert d["backend"] == "msolve" and d["backend_version"].startswith("msolve")


def test_bad_input_raises_clear_errors():
    loss = ex13_instance(1)
    with pytest.raises(DlnscapeError, match="r: expected 1 ≤ r"):
        critical_points_on_Mr(loss, 3)
    with pytest.raises(SolverError, match="backend"):
        critical_points_on_Mr(loss, 1, backend="bertini")
    with pytest.raises(LossError, match="DistanceLoss or SquaredLoss"):
        critical_points_on_Mr(object(), 1)


@pytest.mark.parametrize("shape,r,pad", [((3, 3), 1, 3), ((3, 4), 2, 4)])
def test_points_outside_the_big_cell_are_found_in_smaller_cells(shape, r, pad):
    """With the basis T = I the big cell misses Eckart–Young points (their column spaces are
    coordinate axes); the Schubert-cell pass must recover them (no solution lost)."""
    from dlnscape.algebraic.msolve_backend import solve_msolve

    Q0 = np.zeros(shape)
    np.fill_diagonal(Q0, [4.0, 3.0, 2.0, 1.0][: min(shape)])
    res = solve_msolve(DistanceLoss(Q0), r, 0, 600.0, T=np.eye(min(shape), dtype=int))
    assert res.n_outside_chart >= 1
    assert res.certified
    assert res.n_complex == res.n_real == math.comb(min(shape), r)
    assert sorted(p.index for p in res.points)[0] == 0 and res.n_local_minima == 1
    assert_same_critical_set(res.points, eckart_young_reference(Q0, r), float(np.linalg.norm(Q0)))


def test_non_finite_critical_set_is_reported_not_enumerated():
    # repeated singular value 2, 2: the critical set of ‖W − Q0‖² on M_1 is a circle (Thm 12
    # needs distinct singular values); msolve sees a positive-dimensional solution set
    res = critical_points_on_Mr(DistanceLoss(np.diag([2.0, 2.0, 1.0])), 1, backend="msolve")
    assert not res.certified and res.n_complex == 0
    assert "positive-dimensional" in res.certification
