"""Table 2 (Trager et al. 2020, Experiment 1) as Markdown, JSON and the Figure 3 PNG."""

from __future__ import annotations

from pathlib import Path

from dlnscape.experiments.table2 import EXPECTED_COMPLEX, PUBLISHED_TABLE2, Table2Result
from dlnscape.io import write_atomic, write_json_atomic
from dlnscape.report.figures import table2_bubble_plot


def table2_markdown(res: Table2Result) -> str:
    """The table (rows = #local minima, columns = #real critical points) with totals, and checks."""
    lines = [
        f"# Table 2 reproduction (Trager et al. 2020, Experiment 1): {res.n_tabulated} "
        f"tabulated of {res.instances} instances, seed {res.seed}, backend {res.backend}",
        "",
        "| #local minima \\ #real crit. pts | "
        + " | ".join(str(c) for c in res.real_axis) + " | row total |",
        "|---" * (len(res.real_axis) + 2) + "|",
    ]
    for a, mn in enumerate(res.minima_axis):
        lines.append(f"| {mn} | " + " | ".join(str(int(v)) for v in res.table[a])
                     + f" | {int(res.table[a].sum())} |")
    lines.append("| column total | " + " | ".join(str(v) for v in res.column_totals.values())
                 + f" | **{res.n_tabulated}** |")
    lines += [
        "",
        f"- mean #local minima: {res.mean_minima:.4g} (published 1.917); "
        f"mean #real critical points: {res.mean_real:.4g} (published 5.346)",
        f"- complex-count check: {res.instances - len(res.non_generic)} instances with "
        f"{EXPECTED_COMPLEX} complex critical points; {len(res.non_generic)} listed apart as "
        f"non-generic or failed"
        + (": " + ", ".join(f"#{r.index} ({r.n_complex if r.error is None else r.error})"
                            for r in res.non_generic[:20]) if res.non_generic else ""),
        f"- uncertified (excluded when certified_only): {len(res.uncertified)}",
    ]
    if res.gtest is not None:
        lines.append(f"- {res.gtest.method}: G = {res.gtest.statistic:.4g}, dof = {res.gtest.dof},"
                     f" p = {res.gtest.pvalue:.4g}")
    lines.append(f"- wall time {res.wall_seconds:.1f} s on {res.workers} worker(s); solver time "
                 f"{res.solver_seconds:.1f} s; backends: {res.backends_used}")
    return "\n".join(lines) + "\n"


def write_table2_outputs(res: Table2Result, out_dir) -> dict[str, str]:
    """Write ``table2.json``, ``table2.md`` and ``table2.png`` atomically into ``out_dir``."""
    out = Path(out_dir)
    paths = {
        "json": str(write_json_atomic(out / "table2.json", res.to_dict())),
        "markdown": str(write_atomic(out / "table2.md", table2_markdown(res))),
        "png": str(table2_bubble_plot(res.counts, out / "table2.png",
                                      published=PUBLISHED_TABLE2)),
    }
    return paths
