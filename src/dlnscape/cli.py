"""The ``dlnscape`` command line (typer). Commands live in :mod:`dlnscape.commands`.

``dlnscape --version`` prints ``dlnscape <version>``; help texts are the commands'
docstrings, reflowed here (:func:`reflow`) so that they wrap to the terminal.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re

import typer

import dlnscape.commands as _commands

app = typer.Typer(
    name="dlnscape",
    help="Exact, certified loss-landscape analysis of deep linear networks.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)



def version_text() -> str:
    """``"dlnscape <version>"`` (the installed distribution's version)."""
    from dlnscape.io import _package_version

    return f"dlnscape {_package_version()}"


def _print_version(value: bool) -> None:
    if value:
        typer.echo(version_text())
        raise typer.Exit(0)


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_print_version, is_eager=True,
                                 help="print the version and exit"),
) -> None:
    """Exact, certified loss-landscape analysis of deep linear networks."""


def reflow(doc: str | None) -> str | None:
    """A docstring as help text: the line breaks inside each paragraph removed (the help
    wraps to the terminal), paragraphs kept; indented lines (examples) stay as they are."""
    if not doc:
        return doc
    paragraphs = re.split(r"\n\s*\n", inspect.cleandoc(doc))
    out = []
    for par in paragraphs:
        lines = par.splitlines()
        if any(line.startswith((" ", "\t")) for line in lines):
            out.append("\b\n" + par)  # click: do not rewrap this paragraph
        else:
            out.append(" ".join(line.strip() for line in lines))
    return "\n\n".join(out)


def _reflow_help(t: typer.Typer) -> None:
    for info in t.registered_commands:
        if info.help is None and info.callback is not None:
            info.help = reflow(info.callback.__doc__)
    for group in t.registered_groups:
        if group.typer_instance is not None:
            _reflow_help(group.typer_instance)


for _mod in sorted(m.name for m in pkgutil.iter_modules(_commands.__path__)):
    importlib.import_module(f"dlnscape.commands.{_mod}").register(app)
_reflow_help(app)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
