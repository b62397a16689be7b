"""Family ``table1``: Trager, Kohn & Bruna 2020, Table 1 — where bad local minima exist.

The text's table (catalog T-004-Table1): filling architectures have no bad (non-global) local
minima for any smooth convex loss; non-filling ones have none for the quadratic loss (a special
property of determinantal varieties, Eckart–Young) but do for other smooth convex losses.

Cells are architectures × losses (``squared`` ½‖WX − Y‖², ``distance_identity`` ‖W − Q0‖²,
``distance`` ‖φ vec(W − Q0)‖² with a random Gaussian φ, ``logistic`` with ridge). Task
``(cell, instance, start)``: the instance's loss from ``task_rng(seed, cell, instance)``, a
start from ``task_rng(seed, cell, instance, start)`` (default scale × ``optimizer.init_scale``),
``find_critical_point`` with the ``[optimizer]``, Newton polish of the end point (kept only if
it stays within 1e-3 and does not go uphill), and ``classify`` of it (certified verdicts). Per
cell the summary gives the fraction of runs per verdict, the number of distinct local-minimum
values per instance, and the **certified non-global local minima**: runs whose
certified local minimum lies above the certified global value, or above another certified
minimum of the same instance (two certified minima with different values prove the higher one
non-global).

    family = "table1"
    seed = 0
    output = "table1-out"
    analyses = ["classify"]
    [instances]
    count = 5
    starts = 10
    [optimizer]
    method = "gd"
    max_iter = 20000
    [params]
    architectures = [[3, 1, 3], [3, 2, 2, 3], [2, 3, 3], [3, 3, 2]]
    losses = ["squared", "distance", "logistic"]
"""

from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path

from pydantic import Field

from dlnscape.experiments.config import ExperimentConfig, Strict
from dlnscape.experiments.families._landscapes import (
    MINIMA,
    QUADRATIC,
    LossKind,
    check_architectures,
    classification_fields,
    distinct_values,
    optimise,
    polish,
    random_loss,
    start_point,
    verdict_bars,
)
from dlnscape.experiments.families.base import Family, Row, Summary, Table, TaskContext
from dlnscape.experiments.tasks import task_rng


class Table1Params(Strict):
    architectures: list[list[int]] = Field(
        default_factory=lambda: [[3, 1, 3], [3, 2, 2, 3], [2, 3, 3], [3, 3, 2]], min_length=1)
    losses: list[LossKind] = Field(
        default_factory=lambda: ["squared", "distance", "logistic"], min_length=1)
    n_data: int = Field(8, ge=1, le=100_000)
    ridge: float = Field(0.1, ge=0)
    value_rtol: float = Field(1e-6, gt=0, lt=1,
                              description="two minimum values are one when closer than this, "
                                          "relative to the instance's value scale (the size "
                                          "of the terms of l(W), dlnscape.tolerances)")


def cells(cfg: ExperimentConfig) -> list[tuple[list[int], str]]:
    p = cfg.params
    return [(a, loss) for a in p.architectures for loss in p.losses]


def is_filling(widths: list[int]) -> bool:
    return min(widths) == min(widths[0], widths[-1])


def cell_label(widths: list[int], loss: str) -> str:
    return f"{tuple(widths)} {loss}"


