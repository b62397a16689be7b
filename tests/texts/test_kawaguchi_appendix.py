"""Kawaguchi 2016 (seed 002): Thm 2.3's value, C.1 via Lem 4.3, App. B's perturbation, App. D,
App. A.7 and the §2.3 Lipschitz remark.

Already tested elsewhere (reused, not repeated): Cor 2.4 / C.1 verdicts
(``tests/critical/test_seed_examples.py``), C.1's ± formula and 002 vs 003's ½ conventions
(``tests/functional/test_squared_and_global.py``).
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from flint import fmpq_mat
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import minimize

import dlnscape as dl
from dlnscape.errors import DlnscapeError
from dlnscape.examples import kawaguchi_cor24_point, kawaguchi_data
from dlnscape.texts import kawaguchi as kw
from dlnscape.tolerances import point_scale, relative_gradient


def _landscape(widths, X, Y):
    return dl.Landscape(dl.LinearNetwork(dl.Architecture(widths)), dl.SquaredLoss(X, Y))


def _lbfgs_min(L, starts, rng) -> float:
    best = np.inf
    for _ in range(starts):
        x0 = dl.pack(dl.random_point(L.arch, rng))
        res = minimize(lambda x: (L.value(L.unpack(x)), L.grad_flat(L.unpack(x))), x0,
                       jac=True, method="L-BFGS-B", options={"gtol": 1e-13, "ftol": 1e-16,
                                                             "maxiter": 20_000})
        best = min(best, float(res.fun))
    return best


# ---------------------------------------------------------------------------------------------
# Thm 2.3: hypotheses and the global minimum value ½(tr YYᵀ − Σ_{k ≤ min(p, d_y)} λ_k(Σ))
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("widths", [(4, 5, 6, 3), (4, 2, 3, 3), (4, 3, 2, 4, 3), (5, 1, 2)])
def test_thm23_global_minimum_value_and_minimizer(widths):
    # p > d_y (first), p < d_y, H = 3, p = 1: against the package's closed form (Eckart–Young on
    # YXᵀ(XXᵀ)^{-1/2}, a different route) and against multistart L-BFGS
    X, Y = kawaguchi_data(widths[0], widths[-1], 9, sum(widths))
    hyp = kw.thm23_hypotheses(X, Y)
    assert hyp.holds
    gm = kw.thm23_global_minimum(X, Y, widths)
    loss = dl.SquaredLoss(X, Y)
    assert gm.p_hat == min(min(widths[1:-1]), widths[-1])
    assert gm.value == pytest.approx(dl.global_minimum(loss, dl.Architecture(widths)).value,
                                     rel=1e-10)
    assert loss.value(gm.product) == pytest.approx(gm.value, rel=1e-10)  # attained by U_p̂U_p̂ᵀQ
    assert np.linalg.matrix_rank(gm.product) == gm.p_hat
    L = _landscape(widths, X, Y)
    best = _lbfgs_min(L, 4, np.random.default_rng(0))
    assert best >= gm.value * (1 - 1e-9)
    assert best == pytest.approx(gm.value, rel=1e-6)
    # broken variants are detected: no ½, or the smallest eigenvalues
    lam, trYY = gm.eigenvalues, float(np.vdot(Y, Y))
    assert abs((trYY - lam[:gm.p_hat].sum()) - gm.value) > 1e-3 * gm.value
    if gm.p_hat < lam.size:
        assert abs(0.5 * (trYY - lam[-gm.p_hat:].sum()) - gm.value) > 1e-3 * gm.value


def test_thm23_hypotheses_detect_each_failure():
    X, Y = kawaguchi_data(3, 2, 8, 0)
    assert kw.thm23_hypotheses(X, Y).holds
    Xd = X.copy()
    Xd[2] = Xd[0] + Xd[1]  # XXᵀ singular
    assert kw.thm23_hypotheses(Xd, Y).holds is False
    assert kw.thm23_hypotheses(np.eye(3), np.diag([1.0, 1.0, 2.0])).holds is False  # λ repeated
    assert kw.thm23_hypotheses(X[:1], Y).holds is False  # d_y > d_x
    Yr = np.outer([1.0, 2.0], Y[0])  # XYᵀ of rank 1 < d_y
    assert kw.thm23_hypotheses(X, Yr).holds is False


# ---------------------------------------------------------------------------------------------
# C.1 (Cor 2.4's proof): the text's own Lem 4.3 at W_H = … = W_1 = 0
# ---------------------------------------------------------------------------------------------
def test_c1_zero_hessian_claim_is_refuted_by_lem43_for_H2():
    L, theta = kawaguchi_cor24_point(2, last="random")
    X, Y = L.loss.X, L.loss.Y
    ev = kw.c1_hessian_blocks(theta, X, Y)
    assert ev.nonzero == ((1, 2),)  # the (W_1, W_2) block only
    # that block is Lem 4.3's second term [B_2ᵀ ⊗ X][I ⊗ (rA_2)_{·,t}]_t with B_2 = I, A_2 = W_3,
    # r = −Yᵀ; equal to the package's Hessian block (an independent closed form)
    H = L.hessian(theta)
    o = L.arch.offsets
    blk = kw.lem43_offdiagonal_block(theta, X, Y, 2)
    assert np.array_equal(blk != 0, H[o[0]:o[1], o[1]:o[2]] != 0)
    assert np.abs(blk - H[o[0]:o[1], o[1]:o[2]]).max() <= 1e-13 * np.abs(H).max()
    full = kw.lem43_hessian(theta, X, Y).package_order()
    assert np.abs(full - H).max() <= 1e-13 * np.abs(H).max()
    assert ev.eigenvalue_min < -1e-3 * ev.eigenvalue_max < 0  # indefinite: a strict saddle
    assert ev.lem44.failing() == (2,)  # Lem 4.4 itself rules out a semidefinite Hessian


@pytest.mark.parametrize("H,last", [(2, "zero"), (3, "random"), (4, "random")])
def test_c1_zero_hessian_claim_holds_for_H3_or_zero_last_layer(H, last):
    L, theta = kawaguchi_cor24_point(H, last=last)
    ev = kw.c1_hessian_blocks(theta, L.loss.X, L.loss.Y)
    assert ev.hessian_is_zero and ev.lem44.holds
    assert not np.any(L.hessian(theta))
    with pytest.raises(dl.PointError, match="theta"):
        kw.c1_hessian_blocks(dl.random_point(L.arch, 0), L.loss.X, L.loss.Y)


# ---------------------------------------------------------------------------------------------
# App. B, Case III: the loss-preserving, rank-raising perturbation
# ---------------------------------------------------------------------------------------------
def _case3_saddle():
    """d = (3, 3, 3, 3), product u_1u_1ᵀQ: rank W_2 = 1 < p = 3, rank C = 1 < p̂ = 3, PSD Hessian
    (a degenerate saddle; see tests/texts/test_kawaguchi.py)."""
    X, Y = kawaguchi_data(3, 3, 8, 0)
    sp = kw.spectrum(X, Y)
    u1 = sp.U[:, 0]
    W1 = np.zeros((3, 3))
    W1[0] = u1 @ sp.Q
    W3 = np.zeros((3, 3))
    W3[:, 0] = u1
    return (W1, np.diag([1.0, 0.0, 0.0]), W3), X, Y


def test_appB_steps_keep_the_loss_and_raise_rank_then_the_point_is_not_a_minimum():
    theta, X, Y = _case3_saddle()
    L = _landscape((3, 3, 3, 3), X, Y)
    assert not np.any(np.abs(L.grad_flat(theta)) > 1e-13)
    s1 = kw.appb_rank_raising_step(theta, X, Y, 1, eps=1e-2)
    s2 = kw.appb_rank_raising_step(s1.theta, X, Y, 2, eps=1e-2)
    for s in (s1, s2):
        assert s.hypothesis_residual < 1e-12  # A_k = [U_p̄ 0]G_k: R(A_k) = R(u_1)
        assert s.p_bar == 1 and s.p_hat == 3
        assert s.rank_before.rank == 1 and s.raised and s.rank_after.rank == 3
        assert s.loss_change <= 1e-15 and s.kernel_residual <= 1e-14
    assert L.value(s2.theta) == pytest.approx(L.value(theta), rel=1e-14)  # package's value
    # the product never changes, so rank(W_{H+1}⋯W_1) stays 1: the text's concluding
    # "rank(W_{H+1}⋯W_1) ≥ p̂" cannot hold; what it needs is rank(C) ≥ … via Cor 4.5 at k = H+1
    assert np.linalg.matrix_rank(dl.end_to_end(s2.theta), tol=1e-10) == 1
    assert s2.product_change <= 1e-14
    # arbitrarily small: the distance is linear in ε
    t1 = kw.appb_rank_raising_step(theta, X, Y, 1, eps=1e-5)
    assert t1.distance == pytest.approx(s1.distance * 1e-3, rel=1e-9)
    # s2 has the same loss but is not critical, so θ is not a local minimum: a gradient step
    # from s2 goes below L(θ) at distance O(ε) from θ
    rg = relative_gradient(L.grad(s2.theta), point_scale(L, s2.theta))
    assert rg > 1e-6  # far above the criticality threshold (1e-8)
    g = L.grad_flat(s2.theta)
    lower = L.unpack(L.pack(s2.theta) - 1e-2 * g)
    drop = L.value(theta) - L.value(lower)
    assert drop > 1e-3 * 1e-2 * float(g @ g) > 1e-12 * L.value(theta)
    # and Lem 4.4 fails at s1's successor for k = H + 1 (R(W̃_2ᵀ) ⊄ R(CᵀC), Xr ≠ 0)
    assert 3 in kw.lem44_conditions(s2.theta, X, Y).failing()


def test_appB_literal_placement_of_M_ptb_does_not_raise_the_rank():
    # Finding (proof of Thm 2.3(ii), inductive step). d = (4, 3, 3, 3), a critical point with
    # W_2W_1 = [u_1ᵀQ; nᵀ; 0] (n ∈ ker YXᵀ), rank C = 1 = p̄, rank(W_2W_1) = 2 = p̄', p̂ = 3 and
    # X r A_2 = 0. With G_2 = I (A_2 = W_3 = [u_1 0 0] = [U_1 0]·I), the printed M_ptb puts the
    # single v̄ into the first row of the lower block, which is already independent (nᵀ):
    # rank(W̃_2B_2) stays 2. Footnote 6's reading (v̄ into a dependent row) gives 3.
    X, Y = kawaguchi_data(4, 3, 8, 0)
    sp = kw.spectrum(X, Y)
    u1 = sp.U[:, 0]
    n = np.linalg.svd(Y @ X.T)[2][-1]
    W3 = np.zeros((3, 3))
    W3[:, 0] = u1
    theta = (np.vstack([u1 @ sp.Q, n, np.random.default_rng(1).standard_normal(4)]),
             np.diag([1.0, 1.0, 0.0]), W3)
    L = _landscape((4, 3, 3, 3), X, Y)
    assert relative_gradient(L.grad(theta), point_scale(L, theta)) < 1e-14
    nt = kw.notation(theta, X, Y)
    assert np.linalg.norm(X @ nt.r @ nt.A(2)) < 1e-13 * np.linalg.norm(X) * np.linalg.norm(nt.r)
    lit = kw.appb_rank_raising_step(theta, X, Y, 2, eps=1e-2, G=np.eye(3), placement="literal")
    fix = kw.appb_rank_raising_step(theta, X, Y, 2, eps=1e-2, G=np.eye(3))
    assert lit.rank_before.rank == fix.rank_before.rank == 2 and lit.p_hat == 3
    assert lit.rows_perturbed == (1,) and fix.rows_perturbed == (2,)
    assert not lit.raised and lit.rank_after.rank == 2
    # certified: the third row of G_2 W̃_2 B_2 is exactly zero (W_2's third row is 0, untouched)
    T = np.eye(3) @ lit.theta[1] @ lit.theta[0]
    assert not np.any(T[2])
    assert fix.raised and fix.rank_after.rank == 3 and not fix.rank_after.ambiguous
    for s in (lit, fix):
        assert s.loss_change <= 1e-15 and s.hypothesis_residual < 1e-12


def test_appB_bad_input():
    theta, X, Y = _case3_saddle()
    with pytest.raises(DlnscapeError, match="placement"):
        kw.appb_rank_raising_step(theta, X, Y, 1, placement="first")
    with pytest.raises(DlnscapeError, match="eps"):
        kw.appb_rank_raising_step(theta, X, Y, 1, eps=0.0)
    with pytest.raises(DlnscapeError, match="G"):
        kw.appb_rank_raising_step(theta, X, Y, 2, G=2 * np.eye(3))
    with pytest.raises(DlnscapeError, match="k"):
        kw.appb_rank_raising_step(theta, X, Y, 4)


# ---------------------------------------------------------------------------------------------
# App. D
# ---------------------------------------------------------------------------------------------
def test_appD_example_exactly():
    ex = kw.appd_example()
    assert ex.coefficients == (0, 0, 2, 1)  # f(w) = 2w² + w³
    assert ex.f_prime_0 == 0 and ex.f_second_0 == 4 and ex.strict_local_minimum_at_0
    assert ex.f_0 == 0 and ex.f_minus_3 == -9 < ex.f_0  # the local minimum is not global
    assert ex.surjective and ex.unbounded_below  # and there is no global minimum at all
    assert ex.printed_shape == (3, 3)  # the OCR's W_1 = [w w w], W_2 = [1 1 w]ᵀ: not a scalar
    # independent: the matrices multiplied in floats, and the rejected alternative 2w² − w³
    for w in (-3.0, -0.5, 0.0, 0.7, 2.0):
        f = (np.array([[w]]) @ np.array([[1.0, 1.0, w]]) @ np.array([[w], [w], [w]]))[0, 0]
        assert f == pytest.approx(2 * w**2 + w**3, abs=1e-15)
    assert 2 * (-3) ** 2 - (-3) ** 3 != ex.f_minus_3


def test_appD_collapsed_representation_differs_unless_i_is_1():
    # d = (3, 3, 3, 3), W_3 of full rank but C = W_3W_2 of rank 1: at this critical point
    # AB = C(CᵀC)^−CᵀQ (Lem 4.2) but AB ≠ A(AᵀA)^−AᵀQ for A = W_3 (i = 2); for i = 1, A = C
    X, Y = kawaguchi_data(3, 3, 8, 3)
    sp = kw.spectrum(X, Y)
    u1 = sp.U[:, 0]
    W1 = np.zeros((3, 3))
    W1[0] = u1 @ sp.Q
    W3 = np.random.default_rng(2).standard_normal((3, 3))
    W3[:, 0] = u1
    theta = (W1, np.diag([1.0, 0.0, 0.0]), W3)
    L = _landscape((3, 3, 3, 3), X, Y)
    assert relative_gradient(L.grad(theta), point_scale(L, theta)) < 1e-14
    c2 = kw.appd_collapse_check(theta, X, Y, 2)
    assert c2.rank_A.rank == 3 and c2.rank_C.rank == 1
    assert c2.residual_C < 1e-14 and c2.residual_A > 0.1
    c1 = kw.appd_collapse_check(theta, X, Y, 1)
    assert c1.residual_A < 1e-14 and c1.residual_C < 1e-14


# ---------------------------------------------------------------------------------------------
# App. A.7, exactly
# ---------------------------------------------------------------------------------------------
def _int_matrix(draw, m, n, rank):
    F = draw(st.lists(st.integers(-3, 3), min_size=m * rank, max_size=m * rank))
    G = draw(st.lists(st.integers(-3, 3), min_size=rank * n, max_size=rank * n))
    return np.array(F).reshape(m, rank) @ np.array(G).reshape(rank, n)


@st.composite
def _pair(draw):
    m, n, p, q = (draw(st.integers(1, 3)) for _ in range(4))
    A = _int_matrix(draw, m, n, draw(st.integers(0, min(m, n))))
    B = _int_matrix(draw, p, q, draw(st.integers(0, min(p, q))))
    ZA = np.array(draw(st.lists(st.integers(-2, 2), min_size=n * m, max_size=n * m))).reshape(n, m)
    ZB = np.array(draw(st.lists(st.integers(-2, 2), min_size=q * p, max_size=q * p))).reshape(q, p)
    return A, B, ZA, ZB


@settings(derandomize=True, max_examples=40, deadline=None)
@given(_pair())
def test_appA7_kronecker_of_ginverses_is_a_ginverse_and_pinv_factorises(pair):
    A, B, ZA, ZB = pair
    chk = kw.kronecker_ginverse_identity(A, B, kw.exact_ginverse(A, ZA), kw.exact_ginverse(B, ZB))
    assert chk.holds, chk.to_dict()
    assert chk.ranks[2] == chk.ranks[0] * chk.ranks[1]


def test_appA7_exact_pinv_against_numpy_and_broken_identities():
    rng = np.random.default_rng(0)
    M = rng.integers(-4, 5, (4, 2)) @ rng.integers(-4, 5, (2, 5))  # rank 2
    Mp = np.array(kw.exact_pinv(M).tolist(), dtype=object).astype(float)
    assert np.allclose(Mp, np.linalg.pinv(M.astype(float)), rtol=0, atol=1e-12)
    A = rng.integers(-3, 4, (2, 2)) @ np.diag([1, 0]) @ rng.integers(-3, 4, (2, 2))
    B = rng.integers(-3, 4, (3, 3))
    K = kw.exact_kron(A, B)
    Kp = kw.exact_pinv(K)
    assert Kp == kw.exact_kron(kw.exact_pinv(A), kw.exact_pinv(B))
    assert Kp != kw.exact_kron(kw.exact_pinv(B), kw.exact_pinv(A))  # the order matters
    Z = fmpq_mat([[int(x) for x in row] for row in rng.integers(-2, 3, (2, 2))])
    not_ginv = kw.exact_pinv(A) + Z  # without the correction term: not a g-inverse
    assert kw.kronecker_ginverse_identity(A, B, not_ginv, None).ginverse_ok is False
    # a g-inverse of A ⊗ B that is not a Kronecker product ("not claiming uniqueness"): its
    # Van Loan–Pitsianis rearrangement has rank > 1 (a Kronecker product rearranges to rank 1)
    Zk = fmpq_mat([[int(x) for x in row] for row in rng.integers(-2, 3, (6, 6))])
    G = kw.exact_ginverse(K, Zk)
    assert K * G * K == K
    rows = []
    for i in range(2):
        for j in range(2):
            rows.append([G[i * 3 + s, j * 3 + t] for s in range(3) for t in range(3)])
    assert fmpq_mat(rows).rank() > 1


# ---------------------------------------------------------------------------------------------
# §2.3: "the Hessian of L̄ is Lipschitz continuous"
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("widths", [(3, 2, 2), (3, 2, 2, 2), (2, 3, 2, 3, 2)])
def test_ray_polynomial_against_the_package_hessian_and_taylor(widths):
    X, Y = kawaguchi_data(widths[0], widths[-1], 6, 1)
    L = _landscape(widths, X, Y)
    theta0 = dl.random_point(L.arch, 4)
    q = kw.ray_polynomial(X, Y, theta0)
    assert q.degree == 2 * (len(widths) - 2)  # 2H
    v = L.pack(theta0)
    h = q.h
    for t in (0.5, 1.5, 3.0):
        th = tuple(t * W for W in theta0)
        quad = float(v @ L.hessian(th) @ v)
        assert float(q(Fraction(t))) == pytest.approx(quad, rel=1e-10)
        c = L.taylor(th, theta0, order=2)
        assert float(q(Fraction(t))) == pytest.approx(2 * c[2], rel=1e-10)
        # a wrong constant (h² for h(2h − 1)) is detected
        wrong = float(h * h * q.a * Fraction(t) ** (2 * h - 2)
                      - h * (h - 1) * q.b * Fraction(t) ** (h - 2))
        assert abs(wrong - quad) > 1e-3 * abs(quad)


@pytest.mark.parametrize("widths", [(3, 2, 2), (3, 2, 2, 2), (2, 3, 2, 3, 2)])
def test_sec23_hessian_is_not_lipschitz_certified(widths):
    # Finding: for every K a certified pair with ratio > K (exact rationals); the float Hessians
    # agree with the certified lower bound
    X, Y = kawaguchi_data(widths[0], widths[-1], 6, 2)
    L = _landscape(widths, X, Y)
    theta0 = dl.random_point(L.arch, 5)
    prev = 0
    for K in (1e3, 1e6, 1e12):
        ce = kw.lipschitz_counterexample(X, Y, theta0, K)
        assert ce.certified and ce.certificate[0] > ce.certificate[1]
        assert ce.ratio_lower_bound > K and ce.t >= prev
        prev = ce.t
        if K <= 1e6:
            th = tuple(float(ce.t) * W for W in theta0)
            th2 = tuple(float(ce.t2) * W for W in theta0)
            assert kw.hessian_lipschitz_ratio(L, th, th2) >= ce.ratio_lower_bound * (1 - 1e-8)


def test_sec23_local_lipschitz_constant_grows_like_R_to_the_2H_minus_1():
    # the true property: ∇²L̄ is locally Lipschitz, with a constant on the ball of radius R that
    # grows like R^{2H−1} (the Hessian's top-degree part is homogeneous of degree 2H)
    for widths in [(3, 2, 2), (3, 2, 2, 2)]:
        H = len(widths) - 2
        X, Y = kawaguchi_data(widths[0], widths[-1], 6, 3)
        L = _landscape(widths, X, Y)
        a, b = dl.random_point(L.arch, 6), dl.random_point(L.arch, 7)
        ratios = []
        for R in (8.0, 16.0, 32.0):
            ratios.append(kw.hessian_lipschitz_ratio(L, tuple(R * W for W in a),
                                                     tuple(R * W for W in b)))
        slopes = np.diff(np.log(ratios)) / np.log(2.0)
        assert np.all(np.abs(slopes - (2 * H - 1)) < 0.1), slopes


def test_sec23_one_layer_is_lipschitz_and_bad_input():
    X, Y = kawaguchi_data(3, 2, 6, 0)
    theta1 = dl.random_point(dl.Architecture((3, 2)), 0)
    q = kw.ray_polynomial(X, Y, theta1)
    assert q.degree == 0  # constant Hessian
    with pytest.raises(DlnscapeError, match="theta0"):
        kw.lipschitz_counterexample(X, Y, theta1, 1.0)
    zero = tuple(np.zeros(s) for s in dl.Architecture((3, 2, 2)).shapes)
    with pytest.raises(DlnscapeError, match="theta0"):
        kw.lipschitz_counterexample(X, Y, zero, 1.0)
    with pytest.raises(DlnscapeError, match="K"):
        kw.lipschitz_counterexample(X, Y, dl.random_point(dl.Architecture((3, 2, 2)), 0), -1.0)
