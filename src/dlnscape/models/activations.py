"""Entrywise activation functions σ: R → R for the nonlinear models, chosen by name.

Each :class:`Activation` knows its numpy value and first two derivatives (the closed-form
backpropagation of :mod:`dlnscape.models.one_hidden` and :mod:`dlnscape.models.pyramidal` uses
them), its JAX form (the protocol's defaults and Taylor mode), whether it is smooth and where its
kinks are, whether it is strictly monotone and continuous (the hypothesis of
Nouiehed & Razaviyayn 2018, §4, Lem 6) and whether its range is all of R (the hypothesis of
Zhou & Liang 2018, §2.3, Prop 3; then ``inverse`` gives one element of ``σ⁻¹(y)``).

Names (:func:`activation`):

==================  =====================  ======  =======  ==========  ==========
name                σ(x)                   smooth  kinks    monotone    range = R
==================  =====================  ======  =======  ==========  ==========
``relu``            max(x, 0)              no      0        no          no
``leaky_relu``      x (x ≥ 0), a·x (x < 0) no      0        strictly    yes
``parametric_relu`` max{x, a·x}, 0 < a < 1 no      0        strictly    yes
``tanh``            tanh x                 yes     —        strictly    no (−1, 1)
``softplus``        log(1 + eˣ)            yes     —        strictly    no (0, ∞)
``sigmoid``         1 / (1 + e⁻ˣ)          yes     —        strictly    no (0, 1)
``x_plus_a_tanh``   x + a·tanh x           yes     —        a ≥ −1      yes (any a)
``identity``        x                      yes     —        strictly    yes
==================  =====================  ======  =======  ==========  ==========

``leaky_relu`` and ``parametric_relu`` are the same function (Zhou–Liang's PReLU
``max{x, ax}``, 0 < a < 1); at the kink the derivative is taken as the right derivative 1 (a
convention: no derivative exists there, and the models report such points through
``nonsmooth_reason``). A custom activation is any JAX function of one array, given with what is
known about it (:func:`activation` with a callable).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from dlnscape.errors import DlnscapeError

#: the names :func:`activation` accepts
NAMES = ("relu", "leaky_relu", "parametric_relu", "tanh", "softplus", "sigmoid",
         "x_plus_a_tanh", "identity")

#: a pre-activation z counts as "at a kink c" when |z − c| ≤ KINK_RTOL · (size of the terms of z)
KINK_RTOL = 1e3 * np.finfo(float).eps

ArrayFn = Callable[[np.ndarray], np.ndarray]


class ActivationError(DlnscapeError, ValueError):
    """An activation name, slope or description that does not define an activation."""


@dataclass(frozen=True, eq=False)
class Activation:
    """An entrywise activation with what the models and the seed checks need to know.

    ``value``/``derivative``/``second_derivative`` act on numpy arrays; ``jax_fn`` on JAX
    arrays (written with primitives that ``jax.experimental.jet`` supports). ``smooth``: C^∞ on
    R; ``kinks``: the points where it is not differentiable; ``strictly_monotone`` and
    ``range_is_real_line``: True / False / None (unknown, for custom activations).
    ``inverse(y)``: one preimage of each entry (defined when the range is R).
    """

    name: str
    value: ArrayFn
    derivative: ArrayFn
    second_derivative: ArrayFn
    jax_fn: Callable
    smooth: bool
    kinks: tuple[float, ...] = ()
    strictly_monotone: bool | None = None
    continuous: bool = True
    range_is_real_line: bool | None = None
    a: float | None = None
    _inverse: ArrayFn | None = field(default=None, repr=False)

    def __call__(self, z: np.ndarray) -> np.ndarray:
        return self.value(np.asarray(z, dtype=np.float64))

    def __repr__(self) -> str:
        return f"Activation({self.name!r}" + (f", a={self.a:g})" if self.a is not None else ")")

    @property
    def is_identity(self) -> bool:
        return self.name == "identity"

    def inverse(self, y: np.ndarray) -> np.ndarray:
        """One element of ``σ⁻¹(y)`` per entry (Zhou–Liang, Prop 3: ``σ⁻¹(y) := {x : σ(x) =
        y}``, non-empty when range σ = R). Closed form for the ReLU family and the identity;
        bracketing and bisection otherwise (any preimage when σ is not injective)."""
        y = np.asarray(y, dtype=np.float64)
        if self.range_is_real_line is not True:
            why = ("its range is not all of R" if self.range_is_real_line is False
                   else "its range is not declared to be all of R")
            raise ActivationError(f"sigma: {self.name} has no inverse on all of R ({why}); "
                                  "Zhou–Liang Prop 3 needs range(σ) = R")
        if self._inverse is not None:
            return self._inverse(y)
        return _bisection_inverse(self.value, y)

    def kink_mask(self, z: np.ndarray, size: np.ndarray | float) -> np.ndarray:
        """Entries of ``z`` within rounding of a kink: ``|z − c| ≤ KINK_RTOL·(size + |c|)``,
        where ``size`` bounds the terms ``z`` was computed from (e.g. ``|W|·|A|``)."""
        z = np.asarray(z, dtype=np.float64)
        out = np.zeros(z.shape, dtype=bool)
        for c in self.kinks:
            out |= np.abs(z - c) <= KINK_RTOL * (np.asarray(size) + abs(c))
        return out

    def to_dict(self) -> dict:
        d: dict = {"name": self.name}
        if self.a is not None:
            d["a"] = self.a
        return d


# -- the named activations ----------------------------------------------------------------------
def _jnp():
    from dlnscape.jax_support import jnp

    return jnp


def _leaky(a: float, name: str) -> Activation:
    def value(z):
        return np.where(z >= 0, z, a * z)

    def d1(z):
        return np.where(z >= 0, 1.0, a)

    def inverse(y):
        return np.where(y >= 0, y, y / a) if a > 0 else y

    def jax_fn(z):
        return _jnp().where(z >= 0, z, a * z)

    return Activation(name, value, d1, np.zeros_like, jax_fn, smooth=False, kinks=(0.0,),
                      strictly_monotone=a > 0, range_is_real_line=a > 0,
                      a=None if name == "relu" else a, _inverse=inverse if a > 0 else None)


def _tanh() -> Activation:
    def d1(z):
        t = np.tanh(z)
        return 1.0 - t * t

    def d2(z):
        t = np.tanh(z)
        return -2.0 * t * (1.0 - t * t)

    return Activation("tanh", np.tanh, d1, d2, lambda z: _jnp().tanh(z), smooth=True,
                      strictly_monotone=True, range_is_real_line=False)


def _sigmoid_np(z):
    from scipy.special import expit

    return expit(z)


def _softplus() -> Activation:
    def value(z):
        return np.logaddexp(0.0, z)

    def d2(z):
        s = _sigmoid_np(z)
        return s * (1.0 - s)

    def jax_fn(z):
        # log(1 + e^z) without overflow, in primitives jet supports (jax.nn.softplus is a
        # custom_jvp that jet cannot trace); the double `where` keeps both branches finite
        jnp = _jnp()
        hi = z > 30.0
        zl = jnp.where(hi, 0.0, z)
        zh = jnp.where(hi, z, 30.0)
        return jnp.where(hi, zh + jnp.log1p(jnp.exp(-zh)), jnp.log1p(jnp.exp(zl)))

    return Activation("softplus", value, _sigmoid_np, d2, jax_fn, smooth=True,
                      strictly_monotone=True, range_is_real_line=False)


def _sigmoid() -> Activation:
    def d1(z):
        s = _sigmoid_np(z)
        return s * (1.0 - s)

    def d2(z):
        s = _sigmoid_np(z)
        return s * (1.0 - s) * (1.0 - 2.0 * s)

    def jax_fn(z):
        from dlnscape.jax_support import jax

        return jax.nn.sigmoid(z)

    return Activation("sigmoid", _sigmoid_np, d1, d2, jax_fn, smooth=True,
                      strictly_monotone=True, range_is_real_line=False)


def _x_plus_a_tanh(a: float) -> Activation:
    def value(z):
        return z + a * np.tanh(z)

    def d1(z):
        t = np.tanh(z)
        return 1.0 + a * (1.0 - t * t)

    def d2(z):
        t = np.tanh(z)
        return -2.0 * a * t * (1.0 - t * t)

    def inverse(y):
        # |a·tanh x| ≤ |a| brackets every preimage in [y − |a|, y + |a|]
        return _bisection_inverse(value, y, lo=y - abs(a) - 1.0, hi=y + abs(a) + 1.0)

    # σ' = 1 + a sech² x ≥ 1 + min(a, 0) > 0 for a > −1; for a = −1 it vanishes only at 0
    return Activation("x_plus_a_tanh", value, d1, d2, lambda z: z + a * _jnp().tanh(z),
                      smooth=True, strictly_monotone=a >= -1.0, range_is_real_line=True, a=a,
                      _inverse=inverse)


def _identity() -> Activation:
    return Activation("identity", lambda z: np.array(z, dtype=np.float64), np.ones_like,
                      np.zeros_like, lambda z: z, smooth=True, strictly_monotone=True,
                      range_is_real_line=True, _inverse=lambda y: np.array(y, dtype=np.float64))


def _check_slope(a: object, name: str, lo: float | None, hi: float | None) -> float:
    if isinstance(a, bool) or not isinstance(a, (int, float, np.integer, np.floating)):
        raise ActivationError(f"a: the slope of {name} must be a real number, got {a!r}")
    a = float(a)
    if not math.isfinite(a):
        raise ActivationError(f"a: the slope of {name} must be finite, got {a!r}")
    if (lo is not None and a <= lo) or (hi is not None and a >= hi):
        raise ActivationError(
            f"a: {name} needs {'' if lo is None else f'{lo:g} < '}a"
            f"{'' if hi is None else f' < {hi:g}'} (Zhou–Liang eq (6): max{{x, ax}}, 0 < a < 1),"
            f" got a={a:g}")
    return a


def activation(spec: str | Callable | Activation = "tanh", a: float | None = None, *,
               name: str | None = None, smooth: bool | None = None,
               kinks: tuple[float, ...] = (), strictly_monotone: bool | None = None,
               range_is_real_line: bool | None = None) -> Activation:
    """The activation named ``spec`` (see the module table) with slope/coefficient ``a``
    where it takes one (``leaky_relu``/``parametric_relu``: 0 < a < 1, default 0.1;
    ``x_plus_a_tanh``: any finite a, default 0.5), an :class:`Activation` unchanged, or a JAX
    function of one array. For a custom function, say what is known: ``smooth`` (required),
    its ``kinks``, ``strictly_monotone`` and ``range_is_real_line`` (None: unknown, and checks
    that need them refuse); its numpy value and derivatives are computed with JAX.
    """
    if isinstance(spec, Activation):
        if a is not None:
            raise ActivationError(f"a: {spec!r} is already an Activation; pass a with its name")
        return spec
    if callable(spec) and not isinstance(spec, str):
        return _custom(spec, name, smooth, kinks, strictly_monotone, range_is_real_line, a)
    if not isinstance(spec, str):
        raise ActivationError(f"sigma: expected an activation name {NAMES}, an Activation or a "
                              f"JAX function, got {type(spec).__name__}")
    key = spec.strip().lower().replace("-", "_").replace(" ", "_")
    if key in ("linear", "none"):
        key = "identity"
    if key not in NAMES:
        raise ActivationError(f"sigma: unknown activation {spec!r}; expected one of "
                              f"{', '.join(NAMES)} or a JAX function")
    if key in ("leaky_relu", "parametric_relu"):
        return _leaky(_check_slope(0.1 if a is None else a, key, 0.0, 1.0), key)
    if key == "x_plus_a_tanh":
        return _x_plus_a_tanh(_check_slope(0.5 if a is None else a, key, None, None))
    if a is not None and not (key == "relu" and a == 0):
        raise ActivationError(f"a: {key} takes no slope/coefficient, got a={a!r}")
    if key == "relu":
        return _leaky(0.0, "relu")
    return {"tanh": _tanh, "softplus": _softplus, "sigmoid": _sigmoid,
            "identity": _identity}[key]()


def activations(sigmas: str | Callable | Activation | Sequence, h: int,
                name: str = "sigmas") -> tuple[Activation, ...]:
    """``h`` activations from one spec (used for every layer) or a sequence of ``h`` specs."""
    if isinstance(sigmas, (str, Activation)) or callable(sigmas):
        return (activation(sigmas),) * h
    try:
        specs = list(sigmas)
    except TypeError:
        raise ActivationError(f"{name}: expected an activation or a sequence of {h}, got "
                              f"{type(sigmas).__name__}") from None
    if len(specs) != h:
        raise ActivationError(f"{name}: expected {h} activations (one per layer), got "
                              f"{len(specs)}")
    return tuple(activation(s) for s in specs)


def _custom(fn, name, smooth, kinks, strictly_monotone, range_is_real_line, a) -> Activation:
    from dlnscape.jax_support import jax, jnp

    if a is not None:
        raise ActivationError("a: a custom activation takes its parameters in its own closure")
    if smooth is None:
        raise ActivationError("smooth: say whether the custom activation is smooth (True) or "
                              "has kinks (False, with kinks=(…))")
    try:
        kinks = tuple(float(c) for c in kinks)
    except (TypeError, ValueError):
        raise ActivationError(f"kinks: expected a sequence of real numbers, got {kinks!r}"
                              ) from None
    if not smooth and not kinks:
        raise ActivationError("kinks: a non-smooth custom activation must list its kinks")
    try:
        probe = np.asarray(fn(jnp.linspace(-2.0, 2.0, 5)))
    except Exception as e:  # noqa: BLE001 - any failure means "not a JAX function of an array"
        raise ActivationError(f"sigma: the custom activation failed on a JAX array: {e}"
                              ) from None
    if probe.shape != (5,) or not np.all(np.isfinite(probe)):
        raise ActivationError("sigma: a custom activation must map an array entrywise to a "
                              f"finite array of the same shape, got shape {probe.shape}")
    try:  # Taylor mode (Landscape.taylor, the escape search) runs σ through jet
        from jax.experimental import jet

        x0 = jnp.linspace(-2.0, 2.0, 5)
        jet.jet(fn, (x0,), ([jnp.ones(5), jnp.zeros(5)],))
    except Exception as e:  # noqa: BLE001
        raise ActivationError(
            "sigma: the custom activation cannot run in JAX Taylor mode (jax.experimental.jet), "
            "which the landscape's Taylor coefficients need; write it with jnp primitives "
            f"(custom_jvp functions such as jax.nn.softplus fail): {type(e).__name__}") from None
    scalar = lambda x: fn(x)  # noqa: E731
    f0 = jax.jit(fn)
    f1 = jax.jit(jax.vmap(jax.grad(scalar)))
    f2 = jax.jit(jax.vmap(jax.grad(jax.grad(scalar))))

    def lift(g):
        return lambda z: np.asarray(g(jnp.ravel(jnp.asarray(z, dtype=jnp.float64))),
                                    dtype=np.float64).reshape(np.shape(z))

    return Activation(name or getattr(fn, "__name__", "custom"), lift(f0), lift(f1), lift(f2),
                      fn, smooth=bool(smooth), kinks=kinks, strictly_monotone=strictly_monotone,
                      range_is_real_line=range_is_real_line)


def _bisection_inverse(f: ArrayFn, y: np.ndarray, lo=None, hi=None) -> np.ndarray:
    """A preimage ``x`` with ``f(x) = y`` per entry for a continuous ``f`` with ``f(−∞) = −∞``
    and ``f(∞) = ∞`` (intermediate value theorem): expanding brackets, then bisection to
    machine precision."""
    y = np.asarray(y, dtype=np.float64)
    lo = y - 1.0 if lo is None else np.array(lo, dtype=np.float64)
    hi = y + 1.0 if hi is None else np.array(hi, dtype=np.float64)
    for _ in range(200):
        bad_lo = f(lo) > y
        bad_hi = f(hi) < y
        if not (bad_lo.any() or bad_hi.any()):
            break
        width = np.maximum(hi - lo, 1.0)
        lo = np.where(bad_lo, lo - width, lo)
        hi = np.where(bad_hi, hi + width, hi)
    else:  # pragma: no cover - f not onto R in practice
        raise ActivationError("sigma: could not bracket a preimage (is the range all of R?)")
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        below = f(mid) < y
        lo = np.where(below, mid, lo)
        hi = np.where(below, hi, mid)
        if np.all((hi - lo) <= 4 * np.finfo(float).eps * np.maximum(np.abs(mid), 1e-300)):
            break
    x = 0.5 * (lo + hi)
    # the endpoint with the smaller residual
    return np.where(np.abs(f(lo) - y) < np.abs(f(x) - y), lo, x)
