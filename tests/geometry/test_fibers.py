"""Fibers of μ: factorize (004 Prop 16), rank-one fiber moves (000 Claim 3.1, 004 Prop 9),
GL action, components and labels (004 Thm 5, Prop 22), explicit fiber paths (Prop 25)."""

from __future__ import annotations

import numpy as np
import pytest
from _geo_points import low_rank, point_with_ranks, ranked_points
from hypothesis import given, settings
from hypothesis import strategies as st

from dlnscape.architecture import Architecture, end_to_end, prefix_products, suffix_products
from dlnscape.errors import DlnscapeError, ShapeError
from dlnscape.geometry import (
    differential_rank,
    factorize,
    fiber_component_label,
    fiber_components,
    fiber_move,
    fiber_moves,
    fiber_path,
    fiber_residual,
    fiber_tangent_basis,
    jacobian,
    jacobian_rank,
    random_fiber_point,
    rank_profile,
)
from dlnscape.geometry.fibers import gl_act, glplus_path, label_columns, random_gl


@settings(derandomize=True, max_examples=60, deadline=None)
@given(st.lists(st.integers(1, 4), min_size=3, max_size=5), st.integers(0, 4),
       st.integers(0, 2**31 - 1))
def test_factorize_hits_W_and_prop16_image_is_tangent_space(widths, e, seed):
    """004 Prop 16 (h ≥ 2): μ(θ) = W, and at the constructed θ, Im dμ = T_W M_e."""
    arch = Architecture(widths)
    rng = np.random.default_rng(seed)
    e = min(e, arch.r)
    W = low_rank(rng, arch.d_out, arch.d_in, e)
    th = factorize(W, arch)
    assert fiber_residual(th, W) <= 1e-14
    e_num = rank_profile(th).rank
    m, n = W.shape
    assert jacobian_rank(th).rank == e_num * (m + n - e_num)
    th2 = factorize(W, arch, rng=seed)  # plus a random GL action
    assert fiber_residual(th2, W) <= 1e-12


def test_004_prop16_printed_construction_versus_text():
    """004 Prop 16 as printed (U, V with r columns, I_r blocks) for W of rank e < r, with the
    open choice sampled (extra columns of U Gaussian, of V zero): the text claims
    Im dμ(θ') = T_W M_e. Lemma 3 by hand: rk W_>i = r (i < h), rk W_<i = e (i ≥ 2), so
    rk dμ = r d_0 + d_h e − r e, which exceeds e(d_h + d_0 − e) by (r − e)(d_0 − e).
    FINDING: for this choice the printed construction does not give Im dμ = T_W M_e; the
    e-column variant does (previous test)."""
    widths = (5, 3, 3, 4)
    arch = Architecture(widths)
    rng = np.random.default_rng(1)
    r, e, m, n = arch.r, 1, 4, 5
    W = low_rank(rng, m, n, e)
    th = factorize(W, arch, rng=2, construction="prop16_printed")
    assert fiber_residual(th, W) <= 1e-14
    expected = r * n + m * e - r * e
    assert jacobian_rank(th).rank == expected == differential_rank(th).rank
    assert expected - e * (m + n - e) == (r - e) * (n - e) > 0


def test_factorize_rejects_rank_above_r():
    with pytest.raises(ShapeError, match="rank 3 > r = 2"):
        factorize(np.eye(3), (3, 2, 3))
    with pytest.raises(ShapeError, match="expected shape"):
        factorize(np.eye(2), (3, 2, 3))


@settings(derandomize=True, max_examples=60, deadline=None)
@given(ranked_points(hmin=2, hmax=5, dmax=4))
def test_fiber_moves_keep_mu_and_the_side_products(data):
    """One mechanism (000 Claim 3.1, 004 Prop 9, 001 Lem C19, 002 App B): W_k += δ v wᵀ through
    a kernel keeps μ (check 16), every prefix product (prefix side) or every suffix product
    (suffix side), for a finite δ."""
    widths, ranks, theta = data
    W = end_to_end(theta)
    P, S = prefix_products(theta), suffix_products(theta)
    scale = 1.0 + np.linalg.norm(W)
    for mv in fiber_moves(theta, rng=1, delta=0.8):
        assert fiber_residual(mv.theta, W) <= 1e-12
        assert mv.residual <= 1e-12
        if mv.side == "prefix":
            for a, b in zip(prefix_products(mv.theta), P, strict=True):
                assert np.linalg.norm(a - b) <= 1e-12 * (1 + np.linalg.norm(b)) * scale
        else:
            for a, b in zip(suffix_products(mv.theta), S, strict=True):
                assert np.linalg.norm(a - b) <= 1e-12 * (1 + np.linalg.norm(b)) * scale
        d = sum(np.linalg.norm(a - b) ** 2 for a, b in zip(mv.theta, theta, strict=True))
        assert np.isclose(np.sqrt(d), 0.8)


