"""Kawaguchi 2016 (seed 002), §4: Lem 4.1–4.6 in the text's conventions against the package.

Independent references: ``Landscape.grad`` / ``.hessian`` (closed forms in the package's
packing) and the JAX autodiff reference of ``tests/conftest.py`` (``jax_ref``); critical points
from ``find_critical_point``, ``critical_point_from_subset`` (Eckart–Young lifts) and explicit
constructions checked critical by the package's gradient.
"""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dlnscape as dl
from dlnscape.errors import DlnscapeError, LossError, PointError, ShapeError
from dlnscape.examples import kawaguchi_data
from dlnscape.texts import kawaguchi as kw
from dlnscape.tolerances import point_scale, relative_gradient

WIDTHS = [(3, 2, 4, 2), (4, 3, 2, 3, 2), (2, 2), (3, 1, 2), (2, 3, 1, 2, 3, 2)]


def _instance(widths, seed, m=5):
    rng = np.random.default_rng(seed)
    arch = dl.Architecture(widths)
    X = rng.standard_normal((widths[0], m))
    Y = rng.standard_normal((widths[-1], m))
    L = dl.Landscape(dl.LinearNetwork(arch), dl.SquaredLoss(X, Y))
    return L, dl.random_point(arch, rng), X, Y


def _rel(A, B) -> float:
    return float(np.linalg.norm(A - B) / max(np.linalg.norm(B), 1e-300))


def _psd(L, theta) -> tuple[bool, np.ndarray]:
    """PSD up to rounding: λ_min ≥ −1e3·P·eps·max|λ| (the Hessians here are exact or nearly)."""
    ev = np.linalg.eigvalsh(L.hessian(theta))
    big = max(float(np.abs(ev).max()), 1e-300)
    return bool(ev[0] >= -1e3 * ev.size * np.finfo(float).eps * big), ev


# ---------------------------------------------------------------------------------------------
# Lem 4.1: the gradient in vec(W_kᵀ) coordinates
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("widths", WIDTHS)
def test_lem41_gradient_is_the_package_gradient_row_major(widths):
    L, theta, X, Y = _instance(widths, sum(widths))
    for k, (g_text, g_pkg) in enumerate(zip(kw.lem41_gradients(theta, X, Y), L.grad(theta),
                                            strict=True), start=1):
        assert g_text.shape == (widths[k] * widths[k - 1],)
        assert _rel(g_text, g_pkg.ravel()) < 1e-12  # vec(W_kᵀ) = row-major flattening of W_k


@settings(derandomize=True, max_examples=25, deadline=None)
@given(st.lists(st.integers(1, 4), min_size=2, max_size=5), st.integers(0, 10_000))
def test_lem41_gradient_property(widths, seed):
    L, theta, X, Y = _instance(tuple(widths), seed, m=3)
    g_text = np.concatenate(kw.lem41_gradients(theta, X, Y))
    assert _rel(g_text, L.grad_flat(theta)) < 1e-11


def test_lem41_wrong_vec_conventions_are_detected():
    # the comparison can fail: vec(W_k) (column-major) instead of vec(W_kᵀ), or a row-major vec(r)
    L, theta, X, Y = _instance((3, 2, 4, 2), 1)
    n = kw.notation(theta, X, Y)
    k = 2
    g_pkg = L.grad(theta)[k - 1]
    g_text = kw.lem41_gradient(theta, X, Y, k)
    assert _rel(g_text, g_pkg.ravel(order="F")) > 1e-2
    wrong_r = np.kron(n.A(k), n.P(k).T).T @ n.r.ravel()  # r stacked by rows
    assert _rel(wrong_r, g_pkg.ravel()) > 1e-2


# ---------------------------------------------------------------------------------------------
# Lem 4.3: Hessian blocks
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("widths", WIDTHS)
def test_lem43_blocks_are_the_package_hessian_blocks(widths):
    L, theta, X, Y = _instance(widths, 7 + sum(widths))
    arch = L.arch
    H = L.hessian(theta)
    o = arch.offsets
    scale = np.abs(H).max()
    for k in range(1, arch.h + 1):
        blk = H[o[k - 1]:o[k], o[k - 1]:o[k]]
        assert np.abs(kw.lem43_diagonal_block(theta, X, Y, k) - blk).max() <= 1e-13 * scale
    for k in range(2, arch.h + 1):  # rows W_1, columns W_k
        blk = H[o[0]:o[1], o[k - 1]:o[k]]
        assert np.abs(kw.lem43_offdiagonal_block(theta, X, Y, k) - blk).max() <= 1e-13 * scale


