"""Certified classification of points: verdicts, certificates and their verify()."""

__all__: list[str] = []
