"""Family ``depth``: Kawaguchi 2016 — depth 1…5 hidden layers under his assumptions.

Data satisfy Thm 2.3's hypotheses (checked, redrawn until they hold): ``X ∈ R^{d_x×m}``,
``Y ∈ R^{d_y×m}``, ``d_y ≤ d_x``, ``XXᵀ`` and ``XYᵀ`` of full rank, and
``Σ = YXᵀ(XXᵀ)⁻¹XYᵀ`` with ``d_y`` distinct eigenvalues; the loss is ½‖W_{H+1}⋯W_1X − Y‖²
and its global value is Thm 2.3's ``L* = ½(tr YYᵀ − Σ_{k ≤ min(p, d_y)} λ_k(Σ))``
(cross-checked with ``dlnscape.global_minimum``). The same data serve every depth (instance
``i`` uses ``task_rng(seed, i)``); start ``s`` at depth ``H`` uses
``task_rng(seed, k_H, i, s)``.

A run is gradient descent (Armijo backtracking, step doubling) for ``optimizer.max_iter``
iterations. Where it **stalls** — over ``stall_window`` iterations the loss fell by less than
``stall_rtol`` of its remaining gap to L* — the nearby critical point is found
(``find_critical_point(…, "newton")`` from there) and classified (the next stall counts only
once the loss is below that critical value, so one plateau is one stall): the saddles met on the way
(strict / degenerate, i.e. Kawaguchi's "bad" saddles without a negative eigenvalue). The end
point is classified too. Per depth: the fraction of runs reaching L*, the end verdicts, the
saddles met. Thm 2.3(ii)–(iii): no non-global local minimum; Cor 2.4: degenerate saddles
exist for H ≥ 2 and never for H = 1.

    family = "depth"
    seed = 0
    output = "depth-out"
    [instances]
    count = 4
    starts = 6
    [optimizer]
    max_iter = 20000
    init_scale = 0.1           # small starts meet the saddles around 0
    [params]
    hidden_layers = [1, 2, 3, 4, 5]
    width = 3
    d_x = 4
    d_y = 3
    n_data = 12
"""

from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path

import numpy as np
from pydantic import Field

from dlnscape.errors import SpecError
from dlnscape.experiments.config import ExperimentConfig, Strict
from dlnscape.experiments.families._landscapes import (
    MINIMA,
    classification_fields,
    polish,
    start_point,
    verdict_bars,
)
from dlnscape.experiments.families.base import Family, Row, Summary, Table, TaskContext
from dlnscape.experiments.tasks import task_rng


class DepthParams(Strict):
    hidden_layers: list[int] = Field(default_factory=lambda: [1, 2, 3, 4, 5], min_length=1)
    width: int = Field(3, ge=1, le=1000, description="width of every hidden layer")
    d_x: int = Field(4, ge=1, le=1000)
    d_y: int = Field(3, ge=1, le=1000)
    n_data: int = Field(12, ge=1, le=1_000_000)
    stall_window: int = Field(100, ge=2)
    stall_rtol: float = Field(1e-3, gt=0, lt=1)
    max_stalls: int = Field(4, ge=0, le=100)
    value_rtol: float = Field(1e-7, gt=0, lt=1,
                              description="L − L* ≤ value_rtol · ½tr YYᵀ counts as reaching L*")


def kawaguchi_data(rng: np.random.Generator, d_x: int, d_y: int, m: int,
                   max_draws: int = 100) -> tuple[np.ndarray, np.ndarray, dict]:
    """``(X, Y, facts)`` satisfying Thm 2.3's hypotheses (redrawn until they hold)."""
    for draw in range(max_draws):
        X = rng.standard_normal((d_x, m))
        Y = rng.standard_normal((d_y, m))
        XXt = X @ X.T
        if np.linalg.matrix_rank(XXt) < d_x or np.linalg.matrix_rank(X @ Y.T) < d_y:
            continue
        S = Y @ X.T @ np.linalg.solve(XXt, X @ Y.T)
        lam = np.sort(np.linalg.eigvalsh((S + S.T) / 2))[::-1]
        gap = float(np.min(np.abs(np.diff(lam))) / max(lam[0], 1e-300)) if d_y > 1 else 1.0
        if gap > 1e-6:
            return X, Y, {"draws": draw + 1, "sigma_eigenvalues": lam, "min_relative_gap": gap}
    raise RuntimeError("no data satisfying Kawaguchi's hypotheses in 100 draws")


def kawaguchi_global_value(Y: np.ndarray, lam: np.ndarray, p: int) -> float:
    """Thm 2.3: ``½(tr YYᵀ − Σ_{k ≤ min(p, d_y)} λ_k(Σ))``."""
    return 0.5 * (float(np.sum(Y * Y)) - float(np.sum(lam[:min(p, Y.shape[0])])))