@pytest.mark.parametrize("widths", [(3, 2, 4, 2), (4, 3, 2, 3, 2), (2, 3, 1, 2, 3, 2)])
def test_lem43_full_text_hessian_equals_jax_autodiff(widths, problem_factory, jax_ref):
    # independent of the package: JAX on the padded definition ½‖W_h⋯W_1X − Y‖²
    prob = problem_factory("squared", list(widths), seed=3)
    X, Y = prob.landscape.loss.X, prob.landscape.loss.Y
    th = kw.lem43_hessian(prob.theta, X, Y)
    ref = jax_ref.hessian(prob)
    assert np.abs(th.package_order() - ref).max() <= 1e-12 * np.abs(ref).max()
    perm = kw.text_block_permutation(widths)
    assert np.array_equal(th.matrix, th.package_order()[perm][:, perm])
    # the text's order starts with W_{H+1}: its diagonal block comes first
    k = len(widths) - 1
    nk = widths[k] * widths[k - 1]
    assert np.array_equal(th.matrix[:nk, :nk], kw.lem43_diagonal_block(prob.theta, X, Y, k))
    assert th.sources[(1, k)] == "Lem 4.3 (k,1)" and th.sources[(k, k)] == "Lem 4.3 diagonal"


def test_lem43_broken_formulas_are_detected():
    L, theta, X, Y = _instance((3, 2, 4, 2), 11)
    n = kw.notation(theta, X, Y)
    H = L.hessian(theta)
    o = L.arch.offsets
    k = 2
    blk = H[o[0]:o[1], o[k - 1]:o[k]]
    assert _rel(kw.lem43_offdiagonal_block(theta, X, Y, k), blk) < 1e-13
    A, P = n.A(k), n.P(k)
    first = np.kron(n.C.T @ A, X @ P.T)
    assert _rel(first, blk) > 1e-2  # the r-term is needed away from critical points
    second = blk - first
    assert _rel(first - second, blk) > 1e-2  # its sign matters
    diag = H[o[k - 1]:o[k], o[k - 1]:o[k]]
    assert _rel(np.kron(P @ P.T, A.T @ A), diag) > 1e-2  # the Kronecker order matters (vec(Wᵀ))


# ---------------------------------------------------------------------------------------------
# Lem 4.2: representation at critical points
# ---------------------------------------------------------------------------------------------
@settings(derandomize=True, max_examples=20, deadline=None)
@given(st.lists(st.integers(1, 4), min_size=1, max_size=3), st.integers(0, 10_000))
def test_lem42_residual_identity_at_every_point(hidden, seed):
    # W − C(CᵀC)^†CᵀQ = (Cᵀ)^†∇_{W_1}L̄(XXᵀ)⁻¹ at every point (the proof of Lem 4.2); the
    # gradient here comes from the package, not from the text's formula
    X, Y = kawaguchi_data(3, 2, 6, seed)
    widths = (3, *hidden, 2)
    arch = dl.Architecture(widths)
    L = dl.Landscape(dl.LinearNetwork(arch), dl.SquaredLoss(X, Y))
    theta = dl.random_point(arch, seed)
    chk = kw.lem42_representation(theta, X, Y)
    n = kw.notation(theta, X, Y)
    U, s, Vt = np.linalg.svd(n.C, full_matrices=False)
    r = chk.C_rank.rank
    Ct_pinv = (U[:, :r] / s[:r]) @ Vt[:r]
    Q = kw.spectrum(X, Y).Q
    pred = Ct_pinv @ L.grad(theta)[0] @ np.linalg.inv(X @ X.T)
    assert np.linalg.norm(chk.product - chk.representation - pred) <= 1e-9 * np.linalg.norm(Q)