class Table1Family(Family):
    name = "table1"
    title = "Trager et al. 2020, Table 1 (filling × loss: bad local minima)"
    params_model = Table1Params
    sections = frozenset({"instances", "optimizer", "analyses"})
    required_sections = frozenset({"instances"})
    analyses = ("classify",)
    default_analyses = ("classify",)
    batch_hint = 4

    def validate(self, cfg: ExperimentConfig) -> None:
        from dlnscape.errors import SpecError

        check_architectures(cfg.params.architectures)
        if "classify" not in cfg.analyses:
            raise SpecError("analyses: family 'table1' needs 'classify' (its verdicts are "
                            "the table)")

    def task_keys(self, cfg: ExperimentConfig) -> list[dict]:
        n, s = cfg.instances.count, cfg.instances.starts
        return [{"cell": c, "instance": i, "start": j}
                for c in range(len(cells(cfg))) for i in range(n) for j in range(s)]

    def landscape(self, cfg: ExperimentConfig, cell: int, instance: int):
        from dlnscape.architecture import Architecture
        from dlnscape.landscape import Landscape
        from dlnscape.models import LinearNetwork

        widths, kind = cells(cfg)[cell]
        arch = Architecture(widths)
        loss = random_loss(kind, widths[0], widths[-1], task_rng(cfg.seed, cell, instance),
                           n_data=cfg.params.n_data, ridge=cfg.params.ridge)
        return arch, Landscape(LinearNetwork(arch), loss)

    def run_task(self, cfg: ExperimentConfig, task_id: int, key: dict) -> dict:
        from dlnscape.critical import classify
        from dlnscape.tolerances import point_scale

        c, i, s = key["cell"], key["instance"], key["start"]
        arch, L = self.landscape(cfg, c, i)
        rng = task_rng(cfg.seed, c, i, s)
        sol = optimise(L, start_point(arch, rng, cfg.optimizer.init_scale), cfg)
        theta = polish(L, sol.theta)
        cls = classify(L, theta, rng=rng)
        widths, kind = cells(cfg)[c]
        out = {"architecture": widths, "filling": is_filling(widths), "loss": kind,
               "converged": bool(sol.converged), "n_iter": int(sol.n_iter),
               "polished": theta is not sol.theta,
               "value_scale": float(point_scale(L, theta).value),
               **classification_fields(cls)}
        extra = self.run_extra_analyses(TaskContext(cfg, task_id, key, rng, L, theta, out))
        if extra:
            out["extra"] = extra
        return out

    def summarize(self, cfg: ExperimentConfig, rows: list[Row], fig_dir: Path) -> Summary:
        cs = cells(cfg)
        rtol = cfg.params.value_rtol
        by_cell: dict[int, list[Row]] = defaultdict(list)
        for r in rows:
            by_cell[r.key["cell"]].append(r)
        all_verdicts = sorted({(r.result or {}).get("verdict", "error") if r.status == "ok"
                               else "error" for r in rows})
        table_rows, fracs, labels = [], [], []
        quad = {(True, True): [0, 0], (True, False): [0, 0], (False, True): [0, 0],
                (False, False): [0, 0]}  # (filling, quadratic) → [instances, with bad minima]
        for c, (widths, kind) in enumerate(cs):
            rs = by_cell.get(c, [])
            st = cell_stats(rs, rtol)
            verdicts = Counter(st["verdicts"])
            n = max(1, len(rs))
            frac = {v: verdicts.get(v, 0) / n for v in all_verdicts}
            fracs.append(frac)
            labels.append(cell_label(widths, kind))
            table_rows.append([
                str(tuple(widths)), is_filling(widths), kind, st["instances"], len(rs),
                st["mean_distinct"], st["max_distinct"], st["multi_value_instances"],
                st["nonglobal_runs"], st["nonglobal_instances"],
                *[round(frac[v], 4) for v in all_verdicts],
            ])
            q = quad[(is_filling(widths), kind in QUADRATIC)]
            q[0] += st["instances"]
            q[1] += st["nonglobal_instances"]
        cols = ["architecture", "filling", "loss", "instances", "runs",
                "distinct min values (mean)", "distinct min values (max)",
                "instances with >1 min value", "certified non-global minima (runs)",
                "instances with a certified non-global minimum",
                *[f"fraction {v}" for v in all_verdicts]]
        t_cells = Table("cells", "Per cell: verdicts, distinct local-minimum values, "
                                 "certified non-global local minima", cols, table_rows)
        claim = {(True, True): "no bad minima", (True, False): "no bad minima",
                 (False, True): "no bad minima", (False, False): "bad minima exist"}
        t1_rows, findings = [], []
        for filling in (True, False):
            row = ["filling" if filling else "non-filling"]
            for quadratic in (True, False):
                n_inst, bad = quad[(filling, quadratic)]
                txt = "—" if n_inst == 0 else (
                    f"certified bad minima in {bad}/{n_inst} instances" if bad
                    else f"none in {n_inst} instances")
                row.append(f"{txt} (text: {claim[(filling, quadratic)]})")
                if n_inst:
                    findings.append(_finding(filling, quadratic, n_inst, bad))
            t1_rows.append(row)
        t_table1 = Table("table1", "Table 1 as reproduced (instances with a certified "
                                   "non-global local minimum)",
                         ["", "quadratic loss", "other smooth convex loss"], t1_rows)
        fig = verdict_bars(labels, fracs, fig_dir / "table1_verdicts.png",
                           "table1: fraction of runs per verdict")
        return Summary([t_table1, t_cells], [("Verdicts per cell", fig)], findings)


def cell_stats(rs: list[Row], rtol: float) -> dict:
    """Per-cell numbers from its rows (grouped by instance)."""
    verdicts = []
    by_inst: dict[int, list[dict]] = defaultdict(list)
    for r in rs:
        if r.status != "ok" or r.result is None:
            verdicts.append("error")
            continue
        verdicts.append(r.result["verdict"])
        by_inst[r.key["instance"]].append(r.result)
    distinct, nonglobal_runs, nonglobal_inst, multi = [], 0, 0, 0
    for res in by_inst.values():
        scale = max([abs(x["value"]) for x in res] + [x.get("value_scale", 0.0) for x in res]
                    + [1e-300])
        tol = rtol * scale
        mins = [x for x in res if x["verdict"] in MINIMA]
        vals = distinct_values([x["value"] for x in mins], tol)
        distinct.append(len(vals))
        multi += len(vals) > 1
        lowest = min((x["value"] for x in mins), default=None)
        bad = 0
        for x in mins:
            if x["verdict"] != "local_minimum":
                continue
            above_global = x["global_value"] is not None and x["value"] > x["global_value"] + tol
            above_other = lowest is not None and x["value"] > lowest + tol
            bad += above_global or above_other
        nonglobal_runs += bad
        nonglobal_inst += bad > 0
    return {
        "verdicts": verdicts,
        "instances": len(by_inst),
        "mean_distinct": round(sum(distinct) / len(distinct), 3) if distinct else None,
        "max_distinct": max(distinct) if distinct else None,
        "multi_value_instances": multi,
        "nonglobal_runs": nonglobal_runs,
        "nonglobal_instances": nonglobal_inst,
    }


def _finding(filling: bool, quadratic: bool, n: int, bad: int) -> str:
    arch = "filling" if filling else "non-filling"
    loss = "quadratic" if quadratic else "other convex"
    if filling or quadratic:
        verdict = ("agrees with the text (no bad minima)" if bad == 0 else
                   f"**contradicts the text**: certified non-global local minima in {bad} "
                   "instances")
    else:
        verdict = (f"agrees with the text (bad minima exist): certified in {bad}/{n} instances"
                   if bad else "no bad minimum found (the text says they exist; not a "
                               "contradiction: existence, not genericity)")
    return f"{arch} × {loss} loss ({n} instances): {verdict}"


FAMILY = Table1Family()
