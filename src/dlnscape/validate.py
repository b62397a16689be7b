"""Validation of the arguments every entry point shares: seeds, random generators, sizes and
memory.

The CLI and the API call the same functions, so ``--seed -1``, ``point.seed = -5`` in a SPEC
and ``classify(..., rng=-1)`` give the same message, naming the argument:

* :func:`check_seed` — an integer ≥ 0 (what ``np.random.default_rng`` accepts as a seed);
* :func:`check_rng` — None, a seed, a sequence of seeds, a ``SeedSequence``, a
  ``BitGenerator`` or a ``Generator``; returns a ``Generator``;
* :func:`check_size` — a positive (or non-negative) integer such as a number of data columns;
* :func:`check_memory` — one estimate of the bytes an allocation needs, compared with a
  budget *before* allocating (:class:`~dlnscape.errors.MemoryBudgetError` saying how many GiB).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from dlnscape.errors import MemoryBudgetError, ValidationError

GIB = 1024**3
#: default memory budget of dense objects (bytes): points, loss data, Hessians, Jacobians
#: (``Landscape.memory_budget``; also ``dlnscape.landscape.DEFAULT_MEMORY_BUDGET``)
DEFAULT_MEMORY_BUDGET = 2 * GIB

__all__ = ["DEFAULT_MEMORY_BUDGET", "GIB", "check_memory", "check_rng", "check_seed",
           "check_size", "format_bytes"]


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