def _lem42_points():
    """(label, landscape, theta, X, Y): Newton/GD end points, Eckart–Young lifts, constructions."""
    out = []
    X, Y = kawaguchi_data(4, 3, 8, 0)
    for widths in [(4, 2, 3), (4, 3, 2, 3), (4, 5, 3), (4, 2, 3, 2, 3)]:
        arch = dl.Architecture(widths)
        loss = dl.SquaredLoss(X, Y)
        L = dl.Landscape(dl.LinearNetwork(arch), loss)
        for s in range(3):
            for meth in ("newton", "gd"):
                res = dl.find_critical_point(L, dl.random_point(arch, s), method=meth)
                if res.converged:
                    out.append((f"{widths} {meth} {s}", L, res.theta, X, Y))
        r = min(arch.r, 3)
        for I in {tuple(range(r)), tuple(range(3 - r, 3))}:
            theta, _ = dl.critical_point_from_subset(loss, arch, I, rng=1)
            out.append((f"{widths} EY {I}", L, theta, X, Y))
    return out


def test_lem42_holds_wherever_its_premise_holds_numerically():
    pts = _lem42_points()
    n_app = 0
    for label, _L, theta, X, Y in pts:
        chk = kw.lem42_representation(theta, X, Y, rng=3)
        # the identity above: the residual is the gradient term, whatever the point
        assert abs(chk.residual_pinv - chk.gradient_term) <= 1e-9, label
        if chk.applicable:
            n_app += 1
            assert chk.holds, (label, chk.residual_pinv, chk.residual_ginv)
            assert chk.eq2_residual <= 1e-8, label
        else:
            # Newton may stop near a critical point where C is ill-conditioned (a layer of
            # size 1e-30 next to one of size 5): the gradient is tiny in the aggregate, but not
            # against σ_min(C), and the representation C ↦ P_C is discontinuous at rank drops
            assert chk.gradient_term > chk.rtol
    assert n_app >= 20


def test_lem42_literal_inverse_needs_full_column_rank_of_C():
    # the OCR's (CᵀC)⁻¹: impossible when d_1 > rank C (here d_1 = 5 > d_y = 3)
    X, Y = kawaguchi_data(4, 3, 8, 0)
    arch = dl.Architecture((4, 5, 3))
    theta, _ = dl.critical_point_from_subset(dl.SquaredLoss(X, Y), arch, (0, 1, 2), rng=0)
    chk = kw.lem42_representation(theta, X, Y, rng=1)
    assert chk.literal_residual is None and chk.holds
    assert chk.C_rank.rank == 3 < 5


def test_lem42_fails_away_from_critical_points():
    X, Y = kawaguchi_data(4, 3, 8, 0)
    theta = dl.random_point(dl.Architecture((4, 2, 3)), 0)
    chk = kw.lem42_representation(theta, X, Y)
    assert chk.holds is False and chk.residual_pinv > 1e-2


# ---------------------------------------------------------------------------------------------
# R(C) is spanned by eigenvectors of Σ at critical points (App. A.6 "R(C) = R(U_I)")
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("widths", [(4, 2, 3), (4, 3, 2, 3), (4, 2, 2, 2, 3)])
def test_range_of_C_is_the_eckart_young_subset(widths):
    X, Y = kawaguchi_data(4, 3, 8, 1)
    loss = dl.SquaredLoss(X, Y)
    arch = dl.Architecture(widths)
    for I in combinations(range(3), arch.r):
        theta, info = dl.critical_point_from_subset(loss, arch, I, rng=2)
        es = kw.eigenspace_of_C(theta, X, Y)
        # the package's I indexes the singular values of Q0 = YXᵀ(XXᵀ)^{-1/2}: λ_i(Σ) = σ_i²
        assert es.I == tuple(info.I), (I, es.weights)
        assert es.invariance_residual < 1e-12 and es.subspace_residual < 1e-10
        assert es.is_top == (info.index == 0)


@pytest.mark.parametrize("widths,r", [((4, 2, 2, 3), 2), ((4, 3, 1, 3, 3), 1), ((4, 5, 3), 3)])
def test_lem42_lem46_at_every_function_space_critical_point_lifted(widths, r):
    # every critical point of l on M_r (squared_loss_critical_points), lifted by dl.lift with
    # random fiber points: Lem 4.2 holds, R(C) = R(U_I) for the listed I, and Lem 4.6's
    # conclusion holds exactly for the index-0 point (I the top set)
    X, Y = kawaguchi_data(4, 3, 8, 3)
    loss = dl.SquaredLoss(X, Y)
    arch = dl.Architecture(widths)
    fs = dl.squared_loss_critical_points(loss, r)
    assert len(fs.points) == len(list(combinations(range(3), r)))
    for pt in fs.points:
        for seed in (0, 1):
            theta = dl.lift(pt.W, arch, rng=seed)
            assert kw.lem42_representation(theta, X, Y, rng=seed).holds
            es = kw.eigenspace_of_C(theta, X, Y)
            assert es.I == tuple(pt.I) and es.invariance_residual < 1e-12
            assert kw.lem46_condition(theta, X, Y).holds == (pt.index == 0)


