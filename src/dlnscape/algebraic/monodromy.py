"""All solutions of a generic member of a parametric polynomial family, by monodromy.

The technique of HomotopyContinuation.jl's ``monodromy_solve`` (Duff, Hill, Jensen, Lee,
Leykin, Sommars, "Solving polynomial systems via homotopy continuation and monodromy", IMA J.
Numer. Anal. 39 (2019), arXiv:1609.08722): for a family ``f(x; p)`` whose solution variety
is irreducible, start from *one* pair ``(x₀, p₀)`` with ``f(x₀; p₀) = 0`` — easy to make when
f is linear in p: pick x₀, then p₀ in the null space of ``p ↦ f(x₀; p)`` — and move the
known solutions around loops ``p₀ → p₁ → p₂ → p₀`` through random complex parameters. Each
loop permutes the solutions over p₀ (the monodromy action, transitive on an irreducible
variety), so new solutions appear until all ``N`` (the generic root count) are known.

Stopping rules (:class:`MonodromyResult` ``stop``):

* ``"target count"`` — ``N`` is known (a formula: the generic ED degree of M_r, …) and reached;
* ``"stalled"`` — no new solution in ``stall_loops`` consecutive loops. This is a heuristic
  (HomotopyContinuation.jl's ``max_loops_no_progress``): a lower bound certified by the
  distinct approximate zeros found, completeness NOT proven; the callers label it and
  cross-check with an exact count (msolve) where one is feasible. A loop winds around few
  branch points and so fixes most solutions: a missing solution is found by a loop only when
  the loop moves it, so the stall count must be generous (4×4 rank two: runs with 5 stalled
  loops stopped at 1347 and 1348, one with 10 found 1350; 4×4 rank three: 283 with 5, the
  formula's 284 with 10);
* ``"timeout"`` / ``"max loops"`` — a lower bound only.

The family adapters (:class:`dlnscape.algebraic.homotopy.MrFamily` for the critical equations
of quadratic losses on M_r, and the weight-space family of :mod:`dlnscape.algebraic.
weight_space`) provide ``random_parameter``, ``seed``, ``track`` and ``refine`` (and
optionally ``orbit``, a symmetry group). This module depends on no other solver module.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
from scipy.spatial import cKDTree

from dlnscape.errors import DlnscapeError

#: two solutions are the same when they agree to this relative distance
SAME_RTOL = 1e-6


class MonodromyFamily(Protocol):
    """What :func:`monodromy_solve` needs of a family ``f(x; p)``."""

    def random_parameter(self, rng: np.random.Generator) -> np.ndarray:
        """A random complex parameter (generic with probability one)."""

    def seed(self, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """``(x₀ (1, nvars), p₀)`` with ``f(x₀; p₀) = 0``."""

    def track(self, X: np.ndarray, pa: np.ndarray, pb: np.ndarray
              ) -> tuple[np.ndarray, np.ndarray]:
        """Solutions X over pa moved to pb: endpoints and a success mask."""

    def refine(self, X: np.ndarray, p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Newton-refined X at p and a mask of those that converged (nonsingular)."""

    # optional: ``orbit(X)`` — X and its images under a symmetry group of the equations
    # (HomotopyContinuation.jl's ``group_actions``): the monodromy action commutes with the
    # symmetry, so without it a solution can stay unseen for many loops


def _with_orbit(family, X: np.ndarray) -> np.ndarray:
    orbit = getattr(family, "orbit", None)
    return X if orbit is None or X.shape[0] == 0 else orbit(X)


@dataclass
class MonodromyResult:
    """The solutions found over the base parameter ``p0`` and how the search ended."""

    X: np.ndarray  # (N, nvars) distinct solutions over p0
    p0: np.ndarray
    stop: str  # "target count" | "stalled" | "timeout" | "max loops"
    loops: int
    seconds: float
    history: list[int] = field(default_factory=list)  # count after each loop
    paths_tracked: int = 0
    paths_failed: int = 0
    target_count: int | None = None
    stall_loops: int = 0
    representatives: np.ndarray | None = None  # one point per orbit (the whole X without a group)

    @property
    def count(self) -> int:
        return int(self.X.shape[0])

    @property
    def complete_by_count(self) -> bool:
        """True when the count reached a known target (the only proof of completeness here)."""
        return self.target_count is not None and self.count == self.target_count

    def stopping_rule(self) -> str:
        """One sentence a reader can check: why the search stopped and what that proves."""
        if self.stop == "target count":
            return (f"stopped at the known generic root count {self.target_count} after "
                    f"{self.loops} loops")
        if self.stop == "stalled":
            return (f"stalled: no new solution in {self.stall_loops} consecutive loops "
                    f"(after {self.loops} loops; a heuristic stopping rule, {self.count} is a "
                    f"lower bound until an exact count agrees)")
        return f"{self.stop} after {self.loops} loops: {self.count} is a lower bound"

    def to_dict(self) -> dict:
        return {"count": self.count, "stop": self.stop, "loops": self.loops,
                "seconds": self.seconds, "history": list(self.history),
                "paths_tracked": self.paths_tracked, "paths_failed": self.paths_failed,
                "target_count": self.target_count, "stall_loops": self.stall_loops,
                "stopping_rule": self.stopping_rule()}


