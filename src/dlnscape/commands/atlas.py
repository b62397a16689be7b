"""``dlnscape atlas``: every claim of the five seed texts, checked, in one report.

    dlnscape atlas [--quick] [--only ID …] [--seed-text 000 …] [--workers N] [--out DIR]
                   [--scheduler tcp://HOST:PORT] [--master-seed S] [--no-resume]
    dlnscape atlas --verify DIR/certificates/NAME.json

The first form runs the registry (``dlnscape.claims``) and writes ``DIR/index.html``,
``DIR/atlas.md``, ``DIR/atlas.json`` (validated against its schema), the figures and the
certificates; the terminal shows progress and ends with the summary table (counts by status
and seed). The checks run through the experiment engine (one task per check; its SQLite store
in ``DIR/.store`` lets an interrupted atlas resume). The second form re-checks one
certificate file from scratch (exit 1 if it fails).
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from dlnscape.commands._common import console, friendly_errors, output_dir
from dlnscape.errors import DlnscapeError


def summary_table(counts: dict, title: str) -> Table:
    from dlnscape.claims.base import STATUSES
    from dlnscape.claims.registry import SEEDS

    colors = {"agrees": "green", "certified_disagreement": "bold red",
              "not_checkable": "dim", "error": "yellow"}
    t = Table(title=title)
    t.add_column("seed")
    for s in STATUSES:
        t.add_column(f"[{colors[s]}]{s}[/]", justify="right")
    t.add_column("total", justify="right")
    for seed in (*SEEDS, "all"):
        c = counts[seed]
        t.add_row(f"[bold]{seed}[/]" if seed == "all" else seed,
                  *[str(c[s]) for s in STATUSES], str(sum(c.values())))
    return t


def _verify_file(path: Path) -> None:
    from dlnscape.claims.base import verify_certificate_text

    if not path.exists():
        raise DlnscapeError(f"--verify: file {path} does not exist")
    ok, details = verify_certificate_text(path.read_text(encoding="utf-8"))
    data = json.loads(path.read_text(encoding="utf-8"))
    what = data.get("label") or data.get("claim") or path.name
    mark = "[green]OK[/]" if ok else "[red]FAILED[/]"
    console.print(f"{mark}  {escape(str(what))}")
    for k, v in details.items():
        console.print(f"   {escape(str(k))}: {escape(str(v))}")
    raise typer.Exit(0 if ok else 1)


def register(app: typer.Typer) -> None:
    @app.command()
    @friendly_errors
    def atlas(
        quick: bool = typer.Option(False, "--quick", help="small instances (< 5 min on 2 cores)"),
        only: list[str] | None = typer.Option(
            None, "--only", help="catalog IDs to run (repeat or comma-separate), e.g. "
                                 "T-004-Thm12"),
        seed_text: list[str] | None = typer.Option(
            None, "--seed-text", help="seed texts to run: 000 … 004 (repeat or comma-separate)"),
        workers: int = typer.Option(2, "--workers", help="worker processes (1: this process)"),
        out: Path = typer.Option(Path("atlas"), "--out", help="output folder"),
        scheduler: str | None = typer.Option(
            None, "--scheduler", help="a Dask scheduler address (tcp://HOST:PORT) to run on"),
        master_seed: int = typer.Option(0, "--master-seed", help="seed of every random instance"),
        verify: Path | None = typer.Option(
            None, "--verify", help="re-check one certificate file of an atlas and exit"),
        resume: bool = typer.Option(
            True, "--resume/--no-resume",
            help="keep finished checks in DIR/.store (the experiment engine's SQLite store) "
                 "and reuse them when the same atlas is run again"),
    ) -> None:
        """Check every claim of the seed texts and write the atlas report."""
        if verify is not None:
            _verify_file(verify)
            return
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        from dlnscape.claims.base import Status
        from dlnscape.claims.runner import run_atlas
        from dlnscape.report.atlas import write_atlas
        from dlnscape.validate import check_seed, check_size

        check_size(workers, "--workers", what="worker processes")
        check_seed(master_seed, "--master-seed")
        out = output_dir(out, "--out")

        def split(vals):
            return [x.strip() for v in (vals or []) for x in v.split(",") if x.strip()]

        ids, seeds = split(only), split(seed_text)
        t0 = time.perf_counter()
        progress = Progress(TextColumn("[progress.description]{task.description}"),
                            BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                            TextColumn("{task.fields[last]}"), console=console,
                            transient=False, disable=not console.is_terminal)
        state: dict = {}
        counts = {s.value: 0 for s in Status}

        def on_plan(n_checks: int, n_ids: int) -> None:
            state["task"] = progress.add_task("atlas: catalog IDs", total=n_ids, last="")

        def on_result(rs) -> None:
            for r in rs:
                counts[r.status.value] += 1
            last = rs[-1] if rs else None
            if last is not None and last.check:
                tag = {"agrees": "[green]agrees[/]", "certified_disagreement":
                       "[red]disagreement[/]", "error": "[yellow]error[/]",
                       "not_checkable": "[dim]not checkable[/]"}[last.status.value]
                label = f"{last.id}: {tag}"
            else:
                label = ""
            progress.update(state["task"], advance=len(rs), last=label)
            if not console.is_terminal and last is not None and last.check:
                console.print(f"  {last.id}: {last.status.value} ({last.seconds:.1f} s)")

        with progress:
            run = run_atlas(quick=quick, only=ids or None, seeds=seeds or None,
                            workers=workers, scheduler=scheduler, master_seed=master_seed,
                            out_label=str(out), on_result=on_result, on_plan=on_plan,
                            store=out / ".store" if resume else None)
        paths = write_atlas(run, out)
        console.print(summary_table(run.counts(), f"dlnscape atlas ({'quick' if quick else 'full'}"
                                                  f"): catalog entries by status and seed"))
        from dlnscape.report.atlas import atlas_document, grouped_disagreements

        for ids, r in grouped_disagreements(atlas_document(run)):
            console.print(f"[red]✗[/] {escape(', '.join(ids))}: {escape(r['summary'])}")
            for c in r["certificates"][:2]:
                console.print(f"    re-verify: [bold]{escape(c['command'])}[/]", soft_wrap=True)
        for r in run.results:
            if r.status is Status.ERROR:
                console.print(f"[yellow]error[/] {r.id}: {r.summary}")
        console.print(f"{len(run.results)} catalog IDs in {time.perf_counter() - t0:.1f} s "
                      f"({run.runner} runner, {run.workers} worker(s)); report: "
                      f"{paths['html']} (also {paths['markdown']}, {paths['json']})",
                      soft_wrap=True)