# ---------------------------------------------------------------------------------------------
# Lem 4.4, Cor 4.5, Lem 4.6 at critical points with a semidefinite Hessian
# ---------------------------------------------------------------------------------------------
def _degenerate_saddle(d_x=3, d_y=3):
    """d = (d_x, 3, 3, d_y): product u_1u_1ᵀQ through one unit of each hidden layer (Case III of
    App. B: rank W_2 = 1 < p = 3, rank C = 1 < p̂ = 3); the package finds a PSD Hessian."""
    X, Y = kawaguchi_data(d_x, d_y, 8, 0)
    sp = kw.spectrum(X, Y)
    u1 = sp.U[:, 0]
    W1 = np.zeros((3, d_x))
    W1[0] = u1 @ sp.Q
    W3 = np.zeros((d_y, 3))
    W3[:, 0] = u1
    theta = (W1, np.diag([1.0, 0.0, 0.0]), W3)
    L = dl.Landscape(dl.LinearNetwork(dl.Architecture((d_x, 3, 3, d_y))), dl.SquaredLoss(X, Y))
    return L, theta, X, Y


def _gd_then_newton(L, theta0):
    """Gradient descent to a minimum, polished by Newton (``gd`` alone often stops at a relative
    gradient ~1e-6 on these problems)."""
    res = dl.find_critical_point(L, theta0, method="gd", max_iter=20_000)
    res = dl.find_critical_point(L, res.theta, method="newton")
    assert res.converged
    return res.theta


def _psd_points():
    out = []
    L, theta, X, Y = _degenerate_saddle()
    out.append(("case III saddle", L, theta, X, Y))
    X, Y = kawaguchi_data(4, 3, 8, 2)
    for widths in [(4, 2, 3), (4, 2, 2, 3), (4, 3, 5, 3), (4, 5, 2, 4, 3)]:
        arch = dl.Architecture(widths)
        loss = dl.SquaredLoss(X, Y)
        L = dl.Landscape(dl.LinearNetwork(arch), loss)
        theta, _ = dl.critical_point_from_subset(loss, arch, tuple(range(min(arch.r, 3))), rng=4)
        out.append((f"{widths} global (lift)", L, theta, X, Y))
        out.append((f"{widths} global (gd)", L, _gd_then_newton(L, dl.random_point(arch, 1)), X, Y))
        if arch.h >= 3:  # θ = 0 has a zero Hessian for H ≥ 2 (for H = 1 it is a strict saddle)
            out.append((f"{widths} zero", L, tuple(np.zeros(s) for s in arch.shapes), X, Y))
    from dlnscape.examples import kawaguchi_cor24_point

    for H in (3, 4):  # C.1 points with a zero Hessian (PSD and NSD)
        L, theta = kawaguchi_cor24_point(H, last="random")
        out.append((f"C.1 H={H}", L, theta, L.loss.X, L.loss.Y))
    return out


def test_lem44_cor45_lem46_hold_at_psd_critical_points():
    for label, L, theta, X, Y in _psd_points():
        assert relative_gradient(L.grad(theta), point_scale(L, theta)) <= 1e-10, label
        psd, ev = _psd(L, theta)
        assert psd, (label, ev[:3])
        c44 = kw.lem44_conditions(theta, X, Y)
        assert c44.holds, (label, [t.to_dict() for t in c44.terms])
        assert c44.cor45_holds, label
        for t in c44.terms:  # the principal-submatrix range condition of the proof (App. A.4)
            assert t.schur_residual <= 1e-9, (label, t.k, t.schur_residual)
        c46 = kw.lem46_condition(theta, X, Y)
        assert c46.holds, (label, c46.to_dict())


