"""Family ``table2``: Trager, Kohn & Bruna 2020, Experiment 1 / Table 2 / Figure 3.

Task ``i`` is instance ``i`` of :mod:`dlnscape.experiments.table2`: ``(Q0, φ)`` drawn from
``np.random.default_rng([seed, i])`` (the protocol's own seeding, kept so that the engine and
``run_table2`` give the same instances), its real critical points and local minima on M_1
counted by ``critical_points_on_Mr``. A batch of instances is solved in one homotopy batch
(``critical_points_on_Mr_many``). The summary is the table with its G-test against the
published one and the Figure 3 bubble plot.

    family = "table2"
    seed = 0
    output = "table2-out"
    [instances]
    count = 2000
    [params]
    backend = "auto"          # critical_points_on_Mr backend
    certified_only = true     # tabulate certified counts only
    # solver = "pkg.mod:fn"   # replaces critical_points_on_Mr (tests)
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from pydantic import Field

from dlnscape.experiments.config import ExperimentConfig, Ref, Strict, resolve_ref
from dlnscape.experiments.families.base import Family, Row, Summary, Table


class Table2Params(Strict):
    backend: str = Field("auto", min_length=1)
    certified_only: bool = True
    solver: Ref | None = None


def _solver(cfg: ExperimentConfig):
    s = cfg.params.solver
    return None if s is None else resolve_ref(s, "params.solver")


def result_dict(r) -> tuple[dict, float]:
    """An ``InstanceResult`` as a task result (without its timing) and its seconds."""
    d = r.to_dict()
    sec = d.pop("seconds")
    d.pop("index")
    return d, float(sec)


def instance_result(task_id: int, result: dict | None, seconds: float, error: str | None):
    """The ``InstanceResult`` of a stored task (an engine-level failure becomes an error)."""
    from dlnscape.experiments.table2 import InstanceResult

    if result is None:
        return InstanceResult(task_id, None, None, None, False, None, None, seconds,
                              error or "task failed")
    return InstanceResult(task_id, result["n_complex"], result["n_real"],
                          result["n_local_minima"], result["certified"], result["backend"],
                          result["backend_version"], seconds, result["error"])


class Table2Family(Family):
    name = "table2"
    title = "Trager et al. 2020, Experiment 1 / Table 2"
    params_model = Table2Params
    sections = frozenset({"instances"})
    required_sections = frozenset({"instances"})
    batch_hint = 50

    def validate(self, cfg: ExperimentConfig) -> None:
        from dlnscape.errors import SpecError

        if cfg.instances is not None and cfg.instances.starts != 1:
            raise SpecError("instances.starts: family 'table2' has one solve per instance "
                            f"(expected 1, got {cfg.instances.starts})")
        if cfg.params.solver is not None:
            resolve_ref(cfg.params.solver, "params.solver")

    def check_runtime(self, cfg: ExperimentConfig) -> None:
        from dlnscape.experiments.table2 import _default_solver_available

        if cfg.params.solver is None:
            _default_solver_available()

    def task_keys(self, cfg: ExperimentConfig) -> list[dict]:
        return [{"instance": i} for i in range(cfg.instances.count)]

    def run_task(self, cfg: ExperimentConfig, task_id: int, key: dict) -> dict:
        from dlnscape.experiments.table2 import solve_instance

        r = solve_instance(cfg.seed, key["instance"], cfg.params.backend, _solver(cfg))
        return result_dict(r)[0]

    def run_batch(self, cfg: ExperimentConfig, items: Sequence[tuple[int, dict]]):
        from dlnscape.experiments.table2 import _solve_batch

        out = _solve_batch((cfg.seed, [k["instance"] for _, k in items], cfg.params.backend,
                            _solver(cfg)))
        return [result_dict(r) for r in out]

    def summarize(self, cfg: ExperimentConfig, rows: list[Row], fig_dir: Path) -> Summary:
        from dlnscape.experiments.table2 import EXPECTED_COMPLEX, PUBLISHED_TABLE2, tabulate
        from dlnscape.report.figures import table2_bubble_plot

        res = tabulate([instance_result(r.task_id, r.result, r.seconds, r.error)
                        for r in rows], seed=cfg.seed, backend=cfg.params.backend,
                       certified_only=cfg.params.certified_only)
        cols = ["#local minima \\ #real critical points"] + [str(c) for c in res.real_axis] \
            + ["row total"]
        body = [[mn] + [int(v) for v in res.table[a]] + [int(res.table[a].sum())]
                for a, mn in enumerate(res.minima_axis)]
        body.append(["column total"] + list(res.column_totals.values()) + [res.n_tabulated])
        t = Table("table2", f"Table 2: {res.n_tabulated} tabulated of {res.instances} "
                            f"instances (seed {cfg.seed})", cols, body)
        fig = table2_bubble_plot(res.counts, fig_dir / "table2.png", published=PUBLISHED_TABLE2)
        findings = [
            f"mean #local minima {res.mean_minima:.4g} (published 1.917), mean #real critical "
            f"points {res.mean_real:.4g} (published 5.346)",
            f"{res.instances - len(res.non_generic)} instances with {EXPECTED_COMPLEX} complex "
            f"critical points; {len(res.non_generic)} non-generic or failed; "
            f"{len(res.uncertified)} uncertified",
        ]
        if res.gtest is not None:
            findings.append(f"{res.gtest.method}: G = {res.gtest.statistic:.4g}, "
                            f"dof = {res.gtest.dof}, p = {res.gtest.pvalue:.4g}")
        return Summary([t], [("Figure 3: real critical points vs local minima", fig)], findings)


FAMILY = Table2Family()
