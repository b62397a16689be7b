"""Ranks of the product map and its differential: 000 §3.2, 004 Lem 3, Thm 4, Ex 19, Props
15–18, A.1, and the tolerance policy's "undetermined"."""

from __future__ import annotations

import numpy as np
import pytest
from _geo_points import clear_rank, point_with_ranks, ranked_points
from hypothesis import given, settings

from dlnscape.architecture import Architecture
from dlnscape.geometry import (
    differential_image_basis,
    differential_rank,
    image_contains_tangent_space,
    is_locally_open,
    is_submersion,
    jacobian,
    jacobian_rank,
    rank_profile,
    tangent_space,
)
from dlnscape.linalg import numerical_rank

W1 = np.array([[1.0, 0, 0], [0, 1, 0]])
W2 = np.array([[1.0, 0], [0, 0]])
W3 = W1.T
SEC32 = (W1, W2, W3)


# ---------------------------------------------------------------------------------------------
# independent references: numpy only, nothing from dlnscape
def _product(layers) -> np.ndarray:
    W = layers[0]
    for M in layers[1:]:
        W = M @ W
    return W


def fd_jacobian(theta) -> np.ndarray:
    """dμ(θ) by central differences of the plain product, packed order (W_1 first, row-major)
    → row-major vec(W). μ is affine in each single entry, so the central difference is the
    exact partial derivative for any step (step 1 keeps the rounding error at ≈ ε·‖μ‖)."""
    cols = []
    for k, Wk in enumerate(theta):
        for a in range(Wk.shape[0]):
            for b in range(Wk.shape[1]):
                E = np.zeros_like(Wk)
                E[a, b] = 1.0
                up = list(theta)
                dn = list(theta)
                up[k], dn[k] = Wk + E, Wk - E
                cols.append(((_product(up) - _product(dn)) / 2.0).ravel())
    return np.column_stack(cols)


def lemma3_rank(theta) -> int | None:
    """004 Lem 3 evaluated with numpy's ranks of the partial products:
    Σ_i rk W_{>i} rk W_{<i} − Σ_{i<h} rk W_{>i} rk W_{<i+1} (W_{<1} = I, W_{>h} = I)."""
    h = len(theta)
    d = [theta[0].shape[1]] + [W.shape[0] for W in theta]

    def rk(lo, hi):  # rank of W_hi ⋯ W_{lo+1} (identity of size d_lo when empty)
        return d[lo] if hi == lo else clear_rank(_product(theta[lo:hi]))

    less = [rk(0, i - 1) for i in range(1, h + 2)]  # less[i-1] = rk W_{<i}
    greater = [rk(i, h) for i in range(0, h + 1)]  # greater[i] = rk W_{>i}
    if None in less or None in greater:
        return None
    return (sum(greater[i] * less[i - 1] for i in range(1, h + 1))
            - sum(greater[i] * less[i] for i in range(1, h)))


def test_000_sec32_ranks_and_nullities():
    """000 §3.2 data (catalog check 2): (rank, nullity) of W1, W2, W3, W, W2W1, W3W2."""
    p = rank_profile(SEC32)
    nullity = lambda dec, ncols: ncols - dec.rank  # noqa: E731
    assert [(d.rank, nullity(d, W.shape[1])) for d, W in zip(p.layers, SEC32, strict=True)] == [
        (2, 1), (1, 1), (2, 0)]
    assert (p.rank, 3 - p.rank) == (1, 2)
    assert (p.prefix[2].rank, 3 - p.prefix[2].rank) == (1, 2)  # W2W1
    assert (p.suffix[1].rank, 2 - p.suffix[1].rank) == (1, 1)  # W3W2
    np.testing.assert_array_equal((W2 @ W1).T, W3 @ W2)
    assert (p.k1, p.k2) == (1, 2)
    assert p.degenerate and not p.ambiguous
    # both conditions of 000 Prop 3.1 fail: ker W_{2,-} ≠ {0}, rank W < d_min, k1 ≠ k2
    assert p.prefix[2].rank < 3 and p.rank < 2 and p.k1 != p.k2


