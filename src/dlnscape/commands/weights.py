"""``dlnscape weight-critical-points``: every complex critical point in weight space.

``dlnscape weight-critical-points SPEC.toml [--backend homotopy|msolve|auto] [--timeout S]
[--json] [-o FILE]``: the SPEC's landscape (a linear network, a squared or distance loss and,
for a finite answer, a ``[regularizer]`` table with ``kind = "hadamard_l2"``) — counts, the
zero-pattern partition, the real points with their index, Bézout bounds (Mehta, Chen, Tang,
Hauenstein 2022).
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from dlnscape.commands._common import (
    console,
    echo_json,
    friendly_errors,
    output_file,
    write_json_atomic,
)


def register(app: typer.Typer) -> None:
    from dlnscape.algebraic.weight_space import WEIGHT_SPACE_BACKENDS

    @app.command("weight-critical-points")
    @friendly_errors
    def weight_critical_points(
        spec: Path = typer.Argument(..., help="SPEC.toml: linear network, quadratic loss, "
                                              "[regularizer]"),
        backend: str = typer.Option("auto", "--backend",
                                    help=f"one of {', '.join(WEIGHT_SPACE_BACKENDS)}"),
        timeout: float = typer.Option(600.0, "--timeout", help="seconds for the whole search"),
        seed: int = typer.Option(0, "--seed", help="seed of the monodromy loops"),
        as_json: bool = typer.Option(False, "--json", help="print the full result as JSON"),
        output: Path = typer.Option(None, "--output", "-o", help="write the full result here"),
    ) -> None:
        """All complex critical points of a (regularized) linear network in weight space,
        certified; the real ones with their Morse index; "positive-dimensional" when the
        critical set is not finite (no regularizer: the GL symmetry)."""
        from dlnscape.algebraic.weight_space import critical_points
        from dlnscape.errors import SolverError
        from dlnscape.spec import load_spec
        from dlnscape.validate import check_seed

        output = output_file(output, "-o")
        if backend not in WEIGHT_SPACE_BACKENDS:
            raise SolverError(f"--backend: expected one of {', '.join(WEIGHT_SPACE_BACKENDS)}, "
                              f"got {backend!r}")
        check_seed(seed, "--seed")
        landscape, _ = load_spec(spec, need_point=False)
        with console.status("solving …") as status:
            res = critical_points(
                landscape, backend=backend, rng=seed, timeout=timeout,
                progress=None if as_json else
                (lambda k, c: status.update(f"zero-pattern component {k}: {c} points so far")))
        if as_json:
            echo_json(res)
        else:
            console.print(f"[bold]{res.summary()}[/]", soft_wrap=True)
            console.print(f"bounds: total degree {res.bezout['total_degree']}, "
                          f"multihomogeneous (by layer) {res.bezout['multihomogeneous']}")
            console.print(f"count: {res.count_evidence}", soft_wrap=True)
            if res.zero_patterns:
                t = Table(title="zero patterns (0: the weight vanishes)")
                t.add_column("pattern")
                t.add_column("complex")
                t.add_column("real")
                for pat, c in sorted(res.zero_patterns.items(),
                                     key=lambda kv: -kv[1]["complex"]):
                    t.add_row(pat, str(c["complex"]), str(c["real"]))
                console.print(t)
            if res.points:
                t = Table(title="real critical points")
                t.add_column("value")
                t.add_column("index")
                t.add_column("verdict")
                t.add_column("pattern")
                for p in res.points:
                    t.add_row(f"{p.value:.10g}", "—" if p.index is None else str(p.index),
                              p.verdict, p.zero_pattern)
                console.print(t)
            console.print(f"backend {res.backend}, {res.seconds:.2f} s; {res.certification}",
                          soft_wrap=True)
        if output is not None:
            write_json_atomic(output, res, option="-o")
            if not as_json:
                console.print(f"wrote {output}")
