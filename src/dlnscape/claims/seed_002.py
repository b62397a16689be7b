"""Seed 002."""

CHECKS: tuple = ()
NOT_CHECKABLE: dict = {}
VERIFIERS: tuple = ()
