"""Lifting function-space points to weights.

``lift`` delegates to the factorisation :func:`dlnscape.geometry.fibers.factorize` (one
factorisation in the package). A function-space critical point ``W`` of ``l|M_r`` with
``rank W = r`` lifts to a critical point of ``L = l ∘ μ`` (Trager et al. 2020, Prop 6: μ is a
submersion there, so every factorisation is critical and has the same index as W).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dlnscape.architecture import Architecture, Point, as_float_matrix, end_to_end
from dlnscape.errors import DlnscapeError, PointError
from dlnscape.geometry.fibers import factorize
from dlnscape.losses import Loss
from dlnscape.validate import check_rng

from .eckart_young import CLUSTER_RTOL
from .global_minimum import as_architecture
from .squared import FunctionSpacePoint, direct_function_space


def lift(W: np.ndarray, arch, rng: np.random.Generator | int | None = None) -> Point:
    """A point ``θ`` with ``μ(θ) = W`` (:func:`dlnscape.geometry.fibers.factorize`);
    ``rank W ≤ r`` needed."""
    a = as_architecture(arch)
    W = as_float_matrix(W, "W", a.end_to_end_shape)
    theta = factorize(W, a, check_rng(rng, "rng"))
    theta = tuple(np.asarray(t, dtype=np.float64) for t in theta)
    err = float(np.linalg.norm(end_to_end(theta) - W))
    if err > 1e-8 * (1.0 + float(np.linalg.norm(W))):
        raise PointError(  # pragma: no cover - factorize must be exact
            f"W: factorisation residual {err:.3g} too large (rank W above r = {a.r}?)"
        )
    return theta


@dataclass(frozen=True)
class SubsetCriticalPoint:
    """What :func:`critical_point_from_subset` built: the function-space point and its lift."""

    point: FunctionSpacePoint
    r: int
    lift_residual: float

    def __getattr__(self, name: str):  # I, W, value, index, nullity, is_global_minimum, ...
        if name == "point":  # pragma: no cover - guards against recursion during unpickling
            raise AttributeError(name)
        return getattr(self.point, name)

    @property
    def rank(self) -> int:
        return len(self.point.I)

    def to_dict(self) -> dict:
        return {**self.point.to_dict(), "rank": self.rank, "r": self.r,
                "lift_residual": self.lift_residual}


def critical_point_from_subset(
    loss: Loss, arch, I, rng: np.random.Generator | int | None = None
) -> tuple[Point, SubsetCriticalPoint]:
    """The weights of the function-space critical point indexed by ``I`` (0-based, ``#I = r``).

    ``W_I`` from :func:`~dlnscape.functional.squared.function_space_critical_point` (built
    directly, no enumeration; squared loss, Eckart–Young-type losses), lifted by
    :func:`lift`. By Trager et al. 2020, Prop 6 and Thm 12, the lifted point is critical and a
    strict saddle with (at least) ``index`` negative Hessian eigenvalues unless ``index = 0``
    (then a global minimum).
    """
    a = as_architecture(arch)
    if not isinstance(a, Architecture):  # pragma: no cover
        raise DlnscapeError(f"arch: expected an Architecture, got {arch!r}")
    try:
        Ii = tuple(sorted(int(i) for i in I))
    except TypeError:
        raise DlnscapeError(f"I: expected a collection of 0-based indices, got {I!r}") from None
    if len(set(Ii)) != len(Ii):
        raise DlnscapeError(f"I: expected distinct indices, got {I!r}")
    loss.check_shape(a.end_to_end_shape)
    # the requested subset directly (no enumeration of the C(m, r) points)
    fs = direct_function_space(loss, a.r, CLUSTER_RTOL)
    m = fs.m
    if len(Ii) != min(a.r, m) or any(i < 0 or i >= m for i in Ii):
        raise DlnscapeError(
            f"I: expected {min(a.r, m)} distinct indices in [0, {m}) (r = {a.r}), got {Ii}"
        )
    p = fs.point(Ii)
    theta = lift(p.W, a, rng)
    res = float(np.linalg.norm(end_to_end(theta) - p.W))
    info = SubsetCriticalPoint(p, a.r, res)
    return theta, info
