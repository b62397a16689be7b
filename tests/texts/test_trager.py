"""Trager, Kohn & Bruna 2020 (seed 004): Prop 7, Cor 8, Lem 31 / Cor 32 (and Eqs. 15–17, and
(18) outside the text's WLOG d_y ≤ d_x). The ellipse (Fig. 2) and App. A.2 are in
test_trager_ed.py."""

from __future__ import annotations

import itertools
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import minimize

import dlnscape as dl
from dlnscape.errors import ArchitectureError, DlnscapeError, PointError, ShapeError
from dlnscape.jax_support import jax, jnp
from dlnscape.texts import trager as T

# ------------------------------------------------------------------------------------------
# T-004-Prop7
# ------------------------------------------------------------------------------------------


def _losses(rng, shape):
    m, n = shape
    Q = rng.standard_normal(shape)
    phi = np.eye(m * n) + 0.4 * rng.standard_normal((m * n, m * n))
    Bq = rng.standard_normal(shape)
    X = rng.standard_normal((n, 7))
    labels = np.sign(rng.standard_normal((m, 7)))
    return {
        "distance_phi": dl.DistanceLoss(Q, phi),
        "logistic_ridge": dl.LogisticLoss(X, labels, ridge=0.05),
        "quartic": dl.JaxLoss(lambda W: 0.25 * jnp.sum((W - Q) ** 2) ** 2 + jnp.sum(Bq * W),
                              shape=shape, degree=4),
    }


@pytest.mark.parametrize("loss_name", ["distance_phi", "logistic_ridge", "quartic"])
@pytest.mark.parametrize("narrow,wide", [((3, 1, 2, 3), (3, 2, 2, 3)),   # non-filling, e=1<r=2
                                         ((2, 1, 2), (2, 3, 2)),         # filling, e=1<r=2
                                         ((3, 1, 3, 3), (3, 2, 3, 3))])
def test_prop7_rank_deficient_critical_points_are_critical_on_Me(loss_name, narrow, wide):
    """T-004-Prop7: critical θ with rk W = e < r ⟹ W ∈ Crit(l|M_e) — on critical points of
    the wide network obtained by zero-padding a critical point of a network with bottleneck e."""
    rng = np.random.default_rng(sum(narrow) + len(loss_name))
    loss = _losses(rng, (wide[-1], wide[0]))[loss_name]
    Ln = dl.Landscape(dl.LinearNetwork(dl.Architecture(narrow)), loss)
    Lw = dl.Landscape(dl.LinearNetwork(dl.Architecture(wide)), loss)
    seen = 0
    for method in ("gd", "newton", "gd", "newton"):  # GD: minima of the narrow network
        run = dl.find_critical_point(Ln, dl.random_point(Ln.arch, rng), method)
        if not run.converged:
            continue
        theta = T.embed_critical_point(run.theta, wide)
        assert np.allclose(dl.end_to_end(theta), dl.end_to_end(run.theta), rtol=0, atol=0)
        chk = T.prop7_check(Lw, theta)
        # zero padding keeps the per-layer relative gradients (to rounding), hence criticality
        narrow_chk = T.prop7_check(Ln, run.theta)
        assert chk.critical == narrow_chk.critical
        assert chk.layer_relative_gradients == pytest.approx(
            narrow_chk.layer_relative_gradients, rel=1e-6, abs=1e-12)
        if not chk.critical or chk.rank_W != 1:
            continue  # Newton may end near W = 0 (M_0: vacuous) or at a lopsided point
        seen += 1
        assert chk.holds is True, chk.reason
        assert chk.tangent_residual < 1e-9
        # the content of Prop 7: M_e, not M_r — W is NOT critical on M_r (∇l(W) ≠ 0) ...
        assert chk.stationary_on_Mr is False
        # ... so these are spurious points and saddles by Prop 9 (geometry's own verdict)
        ct = dl.critical_type(Lw, theta)
        assert ct.kind == "spurious" and ct.saddle_by_prop9
    assert seen >= 1


@settings(derandomize=True, max_examples=8, deadline=None)
@given(seed=st.integers(0, 10_000), loss_name=st.sampled_from(["distance_phi", "quartic",
                                                                "logistic_ridge"]))
