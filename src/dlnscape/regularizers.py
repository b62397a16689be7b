"""Regularizers: a term ``R(θ)`` added to a landscape, ``L(θ) = l(F(θ)) + R(θ)``.

``Landscape(model, loss, regularizer=HadamardL2(lambdas))`` adds R to every oracle (value,
gradient, Hessian-vector products, dense Hessian, Taylor coefficients along polynomial curves,
the ball and exact rational evaluations behind certificates).

:class:`HadamardL2` is the generalised Tikhonov (Hadamard, "generalised L2") regularizer of
Mehta, Chen, Tang and Hauenstein, "The loss surface of deep linear networks viewed through the
algebraic geometry lens", IEEE TPAMI 2022 (arXiv:1810.07716), eq. (3)::

    R(θ) = Σ_i ‖Λ_i ∘ W_i‖²_F = Σ_i Σ_{j,k} (λ_{i,jk} w_{i,jk})²

with ∘ the Hadamard (entrywise) product. **Convention**: the weights multiply the entries
*inside* the square (``Λ ∘ W``), so entry (j, k) of block i contributes ``λ² w²``, and there is
no factor ½ in front. So ``HadamardL2(λ)`` with a scalar is ``λ²‖θ‖²`` (weight decay with
coefficient λ²), its gradient is ``2Λ_i² ∘ W_i`` and its Hessian the constant diagonal
``2Λ²`` (packed order). Because λ enters squared, any finite real λ is accepted (its sign is
irrelevant; R ≥ 0 always); λ = 0 entries leave their weights unregularized, and an all-zero Λ
gives exactly the unregularized landscape.

What a regularizer changes for classification (``dlnscape.critical``): R is added to every
derivative, so curvature, Taylor and escape certificates include it automatically; arguments
that are about ``l`` on the image of F do not hold for ``l ∘ F + R`` and are skipped with the
reason in the verdict — the global-minimum oracle ``min_{M_r} l`` (Eckart–Young), the
pure-point proof and the pure/spurious type (Trager et al. 2020), and fiber moves (the GL
orbit is no longer a symmetry: ``R`` is not constant on fibers of F).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from numbers import Real

import numpy as np

from dlnscape.architecture import Point
from dlnscape.errors import DlnscapeError


class RegularizerError(DlnscapeError, ValueError):
    """Regularization weights that are not valid (shape, finiteness, type)."""


class Regularizer:
    """A term ``R(θ)`` of a landscape ``L = l ∘ F + R`` on the model's parameter blocks.

    Subclasses provide :meth:`value`, :meth:`grad`, :meth:`hvp`, :meth:`hessian_diagonal` (or
    override :meth:`hessian`), :meth:`curve_taylor` (exact when ``is_polynomial``),
    :meth:`jax_value`, :meth:`check_layout`, :meth:`to_dict` and :attr:`is_zero`. The
    defaults here build the dense Hessian and straight-line Taylor coefficients from those.
    """

    kind = "regularizer"
    #: R is a polynomial in θ of degree ``degree`` (None: not polynomial)
    is_polynomial = True
    degree: int | None = 2
    #: ball (python-flint ``arb``) and exact rational evaluation are available
    ball_arithmetic = False

    # -- validation ----------------------------------------------------------------------------
    def check_layout(self, layout) -> None:  # pragma: no cover - subclasses define
        """Raise :class:`RegularizerError` (naming the block) when the weights do not fit the
        model's parameter blocks ``layout.shapes``."""
        raise NotImplementedError

    @property
    def is_zero(self) -> bool:  # pragma: no cover - subclasses define
        """True when R vanishes identically (the landscape is then exactly unregularized)."""
        raise NotImplementedError

    # -- oracles -------------------------------------------------------------------------------
    def value(self, theta: Sequence[np.ndarray]) -> float:  # pragma: no cover
        raise NotImplementedError

    def grad(self, theta: Sequence[np.ndarray]) -> Point:  # pragma: no cover
        raise NotImplementedError

    def hvp(self, theta: Sequence[np.ndarray], dtheta: Sequence[np.ndarray]) -> Point:
        raise NotImplementedError  # pragma: no cover

    def hessian_diagonal(self, theta: Sequence[np.ndarray]) -> np.ndarray:  # pragma: no cover
        raise NotImplementedError

    def hessian(self, theta: Sequence[np.ndarray]) -> np.ndarray:
        """The dense ``∇²R(θ)`` in packed order (diagonal by default)."""
        return np.diag(self.hessian_diagonal(theta))

    def curve_taylor(self, theta: Sequence[np.ndarray], curve: Sequence[Sequence[np.ndarray]],
                     order: int | None = None) -> np.ndarray:  # pragma: no cover
        """Coefficients of ``R(θ + tθ_1 + … + t^qθ_q)``."""
        raise NotImplementedError

    def taylor(self, theta: Sequence[np.ndarray], direction: Sequence[np.ndarray],
               order: int | None = None) -> np.ndarray:
        """Coefficients ``c_0, c_1, c_2`` (padded with exact zeros up to ``order``) of
        ``R(θ + tθ̇)``: an exact polynomial of degree 2 for a quadratic R."""
        return self.curve_taylor(theta, [direction], order)

    def jax_value(self, theta):  # pragma: no cover - subclasses define
        """``R(θ)`` in JAX (for references and autodiff)."""
        raise NotImplementedError

    def scale(self, theta: Sequence[np.ndarray]) -> tuple[float, tuple[float, ...]]:
        """``(size of the terms of R(θ), per-block size of the terms of ∇_{θ_k}R)`` — what the
        tolerance policy adds to the loss's scales (``dlnscape.tolerances.point_scale``)."""
        g = self.grad(theta)
        return abs(float(self.value(theta))), tuple(float(np.linalg.norm(x)) for x in g)

    def to_dict(self) -> dict:  # pragma: no cover - subclasses define
        raise NotImplementedError



