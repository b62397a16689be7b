"""``dlnscape critical-points``: every complex critical point of a quadratic loss on M_r.

``dlnscape critical-points SPEC.toml [--rank R] [--backend B] [--json] [-o FILE]``
reads the loss (squared or distance) and the rank r of the model's declared image M_r
(r = min(widths) for a linear network) from a SPEC (the point is not needed);
``--ex13-seed S`` draws a random instance of Trager et al. 2020 Ex 13 instead
(3×3, rank one, φ ∈ Z^{9×9}, Q0 ∈ Z^{3×3} uniform in {−10..10}).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import typer
from rich.table import Table

from dlnscape.commands._common import console, friendly_errors, to_jsonable, write_json_atomic
from dlnscape.errors import SpecError


def register(app: typer.Typer) -> None:
    @app.command("critical-points")
    @friendly_errors
    def critical_points(
        spec: Path = typer.Argument(None, help="SPEC.toml with a squared or distance loss"),
        rank: int = typer.Option(None, "--rank",
                                 help="r (default: the model's image M_r, min of the widths)"),
        backend: str = typer.Option("auto", "--backend", help="auto, msolve, homotopy or phc"),
        ex13_seed: int = typer.Option(None, "--ex13-seed",
                                      help="solve a random Ex 13 instance drawn with this seed"),
        as_json: bool = typer.Option(False, "--json", help="print the full result as JSON"),
        output: Path = typer.Option(None, "--output", "-o", help="write the full result here"),
    ) -> None:
        """All complex critical points on M_r, the real ones with their index, certified."""
        from dlnscape.algebraic import critical_points_on_Mr
        from dlnscape.losses import DistanceLoss
        from dlnscape.spec import load_spec

        if ex13_seed is not None:
            rng = np.random.default_rng(ex13_seed)
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
        res = critical_points_on_Mr(loss, r, backend=backend)
        if as_json:
            typer.echo(json.dumps(to_jsonable(res), indent=2))
        else:
            t = Table(title=(f"{res.n_complex} complex, {res.n_real} real critical points, "
                             f"{res.n_local_minima} local minima on M_{r}"))
            t.add_column("loss value")
            t.add_column("index")
            t.add_column("singular values of W")
            for p in res.points:
                t.add_row(f"{p.value:.10g}", "undetermined" if p.index is None else str(p.index),
                          ", ".join(f"{s:.4g}" for s in p.singular_values))
            console.print(t)
            console.print(f"backend: {res.backend} ({res.backend_version}), {res.seconds:.3f} s, "
                          f"certified: {res.certified}")
            console.print(res.certification)
            if res.fallback:
                console.print(f"[dim]{res.fallback}[/]")
        if output is not None:
            write_json_atomic(output, res)
            if not as_json:
                console.print(f"wrote {output}")
