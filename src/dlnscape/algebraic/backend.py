"""The interface every solver behind :func:`dlnscape.algebraic.critical_points_on_Mr` provides.

A backend (:class:`Backend`) has a ``name``, says whether it can run here (``unavailable()``:
None, or why not), and solves one loss (``solve``) or many of one family (``solve_many``;
batched where the backend can do better than a loop). :class:`BackendBase` gives the loop.
The table of backends lives in :mod:`dlnscape.algebraic.solve`, which imports the modules that
define them (``msolve_backend``, ``homotopy_backend``, ``phc``); none of them imports
``solve``, so there is no import cycle.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:  # annotations only
    from dlnscape.algebraic.result import CriticalPointsOnMr


@runtime_checkable
class Backend(Protocol):
    """A solver of ``critical_points_on_Mr(loss, r, backend=name)``."""

    name: str

    def unavailable(self) -> str | None:
        """None when the backend can run here, else the reason (a missing binary, …)."""

    def solve(self, loss, r: int, *, rng=0, timeout: float = 600.0,
              cache_dir=None) -> CriticalPointsOnMr:
        """Every complex critical point of ``loss`` on the smooth part of ``M_r``."""

    def solve_many(self, losses: Sequence, r: int, *, rng=0, timeout: float = 600.0,
                   cache_dir=None) -> list[CriticalPointsOnMr]:
        """:meth:`solve` for each loss (same shape family), in order."""


class BackendBase:
    """Defaults for a :class:`Backend`: always available, ``solve_many`` loops."""

    name = "?"

    def unavailable(self) -> str | None:
        return None

    def solve(self, loss, r: int, *, rng=0, timeout: float = 600.0,
              cache_dir=None) -> CriticalPointsOnMr:  # pragma: no cover - subclasses define
        raise NotImplementedError

    def solve_many(self, losses: Sequence, r: int, *, rng=0, timeout: float = 600.0,
                   cache_dir=None) -> list[CriticalPointsOnMr]:
        return [self.solve(L, r, rng=rng, timeout=timeout, cache_dir=cache_dir) for L in losses]

    def __repr__(self) -> str:
        return f"<backend {self.name}>"


def seed_of(rng) -> int:
    """The integer seed of ``rng`` (0 when it is a generator or None)."""
    import numpy as np

    return int(rng) if isinstance(rng, (int, np.integer)) and not isinstance(rng, bool) else 0
