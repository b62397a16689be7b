"""``dlnscape geometry SPEC.toml [--json] [--output FILE]``: the geometry of μ at a point.

Prints the rank profile, the differential rank (Lemma 3 and SVD), the submersion test
(Thm 4), local openness (with the theorem used) and 000 Cor 3.2's layerwise test, the lift
properties per reading, the fiber (components, label, available moves), the tangent space of
M_r and the pure/spurious type of the point for the SPEC's loss. ``--json`` prints everything
as JSON on stdout; ``--output FILE`` writes it atomically. The geometry of μ_d applies to
linear networks only: a SPEC with another model is an ``error: …`` (exit 2).
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
from dlnscape.errors import DlnscapeError


def _fmt(v) -> str:
    if isinstance(v, float):
        return f"{v:.4g}"
    return str(v)


def _print(summary: dict) -> None:
    a = summary["architecture"]
    p = summary["rank_profile"]
    t = Table(title=f"geometry of μ at θ — widths {a['widths']} "
                    f"({'filling' if a['filling'] else 'non-filling'}, r = {a['r']})",
              show_header=False)
    t.add_column("quantity")
    t.add_column("value")
    t.add_row("rank W (gap)", f"{p['rank']} ({_fmt(p['end_to_end']['gap'])})"
              + ("  [degenerate]" if p["degenerate"] else ""))
    t.add_row("layer ranks", str(p["layer_ranks"]))
    t.add_row("prefix ranks W_k⋯W_1, k=0..h", str(p["prefix_ranks"]))
    t.add_row("suffix ranks W_h⋯W_k+1, k=0..h", str(p["suffix_ranks"]))
    t.add_row("Hofflin k1, k2", f"{p['k1']}, {p['k2']}")
    t.add_row("ambiguous rank decisions", str(p["ambiguous"]))
    d = summary["differential_rank"]
    j = summary["jacobian_rank"]
    t.add_row("rk dμ: Lemma 3 / SVD / max",
              f"{d['rank']} / {j.get('rank', 'skipped')} / {d['max_rank']}")
    s = summary["submersion"]
    t.add_row("submersion (Thm 4)", f"{s['is_submersion']} ({s['case']})")
    c = summary["image_contains_tangent_space"]
    t.add_row("Im dμ ⊇ T_W M_e", f"{c['contains']} (equal: {c['equal']})")
    o = summary["locally_open"]
    t.add_row("locally open onto M_r", f"{o['is_open']} — {o['theorem']}")
    lw = summary["layerwise_openness_cor3_2"]
    t.add_row("000 Cor 3.2 layerwise test", f"{lw['criterion_holds']} (agrees: "
              f"{lw['agrees_with_openness']})")
    if "lift_properties" in summary:
        for k, v in summary["lift_properties"]["properties"].items():
            t.add_row(f"lift {k} (X = M_r | X = E)", f"{v['verdict']} | {v['verdict_E']}")
    fc = summary["fiber_components"]
    t.add_row("fiber components (Thm 5)", f"{fc['count']} (b = {fc['b']})")
    t.add_row("component label", str(summary["fiber_component_label"]["signs"]))
    t.add_row("fiber moves available", str(len(summary["fiber_moves"])))
    ts = summary["tangent_space_Mr"]
    t.add_row("dim T_W M_e / codim", f"{ts['dim']} / {ts['codim']}")
    if "critical_type" in summary:
        ct = summary["critical_type"]
        t.add_row("critical type (Def 1)", f"{ct['kind']} (literal Def 1: {ct['kind_literal']})")
        t.add_row("‖∇L‖ (relative)", f"{_fmt(ct['grad_norm'])} ({_fmt(ct['relative_grad_norm'])})")
    console.print(t)
    if "lift_properties" in summary:
        for k, v in summary["lift_properties"]["properties"].items():
            for f in v["findings"]:
                console.print(f"[dim]· {k}: {f}[/]")


def register(app: typer.Typer) -> None:
    @app.command()
    @friendly_errors
    def geometry(
        spec: Path = typer.Argument(..., help="SPEC.toml: architecture, loss and point"),
        as_json: bool = typer.Option(False, "--json", help="print all results as JSON"),
        output: Path | None = typer.Option(None, "--output", "-o",
                                           help="write the JSON to this file (atomically)"),
        no_lifts: bool = typer.Option(False, "--no-lifts", help="skip the lift properties"),
    ) -> None:
        """Geometry of the product map μ at the SPEC's point: ranks, differential, openness,
        lifts, fibers, M_r, pure/spurious."""
        from dlnscape.geometry.summary import geometry_summary
        from dlnscape.spec import load_spec

        output = output_file(output, "-o")
        landscape, theta = load_spec(spec)
        if landscape.model.linear_network is None:
            raise DlnscapeError(
                f"geometry: the geometry of μ_d (ranks, differential, openness, lifts, fibers) "
                f"needs a LinearNetwork; the SPEC's model is {landscape.model!r} — use "
                f"`dlnscape classify` or `dlnscape derivatives` for it")
        summary = geometry_summary(theta, landscape, lifts=not no_lifts).to_dict()
        if as_json:
            echo_json(summary)
        else:
            _print(summary)
        if output is not None:
            write_json_atomic(output, summary, option="-o")
            if not as_json:
                console.print(f"wrote {output}")
