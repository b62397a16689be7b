"""Seed 000."""

CHECKS: tuple = ()
NOT_CHECKABLE: dict = {}
VERIFIERS: tuple = ()
