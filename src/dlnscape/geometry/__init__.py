"""Geometry of the product map μ: ranks, differential, openness, lifts, fibers, M_r."""

from dlnscape.geometry.ranks import RankProfile, rank_profile

__all__: list[str] = [
    "RankProfile",
    "rank_profile",
]
