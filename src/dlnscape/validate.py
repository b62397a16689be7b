"""Validation of the arguments every entry point shares: seeds, random generators, sizes and
memory.

The CLI and the API call the same functions, so ``--seed -1``, ``point.seed = -5`` in a SPEC
and ``classify(..., rng=-1)`` give the same message, naming the argument:

* :func:`check_seed` — an integer ≥ 0 (what ``np.random.default_rng`` accepts as a seed);
* :func:`check_rng` — None, a seed, a sequence of seeds, a ``SeedSequence``, a
  ``BitGenerator`` or a ``Generator``; returns a ``Generator``;
* :func:`check_size` — a positive (or non-negative) integer such as a number of data columns;
* :func:`check_memory` — one estimate of the bytes an allocation needs, compared with a
  budget *before* allocating (:class:`~dlnscape.errors.MemoryBudgetError` saying how many GiB);
* :func:`check_products_finite` — a point whose entries are finite and whose products (and
  their squares: the loss, Gram matrices, Hessians) do not overflow float64, checked before
  any linear algebra (:class:`~dlnscape.errors.PointError` naming the argument).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from dlnscape.errors import MemoryBudgetError, PointError, ValidationError

GIB = 1024**3
#: default memory budget of dense objects (bytes): points, loss data, Hessians, Jacobians
#: (``Landscape.memory_budget``; also ``dlnscape.landscape.DEFAULT_MEMORY_BUDGET``)
DEFAULT_MEMORY_BUDGET = 2 * GIB

__all__ = ["DEFAULT_MEMORY_BUDGET", "GIB", "PRODUCT_NORM_LIMIT", "check_memory",
           "check_products_finite", "check_rng", "check_seed", "check_size", "format_bytes"]

#: the largest bound ``∏ max(1, ‖B_i‖_F)`` on the norm of any product of a point's blocks that
#: :func:`check_products_finite` accepts: the squares of such products (the loss, ``JᵀJ``,
#: Hessian blocks) then stay below float64's maximum (1.8e308) with a margin of 1e8
PRODUCT_NORM_LIMIT = 1e150


def _is_int(value: object) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def check_seed(value: object, name: str = "seed") -> int:
    """``value`` as a seed: an integer ≥ 0; a :class:`ValidationError` naming ``name``
    otherwise (``-1``, ``'x'``, ``1.5``, ``True``)."""
    if not _is_int(value) or int(value) < 0:
        raise ValidationError(f"{name}: expected a non-negative integer seed, got {value!r}")
    return int(value)


def check_rng(rng: object, name: str = "rng") -> np.random.Generator:
    """A ``np.random.Generator`` from ``rng``: None (fresh entropy), a seed (integer ≥ 0), a
    sequence of seeds, a ``SeedSequence``, a ``BitGenerator`` or a ``Generator`` (returned
    as is); a :class:`ValidationError` naming ``name`` otherwise."""
    if rng is None or isinstance(rng, (np.random.SeedSequence, np.random.BitGenerator)):
        return np.random.default_rng(rng)
    if isinstance(rng, np.random.Generator):
        return rng
    if _is_int(rng):
        return np.random.default_rng(check_seed(rng, name))
    if isinstance(rng, Sequence) and not isinstance(rng, (str, bytes)) and rng and all(
            _is_int(s) and int(s) >= 0 for s in rng):
        return np.random.default_rng([int(s) for s in rng])
    raise ValidationError(
        f"{name}: expected None, a non-negative integer seed, a sequence of them or a "
        f"numpy.random.Generator, got {rng!r}")


def check_size(value: object, name: str, *, minimum: int = 1, what: str = "") -> int:
    """``value`` as an integer ≥ ``minimum`` (default: a positive integer); ``what`` says what
    it counts, for the message (``"data columns"``)."""
    if not _is_int(value) or int(value) < minimum:
        if what:
            kind = (f"a positive number of {what}" if minimum == 1
                    else f"a number ≥ {minimum} of {what}")
        else:
            kind = "a positive integer" if minimum == 1 else f"an integer ≥ {minimum}"
        raise ValidationError(f"{name}: expected {kind}, got {value!r}")
    return int(value)


def format_bytes(nbytes: float) -> str:
    """``nbytes`` in GiB (MiB below one GiB), e.g. ``'74.5 GiB'``, ``'5.6e+09 GiB'``."""
    gib = nbytes / GIB
    if gib < 1:
        return f"{nbytes / 1024**2:.1f} MiB"
    return f"{gib:.1f} GiB" if gib < 1e6 else f"{gib:.2g} GiB"


def check_memory(nbytes: int, what: str, budget: int, hint: str = "") -> None:
    """Refuse an allocation of ``nbytes`` bytes above ``budget``: a
    :class:`~dlnscape.errors.MemoryBudgetError` ``"{what} needs about N GiB, above the memory
    budget of B GiB{hint}"``. Call it before allocating, with an estimate computed from
    shapes only (Python integers, no overflow)."""
    if nbytes > budget:
        raise MemoryBudgetError(
            f"{what} needs about {format_bytes(nbytes)}, above the memory budget of "
            f"{format_bytes(budget)}{hint}")


def check_products_finite(blocks: Sequence, name: str = "theta", *,
                          limit: float = PRODUCT_NORM_LIMIT) -> None:
    """Refuse a point whose entries are not finite or whose products could overflow float64.

    ``blocks`` are the point's (validated) arrays ``(W_1, …, W_h)``. Every product of some of
    them (``W``, ``W_{<i}``, ``W_{>i}``, the Jacobian's blocks) has Frobenius norm at most
    ``∏ max(1, ‖W_i‖_F)``; the derivatives and spectra computed from the point square such
    products, so that bound must stay below ``limit`` (default :data:`PRODUCT_NORM_LIMIT`).
    The bound is computed in logarithms (it cannot overflow itself). A
    :class:`~dlnscape.errors.PointError` naming ``name`` otherwise, before any linear algebra
    (numpy would fail deep inside an SVD or an eigensolver, or return nan).
    """
    log_bound = 0.0
    largest, where = 0.0, 0
    for i, B in enumerate(blocks):
        a = np.asarray(B, dtype=np.float64)
        if a.size == 0:
            continue
        if not np.all(np.isfinite(a)):
            bad = tuple(int(k) for k in np.argwhere(~np.isfinite(a))[0])
            raise PointError(f"{name}[{i}]: expected finite entries, found {a[bad]} at {bad}")
        m = float(np.max(np.abs(a)))
        if m == 0.0:
            continue
        if m > largest:
            largest, where = m, i
        log_norm = np.log10(m) + np.log10(float(np.linalg.norm(a / m)))  # ‖a‖_F, scaled
        log_bound += max(0.0, float(log_norm))
    if log_bound > np.log10(limit):
        raise PointError(
            f"{name}: expected finite entries whose products do not overflow float64; "
            f"∏ max(1, ‖{name}[i]‖_F) ≈ 1e{log_bound:.0f} is above the limit {limit:.0e}, past "
            f"which the squared products in the loss, JᵀJ and the Hessian can be not finite in "
            f"float64 (it ends at 1.8e308); largest entry {largest:.3g} in {name}[{where}] — "
            f"rescale the point")
