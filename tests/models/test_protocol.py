"""The Parametrization protocol: a model defined in this file (not in the package) gets exact
derivatives and correct, certified verdicts from classify without touching dlnscape; the linear
network's closed forms agree with the protocol's JAX defaults."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dlnscape as dl
from dlnscape.errors import DlnscapeError
from dlnscape.jax_support import jax, jnp
from dlnscape.models.base import Parametrization


@dataclass(frozen=True, eq=False)
class TanhProduct(Parametrization):
    """F(A, B) = B tanh(A): not polynomial, no declared image, only jax_forward given."""

    @property
    def shapes(self):
        return ((2, 2), (2, 2))

    @property
    def output_shape(self):
        return (2, 2)

    def jax_forward(self, theta):
        A, B = theta
        return B @ jnp.tanh(A)


@dataclass(frozen=True, eq=False)
class Square(Parametrization):
    """F(A) = A·A: a polynomial program (ring_forward) with ball arithmetic declared."""

    polynomial_degree = 2
    ball_arithmetic = True

    @property
    def shapes(self):
        return ((2, 2),)

    @property
    def output_shape(self):
        return (2, 2)

    def jax_forward(self, theta):
        return theta[0] @ theta[0]

    def ring_forward(self, blocks, ring):
        return ring.mul(blocks[0], blocks[0])

    def ring_pullback(self, blocks, G, ring):
        A = blocks[0]  # dF[Ȧ] = ȦA + AȦ, so dFᵀ[G] = GAᵀ + AᵀG
        return [ring.add(ring.mul(G, ring.transpose(A)), ring.mul(ring.transpose(A), G))]


def _tanh_loss_np(theta, Y):
    """‖B tanh(A) − Y‖² written again in numpy (independent of the package)."""
    A, B = theta
    R = B @ np.tanh(A) - Y
    return float(np.sum(R * R))


def _fd_grad(f, theta, h=1e-6):
    out = []
    for i, B in enumerate(theta):
        g = np.zeros_like(B)
        for idx in np.ndindex(B.shape):
            plus = [b.copy() for b in theta]
            minus = [b.copy() for b in theta]
            plus[i][idx] += h
            minus[i][idx] -= h
            g[idx] = (f(plus) - f(minus)) / (2 * h)
        out.append(g)
    return out


@settings(derandomize=True, max_examples=8, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_a_toy_model_gets_derivatives_that_match_finite_differences_and_autodiff(seed):
    rng = np.random.default_rng(seed)
    Y = rng.standard_normal((2, 2))
    L = dl.Landscape(TanhProduct(), dl.DistanceLoss(Y))
    th = tuple(rng.standard_normal((2, 2)) for _ in range(2))
    assert L.value(th) == pytest.approx(_tanh_loss_np(th, Y), rel=1e-13)
    g = L.grad(th)
    for a, b in zip(g, _fd_grad(lambda t: _tanh_loss_np(t, Y), th), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)

    def f(x):  # the loss of the packed vector, written with jnp from its definition
        A, B = x[:4].reshape(2, 2), x[4:].reshape(2, 2)
        R = B @ jnp.tanh(A) - Y
        return jnp.sum(R * R)

    x = dl.pack(th)
    H_ref = np.asarray(jax.hessian(f)(x))
    np.testing.assert_allclose(L.hessian(th), H_ref, rtol=1e-10, atol=1e-12)
    v = rng.standard_normal(8)
    np.testing.assert_allclose(L.hvp_flat(th, v), H_ref @ v, rtol=1e-10, atol=1e-12)
    # Taylor mode along a line: c_k = f^(k)(0)/k! of t ↦ L(θ + tv)
    line = lambda t: f(x + t * v)  # noqa: E731
    d1 = jax.grad(line)
    d2 = jax.grad(d1)
    d3 = jax.grad(d2)
    c = L.taylor(th, dl.unpack(L.layout, v), order=3)
    np.testing.assert_allclose(c, [float(line(0.0)), float(d1(0.0)), float(d2(0.0)) / 2,
                                   float(d3(0.0)) / 6], rtol=1e-9, atol=1e-11)


def test_a_toy_model_classifies_a_saddle_a_global_minimum_and_a_regular_point():
    rng = np.random.default_rng(3)
    Y = rng.standard_normal((2, 2))
    L = dl.Landscape(TanhProduct(), dl.DistanceLoss(Y))
    # θ = 0 is critical (tanh 0 = 0 and B = 0) and ⟨∇l, d²F⟩ = −2⟨Y, ḂȦ⟩ is indefinite
    zero = (np.zeros((2, 2)), np.zeros((2, 2)))
    c = dl.classify(L, zero, rng=0)
    assert c.verdict == "strict_saddle" and c.verify(L)
    down = c.certificate
    assert down.sense == "descent"
    assert all(_tanh_loss_np(p, Y) < _tanh_loss_np(zero, Y) for p in down.points)
    # an interpolating point B tanh(A) = Y: the unconstrained minimum 0 of l is attained
    A = rng.standard_normal((2, 2))
    B = Y @ np.linalg.inv(np.tanh(A))
    c = dl.classify(L, (A, B), rng=0)
    assert c.verdict == "global_minimum" and c.verify(L)
    assert c.certificate.details.get("relaxed") is True
    # a generic point is not critical
    th = tuple(rng.standard_normal((2, 2)) for _ in range(2))
    c = dl.classify(L, th, rng=0)
    assert c.verdict == "not_critical" and c.verify(L)
    # structure the toy does not declare is not used, and the reason says so
    assert c.rank["rank"] is None and "declares no image" in c.rank["reason"]
    with pytest.raises(DlnscapeError, match="not a LinearNetwork"):
        _ = L.arch


def test_a_critical_point_above_the_lower_bound_says_globality_unknown():
    """F(A) = A², l = ‖F − Q0‖² with Q0 = diag(1, −1): no real A has A² = Q0 (if a + d ≠ 0
    then b = c = 0 and d² = −1; if a + d = 0 the diagonal needs a² + bc = ±1 at once), so the
    unconstrained minimum 0 of l is only a lower bound. A = diag(1, 0) is critical (R = A² − Q0 =
    diag(0, 1) and RA = AR = 0) with L = 1 and a PSD Hessian whose kernel is e12 − e21: nothing
    may call it global, and the verdict must say that globality is unknown."""
    Q0 = np.diag([1.0, -1.0])
    L = dl.Landscape(Square(), dl.DistanceLoss(Q0))
    c = dl.classify(L, (np.diag([1.0, 0.0]),), rng=0)
    assert c.critical and c.verdict in ("undetermined", "local_minimum") and c.verify(L)
    assert c.hessian.n_negative == 0 and c.hessian.n_zero == 1
    assert "globality unknown" in c.explanation
    # A = diag(1, √2)·: A² = diag(1, 2) = Q1 attains 0 for Q1, certified global
    Q1 = np.diag([1.0, 2.0])
    L1 = dl.Landscape(Square(), dl.DistanceLoss(Q1))
    c = dl.classify(L1, (np.diag([1.0, np.sqrt(2.0)]),), rng=0)
    assert c.verdict == "global_minimum" and c.verify(L1)
    c = dl.classify(L1, (np.array([[1.0, 0.3], [0.0, 1.0]]),), rng=0)
    assert c.verdict == "not_critical" and c.verify(L1)


def test_a_polynomial_toy_gets_exact_ball_certificates_at_an_exact_saddle():
    """F(A) = A², l = ‖F − I‖²: L(tU) = 2 − 2t² tr(U²) + t⁴‖U²‖², so A = 0 is an exactly
    critical strict saddle (U = I goes down, U antisymmetric goes up)."""
    L = dl.Landscape(Square(), dl.DistanceLoss(np.eye(2)))
    zero = (np.zeros((2, 2)),)
    from dlnscape.critical.interval import is_exactly_critical, supports_interval

    assert supports_interval(L) and is_exactly_critical(L, zero)
    c = dl.classify(L, zero, rng=0)
    assert c.verdict == "strict_saddle" and c.verify(L)
    for cert in c.all_certificates:
        checks = cert.check(L).checks
        rigorous = [chk for chk in checks if "ball arithmetic" in chk["check"]]
        assert rigorous and all(chk["ok"] for chk in rigorous)
        assert all(chk.get("rigorous", True) for chk in rigorous)
    # the exact Taylor polynomial along U = I: 2 − 4t² + 2t⁴ (tr I = 2, ‖I‖² = 2)
    c4 = L.taylor(zero, (np.eye(2),))
    np.testing.assert_allclose(c4, [2.0, 0.0, -4.0, 0.0, 2.0], atol=1e-15)
    assert L.degree == 4


def test_linear_network_closed_forms_equal_the_protocol_defaults():
    """The LinearNetwork overrides (backprop, Kronecker Hessian, exact curve products) against
    the Parametrization base class's JAX defaults on the same model."""
    rng = np.random.default_rng(0)
    arch = dl.Architecture([3, 2, 4, 2])
    net = dl.LinearNetwork(arch)
    th = dl.random_point(arch, rng)
    dth = dl.random_point(arch, rng)
    G = rng.standard_normal(arch.end_to_end_shape)
    base = Parametrization
    np.testing.assert_allclose(net.forward(th), base.forward(net, th), rtol=1e-13)
    np.testing.assert_allclose(net.pushforward(th, dth), base.pushforward(net, th, dth),
                               rtol=1e-12)
    for a, b in zip(net.pullback(th, G), base.pullback(net, th, G), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12)
    for a, b in zip(net.curvature_pullback(th, G, dth),
                    base.curvature_pullback(net, th, G, dth), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-11, atol=1e-13)
    np.testing.assert_allclose(net.jacobian(th), base.jacobian(net, th), rtol=1e-12)
    loss = dl.SquaredLoss(rng.standard_normal((3, 5)), rng.standard_normal((2, 5)))
    np.testing.assert_allclose(net.loss_hessian(th, loss), base.loss_hessian(net, th, loss),
                               rtol=1e-10, atol=1e-12)
    exact = net.curve_coefficients(th, [dth])
    from dlnscape.models.base import _jet_curve

    jet = _jet_curve(net, th, [dth], 3)
    for a, b in zip(exact, jet, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-11, atol=1e-13)


def test_bad_points_for_a_toy_model_name_the_block():
    L = dl.Landscape(TanhProduct(), dl.DistanceLoss(np.eye(2)))
    with pytest.raises(dl.PointError, match=r"theta\[1\] \(theta_2\): expected shape \(2, 2\)"):
        L.value((np.zeros((2, 2)), np.zeros((3, 2))))
    with pytest.raises(dl.PointError, match="expected 2 blocks"):
        L.value((np.zeros((2, 2)),))
    with pytest.raises(dl.LossError, match="output of"):
        dl.Landscape(TanhProduct(), dl.DistanceLoss(np.eye(3)))