def test_000_claim31_moves_at_sec32_point():
    """000 Claim 3.1 at the §3.2 point: k2 = 2, W̃_3 = Ŵ_3 + δ w û_2ᵀ with Ŵ_{2,-}ᵀ û_2 = 0
    keeps every W̃_{k,-}; the available kernels are those predicted by the ranks."""
    W1 = np.array([[1.0, 0, 0], [0, 1, 0]])
    W2 = np.array([[1.0, 0], [0, 0]])
    th = (W1, W2, W1.T)
    mv = fiber_move(th, 3, "prefix", 0.25, v=np.array([0.0, 0, 1]), rng=0)
    np.testing.assert_allclose(np.abs(mv.w), [0, 1], atol=1e-15)  # û_2 = ±e_2
    for a, b in zip(prefix_products(mv.theta), prefix_products(th), strict=True):
        np.testing.assert_array_equal(a, b)
    kinds = {(m.layer, m.side, m.kernel_dim) for m in fiber_moves(th)}
    assert kinds == {(3, "prefix", 1), (1, "suffix", 1)}
    with pytest.raises(DlnscapeError, match="trivial"):
        fiber_move(th, 2, "prefix")


@settings(derandomize=True, max_examples=40, deadline=None)
@given(ranked_points(hmin=2, hmax=4, dmax=4))
def test_random_fiber_point_keeps_mu_and_fiber_tangent_is_kernel(data):
    widths, ranks, theta = data
    W = end_to_end(theta)
    th2 = random_fiber_point(theta, rng=3)
    assert fiber_residual(th2, W) <= 1e-12
    K = fiber_tangent_basis(theta)
    J = jacobian(theta)
    assert K.dim == sum(a * b for a, b in Architecture(widths).shapes) - K.rank.rank
    assert np.linalg.norm(J @ K.basis) <= 1e-10 * (1 + np.linalg.norm(J))


@pytest.mark.parametrize("widths,b", [((3, 2, 2, 3), 2), ((4, 2, 3, 2, 4), 2),
                                      ((3, 2, 2, 2, 3), 3)])
def test_004_thm5_rank_r_fibers_have_2_to_the_b_labels(widths, b):
    """004 Thm 5 (check 62): the GL(r)^b action reaches exactly 2^b sign labels; the count
    formula agrees; labels flip by the signs of det G at the bottlenecks."""
    arch = Architecture(widths)
    rng = np.random.default_rng(0)
    W = low_rank(rng, arch.d_out, arch.d_in, arch.r)
    fc = fiber_components(W, arch)
    assert fc.count == 2**b and fc.b == b
    th = factorize(W, arch)
    C = label_columns(W, arch.r)
    base = fiber_component_label(th, C).signs
    seen = set()
    for _ in range(400):
        th2, Gs = random_fiber_point(th, rng, return_action=True)
        lab = fiber_component_label(th2, C).signs
        seen.add(lab)
        predicted = tuple(
            s * int(np.sign(np.linalg.det(Gs[i - 1])))
            for s, i in zip(base, arch.bottlenecks, strict=True)
        )
        assert lab == predicted
    assert len(seen) == 2**b


@pytest.mark.parametrize("n_paths", [40, pytest.param(1000, marks=pytest.mark.slow)])
@pytest.mark.parametrize("widths", [(3, 2, 2, 3), (4, 2, 3, 2, 4), (3, 2, 2, 2, 3)])
def test_004_thm5_label_constant_along_fiber_paths(widths, n_paths):
    """004 Thm 5 (check 62): along continuous paths inside the fiber — straight segments of
    rank-one fiber moves where a kernel exists, GL⁺ action paths t ↦ G(t)·θ otherwise (40 by
    default, 1000 in the slow run) — each checked at 6 points, the label never changes and
    the residual stays ≤ 1e-10."""
    arch = Architecture(widths)
    rng = np.random.default_rng(1)
    W = low_rank(rng, arch.d_out, arch.d_in, arch.r)
    base = random_fiber_point(factorize(W, arch), rng)
    C = label_columns(W, arch.r)
    lab = fiber_component_label(base, C).signs
    moves = fiber_moves(base, rng, per_kernel=3, delta=0.5)
    for j in range(n_paths):
        if moves and j % 2:
            mv = moves[j % len(moves)]
            seg = lambda t, mv=mv: tuple(  # noqa: E731
                (1 - t) * a + t * b for a, b in zip(base, mv.theta, strict=True))
        else:
            Gs = [random_gl(d, rng, det_sign=1) for d in arch.widths[1:-1]]
            paths = [glplus_path(G) for G in Gs]
            seg = lambda t, paths=paths: gl_act(base, [p(t) for p in paths])  # noqa: E731
        for t in np.linspace(0, 1, 6):
            pt = seg(t)
            assert fiber_component_label(pt, C).signs == lab
            assert fiber_residual(pt, W) <= 1e-10


@pytest.mark.parametrize("widths,e", [((3, 2, 2, 3), 1), ((3, 2, 2, 3), 0),
                                      ((4, 2, 3, 2, 4), 1), ((3, 2, 2, 2, 3), 1),
                                      ((4, 3, 5, 2), 1), ((2, 3, 3, 2), 2)])
