"""Helpers shared by CLI commands: the one place where exceptions become ``error: …`` on
stderr and exit code 2 (:func:`friendly_errors`, :func:`error_message`), output paths checked
before any computation (:func:`output_file`, :func:`output_dir`), atomic (JSON) output, and
plurals."""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any

import numpy as np
import typer
from rich.console import Console
from rich.markup import escape

from dlnscape.errors import DlnscapeError
from dlnscape.io import (  # noqa: F401 (re-exported for the commands)
    check_output_path,
    json_text,
    to_jsonable,
    write_atomic,
    write_json_atomic,
)

# pipes and CI logs get 120 columns instead of rich's 80, so tables and messages don't wrap
_WIDTH = None if sys.stdout.isatty() else 120
console = Console(width=_WIDTH)
err_console = Console(stderr=True, width=_WIDTH)


def register(app: typer.Typer) -> None:  # this module holds helpers, no command
    return None


def error_message(e: BaseException) -> str | None:
    """The one-line message of an exception that is the user's input, not a bug: every
    :class:`DlnscapeError`; running out of memory; a numerical failure of LAPACK on entries
    too large for float64; a file that cannot be read or written. None for anything else
    (a bug keeps its traceback)."""
    if isinstance(e, DlnscapeError):
        msg = str(e)
    elif isinstance(e, MemoryError):
        msg = f"out of memory: {e or 'an allocation failed'}; use smaller sizes"
    elif isinstance(e, np.linalg.LinAlgError):
        msg = (f"numerical failure in linear algebra ({e}): the input has entries too large "
               f"(or not finite) for float64 arithmetic; rescale it")
    elif isinstance(e, OSError) and (e.filename is not None or e.strerror):
        where = f"{e.filename}: " if e.filename is not None else ""
        msg = f"{where}{e.strerror or e}"
    else:
        return None
    return " ".join(msg.split())  # one line


def friendly_errors(fn: Callable) -> Callable:
    """The one place where a command's exceptions become ``error: …`` (one line on stderr)
    and exit code 2 (:func:`error_message`); other exceptions propagate (bugs)."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any):
        try:
            return fn(*args, **kwargs)
        except (typer.Exit, typer.Abort, KeyboardInterrupt):
            raise
        except Exception as e:
            msg = error_message(e)
            if msg is None:
                raise
            # one line, never wrapped, and the message is not rich markup ("[v̄ ⋯]" stays)
            err_console.print("[bold red]error:[/]", escape(msg), soft_wrap=True)
            raise typer.Exit(2) from None

    return wrapper


def echo_json(obj: Any) -> None:
    """Print ``obj`` as the JSON document ``-o`` would write (:func:`~dlnscape.io.json_text`:
    with ``dlnscape_version`` and ``schema_version``) — what every ``--json`` prints."""
    typer.echo(json_text(obj))


def output_file(path: Path | None, option: str) -> Path | None:
    """``path`` (None passes) after :func:`~dlnscape.io.check_output_path`: call it before
    computing, so that a bad ``-o`` costs nothing."""
    return None if path is None else check_output_path(path, option)


def output_dir(path: Path | None, option: str) -> Path | None:
    """An output folder checked like :func:`output_file`: only its last component may be
    missing (the writers create it when they write the first file)."""
    return None if path is None else check_output_path(path, option, kind="directory")


#: formats ``--plot``/``--figure`` can write, by file suffix (matplotlib's names)
FIGURE_SUFFIXES = (".png", ".pdf", ".svg")


def figure_file(path: Path | None, option: str) -> Path | None:
    """An output figure: :func:`output_file` plus a suffix matplotlib writes."""
    if path is None:
        return None
    output_file(path, option)
    if path.suffix.lower() not in FIGURE_SUFFIXES:
        raise DlnscapeError(f"{option} {path}: expected a file name ending in "
                            f"{', '.join(FIGURE_SUFFIXES)} (the format is taken from it)")
    return path


def plural(n: int, singular: str, plural_form: str | None = None) -> str:
    """``"1 local minimum"``, ``"3 local minima"``, ``"0 real critical points"``."""
    word = singular if n == 1 else (plural_form or singular + "s")
    return f"{n} {word}"
