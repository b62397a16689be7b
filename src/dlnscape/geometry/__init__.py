"""Geometry of the product map μ: ranks, differential, openness, lifts, fibers, M_r."""

__all__: list[str] = []
