"""All complex critical points of a quadratic loss on the smooth part of M_r, certified.

``critical_points_on_Mr(loss, r)`` enumerates every complex critical point of
``l(W) = ‖φ · vec(W − Q0)‖²`` (Trager et al. 2020, Ex 13 / Experiment 1; no ½) or of the
squared loss on the rank-r matrices, says which are real, and classifies the real ones by the
inertia of the Riemannian Hessian in orthonormal coordinates (004 Thm 12's index; the Hessian
of :func:`dlnscape.geometry.manifold.riemannian_hessian`).

Backends:
* ``"msolve"`` (reference, exact): Gröbner basis + rational parametrisation + real root
  isolation of the critical equations in a random integer chart (big Schubert cell), plus a
  proof that the smaller cells hold no critical point (msolve answers "no solution"), so no
  critical point is lost to the chart. Counts are exact.
* ``"homotopy"`` (fast, many instances of one shape): parameter homotopy from a cached start
  system, endpoints certified by α-theory (see :mod:`dlnscape.algebraic.homotopy`).
* ``"phc"`` (cross-check): PHCpack's blackbox solver, polished and deduplicated here.
* ``"auto"``: the homotopy when its answer is certified, else msolve (and, when msolve's
  points fail the criticality check, the homotopy from another start).

Every real point a backend returns is refined when needed and checked critical on M_r:
``‖grad_{M_r} l(W)‖ ≤ GRAD_CHECK_ULPS · u · (m n) · (‖∇l(W)‖ + ‖∇l(0)‖ + ‖∇²l‖ ‖W‖)``
(:func:`criticality_check`, relative to the problem's scale); a point that fails makes the
answer uncertified.

Each backend is an object of the :class:`~dlnscape.algebraic.backend.Backend` interface in
its own module (``msolve_backend``, ``homotopy_backend``, ``phc``; the shared result types
and checks in :mod:`dlnscape.algebraic.result`); :data:`BACKENDS` is the table this module
dispatches to, ``"auto"`` (:class:`AutoBackend`) included.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import numpy as np

from dlnscape.algebraic.backend import Backend, BackendBase, seed_of
from dlnscape.algebraic.formulation import make_formulation
from dlnscape.algebraic.homotopy_backend import HOMOTOPY
from dlnscape.algebraic.msolve_backend import MSOLVE
from dlnscape.algebraic.phc import PHC
from dlnscape.algebraic.result import (
    GRAD_CHECK_ULPS,
    HESSIAN_ZERO_RTOL,
    RANK_RTOL,
    CriticalPointOnMr,
    CriticalPointsOnMr,
    checked_real_points,
    classify_real_point,
    criticality_check,
    criticality_verdict,
    empty_result,
    gradient_scale,
    refine_on_Mr,
)
from dlnscape.errors import LossError, SolverError

__all__ = [
    "BACKENDS",
    "GRAD_CHECK_ULPS",
    "HESSIAN_ZERO_RTOL",
    "RANK_RTOL",
    "AutoBackend",
    "CriticalPointOnMr",
    "CriticalPointsOnMr",
    "check_loss",
    "checked_real_points",
    "classify_real_point",
    "critical_points_on_Mr",
    "critical_points_on_Mr_many",
    "criticality_check",
    "criticality_verdict",
    "get_backend",
    "gradient_scale",
    "refine_on_Mr",
    "require_backend",
]


class AutoBackend(BackendBase):
    """``backend="auto"``: the homotopy when its answer is certified, else msolve; when
    msolve's points then fail the criticality check, the homotopy from another start. The
    other backends are looked up in :data:`BACKENDS` at call time."""

    name = "auto"

    def unavailable(self) -> str | None:
        return get_backend("msolve").unavailable()

    def solve(self, loss, r: int, *, rng=0, timeout: float = 600.0,
              cache_dir=None, progress=None) -> CriticalPointsOnMr:
        t0 = time.perf_counter()
        try:
            extra = {} if progress is None else {"progress": progress}  # not in the protocol
            res = get_backend("homotopy").solve(loss, r, rng=rng, cache_dir=cache_dir,
                                                timeout=timeout, **extra)
        except SolverError as e:
            res, why = None, str(e)
        else:
            why = res.certification
        if res is not None and res.certified:
            return res
        out = self.fallback(loss, r, rng, timeout, cache_dir, why)
        out.seconds = time.perf_counter() - t0
        return out

    def solve_many(self, losses: Sequence, r: int, *, rng=0, timeout: float = 600.0,
                   cache_dir=None) -> list[CriticalPointsOnMr]:
        losses = list(losses)
        out: list[CriticalPointsOnMr | None] = [None] * len(losses)
        for idx in _shape_groups(losses).values():
            group = [losses[i] for i in idx]
            try:
                res = get_backend("homotopy").solve_many(group, r, rng=rng, cache_dir=cache_dir)
            except SolverError as e:
                res = [empty_result(L, int(r), "homotopy", "", 0.0,
                                    f"homotopy: no start system ({e})") for L in group]
            for i, rr in zip(idx, res, strict=True):
                if not rr.certified:
                    t0 = time.perf_counter()
                    m = self.fallback(losses[i], int(r), rng, timeout, cache_dir,
                                      rr.certification)
                    m.seconds = rr.seconds + (time.perf_counter() - t0)
                    rr = m
                out[i] = rr
        return out  # type: ignore[return-value]

    @staticmethod
    def fallback(loss, r: int, rng, timeout: float, cache_dir, why: str) -> CriticalPointsOnMr:
        """msolve after an uncertified homotopy; when msolve's points fail the criticality
        check the homotopy from another start (other random charts) is tried in turn."""
        out = get_backend("msolve").solve(loss, r, rng=rng, timeout=timeout)
        out.fallback = f"homotopy not certified ({why[:200]}); answered by msolve"
        if not out.certified and out.evidence.get("criticality_check", {}).get("n_failed"):
            seed = seed_of(rng) + 1
            try:
                alt = get_backend("homotopy").solve(loss, r, rng=seed, cache_dir=cache_dir)
            except SolverError:
                alt = None
            if alt is not None and alt.certified:
                alt.fallback = (f"homotopy not certified ({why[:120]}); msolve's answer failed "
                                f"the criticality check ({out.certification[:160]}); answered "
                                f"by the homotopy from start seed {seed}")
                out = alt
        return out


#: the backends by name (``critical_points_on_Mr(..., backend=name)``)
BACKENDS: dict[str, Backend] = {b.name: b for b in (AutoBackend(), MSOLVE, HOMOTOPY, PHC)}


def get_backend(name: str) -> Backend:
    """The backend called ``name`` (:data:`BACKENDS`); :class:`SolverError` otherwise."""
    try:
        return BACKENDS[name]
    except (KeyError, TypeError):
        raise SolverError(f"backend: expected one of {tuple(BACKENDS)}, got {name!r}") from None


def require_backend(name: str, option: str = "backend") -> Backend:
    """The backend called ``name``, checked to run here: a :class:`SolverError` naming
    ``option`` when the name is unknown (the choices listed) or the backend is unavailable
    (the reason, e.g. how to install msolve). Call it before any work is done."""
    if not isinstance(name, str) or name not in BACKENDS:
        raise SolverError(f"{option}: expected one of {', '.join(BACKENDS)}, got {name!r}")
    b = BACKENDS[name]
    why = b.unavailable()
    if why is not None:
        raise SolverError(f"{option} {name}: not available here: {why}")
    return b


def _shape_groups(losses: list) -> dict[tuple[int, int], list[int]]:
    groups: dict[tuple[int, int], list[int]] = {}
    for i, L in enumerate(losses):
        groups.setdefault(tuple(L.shape), []).append(i)
    return groups


def check_loss(loss, r) -> None:
    """``loss`` is a squared or distance loss and ``r`` a valid rank for its shape."""
    from dlnscape.losses import DistanceLoss, SquaredLoss

    if not isinstance(loss, (DistanceLoss, SquaredLoss)):
        raise LossError(
            f"loss: expected a DistanceLoss or SquaredLoss, got {type(loss).__name__}")
    if isinstance(r, bool) or not isinstance(r, (int, np.integer)):
        raise LossError(f"r: expected an integer rank, got {r!r}")
    make_formulation(tuple(loss.shape), int(r))  # validates r


def critical_points_on_Mr(loss, r: int, backend: str = "auto", rng=0, timeout: float = 600.0,
                          cache_dir=None, progress=None) -> CriticalPointsOnMr:
    """Every complex critical point of ``loss`` on the smooth part of ``M_r``, certified.

    ``loss`` is a :class:`dlnscape.DistanceLoss` (any φ) or :class:`dlnscape.SquaredLoss`.
    ``backend``: ``"auto"`` (homotopy when certified, else msolve), ``"msolve"``,
    ``"homotopy"`` or ``"phc"`` (:data:`BACKENDS`). ``rng`` seeds the random chart (and the
    homotopy's start). Trager et al. 2020, Ex 13 (39 complex critical points for 3×3 rank one
    and generic φ) and Thm 12 (C(min(m,n), r) for φ = I).

    ``timeout`` (seconds) bounds msolve and the homotopy's start-system build (monodromy:
    an answer from a timed-out start is a certified lower bound, not certified complete);
    ``progress(loop, count)`` (homotopy and auto) reports the monodromy loops of a start
    system being built (the first call for a shape; later ones use the cache).
    """
    b = get_backend(backend)
    check_loss(loss, r)
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not timeout > 0:
        raise SolverError(f"timeout: expected a positive number of seconds, got {timeout!r}")
    if progress is not None and b.name in ("homotopy", "auto"):
        return b.solve(loss, int(r), rng=rng, timeout=timeout, cache_dir=cache_dir,
                       progress=progress)
    return b.solve(loss, int(r), rng=rng, timeout=timeout, cache_dir=cache_dir)


def critical_points_on_Mr_many(losses, r: int, backend: str = "auto", rng=0,
                               timeout: float = 600.0, cache_dir=None
                               ) -> list[CriticalPointsOnMr]:
    """:func:`critical_points_on_Mr` for many losses; with the homotopy (``"homotopy"`` or
    ``"auto"``) all instances of one shape are tracked in one vectorised batch, which is where
    the fast path is fast (Table 2). ``seconds`` of a batched answer is the batch time divided
    by the batch size. In ``"auto"`` mode uncertified instances are re-solved by msolve."""
    b = get_backend(backend)
    losses = list(losses)
    for L in losses:
        check_loss(L, r)
    out: list[CriticalPointsOnMr | None] = [None] * len(losses)
    for idx in _shape_groups(losses).values():
        res = b.solve_many([losses[i] for i in idx], int(r), rng=rng, timeout=timeout,
                           cache_dir=cache_dir)
        for i, rr in zip(idx, res, strict=True):
            out[i] = rr
    return out  # type: ignore[return-value]