def test_prop7_holds_at_newton_end_points_of_a_non_filling_network(seed, loss_name):
    """T-004-Prop7 at critical points found directly in d = (3, 2, 2, 3) (saddles included)."""
    rng = np.random.default_rng(seed)
    arch = dl.Architecture((3, 2, 2, 3))
    L = dl.Landscape(dl.LinearNetwork(arch), _losses(rng, (3, 3))[loss_name])
    for _ in range(2):
        run = dl.find_critical_point(L, dl.random_point(arch, rng), "newton")
        chk = T.prop7_check(L, run.theta)
        if chk.critical:
            assert chk.holds is not False, chk.reason
            assert chk.bound_holds is not False, chk.reason


@settings(derandomize=True, max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000), e=st.integers(1, 2), loss_name=st.sampled_from(
    ["distance_phi", "quartic", "logistic_ridge"]), log_scale=st.floats(-3, 3))
def test_prop7_quantitative_bound_holds_at_any_point(seed, e, loss_name, log_scale):
    """The proof of T-004-Prop7, at any θ (critical or not): Im dμ(θ) ⊇ T_W M_e gives
    ‖P_{T_W M_e} ∇l(W)‖ ≤ ‖J⁺B‖₂ ‖∇L(θ)‖. Points with rk W = e from random factorisations
    (004 Prop 16 via dl.factorize, then a random GL action), at random scales."""
    rng = np.random.default_rng(seed)
    arch = dl.Architecture((3, 2, 2, 3))
    L = dl.Landscape(dl.LinearNetwork(arch), _losses(rng, (3, 3))[loss_name])
    W = 10.0 ** log_scale * rng.standard_normal((3, e)) @ rng.standard_normal((e, 3))
    theta = dl.random_fiber_point(dl.factorize(W, arch.widths), rng)
    chk = T.prop7_check(L, theta)
    assert chk.rank_W == e
    assert chk.containment_residual <= T.CONTAINMENT_RTOL
    assert chk.bound_holds, chk.to_dict()
    assert chk.tangent_residual > 0  # a random point: W is not critical on M_e, yet bounded


def _exact_grad(theta, G):
    """∇_{W_k}L = W_{>k}ᵀ G W_{<k}ᵀ in exact rationals (object arrays of Fractions)."""
    h = len(theta)
    out = []
    for k in range(h):
        left = np.eye(theta[-1].shape[0], dtype=object) * Fraction(1)
        for W in theta[k + 1:][::-1]:
            left = left @ W
        right = np.eye(theta[0].shape[1], dtype=object) * Fraction(1)
        for W in theta[:k]:
            right = W @ right
        out.append(left.T @ G @ right.T)
    return out


def test_prop7_exact_rational_saddle_is_critical_on_M1_not_on_M2():
    """T-004-Prop7, exactly: Q0 = diag(3, 2, 1), d = (3, 2, 2, 3), W = 2E_22 (I = {2}, e = 1,
    r = 2). The gradient is exactly 0 and ∇l(W) = 2(W − Q0) ⊥ T_W M_1 exactly; ∇l(W) ≠ 0."""
    F = Fraction
    W1 = np.array([[0, 1, 0], [0, 0, 0]], dtype=object) * F(1)
    W2 = np.array([[1, 0], [0, 0]], dtype=object) * F(1)
    W3 = np.array([[0, 0], [2, 0], [0, 0]], dtype=object) * F(1)
    Q0 = np.diag([F(3), F(2), F(1)]).astype(object)
    W = W3 @ W2 @ W1
    assert (W == np.diag([F(0), F(2), F(0)])).all()
    G = 2 * (W - Q0)  # ∇‖W − Q0‖²
    assert all((g == 0).all() for g in _exact_grad((W1, W2, W3), G))
    e2 = np.array([[0], [1], [0]], dtype=object) * F(1)  # Col(W) = Row(W) = span e_2
    assert ((e2.T @ G) == 0).all() and ((G @ e2) == 0).all()  # G ∈ Col(W)^⊥ ⊗ Row(W)^⊥
    assert (G != 0).any()  # so W is not critical on M_2 (needs ∇l(W) = 0 at rank < 2)
    # the package agrees in float64
    theta = tuple(np.array(M, dtype=float) for M in (W1, W2, W3))
    L = dl.Landscape(dl.LinearNetwork(dl.Architecture((3, 2, 2, 3))),
                     dl.DistanceLoss(np.diag([3.0, 2.0, 1.0])))
    chk = T.prop7_check(L, theta)
    assert chk.critical and chk.rank_W == 1 and chk.holds and chk.stationary_on_Mr is False
    assert chk.tangent_residual == 0.0


