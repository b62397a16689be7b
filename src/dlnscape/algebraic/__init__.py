"""All complex critical points of distance functions on M_r (msolve, homotopy); ED degrees."""

__all__: list[str] = []
