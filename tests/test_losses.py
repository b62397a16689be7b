"""Losses on the end-to-end matrix: oracles against finite differences and against each other
(closed-form Taylor vs JAX Taylor mode, data form vs matrix form, Kronecker factors vs the dense
Hessian), normalisations, and every error path of the constructors."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dlnscape as dl
from dlnscape.errors import LossError
from dlnscape.jax_support import jnp
from dlnscape.losses import jet_taylor

KINDS = ["squared", "squared_lowrank", "distance", "distance_phi", "linquad", "linquad_c0",
         "logistic", "logistic_ridge"]


def make_loss(kind: str, m: int, n: int, rng: np.random.Generator, n_data: int = 4) -> dl.Loss:
    if kind.startswith("squared"):
        if kind.endswith("lowrank"):
            X = np.outer(rng.standard_normal(n), rng.standard_normal(n_data))
            Y = np.outer(rng.standard_normal(m), rng.standard_normal(n_data))
        else:
            X, Y = rng.standard_normal((n, n_data)), rng.standard_normal((m, n_data))
        return dl.SquaredLoss(X, Y)
    if kind.startswith("distance"):
        phi = rng.standard_normal((m * n + 1, m * n)) if kind.endswith("phi") else None
        return dl.DistanceLoss(rng.standard_normal((m, n)), phi)
    if kind.startswith("linquad"):
        c = 0.0 if kind.endswith("c0") else 1.7
        return dl.LinearQuadraticLoss(rng.standard_normal((m, n)), c, rng.standard_normal((m, n)))
    labels = rng.choice([-1.0, 1.0], size=(m, n_data))
    ridge = 0.4 if kind.endswith("ridge") else 0.0
    return dl.LogisticLoss(rng.standard_normal((n, n_data)), labels, ridge)


def _fd(f, W: np.ndarray, V: np.ndarray, eps: float = 1e-5):
    return (f(W + eps * V) - f(W - eps * V)) / (2 * eps)


@settings(derandomize=True, max_examples=40, deadline=None)
@given(
    kind=st.sampled_from(KINDS),
    m=st.integers(1, 5),
    n=st.integers(1, 5),
    n_data=st.integers(1, 6),
    seed=st.integers(0, 2**32 - 1),
)
def test_loss_oracles_are_consistent_with_finite_differences(kind, m, n, n_data, seed):
    rng = np.random.default_rng(seed)
    loss = make_loss(kind, m, n, rng, n_data)
    W, V = rng.standard_normal((m, n)), rng.standard_normal((m, n))
    assert loss.shape == (m, n)
    g = loss.grad(W)
    tol = 1e-6 * (1 + abs(loss.value(W)) + np.abs(g).max())
    assert abs(np.vdot(g, V) - _fd(loss.value, W, V)) <= tol
    Hv = loss.hvp(W, V)
    assert np.abs(Hv - _fd(loss.grad, W, V)).max() <= tol * (1 + np.abs(Hv).max())
    # the batched action, the dense matrix and (when given) the Kronecker factors agree
    Vs = rng.standard_normal((3, m, n))
    batch = loss.hessian_apply(W, Vs)
    for k in range(3):
        np.testing.assert_allclose(batch[k], loss.hvp(W, Vs[k]), rtol=1e-12, atol=1e-13)
    H = loss.hessian_matrix(W)
    np.testing.assert_allclose(H @ V.ravel(), Hv.ravel(), rtol=1e-11, atol=1e-12)
    kron = loss.hessian_kronecker()
    if kron is not None:
        left, right = kron
        np.testing.assert_allclose(
            np.kron(np.eye(m) if left is None else left, right), H, rtol=1e-13, atol=1e-14
        )
    # the data form l(W) = ℓ(WX)
    data = loss.data_form()
    if data is not None:
        Z = W @ data.X
        assert math.isclose(data.value(Z), loss.value(W), rel_tol=1e-12, abs_tol=1e-14)
        np.testing.assert_allclose(data.grad(Z) @ data.X.T, g, rtol=1e-11, atol=1e-13)
        np.testing.assert_allclose(
            data.hvp(Z, V @ data.X) @ data.X.T, Hv, rtol=1e-11, atol=1e-13
        )


@settings(derandomize=True, max_examples=25, deadline=None)
@given(
    kind=st.sampled_from([k for k in KINDS if not k.startswith("logistic")]),
    m=st.integers(1, 4),
    n=st.integers(1, 4),
    degree=st.integers(1, 3),
    seed=st.integers(0, 2**32 - 1),
)
def test_exact_taylor_of_quadratic_losses_along_matrix_polynomials(kind, m, n, degree, seed):
    """Closed-form coefficients vs direct evaluation of l(Σ C_k t^k) at several t."""
    rng = np.random.default_rng(seed)
    loss = make_loss(kind, m, n, rng)
    coeffs = [rng.standard_normal((m, n)) for _ in range(degree + 1)]
    K = loss.degree * degree
    c = loss.taylor(coeffs, K)
    assert c.shape == (K + 1,)
    for t in (-1.3, -0.2, 0.7, 1.9):
        W = sum(Ck * t**k for k, Ck in enumerate(coeffs))
        poly = float(np.polyval(c[::-1], t))
        scale = float(np.sum(np.abs(c) * abs(t) ** np.arange(c.size)))
        assert abs(poly - loss.value(W)) <= 1e-11 * max(scale, 1.0)
    np.testing.assert_array_equal(loss.taylor(coeffs, K + 3)[K + 1 :], 0.0)
    np.testing.assert_array_equal(loss.taylor(coeffs, 1), c[:2])


@pytest.mark.parametrize("kind", ["squared", "distance_phi", "linquad", "logistic_ridge"])
def test_jax_expression_and_taylor_mode_agree_with_closed_forms(kind):
    rng = np.random.default_rng(11)
    loss = make_loss(kind, 3, 2, rng)
    coeffs = [rng.standard_normal((3, 2)) for _ in range(3)]
    order = 4
    W = coeffs[0]
    assert math.isclose(float(loss.jax_value(jnp.asarray(W))), loss.value(W), rel_tol=1e-12)
    by_jet = jet_taylor(loss.jax_value, coeffs, order)
    np.testing.assert_allclose(loss.taylor(coeffs, order), by_jet, rtol=1e-10, atol=1e-12)


def test_normalisations_match_the_documented_formulas():
    rng = np.random.default_rng(0)
    X, Y, W = rng.standard_normal((3, 5)), rng.standard_normal((2, 5)), rng.standard_normal((2, 3))
    R = W @ X - Y
    assert dl.SquaredLoss(X, Y).value(W) == pytest.approx(0.5 * np.sum(R**2), rel=1e-14)
    Q0 = rng.standard_normal((2, 3))
    phi = rng.standard_normal((4, 6))
    assert dl.DistanceLoss(Q0).value(W) == pytest.approx(np.sum((W - Q0) ** 2), rel=1e-14)
    # phi acts on the row-major vec of W − Q0 (no ½: Trager et al. 2020, Example 13)
    assert dl.DistanceLoss(Q0, phi).value(W) == pytest.approx(
        np.sum((phi @ (W - Q0).reshape(-1)) ** 2), rel=1e-13
    )
    A, W0 = rng.standard_normal((2, 3)), rng.standard_normal((2, 3))
    assert dl.LinearQuadraticLoss(A, 3.0, W0).value(W) == pytest.approx(
        np.sum(A * W) + 1.5 * np.sum((W - W0) ** 2), rel=1e-14
    )
    labels = np.array([[1, 0, 1, 1, 0], [0, 0, 1, 0, 1]])
    Z, y = W @ X, 2.0 * labels - 1.0
    expected = np.sum(np.log1p(np.exp(-y * Z))) / 5 + 0.5 * 0.3 * np.sum(W**2)
    assert dl.LogisticLoss(X, labels, 0.3).value(W) == pytest.approx(expected, rel=1e-13)
    assert dl.LogisticLoss(X, y, 0.3).value(W) == pytest.approx(expected, rel=1e-13)
    one_row = dl.LogisticLoss(X, y[0], 0.0)  # 1-d labels: one output
    assert one_row.shape == (1, 3)


def test_jax_loss_derivatives_and_declared_degree():
    rng = np.random.default_rng(2)
    C = rng.standard_normal((2, 2))
    fn = lambda W: 0.25 * jnp.sum((W @ W.T - C) ** 2)
    loss = dl.JaxLoss(fn, shape=(2, 3), degree=4)
    W, V = rng.standard_normal((2, 3)), rng.standard_normal((2, 3))
    R = W @ W.T - C
    np.testing.assert_allclose(loss.grad(W), 0.5 * (R + R.T) @ W, rtol=1e-12)
    assert abs(np.vdot(loss.grad(W), V) - _fd(loss.value, W, V)) <= 1e-7
    np.testing.assert_allclose(loss.hvp(W, V), _fd(loss.grad, W, V), rtol=1e-6, atol=1e-8)
    c = loss.taylor([W, V], 4)
    for t in (-0.8, 0.5, 1.6):
        assert float(np.polyval(c[::-1], t)) == pytest.approx(loss.value(W + t * V), rel=1e-11)
    assert loss.is_polynomial and not dl.JaxLoss(fn).is_polynomial


# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "build,match",
    [
        (lambda r: dl.SquaredLoss(r((3, 5)), r((2, 4))), r"Y: expected 5 columns .* got shape"),
        (lambda r: dl.SquaredLoss(np.full((3, 5), np.nan), r((2, 5))), "X: expected finite"),
        (lambda r: dl.SquaredLoss(r((3, 5)).astype(np.float32), r((2, 5))), "X: expected float64"),
        (lambda r: dl.SquaredLoss(r(5), r((2, 5))), "X: expected a 2-d array"),
        (lambda r: dl.SquaredLoss(r((3, 5)), r((2, 5)) + 1j), "Y: expected a real numeric"),
        (lambda r: dl.DistanceLoss(r((2, 3)), r((4, 5))), r"phi: expected 6 columns"),
        (lambda r: dl.DistanceLoss(r((2, 3)), r(6)), "phi: expected a 2-d array"),
        (lambda r: dl.DistanceLoss(np.full((2, 3), np.inf)), "Q0: expected finite"),
        (lambda r: dl.LinearQuadraticLoss(r((2, 3)), 1.0, r((3, 2))), r"W0: expected shape"),
        (lambda r: dl.LinearQuadraticLoss(r((2, 3)), float("nan")), "c: expected a finite"),
        (lambda r: dl.LinearQuadraticLoss(r((2, 3)), "big"), "c: expected a finite real"),
        (lambda r: dl.LogisticLoss(r((3, 4)), np.ones((2, 5))), "labels: expected 4 columns"),
        (lambda r: dl.LogisticLoss(r((3, 4)), 2 * np.ones((2, 4))), r"labels: expected entries"),
        (lambda r: dl.LogisticLoss(r((3, 4)), np.ones((2, 4)), -1.0), "ridge: expected"),
        (lambda r: dl.LogisticLoss(r((3, 4)), np.ones((2, 4)), None), "ridge: expected a finite"),
        (lambda r: dl.JaxLoss("not callable"), "fn: expected a callable"),
        (lambda r: dl.JaxLoss(jnp.sum, degree=-1), "degree: expected None or a non-negative"),
    ],
)
def test_bad_loss_data_raise_loss_errors_naming_the_argument(build, match):
    rng = np.random.default_rng(0)
    with pytest.raises(LossError, match=match):
        build(rng.standard_normal)


def test_jax_loss_is_checked_against_the_architecture():
    arch = dl.LinearNetwork(dl.Architecture([3, 2]))
    with pytest.raises(LossError, match="fn: expected a real scalar for a 2×3 matrix"):
        dl.Landscape(arch, dl.JaxLoss(lambda W: W @ W.T))
    with pytest.raises(LossError, match="fn: failed on a 2×3 matrix"):
        dl.Landscape(arch, dl.JaxLoss(lambda W: jnp.sum(W @ jnp.ones((2, 2)))))
    with pytest.raises(LossError, match="loss: JaxLoss is defined on 3×3 matrices"):
        dl.Landscape(arch, dl.JaxLoss(jnp.sum, shape=(3, 3)))
    land = dl.Landscape(arch, dl.JaxLoss(lambda W: jnp.sum(W**2)))
    assert land.value((np.ones((2, 3)),)) == 6.0


def test_logistic_taylor_at_zero_margin_matches_nested_autodiff():
    """At W = 0 every margin is exactly 0, where softplus' = ½; jet must see that too."""
    from dlnscape.jax_support import jax

    rng = np.random.default_rng(0)
    arch = dl.Architecture([3, 2, 1])
    X = rng.standard_normal((3, 6))
    labels = np.array([[1.0, -1.0, 1.0, 1.0, -1.0, -1.0]])
    land = dl.Landscape(dl.LinearNetwork(arch), dl.LogisticLoss(X, labels, ridge=0.0))
    theta = tuple(np.zeros(s) for s in arch.shapes)
    v = dl.random_point(arch, 1)
    coeffs = land.taylor(theta, v, 3)

    def along(t):
        return land.loss.jax_value((jnp.asarray(v[1]) * t) @ (jnp.asarray(v[0]) * t))

    expected, fn = [float(along(0.0))], along
    for k in range(1, 4):
        fn = jax.grad(fn)
        expected.append(float(fn(0.0)) / math.factorial(k))
    assert expected[2] != 0.0  # the second-order term is where softplus' = ½ enters
    np.testing.assert_allclose(coeffs, expected, rtol=1e-12, atol=1e-14)