def test_lem44_lem46_numbers_at_the_case_III_saddle():
    # the PSD saddle: k = 2 holds through XrA_2 = 0 (not the inclusion), k = 3 through the
    # inclusion (Xr ≠ 0); Lem 4.6 through the projector (p̄ = 1, R(C) = span u_1)
    L, theta, X, Y = _degenerate_saddle()
    # every seed of the escape search must certify it (rng=0 once failed a float comparison of
    # the distances' shrink ratio, 3.999999999999999 < 4; the comparison now allows rounding)
    for rng in (0, 1):
        res = dl.classify(L, theta, rng=rng)
        assert res.verdict == "degenerate_saddle" and res.verify(L)
    assert res.hessian.n_negative == 0
    c44 = kw.lem44_conditions(theta, X, Y)
    t2, t3 = c44.terms
    assert not t2.inclusion and t2.xra_zero
    assert t3.inclusion and not t3.xra_zero
    c46 = kw.lem46_condition(theta, X, Y)
    assert c46.p_bar.rank == 1 and c46.projector_equal and not c46.xr_zero


def test_thm23_i_appB2_points_are_critical_with_indefinite_hessian_and_violate_lem44():
    # App. B.2: W_{H+1} = W_1 = 0, rank(W_H⋯W_2) ≥ 1: critical, Xr = XYᵀ ≠ 0 and
    # rank W_{H+1} = 0 < rank(W_H⋯W_2), so both alternatives fail for k = H + 1 and the Hessian
    # has eigenvalues of both signs (Thm 2.3(i): non-convex and non-concave)
    X, Y = kawaguchi_data(3, 2, 8, 4)
    rng = np.random.default_rng(0)
    for widths in [(3, 2, 2), (3, 2, 3, 2), (3, 3, 2, 2, 2)]:
        arch = dl.Architecture(widths)
        L = dl.Landscape(dl.LinearNetwork(arch), dl.SquaredLoss(X, Y))
        layers = [rng.standard_normal(s) for s in arch.shapes]
        layers[0] = np.zeros(arch.shapes[0])
        layers[-1] = np.zeros(arch.shapes[-1])
        theta = tuple(layers)
        assert not np.any(L.grad_flat(theta))
        ev = np.linalg.eigvalsh(L.hessian(theta))
        assert ev[0] < -1e-3 * ev[-1] and ev[-1] > 0
        c44 = kw.lem44_conditions(theta, X, Y)
        assert (arch.h) in c44.failing()
        assert c44.cor45_holds is False
        assert c44.terms[-1].schur_residual > 1e-3  # the range condition fails as well


def test_lem46_non_top_subsets_violate_it_and_have_negative_curvature():
    # the contrapositive of Lem 4.6: R(C) = R(U_I) with I not the top set and Xr ≠ 0 ⟹ not PSD
    X, Y = kawaguchi_data(4, 3, 8, 5)
    loss = dl.SquaredLoss(X, Y)
    for widths, I in [((4, 2, 3), (0, 2)), ((4, 2, 2, 3), (1, 2)), ((4, 1, 3, 3), (1,))]:
        arch = dl.Architecture(widths)
        L = dl.Landscape(dl.LinearNetwork(arch), loss)
        theta, info = dl.critical_point_from_subset(loss, arch, I, rng=0)
        c46 = kw.lem46_condition(theta, X, Y)
        assert c46.holds is False and c46.eigenspace.I == I
        psd, ev = _psd(L, theta)
        assert not psd and ev[0] < -1e-6 * ev[-1]
        assert info.index > 0


def test_thm23_iv_saddles_with_rank_p_middle_product_have_negative_curvature():
    # Thm 2.3(iv): rank(W_H⋯W_2) = p ⟹ every saddle has a negative eigenvalue. Every
    # Eckart–Young lift with |I| = p, I not the top set, for H = 2 and H = 3
    X, Y = kawaguchi_data(4, 4, 9, 6)
    loss = dl.SquaredLoss(X, Y)
    for widths in [(4, 2, 2, 4), (4, 3, 2, 3, 4)]:
        arch = dl.Architecture(widths)
        L = dl.Landscape(dl.LinearNetwork(arch), loss)
        p = min(widths[1:-1])
        for I in combinations(range(4), p):
            if I == tuple(range(p)):
                continue
            theta, _ = dl.critical_point_from_subset(loss, arch, I, rng=1)
            mid = dl.end_to_end(theta[1:-1])
            assert np.linalg.matrix_rank(mid) == p
            psd, ev = _psd(L, theta)
            assert ev[0] < -1e-6 * ev[-1], (widths, I)


