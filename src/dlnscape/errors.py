"""Exceptions raised by dlnscape.

Every error raised on bad input is a :class:`DlnscapeError` whose message names the argument
and says what was expected, so that users never see a traceback from deep inside numpy.
"""

from __future__ import annotations


class DlnscapeError(Exception):
    """Base class of every error dlnscape raises on purpose."""


class ArchitectureError(DlnscapeError, ValueError):
    """Widths that do not describe a network (non-positive, non-integer, too few)."""


class PointError(DlnscapeError, ValueError):
    """A point ``theta`` that does not fit its architecture (layers, shapes, dtype, finiteness)."""


class LossError(DlnscapeError, ValueError):
    """Loss data that are inconsistent (shapes of X and Y, phi, non-finite entries)."""


class ShapeError(DlnscapeError, ValueError):
    """An array argument with the wrong shape."""


class MemoryBudgetError(DlnscapeError, MemoryError):
    """A dense object would exceed the memory budget; the message says what to use instead."""


class SolverError(DlnscapeError, RuntimeError):
    """An external solver (msolve, PHCpack) is missing or failed."""


class SpecError(DlnscapeError, ValueError):
    """A SPEC or experiment file that does not validate."""


class OutputError(DlnscapeError, OSError):
    """An output path (``-o FILE``, ``--out DIR``, ``--plot FILE``) dlnscape cannot write."""


class ValidationError(DlnscapeError, ValueError):
    """A seed, a random generator or a size that is not valid (named in the message)."""