def _block_name(i: int, layout) -> str:
    names = tuple(getattr(layout, "names", ()) or getattr(layout, "block_names", ()) or ())
    if i < len(names) and names[i]:
        return f"{names[i]} (block {i})"
    return f"W_{i + 1} (block {i})"


class HadamardL2(Regularizer):
    """``R(θ) = Σ_i ‖Λ_i ∘ W_i‖²_F = Σ_i Σ_{jk} λ_{i,jk}² w_{i,jk}²`` (Mehta, Chen, Tang and
    Hauenstein 2022, eq. (3); Hadamard product inside the square, no ½).

    ``lambdas``: one real number for every entry of every block, or a tuple (list) with one
    array per parameter block, each of that block's shape (a number in the tuple stands for a
    constant block). Entries must be finite reals; their sign is irrelevant (they enter
    squared). Shapes are checked against the model when the landscape is built
    (:meth:`check_layout`, called by ``Landscape.__post_init__``).
    """

    kind = "hadamard_l2"
    ball_arithmetic = True

    def __init__(self, lambdas) -> None:
        if isinstance(lambdas, bool):
            raise RegularizerError(f"lambdas: expected a real number or a tuple of arrays "
                                   f"(one per parameter block), got {lambdas!r}")
        if isinstance(lambdas, (Real, np.floating, np.integer)) or (
                isinstance(lambdas, np.ndarray) and lambdas.ndim == 0):
            lam = float(lambdas)
            if not math.isfinite(lam):
                raise RegularizerError(f"lambdas: expected a finite real number, got {lambdas!r}")
            self._scalar: float | None = lam
            self._blocks: tuple[np.ndarray, ...] | None = None
            return
        if isinstance(lambdas, np.ndarray):
            raise RegularizerError(
                "lambdas: expected a real number or a tuple with one array per parameter block, "
                f"got one array of shape {lambdas.shape} (wrap it: (Lambda_1, …, Lambda_h))")
        if not isinstance(lambdas, (tuple, list)) or not lambdas:
            raise RegularizerError(f"lambdas: expected a real number or a non-empty tuple of "
                                   f"arrays (one per parameter block), got {lambdas!r}")
        blocks = []
        for i, L in enumerate(lambdas):
            if isinstance(L, bool):
                raise RegularizerError(f"lambdas[{i}]: expected an array of reals, got {L!r}")
            if np.iscomplexobj(L):
                raise RegularizerError(f"lambdas[{i}]: expected real entries, got complex ones")
            try:
                a = np.array(L, dtype=np.float64)
            except (TypeError, ValueError):
                raise RegularizerError(
                    f"lambdas[{i}]: expected an array of real numbers, got {L!r}") from None
            if not np.all(np.isfinite(a)):
                raise RegularizerError(f"lambdas[{i}]: expected finite entries (no NaN or inf)")
            a.setflags(write=False)
            blocks.append(a)
        self._scalar = None
        self._blocks = tuple(blocks)

    # -- the weights -----------------------------------------------------------------------------
    @property
    def lambdas(self) -> float | tuple[np.ndarray, ...]:
        """The weights as given: one float, or one array per block."""
        return self._scalar if self._scalar is not None else self._blocks

    def lam(self, i: int) -> float | np.ndarray:
        """Λ_i (a float when constant), broadcastable against block i."""
        if self._scalar is not None:
            return self._scalar
        return self._blocks[i]

    def lambda_arrays(self, theta: Sequence[np.ndarray]) -> tuple[np.ndarray, ...]:
        """Λ_i broadcast to the shape of each block of θ (float64 arrays)."""
        return tuple(np.broadcast_to(np.asarray(self.lam(i), dtype=np.float64), np.shape(W))
                     for i, W in enumerate(theta))

    def check_layout(self, layout) -> None:
        shapes = tuple(tuple(int(s) for s in sh) for sh in layout.shapes)
        if self._blocks is None:
            return
        if len(self._blocks) != len(shapes):
            raise RegularizerError(
                f"regularizer.lambdas: expected {len(shapes)} arrays, one per parameter block "
                f"(shapes {[list(s) for s in shapes]}), got {len(self._blocks)}")
        for i, (a, sh) in enumerate(zip(self._blocks, shapes, strict=True)):
            if a.ndim == 0:
                continue
            if a.shape != sh:
                raise RegularizerError(
                    f"regularizer.lambdas[{i}]: expected the shape {sh} of {_block_name(i, layout)}"
                    f", got {a.shape}")

    @property
    def is_zero(self) -> bool:
        if self._scalar is not None:
            return self._scalar == 0.0
        return all(not np.any(a) for a in self._blocks)

    # -- oracles -------------------------------------------------------------------------------
    def value(self, theta: Sequence[np.ndarray]) -> float:
        """``Σ_i ‖Λ_i ∘ W_i‖²_F``."""
        return float(sum(float(np.sum((self.lam(i) * np.asarray(W)) ** 2))
                         for i, W in enumerate(theta)))

    def grad(self, theta: Sequence[np.ndarray]) -> Point:
        """``(2Λ_i² ∘ W_i)_i``."""
        return tuple(2.0 * (self.lam(i) ** 2) * np.asarray(W, dtype=np.float64)
                     for i, W in enumerate(theta))

    def hvp(self, theta: Sequence[np.ndarray], dtheta: Sequence[np.ndarray]) -> Point:
        """``∇²R[θ̇] = (2Λ_i² ∘ Ẇ_i)_i`` (independent of θ)."""
        return self.grad(dtheta)

    def hessian_diagonal(self, theta: Sequence[np.ndarray]) -> np.ndarray:
        """The diagonal ``2Λ²`` of the (constant, diagonal) Hessian, in packed order."""
        return np.concatenate([np.ravel(2.0 * L**2) for L in self.lambda_arrays(theta)])

    def curve_taylor(self, theta: Sequence[np.ndarray], curve: Sequence[Sequence[np.ndarray]],
                     order: int | None = None) -> np.ndarray:
        """Exact coefficients of ``R(θ + Σ_{k=1}^q t^k θ_k) = Σ_{a,b} t^{a+b} ⟨Λ∘C_a, Λ∘C_b⟩``
        (``C_0 = θ``, ``C_k = θ_k``): a polynomial of degree 2q; ``order`` truncates or pads
        with exact zeros."""
        q = len(curve)
        lams = self.lambda_arrays(theta)
        S = [np.concatenate([np.ravel(L * np.asarray(D)) for L, D in zip(lams, c, strict=True)])
             for c in [theta, *curve]]
        M = np.stack(S)
        gram = M @ M.T
        K = 2 * q if order is None else int(order)
        out = np.zeros(max(K, 2 * q) + 1)
        for a in range(q + 1):
            for b in range(q + 1):
                out[a + b] += gram[a, b]
        return out[: K + 1]

    def gradient_series(self, theta: Sequence[np.ndarray], U: Sequence[np.ndarray], deg: int
                        ) -> list[tuple[np.ndarray, ...]]:
        """Coefficients of ``∇R(θ + sU)`` in s for a batch of directions (``U[i]`` of shape
        ``(B,) + block shape``): ``2Λ²θ``, ``2Λ²U``, then zeros."""
        B = U[0].shape[0]
        out = []
        for d in range(deg + 1):
            blocks = []
            for i, (W, Ui) in enumerate(zip(theta, U, strict=True)):
                sq = 2.0 * self.lam(i) ** 2
                if d == 0:
                    blocks.append(np.broadcast_to(sq * np.asarray(W), (B,) + np.shape(W)))
                elif d == 1:
                    blocks.append(sq * np.asarray(Ui))
                else:
                    blocks.append(np.zeros((B,) + np.shape(W)))
            out.append(tuple(blocks))
        return out

    def jax_value(self, theta):
        from dlnscape.jax_support import jnp

        return sum(jnp.sum((jnp.asarray(np.asarray(self.lam(i), dtype=np.float64)) * W) ** 2)
                   for i, W in enumerate(theta))

    def scale(self, theta: Sequence[np.ndarray]) -> tuple[float, tuple[float, ...]]:
        """R's terms are the non-negative squares themselves (their size is R(θ)); the terms of
        ``∇_{θ_k}R`` are ``2λ²w``."""
        return self.value(theta), tuple(float(np.linalg.norm(g)) for g in self.grad(theta))

    # -- serialisation -------------------------------------------------------------------------
    def to_dict(self) -> dict:
        """``{"kind": "hadamard_l2", "lambda": x}`` or ``{"kind": …, "lambdas": [[…], …]}`` (the
        SPEC ``[regularizer]`` table; floats round-trip exactly through JSON)."""
        if self._scalar is not None:
            return {"kind": self.kind, "lambda": self._scalar}
        return {"kind": self.kind,
                "lambdas": [a.tolist() if a.ndim else float(a) for a in self._blocks]}

    @classmethod
    def from_dict(cls, d: dict) -> HadamardL2:
        if not isinstance(d, dict) or d.get("kind", cls.kind) != cls.kind:
            raise RegularizerError(f"regularizer: expected kind = {cls.kind!r}, got {d!r}")
        has_s, has_b = "lambda" in d, "lambdas" in d
        if has_s == has_b:
            raise RegularizerError("regularizer: give exactly one of lambda = x (every entry) "
                                   "or lambdas = [Λ_1, …, Λ_h] (one array per block)")
        return cls(d["lambda"] if has_s else tuple(d["lambdas"]))

    def __repr__(self) -> str:
        if self._scalar is not None:
            return f"HadamardL2({self._scalar!r})"
        return f"HadamardL2(<{len(self._blocks)} blocks: {[list(a.shape) for a in self._blocks]}>)"


REGULARIZERS = {HadamardL2.kind: HadamardL2}


def regularizer_from_dict(d: dict) -> Regularizer:
    """A regularizer from its ``to_dict()`` (dispatch on ``kind``)."""
    if not isinstance(d, dict) or "kind" not in d:
        raise RegularizerError("regularizer: expected a table with kind = "
                               f"{' | '.join(repr(k) for k in REGULARIZERS)}")
    cls = REGULARIZERS.get(d["kind"])
    if cls is None:
        raise RegularizerError(f"regularizer.kind: expected one of {sorted(REGULARIZERS)}, "
                               f"got {d['kind']!r}")
    return cls.from_dict(d)


def as_regularizer(obj) -> Regularizer | None:
    """None, a :class:`Regularizer`, or its dict form."""
    if obj is None or isinstance(obj, Regularizer):
        return obj
    if isinstance(obj, dict):
        return regularizer_from_dict(obj)
    raise RegularizerError(f"regularizer: expected a dlnscape Regularizer such as "
                           f"HadamardL2(lambdas), got {obj!r}")
