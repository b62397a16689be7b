"""The direct (non-enumerative) paths against the enumeration of Trager et al. 2020, Thm 12/28.

``eckart_young_critical_point`` / ``function_space_critical_point`` / ``global_minimum`` /
``critical_point_from_subset`` build one point from one SVD; the enumeration lists all C(m, r)
points (Thm 12) or components (Thm 28). On random small instances they must agree exactly.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dlnscape import (
    Architecture,
    DistanceLoss,
    Landscape,
    LinearNetwork,
    LinearQuadraticLoss,
    SquaredLoss,
    end_to_end,
)
from dlnscape.errors import DlnscapeError
from dlnscape.functional import (
    count_critical_components,
    critical_point_from_subset,
    eckart_young_critical_point,
    eckart_young_critical_points,
    function_space_critical_point,
    function_space_critical_points,
    global_minimum,
    global_minimum_report,
)


def _same_point(a, b):
    assert a.I == b.I
    assert np.array_equal(a.W, b.W)
    assert a.value == b.value
    assert (a.index, a.nullity, a.dimension) == (b.index, b.nullity, b.dimension)
    assert a.is_global_minimum == b.is_global_minimum
    assert a.smooth == b.smooth
    assert [f.to_dict() for f in a.free] == [f.to_dict() for f in b.free]


def _q0_with_pattern(rng, s, extra):
    m = s.size
    U, _ = np.linalg.qr(rng.standard_normal((m, m)))
    V, _ = np.linalg.qr(rng.standard_normal((m + extra, m + extra)))
    return (U * s) @ V[:, :m].T


@settings(derandomize=True, max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    pattern=st.lists(st.sampled_from([3.0, 2.0, 1.0, 0.5, 0.0]), min_size=1, max_size=5),
    extra=st.integers(0, 2),
    r=st.integers(0, 5),
    generic=st.booleans(),
)
def test_eckart_young_direct_equals_enumeration(seed, pattern, extra, r, generic):
    rng = np.random.default_rng(seed)
    s = np.sort(np.array(pattern))[::-1]
    if generic:  # distinct positive values (Thm 12) besides the repeated patterns (Thm 28)
        s = np.sort(rng.uniform(0.1, 3.0, s.size))[::-1]
    Q0 = _q0_with_pattern(rng, s, extra)
    res = eckart_young_critical_points(Q0, r)
    assert count_critical_components(Q0, r) == res.n_points
    _same_point(eckart_young_critical_point(Q0, r), res.global_minimum)
    assert eckart_young_critical_point(Q0, r).value == min(p.value for p in res.points)
    m = min(Q0.shape)
    for I in itertools.combinations(range(m), min(r, m)):
        try:
            want = res.point(I)
        except DlnscapeError:
            with pytest.raises(DlnscapeError, match="I:"):
                eckart_young_critical_point(Q0, r, I)
            continue
        _same_point(eckart_young_critical_point(Q0, r, I), want)


@settings(derandomize=True, max_examples=15, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    widths=st.lists(st.integers(1, 4), min_size=3, max_size=4),
    kx=st.integers(0, 4),
    n=st.integers(2, 7),
)
def test_squared_loss_direct_paths_equal_enumeration(seed, widths, kx, n):
    """critical_point_from_subset and global_minimum against the enumeration (any rank of X)."""
    rng = np.random.default_rng(seed)
    arch = Architecture(widths)
    kx = min(kx, arch.d_in)
    X = rng.standard_normal((arch.d_in, kx)) @ rng.standard_normal((kx, n))
    loss = SquaredLoss(X, rng.standard_normal((arch.d_out, n)))
    fs = function_space_critical_points(loss, arch.r)
    m = len(fs.eckart_young.singular_values)
    gm = global_minimum(loss, arch)
    assert gm.value == pytest.approx(fs.global_minimum.value, rel=1e-12, abs=1e-12)
    assert np.array_equal(gm.W, fs.global_minimum.W)
    _same_point(function_space_critical_point(loss, arch.r), fs.global_minimum)
    # the uniqueness flag as the enumerative oracle computed it
    g = fs.global_minimum
    assert gm.details["unique_minimizer"] == bool(
        sum(1 for p in fs.points if p.is_global_minimum) == 1 and g.dimension == 0
        and fs.finite)
    assert gm.details["minimizer_set_dimension"] == g.dimension
    for I in itertools.combinations(range(m), min(arch.r, m)):
        try:
            want = fs.point(I)
        except DlnscapeError:
            with pytest.raises(DlnscapeError, match="I:"):
                critical_point_from_subset(loss, arch, I, rng=0)
            continue
        _same_point(function_space_critical_point(loss, arch.r, I), want)
        theta, info = critical_point_from_subset(loss, arch, I, rng=seed)
        _same_point(info.point, want)
        assert np.allclose(end_to_end(theta), want.W, atol=1e-9 * (1 + np.abs(want.W).max()))


@settings(derandomize=True, max_examples=10, deadline=None)
@given(seed=st.integers(0, 10_000), r=st.integers(1, 3), c=st.floats(0.5, 3.0))
def test_distance_and_linear_quadratic_direct_equal_enumeration(seed, r, c):
    rng = np.random.default_rng(seed)
    Q0 = rng.standard_normal((3, 4))
    arch = Architecture([4, r, 3])
    for loss in (DistanceLoss(Q0), DistanceLoss(Q0, np.sqrt(c) * np.eye(12)),
                 LinearQuadraticLoss(rng.standard_normal((3, 4)), c, Q0)):
        fs = function_space_critical_points(loss, r)
        for I in itertools.combinations(range(3), r):
            _same_point(function_space_critical_point(loss, r, I), fs.point(I))
        gm = global_minimum(loss, arch)
        assert gm.value == fs.global_minimum.value
        assert np.array_equal(gm.W, fs.global_minimum.W)


def test_repeated_sigma_at_the_rank_cut_reports_non_unique_minimiser():
    """σ_r = σ_{r+1}: the minimisers form a Gr(1, 2) (Thm 28); reported, no crash."""
    rng = np.random.default_rng(3)
    s = np.array([3.0, 2.0, 2.0, 0.5])
    Q0 = _q0_with_pattern(rng, s, 1)
    arch = Architecture([5, 2, 4])
    gm = global_minimum(DistanceLoss(Q0), arch)
    assert gm.value == pytest.approx(4.0 + 0.25, rel=1e-12)
    assert gm.details["unique_minimizer"] is False
    assert gm.details["repeated_sigma_r"] is True
    assert gm.details["minimizer_set_dimension"] == 1
    assert "Gr(1, 2)" in gm.details["non_unique_reason"]
    # brute force: another minimiser from the free circle has the same value
    p = eckart_young_critical_point(Q0, 2)
    f = p.free[0]
    u = np.cos(0.4) * f.left_basis[:, 0] + np.sin(0.4) * f.left_basis[:, 1]
    U, sv, Vt = np.linalg.svd(Q0)
    W2 = sv[0] * np.outer(U[:, 0], Vt[0]) + f.sigma * np.outer(u, Q0.T @ u / f.sigma)
    assert np.sum((W2 - Q0) ** 2) == pytest.approx(gm.value, rel=1e-12)
    assert np.linalg.norm(W2 - gm.W) > 0.1
    # the subset points of the repeated cluster resolve to the component's representative
    _, i1 = critical_point_from_subset(DistanceLoss(Q0), arch, (0, 2), rng=0)
    _, i0 = critical_point_from_subset(DistanceLoss(Q0), arch, (0, 1), rng=0)
    assert i1.I == i0.I == (0, 1) and i1.is_global_minimum and i1.dimension == 1
    # a repetition away from the cut: the minimiser is unique; the old flag stays conservative
    Q1 = _q0_with_pattern(rng, np.array([3.0, 2.0, 1.0, 1.0]), 1)
    gm1 = global_minimum(DistanceLoss(Q1), Architecture([5, 1, 4]))
    assert gm1.details["minimizer_set_dimension"] == 0
    assert gm1.details["repeated_sigma_r"] is False
    assert gm1.details["unique_minimizer"] is False  # as the enumerative oracle said
    # rank-deficient X: the kernel family W + N U_⊥ᵀ is reported
    X = rng.standard_normal((4, 2)) @ rng.standard_normal((2, 6))
    gm2 = global_minimum(SquaredLoss(X, rng.standard_normal((3, 6))), Architecture([4, 1, 3]))
    assert gm2.details["minimizer_set_dimension"] == 2 and "Lem 7" in \
        gm2.details["non_unique_reason"]


def test_large_widths_direct_and_enumeration_refused():
    """(50, 20, 50): C(50, 20) ≈ 4.7e13 points; the direct paths do not enumerate."""
    rng = np.random.default_rng(0)
    arch = Architecture([50, 20, 50])
    loss = SquaredLoss(rng.standard_normal((50, 100)), rng.standard_normal((50, 100)))
    assert count_critical_components(loss.Y @ np.linalg.svd(loss.X)[2][:50].T, 20) == \
        math.comb(50, 20)
    with pytest.raises(DlnscapeError, match="max_points"):
        function_space_critical_points(loss, 20)
    with pytest.raises(DlnscapeError, match="max_points"):
        eckart_young_critical_points(rng.standard_normal((12, 12)), 6, max_points=100)
    with pytest.raises(DlnscapeError, match="max_points"):
        eckart_young_critical_points(np.eye(3), 1, max_points=0)
    gm = global_minimum(loss, arch)
    land = Landscape(LinearNetwork(arch), loss)
    theta, info = critical_point_from_subset(loss, arch, range(20), rng=0)
    assert info.is_global_minimum and info.index == 0
    assert land.value(theta) == pytest.approx(gm.value, rel=1e-10)
    assert np.linalg.norm(land.grad_flat(theta)) <= 1e-8 * (1 + gm.value)
    theta2, info2 = critical_point_from_subset(loss, arch, [*range(19), 20], rng=0)
    assert info2.index == 1 and not info2.is_global_minimum
    assert land.value(theta2) == pytest.approx(info2.value, rel=1e-10)
    assert info2.value > gm.value
    assert global_minimum_report(loss, arch).status == "attained"
    with pytest.raises(DlnscapeError, match="I:"):
        critical_point_from_subset(loss, arch, range(19))
