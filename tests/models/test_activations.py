"""Activations by name (dlnscape.models.activations): values against formulas written here,
derivatives against JAX autodiff of those formulas and central finite differences, the declared
properties (smoothness, kinks, strict monotonicity — Nouiehed–Razaviyayn Lem 6 — and range R —
Zhou–Liang Prop 3) checked numerically, inverses, Taylor mode, and the error paths."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dlnscape.errors import DlnscapeError
from dlnscape.jax_support import jax, jnp
from dlnscape.models.activations import KINK_RTOL, NAMES, Activation, activation, activations

# independent references: (name, a, numpy formula, jnp formula) -----------------------------
REF = {
    "relu": (None, lambda z, a: np.maximum(z, 0.0), lambda z, a: jnp.maximum(z, 0.0)),
    "leaky_relu": (0.2, lambda z, a: np.maximum(z, a * z), lambda z, a: jnp.maximum(z, a * z)),
    "parametric_relu": (0.3, lambda z, a: np.maximum(z, a * z),
                        lambda z, a: jnp.maximum(z, a * z)),
    "tanh": (None, lambda z, a: (np.exp(z) - np.exp(-z)) / (np.exp(z) + np.exp(-z)),
             lambda z, a: (jnp.exp(z) - jnp.exp(-z)) / (jnp.exp(z) + jnp.exp(-z))),
    "softplus": (None, lambda z, a: np.log(1.0 + np.exp(z)),
                 lambda z, a: jnp.log(1.0 + jnp.exp(z))),
    "sigmoid": (None, lambda z, a: 1.0 / (1.0 + np.exp(-z)),
                lambda z, a: 1.0 / (1.0 + jnp.exp(-z))),
    "x_plus_a_tanh": (0.5, lambda z, a: z + a * np.tanh(z), lambda z, a: z + a * jnp.tanh(z)),
    "identity": (None, lambda z, a: z, lambda z, a: z),
}
KINKED = {"relu", "leaky_relu", "parametric_relu"}
seeds = st.integers(0, 2**32 - 1)


def _points(seed: int, n: int = 40) -> np.ndarray:
    """Points in [-6, 6] at least 1e-3 away from 0 (the only kink of the family)."""
    z = np.random.default_rng(seed).uniform(-6.0, 6.0, n)
    return np.where(np.abs(z) < 1e-3, 1e-3 + z, z)


@settings(derandomize=True, max_examples=12, deadline=None)
@given(name=st.sampled_from(sorted(REF)), seed=seeds)
def test_activation_values_and_derivatives_match_formulas_jax_and_finite_differences(name, seed):
    a, f_np, f_jnp = REF[name]
    s = activation(name, a) if a is not None else activation(name)
    z = _points(seed)
    assert np.allclose(s(z), f_np(z, a), rtol=1e-13, atol=1e-14)
    assert np.allclose(np.asarray(s.jax_fn(jnp.asarray(z))), f_np(z, a), rtol=1e-13, atol=1e-14)
    g1 = jax.vmap(jax.grad(lambda x: f_jnp(x, a)))
    g2 = jax.vmap(jax.grad(jax.grad(lambda x: f_jnp(x, a))))
    assert np.allclose(s.derivative(z), np.asarray(g1(jnp.asarray(z))), rtol=1e-12, atol=1e-14)
    assert np.allclose(s.second_derivative(z), np.asarray(g2(jnp.asarray(z))), rtol=1e-10,
                       atol=1e-13)
    eps = 1e-6
    fd1 = (f_np(z + eps, a) - f_np(z - eps, a)) / (2 * eps)
    fd2 = (s.derivative(z + eps) - s.derivative(z - eps)) / (2 * eps)
    assert np.allclose(s.derivative(z), fd1, rtol=1e-7, atol=1e-8)
    assert np.allclose(s.second_derivative(z), fd2, rtol=1e-6, atol=1e-7)


def test_declared_properties_match_the_functions():
    """smooth / kinks / strictly monotone / range R, checked on a grid and by limits: the
    hypotheses of Nouiehed–Razaviyayn Lem 6 (strictly monotone, continuous) and Zhou–Liang
    Prop 3 (range(σ) = R; PReLU max{x, ax}, 0 < a < 1, is their example)."""
    grid = np.linspace(-8.0, 8.0, 16001)
    far = np.array([-1e6, 1e6])
    for name in NAMES:
        a = REF[name][0]
        s = activation(name, a) if a is not None else activation(name)
        assert s.smooth == (name not in KINKED)
        assert s.kinks == ((0.0,) if name in KINKED else ())
        diffs = np.diff(s(grid))
        assert s.strictly_monotone == bool(np.all(diffs > 0)), name
        # range R ⟺ unbounded in both directions (continuous σ)
        lo, hi = s(far)
        assert s.range_is_real_line == bool(lo < -1e5 and hi > 1e5), name


@pytest.mark.parametrize("spec", [("leaky_relu", 0.3), ("parametric_relu", 0.05),
                                  ("x_plus_a_tanh", 0.5), ("x_plus_a_tanh", -1.0),
                                  ("x_plus_a_tanh", -2.5), ("identity", None)])
def test_inverse_is_a_preimage_for_range_R_activations(spec):
    """Zhou–Liang Prop 3: σ⁻¹(y) := {x : σ(x) = y} is non-empty when range(σ) = R (for
    x − 2.5 tanh x, which is not monotone, any element)."""
    s = activation(*spec) if spec[1] is not None else activation(spec[0])
    y = np.random.default_rng(3).normal(scale=5.0, size=(4, 5))
    x = s.inverse(y)
    assert x.shape == y.shape
    assert np.allclose(s(x), y, rtol=1e-13, atol=1e-13)
    if s.strictly_monotone:  # the unique preimage
        assert np.allclose(s.inverse(s(x)), x, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", ["relu", "tanh", "softplus", "sigmoid"])
def test_inverse_refuses_activations_whose_range_is_not_R(name):
    with pytest.raises(DlnscapeError, match="range"):
        activation(name).inverse(np.zeros(2))


def test_x_plus_a_tanh_is_strictly_monotone_iff_a_at_least_minus_one():
    for a, mono in [(-2.0, False), (-1.0001, False), (-1.0, True), (0.0, True), (3.0, True)]:
        s = activation("x_plus_a_tanh", a)
        assert s.strictly_monotone is mono
        assert bool(np.all(np.diff(s(np.linspace(-3, 3, 60001))) > 0)) is mono


def test_softplus_does_not_overflow_and_stays_exact_at_large_arguments():
    s = activation("softplus")
    z = np.array([-800.0, -40.0, 0.0, 40.0, 800.0])
    expect = np.array([0.0, math.exp(-40.0), math.log(2.0), 40.0, 800.0])
    assert np.allclose(s(z), expect, rtol=1e-15, atol=1e-300)
    jz = np.asarray(s.jax_fn(jnp.asarray(z)))
    assert np.all(np.isfinite(jz)) and np.allclose(jz, expect, rtol=1e-15, atol=1e-300)
    g = np.asarray(jax.vmap(jax.grad(s.jax_fn))(jnp.asarray(z)))
    assert np.all(np.isfinite(g)) and np.allclose(g, s.derivative(z), rtol=1e-14, atol=1e-300)


@pytest.mark.parametrize("name", sorted(REF))
def test_jax_forms_run_in_taylor_mode(name):
    """``jax.experimental.jet`` (the protocol's Taylor mode for non-polynomial models) gives
    σ', σ'' (and σ''' by FD) at points away from kinks."""
    from jax.experimental import jet

    a = REF[name][0]
    s = activation(name, a) if a is not None else activation(name)
    z = _points(7, 9)
    one, zero = jnp.ones(z.shape), jnp.zeros(z.shape)
    _, (d1, d2) = jet.jet(s.jax_fn, (jnp.asarray(z),), ([one, zero],))
    assert np.allclose(np.asarray(d1), s.derivative(z), rtol=1e-12, atol=1e-14)
    assert np.allclose(np.asarray(d2), s.second_derivative(z), rtol=1e-10, atol=1e-13)


def test_kink_mask_flags_exact_and_rounding_sized_preactivations_only():
    s = activation("leaky_relu", 0.1)
    size = np.array([1.0, 1.0, 1.0, 1e6, 1.0])
    z = np.array([0.0, 1e-14, 1e-10, 1e-8, -3e-13])
    # bound 1e3·eps·size: 2.2e-13 for size 1, 2.2e-7 for size 1e6
    assert s.kink_mask(z, size).tolist() == [True, True, False, True, False]
    assert KINK_RTOL == 1e3 * np.finfo(float).eps
    assert not activation("tanh").kink_mask(z, size).any()


def test_custom_jax_activation_gets_numpy_values_and_derivatives():
    s = activation(lambda z: z + 0.25 * jnp.sin(z), name="x_plus_sin", smooth=True,
                   strictly_monotone=True, range_is_real_line=True)
    z = _points(11, 15).reshape(3, 5)
    assert s.name == "x_plus_sin"
    assert np.allclose(s(z), z + 0.25 * np.sin(z), rtol=1e-15)
    assert np.allclose(s.derivative(z), 1 + 0.25 * np.cos(z), rtol=1e-14)
    assert np.allclose(s.second_derivative(z), -0.25 * np.sin(z), rtol=1e-13, atol=1e-15)
    assert np.allclose(s(s.inverse(z)), z, rtol=1e-13, atol=1e-13)
    k = activation(lambda z: jnp.abs(z), smooth=False, kinks=(0.0,))
    assert k.kinks == (0.0,) and k.strictly_monotone is None
    with pytest.raises(DlnscapeError, match="range"):
        k.inverse(np.zeros(1))


def test_activation_passes_instances_through_and_expands_per_layer_specs():
    s = activation("tanh")
    assert activation(s) is s
    assert isinstance(s, Activation)
    three = activations("sigmoid", 3)
    assert [x.name for x in three] == ["sigmoid"] * 3
    mixed = activations(["tanh", ("identity")], 2)
    assert [x.name for x in mixed] == ["tanh", "identity"]
    assert activation("Leaky-ReLU", 0.3).name == "leaky_relu"
    assert activation("linear").name == "identity"
    assert activation("relu", 0).name == "relu"


@pytest.mark.parametrize("args,match", [
    (("swish",), "unknown activation 'swish'"),
    ((3,), "expected an activation name"),
    (("leaky_relu", 0.0), r"0 < a < 1"),
    (("leaky_relu", 1.0), r"0 < a < 1"),
    (("parametric_relu", -0.2), r"0 < a < 1"),
    (("leaky_relu", float("nan")), "finite"),
    (("leaky_relu", "0.1"), "real number"),
    (("leaky_relu", True), "real number"),
    (("x_plus_a_tanh", float("inf")), "finite"),
    (("relu", 0.3), "takes no slope"),
    (("tanh", 0.5), "takes no slope"),
])
def test_bad_names_and_slopes_raise_errors_naming_the_argument(args, match):
    with pytest.raises(DlnscapeError, match=match):
        activation(*args)


def test_bad_custom_activations_and_layer_counts_raise_clear_errors():
    with pytest.raises(DlnscapeError, match="smooth"):
        activation(lambda z: z)
    with pytest.raises(DlnscapeError, match="kinks"):
        activation(lambda z: jnp.abs(z), smooth=False)
    with pytest.raises(DlnscapeError, match="same shape"):
        activation(lambda z: jnp.sum(z), smooth=True)
    with pytest.raises(DlnscapeError, match="failed on a JAX array"):
        activation(lambda z: z.nonexistent, smooth=True)
    with pytest.raises(DlnscapeError, match="Taylor mode"):
        activation(jax.nn.softplus, smooth=True)
    with pytest.raises(DlnscapeError, match="expected 3 activations"):
        activations(["tanh", "relu"], 3)
    with pytest.raises(DlnscapeError, match="expected an activation or a sequence"):
        activations(5, 2)
