"""Architectures of deep linear networks and points in their parameter space.

Conventions (fixed here, once, for the whole package):

* ``Architecture(widths)`` takes the widths ``(d_0, ..., d_h)``, input first.  Layer ``i``
  (1-based) is ``W_i ∈ R^{d_i × d_{i-1}}``.
* A point ``theta`` is a tuple ``(W_1, ..., W_h)``: the first layer first.
* :func:`pack` flattens a point into one vector of length ``n_params``: ``W_1`` first, each
  matrix in row-major order (``np.ravel``); :func:`unpack` is its inverse.
* ``r = min(widths)``; the architecture is *filling* iff ``r == min(d_0, d_h)``
  (Trager et al. 2020, §2); ``bottlenecks = {i : 0 < i < h, d_i == r}``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from dlnscape.errors import ArchitectureError, PointError

Point = tuple[np.ndarray, ...]


@dataclass(frozen=True)
class Architecture:
    """Widths ``(d_0, ..., d_h)`` of a deep linear network, input first."""

    widths: tuple[int, ...]

    def __init__(self, widths: Sequence[int]) -> None:
        try:
            ws = tuple(widths)
        except TypeError:
            raise ArchitectureError(
                f"widths: expected a sequence of positive integers, got {widths!r}"
            ) from None
        if len(ws) < 2:
            raise ArchitectureError(
                f"widths: expected at least 2 widths (d_0, d_1), got {len(ws)}: {ws!r}"
            )
        clean = []
        for i, w in enumerate(ws):
            if isinstance(w, bool) or not isinstance(w, (int, np.integer)):
                if isinstance(w, (float, np.floating)) and float(w).is_integer():
                    w = int(w)
                else:
                    raise ArchitectureError(
                        f"widths[{i}]: expected a positive integer, got {w!r}"
                    )
            if w <= 0:
                raise ArchitectureError(f"widths[{i}]: expected a positive integer, got {w}")
            clean.append(int(w))
        object.__setattr__(self, "widths", tuple(clean))

    @property
    def h(self) -> int:
        """Number of layers."""
        return len(self.widths) - 1

    @property
    def r(self) -> int:
        """``min_i d_i``: the largest rank an end-to-end matrix can have."""
        return min(self.widths)

    @property
    def d_in(self) -> int:
        return self.widths[0]

    @property
    def d_out(self) -> int:
        return self.widths[-1]

    @property
    def filling(self) -> bool:
        """True iff ``r = min(d_0, d_h)``: the image of μ is all of R^{d_h×d_0}."""
        return self.r == min(self.d_in, self.d_out)

    @property
    def bottlenecks(self) -> tuple[int, ...]:
        """Hidden layers ``i`` (0 < i < h) with ``d_i == r`` (Trager et al. 2020, Thm 5)."""
        return tuple(i for i in range(1, self.h) if self.widths[i] == self.r)

    @property
    def shapes(self) -> tuple[tuple[int, int], ...]:
        """Shapes of ``W_1, ..., W_h``."""
        return tuple((self.widths[i + 1], self.widths[i]) for i in range(self.h))

    @property
    def end_to_end_shape(self) -> tuple[int, int]:
        return (self.d_out, self.d_in)

    @cached_property
    def offsets(self) -> tuple[int, ...]:
        """Start of each layer in the packed vector, plus the total at the end."""
        out = [0]
        for m, n in self.shapes:
            out.append(out[-1] + m * n)
        return tuple(out)

    @property
    def n_params(self) -> int:
        return self.offsets[-1]

    def __repr__(self) -> str:
        return f"Architecture({list(self.widths)})"


def positive_int(x: object, name: str) -> int:
    """``x`` as a positive int (an integral float is accepted); ArchitectureError naming ``name``
    otherwise."""
    if isinstance(x, bool) or not isinstance(x, (int, np.integer)):
        if isinstance(x, (float, np.floating)) and float(x).is_integer() and x > 0:
            return int(x)
        raise ArchitectureError(f"{name}: expected a positive integer, got {x!r}")
    if x <= 0:
        raise ArchitectureError(f"{name}: expected a positive integer, got {x}")
    return int(x)


def check_point(arch: Architecture, theta: Sequence[np.ndarray], name: str = "theta") -> Point:
    """Validate ``theta`` against ``arch`` and return it as a tuple of float64 arrays.

    Raises :class:`PointError` naming the layer and what was expected.
    """
    if isinstance(theta, np.ndarray) and theta.ndim == 1:
        raise PointError(
            f"{name}: expected a tuple of {arch.h} matrices (W_1, ..., W_h); got a flat vector "
            f"— use dlnscape.unpack(arch, vector) first"
        )
    try:
        layers = list(theta)
    except TypeError:
        raise PointError(
            f"{name}: expected a tuple of {arch.h} matrices (W_1, ..., W_h), "
            f"got {type(theta).__name__}"
        ) from None
    if len(layers) != arch.h:
        raise PointError(
            f"{name}: expected {arch.h} layers for {arch!r}, got {len(layers)}"
        )
    out = []
    for i, (W, shape) in enumerate(zip(layers, arch.shapes, strict=True), start=1):
        W = as_float_matrix(W, f"{name}[{i - 1}] (W_{i})", shape)
        out.append(W)
    return tuple(out)


def as_float_matrix(
    a: object, name: str, shape: tuple[int, ...] | None = None, *, ndim: int = 2
) -> np.ndarray:
    """Convert ``a`` to a finite float64 array, checking its shape; errors name ``name``."""
    if (
        type(a) is np.ndarray
        and a.dtype == np.float64
        and (a.shape == tuple(shape) if shape is not None else a.ndim == ndim)
        and np.isfinite(a).all()
    ):
        return a  # fast path for the common case: the oracles validate every call
    arr = np.asarray(a)
    if arr.dtype == object or not (
        np.issubdtype(arr.dtype, np.floating)
        or np.issubdtype(arr.dtype, np.integer)
        or arr.dtype == bool
    ):
        raise PointError(f"{name}: expected a real numeric array, got dtype {arr.dtype}")
    if np.issubdtype(arr.dtype, np.floating) and arr.dtype.itemsize < 8:
        raise PointError(
            f"{name}: expected float64 (dlnscape computes in float64 only), got {arr.dtype}; "
            f"convert with .astype(np.float64) if the loss of precision is intended"
        )
    arr = arr.astype(np.float64, copy=False)
    if shape is not None and arr.shape != tuple(shape):
        raise PointError(f"{name}: expected shape {tuple(shape)}, got {arr.shape}")
    if shape is None and arr.ndim != ndim:
        raise PointError(f"{name}: expected a {ndim}-d array, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        bad = np.argwhere(~np.isfinite(arr))[0]
        raise PointError(
            f"{name}: expected finite entries, found {arr[tuple(bad)]} at {tuple(bad)}"
        )
    return arr


def pack(theta: Sequence[np.ndarray]) -> np.ndarray:
    """Flatten a point: ``W_1`` first, each row-major."""
    return np.concatenate([np.ravel(np.asarray(W, dtype=np.float64)) for W in theta])


def unpack(arch: Architecture, vector: np.ndarray, *, name: str = "vector") -> Point:
    """Inverse of :func:`pack` (the layers are views into ``vector`` when it is float64).

    ``name`` is the argument named in error messages.
    """
    v = np.asarray(vector)
    if v.ndim != 1 or v.shape[0] != arch.n_params:
        raise PointError(
            f"{name}: expected a 1-d array of length n_params={arch.n_params} for {arch!r}, "
            f"got shape {v.shape}"
        )
    v = as_float_matrix(v, name, (arch.n_params,))
    o = arch.offsets
    return tuple(v[o[i] : o[i + 1]].reshape(arch.shapes[i]) for i in range(arch.h))


def random_point(
    arch: Architecture, rng: np.random.Generator | int | None = None, scale: float | None = None
) -> Point:
    """A Gaussian point; ``scale`` defaults to ``1/sqrt(d_{i-1})`` per layer (variance
    preserving). ``rng``: None, a seed ≥ 0 or a Generator (:func:`dlnscape.validate.check_rng`);
    a point above the default memory budget is refused before anything is drawn."""
    from dlnscape.validate import DEFAULT_MEMORY_BUDGET, check_memory, check_rng

    rng = check_rng(rng)
    if scale is not None and (not np.isfinite(scale) or scale < 0):
        raise PointError(f"scale: expected a finite non-negative number, got {scale}")
    check_memory(8 * int(arch.n_params), f"random_point: a point of {arch!r} "
                 f"(P={arch.n_params} parameters)", DEFAULT_MEMORY_BUDGET, "; use smaller widths")
    return tuple(
        rng.standard_normal((m, n)) * (scale if scale is not None else 1.0 / np.sqrt(n))
        for m, n in arch.shapes
    )


def end_to_end(theta: Sequence[np.ndarray]) -> np.ndarray:
    """``W = W_h ⋯ W_1``."""
    W = theta[0]
    for Wi in theta[1:]:
        W = Wi @ W
    return W


def prefix_products(theta: Sequence[np.ndarray]) -> list[np.ndarray]:
    """``P[k] = W_k ⋯ W_1`` for k = 0..h, with ``P[0] = I_{d_0}`` (so ``W_{<i} = P[i-1]``)."""
    d0 = theta[0].shape[1]
    out = [np.eye(d0)]
    for W in theta:
        out.append(W @ out[-1])
    return out


def suffix_products(theta: Sequence[np.ndarray]) -> list[np.ndarray]:
    """``S[k] = W_h ⋯ W_{k+1}`` for k = 0..h, with ``S[h] = I_{d_h}`` (so ``W_{>i} = S[i]``)."""
    h = len(theta)
    dh = theta[-1].shape[0]
    out: list[np.ndarray] = [np.empty(0)] * (h + 1)
    out[h] = np.eye(dh)
    for k in range(h - 1, -1, -1):
        out[k] = out[k + 1] @ theta[k]
    return out