def test_cor24_H1_every_saddle_including_rank_deficient_ones_has_negative_curvature():
    # Cor 2.4, H = 1 (C.1: Thm 2.3(iv) with W_1⋯W_2 := I_{d_1}, so rank = d_1 = p always):
    # every critical point W_1 = [U_Iᵀ Q; 0], W_2 = [U_I 0] with |I| ≤ p except the global
    # minimum has a negative eigenvalue — also the rank-deficient ones (|I| = 1 < p = 2), unlike
    # their H = 2 analogue (the PSD Case III saddle above)
    X, Y = kawaguchi_data(4, 4, 9, 6)
    sp = kw.spectrum(X, Y)
    L = dl.Landscape(dl.LinearNetwork(dl.Architecture((4, 2, 4))), dl.SquaredLoss(X, Y))
    for size in (1, 2):
        for I in combinations(range(4), size):
            U = sp.U[:, list(I)]
            W1 = np.zeros((2, 4))
            W1[:size] = U.T @ sp.Q
            W2 = np.zeros((4, 2))
            W2[:, :size] = U
            theta = (W1, W2)
            assert relative_gradient(L.grad(theta), point_scale(L, theta)) < 1e-14
            psd, ev = _psd(L, theta)
            if I == (0, 1):
                assert psd  # the global minimum
                assert kw.lem46_condition(theta, X, Y).holds
            else:
                assert ev[0] < -1e-3 * ev[-1], (I, ev[:2])


def test_appB3_w1_block_is_psd_with_a_positive_eigenvalue_iff_C_nonzero():
    # App. B.3: D_{vec(W_1ᵀ)}(D_{vec(W_1ᵀ)}L̄)ᵀ = CᵀC ⊗ XXᵀ ⪰ 0; its spectrum is the products
    # of the factors' spectra (checked), positive somewhere iff C ≠ 0
    X, Y = kawaguchi_data(3, 2, 8, 7)
    arch = dl.Architecture((3, 2, 3, 2))
    theta = dl.random_point(arch, 3)
    blk = kw.lem43_diagonal_block(theta, X, Y, 1)
    n = kw.notation(theta, X, Y)
    ev = np.sort(np.linalg.eigvalsh(blk))
    prod = np.sort(np.outer(np.linalg.eigvalsh(n.C.T @ n.C), np.linalg.eigvalsh(X @ X.T)).ravel())
    assert np.allclose(ev, prod, rtol=0, atol=1e-12 * ev[-1])
    assert ev[0] >= -1e-12 * ev[-1] and ev[-1] > 0
    zeroC = (theta[0], np.zeros((3, 2)), theta[2])
    assert not np.any(kw.lem43_diagonal_block(zeroC, X, Y, 1))


# ---------------------------------------------------------------------------------------------
# bad input
# ---------------------------------------------------------------------------------------------
def test_bad_input_names_the_argument():
    X, Y = kawaguchi_data(3, 2, 6, 0)
    theta = dl.random_point(dl.Architecture((3, 2, 2)), 0)
    with pytest.raises(ShapeError, match="X"):
        kw.lem41_gradient(theta, X[:2], Y, 1)
    with pytest.raises(ShapeError, match="Y"):
        kw.lem41_gradient(theta, X, np.ones((3, 6)), 1)
    with pytest.raises(LossError, match="Y"):
        kw.lem41_gradient(theta, X, Y[:, :4], 1)
    with pytest.raises(LossError, match="X"):
        kw.notation(theta, np.full((3, 6), np.nan), Y)
    with pytest.raises(PointError, match="theta"):
        kw.lem41_gradient((theta[0], np.ones((2, 3))), X, Y, 1)
    with pytest.raises(PointError, match="theta"):
        kw.notation(dl.pack(theta), X, Y)
    with pytest.raises(DlnscapeError, match="k"):
        kw.lem41_gradient(theta, X, Y, 3)
    with pytest.raises(DlnscapeError, match="k"):
        kw.lem43_offdiagonal_block(theta, X, Y, 1)
    with pytest.raises(LossError, match="X"):
        kw.spectrum(np.ones((3, 6)), Y)
    with pytest.raises(ShapeError, match="M"):
        kw.ginverse(np.ones(3))