def test_004_ex19_two_factorizations():
    """004 Ex 19 (check 59): both products are [[1,1],[1,1]]; Jacobian ranks 4 and 3."""
    th = (np.array([[1.0, 1], [0, 0]]), np.array([[1.0, 0], [1, 1]]))
    thp = (np.array([[1.0, 1], [0, 0]]), np.array([[1.0, 0], [1, 0]]))
    for t in (th, thp):
        np.testing.assert_array_equal(t[1] @ t[0], np.ones((2, 2)))
    assert jacobian_rank(th).rank == 4 and differential_rank(th).rank == 4
    assert jacobian_rank(thp).rank == 3 and differential_rank(thp).rank == 3
    # the text's rule for d = (2,2,2), 2 rk W2 + 2 rk W1 − rk W2 rk W1, with numpy's layer
    # ranks, equals the rank of the finite-difference Jacobian and the library's Lemma 3 rank
    for t, expected in ((th, 4), (thp, 3)):
        r1, r2 = (np.linalg.matrix_rank(W) for W in t)
        rule = 2 * r2 + 2 * r1 - r2 * r1
        assert rule == expected == clear_rank(fd_jacobian(t)) == differential_rank(t).rank
        np.testing.assert_allclose(fd_jacobian(t), jacobian(t), rtol=0, atol=1e-14)
    s, sp = is_submersion(th, check_jacobian=True), is_submersion(thp, check_jacobian=True)
    assert s.is_submersion is True and sp.is_submersion is False
    assert s.agree and sp.agree
    # a submersion although rk W = 1 < r = 2 (filling case)
    assert rank_profile(th).rank == 1


@settings(derandomize=True, max_examples=120, deadline=None)
@given(ranked_points(hmin=2, hmax=5, dmax=5))
def test_004_lem3_formula_matches_jacobian_rank(data):
    """004 Lem 3 (check 57): the formula equals the SVD rank of the explicit Jacobian, and
    both equal the SVD rank of a finite-difference Jacobian of the plain product (numpy)."""
    widths, ranks, theta = data
    d = differential_rank(theta)
    j = jacobian_rank(theta)
    if d.ambiguous or j.ambiguous:
        return
    assert d.rank == j.rank, (widths, ranks)
    fd = clear_rank(fd_jacobian(theta))
    if fd is not None:
        assert d.rank == fd, (widths, ranks, d.rank, fd)
    lem3 = lemma3_rank(theta)
    if lem3 is not None:
        assert d.rank == lem3, (widths, ranks, d.rank, lem3)


@settings(derandomize=True, max_examples=80, deadline=None)
@given(ranked_points(hmin=2, hmax=4, dmax=4))
def test_004_thm4_criteria_and_tangent_containment(data):
    """004 Thm 4 (check 58): maximal rank ⟺ the filling / non-filling criterion, and
    Im dμ ⊇ T_W M_e (rank[J | basis T_W M_e] = rank J)."""
    widths, ranks, theta = data
    s = is_submersion(theta, check_jacobian=True)
    if s.is_submersion is None:
        return
    assert s.agree, s.reason
    assert (s.jacobian.rank == s.max_rank) == s.criterion
    c = image_contains_tangent_space(theta)
    # Thm 4: the containment always holds, so the answer is True unless a decision it rests
    # on is ambiguous
    if c.contains is None:
        assert rank_profile(theta).ambiguous or c.intersection.ambiguous, c.reason
    else:
        assert c.contains is True, c.reason
    # independent route (numpy only): T_W M_e = {U_e Aᵀ + B V_eᵀ} from numpy's SVD, and
    # rank [J_fd | T-basis] = rank J_fd for the finite-difference Jacobian
    W = _product(theta)
    e = clear_rank(W)
    J = fd_jacobian(theta)
    rj = clear_rank(J)
    if e is None or rj is None:
        return
    U, _, Vt = np.linalg.svd(W)
    m, n = W.shape
    T = np.column_stack([np.zeros(m * n)]  # T_W M_0 = {0} when W = 0
                        + [np.outer(U[:, i], np.eye(n)[b]).ravel() for i in range(e)
                           for b in range(n)]
                        + [np.outer(np.eye(m)[a], Vt[j]).ravel() for j in range(e)
                           for a in range(m)])
    rjt = clear_rank(np.hstack([J / max(np.linalg.norm(J), 1e-300), T]))
    if rjt is not None:
        assert rjt == rj, (widths, ranks, rj, rjt)


def test_004_prop17_18_examples():
    """Non-filling: rk dμ < dim M_r ⟺ rk W < r (Prop 17); filling: rank drop ⟺ some i with
    rk W_>i < d_h and rk W_<i+1 < d_0 (Prop 18)."""
    rng = np.random.default_rng(3)
    arch = Architecture([4, 2, 3, 4])  # non-filling, r = 2, dim M_r = 2·(4+4−2) = 12
    th = point_with_ranks(rng, arch.widths, (2, 2, 2))
    assert differential_rank(th).rank == 12 == jacobian_rank(th).rank
    th = point_with_ranks(rng, arch.widths, (2, 1, 2))
    assert jacobian_rank(th).rank < 12 and rank_profile(th).rank < 2
    arch = Architecture([2, 3, 2])  # filling
    th = point_with_ranks(rng, arch.widths, (1, 1))  # rk W_>1 = 1 < 2 and rk W_<2 = 1 < 2
    assert jacobian_rank(th).rank < 4
    th = point_with_ranks(rng, arch.widths, (2, 1))  # rk W_<2 = 2 = d_0
    assert jacobian_rank(th).rank == 4


