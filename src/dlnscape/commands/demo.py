"""``dlnscape demo``: the main jobs on an embedded default, end to end, in about a minute.

1. exact derivatives (closed form vs JAX vs finite differences) on a few architectures;
2. certified classification of the seeds' explicit points and of Eckart–Young saddles, each
   certificate re-verified from scratch and saved as JSON (re-check with ``dlnscape verify``);
3. a small Table 2 run (Trager et al. 2020, Experiment 1) with its figure and G-test.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import typer
from rich.table import Table

from dlnscape.commands._common import console, friendly_errors, output_dir, write_json_atomic

DEMO_ARCHITECTURES = ("3,2,2,3", "4,3,2,3,4", "2,5,1,5,2")


def _derivatives_section() -> bool:
    from dlnscape.architecture import random_point
    from dlnscape.commands.derivatives import compare, make_loss, parse_widths
    from dlnscape.landscape import Landscape
    from dlnscape.models.linear import LinearNetwork

    t = Table(title="1. derivatives: max relative error of the closed forms")
    for col in ("widths", "loss", "P", "vs JAX", "vs finite diff.", "ok"):
        t.add_column(col, justify="right")
    all_ok = True
    for widths in DEMO_ARCHITECTURES:
        for loss_name in ("squared", "distance"):
            arch = parse_widths(widths)
            rng = np.random.default_rng(0)
            land = Landscape(LinearNetwork(arch), make_loss(loss_name, arch, rng, 5))
            rows = compare(land, random_point(arch, rng), random_point(arch, rng))
            ok = all(r.ok for r in rows)
            all_ok &= ok
            fd = [r.rel_err_fd for r in rows if r.rel_err_fd is not None]
            t.add_row(widths, loss_name, str(arch.n_params),
                      f"{max(r.rel_err_jax for r in rows):.1e}", f"{max(fd):.1e}",
                      "[green]yes[/]" if ok else "[bold red]NO[/]")
    console.print(t)
    return all_ok


def _classify_section(out: Path) -> bool:
    import dlnscape as dl
    from dlnscape import examples
    from dlnscape.commands.classify import spec_dict

    cases = [
        ("001 Intro", *examples.nouiehed_intro_example()),
        ("000 §3.2", *examples.hofflin_counterexample()),
        ("002 Cor2.4 H=2", *examples.kawaguchi_cor24_point(2)),
        ("(w3w2w1−1)²/2", *examples.minimal_cubic_example()),
    ]
    rng = np.random.default_rng(0)
    arch = dl.Architecture([3, 2, 2, 3])
    loss = dl.SquaredLoss(rng.standard_normal((3, 6)), rng.standard_normal((3, 6)))
    land = dl.Landscape(dl.LinearNetwork(arch), loss)
    for I in ((0, 1), (0, 2), (1, 2)):
        theta, _ = dl.critical_point_from_subset(loss, arch, I, rng=1)
        cases.append((f"EY I={''.join(str(i + 1) for i in I)}", land, theta))

    t = Table(title="2. certified classification (every certificate re-verified)")
    for col in ("point", "verdict", "loss", "‖∇L‖", "λ_min", "certificate", "ok"):
        t.add_column(col, no_wrap=True)
    all_ok = True
    for i, (name, landscape, theta) in enumerate(cases):
        res = dl.classify(landscape, theta, rng=0)
        ok = bool(res.verify(landscape))
        all_ok &= ok
        cert = res.certificate
        kind = type(cert).__name__.replace("Certificate", "") if cert is not None else "—"
        method = getattr(cert, "method", None) if kind == "Escape" else None
        lam = res.hessian.lambda_min if res.hessian is not None else float("nan")
        t.add_row(name, res.verdict, f"{res.value:.4g}", f"{res.gradient_norm:.1e}",
                  f"{lam:.2e}", method or kind,
                  "[green]yes[/]" if ok else "[bold red]NO[/]")
        if cert is not None:  # the same file `dlnscape classify -o` writes: verify re-checks it
            write_json_atomic(out / "certificates" / f"point{i}.json",
                              {"spec": spec_dict(landscape, theta), **res.to_dict(),
                               "verified": ok})
    console.print(t)
    console.print("EY I = subset of singular values kept (Trager et al. 2020, Thm 12); "
                  "method = how the escape certificate was found")
    console.print(f"certificates written to {out / 'certificates'} (re-check one: "
                  f"{dlnscape_command()} verify {out / 'certificates' / 'point0.json'})",
                  soft_wrap=True)
    return all_ok


def _table2_section(out: Path, instances: int, workers: int) -> bool:
    from dlnscape.experiments.table2 import run_table2
    from dlnscape.report.table2 import table2_markdown, write_table2_outputs

    console.rule(f"3. Table 2 of Trager et al. 2020 on {instances} instances")
    res = run_table2(instances, 0, workers=workers, progress=True)
    paths = write_table2_outputs(res, out / "table2")
    console.print(table2_markdown(res))
    console.print(f"written: {', '.join(paths.values())}")
    return True


def dlnscape_command() -> str:
    """How to run ``dlnscape`` from this shell: ``dlnscape`` when the running one is on PATH
    (e.g. an activated venv), else its full path (``.venv/bin/dlnscape``)."""
    import shutil
    import sys

    here = Path(sys.prefix) / "bin" / "dlnscape"
    found = shutil.which("dlnscape")
    if found is not None and (not here.exists() or Path(found).resolve() == here.resolve()):
        return "dlnscape"
    if here.exists():
        try:
            return str(here.relative_to(Path.cwd()))
        except ValueError:
            return str(here)
    return f"{sys.executable} -m dlnscape"


def register(app: typer.Typer) -> None:
    @app.command()
    @friendly_errors
    def demo(
        out: Path = typer.Option(Path("dlnscape-demo"), "--out", help="output folder"),
        instances: int = typer.Option(40, "--instances", help="Table 2 instances"),
        workers: int = typer.Option(2, "--workers", help="worker processes for Table 2"),
    ) -> None:
        """Run derivatives checks, certified classifications and a small Table 2."""
        from dlnscape.algebraic.solve import require_backend
        from dlnscape.validate import check_size

        check_size(instances, "--instances", what="instances")
        check_size(workers, "--workers", what="worker processes")
        out = output_dir(out, "--out")
        require_backend("auto", "table 2 (backend auto)")
        ok = _derivatives_section()
        ok &= _classify_section(out)
        ok &= _table2_section(out, instances, workers)
        if not ok:
            console.print("[bold red]some check failed: see the tables above[/]")
            raise typer.Exit(1)
        console.print(f"[green]demo finished[/]: outputs in {out}/")