def test_prop7_check_detects_non_stationarity_and_wrong_tangent_spaces():
    """The check can fail: a critical point over a rank-1 W is stationary on M_1 but the same
    test with the trailing singular vectors (a deliberately wrong tangent space) fails; a
    non-critical point gives no verdict."""
    rng = np.random.default_rng(7)
    loss = _losses(rng, (3, 3))["distance_phi"]
    Ln = dl.Landscape(dl.LinearNetwork(dl.Architecture((3, 1, 2, 3))), loss)
    Lw = dl.Landscape(dl.LinearNetwork(dl.Architecture((3, 2, 2, 3))), loss)
    for _ in range(10):
        run = dl.find_critical_point(Ln, dl.random_point(Ln.arch, rng), "gd")
        theta = T.embed_critical_point(run.theta, (3, 2, 2, 3))
        chk = T.prop7_check(Lw, theta)
        if chk.critical and chk.rank_W == 1:
            break
    else:
        pytest.fail("no rank-1 critical point found")
    assert chk.holds
    W = dl.end_to_end(theta)
    G = loss.grad(W)
    U, _, Vt = np.linalg.svd(W)
    wrong = max(np.linalg.norm(U[:, -1:].T @ G), np.linalg.norm(G @ Vt[-1:].T))
    assert wrong / np.linalg.norm(G) > 1e-3
    far = dl.random_point(Lw.arch, rng)
    bad = T.prop7_check(Lw, far)
    assert not bad.critical and bad.holds is None


def test_embed_critical_point_bad_input():
    with pytest.raises(PointError, match="theta_narrow"):
        T.embed_critical_point((np.ones((1, 3)),), (3, 2, 3))
    with pytest.raises(PointError, match="theta_narrow"):
        T.embed_critical_point((np.ones((3, 3)), np.ones((3, 3))), (3, 2, 3))
    with pytest.raises(PointError, match="theta_narrow"):
        T.embed_critical_point((np.ones((1, 2)), np.ones((3, 1))), (3, 2, 3))


# ------------------------------------------------------------------------------------------
# T-004-Cor8
# ------------------------------------------------------------------------------------------


def _logistic(rng, d0, n=8, ridge=0.1, separable=False):
    X = rng.standard_normal((d0, n))
    if separable:
        y = np.sign(rng.standard_normal(d0) @ X)[None, :]
    else:
        y = np.sign(rng.standard_normal((1, n)))
    return dl.LogisticLoss(X, y, ridge=ridge)


@pytest.mark.parametrize("widths", [(5, 3, 1), (4, 3, 2, 1)])
def test_cor8_dh1_logistic_ridge_critical_points_are_global_or_W_zero(widths):
    """T-004-Cor8: l convex (logistic + ridge 0.1), d_h = 1. GD and Newton (which also finds
    saddles) from 2 × 4 starts each; every critical end point is a certified global minimum
    (pure) or lies over W = 0 (spurious, a saddle)."""
    rng = np.random.default_rng(len(widths))
    loss = _logistic(rng, widths[0])
    ex = T.cor8_experiment(loss, widths, n_starts=4, rng=1)
    assert ex.agrees, [p.to_dict() for p in ex.unexplained]
    assert ex.counts["unexplained"] == 0 and ex.counts["not_critical"] == 0
    assert ex.counts["global"] >= 1 and ex.counts["W=0"] >= 1  # both kinds were reached
    assert abs(sum(ex.fractions.values()) - 1.0) < 1e-12
    for p in ex.points:
        if p.method == "gd":
            assert p.category == "global"  # GD escapes the saddles
        if p.category == "global":
            assert p.critical_type == "pure"
            assert p.value == pytest.approx(ex.global_value, rel=1e-9)
        if p.category == "W=0":
            assert p.verdict in ("strict_saddle", "degenerate_saddle")
            assert p.value == pytest.approx(ex.value_at_zero, rel=1e-9)
            assert p.critical_type in ("spurious", "undetermined")
    assert ex.purity["pure"] == ex.counts["global"]
    assert ex.below_zero_level_all_global
    # the global value, independently: a convex minimisation of l over R^{1×d_0} (BFGS)
    d0 = widths[0]
    sol = minimize(lambda w: loss.value(w.reshape(1, d0)), np.zeros(d0),
                   jac=lambda w: loss.grad(w.reshape(1, d0)).ravel(), method="BFGS",
                   options={"gtol": 1e-12})
    assert ex.global_value == pytest.approx(sol.fun, rel=1e-10)
    assert ex.grad_norm_at_zero > 0  # so W = 0 is not a global minimum: Cor 8 has content