class DepthFamily(Family):
    name = "depth"
    title = "Kawaguchi 2016: depth, global minima and the saddles met on the way"
    params_model = DepthParams
    sections = frozenset({"instances", "optimizer", "analyses"})
    required_sections = frozenset({"instances"})
    analyses = ("classify",)
    default_analyses = ("classify",)
    batch_hint = 2

    def validate(self, cfg: ExperimentConfig) -> None:
        p = cfg.params
        if p.d_y > p.d_x:
            raise SpecError(f"params.d_y: Kawaguchi's Thm 2.3 needs d_y ≤ d_x "
                            f"(got d_y = {p.d_y} > d_x = {p.d_x})")
        if p.n_data < p.d_x:
            raise SpecError(f"params.n_data: XXᵀ of full rank needs n_data ≥ d_x = {p.d_x}, "
                            f"got {p.n_data}")
        if any(h < 1 or h > 50 for h in p.hidden_layers):
            raise SpecError(f"params.hidden_layers: expected integers in 1..50, got "
                            f"{p.hidden_layers}")
        if "classify" not in cfg.analyses:
            raise SpecError("analyses: family 'depth' needs 'classify'")

    def task_keys(self, cfg: ExperimentConfig) -> list[dict]:
        n, s = cfg.instances.count, cfg.instances.starts
        return [{"depth": k, "instance": i, "start": j}
                for k in range(len(cfg.params.hidden_layers)) for i in range(n)
                for j in range(s)]

    def run_task(self, cfg: ExperimentConfig, task_id: int, key: dict) -> dict:
        from dlnscape.architecture import Architecture
        from dlnscape.critical import classify, find_critical_point
        from dlnscape.functional import global_minimum
        from dlnscape.landscape import Landscape
        from dlnscape.losses import SquaredLoss
        from dlnscape.models import LinearNetwork

        p = cfg.params
        k, i, s = key["depth"], key["instance"], key["start"]
        H = p.hidden_layers[k]
        X, Y, facts = kawaguchi_data(task_rng(cfg.seed, i), p.d_x, p.d_y, p.n_data)
        arch = Architecture([p.d_x] + [p.width] * H + [p.d_y])
        loss = SquaredLoss(X, Y)
        L = Landscape(LinearNetwork(arch), loss)
        L_star = kawaguchi_global_value(Y, facts["sigma_eigenvalues"], p.width)
        gm = global_minimum(loss, arch)
        scale = 0.5 * float(np.sum(Y * Y))
        rng = task_rng(cfg.seed, k, i, s)
        theta = start_point(arch, rng, cfg.optimizer.init_scale)
        theta, n_iter, stalls = _descend(L, theta, cfg, L_star, scale, rng)
        # finish: GD to a small relative gradient, then Newton steps that do not go uphill
        theta = find_critical_point(L, theta, "gd", max_iter=cfg.optimizer.max_iter).theta
        theta = polish(L, theta)
        end = classify(L, theta, rng=rng)
        value = float(L.value(theta))
        out = {
            "hidden_layers": H,
            "widths": list(arch.widths),
            "L_star": L_star,
            "global_value_dlnscape": None if gm is None else float(gm.value),
            "value": value,
            "gap": (value - L_star) / scale,
            "reached_global": bool(value - L_star <= p.value_rtol * scale),
            "n_iter": n_iter,
            "stalls": stalls,
            "n_strict_saddles": sum(x["verdict"] == "strict_saddle" for x in stalls),
            "n_degenerate_saddles": sum(x["verdict"] == "degenerate_saddle" for x in stalls),
            "end": classification_fields(end),
            "data_draws": facts["draws"],
            "sigma_min_relative_gap": facts["min_relative_gap"],
        }
        extra = self.run_extra_analyses(TaskContext(cfg, task_id, key, rng, L, theta, out))
        if extra:
            out["extra"] = extra
        return out

    def summarize(self, cfg: ExperimentConfig, rows: list[Row], fig_dir: Path) -> Summary:
        p = cfg.params
        by: dict[int, list[dict]] = defaultdict(list)
        failed: Counter = Counter()
        bad_ids = []
        for r in rows:
            if r.status == "ok" and r.result is not None:
                by[r.key["depth"]].append(r.result)
                if r.result["end"]["verdict"] in MINIMA and not r.result["reached_global"]:
                    bad_ids.append(r.task_id)
            else:
                failed[r.key["depth"]] += 1
        verdicts = sorted({x["end"]["verdict"] for rs in by.values() for x in rs})
        body, fracs, labels, findings = [], [], [], []
        bad_min_total = 0
        degenerate_h1 = 0
        for k, H in enumerate(p.hidden_layers):
            rs = by.get(k, [])
            n = max(1, len(rs))
            ends = Counter(x["end"]["verdict"] for x in rs)
            bad_min = sum(1 for x in rs if x["end"]["verdict"] in MINIMA
                          and not x["reached_global"])
            bad_min_total += bad_min
            met_deg = sum(1 for x in rs if x["n_degenerate_saddles"] > 0)
            met_strict = sum(1 for x in rs if x["n_strict_saddles"] > 0)
            if H == 1:
                degenerate_h1 += sum(x["n_degenerate_saddles"] for x in rs)
            frac = {v: ends.get(v, 0) / n for v in verdicts}
            fracs.append(frac)
            labels.append(f"H = {H}")
            body.append([H, len(rs), failed.get(k, 0),
                         round(sum(x["reached_global"] for x in rs) / n, 4),
                         round(sum(x["n_strict_saddles"] for x in rs) / n, 3),
                         round(sum(x["n_degenerate_saddles"] for x in rs) / n, 3),
                         met_strict, met_deg, bad_min,
                         float(np.median([x["n_iter"] for x in rs])) if rs else None,
                         *[round(frac[v], 4) for v in verdicts]])
        cols = ["hidden layers H", "runs", "failed", "fraction reaching L*",
                "strict saddles met per run", "degenerate saddles met per run",
                "runs meeting a strict saddle", "runs meeting a degenerate saddle",
                "end points: local minimum above L*", "median GD iterations",
                *[f"end fraction {v}" for v in verdicts]]
        t = Table("depth", "Per depth (Kawaguchi Thm 2.3 / Cor 2.4)", cols, body)
        deep_deg = sum(row[7] for row, H in zip(body, p.hidden_layers, strict=True) if H >= 2)
        findings.append(
            "Thm 2.3(ii) every local minimum is global: " + (
                "agrees (no end point certified as a minimum above L*)" if bad_min_total == 0
                else f"**{bad_min_total} end point(s) classified as minima above L*** "
                     f"(tasks {', '.join(map(str, bad_ids[:10]))}): either a counterexample "
                     "or a wrong certificate — re-run the task alone "
                     "(run_in_memory(cfg, task_ids=[…])) and check its certificate's evidence"))
        findings.append(
            "Cor 2.4, H = 1 (no saddle without negative curvature): " + (
                "agrees (no degenerate saddle met)" if degenerate_h1 == 0 else
                f"**{degenerate_h1} certified degenerate saddles met at H = 1**"))
        findings.append(
            "Cor 2.4, H ≥ 2 (bad saddles exist): " + (
                f"agrees: {deep_deg} runs met a certified degenerate saddle" if deep_deg else
                "no degenerate saddle met on these runs (an existence claim: not a "
                "contradiction)"))
        fig = verdict_bars(labels, fracs, fig_dir / "depth_end_verdicts.png",
                           "depth: end-point verdicts per depth")
        return Summary([t], [("End-point verdicts per depth", fig)], findings)