def test_004_thm5_rank_deficient_fibers_are_connected_by_explicit_paths(widths, e):
    """004 Thm 5 / Prop 25 (check 63): for rk W < r, points whose "labels" (det signs at the
    bottlenecks, taken on any r columns) differ are joined by a path in the fiber with
    residual ≤ 1e-10 at every checked point."""
    arch = Architecture(widths)
    rng = np.random.default_rng(4)
    W = low_rank(rng, arch.d_out, arch.d_in, e)
    assert fiber_components(W, arch).count == 1
    t0 = random_fiber_point(factorize(W, arch), rng, det_signs=[1] * (arch.h - 1))
    t1 = random_fiber_point(t0, rng, det_signs=[-1] * (arch.h - 1))
    for mv in fiber_moves(t1, rng, delta=0.5):
        t1 = mv.theta
    path = fiber_path(t0, t1, n_check=30)
    assert path.max_residual <= 1e-10
    for a, b in zip(path.point(0.0), t0, strict=True):
        np.testing.assert_allclose(a, b, atol=1e-12)
    for a, b in zip(path.point(1.0), t1, strict=True):
        np.testing.assert_allclose(a, b, atol=1e-12)
    # continuity: consecutive checked points are close
    ts = np.linspace(0, 1, 601)
    pts = [np.concatenate([x.ravel() for x in path.point(t)]) for t in ts]
    jumps = max(np.linalg.norm(pts[i + 1] - pts[i]) for i in range(len(pts) - 1))
    assert jumps < 0.2


def test_fiber_path_refuses_different_components_and_joins_equal_labels():
    """rk W = r: different labels ⇒ no path (Cor 23); equal labels ⇒ a path (Prop 22 orbit)."""
    arch = Architecture((3, 2, 2, 3))
    rng = np.random.default_rng(6)
    W = low_rank(rng, 3, 3, 2)
    t0 = factorize(W, arch)
    t_other = random_fiber_point(t0, rng, det_signs=[-1, 1])
    with pytest.raises(DlnscapeError, match="different components"):
        fiber_path(t0, t_other)
    t_same = random_fiber_point(t0, rng, det_signs=[1, 1])
    path = fiber_path(t0, t_same)
    assert path.max_residual <= 1e-10
    C = label_columns(W, 2)
    for t in np.linspace(0, 1, 41):
        assert fiber_component_label(path.point(t), C).signs == fiber_component_label(
            t0, C).signs


def test_fiber_path_rejects_points_of_different_fibers():
    rng = np.random.default_rng(0)
    t0 = point_with_ranks(rng, (3, 2, 2, 3), (1, 1, 1))
    t1 = point_with_ranks(rng, (3, 2, 2, 3), (1, 1, 1))
    with pytest.raises(DlnscapeError, match="not in the fiber"):
        fiber_path(t0, t1)


@settings(derandomize=True, max_examples=15, deadline=None)
@given(ranked_points(hmin=2, hmax=4, dmax=4), st.integers(0, 2**31 - 1))
def test_fiber_paths_on_random_rank_deficient_points(data, seed):
    """Hypothesis version of check 63: random widths and factor ranks with rk W < r; a random
    GL image moved by kernel moves is joined to θ by a path with residual ≤ 1e-10."""
    widths, ranks, theta = data
    prof = rank_profile(theta)
    if prof.ambiguous or prof.rank >= prof.r:
        return
    rng = np.random.default_rng(seed)
    t1 = random_fiber_point(theta, rng)
    for mv in fiber_moves(t1, rng, delta=0.5):
        t1 = mv.theta
    path = fiber_path(theta, t1, n_check=12)
    assert path.max_residual <= 1e-10


def test_004_prop22_rank_r_fiber_is_one_gl_orbit():
    """004 Prop 22 / Cor 23: for d = (3,2,2,3) and rk W = r = 2, an independently built
    factorization θ' (random W_1 with Row(W_1) = Row(W), random W_2, W_3 = W (W_2W_1)^+) is
    G·θ for G_1 = W_1' W_1^+, G_2 = W_2' G_1 W_2⁻¹, and the label changes by sign det G_i."""
    rng = np.random.default_rng(8)
    W = low_rank(rng, 3, 3, 2)
    arch = Architecture((3, 2, 2, 3))
    th = factorize(W, arch, rng=1)
    Vt = np.linalg.svd(W)[2][:2]
    W1p = rng.standard_normal((2, 2)) @ Vt
    W2p = rng.standard_normal((2, 2))
    W3p = W @ np.linalg.pinv(W2p @ W1p)
    thp = (W1p, W2p, W3p)
    assert fiber_residual(thp, W) <= 1e-12
    G1 = W1p @ np.linalg.pinv(th[0])
    G2 = W2p @ G1 @ np.linalg.inv(th[1])
    from dlnscape.geometry import gl_act as act

    for a, b in zip(act(th, [G1, G2]), thp, strict=True):
        np.testing.assert_allclose(a, b, atol=1e-10 * (1 + np.abs(b).max()))
    C = label_columns(W, 2)
    s0 = fiber_component_label(th, C).signs
    s1 = fiber_component_label(thp, C).signs
    assert s1 == (s0[0] * int(np.sign(np.linalg.det(G1))),
                  s0[1] * int(np.sign(np.linalg.det(G2))))
