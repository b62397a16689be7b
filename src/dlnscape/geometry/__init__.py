"""Geometry of the product map μ: ranks, differential, openness, lifts, fibers, M_r."""

from dlnscape.geometry.fibers import (
    FiberMove,
    factorize,
    fiber_move,
    fiber_moves,
    fiber_residual,
    gl_act,
    random_fiber_point,
)
from dlnscape.geometry.ranks import RankProfile, rank_profile

__all__: list[str] = [
    "FiberMove",
    "RankProfile",
    "factorize",
    "fiber_move",
    "fiber_moves",
    "fiber_residual",
    "gl_act",
    "random_fiber_point",
    "rank_profile",
]
