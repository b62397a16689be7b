"""``dlnscape table2``: Trager et al. 2020, Experiment 1 / Table 2 / Figure 3, reproduced."""

from __future__ import annotations

from pathlib import Path

import typer

from dlnscape.algebraic.solve import BACKENDS
from dlnscape.commands._common import console, echo_json, friendly_errors, output_dir


def register(app: typer.Typer) -> None:
    @app.command("table2")
    @friendly_errors
    def table2(
        instances: int = typer.Option(2000, "--instances", "-n", help="number of instances"),
        seed: int = typer.Option(0, "--seed", help="instance i uses default_rng((seed, i))"),
        workers: int = typer.Option(2, "--workers", "-w", help="worker processes (1 = in-process)"),
        out: Path = typer.Option(Path("table2-out"), "--out",
                                 help="output folder (its parent must exist)"),
        backend: str = typer.Option("auto", "--backend",
                                    help=f"critical_points_on_Mr backend: one of "
                                         f"{', '.join(BACKENDS)}"),
        as_json: bool = typer.Option(False, "--json", help="print the JSON summary"),
        progress: bool = typer.Option(True, "--progress/--no-progress", help="progress bar"),
    ) -> None:
        """Count real critical points and local minima of ‖φ(W − Q0)‖² on rank-one 3×3 matrices.

        Writes table2.json, table2.md and table2.png (Figure 3) atomically into --out, with the
        complex-count check (39) and a G-test against the published Table 2.
        """
        from dlnscape.algebraic.solve import require_backend
        from dlnscape.experiments.table2 import run_table2
        from dlnscape.report.table2 import table2_markdown, write_table2_outputs
        from dlnscape.validate import check_seed, check_size

        # everything that can fail is checked before the instances are computed
        check_size(instances, "--instances", what="instances")
        check_seed(seed, "--seed")
        check_size(workers, "--workers", what="worker processes")
        out = output_dir(out, "--out")
        require_backend(backend, "--backend")
        res = run_table2(instances, seed, workers=workers, backend=backend,
                         progress=progress and not as_json)
        paths = write_table2_outputs(res, out)
        if as_json:
            d = res.to_dict()
            d.pop("results")
            d["files"] = paths
            echo_json(d)
            return
        console.print(table2_markdown(res))
        console.print(f"written: {', '.join(paths.values())}")