def _descend(L, theta, cfg: ExperimentConfig, L_star: float, scale: float, rng):
    """GD with Armijo backtracking; classify the critical point near each stall."""
    from dlnscape.architecture import pack
    from dlnscape.critical import classify, find_critical_point

    p = cfg.params
    x = pack(theta)
    th = L.unpack(x)
    val = float(L.value(th))
    eta = 1.0
    history = [val]
    stalls: list[dict] = []
    last_check = 0
    below = np.inf  # a new stall counts only once the loss is below the last saddle's value
    it = 0
    for it in range(1, cfg.optimizer.max_iter + 1):  # noqa: B007
        g = L.grad_flat(th)
        gn = float(np.linalg.norm(g))
        if gn == 0.0 or val - L_star <= p.value_rtol * scale * 1e-3:
            break
        while eta > 1e-16:
            x_new = x - eta * g
            th_new = L.unpack(x_new)
            v_new = float(L.value(th_new))
            if v_new <= val - 1e-4 * eta * gn * gn:
                break
            eta *= 0.5
        else:
            break  # no decrease possible at this precision: the end
        x, th, val = x_new, th_new, v_new
        eta = min(eta * 2.0, 1e6)
        history.append(val)
        w = p.stall_window
        if (len(stalls) < p.max_stalls and it - last_check >= w and len(history) > w
                and val - L_star > p.value_rtol * scale and val < below):
            drop = history[-w - 1] - val
            if drop < p.stall_rtol * (history[-w - 1] - L_star):
                last_check = it
                sol = find_critical_point(L, th, "newton", max_iter=200)
                c = classify(L, sol.theta, rng=rng)
                cv = float(sol.value)
                below = cv - p.stall_rtol * max(cv - L_star, 0.0)
                dist = float(np.linalg.norm(pack(sol.theta) - x) / max(np.linalg.norm(x),
                                                                        1e-300))
                stalls.append({"iteration": it, "value": val, "critical_value": cv,
                               "relative_distance": dist, "converged": bool(sol.converged),
                               "verdict": str(getattr(c.verdict, "value", c.verdict)),
                               "n_negative": None if c.hessian is None
                               else int(c.hessian.n_negative)})
    return th, it, stalls


FAMILY = DepthFamily()
