"""Classification of regularized landscapes ``l ∘ F + Σ‖Λ_i ∘ W_i‖²`` (Mehta, Chen, Tang and
Hauenstein 2022): certificates include R, image-based arguments are never used.

Everything that decides a verdict here is recomputed independently in the test: the critical
point of the strictly convex one-layer problem by a linear solve, Hessians by JAX autodiff of
the loss written again in ``jax.numpy``, and their inertia by ``numpy.linalg.eigvalsh``.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import dlnscape as dl
from dlnscape.critical.certificates import (
    GlobalMinimumCertificate,
    LocalMinimumCertificate,
    certificate_from_dict,
    global_oracle,
)
from dlnscape.critical.escape import search_escape
from dlnscape.jax_support import jax, jnp
from dlnscape.regularizers import HadamardL2


def _jax_hessian(theta, X, Y, lams):
    """∇² of ½‖W_h⋯W_1X − Y‖² + Σ (λw)², by JAX, in packed (row-major, W_1 first) order."""
    shapes = [W.shape for W in theta]
    sizes = [int(np.prod(s)) for s in shapes]

    def f(x):
        blocks, o = [], 0
        for s, n in zip(shapes, sizes, strict=True):
            blocks.append(x[o:o + n].reshape(s))
            o += n
        W = blocks[0]
        for A in blocks[1:]:
            W = A @ W
        R = W @ jnp.asarray(X) - jnp.asarray(Y)
        reg = sum(jnp.sum((jnp.asarray(lam) * A) ** 2)
                  for lam, A in zip(lams, blocks, strict=True))
        return 0.5 * jnp.sum(R * R) + reg

    x = jnp.asarray(np.concatenate([W.ravel() for W in theta]))
    return np.asarray(jax.hessian(f)(x))


def _inertia(H, rtol=1e-10):
    ev = np.linalg.eigvalsh(H)
    thr = rtol * float(np.max(np.abs(ev)))
    return int(np.sum(ev < -thr)), int(np.sum(np.abs(ev) <= thr)), int(np.sum(ev > thr))


def _one_point(seed):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((2, 1)), rng.standard_normal((2, 1)), rng


def test_single_layer_is_strictly_convex_and_its_critical_point_is_a_certified_global_minimum():
    x, y, rng = _one_point(0)
    lam = rng.uniform(0.2, 1.2, (2, 2))
    L = dl.Landscape(dl.Architecture([2, 2]), dl.SquaredLoss(x, y),
                     regularizer=HadamardL2((lam,)))
    # the unique critical point, independently: (Wx − y)xᵀ + 2Λ²∘W = 0, row-major vec(W)
    A = np.kron(np.eye(2), (x @ x.T)) + np.diag(2 * lam.ravel() ** 2)
    W = np.linalg.solve(A, (y @ x.T).ravel()).reshape(2, 2)
    assert np.linalg.norm(L.grad_flat((W,))) <= 1e-14
    res = dl.classify(L, (W,), rng=0)
    assert res.verdict == "global_minimum"
    cert = res.certificate
    assert isinstance(cert, GlobalMinimumCertificate) and cert.method == "convex_quadratic"
    assert res.verify(L)
    back = certificate_from_dict(json.loads(json.dumps(cert.to_dict())))
    assert back.verify(L, (W,))
    assert "convex quadratic" in res.explanation
    # the same certificate does not hold without the regularizer (other minimum value), nor
    # with a doctored global value, nor at a non-critical point
    L0 = dl.Landscape(dl.Architecture([2, 2]), dl.SquaredLoss(x, y))
    assert not cert.verify(L0)
    bad = GlobalMinimumCertificate(cert.theta, cert.value, cert.global_value - 1e-3, cert.tol,
                                   cert.method, dict(cert.details))
    assert not bad.verify(L)
    moved = (W + 1e-3,)
    assert dl.classify(L, moved, rng=0).verdict == "not_critical"
    moved_cert = GlobalMinimumCertificate(moved, L.value(moved), L.value(moved), cert.tol,
                                          "convex_quadratic")
    assert not moved_cert.verify(L)


@pytest.mark.parametrize("scale", [0.25, 3.0])
def test_zero_point_of_two_layers_matches_the_independent_hessian_inertia(scale):
    x, y, rng = _one_point(1)
    lams = tuple(scale * rng.uniform(0.5, 1.5, (2, 2)) for _ in range(2))
    L = dl.Landscape(dl.Architecture([2, 2, 2]), dl.SquaredLoss(x, y),
                     regularizer=HadamardL2(lams))
    theta = (np.zeros((2, 2)), np.zeros((2, 2)))
    assert not np.any(L.grad_flat(theta))  # θ = 0 is exactly critical
    H = _jax_hessian(theta, x, y, lams)
    assert np.allclose(L.hessian(theta), H, rtol=0, atol=1e-13 * np.abs(H).max())
    neg, zero, pos = _inertia(H)
    res = dl.classify(L, theta, rng=0)
    assert res.verify(L)
    assert (res.hessian.n_negative, res.hessian.n_zero, res.hessian.n_positive) == (neg, zero,
                                                                                   pos)
    if neg:
        assert scale == 0.25  # small weights: ∇l(0) ≠ 0 makes the Hessian indefinite
        assert res.verdict == "strict_saddle"
    else:
        assert scale == 3.0 and zero == 0  # large weights: positive definite
        assert res.verdict == "local_minimum"
        assert res.certificate.method == "positive_definite_hessian"
        # globality is not claimed: l ∘ μ + R has degree 4, the image oracle does not apply
        assert "globality unknown: regularized landscape" in res.explanation
    assert res.critical_type is None  # pure / spurious is about l ∘ μ alone


def test_no_image_based_globality_on_a_regularized_landscape():
    """At a global minimum of the unregularized loss (L0 = min l over the image, certified by
    the image oracle) the regularized landscape never gets that certificate."""
    x, y, rng = _one_point(2)
    arch = dl.Architecture([2, 2, 2])
    loss = dl.SquaredLoss(x, y)
    L0 = dl.Landscape(arch, loss)
    theta = dl.find_critical_point(L0, dl.random_point(arch, 3), "newton").theta
    r0 = dl.classify(L0, theta, rng=0)
    assert r0.verdict == "global_minimum" and r0.certificate.method != "convex_quadratic"
    for lam in (1e-2, 0.3):
        lams = tuple(lam * rng.uniform(0.5, 1.5, (2, 2)) for _ in range(2))  # generic Λ
        L = dl.Landscape(arch, loss, regularizer=HadamardL2(lams))
        assert global_oracle(L).minimum is None
        assert "regularized landscape" in global_oracle(L).reason
        assert not r0.certificate.verify(L)  # the image-based certificate is refused
        res = dl.classify(L, theta, rng=0)
        assert res.verdict != "global_minimum" and res.verify(L)
        # a critical point of the regularized landscape near it: never "global" either
        sol = dl.find_critical_point(L, theta, "gd")
        assert sol.converged
        rc = dl.classify(L, sol.theta, rng=0)
        assert rc.verdict in ("local_minimum", "strict_saddle", "degenerate_saddle",
                              "undetermined"), rc.verdict
        assert rc.verify(L)
        assert not any(isinstance(c, GlobalMinimumCertificate) for c in rc.all_certificates)
        if rc.verdict == "local_minimum":
            assert "globality unknown: regularized landscape" in rc.explanation
            assert rc.certificate.method == "positive_definite_hessian"
        neg, _, _ = _inertia(_jax_hessian(sol.theta, x, y, lams))
        assert (neg > 0) == (rc.verdict == "strict_saddle")


def test_pure_points_and_fiber_moves_are_refused_with_a_regularizer():
    from dlnscape.examples import nouiehed_intro_example

    L0, theta = nouiehed_intro_example()
    r0 = dl.classify(L0, theta, rng=0)
    fiber = [c for c in r0.all_certificates if getattr(c, "method", "") == "fiber_move"]
    assert fiber and fiber[0].verify(L0)
    L = dl.Landscape(L0.model, L0.loss, regularizer=HadamardL2(0.3))
    rep = fiber[0].check(L)
    assert not rep.ok
    assert any("fiber moves are loss-preserving only without a regularizer" in f["check"]
               for f in rep.failures)
    # the escape search does not try fiber moves on the regularized landscape
    _, attempts = search_escape(L, L.point(theta), rng=0)
    assert any(a.get("method") == "fiber_move" and "skipped" in a for a in attempts)
    # a pure-point certificate is refused before anything else is looked at
    pure = LocalMinimumCertificate(L.point(theta), L.value(theta), "pure_riemannian", 1.0, 0.0,
                                   rank=1, r=1)
    rep = pure.check(L)
    assert not rep.ok and any("not regularized" in f["check"] for f in rep.failures)
    # the regularized point is classified on its own terms (R included everywhere)
    res = dl.classify(L, theta, rng=0)
    assert res.verify(L)
    assert not any(getattr(c, "method", "") == "fiber_move" for c in res.all_certificates)


def test_zero_lambda_classifies_exactly_as_unregularized():
    rng = np.random.default_rng(0)
    arch = dl.Architecture([3, 2, 3])
    loss = dl.SquaredLoss(rng.standard_normal((3, 6)), rng.standard_normal((3, 6)))
    th, _ = dl.critical_point_from_subset(loss, arch, (0, 1), rng=0)
    r0 = dl.classify(dl.Landscape(arch, loss), th, rng=0)
    r = dl.classify(dl.Landscape(arch, loss, regularizer=HadamardL2(0.0)), th, rng=0)
    assert r.verdict == r0.verdict == "global_minimum"
    assert r.certificate.to_dict() == r0.certificate.to_dict()


@settings(max_examples=5, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), depth=st.integers(1, 3))
def test_verdicts_on_regularized_critical_points_agree_with_independent_inertia(seed, depth):
    rng = np.random.default_rng(seed)
    widths = [2] * (depth + 1)
    x, y = rng.standard_normal((2, 1)), rng.standard_normal((2, 1))
    lams = tuple(rng.uniform(0.1, 1.0, (2, 2)) for _ in range(depth))
    L = dl.Landscape(dl.Architecture(widths), dl.SquaredLoss(x, y),
                     regularizer=HadamardL2(lams))
    sol = dl.find_critical_point(L, dl.random_point(L.arch, rng), "newton")
    if not sol.converged:
        return
    res = dl.classify(L, sol.theta, rng=0)
    assert res.verify(L)
    neg, zero, pos = _inertia(_jax_hessian(sol.theta, x, y, lams))
    if neg:
        assert res.verdict in ("strict_saddle", "local_maximum", "undetermined")
    elif zero == 0:
        want = "global_minimum" if depth == 1 else "local_minimum"
        assert res.verdict == want
    assert res.verdict != "global_minimum" or depth == 1


def test_the_pure_spurious_type_refuses_a_regularized_landscape():
    """Trager et al. Def 1 is about l ∘ μ; l ∘ μ + R is no function of μ(θ)."""
    import numpy as np
    import pytest

    import dlnscape as dl
    from dlnscape.errors import DlnscapeError
    from dlnscape.geometry.pure import critical_type

    x, y = np.array([[2.0], [-1.0]]), np.array([[1.0], [3.0]])
    L = dl.Landscape(dl.Architecture([2, 2, 2]), dl.SquaredLoss(x, y),
                     regularizer=dl.HadamardL2(0.7))
    zero = (np.zeros((2, 2)), np.zeros((2, 2)))
    with pytest.raises(DlnscapeError, match="regularizer"):
        critical_type(L, zero)
    L0 = dl.Landscape(L.model, L.loss, regularizer=dl.HadamardL2(0.0))
    assert critical_type(L0, zero).kind in {"pure", "spurious", "undetermined", "not_critical"}