def test_cor8_separable_without_ridge_every_critical_point_has_W_zero():
    """T-004-Cor8 without a minimiser (separable labels, no ridge): the catalog's consequence —
    every critical point has W = 0."""
    rng = np.random.default_rng(3)
    loss = _logistic(rng, 4, n=6, ridge=0.0, separable=True)
    ex = T.cor8_experiment(loss, (4, 3, 1), n_starts=4, methods=("newton",), rng=2)
    assert ex.global_value is None
    crit = [p for p in ex.points if p.category != "not_critical"]
    assert len(crit) >= 4
    assert all(p.category == "W=0" and p.verdict == "strict_saddle" for p in crit)


def test_cor8_snapping_is_what_certifies_newton_end_points():
    """The Newton end points near W_h = 0 are numerically critical (Euclidean) but their first
    layer's relative gradient is O(1); the snapped point is a certified strict saddle."""
    rng = np.random.default_rng(0)
    loss = _logistic(rng, 5)
    ex = T.cor8_experiment(loss, (5, 3, 1), n_starts=4, methods=("newton",), init_scales=(1.0,),
                           rng=1)
    snapped = [p for p in ex.points if p.snapped_layer is not None]
    assert snapped
    for p in snapped:
        assert p.snapped_layer == 2 and p.snap_distance < T.SNAP_RTOL
        assert p.verdict == "strict_saddle"
        assert max(p.layer_relative_gradients) > 1e-3 > 1e-8 > p.relative_gradient


def test_cor8_bad_input():
    rng = np.random.default_rng(0)
    with pytest.raises(ArchitectureError, match="arch"):
        T.cor8_experiment(_logistic(rng, 3), (3, 2, 2))
    with pytest.raises(DlnscapeError, match="n_starts"):
        T.cor8_experiment(_logistic(rng, 3), (3, 2, 1), n_starts=0)
    with pytest.raises(DlnscapeError, match="methods"):
        T.cor8_experiment(_logistic(rng, 3), (3, 2, 1), methods=("bfgs",))


# ------------------------------------------------------------------------------------------
# T-004-A7-Eq15–17 and T-004-Lem31/Cor32
# ------------------------------------------------------------------------------------------


PAD_DY, PAD_R, PAD_DX = 4, 3, 4  # one padded shape: JAX compiles once


@jax.jit
def _padded_text_hessian(x, mask, Q0):
    def f(z):
        z = z * mask
        Aa = z[: PAD_DY * PAD_R].reshape(PAD_DY, PAD_R)
        Bb = z[PAD_DY * PAD_R:].reshape(PAD_DX, PAD_R).T  # b column-major
        R = Aa @ Bb - Q0
        return jnp.sum(R * R)

    return jax.hessian(f)(x)


def _jax_hessian_text_order(A, B, Q0):
    """Independent reference: jax.hessian of ‖AB − Q0‖² on the text's variable vector
    (a row-major, then b column-major), embedded in one padded shape (zeros around)."""
    dy, r = A.shape
    dx = B.shape[1]
    Ap, Bp, Qp = np.zeros((PAD_DY, PAD_R)), np.zeros((PAD_R, PAD_DX)), np.zeros((PAD_DY, PAD_DX))
    Ap[:dy, :r], Bp[:r, :dx], Qp[:dy, :dx] = A, B, Q0
    Ma, Mb = np.zeros_like(Ap), np.zeros_like(Bp)
    Ma[:dy, :r], Mb[:r, :dx] = 1.0, 1.0
    x = np.concatenate([Ap.ravel(), Bp.T.ravel()])
    mask = np.concatenate([Ma.ravel(), Mb.T.ravel()])
    H = np.asarray(_padded_text_hessian(jnp.asarray(x), jnp.asarray(mask), jnp.asarray(Qp)))
    idx = [i * PAD_R + j for i in range(dy) for j in range(r)]
    idx += [PAD_DY * PAD_R + l_ * PAD_R + k for l_ in range(dx) for k in range(r)]
    return H[np.ix_(idx, idx)]


@settings(derandomize=True, max_examples=10, deadline=None)
@given(seed=st.integers(0, 10_000), dy=st.integers(1, 4), dx=st.integers(1, 4),
       r=st.integers(1, 3))
