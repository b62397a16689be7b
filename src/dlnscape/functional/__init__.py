"""Function-space critical points: Eckart–Young with indices, global minima, lifting."""

__all__: list[str] = []
