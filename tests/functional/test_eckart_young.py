"""Trager et al. 2020 (seed 004), Thm 12 / Thm 28 / Cor 33: Eckart–Young with indices."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy.optimize import least_squares

from dlnscape import Architecture, DistanceLoss, Landscape, LinearNetwork, unpack
from dlnscape.errors import DlnscapeError
from dlnscape.functional import (
    eckart_young_critical_points,
    eckart_young_escape_path,
    thm12_index,
)
from dlnscape.geometry.manifold import riemannian_gradient, riemannian_hessian, stratum_frame


def _two_layer_point(Q0, I):
    """004 App. A.7's point: A = U_I (d_y × r), B = Σ_I V_Iᵀ (r × d_x); θ = (B, A)."""
    U, s, Vt = np.linalg.svd(Q0)
    idx = list(I)
    return (s[idx][:, None] * Vt[idx], U[:, idx])


def _inertia(ev, scale):
    thr = 1e-8 * scale
    return int(np.sum(ev < -thr)), int(np.sum(np.abs(ev) <= thr)), int(np.sum(ev > thr))


def test_thm12_worked_example_m3_r2():
    # the text's example: m = 3, r = 2 gives 0, 1, 2 for {1,2}, {1,3}, {2,3} (0-based here)
    assert [thm12_index(I, 3) for I in [(0, 1), (0, 2), (1, 2)]] == [0, 1, 2]


@settings(derandomize=True, max_examples=12, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    dy=st.integers(2, 4),
    dx=st.integers(2, 5),
    r=st.integers(1, 3),
)
def test_thm12_index_formula_matches_parameter_hessian(seed, dy, dx, r):
    m = min(dy, dx)
    if r >= m:
        r = m - 1
    rng = np.random.default_rng(seed)
    Q0 = rng.standard_normal((dy, dx))
    res = eckart_young_critical_points(Q0, r)
    assert res.generic and res.finite
    assert res.n_points == math.comb(m, r)
    land = Landscape(LinearNetwork(Architecture([dx, r, dy])), DistanceLoss(Q0))
    n_min = 0
    for p in res.points:
        theta = _two_layer_point(Q0, p.I)
        # the lifted point is critical, maps to Q_I, and its value is Σ_{i∉I} σ_i²
        assert np.allclose(theta[1] @ theta[0], p.W, atol=1e-12)
        g = np.concatenate([gi.ravel() for gi in land.grad(theta)])
        assert np.linalg.norm(g) <= 1e-10 * (1 + np.linalg.norm(Q0) ** 2)
        assert p.value == pytest.approx(land.value(theta), rel=1e-12, abs=1e-12)
        ev = np.linalg.eigvalsh(land.hessian(theta))
        neg, zero, _ = _inertia(ev, max(1.0, np.abs(ev).max()))
        assert neg == p.index == thm12_index(p.I, m)
        assert zero == r * r  # Cor 33: t^{r²}, the GL(r) gauge orbit
        n_min += p.index == 0
        assert p.is_global_minimum == (p.I == tuple(range(r)))
    assert n_min == 1


def test_cor33_characteristic_polynomial_roots():
    rng = np.random.default_rng(3)
    dy, dx, r = 3, 4, 2
    Q0 = rng.standard_normal((dy, dx))
    s = np.linalg.svd(Q0, compute_uv=False)
    land = Landscape(LinearNetwork(Architecture([dx, r, dy])), DistanceLoss(Q0))
    for I in itertools.combinations(range(3), 2):
        ev = np.sort(np.linalg.eigvalsh(land.hessian(_two_layer_point(Q0, I))))
        roots = [2.0] * (r * abs(dx - dy)) + [0.0] * (r * r)
        for k in I:
            roots += [2 * (s[k] ** 2 + 1)] * r
        for i in set(range(3)) - set(I):
            for j in I:
                roots += list(np.roots([1, -2 * (s[j] ** 2 + 1), 4 * (s[j] ** 2 - s[i] ** 2)]))
        assert np.allclose(ev, np.sort(np.real(roots)), atol=1e-8)


