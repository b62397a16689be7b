"""Losses on the end-to-end matrix ``W ∈ R^{d_h × d_0}``.

Each loss gives the value, the gradient, Hessian-vector products, a batched Hessian action (used
to assemble dense Hessians with BLAS-3), a JAX expression of itself (the reference in tests and
the engine of :class:`JaxLoss`), and the exact Taylor coefficients of ``t ↦ l(W(t))`` along a
matrix polynomial ``W(t) = Σ_k W_k t^k`` — exact polynomials for the quadratic losses, JAX
Taylor mode (``jax.experimental.jet``) otherwise.

Normalisations (the source texts differ, docs/bibliography.md): :class:`SquaredLoss` carries
the ½ of Nouiehed & Razaviyayn 2018, Kawaguchi 2016 and Zhou & Liang 2018;
:class:`DistanceLoss` has no ½, as in Trager, Kohn & Bruna 2020.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

# sets JAX's environment defaults (CPU, float64) without importing jax, which loads on first use
from dlnscape import jax_support as _jax_support  # noqa: F401
from dlnscape.architecture import as_float_matrix
from dlnscape.errors import LossError, PointError
from dlnscape.report.summary import shapes_repr


def _checked(a: object, name: str, shape: tuple[int, ...] | None = None, ndim: int = 2):
    try:
        return as_float_matrix(a, name, shape, ndim=ndim)
    except PointError as e:
        raise LossError(str(e)) from None


class DataForm(NamedTuple):
    """``l(W) = ℓ(WX)``: a loss that sees W only through the outputs ``Z = WX`` on data X.

    ``value(Z)``, ``grad(Z)`` and ``hvp(Z, Ż)`` are ℓ and its derivatives in ``Z``; the
    landscape uses them to backpropagate on activations instead of forming W.
    """

    X: np.ndarray
    value: Callable[[np.ndarray], float]
    grad: Callable[[np.ndarray], np.ndarray]
    hvp: Callable[[np.ndarray, np.ndarray], np.ndarray]


class LossMagnitude(NamedTuple):
    """How large ``l`` and ``∇l`` are near W, in the loss's own units: the sum of the absolute
    sizes of the terms that are added up to compute them (so rounding errors are at most a few
    ulps of these, and a tolerance relative to them is invariant under scaling the data or the
    loss). ``value`` ≥ |l(W)|-type terms; ``gradient`` ≥ ‖∇l(W)‖-type terms (Frobenius)."""

    value: float
    gradient: float


def _fro(A) -> float:
    return float(np.linalg.norm(A))


def _size(W, size: float | None) -> float:
    n = _fro(W)
    return n if size is None else max(n, float(size))


class Loss:
    """A loss ``l: R^{d_h×d_0} → R``. Subclasses set ``shape`` (or ``None`` for any shape)."""

    shape: tuple[int, int] | None = None
    #: degree of the loss as a polynomial in W, or None when it is not polynomial
    degree: int | None = None

    # -- oracles ---------------------------------------------------------------------------
    def value(self, W: np.ndarray) -> float:
        raise NotImplementedError

    def grad(self, W: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def hvp(self, W: np.ndarray, V: np.ndarray) -> np.ndarray:
        """``∇²l(W)[V]``."""
        return self.hessian_apply(W, V[None])[0]

    def hessian_apply(self, W: np.ndarray, Vs: np.ndarray) -> np.ndarray:
        """``∇²l(W)`` applied to a batch ``Vs`` of shape ``(k, d_h, d_0)``."""
        raise NotImplementedError

    def hessian_matrix(self, W: np.ndarray) -> np.ndarray:
        """Dense ``∇²l(W)`` on row-major ``vec(W)``, shape ``(d_h d_0, d_h d_0)``."""
        m, n = W.shape
        basis = np.eye(m * n).reshape(m * n, m, n)
        return self.hessian_apply(W, basis).reshape(m * n, m * n)

    def hessian_kronecker(self) -> tuple[np.ndarray | None, np.ndarray] | None:
        """``(left, right)`` when the Hessian is constant and acts as ``∇²l[V] = left·V·right``
        (``left`` None for the identity), else None. On row-major vec it is ``left ⊗ right``;
        the landscape then assembles dense Hessians from small Kronecker factors."""
        return None

    def data_form(self) -> DataForm | None:
        """The loss as ``ℓ(WX)`` (see :class:`DataForm`), or None when it is not of that form."""
        return None

    def magnitude(self, W: np.ndarray, size: float | None = None) -> LossMagnitude:
        """The size of the terms that make up ``l(W)`` and ``∇l(W)`` (see :class:`LossMagnitude`).

        ``size`` (≥ ‖W‖): the size of the terms W itself was computed from — for a product
        ``W_h⋯W_1`` it is ``Π‖W_j‖``, far above ‖W‖ when the factors cancel, and W's rounding
        error is relative to it. Built-in losses use ``max(‖W‖, size)`` in place of ‖W‖.

        Generic bound for losses that do not say more: ``|l(W)| + ‖∇l(W)‖‖W‖`` and
        ``‖∇l(W)‖ + ‖∇²l(W)[W]‖``: both scale like l and ∇l when the data or the loss are scaled.
        """
        W = np.asarray(W, dtype=np.float64)
        G = self.grad(W)
        nW = _fro(W)
        return LossMagnitude(abs(self.value(W)) + _fro(G) * nW, _fro(G) + _fro(self.hvp(W, W)))

    def jax_value(self, W):
        """The same loss written in JAX: the reference for tests, and the engine of jet."""
        raise NotImplementedError

    # -- Taylor ------------------------------------------------------------------------------
    def taylor(self, coeffs: Sequence[np.ndarray], order: int) -> np.ndarray:
        """Coefficients ``c_0..c_order`` of ``l(Σ_k coeffs[k] t^k)``.

        Exact for polynomial losses (subclasses override); JAX Taylor mode otherwise.
        """
        return jet_taylor(self.jax_value, coeffs, order)

    # -- validation --------------------------------------------------------------------------
    def check_shape(self, shape: tuple[int, int]) -> None:
        if self.shape is not None and tuple(shape) != self.shape:
            raise LossError(
                f"loss: {type(self).__name__} is defined on {self.shape[0]}×{self.shape[1]} "
                f"matrices but the architecture's end-to-end matrix is {shape[0]}×{shape[1]}"
            )

    @property
    def is_polynomial(self) -> bool:
        return self.degree is not None


def jet_taylor(fn: Callable, coeffs: Sequence[np.ndarray], order: int) -> np.ndarray:
    """Taylor coefficients of ``t ↦ fn(Σ_k coeffs[k] t^k)`` at 0 by ``jax.experimental.jet``.

    The input series is exact: the k-th derivative of ``W(t) = Σ_k C_k t^k`` at 0 is
    ``k! C_k`` (zero beyond the degree). ``jet`` returns derivatives, so coefficient ``k`` is
    the k-th derivative divided by ``k!``. The propagation is jitted and cached per
    (function, order, number of coefficients); JAX recompiles only for new shapes.
    """
    from dlnscape.jax_support import jnp

    cs = tuple(jnp.asarray(c) for c in coeffs)
    return np.asarray(_jet_fn(fn, int(order), len(cs))(cs), dtype=np.float64)


@functools.lru_cache(maxsize=64)
def _jet_fn(fn: Callable, order: int, n_coeffs: int) -> Callable:
    from jax.experimental import jet

    from dlnscape.jax_support import jax, jnp

    def taylor(cs):
        c0 = fn(cs[0])
        if order == 0:
            return jnp.reshape(c0, (1,))
        zero = jnp.zeros_like(cs[0])
        series = [math.factorial(k) * cs[k] if k < n_coeffs else zero for k in range(1, order + 1)]
        _, derivs = jet.jet(fn, (cs[0],), (series,))
        return jnp.stack([c0] + [derivs[k - 1] / math.factorial(k) for k in range(1, order + 1)])

    return jax.jit(taylor)


def _poly_inner(R: Sequence[np.ndarray], order: int) -> np.ndarray:
    """Coefficients of ``⟨R(t), R(t)⟩`` for a vector polynomial ``R(t) = Σ_k R[k] t^k``."""
    K = len(R) - 1
    flat = np.stack([np.ravel(r) for r in R])
    gram = flat @ flat.T
    out = np.zeros(max(order, 2 * K) + 1)
    for j in range(K + 1):
        for k in range(K + 1):
            out[j + k] += gram[j, k]
    return out[: order + 1]


# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class SquaredLoss(Loss):
    """``l(W) = ½‖WX − Y‖²_F`` for data ``X ∈ R^{d_0×n}``, ``Y ∈ R^{d_h×n}`` (any ranks)."""

    __repr__ = shapes_repr  # arrays by their shape, never their entries

    X: np.ndarray
    Y: np.ndarray
    degree: int | None = field(default=2, init=False)

    def __post_init__(self) -> None:
        X = _checked(self.X, "X")
        Y = _checked(self.Y, "Y")
        if X.shape[1] != Y.shape[1]:
            raise LossError(
                f"Y: expected {X.shape[1]} columns (one per column of X), got shape {Y.shape}"
            )
        object.__setattr__(self, "X", X)
        object.__setattr__(self, "Y", Y)
        from dlnscape.validate import DEFAULT_MEMORY_BUDGET, check_memory

        check_memory(8 * X.shape[0] ** 2, f"SquaredLoss: the Gram matrix X Xᵀ of X with "
                     f"{X.shape[0]} rows", DEFAULT_MEMORY_BUDGET, "; use fewer input rows")
        object.__setattr__(self, "_XXt", X @ X.T)

    @property
    def shape(self) -> tuple[int, int]:  # type: ignore[override]
        return (self.Y.shape[0], self.X.shape[0])

    # data-loss interface: l(W) = ℓ(WX) lets the landscape backpropagate on activations
    def output_value(self, Z: np.ndarray) -> float:
        R = Z - self.Y
        return 0.5 * float(np.vdot(R, R))

    def output_grad(self, Z: np.ndarray) -> np.ndarray:
        return Z - self.Y

    def output_hvp(self, Z: np.ndarray, Zdot: np.ndarray) -> np.ndarray:
        return Zdot

    def data_form(self) -> DataForm:
        return DataForm(self.X, self.output_value, self.output_grad, self.output_hvp)

    def hessian_kronecker(self) -> tuple[None, np.ndarray]:
        return None, self._XXt

    def value(self, W: np.ndarray) -> float:
        return self.output_value(W @ self.X)

    def magnitude(self, W: np.ndarray, size: float | None = None) -> LossMagnitude:
        """``½(s‖X‖ + ‖Y‖)²`` and ``(s‖X‖ + ‖Y‖)‖X‖`` with ``s = max(‖W‖, size)``."""
        r = _size(W, size) * _fro(self.X) + _fro(self.Y)
        return LossMagnitude(0.5 * r * r, r * _fro(self.X))

    def grad(self, W: np.ndarray) -> np.ndarray:
        return (W @ self.X - self.Y) @ self.X.T

    def hessian_apply(self, W: np.ndarray, Vs: np.ndarray) -> np.ndarray:
        return Vs @ self._XXt

    def hessian_matrix(self, W: np.ndarray) -> np.ndarray:
        return np.kron(np.eye(self.shape[0]), self._XXt)

    def jax_value(self, W):
        from dlnscape.jax_support import jnp

        R = W @ jnp.asarray(self.X) - jnp.asarray(self.Y)
        return 0.5 * jnp.sum(R * R)

    def taylor(self, coeffs: Sequence[np.ndarray], order: int) -> np.ndarray:
        R = [c @ self.X for c in coeffs]
        R[0] = R[0] - self.Y
        return 0.5 * _poly_inner(R, order)


@dataclass(frozen=True, eq=False)
class DistanceLoss(Loss):
    """``l(W) = ‖φ · vec(W − Q0)‖²`` with ``vec`` row-major; ``φ = I`` when ``phi`` is None.

    The loss of Trager et al. 2020, Example 13 and Experiment 1 (no ½).
    """

    __repr__ = shapes_repr  # arrays by their shape, never their entries

    Q0: np.ndarray
    phi: np.ndarray | None = None
    degree: int | None = field(default=2, init=False)

    def __post_init__(self) -> None:
        Q0 = _checked(self.Q0, "Q0")
        object.__setattr__(self, "Q0", Q0)
        N = Q0.size
        if self.phi is not None:
            phi = _checked(self.phi, "phi")
            if phi.shape[1] != N:
                raise LossError(
                    f"phi: expected {N} columns (acting on vec(W) of a {Q0.shape[0]}×{Q0.shape[1]} "
                    f"matrix), got shape {phi.shape}"
                )
            object.__setattr__(self, "phi", phi)
            object.__setattr__(self, "_G", phi.T @ phi)
        else:
            object.__setattr__(self, "_G", None)

    @property
    def shape(self) -> tuple[int, int]:  # type: ignore[override]
        return self.Q0.shape

    @property
    def metric(self) -> np.ndarray:
        """``φᵀφ`` (the identity when ``phi`` is None)."""
        return np.eye(self.Q0.size) if self._G is None else self._G

    def _apply_G(self, V: np.ndarray) -> np.ndarray:
        if self._G is None:
            return V
        flat = V.reshape(V.shape[:-2] + (-1,))
        return (flat @ self._G).reshape(V.shape)  # G is symmetric

    def value(self, W: np.ndarray) -> float:
        D = W - self.Q0
        return float(np.vdot(D, self._apply_G(D)))

    def magnitude(self, W: np.ndarray, size: float | None = None) -> LossMagnitude:
        """``‖φ‖²(s + ‖Q0‖)²`` and ``2‖φᵀφ‖(s + ‖Q0‖)`` (Frobenius; φ = I if None;
        ``s = max(‖W‖, size)``)."""
        r = _size(W, size) + _fro(self.Q0)
        p2 = 1.0 if self.phi is None else _fro(self.phi) ** 2
        g = 1.0 if self.phi is None else _fro(self._G)
        return LossMagnitude(p2 * r * r, 2.0 * g * r)

    def grad(self, W: np.ndarray) -> np.ndarray:
        return 2.0 * self._apply_G(W - self.Q0)

    def hessian_apply(self, W: np.ndarray, Vs: np.ndarray) -> np.ndarray:
        return 2.0 * self._apply_G(Vs)

    def hessian_matrix(self, W: np.ndarray) -> np.ndarray:
        return 2.0 * self.metric

    def hessian_kronecker(self) -> tuple[None, np.ndarray] | None:
        return (None, 2.0 * np.eye(self.Q0.shape[1])) if self._G is None else None

    def jax_value(self, W):
        from dlnscape.jax_support import jnp

        d = jnp.ravel(W - jnp.asarray(self.Q0))
        if self.phi is not None:
            d = jnp.asarray(self.phi) @ d
        return jnp.sum(d * d)

    def taylor(self, coeffs: Sequence[np.ndarray], order: int) -> np.ndarray:
        R = [np.ravel(c) for c in coeffs]
        R[0] = R[0] - np.ravel(self.Q0)
        if self.phi is not None:
            R = [self.phi @ r for r in R]
        return _poly_inner(R, order)


@dataclass(frozen=True, eq=False)
class LinearQuadraticLoss(Loss):
    """``l(W) = ⟨A, W⟩ + (c/2)‖W − W0‖²`` (Hofflin 2023, §3.2)."""

    __repr__ = shapes_repr  # arrays by their shape, never their entries

    A: np.ndarray
    c: float
    W0: np.ndarray | None = None
    degree: int | None = field(default=2, init=False)

    def __post_init__(self) -> None:
        A = _checked(self.A, "A")
        object.__setattr__(self, "A", A)
        W0 = np.zeros_like(A) if self.W0 is None else _checked(self.W0, "W0", A.shape)
        object.__setattr__(self, "W0", W0)
        c = _finite_number(self.c, "c")
        object.__setattr__(self, "c", c)
        if c == 0.0:
            object.__setattr__(self, "degree", 1)

    @property
    def shape(self) -> tuple[int, int]:  # type: ignore[override]
        return self.A.shape

    def value(self, W: np.ndarray) -> float:
        D = W - self.W0
        return float(np.vdot(self.A, W) + 0.5 * self.c * np.vdot(D, D))

    def magnitude(self, W: np.ndarray, size: float | None = None) -> LossMagnitude:
        """``‖A‖s + ½|c|(s + ‖W0‖)²`` and ``‖A‖ + |c|(s + ‖W0‖)``, ``s = max(‖W‖, size)``."""
        sz = _size(W, size)
        nA, r = _fro(self.A), sz + _fro(self.W0)
        return LossMagnitude(nA * sz + 0.5 * abs(self.c) * r * r, nA + abs(self.c) * r)

    def grad(self, W: np.ndarray) -> np.ndarray:
        return self.A + self.c * (W - self.W0)

    def hessian_apply(self, W: np.ndarray, Vs: np.ndarray) -> np.ndarray:
        return self.c * Vs

    def hessian_matrix(self, W: np.ndarray) -> np.ndarray:
        return self.c * np.eye(W.size)

    def hessian_kronecker(self) -> tuple[None, np.ndarray]:
        return None, self.c * np.eye(self.A.shape[1])

    def jax_value(self, W):
        from dlnscape.jax_support import jnp

        D = W - jnp.asarray(self.W0)
        return jnp.sum(jnp.asarray(self.A) * W) + 0.5 * self.c * jnp.sum(D * D)

    def taylor(self, coeffs: Sequence[np.ndarray], order: int) -> np.ndarray:
        K = len(coeffs) - 1
        lin = np.zeros(max(order, K) + 1)
        for k, ck in enumerate(coeffs):
            lin[k] = np.vdot(self.A, ck)
        R = list(coeffs)
        R[0] = R[0] - self.W0
        quad = 0.5 * self.c * _poly_inner(R, order)
        return lin[: order + 1] + quad


@dataclass(frozen=True, eq=False)
class LogisticLoss(Loss):
    """``l(W) = (1/n) Σ log(1 + exp(−y ⊙ WX)) + (ridge/2)‖W‖²``, labels ``y ∈ {−1, +1}``.

    ``X ∈ R^{d_0×n}``, ``labels ∈ {−1,+1}^{d_h×n}`` (or {0, 1}, mapped to ±1). Smooth and convex;
    ``ridge > 0`` makes it strongly convex and its minimum attained on separable data.
    """

    __repr__ = shapes_repr  # arrays by their shape, never their entries

    X: np.ndarray
    labels: np.ndarray
    ridge: float = 0.0

    def __post_init__(self) -> None:
        X = _checked(self.X, "X")
        y = np.asarray(self.labels)
        if y.ndim == 1:
            y = y[None, :]
        y = _checked(y, "labels")
        if y.shape[1] != X.shape[1]:
            raise LossError(
                f"labels: expected {X.shape[1]} columns (one per column of X), got shape {y.shape}"
            )
        vals = set(np.unique(y).tolist())
        if vals <= {0.0, 1.0}:
            y = 2.0 * y - 1.0
        elif not vals <= {-1.0, 1.0}:
            raise LossError(
                f"labels: expected entries in {{-1, +1}} or {{0, 1}}, got {sorted(vals)}"
            )
        ridge = _finite_number(self.ridge, "ridge")
        if ridge < 0:
            raise LossError(f"ridge: expected a finite number ≥ 0, got {self.ridge}")
        object.__setattr__(self, "X", X)
        object.__setattr__(self, "labels", y)
        object.__setattr__(self, "ridge", ridge)

    @property
    def shape(self) -> tuple[int, int]:  # type: ignore[override]
        return (self.labels.shape[0], self.X.shape[0])

    @property
    def n(self) -> int:
        return self.X.shape[1]

    def output_value(self, Z: np.ndarray) -> float:
        return float(np.sum(np.logaddexp(0.0, -self.labels * Z)) / self.n)

    def output_grad(self, Z: np.ndarray) -> np.ndarray:
        m = -self.labels * Z
        return -self.labels * _sigmoid(m) / self.n

    def _curvature(self, Z: np.ndarray) -> np.ndarray:
        s = _sigmoid(self.labels * Z)
        return s * (1.0 - s) / self.n  # ℓ''(z) with y² = 1

    def output_hvp(self, Z: np.ndarray, Zdot: np.ndarray) -> np.ndarray:
        return Zdot * self._curvature(Z)

    def data_form(self) -> DataForm | None:
        """The data form when ``ridge == 0`` (the ridge term is not a function of WX)."""
        if self.ridge != 0.0:
            return None
        return DataForm(self.X, self.output_value, self.output_grad, self.output_hvp)

    def value(self, W: np.ndarray) -> float:
        return self.output_value(W @ self.X) + 0.5 * self.ridge * float(np.vdot(W, W))

    def magnitude(self, W: np.ndarray, size: float | None = None) -> LossMagnitude:
        """``s‖X‖√(d_h/n) + log 2 + ½ridge s²`` (a bound on (1/n)Σ(|z| + log 2) + ridge term,
        z = y ⊙ WX) and ``‖X‖√(d_h/n) + ridge·s``, with ``s = max(‖W‖, size)``."""
        sz = _size(W, size)
        k = math.sqrt(self.labels.shape[0] / self.n)
        v = sz * _fro(self.X) * k + math.log(2.0) * self.labels.shape[0] \
            + 0.5 * self.ridge * sz**2
        g = _fro(self.X) * k + self.ridge * sz
        return LossMagnitude(v, g)

    def grad(self, W: np.ndarray) -> np.ndarray:
        return self.output_grad(W @ self.X) @ self.X.T + self.ridge * W

    def hessian_apply(self, W: np.ndarray, Vs: np.ndarray) -> np.ndarray:
        w = self._curvature(W @ self.X)
        return ((Vs @ self.X) * w) @ self.X.T + self.ridge * Vs

    def jax_value(self, W):
        from dlnscape.jax_support import jnp

        Z = W @ jnp.asarray(self.X)
        return jnp.sum(_jax_softplus(-jnp.asarray(self.labels) * Z)) / self.n + (
            0.5 * self.ridge * jnp.sum(W * W)
        )


def _jax_softplus(x):
    # written with primitives that jet supports (jnp.logaddexp is a custom_jvp, which jet rejects).
    # Each branch is smooth where it is used; |x| is avoided because its derivative at 0 is 0,
    # and the inputs are clamped so the branch not taken cannot overflow (NaN in derivatives).
    from dlnscape.jax_support import jnp

    pos = x > 0
    xp = jnp.where(pos, x, 0.0)
    xn = jnp.where(pos, 0.0, x)
    return jnp.where(pos, xp + jnp.log1p(jnp.exp(-xp)), jnp.log1p(jnp.exp(xn)))


def _finite_number(x: object, name: str) -> float:
    try:
        v = float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise LossError(f"{name}: expected a finite real number, got {x!r}") from None
    if not math.isfinite(v):
        raise LossError(f"{name}: expected a finite real number, got {x!r}")
    return v


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))


@dataclass(frozen=True, eq=False)
class JaxLoss(Loss):
    """Any loss written as a JAX function of ``W``; derivatives by autodiff, Taylor by jet.

    ``shape`` (optional) fixes the ``d_h × d_0`` shape it accepts. ``degree`` (optional)
    declares that ``fn`` is a polynomial of that degree in W: ``Landscape.taylor`` then returns
    the whole polynomial ``L(θ + tθ̇)`` (degree·h, by jet) when no order is given. A wrong
    declaration truncates the series silently, so declare it only for polynomials.
    """

    __repr__ = shapes_repr  # arrays by their shape, never their entries

    fn: Callable
    shape: tuple[int, int] | None = None  # type: ignore[assignment]
    name: str = "custom"
    degree: int | None = None

    def __post_init__(self) -> None:
        from dlnscape.jax_support import jax

        if not callable(self.fn):
            raise LossError(f"fn: expected a callable W -> scalar written in JAX, got {self.fn!r}")
        d = self.degree
        if d is not None and (isinstance(d, bool) or not isinstance(d, (int, np.integer)) or d < 0):
            raise LossError(f"degree: expected None or a non-negative integer, got {d!r}")
        object.__setattr__(self, "_value", jax.jit(self.fn))
        object.__setattr__(self, "_grad", jax.jit(jax.grad(self.fn)))

        def _hvp(W, V):
            return jax.jvp(jax.grad(self.fn), (W,), (V,))[1]

        object.__setattr__(self, "_hvp_batch", jax.jit(jax.vmap(_hvp, in_axes=(None, 0))))

    def check_shape(self, shape: tuple[int, int]) -> None:
        """Check the declared shape, then that ``fn`` maps a ``shape`` matrix to a real scalar."""
        from dlnscape.jax_support import jax, jnp

        super().check_shape(shape)
        try:
            out = jax.eval_shape(self.fn, jax.ShapeDtypeStruct(tuple(shape), jnp.float64))
        except Exception as e:  # any failure of the user's function is reported as such
            raise LossError(
                f"fn: failed on a {shape[0]}×{shape[1]} matrix (the end-to-end shape): "
                f"{type(e).__name__}: {e}"
            ) from None
        if getattr(out, "shape", None) != () or not jnp.issubdtype(out.dtype, jnp.floating):
            raise LossError(
                f"fn: expected a real scalar for a {shape[0]}×{shape[1]} matrix, got "
                f"{getattr(out, 'shape', out)} of dtype {getattr(out, 'dtype', type(out))}"
            )

    def value(self, W: np.ndarray) -> float:
        from dlnscape.jax_support import jnp

        v = self._value(jnp.asarray(W))
        if jnp.ndim(v) != 0:
            raise LossError(f"fn: expected a scalar-valued function, got output shape {v.shape}")
        return float(v)

    def grad(self, W: np.ndarray) -> np.ndarray:
        from dlnscape.jax_support import jnp

        return np.asarray(self._grad(jnp.asarray(W)))

    def hessian_apply(self, W: np.ndarray, Vs: np.ndarray) -> np.ndarray:
        from dlnscape.jax_support import jnp

        return np.asarray(self._hvp_batch(jnp.asarray(W), jnp.asarray(Vs)))

    def jax_value(self, W):
        return self.fn(W)


@dataclass(frozen=True, eq=False)
class HuberLoss(Loss):
    """``l(W) = Σ_ij ρ_κ((WX − Y)_ij)`` with Huber's ``ρ_κ(r) = ½r²`` for ``|r| ≤ κ`` and
    ``κ|r| − ½κ²`` otherwise (Huber 1964); ``X ∈ R^{d_0×n}``, ``Y ∈ R^{d_h×n}``, ``kappa > 0``.

    Convex, C¹ and piecewise quadratic, not quadratic: the convex non-quadratic loss used to
    test Nouiehed–Razaviyayn (001) Cor 9 (T-001-Cor9). ρ'' jumps at ``|r| = κ``; there the
    second derivative is taken from the quadratic side (``ρ'' = 1`` for ``|r| ≤ κ``), the same
    side ``jax_value`` takes, and :meth:`kinks` lists the residuals that lie on it so callers
    can refuse second-order statements there. Not polynomial (``degree`` None): Taylor
    coefficients come from JAX Taylor mode; away from the kinks the loss is locally a
    quadratic polynomial, so every coefficient beyond the second of ``t ↦ l(W + tV)`` is 0.
    """

    __repr__ = shapes_repr  # arrays by their shape, never their entries

    X: np.ndarray
    Y: np.ndarray
    kappa: float = 1.0

    def __post_init__(self) -> None:
        X = _checked(self.X, "X")
        Y = _checked(self.Y, "Y")
        if X.shape[1] != Y.shape[1]:
            raise LossError(
                f"Y: expected {X.shape[1]} columns (one per column of X), got shape {Y.shape}"
            )
        kappa = _finite_number(self.kappa, "kappa")
        if kappa <= 0:
            raise LossError(f"kappa: expected a finite number > 0, got {self.kappa!r}")
        object.__setattr__(self, "X", X)
        object.__setattr__(self, "Y", Y)
        object.__setattr__(self, "kappa", kappa)

    @property
    def shape(self) -> tuple[int, int]:  # type: ignore[override]
        return (self.Y.shape[0], self.X.shape[0])

    # data-loss interface: l(W) = ℓ(WX)
    def output_value(self, Z: np.ndarray) -> float:
        R = Z - self.Y
        a = np.abs(R)
        k = self.kappa
        return float(np.sum(np.where(a <= k, 0.5 * R * R, k * a - 0.5 * k * k)))

    def output_grad(self, Z: np.ndarray) -> np.ndarray:
        return np.clip(Z - self.Y, -self.kappa, self.kappa)

    def output_hvp(self, Z: np.ndarray, Zdot: np.ndarray) -> np.ndarray:
        return Zdot * (np.abs(Z - self.Y) <= self.kappa)

    def data_form(self) -> DataForm:
        return DataForm(self.X, self.output_value, self.output_grad, self.output_hvp)

    def kinks(self, W: np.ndarray) -> np.ndarray:
        """Indices ``(i, j)`` of the residuals ``(WX − Y)_ij`` with ``|r| = κ`` exactly, where
        ρ is not twice differentiable (an array of shape (k, 2); empty almost everywhere)."""
        R = np.asarray(W, dtype=np.float64) @ self.X - self.Y
        return np.argwhere(np.abs(R) == self.kappa)

    def value(self, W: np.ndarray) -> float:
        return self.output_value(W @ self.X)

    def grad(self, W: np.ndarray) -> np.ndarray:
        return self.output_grad(W @ self.X) @ self.X.T

    def hessian_apply(self, W: np.ndarray, Vs: np.ndarray) -> np.ndarray:
        w = np.abs(W @ self.X - self.Y) <= self.kappa
        return ((Vs @ self.X) * w) @ self.X.T

    def magnitude(self, W: np.ndarray, size: float | None = None) -> LossMagnitude:
        """``½(s‖X‖ + ‖Y‖)²`` and ``(s‖X‖ + ‖Y‖)‖X‖`` with ``s = max(‖W‖, size)``: ρ_κ(r) ≤ ½r²
        and |ρ'_κ(r)| ≤ |r|, so the squared loss's bounds hold term by term."""
        r = _size(W, size) * _fro(self.X) + _fro(self.Y)
        return LossMagnitude(0.5 * r * r, r * _fro(self.X))

    def jax_value(self, W):
        from dlnscape.jax_support import jnp

        R = W @ jnp.asarray(self.X) - jnp.asarray(self.Y)
        # |r| through where (supported by jet), each branch smooth where it is used
        a = jnp.where(R > 0, R, -R)
        k = self.kappa
        return jnp.sum(jnp.where(a <= k, 0.5 * R * R, k * a - 0.5 * k * k))
