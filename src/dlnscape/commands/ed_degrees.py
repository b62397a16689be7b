"""``dlnscape ed-degrees``: the generic ED degrees of M_r, formula vs computed.

``dlnscape ed-degrees [--max-m 4] [--max-n 5] [--timeout S] [--msolve-timeout S] [--json]
[-o FILE]`` computes every entry m ≤ n ≤ max-n, m ≤ max-m, 1 ≤ r < m by monodromy (never told
the formula), certifies it on a random integer instance, and puts it next to the formula
(Catanese–Trifogli, duality) and msolve's exact count where those exist.
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
    @app.command("ed-degrees")
    @friendly_errors
    def ed_degrees(
        max_m: int = typer.Option(3, "--max-m", help="largest number of rows m (2 to 5)"),
        max_n: int = typer.Option(4, "--max-n", help="largest number of columns n (2 to 5)"),
        timeout: float = typer.Option(300.0, "--timeout",
                                      help="seconds of monodromy per entry (then a lower bound)"),
        msolve_timeout: float = typer.Option(0.0, "--msolve-timeout",
                                             help="seconds for msolve's exact cross-check per "
                                                  "entry (0: not run)"),
        seed: int = typer.Option(0, "--seed", help="seed of the charts and instances"),
        as_json: bool = typer.Option(False, "--json", help="print the table as JSON"),
        output: Path = typer.Option(None, "--output", "-o", help="write the table (JSON) here"),
    ) -> None:
        """The generic (weighted) ED degrees of the rank-r matrices M_r ⊂ R^{m×n}: each entry
        labelled formula and/or computed, the computed count certified on a random integer
        instance (α-theory in ball arithmetic), with msolve's exact count when asked."""
        from dlnscape.algebraic.ed_degree import ed_degree_table
        from dlnscape.validate import check_seed

        output = output_file(output, "-o")
        check_seed(seed, "--seed")
        with console.status("computing ED degrees …") as status:
            table = ed_degree_table(
                max_m, max_n, rng=seed, timeout=timeout,
                msolve_timeout=msolve_timeout or None,
                progress=None if as_json else (lambda msg: status.update(msg)))
        if as_json:
            echo_json(table)
        else:
            t = Table(title=f"generic ED degrees of M_r, m ≤ {table.max_m}, n ≤ {table.max_n}")
            for h in table.HEADER:
                t.add_column(h)
            for row in table.rows():
                t.add_row(*row)
            console.print(t)
            bad = [e for e in table.entries if e.agrees is False]
            console.print(f"{len(table.entries)} entries, {len(bad)} disagreeing; "
                          f"{table.seconds:.1f} s", soft_wrap=True)
            for d in table.duality_checks():
                console.print(f"duality {d['shape'][0]}×{d['shape'][1]}: r = {d['r']} and "
                              f"{d['dual_r']} give {d['counts']} "
                              f"({'equal' if d['agree'] else 'NOT equal'})", soft_wrap=True)
        if output is not None:
            write_json_atomic(output, table, option="-o")
            if not as_json:
                console.print(f"wrote {output}")