def test_004_prop15_nested_tensor_sum_dimension():
    """004 Prop 15 (check 60): dim Σ V_i^+ ⊗ V_i^- = Σ r_i^+ r_i^- − Σ r_i^+ r_{i+1}^-."""
    rng = np.random.default_rng(7)
    for _ in range(20):
        rp = np.sort(rng.integers(0, 7, size=4))  # dims of V_1^+ ⊆ … ⊆ V_4^+ in R^6
        rm = np.sort(rng.integers(0, 6, size=4))[::-1]  # V_1^- ⊇ … ⊇ V_4^- in R^5
        Bp = np.linalg.qr(rng.standard_normal((6, 6)))[0]
        Bm = np.linalg.qr(rng.standard_normal((5, 5)))[0]
        span = [np.kron(Bp[:, :a], Bm[:, :b]) for a, b in zip(rp, rm, strict=True) if a and b]
        dim = numerical_rank(np.hstack(span)).rank if span else 0
        expect = int(sum(rp * rm) - sum(rp[:-1] * rm[1:]))
        assert dim == expect


def test_004_a1_tangent_normal_spaces():
    """004 A.1 (check 79): rank-2 P of size 5×4: dim T_P M_2 = 14; the normal projector
    annihilates T_P M_2; the projections are complementary and orthogonal."""
    rng = np.random.default_rng(0)
    P = rng.standard_normal((5, 2)) @ rng.standard_normal((2, 4))
    ts = tangent_space(P)
    assert ts.dim == 2 * (5 + 4 - 2) == 14 and ts.codim == 20 - 14
    for T in ts.basis:
        assert np.linalg.norm(ts.project_normal(T)) < 1e-12
    Z = rng.standard_normal((5, 4))
    a, b = ts.project(Z), ts.project_normal(Z)
    np.testing.assert_allclose(a + b, Z, atol=1e-13)
    assert abs(np.sum(a * b)) < 1e-12
    G = ts.basis.reshape(14, -1)
    np.testing.assert_allclose(G @ G.T, np.eye(14), atol=1e-12)


def test_004_eq5_image_basis_matches_jacobian_range():
    rng = np.random.default_rng(11)
    th = point_with_ranks(rng, (3, 4, 2, 4, 3), (3, 1, 2, 3))
    B, dec = differential_image_basis(th)
    J = jacobian(th)
    assert B.shape[1] == numerical_rank(J).rank
    # every Jacobian column lies in span B
    assert np.linalg.norm(J - B @ (B.T @ J)) < 1e-10 * np.linalg.norm(J)


def test_ambiguous_rank_makes_answers_undetermined():
    """A singular value 1e-13 relative sits between noise and signal: the decision is
    ambiguous and every dependent verdict is None / 'undetermined'."""
    rng = np.random.default_rng(2)
    U = np.linalg.qr(rng.standard_normal((3, 3)))[0]
    V = np.linalg.qr(rng.standard_normal((3, 3)))[0]
    W1_ = U @ np.diag([1.0, 1.0, 1e-13]) @ V.T  # rank 3 or 2?
    th = (W1_, rng.standard_normal((2, 3)), rng.standard_normal((3, 2)))
    p = rank_profile(th)
    assert p.layers[0].ambiguous and p.ambiguous
    assert differential_rank(th).ambiguous
    assert is_submersion(th).is_submersion is None
    assert image_contains_tangent_space(th).contains is None
    assert image_contains_tangent_space(th).equal is None
    res = is_locally_open(th)
    assert res.is_open is None and res.theorem.startswith("undetermined")


@pytest.mark.parametrize("widths", [(3, 2, 2, 3), (4, 2, 3, 2, 4), (2, 3, 3, 2)])
def test_001_lem10_jacobian_rank_is_dim_Mr_at_nondegenerate_points(widths):
    """001 Lem 10 / 004 Thm 4 (check 31): rk W = r ⇒ Jacobian rank r(d_h + d_0 − r)."""
    arch = Architecture(widths)
    rng = np.random.default_rng(5)
    th = point_with_ranks(rng, widths, [min(s) for s in arch.shapes])
    assert rank_profile(th).rank == arch.r
    r, m, n = arch.r, arch.d_out, arch.d_in
    assert jacobian_rank(th).rank == r * (m + n - r) == clear_rank(fd_jacobian(th))
    assert differential_rank(th).rank == r * (m + n - r)
