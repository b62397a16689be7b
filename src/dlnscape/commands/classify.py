"""``dlnscape classify SPEC.toml [--json] [-o FILE]`` and ``dlnscape verify CERT.json``.

``classify`` prints the verdict, the numbers and the certificate summary (``--json``: as JSON);
``-o FILE`` writes the
classification together with a self-contained copy of the SPEC (arrays inlined), so that
``dlnscape verify`` can rebuild the landscape and re-check every certificate from scratch.
"""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.table import Table

from dlnscape.commands._common import (
    console,
    echo_json,
    figure_file,
    friendly_errors,
    output_file,
    write_json_atomic,
)
from dlnscape.errors import DlnscapeError, SpecError
from dlnscape.landscape import Landscape


def spec_dict(landscape: Landscape, theta) -> dict:
    """A SPEC dictionary (as accepted by ``dlnscape.spec.spec_from_dict``) with arrays inlined:
    the model and the loss through the registry's writers (:func:`dlnscape.spec.spec_to_dict`)."""
    from dlnscape.spec import spec_to_dict

    return spec_to_dict(landscape, theta)


def _print_classification(res) -> None:
    t = Table(title=f"verdict: [bold]{res.verdict}[/]", show_header=False)
    t.add_column("quantity")
    t.add_column("value")
    t.add_row("L(θ)", f"{res.value:.12g}")
    t.add_row("‖∇L‖ (relative)", f"{res.gradient_norm:.3g} ({res.relative_gradient_norm:.2g})")
    if res.global_value is not None:
        t.add_row("global minimum of l on M_r", f"{res.global_value:.12g}")
    if res.hessian is not None:
        h = res.hessian
        t.add_row("Hessian inertia (−, 0, +)", f"({h.n_negative}, {h.n_zero}, {h.n_positive})")
        t.add_row("λ_min, λ_max", f"{h.lambda_min:.4g}, {h.lambda_max:.4g}"
                  f" (zero threshold {h.threshold:.2g})")
    t.add_row("rank W / r", f"{res.rank.get('rank')} / {res.rank.get('r')}")
    if res.critical_type is not None:
        t.add_row("critical type", str(getattr(res.critical_type, "kind", res.critical_type)))
    if res.order is not None:
        t.add_row("criticality order", str(res.order))
    for c in res.all_certificates:
        t.add_row(f"certificate ({c.kind})", c.summary())
    console.print(t)
    console.print(res.explanation)
    for r in res.reasons:
        console.print(f"[dim]· {r}[/]")


def _plot(landscape: Landscape, res, path: Path) -> None:
    from dlnscape.critical import EscapeCertificate
    from dlnscape.plot import escape, hessian_spectrum

    if isinstance(res.certificate, EscapeCertificate):
        escape(landscape, res.certificate, path)
    elif res.hessian is not None and res.hessian.eigenvalues is not None:
        hessian_spectrum(res.hessian.eigenvalues, path, zero_threshold=res.hessian.threshold,
                         title=f"Hessian spectrum ({res.verdict})")
    else:
        raise DlnscapeError("--plot: the result has neither an escape nor a dense Hessian spectrum")


