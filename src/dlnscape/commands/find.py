"""``dlnscape find SPEC.toml [--method M] [-o FOUND.toml] [--json]``: a critical point.

Starts from the SPEC's point and runs :func:`dlnscape.find_critical_point` (``newton``:
Levenberg–Marquardt on ∇L = 0 with the dense Hessian; ``trust-region``: the same with
Hessian-vector products; ``gd``: gradient descent, polished by Newton steps). The terminal
shows whether the method converged (relative gradient at most ``--tol``), its iterations and
the final gradient norms; ``-o`` writes the end point as a SPEC (same model and loss), so that

    dlnscape find SPEC.toml -o found.toml
    dlnscape classify found.toml -o cert.json
    dlnscape verify cert.json

classifies and re-checks it. The exit code is 1 when the method did not converge (the end
point is still written, and says so in its header).
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from dlnscape.commands._common import console, echo_json, friendly_errors, output_file
from dlnscape.critical.find import CRITICAL_RTOL, METHODS
from dlnscape.errors import DlnscapeError


def search_header(res, spec: Path) -> str:
    """TOML comment lines that say where the point of a written SPEC comes from."""
    return (f"# dlnscape find {spec} --method {res.method}: "
            f"{'converged' if res.converged else 'NOT converged'} ({res.message}) after "
            f"{res.n_iter} iterations in {res.seconds:.3g} s\n"
            f"# L = {res.value:.17g}, |grad L| = {res.gradient_norm:.3g} (relative "
            f"{res.relative_gradient_norm:.3g})\n")


def _print(res, output: Path | None) -> None:
    status = "[green]converged[/]" if res.converged else "[bold red]NOT converged[/]"
    t = Table(title=f"find ({res.method}): {status}", show_header=False)
    t.add_column("quantity")
    t.add_column("value")
    t.add_row("L(θ)", f"{res.value:.12g}")
    t.add_row("‖∇L‖ (relative)", f"{res.gradient_norm:.3g} ({res.relative_gradient_norm:.3g})")
    t.add_row("iterations", str(res.n_iter))
    t.add_row("seconds", f"{res.seconds:.3g}")
    t.add_row("message", res.message)
    console.print(t)
    if output is not None:
        console.print(f"wrote {output} (classify it: dlnscape classify {output})",
                      soft_wrap=True)


def register(app: typer.Typer) -> None:
    @app.command()
    @friendly_errors
    def find(
        spec: Path = typer.Argument(..., help="SPEC.toml: model, loss and the starting point"),
        method: str = typer.Option("newton", "--method",
                                   help=f"one of {', '.join(METHODS)}"),
        max_iter: int = typer.Option(2000, "--max-iter", help="iterations (evaluations for "
                                                               "newton / trust-region)"),
        tol: float = typer.Option(CRITICAL_RTOL * 1e-2, "--tol",
                                  help="converged: relative gradient at most this"),
        output: Path | None = typer.Option(
            None, "--output", "-o", help="write the end point as a SPEC (TOML) for "
                                         "`dlnscape classify`"),
        as_json: bool = typer.Option(False, "--json", help="print the result as JSON"),
    ) -> None:
        """Find a critical point from the SPEC's point (Newton, trust-region or gradient
        descent) and say whether the method converged, after how many iterations."""
        from dlnscape.critical.find import find_critical_point
        from dlnscape.io import write_atomic
        from dlnscape.spec import load_spec, spec_to_dict, spec_to_toml
        from dlnscape.validate import check_size

        if method not in METHODS:
            raise DlnscapeError(f"--method: expected one of {', '.join(METHODS)}, got "
                                f"{method!r}")
        check_size(max_iter, "--max-iter", what="iterations")
        if not (tol > 0 and tol < 1):
            raise DlnscapeError(f"--tol: expected a number in (0, 1), got {tol}")
        output = output_file(output, "-o")
        landscape, theta0 = load_spec(spec)
        res = find_critical_point(landscape, theta0, method, tol=tol, max_iter=max_iter)
        if output is not None:
            text = search_header(res, spec) + spec_to_toml(spec_to_dict(landscape, res.theta))
            write_atomic(output, text, option="-o")
        if as_json:
            d = res.to_dict()
            d["output"] = None if output is None else str(output)
            echo_json(d)
        else:
            _print(res, output)
        if not res.converged:
            raise typer.Exit(1)
