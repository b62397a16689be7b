"""critical_points_on_Mr with the exact backend (msolve): Trager et al. 2020 Ex 13 and Thm 12."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from dlnscape import DistanceLoss, SquaredLoss
from dlnscape.algebraic import critical_points_on_Mr
from dlnscape.errors import DlnscapeError, LossError, SolverError
from dlnscape.geometry.manifold import riemannian_gradient, stratum_frame
from dlnscape.io import to_jsonable


def ex13_instance(seed: int) -> DistanceLoss:
    rng = np.random.default_rng(seed)
    return DistanceLoss(rng.integers(-10, 11, size=(3, 3)), rng.integers(-10, 11, size=(9, 9)))


@pytest.mark.parametrize("seed", [11, 12, 13])
def test_ex13_random_integer_instance_has_39_complex_and_odd_real(seed):
    loss = ex13_instance(seed)
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
        assert p.value == pytest.approx(loss.value(p.W))
    # the global minimum on M_1 is one of them, with index 0
    assert res.points[0].index == 0
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


@pytest.mark.parametrize("shape,r", [((3, 3), 1), ((3, 4), 2), ((4, 3), 1), ((2, 3), 1),
                                     ((3, 3), 2)])
def test_thm12_eckart_young_counts_values_and_indices(shape, r):
    rng = np.random.default_rng(sum(shape) + r)
    Q0 = rng.integers(-10, 11, size=shape)
    res = critical_points_on_Mr(DistanceLoss(Q0), r, backend="msolve")
    m = min(shape)
    s = np.linalg.svd(Q0.astype(float), compute_uv=False)
    assert res.certified
    assert res.n_complex == res.n_real == math.comb(m, r)
    assert res.n_local_minima == 1
    # Thm 12: values Σ_{i∉I} σ_i² and index #{(j,i) ∈ I × I^c : j > i}
    import itertools

    expected = sorted(
        (float(np.sum(s**2) - np.sum(s[list(I)] ** 2)),
         sum(1 for j in I for i in range(m) if i not in I and j > i))
        for I in itertools.combinations(range(m), r)
    )
    got = sorted((p.value, p.index) for p in res.points)
    for (ve, ie), (vg, ig) in zip(expected, got, strict=True):
        assert vg == pytest.approx(ve, rel=1e-9, abs=1e-9)
        assert ig == ie


def test_squared_loss_reduces_to_eckart_young_count():
    rng = np.random.default_rng(5)
    X = rng.normal(size=(3, 7))
    Y = rng.normal(size=(3, 7))
    loss = SquaredLoss(X, Y)
    res = critical_points_on_Mr(loss, 1, backend="msolve")
    assert res.n_complex == res.n_real == 3  # 004 §3.3: ‖WP − Q0‖² with Q0 generic
    P = np.linalg.cholesky(X @ X.T)  # any square root gives the same critical values
    del P
    vals = sorted(p.value for p in res.points)
    assert vals == sorted(loss.value(p.W) for p in res.points)
    assert [p.index for p in res.points] == [0, 1, 2]


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
    from dlnscape.algebraic.solve import _solve_msolve

    Q0 = np.zeros(shape)
    np.fill_diagonal(Q0, [4.0, 3.0, 2.0, 1.0][: min(shape)])
    res = _solve_msolve(DistanceLoss(Q0), r, 0, 600.0, T=np.eye(min(shape), dtype=int))
    assert res.n_outside_chart >= 1
    assert res.certified
    assert res.n_complex == res.n_real == math.comb(min(shape), r)
    assert sorted(p.index for p in res.points)[0] == 0 and res.n_local_minima == 1


def test_non_finite_critical_set_is_reported_not_enumerated():
    # repeated singular value 2, 2: the critical set of ‖W − Q0‖² on M_1 is a circle (Thm 12
    # needs distinct singular values); msolve sees a positive-dimensional solution set
    res = critical_points_on_Mr(DistanceLoss(np.diag([2.0, 2.0, 1.0])), 1, backend="msolve")
    assert not res.certified and res.n_complex == 0
    assert "positive-dimensional" in res.certification