@settings(derandomize=True, max_examples=10, deadline=None)
@given(seed=st.integers(0, 10_000), dy=st.integers(2, 4), dx=st.integers(2, 4))
def test_thm12_index_matches_riemannian_hessian(seed, dy, dx):
    rng = np.random.default_rng(seed)
    Q0 = rng.standard_normal((dy, dx))
    loss = DistanceLoss(Q0)
    for r in range(1, min(dy, dx)):
        for p in eckart_young_critical_points(Q0, r).points:
            fr = stratum_frame(p.W, rank=r)
            assert np.linalg.norm(riemannian_gradient(loss, p.W, fr)) <= 1e-10
            ev = np.linalg.eigvalsh(riemannian_hessian(loss, p.W, fr))
            neg, zero, _ = _inertia(ev, 1.0)
            assert (neg, zero) == (p.index, 0)


def _critical_by_brute_force(Q0, r, n_starts, rng):
    """Solve ∇L(A, B) = 0 for the 2-layer factorisation from random starts (Gauss–Newton)."""
    dy, dx = Q0.shape
    arch = Architecture([dx, r, dy])
    land = Landscape(LinearNetwork(arch), DistanceLoss(Q0))

    def grad(x):
        return land.grad_flat(unpack(arch, x))

    def hess(x):
        return land.hessian(unpack(arch, x))

    found = []
    for _ in range(n_starts):
        x0 = rng.standard_normal(land.n_params)
        sol = least_squares(grad, x0, jac=hess, xtol=1e-15, ftol=1e-15, gtol=1e-15, max_nfev=200)
        if np.linalg.norm(grad(sol.x)) < 1e-9:
            W = land.end_to_end(unpack(arch, sol.x))
            if np.linalg.svd(W, compute_uv=False)[r - 1] > 1e-6:  # rank r (smooth points)
                found.append(W)
    return found


def test_thm12_no_other_critical_points_brute_force():
    rng = np.random.default_rng(11)
    Q0 = rng.standard_normal((3, 3))
    for r in (1, 2):
        listed = [p.W for p in eckart_young_critical_points(Q0, r).points]
        found = _critical_by_brute_force(Q0, r, 40, rng)
        assert len(found) >= 20
        hit = set()
        for W in found:
            d = [np.linalg.norm(W - L) for L in listed]
            assert min(d) < 1e-7, "a critical point outside Thm 12's list"
            hit.add(int(np.argmin(d)))
        assert len(hit) >= 2


def test_thm28_repeated_singular_values_describe_components():
    rng = np.random.default_rng(5)
    U, _ = np.linalg.qr(rng.standard_normal((4, 4)))
    V, _ = np.linalg.qr(rng.standard_normal((5, 5)))
    s = np.array([3.0, 2.0, 2.0, 0.5])
    Q0 = (U[:, :4] * s) @ V[:, :4].T
    loss = DistanceLoss(Q0)
    res = eckart_young_critical_points(Q0, 2)
    assert not res.generic and not res.finite
    assert [c.multiplicity for c in res.clusters] == [1, 2, 1]
    # compositions of 2 over cluster sizes (1, 2, 1): (1,1,0) (1,0,1) (0,2,0) (0,1,1)
    assert len(res.points) == 4
    for p in res.points:
        fr = stratum_frame(p.W, rank=2)
        assert np.linalg.norm(riemannian_gradient(loss, p.W, fr)) <= 1e-10
        ev = np.linalg.eigvalsh(riemannian_hessian(loss, p.W, fr))
        neg, zero, _ = _inertia(ev, 1.0)
        assert (neg, zero) == (p.index, p.nullity)
        assert p.nullity == p.dimension == sum(f.dimension for f in p.free)
        # the component is really free: rotate the chosen vector inside the σ = 2 cluster
        for f in p.free:
            if f.chosen == 1:
                t = 0.7
                u = np.cos(t) * f.left_basis[:, 0] + np.sin(t) * f.left_basis[:, 1]
                v = Q0.T @ u / f.sigma
                others = [i for i in p.I if i not in f.indices]
                W2 = (U[:, others] * s[others]) @ V[:, others].T + f.sigma * np.outer(u, v)
                fr2 = stratum_frame(W2, rank=2)
                assert np.linalg.norm(riemannian_gradient(loss, W2, fr2)) <= 1e-10
                assert np.sum((W2 - Q0) ** 2) == pytest.approx(p.value, rel=1e-12)
    gm = [p for p in res.points if p.is_global_minimum]
    assert len(gm) == 1 and gm[0].dimension == 1 and gm[0].index == 0
    assert gm[0].value == pytest.approx(4.0 + 0.25)


