"""``dlnscape experiment run|status|report|export``: config-driven studies with a store."""

from __future__ import annotations

from pathlib import Path

import typer

from dlnscape.commands._common import (
    console,
    echo_json,
    friendly_errors,
    output_dir,
    output_file,
)


def register(app: typer.Typer) -> None:
    sub = typer.Typer(help="Config-driven experiments: run (resumable), status, report, "
                           "export.", no_args_is_help=True)

    @sub.command("run")
    @friendly_errors
    def run(
        config: Path = typer.Argument(..., help="experiment TOML file"),
        runner: str = typer.Option("process", "--runner", help="serial | process | dask"),
        workers: int = typer.Option(None, "--workers", "-w",
                                    help="worker processes (default: the CPUs available)"),
        scheduler: str = typer.Option(None, "--scheduler",
                                      help="Dask scheduler address tcp://HOST:PORT (with "
                                           "--runner dask; default: a LocalCluster)"),
        out: Path = typer.Option(None, "--out", help="output directory (default: the "
                                                     "config's output)"),
        batch_size: int = typer.Option(None, "--batch-size",
                                       help="tasks per batch (default: sized from task times)"),
        retry_failed: bool = typer.Option(False, "--retry-failed",
                                          help="run the failed tasks again"),
        quiet: bool = typer.Option(False, "--quiet", "-q", help="no progress bar"),
        as_json: bool = typer.Option(False, "--json", help="print the run summary as JSON"),
    ) -> None:
        """Run CONFIG into its store, skipping finished tasks (resume). Ctrl-C stops after the
        batches in flight; run again to resume."""
        from dlnscape.experiments.config import load_config
        from dlnscape.experiments.engine import run_experiment
        from dlnscape.validate import check_size

        if workers is not None:
            check_size(workers, "--workers", what="worker processes")
        if batch_size is not None:
            check_size(batch_size, "--batch-size", what="tasks per batch")
        out = output_dir(out, "--out")
        cfg = load_config(config)
        rep = run_experiment(cfg, output=out, runner=runner, workers=workers,
                             scheduler=scheduler, batch_size=batch_size,
                             progress=False if (quiet or as_json) else None,
                             retry_failed=retry_failed)
        if as_json:
            echo_json(rep.to_dict())
        else:
            console.print(
                f"{cfg.label}: ran {rep.ran} task(s) ({rep.ok} ok, {rep.failed} failed) in "
                f"{rep.wall_seconds:.1f} s on {rep.runner}, {rep.tasks_per_second:.3g} tasks/s; "
                f"{rep.skipped} already done; {rep.skipped + rep.ran}/{rep.n_tasks} in "
                f"{rep.output}")
        if rep.interrupted:
            console.print("interrupted: the store is consistent; run the same command again "
                          "to resume")
            raise typer.Exit(130)

    @sub.command("status")
    @friendly_errors
    def status(
        directory: Path = typer.Argument(..., help="output directory of a run"),
        as_json: bool = typer.Option(False, "--json", help="print JSON"),
    ) -> None:
        """Tasks finished, failed and remaining, with the config hash and versions."""
        from dlnscape.experiments.store import Store

        with Store.open(directory) as st:
            s = st.status()
            fails = st.failures(5)
        if as_json:
            echo_json(s.to_dict())
            return
        console.print(f"{s.name} (family {s.family}, config {s.config_hash}): {s.done}/"
                      f"{s.n_tasks} done, {s.ok} ok, {s.failed} failed, {s.remaining} "
                      f"remaining; {s.task_seconds:.1f} s of task time; versions {s.versions}")
        for tid, err, _ in fails:
            console.print(f"  task {tid}: {err}", markup=False)

    @sub.command("report")
    @friendly_errors
    def report(directory: Path = typer.Argument(..., help="output directory of a run")) -> None:
        """Markdown + CSV tables, PNG figures and one self-contained HTML page in DIR/report."""
        from dlnscape.experiments.report import write_report

        paths = write_report(directory)
        console.print(f"written: {paths['html']}, {paths['markdown']} and "
                      f"{len(paths) - 2} table/figure file(s)")

    @sub.command("export")
    @friendly_errors
    def export(
        directory: Path = typer.Argument(..., help="output directory of a run"),
        fmt: str = typer.Option("parquet", "--format", help="parquet | csv"),
        out: Path = typer.Option(None, "-o", "--output", help="file (default DIR/tasks.FMT)"),
    ) -> None:
        """One row per task (key, status, result fields) for pandas: parquet or CSV."""
        from dlnscape.experiments.report import export as do_export

        out = output_file(out, "-o")
        console.print(f"written: {do_export(directory, fmt, out)}")

    app.add_typer(sub, name="experiment")