def merge_solutions(S: np.ndarray, new: np.ndarray, rtol: float = SAME_RTOL) -> np.ndarray:
    """``S`` with the points of ``new`` that are not (to ``rtol``) already in ``S`` or
    repeated in ``new`` appended."""
    new = new[np.isfinite(new).all(axis=1)]
    if new.shape[0] == 0:
        return S
    allp = np.concatenate([S, new]) if S.shape[0] else new
    emb = np.concatenate([allp.real, allp.imag], axis=1)
    scale = 1.0 + np.linalg.norm(emb, axis=1)
    tree = cKDTree(emb / scale.max())
    keep = list(range(S.shape[0]))
    taken = np.zeros(allp.shape[0], dtype=bool)
    taken[: S.shape[0]] = True
    for i in range(S.shape[0], allp.shape[0]):
        if taken[i]:
            continue
        near = tree.query_ball_point(emb[i] / scale.max(), rtol * scale[i] / scale.max())
        if any(taken[j] for j in near if j != i):
            taken[i] = True  # a duplicate of a kept point
            continue
        taken[i] = True
        keep.append(i)
        for j in near:
            taken[j] = True
    return allp[keep]


def monodromy_solve(family: MonodromyFamily, *, rng: np.random.Generator | int | None = 0,
                    target_count: int | None = None, stall_loops: int = 5,
                    max_loops: int = 200, timeout: float = 600.0,
                    progress: Callable[[int, int], None] | None = None) -> MonodromyResult:
    """All solutions over a random base parameter, from one seed pair, by monodromy loops.

    ``target_count``: the generic root count when known (then the search stops there and a
    count above it is an error); ``stall_loops``: loops without a new solution before the
    heuristic stop; ``timeout`` (seconds): the search returns what it has (stop
    ``"timeout"``); ``progress(loop, count)`` is called after each loop.
    """
    if stall_loops < 1 or max_loops < 1:
        raise DlnscapeError("stall_loops and max_loops: expected integers ≥ 1")
    if not (timeout > 0):
        raise DlnscapeError(f"timeout: expected a positive number of seconds, got {timeout!r}")
    from dlnscape.validate import check_rng

    gen = check_rng(rng, "rng")
    t0 = time.perf_counter()
    x0, p0 = family.seed(gen)
    S, okr = family.refine(np.atleast_2d(x0), p0)
    if not okr.all():
        raise DlnscapeError("monodromy: the seed solution is singular; try another rng")
    # with a symmetry group only one representative per orbit is tracked: the monodromy
    # action commutes with the group, so the images' paths are the images of its path
    reps = S
    S = merge_solutions(S[:0], _with_orbit(family, S))
    history: list[int] = []
    tracked = failed = 0
    quiet = 0
    loops = 0
    stop = "max loops"
    while loops < max_loops:
        if target_count is not None and S.shape[0] >= target_count:
            stop = "target count"
            break
        if time.perf_counter() - t0 > timeout:
            stop = "timeout"
            break
        loops += 1
        p1 = family.random_parameter(gen)
        p2 = family.random_parameter(gen)
        X = reps
        for pa, pb in ((p0, p1), (p1, p2), (p2, p0)):
            tracked += X.shape[0]
            Xn, ok = family.track(X, pa, pb)
            failed += int((~ok).sum())
            X = Xn[ok]
            if X.shape[0] == 0:
                break
        before = S.shape[0]
        if X.shape[0]:
            X, okr = family.refine(X, p0)
            for x in X[okr]:  # a point not yet known is the representative of a new orbit
                grown = merge_solutions(S, x[None])
                if grown.shape[0] > S.shape[0]:
                    reps = np.concatenate([reps, x[None]])
                    S = merge_solutions(S, _with_orbit(family, x[None]))
        history.append(int(S.shape[0]))
        if progress is not None:
            progress(loops, int(S.shape[0]))
        quiet = quiet + 1 if S.shape[0] == before else 0
        if target_count is not None and S.shape[0] > target_count:
            raise DlnscapeError(
                f"monodromy: found {S.shape[0]} distinct solutions, more than the generic "
                f"root count {target_count} given as target_count (a wrong count, or "
                f"solutions that are not distinct to {SAME_RTOL:g})")
        if target_count is None and quiet >= stall_loops:
            stop = "stalled"
            break
    else:
        if target_count is not None and S.shape[0] >= target_count:
            stop = "target count"
    return MonodromyResult(S, p0, stop, loops, time.perf_counter() - t0, history, tracked,
                           failed, target_count, stall_loops, reps)
