"""The ``dlnscape`` command line (typer). Commands live in :mod:`dlnscape.commands`."""

from __future__ import annotations

import importlib
import pkgutil

import typer

import dlnscape.commands as _commands

app = typer.Typer(
    name="dlnscape",
    help="Exact, certified loss-landscape analysis of deep linear networks.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)



@app.callback()
def _root() -> None:
    """Exact, certified loss-landscape analysis of deep linear networks."""


for _mod in sorted(m.name for m in pkgutil.iter_modules(_commands.__path__)):
    importlib.import_module(f"dlnscape.commands.{_mod}").register(app)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
