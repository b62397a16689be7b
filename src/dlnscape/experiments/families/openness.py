"""Family ``openness``: random rank-deficient points — which openness criteria hold, and where
the texts' criteria disagree (catalog check 14; 000 Cor 3.2, 001 Lem 10 / Thm 5, 004 Thm 4).

Task ``(architecture, point)``: θ from ``task_rng(seed, a, point)`` with each layer of a random
rank (``W_i = A_i B_i``, Gaussian factors, rank uniform in 0..min(d_i, d_{i−1})), redrawn (up
to 50 times, deterministically) until ``rank W < r`` when ``rank_deficient = true``. The
analyses (``analyses`` = any of the names below, default all):

* ``is_locally_open``: openness of μ onto M_r, decided by theorems (``dl.is_locally_open``);
* ``layerwise``: 000 Cor 3.2's layer-by-layer criterion (``dl.layerwise_openness_test``),
  compared with the former;
* ``submersion``: 004 Thm 4 (``dl.is_submersion``; a submersion is open);
* ``lift``: ``dl.lift_properties`` — "local ⟹ local" for X = M_r and X = E with their texts'
  criteria.

The summary counts per architecture which criteria hold, the undetermined cases, and the
disagreements (with task ids): the layerwise criterion against openness, and a submersion
that is not open (that would be a bug: 004 Thm 4).

    family = "openness"
    seed = 0
    output = "openness-out"
    analyses = ["is_locally_open", "layerwise", "submersion", "lift"]
    [instances]
    count = 50                 # points per architecture
    [params]
    architectures = [[3, 2, 3], [2, 3, 2], [3, 2, 2, 3], [2, 2, 3, 2], [1, 1, 3, 1]]
    rank_deficient = true
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import numpy as np
from pydantic import Field

from dlnscape.experiments.config import ExperimentConfig, Strict
from dlnscape.experiments.families._landscapes import check_architectures
from dlnscape.experiments.families.base import Family, Row, Summary, Table, TaskContext
from dlnscape.experiments.tasks import task_rng

ANALYSES = ("is_locally_open", "layerwise", "submersion", "lift")


class OpennessParams(Strict):
    architectures: list[list[int]] = Field(
        default_factory=lambda: [[3, 2, 3], [2, 3, 2], [3, 2, 2, 3], [2, 2, 3, 2]], min_length=1)
    rank_deficient: bool = True


def random_point_of_ranks(widths: list[int], rng: np.random.Generator, deficient: bool):
    """θ whose layers have random ranks; with ``deficient`` redrawn until rank W < r."""
    shapes = [(widths[i + 1], widths[i]) for i in range(len(widths) - 1)]
    r = min(widths)
    theta, ranks = None, None
    for _ in range(50):
        ranks = [int(rng.integers(0, min(m, n) + 1)) for m, n in shapes]
        theta = tuple(rng.standard_normal((m, k)) @ rng.standard_normal((k, n))
                      for (m, n), k in zip(shapes, ranks, strict=True))
        W = theta[0]
        for Wk in theta[1:]:
            W = Wk @ W
        if not deficient or np.linalg.matrix_rank(W) < r:
            break
    return theta, ranks


class OpennessFamily(Family):
    name = "openness"
    title = "Openness criteria at random rank-deficient points"
    params_model = OpennessParams
    sections = frozenset({"instances", "analyses"})
    required_sections = frozenset({"instances"})
    analyses = ANALYSES
    default_analyses = ANALYSES
    batch_hint = 16

    def validate(self, cfg: ExperimentConfig) -> None:
        from dlnscape.errors import SpecError

        check_architectures(cfg.params.architectures)
        if cfg.instances.starts != 1:
            raise SpecError("instances.starts: family 'openness' has one analysis per point "
                            f"(expected 1, got {cfg.instances.starts})")

    def task_keys(self, cfg: ExperimentConfig) -> list[dict]:
        return [{"architecture": a, "point": i}
                for a in range(len(cfg.params.architectures))
                for i in range(cfg.instances.count)]

    def run_task(self, cfg: ExperimentConfig, task_id: int, key: dict) -> dict:
        from dlnscape.geometry import (
            is_locally_open,
            is_submersion,
            layerwise_openness_test,
            lift_properties,
            rank_profile,
        )

        widths = cfg.params.architectures[key["architecture"]]
        rng = task_rng(cfg.seed, key["architecture"], key["point"])
        theta, drawn = random_point_of_ranks(widths, rng, cfg.params.rank_deficient)
        prof = rank_profile(theta)
        out: dict = {"architecture": widths, "drawn_layer_ranks": drawn,
                     "layer_ranks": prof.layer_ranks(), "rank_W": prof.rank, "r": prof.r,
                     "degenerate": prof.degenerate, "ambiguous": prof.ambiguous}
        a = set(cfg.analyses)
        if "is_locally_open" in a:
            o = is_locally_open(theta)
            out["open"] = o.is_open
            out["open_theorem"] = o.theorem
        if "layerwise" in a:
            lw = layerwise_openness_test(theta)
            out["layerwise_criterion"] = lw.criterion_holds
            out["layerwise_agrees_with_openness"] = lw.agrees_with_openness
        if "submersion" in a:
            sb = is_submersion(theta)
            out["submersion"] = sb.is_submersion
            out["submersion_criterion_agrees"] = bool(sb.agree)
        if "lift" in a:
            lp = lift_properties(theta, rng=0)
            ll = lp.properties.get("local ⇒ local") or next(iter(lp.properties.values()))
            out["local_local_M_r"] = _verdict(ll.verdict)
            out["local_local_E"] = _verdict(ll.verdict_E)
            out["local_local_per_text"] = {k: _verdict(v.get("value") if isinstance(v, dict)
                                                       else v)
                                           for k, v in ll.per_text.items()}
        extra = self.run_extra_analyses(TaskContext(cfg, task_id, key, rng, None, theta, out))
        if extra:
            out["extra"] = extra
        return out

    def summarize(self, cfg: ExperimentConfig, rows: list[Row], fig_dir: Path) -> Summary:
        by: dict[int, list[tuple[int, dict]]] = defaultdict(list)
        for r in rows:
            if r.status == "ok" and r.result is not None:
                by[r.key["architecture"]].append((r.task_id, r.result))
        body, findings = [], []
        for a, widths in enumerate(cfg.params.architectures):
            rs = by.get(a, [])

            def count(k, v, rs=rs):
                return sum(1 for _, x in rs if x.get(k, "absent") == v)

            lw_dis = [t for t, x in rs if x.get("layerwise_agrees_with_openness") is False]
            sub_not_open = [t for t, x in rs if x.get("submersion") is True
                            and x.get("open") is False]
            ll_dis = [t for t, x in rs if x.get("local_local_M_r") not in (None, "undetermined")
                      and x.get("open") is not None
                      and x.get("local_local_M_r") != x.get("open")]
            body.append([str(tuple(widths)), len(rs), count("degenerate", True),
                         count("open", True), count("open", False), count("open", None),
                         count("submersion", True), count("layerwise_criterion", True),
                         count("layerwise_criterion", False), len(lw_dis),
                         ", ".join(map(str, lw_dis[:8])), len(sub_not_open), len(ll_dis)])
            if lw_dis:
                findings.append(f"{tuple(widths)}: 000 Cor 3.2's layerwise criterion disagrees "
                                f"with openness onto M_r at {len(lw_dis)} of {len(rs)} points "
                                f"(tasks {', '.join(map(str, lw_dis[:8]))})")
            if sub_not_open:
                findings.append(f"**{tuple(widths)}: {len(sub_not_open)} submersions decided "
                                f"not open** (contradicts 004 Thm 4; a bug)")
        cols = ["architecture", "points", "rank W < r", "open", "not open", "open undetermined",
                "submersion (004 Thm 4)", "layerwise criterion holds (000 Cor 3.2)",
                "layerwise criterion fails", "layerwise ≠ openness", "tasks (first)",
                "submersion but not open", "local⟹local (M_r) ≠ openness"]
        if not findings:
            findings.append("no disagreement between the criteria on these points")
        return Summary([Table("openness", "Openness criteria per architecture", cols, body)],
                       [], findings)


def _verdict(v):
    return v if isinstance(v, (bool, type(None))) else str(v)


FAMILY = OpennessFamily()
