"""Parametrizations μ of end-to-end maps."""

from dlnscape.models.linear import LinearNetwork

__all__ = ["LinearNetwork"]
