"""Seed 003."""

CHECKS: tuple = ()
NOT_CHECKABLE: dict = {}
VERIFIERS: tuple = ()