def test_eq15_17_second_derivatives_match_landscape_and_jax(seed, dy, dx, r):
    """T-004-A7-Eq15–17 at random (A, B, Q0): the text's formulas, the package's dense Hessian
    (permuted to the text's order) and JAX autodiff agree."""
    rng = np.random.default_rng(seed)
    A, B, Q0 = rng.standard_normal((dy, r)), rng.standard_normal((r, dx)), \
        rng.standard_normal((dy, dx))
    H = T.eq15_17_hessian(A, B, Q0)
    L = dl.Landscape(dl.LinearNetwork(dl.Architecture((dx, r, dy))), dl.DistanceLoss(Q0))
    perm = T.text_order_permutation(dy, dx, r)
    Hp = L.hessian((B, A))[np.ix_(perm, perm)]
    Hj = _jax_hessian_text_order(A, B, Q0)
    scale = np.linalg.norm(Hj)
    assert np.linalg.norm(H - Hp) <= 1e-12 * scale
    assert np.linalg.norm(H - Hj) <= 1e-12 * scale


def _distinct_sigmas(rng, m):
    s = np.sort(rng.uniform(0.3, 3.0, m))[::-1]
    s += np.arange(m)[::-1] * 0.05  # keep them distinct
    return s


@settings(derandomize=True, max_examples=12, deadline=None)
@given(seed=st.integers(0, 10_000), dy=st.integers(2, 4), extra=st.integers(0, 2),
       r=st.integers(1, 3))
def test_lem31_cor32_block_structure_at_the_text_point(seed, dy, extra, r):
    """T-004-Lem31/Cor32 (d_y ≤ d_x, as the text assumes): D = diag(2σ_{i_j}²), N = 2I, each row
    of M has one non-zero entry (2σ_{i_j} at (k, i_j) for i = i_k ∈ I, −2σ_i at (j, i) for
    i ∉ I), Δ = MMᵀ diagonal with 4σ_{i_j}² / 4σ_i² — against Landscape.hessian, for every I."""
    dx = dy + extra
    m = dy
    r = min(r, m - 1) if m > 1 else 1
    s = _distinct_sigmas(np.random.default_rng(seed), m)
    for I in itertools.combinations(range(m), r):
        chk = T.lem31_check(s, dy, dx, I)
        assert chk.agrees, chk.to_dict()
        assert chk.eq15_17_error <= 1e-14 and chk.lemma31_error <= 1e-14


def _perturbed_check(blocks, Hp):
    return np.linalg.norm(blocks.H - Hp) / np.linalg.norm(Hp)


def test_lem31_broken_formulas_fail():
    """Tests of the tests: a sign flip in Lemma 31's −2σ_i, the subscript σ_i for σ_{i_j} in D,
    and B ordered row-major instead of column-major each break the agreement."""
    s = np.array([3.0, 2.0, 1.0])
    dy, dx, I = 3, 4, (0, 2)
    A0, B0 = T.text_point(s, dy, dx, I)
    L = dl.Landscape(dl.LinearNetwork(dl.Architecture((dx, 2, dy))),
                     dl.DistanceLoss(T.sigma_matrix(s, dy, dx)))
    perm = T.text_order_permutation(dy, dx, 2)
    Hp = L.hessian((B0, A0))[np.ix_(perm, perm)]
    good = T.lem31_blocks(s, dy, dx, I)
    assert _perturbed_check(good, Hp) == 0.0
    M = good.M.copy()
    M[M < 0] *= -1  # +2σ_i for i ∉ I
    assert _perturbed_check(T.Lem31Blocks(good.D, M, good.N, good.delta_diag), Hp) > 0.1
    D = np.diag([2 * s[i] ** 2 for i in range(dy) for _ in range(2)])  # σ_i instead of σ_{i_j}
    assert _perturbed_check(T.Lem31Blocks(D, good.M, good.N, good.delta_diag), Hp) > 0.1
    rowmajor = np.concatenate([perm[: dy * 2], np.arange(2 * dx)])  # b_kl row-major
    assert np.linalg.norm(T.eq15_17_hessian(A0, B0, T.sigma_matrix(s, dy, dx))
                          - L.hessian((B0, A0))[np.ix_(rowmajor, rowmajor)]) > 0.1