def register(app: typer.Typer) -> None:
    @app.command()
    @friendly_errors
    def classify(
        spec: Path = typer.Argument(..., help="SPEC.toml: architecture, loss and point"),
        as_json: bool = typer.Option(False, "--json", help="print the result as JSON"),
        output: Path | None = typer.Option(
            None, "--output", "-o", help="write the result and certificate here (for verify)"
        ),
        seed: int = typer.Option(0, help="seed of the escape search's random directions"),
        plot: Path | None = typer.Option(
            None, "--plot", help="the loss along the escape (or the Hessian spectrum) as a "
                                 "figure; the suffix .png, .pdf or .svg chooses the format"
        ),
    ) -> None:
        """Classify the point of SPEC (global/local minimum, strict/degenerate saddle, …)
        with a certificate that `dlnscape verify` re-checks."""
        from dlnscape.critical import classify as _classify
        from dlnscape.spec import load_spec
        from dlnscape.validate import check_seed

        output = output_file(output, "-o")
        plot = figure_file(plot, "--plot")
        seed = check_seed(seed, "--seed")
        landscape, theta = load_spec(spec)
        res = _classify(landscape, theta, rng=seed)
        payload = None
        if as_json or output is not None:
            payload = {"spec": spec_dict(landscape, theta), **res.to_dict(),
                       "verified": res.verify(landscape)}
        if as_json:
            echo_json(payload)
        else:
            _print_classification(res)
        if output is not None:
            write_json_atomic(output, payload, option="-o")
            if not as_json:
                console.print(f"wrote {output}")
        if plot is not None:
            _plot(landscape, res, plot)
            if not as_json:
                console.print(f"wrote {plot}")

    @app.command()
    @friendly_errors
    def verify(
        cert: Path = typer.Argument(..., help="CERT.json from `dlnscape classify -o`"),
    ) -> None:
        """Re-check a saved certificate from scratch (exit code 1 if any check fails)."""
        from dlnscape.critical import certificate_from_dict
        from dlnscape.spec import spec_from_dict

        if not cert.exists():
            raise SpecError(f"CERT: file {cert} does not exist")
        if cert.is_dir():
            raise SpecError(f"CERT: {cert} is a directory; expected a CERT.json file")
        try:
            data = json.loads(cert.read_text())
        except json.JSONDecodeError as e:
            raise SpecError(f"CERT: {cert} is not valid JSON: {e}") from None
        if not isinstance(data, dict) or "spec" not in data:
            raise SpecError(f"CERT: {cert} has no 'spec' (write it with dlnscape classify -o FILE)")
        landscape, theta = spec_from_dict(data["spec"], cert.parent)
        certs = [data[k] for k in ("certificate",) if data.get(k)] + list(
            data.get("certificates") or [])
        if "kind" in data:  # a bare certificate with a spec
            certs = [data]
        if not certs:
            raise SpecError(f"CERT: {cert} contains no certificate (verdict "
                            f"{data.get('verdict')!r})")
        from dlnscape.critical.certificates import check_verdict

        objs = [certificate_from_dict(d) for d in certs]
        verdict = data.get("verdict")
        if verdict is None:
            # a bare certificate: check it alone, and say that no verdict was stored
            reps = [(c, c.check(landscape, theta)) for c in objs]
            ok_all = all(r.ok for _, r in reps)
        else:
            rep = check_verdict(landscape, theta, str(verdict), objs)
            ok_all = rep.ok
            by_index = {f.get("index"): f for f in rep.checks if "index" in f}
            reps = []
            for i, c in enumerate(objs):
                sub = by_index.get(i, {})
                reps.append((c, type("R", (), {"ok": sub.get("ok", False),
                                               "failures": sub.get("failures", [])})()))
        for c, r in reps:
            mark = "[green]OK[/]" if r.ok else "[red]FAILED[/]"
            console.print(f"{mark}  {c.kind} ({getattr(c, 'method', '')}): {c.summary()}")
            for f in r.failures:
                nums = {k: v for k, v in f.items() if k not in ("check", "ok")}
                console.print(f"   [red]✗[/] {f['check']} {nums}")
        if verdict is None:
            console.print("no verdict stored: only the certificate itself was checked")
        else:
            for f in rep.failures:
                if "index" not in f:
                    nums = {k: v for k, v in f.items() if k not in ("check", "ok")}
                    console.print(f"   [red]✗[/] {f['check']} {nums}")
            console.print(f"verdict {verdict!r}: "
                          + ("supported: every certificate re-checks and together they prove it"
                             if ok_all else "NOT supported"))
        raise typer.Exit(0 if ok_all else 1)
