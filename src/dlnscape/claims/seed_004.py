"""Seed 004."""

CHECKS: tuple = ()
NOT_CHECKABLE: dict = {}
VERIFIERS: tuple = ()
