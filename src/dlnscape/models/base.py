"""The :class:`Parametrization` protocol: the only way the package touches a model.

A model maps a point θ (a tuple of real matrices, the *parameter blocks*, input side first) to
the argument ``Z = F(θ)`` of the loss: the end-to-end matrix for linear models, the network's
outputs on its data for nonlinear ones (README, "Models: one protocol").

What a model must provide
    ``shapes`` (the parameter blocks), ``output_shape`` (the shape of ``Z``) and
    ``jax_forward(theta)``: F written in JAX. That is enough: every derivative below has a JAX
    default (JVP / VJP / forward-over-reverse / Taylor mode by ``jax.experimental.jet``), so a
    new model is one small class.

What a model may override (closed forms, faster or exact)
    ``forward``, ``pushforward`` (JVP), ``pullback`` (VJP), ``curvature_pullback``
    (``⟨G, d²F(θ)[θ̇, ·]⟩``, what Hessian-vector products need besides the two above),
    ``jacobian``, ``curvature_matrix``, ``curve_coefficients`` (Taylor coefficients of
    ``F(θ + tθ_1 + t²θ_2 + …)``, exact when F is polynomial), and the loss compositions
    ``loss_value`` / ``loss_grad`` / ``hvp_operator`` / ``loss_hessian`` (e.g. backpropagation
    on data activations for linear networks).

What a model may declare (structure; None / False means "not declared")
    ``image`` (a :class:`DeterminantalImage`: F(θ) ranges over the matrices of rank ≤ r),
    ``global_minimum_report(loss)`` (an independent global-minimum oracle over that image),
    ``fiber_moves`` (loss-preserving moves inside F⁻¹(Z)), ``orbit_tangent`` (the tangent of a
    symmetry orbit), ``balance_scales`` (a per-parameter scaling under which the Hessian's
    eigenvalue decisions are invariant), ``polynomial_degree`` with ``ring_forward`` (F as a
    program of matrix products and sums, so that exact rational, ball and truncated-polynomial
    arithmetic can run it), ``ring_pullback`` (the same for ``dF(θ)ᵀ``), and
    ``nonsmooth_reason(theta)`` (why F is not differentiable at θ). An analysis that needs a
    structure asks for it and, when the model does not declare it, rests on model-agnostic
    evidence and says so ("globality unknown: …").
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

from dlnscape.architecture import Point, as_float_matrix
from dlnscape.errors import PointError


@dataclass(frozen=True)
class ParameterLayout:
    """Shapes of the parameter blocks of a point, with packing (block 0 first, row-major).

    Duck-compatible with :class:`~dlnscape.architecture.Architecture` for
    :func:`~dlnscape.architecture.check_point` and :func:`~dlnscape.architecture.unpack`.
    """

    shapes: tuple[tuple[int, ...], ...]
    names: tuple[str, ...] = ()
    label: str = ""

    @property
    def h(self) -> int:
        return len(self.shapes)

    @cached_property
    def offsets(self) -> tuple[int, ...]:
        out = [0]
        for s in self.shapes:
            out.append(out[-1] + int(np.prod(s)))
        return tuple(out)

    @property
    def n_params(self) -> int:
        return self.offsets[-1]

    def __repr__(self) -> str:
        return self.label or f"ParameterLayout({list(self.shapes)})"


@dataclass(frozen=True)
class DeterminantalImage:
    """The declared image of F: the ``m × n`` matrices of rank ≤ ``r`` (``M_r``).

    ``r = min(m, n)`` is the whole matrix space. :meth:`as_architecture` is a linear network
    with the same image (widths ``(n, r, m)``), which is what the function-space oracles take.
    """

    m: int
    n: int
    r: int

    @property
    def end_to_end_shape(self) -> tuple[int, int]:
        return (self.m, self.n)

    @property
    def filling(self) -> bool:
        return self.r == min(self.m, self.n)

    def as_architecture(self):
        from dlnscape.architecture import Architecture

        return Architecture((self.n, self.r, self.m))

    def to_dict(self) -> dict:
        return {"m": self.m, "n": self.n, "r": self.r}


@dataclass(frozen=True)
class ModelScale:
    """Sizes that make a criticality test relative: ``output_size`` bounds the terms F(θ) was
    computed from (its rounding error is relative to it) and ``block_factors[k]`` bounds
    ``‖∂F/∂θ_k‖`` (so ``‖∇_k L‖ ≤ block_factors[k] · ‖∇l‖``)."""

    output_size: float
    block_factors: tuple[float, ...]
    block_norms: tuple[float, ...]


class Ring:
    """Arithmetic a polynomial model's ``ring_forward`` runs in: matrices over some ring
    (float, exact rationals, ``arb`` balls, truncated matrix polynomials)."""

    def lift(self, A: np.ndarray) -> Any:  # a float matrix as a ring element
        raise NotImplementedError

    def mul(self, A: Any, B: Any) -> Any:  # matrix product A·B
        raise NotImplementedError

    def add(self, A: Any, B: Any) -> Any:
        raise NotImplementedError

    def eye(self, n: int) -> Any:
        raise NotImplementedError

    def transpose(self, A: Any) -> Any:
        raise NotImplementedError


class FloatRing(Ring):
    def lift(self, A):
        return np.asarray(A, dtype=np.float64)

    def mul(self, A, B):
        return A @ B

    def add(self, A, B):
        return A + B

    def eye(self, n):
        return np.eye(n)

    def transpose(self, A):
        return A.T


class TruncatedPolynomialRing(Ring):
    """Matrix polynomials ``Σ_k t^k C_k`` as coefficient lists over a ``base`` ring (float by
    default), truncated at degree ``deg`` (None: never). Degree-0 elements are one-element
    lists; ``lift`` takes a float matrix."""

    def __init__(self, deg: int | None = None, base: Ring | None = None) -> None:
        self.deg = deg
        self.base = base if base is not None else FloatRing()

    def lift(self, A):
        return [self.base.lift(A)]

    def mul(self, A, B):
        n = len(A) + len(B) - 1
        if self.deg is not None:
            n = min(n, self.deg + 1)
        mul, add = self.base.mul, self.base.add
        out: list = [None] * n
        for i, a in enumerate(A):
            for j, b in enumerate(B):
                if i + j >= n:
                    break
                term = mul(a, b)
                out[i + j] = term if out[i + j] is None else add(out[i + j], term)
        return out

    def add(self, A, B):
        n = max(len(A), len(B))
        if self.deg is not None:
            n = min(n, self.deg + 1)
        add = self.base.add
        return [add(A[k], B[k]) if k < len(A) and k < len(B) else (A[k] if k < len(A) else B[k])
                for k in range(n)]

    def eye(self, n):
        return [self.base.eye(n)]

    def transpose(self, A):
        return [self.base.transpose(a) for a in A]


def curve_layers(theta: Sequence[np.ndarray], curve: Sequence[Sequence[np.ndarray]],
                 base: Ring | None = None) -> list:
    """The blocks of ``θ + Σ_k t^k θ_k`` as truncated-polynomial ring elements over ``base``."""
    lift = (base or FloatRing()).lift
    return [[lift(theta[i])] + [lift(c[i]) for c in curve] for i in range(len(theta))]


@dataclass(frozen=True)
class HvpOperator:
    """``θ̇ ↦ ∇²L(θ)[θ̇]`` with the work shared by every product at θ done once."""

    apply: Callable[[Point], Point]


class Parametrization:
    """Base class of the protocol (module docstring): subclasses set ``shapes`` and
    ``output_shape`` (attributes or properties) and ``jax_forward``; everything else has a
    default."""

    #: degree of F as a polynomial in θ (None: not polynomial)
    polynomial_degree: int | None = None
    #: F can be evaluated in exact rational and ball arithmetic (``ring_forward`` and
    #: ``ring_pullback`` are implemented)
    ball_arithmetic: bool = False

    # -- layout --------------------------------------------------------------------------------
    @property
    def shapes(self) -> tuple[tuple[int, ...], ...]:  # pragma: no cover - subclasses define
        raise NotImplementedError

    @property
    def output_shape(self) -> tuple[int, int]:  # pragma: no cover - subclasses define
        raise NotImplementedError

    @property
    def block_names(self) -> tuple[str, ...]:
        return tuple(f"theta_{i + 1}" for i in range(len(self.shapes)))

    @property
    def layout(self) -> ParameterLayout:
        return ParameterLayout(tuple(tuple(s) for s in self.shapes), self.block_names, repr(self))

    @property
    def n_params(self) -> int:
        return self.layout.n_params

    def check(self, theta: Sequence[np.ndarray], name: str = "theta", *,
              domain: bool = True) -> Point:
        """Validate θ (blocks, shapes, finite float64) and, with ``domain``, the model's domain
        (directions and tangent vectors are checked without it)."""
        lay = self.layout
        if isinstance(theta, np.ndarray) and theta.ndim == 1:
            raise PointError(
                f"{name}: expected a tuple of {lay.h} matrices ({', '.join(lay.names)}); got a "
                f"flat vector — use landscape.unpack(vector) first")
        try:
            blocks = list(theta)
        except TypeError:
            raise PointError(f"{name}: expected a tuple of {lay.h} matrices "
                             f"({', '.join(lay.names)}), got {type(theta).__name__}") from None
        if len(blocks) != lay.h:
            raise PointError(f"{name}: expected {lay.h} blocks ({', '.join(lay.names)}) for "
                             f"{self!r}, got {len(blocks)}")
        out = tuple(as_float_matrix(B, f"{name}[{i}] ({lay.names[i]})", s, ndim=len(s))
                    for i, (B, s) in enumerate(zip(blocks, lay.shapes, strict=True)))
        if domain:
            self.check_domain(out, name)
        return out

    def check_domain(self, theta: Point, name: str = "theta") -> None:
        """Raise :class:`PointError` when θ is outside the model's domain (default: none)."""

    def pack(self, theta: Sequence[np.ndarray]) -> np.ndarray:
        from dlnscape.architecture import pack

        return pack(theta)

    def unpack(self, vector: np.ndarray, name: str = "vector") -> Point:
        from dlnscape.architecture import unpack

        return unpack(self.layout, vector, name=name)

    # -- JAX ----------------------------------------------------------------------------------
    def jax_forward(self, theta):  # pragma: no cover - subclasses define
        raise NotImplementedError(f"{type(self).__name__}.jax_forward")

    @cached_property
    def _jax(self) -> dict:
        """Jitted JAX functions of this model (built on first use, kept per instance)."""
        from dlnscape.jax_support import jax

        f = self.jax_forward

        def jvp(th, dth):
            return jax.jvp(f, (th,), (dth,))[1]

        def vjp(th, G):
            return jax.vjp(f, th)[1](G)[0]

        def curv(th, G, dth):
            return jax.jvp(lambda t: jax.vjp(f, t)[1](G)[0], (th,), (dth,))[1]

        return {"forward": jax.jit(f), "jvp": jax.jit(jvp), "vjp": jax.jit(vjp),
                "curv": jax.jit(curv), "jacfwd": jax.jit(jax.jacfwd(f))}

    @staticmethod
    def _np(x) -> np.ndarray:
        return np.asarray(x, dtype=np.float64)

    def _tuple(self, xs) -> Point:
        return tuple(np.asarray(x, dtype=np.float64) for x in xs)

    # -- forward and first order -----------------------------------------------------------
    def forward(self, theta: Point) -> np.ndarray:
        return self._np(self._jax["forward"](tuple(theta)))

    def pushforward(self, theta: Point, dtheta: Point) -> np.ndarray:
        """``dF(θ)[θ̇]`` (JVP)."""
        return self._np(self._jax["jvp"](tuple(theta), tuple(dtheta)))

    def pullback(self, theta: Point, G: np.ndarray) -> Point:
        """``dF(θ)ᵀ[G]`` per block (VJP)."""
        return self._tuple(self._jax["vjp"](tuple(theta), np.asarray(G, dtype=np.float64)))

    def curvature_pullback(self, theta: Point, G: np.ndarray, dtheta: Point) -> Point:
        """``⟨G, d²F(θ)[θ̇, ·]⟩`` per block: the derivative of ``dF(θ)ᵀ[G]`` along θ̇."""
        return self._tuple(self._jax["curv"](tuple(theta), np.asarray(G, dtype=np.float64),
                                             tuple(dtheta)))

    def jacobian(self, theta: Point) -> np.ndarray:
        """Matrix of dF(θ) from packed θ to row-major vec(F): shape (|F|, P)."""
        blocks = self._jax["jacfwd"](tuple(theta))
        size = int(np.prod(self.output_shape))
        return np.concatenate([self._np(b).reshape(size, -1) for b in blocks], axis=1)

    def curvature_matrix(self, theta: Point, G: np.ndarray) -> np.ndarray:
        """Dense ``⟨G, d²F(θ)⟩`` on packed θ (P × P), symmetrised."""
        P = self.n_params
        cols = [self.pack(self.curvature_pullback(theta, G, self.unpack(e)))
                for e in np.eye(P)]
        C = np.array(cols).reshape(P, P)
        return 0.5 * (C + C.T)

    # -- Taylor ------------------------------------------------------------------------------
    def curve_coefficients(self, theta: Point, curve: Sequence[Point],
                           order: int | None = None) -> list[np.ndarray]:
        """Coefficients ``Z_0, Z_1, …`` of ``F(θ + tθ_1 + … + t^qθ_q)``.

        Polynomial models (``ring_forward``): the exact matrix polynomial (``order`` None: all
        of it, else truncated at ``order``). Others: JAX Taylor mode up to ``order``."""
        if self.polynomial_degree is not None and self._has_ring:
            ring = TruncatedPolynomialRing(order)
            return list(self.ring_forward(curve_layers(theta, curve), ring))
        if order is None:
            raise ValueError("order: required for a non-polynomial model")
        return _jet_curve(self, theta, curve, int(order))

    @property
    def _has_ring(self) -> bool:
        return type(self).ring_forward is not Parametrization.ring_forward

    def ring_forward(self, blocks: Sequence[Any], ring: Ring) -> Any:
        """F computed with ``ring``'s operations only (polynomial models)."""
        raise NotImplementedError(f"{type(self).__name__} is not a polynomial program")

    def ring_pullback(self, blocks: Sequence[Any], G: Any, ring: Ring) -> list:
        """``dF(θ)ᵀ[G]`` with ``ring``'s operations only (models with ``ball_arithmetic``)."""
        raise NotImplementedError(f"{type(self).__name__} has no ring pullback")

    # -- the loss composed with F ----------------------------------------------------------------
    def loss_value(self, theta: Point, loss) -> float:
        return float(loss.value(self.forward(theta)))

    def loss_grad(self, theta: Point, loss) -> Point:
        return self.pullback(theta, loss.grad(self.forward(theta)))

    def hvp_operator(self, theta: Point, loss) -> HvpOperator:
        """``∇²L[θ̇] = dFᵀ ∇²l dF θ̇ + ⟨∇l, d²F[θ̇, ·]⟩`` (product rule)."""
        Z = self.forward(theta)
        G = loss.grad(Z)

        def apply(dtheta: Point) -> Point:
            a = self.pullback(theta, loss.hvp(Z, self.pushforward(theta, dtheta)))
            b = self.curvature_pullback(theta, G, dtheta)
            return tuple(x + y for x, y in zip(a, b, strict=True))

        return HvpOperator(apply)

    def loss_hessian(self, theta: Point, loss) -> np.ndarray:
        """Dense ``Jᵀ ∇²l J + ⟨∇l, d²F⟩`` on packed θ, exactly symmetric."""
        Z = self.forward(theta)
        J = self.jacobian(theta)
        HJ = loss.hessian_apply(Z, J.T.reshape((J.shape[1],) + tuple(Z.shape)))
        H = J.T @ HJ.reshape(HJ.shape[0], -1).T
        H = 0.5 * (H + H.T) + self.curvature_matrix(theta, loss.grad(Z))
        return 0.5 * (H + H.T)

    def hessian_bytes(self, loss) -> int:
        P = self.n_params
        return 8 * (3 * P * P + 2 * P * int(np.prod(self.output_shape)))

    # -- scales --------------------------------------------------------------------------------
    def scale(self, theta: Point) -> ModelScale:
        """Default: Frobenius norms of the Jacobian blocks (≥ their operator norms) and
        ``max(‖F(θ)‖, max_k ‖J_k‖‖θ_k‖)`` as the size of F's terms."""
        J = self.jacobian(theta)
        o = self.layout.offsets
        norms = tuple(float(np.linalg.norm(B)) for B in theta)
        factors = tuple(float(np.linalg.norm(J[:, o[k]:o[k + 1]])) for k in range(len(theta)))
        size = max([float(np.linalg.norm(self.forward(theta)))]
                   + [f * n for f, n in zip(factors, norms, strict=True)])
        return ModelScale(size, factors, norms)

    def balance_scales(self, theta: Point) -> np.ndarray:
        """Per-parameter D with the Hessian decided on ``D∇²L D`` (default: no scaling)."""
        return np.ones(self.n_params)

    # -- declared structure (defaults: none) ----------------------------------------------------
    @property
    def image(self) -> DeterminantalImage | None:
        return None

    @property
    def image_reason(self) -> str:
        return f"{type(self).__name__} declares no image (M_r)"

    def global_minimum_report(self, loss):
        """``(GlobalMinimum | None, reason)``: an oracle over the declared image."""
        img = self.image
        if img is None:
            return None, f"{type(self).__name__} declares no image, so no global-minimum oracle"
        from dlnscape.functional.global_minimum import global_minimum_report

        rep = global_minimum_report(loss, img.as_architecture())
        return rep.minimum, rep.reason

    def fiber_moves(self, theta: Point, rng=None, delta: float = 1.0, per_kernel: int = 1):
        """Loss-preserving moves inside F⁻¹(F(θ)) (None: not declared)."""
        return None

    def orbit_tangent(self, theta: Point):
        """An orthonormal basis (P × q) of a symmetry orbit's tangent at θ (None: none)."""
        return None

    def nonsmooth_reason(self, theta: Point) -> str | None:
        """Why F is not twice differentiable at θ (None: it is)."""
        return None

    @property
    def linear_network(self):
        """The :class:`~dlnscape.models.linear.LinearNetwork` this model *is* (rank profiles,
        pure points, lifts, fibers of μ_d apply), or None."""
        return None

    def to_dict(self) -> dict:
        return {"model": type(self).__name__}


def _jet_curve(model: Parametrization, theta: Point, curve: Sequence[Point],
               order: int) -> list[np.ndarray]:
    from jax.experimental import jet

    from dlnscape.jax_support import jnp

    key = ("jet", len(curve), order)
    cache = model.__dict__.setdefault("_jet_cache", {})
    if key not in cache:
        import jax

        def fn(th, cv):
            def g(t):
                pts = tuple(th[i] + sum(cv[k][i] * t ** (k + 1) for k in range(len(cv)))
                            for i in range(len(th)))
                return model.jax_forward(pts)

            z0 = g(jnp.asarray(0.0))
            if order == 0:
                return [z0]
            series = [jnp.asarray(1.0)] + [jnp.asarray(0.0)] * (order - 1)
            _, derivs = jet.jet(g, (jnp.asarray(0.0),), (series,))
            return [z0] + [derivs[k - 1] / math.factorial(k) for k in range(1, order + 1)]

        cache[key] = jax.jit(fn)
    out = cache[key](tuple(theta), tuple(tuple(c) for c in curve))
    return [np.asarray(z, dtype=np.float64) for z in out]