def test_lem31_and_eq18_outside_the_wlog_dy_greater_than_dx():
    """The text proves Lem 31 – Cor 33 for d_y ≤ d_x ("WLOG") but prints (18) with |d_x − d_y|.
    At the text's recipe for d_y > d_x the rows i ≥ d_x of M vanish (Lemma 31's "exactly one
    non-zero entry" fails there) and the spectrum is NOT (18): the factor (t − 2)^{r(d_y−d_x)}
    is replaced by Π_j (t − 2σ_{i_j}²)^{d_y−d_x}. (18) holds at the transposed recipe (A = B_0ᵀ,
    B = A_0ᵀ of the problem for Σᵀ): the WLOG means transposing the point as well."""
    s = np.array([2.5, 1.7])
    dy, dx, I = 4, 2, (1,)
    chk = T.lem31_check(s, dy, dx, I)
    assert not chk.one_nonzero_per_row and not chk.agrees
    assert chk.eq15_17_error <= 1e-14 and chk.lemma31_error <= 1e-14  # the blocks still match
    L = dl.Landscape(dl.LinearNetwork(dl.Architecture((dx, 1, dy))),
                     dl.DistanceLoss(T.sigma_matrix(s, dy, dx)))
    A0, B0 = T.text_point(s, dy, dx, I)
    ev = np.sort(np.linalg.eigvalsh(L.hessian((B0, A0))))
    roots18 = T.cor33_roots(s, dy, dx, I)
    assert np.max(np.abs(ev - roots18)) > 0.1  # (18) as printed is not the spectrum here
    # (18) with (t − 2)^{r(d_y − d_x)} replaced by (t − 2σ_{i_1}²)^{d_y − d_x} (r = 1, i_1 = 1)
    fixed = np.sort(np.concatenate([roots18[roots18 != 2.0], [2 * s[1] ** 2] * (dy - dx)]))
    assert np.max(np.abs(ev - fixed)) <= 1e-12 * np.max(np.abs(ev))
    At, Bt = T.text_point(s, dx, dy, I)  # the recipe for Σᵀ ∈ R^{d_x×d_y}, transposed back
    ev2 = np.sort(np.linalg.eigvalsh(L.hessian((At.T, Bt.T))))
    assert np.max(np.abs(ev2 - roots18)) <= 1e-12 * np.max(np.abs(ev2))


@settings(derandomize=True, max_examples=8, deadline=None)
@given(seed=st.integers(0, 10_000), dy=st.integers(2, 4), extra=st.integers(0, 2))
def test_cor33_roots_are_the_spectrum_for_dy_le_dx(seed, dy, extra):
    """T-004-Cor33 via :func:`cor33_roots` (Lemma 34's closed-form roots) for d_y ≤ d_x."""
    dx = dy + extra
    s = _distinct_sigmas(np.random.default_rng(seed), dy)
    for r in range(1, dy):
        L = dl.Landscape(dl.LinearNetwork(dl.Architecture((dx, r, dy))),
                         dl.DistanceLoss(T.sigma_matrix(s, dy, dx)))
        for I in itertools.combinations(range(dy), r):
            A0, B0 = T.text_point(s, dy, dx, I)
            ev = np.sort(np.linalg.eigvalsh(L.hessian((B0, A0))))
            assert np.max(np.abs(ev - T.cor33_roots(s, dy, dx, I))) <= 1e-11 * ev.max()


def test_results_are_json_ready():
    import json

    from dlnscape.io import to_jsonable

    rng = np.random.default_rng(0)
    L = dl.Landscape(dl.LinearNetwork(dl.Architecture((3, 2, 2, 3))),
                     _losses(rng, (3, 3))["distance_phi"])
    ex = T.cor8_experiment(_logistic(rng, 3), (3, 2, 1), n_starts=1, methods=("gd",),
                           init_scales=(1.0,))
    objs = [T.prop7_check(L, dl.random_point(L.arch, rng)), ex,
            T.lem31_check([3.0, 2.0], 2, 3, (1,)), T.lem31_blocks([3.0, 2.0], 2, 3, (0,))]
    for o in objs:
        json.dumps(to_jsonable(o))
    assert ex.to_dict()["claim"] == "T-004-Cor8"


def test_text_point_and_blocks_bad_input():
    with pytest.raises(DlnscapeError, match="I:"):
        T.text_point([3.0, 2.0], 2, 3, (0, 5))
    with pytest.raises(DlnscapeError, match="I:"):
        T.lem31_blocks([3.0, 2.0], 2, 3, ())
    with pytest.raises(ShapeError, match="sigma"):
        T.text_point([3.0, 2.0, 1.0], 2, 3, (0,))
    with pytest.raises(ShapeError, match="A, B, Q0"):
        T.eq15_17_hessian(np.ones((2, 1)), np.ones((2, 3)), np.ones((2, 3)))