def test_thm28_zero_singular_values_and_Q0_in_Mr():
    Q0 = np.diag([2.0, 1.0, 0.0])
    res = eckart_young_critical_points(Q0, 1)
    assert [p.I for p in res.points] == [(0,), (1,)]  # index 2 (σ = 0) can never be in I
    assert [p.index for p in res.points] == [0, 1]
    res2 = eckart_young_critical_points(Q0, 2)  # rank Q0 = r: Q0 itself, on the smooth part
    assert res2.n_points == 1 and res2.points[0].smooth and res2.points[0].value == 0.0
    res3 = eckart_young_critical_points(np.diag([2.0, 0.0, 0.0]), 2)  # rank Q0 < r
    assert res3.n_points == 1 and not res3.points[0].smooth
    assert "no rank-r matrix is critical" in res3.description
    res4 = eckart_young_critical_points(np.zeros((2, 3)), 1)
    assert res4.points[0].value == 0.0
    res5 = eckart_young_critical_points(np.eye(3), 1)  # σ = 1 thrice: a Gr(1, 3) = RP² of minima
    assert res5.n_points == 1 and res5.points[0].dimension == 2 and res5.points[0].index == 0


def test_thm28_escape_path_strictly_decreasing():
    rng = np.random.default_rng(2)
    Q0 = rng.standard_normal((4, 4))
    s = np.linalg.svd(Q0, compute_uv=False)
    out = eckart_young_escape_path(Q0, (0, 2), 1)
    v = out["values"]
    assert np.all(np.diff(v) < 0)
    assert v[0] == pytest.approx(s[1] ** 2 + s[3] ** 2, rel=1e-10)
    assert v[-1] == pytest.approx(s[2] ** 2 + s[3] ** 2, rel=1e-10)


def test_bad_input_raises_named_errors():
    with pytest.raises(DlnscapeError, match="r:"):
        eckart_young_critical_points(np.eye(3), -1)
    with pytest.raises(DlnscapeError, match="Q0"):
        eckart_young_critical_points(np.ones(3), 1)
    with pytest.raises(DlnscapeError, match="I:"):
        eckart_young_critical_points(np.diag([3.0, 2.0, 1.0]), 1).point((5,))


@settings(derandomize=True, max_examples=15, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    pattern=st.lists(st.sampled_from([3.0, 2.0, 1.0, 0.0]), min_size=2, max_size=5),
    extra=st.integers(0, 2),
    r=st.integers(1, 4),
)
def test_thm28_general_case_inertia_and_components(seed, pattern, extra, r):
    """Random repeated and zero singular values: every representative is critical, its
    Riemannian-Hessian inertia is (index, nullity), and the components are all count vectors."""
    s = np.sort(np.array(pattern))[::-1]
    m = s.size
    rank_q = int(np.sum(s > 0))
    assume(1 <= r < rank_q)  # Q0 ∉ M_r (the other cases are tested separately)
    rng = np.random.default_rng(seed)
    U, _ = np.linalg.qr(rng.standard_normal((m, m)))
    V, _ = np.linalg.qr(rng.standard_normal((m + extra, m + extra)))
    Q0 = (U * s) @ V[:, :m].T
    loss = DistanceLoss(Q0)
    res = eckart_young_critical_points(Q0, r)
    # components ↔ distinct per-value counts over subsets of the positive indices (brute force)
    pos = [i for i in range(m) if s[i] > 0]
    vals = sorted(set(s[pos].tolist()), reverse=True)
    comps = {tuple(sum(1 for i in I if s[i] == v) for v in vals)
             for I in itertools.combinations(pos, r)}
    assert len(res.points) == len(comps)
    for p in res.points:
        fr = stratum_frame(p.W, rank=r)
        assert np.linalg.norm(riemannian_gradient(loss, p.W, fr)) <= 1e-9
        ev = np.linalg.eigvalsh(riemannian_hessian(loss, p.W, fr))
        neg, zero, _ = _inertia(ev, 1.0)
        assert (neg, zero) == (p.index, p.nullity)
        assert p.value == pytest.approx(np.sum((p.W - Q0) ** 2), abs=1e-9)
    best = min(p.value for p in res.points)
    assert best == pytest.approx(np.sum(s[r:] ** 2), abs=1e-9)
    assert all(p.index == 0 for p in res.points if p.is_global_minimum)
    assert all(p.is_global_minimum for p in res.points if p.index == 0)  # Thm 28: minima global
