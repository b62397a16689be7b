"""``dlnscape critical-points``: every complex critical point of a quadratic loss on M_r.

``dlnscape critical-points SPEC.toml [--rank R] [--backend B] [--json] [-o FILE]``
reads the loss (squared or distance) and the rank r of the model's declared image M_r
(r = min(widths) for a linear network) from a SPEC (the point is not needed);
``--ex13-seed S`` draws a random instance of Trager et al. 2020 Ex 13 instead
(3×3, rank one, φ ∈ Z^{9×9}, Q0 ∈ Z^{3×3} uniform in {−10..10}).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import typer
from rich.table import Table

from dlnscape.algebraic.solve import BACKENDS
from dlnscape.commands._common import (
    console,
    echo_json,
    friendly_errors,
    output_file,
    plural,
    write_json_atomic,
)
from dlnscape.errors import SpecError


def summary_line(res, r: int) -> str:
    """The main line: the counts, or that the critical set is not finite (then there is
    nothing to count, and "0 critical points" would be wrong)."""
    if res.evidence.get("status") == "positive_dimensional":
        return (f"the critical set on M_{r} is positive-dimensional (not finite): no isolated "
                f"critical points to count")
    return (f"{res.n_complex} complex, {res.n_real} real critical "
            f"{'point' if res.n_real == 1 else 'points'}, "
            f"{plural(res.n_local_minima, 'local minimum', 'local minima')} on M_{r}")


def register(app: typer.Typer) -> None:
    @app.command("critical-points")
    @friendly_errors
    def critical_points(
        spec: Path = typer.Argument(None, help="SPEC.toml with a squared or distance loss"),
        rank: int = typer.Option(None, "--rank",
                                 help="r (default: the model's image M_r, min of the widths)"),
        backend: str = typer.Option("auto", "--backend",
                                    help=f"the solver: one of {', '.join(BACKENDS)}"),
        ex13_seed: int = typer.Option(None, "--ex13-seed",
                                      help="solve a random Ex 13 instance drawn with this seed"),
        timeout: float = typer.Option(600.0, "--timeout",
                                      help="seconds for msolve or for building a start system "
                                           "(then a certified lower bound)"),
        as_json: bool = typer.Option(False, "--json", help="print the full result as JSON"),
        output: Path = typer.Option(None, "--output", "-o", help="write the full result here"),
    ) -> None:
        """All complex critical points on M_r, the real ones with their index, certified."""
        from dlnscape.algebraic import critical_points_on_Mr
        from dlnscape.algebraic.solve import require_backend
        from dlnscape.losses import DistanceLoss
        from dlnscape.spec import load_spec
        from dlnscape.validate import check_seed, check_size

        if ex13_seed is not None and spec is not None:
            raise SpecError(f"--ex13-seed, SPEC: give a SPEC file or --ex13-seed S, not both "
                            f"(got {spec} and --ex13-seed {ex13_seed})")
        output = output_file(output, "-o")
        if rank is not None:
            check_size(rank, "--rank", what="the rank r")
        require_backend(backend, "--backend")
        if ex13_seed is not None:
            rng = np.random.default_rng(check_seed(ex13_seed, "--ex13-seed"))
            loss = DistanceLoss(rng.integers(-10, 11, size=(3, 3)),
                                rng.integers(-10, 11, size=(9, 9)))
            r = 1 if rank is None else rank
        else:
            if spec is None:
                raise SpecError("SPEC: give a SPEC.toml file or --ex13-seed S")
            landscape, _ = load_spec(spec, need_point=False)  # the point is not used
            loss = landscape.loss
            if rank is None:
                image = landscape.model.image
                if image is None:
                    raise SpecError(
                        f"--rank: {landscape.model!r} declares no image M_r, so give the rank "
                        f"r of the matrices to search")
                rank = image.r
            r = rank
        with console.status("solving …") as status:
            res = critical_points_on_Mr(
                loss, r, backend=backend, timeout=timeout,
                progress=None if as_json else (lambda k, c: status.update(
                    f"building the start system by monodromy: loop {k}, {c} solutions")))
        if as_json:
            echo_json(res)
        else:
            console.print(f"[bold]{summary_line(res, r)}[/]", soft_wrap=True)
            t = Table()
            t.add_column("loss value")
            t.add_column("index")
            t.add_column("singular values of W")
            for p in res.points:
                t.add_row(f"{p.value:.10g}", "undetermined" if p.index is None else str(p.index),
                          ", ".join(f"{s:.4g}" for s in p.singular_values))
            if res.points:
                console.print(t)
            console.print(f"backend: {res.backend} ({res.backend_version}), {res.seconds:.3f} s, "
                          f"certified: {res.certified}")
            console.print(res.certification)
            if res.fallback:
                console.print(f"[dim]{res.fallback}[/]")
        if output is not None:
            write_json_atomic(output, res, option="-o")
            if not as_json:
                console.print(f"wrote {output}")
