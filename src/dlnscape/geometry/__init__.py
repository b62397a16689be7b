"""Geometry of the product map μ: ranks, differential, openness, lifts, fibers, M_r."""

from dlnscape.geometry.differential import (
    DifferentialRank,
    FiberTangent,
    SubmersionResult,
    TangentContainment,
    differential_image_basis,
    differential_rank,
    fiber_tangent_basis,
    image_contains_tangent_space,
    is_submersion,
    jacobian,
    jacobian_rank,
    max_differential_rank,
)
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
    "DifferentialRank",
    "FiberTangent",
    "SubmersionResult",
    "TangentContainment",
    "differential_image_basis",
    "differential_rank",
    "fiber_tangent_basis",
    "image_contains_tangent_space",
    "is_submersion",
    "jacobian",
    "jacobian_rank",
    "max_differential_rank",
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
