"""Helpers shared by CLI commands: clear errors instead of tracebacks, atomic JSON output."""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import wraps
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape

from dlnscape.errors import DlnscapeError
from dlnscape.io import to_jsonable, write_atomic, write_json_atomic  # noqa: F401

# pipes and CI logs get 120 columns instead of rich's 80, so tables and messages don't wrap
_WIDTH = None if sys.stdout.isatty() else 120
console = Console(width=_WIDTH)
err_console = Console(stderr=True, width=_WIDTH)


def register(app: typer.Typer) -> None:  # this module holds helpers, no command
    return None


def friendly_errors(fn: Callable) -> Callable:
    """Turn a DlnscapeError into a one-line message and exit code 2."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any):
        try:
            return fn(*args, **kwargs)
        except DlnscapeError as e:
            # one line, never wrapped, and the message is not rich markup ("[v̄ ⋯]" stays)
            err_console.print("[bold red]error:[/]", escape(str(e)), soft_wrap=True)
            raise typer.Exit(2) from None

    return wrapper
