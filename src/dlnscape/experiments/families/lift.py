"""Family ``lift``: "local ⟹ 1" beyond the width condition (catalog checks 81–83).

Hofflin 2023, Thm 2.3 (LvB): when ``min(d_1..d_{h−1}) ≥ min(d_0, d_h)`` (the width
condition, i.e. filling), every local minimum θ of g = f∘μ has ``∇f(W) = 0``. Beyond it, the
question is what a local minimum of g says about W = μ(θ) in function space: 1-criticality on
M_r (000 Lem 3.2 / Cor 3.1; 004 Prop 9: a critical θ with rk W < r and ∇f(W) ≠ 0 is a saddle)
— reading X = M_r — or ``∇f(W) = 0`` — reading X = E.

Cells are architectures × functions f: ``distance`` ‖φ vec(W − Q0)‖² (convex, random φ),
``linear_quadratic`` ⟨A, W⟩ + (c/2)‖W − W0‖² (convex, 000 §3.2's family), ``double_well``
Σ ¼(W − Q)⁴ − (a/2)(W − Q)² entrywise (non-convex quartic with isolated minima). Task
``(cell, instance, start)``: f from ``task_rng(seed, cell, instance)``, a start from
``task_rng(seed, cell, instance, start)``,
``find_critical_point`` + Newton polish, ``classify``; at every **certified** local or global
minimum: ``is_stationary_on_Mr(∇f(W), W, r)`` and whether ``∇f(W) = 0`` (relative to the size
of the terms of ∇f, 1e-8).

    family = "lift"
    seed = 0
    output = "lift-out"
    [instances]
    count = 4
    starts = 6
    [optimizer]
    method = "gd"
    max_iter = 20000
    [params]
    architectures = [[3, 1, 3], [3, 2, 2, 3], [4, 2, 3, 4], [2, 3, 3], [3, 4, 2, 3]]
    functions = ["distance", "linear_quadratic", "double_well"]
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
from pydantic import Field

from dlnscape.experiments.config import ExperimentConfig, Strict
from dlnscape.experiments.families._landscapes import (
    MINIMA,
    check_architectures,
    classification_fields,
    optimise,
    polish,
    start_point,
)
from dlnscape.experiments.families.base import Family, Row, Summary, Table, TaskContext
from dlnscape.experiments.tasks import task_rng
from dlnscape.losses import Loss

FunctionKind = Literal["distance", "linear_quadratic", "double_well"]
GRAD_RTOL = 1e-8


def _inner_poly(R: Sequence[np.ndarray], order: int) -> np.ndarray:
    """Coefficients of ⟨R(t), R(t)⟩ for R(t) = Σ R_k t^k, up to ``order``."""
    flat = np.stack([np.ravel(r) for r in R])
    gram = flat @ flat.T
    K = len(R) - 1
    out = np.zeros(max(order, 2 * K) + 1)
    for j in range(K + 1):
        for k in range(K + 1):
            out[j + k] += gram[j, k]
    return out[: order + 1]


@dataclass(frozen=True, eq=False)
class DoubleWellLoss(Loss):
    """``f(W) = Σ_ij ¼D_ij⁴ − (a/2)D_ij²`` with ``D = W − Q``: a non-convex quartic with
    isolated minima (each entry at ``Q_ij ± √a``; Hessian diagonal ``3D² − a``)."""

    Q: np.ndarray
    a: float
    degree: int | None = 4

    @property
    def shape(self) -> tuple[int, int]:  # type: ignore[override]
        return self.Q.shape

    def value(self, W: np.ndarray) -> float:
        D = W - self.Q
        D2 = D * D
        return float(np.sum(0.25 * D2 * D2 - 0.5 * self.a * D2))

    def grad(self, W: np.ndarray) -> np.ndarray:
        D = W - self.Q
        return D * D * D - self.a * D

    def hessian_apply(self, W: np.ndarray, Vs: np.ndarray) -> np.ndarray:
        D = W - self.Q
        return (3.0 * D * D - self.a)[None] * Vs

    def magnitude(self, W: np.ndarray, size: float | None = None):
        """``Σ ¼d⁴ + (a/2)d²`` and ``‖d³‖ + a‖d‖`` with ``d = |W| + |Q|`` entrywise (the terms'
        sizes; ``size`` scales |W| up to the product of the factor norms)."""
        from dlnscape.losses import LossMagnitude

        aW = np.abs(W)
        nW = float(np.linalg.norm(W))
        if size is not None and nW > 0 and size > nW:
            aW = aW * (size / nW)
        d = aW + np.abs(self.Q)
        return LossMagnitude(float(np.sum(0.25 * d**4 + 0.5 * self.a * d * d)),
                             float(np.linalg.norm(d**3) + self.a * np.linalg.norm(d)))

    def jax_value(self, W):
        from dlnscape.jax_support import jnp

        D = W - jnp.asarray(self.Q)
        D2 = D * D
        return jnp.sum(0.25 * D2 * D2 - 0.5 * self.a * D2)

    def taylor(self, coeffs: Sequence[np.ndarray], order: int) -> np.ndarray:
        C = np.stack([np.ravel(c) for c in coeffs])  # (K+1, mn): entrywise polynomials
        C[0] = C[0] - np.ravel(self.Q)
        K = C.shape[0] - 1
        sq = np.zeros((2 * K + 1, C.shape[1]))
        for j in range(K + 1):
            for k in range(K + 1):
                sq[j + k] += C[j] * C[k]
        quart = np.zeros((4 * K + 1, C.shape[1]))
        for j in range(2 * K + 1):
            for k in range(2 * K + 1):
                quart[j + k] += sq[j] * sq[k]
        f = 0.25 * quart.sum(axis=1)
        f[: 2 * K + 1] -= 0.5 * self.a * sq.sum(axis=1)
        out = np.zeros(order + 1)
        out[: min(order + 1, f.size)] = f[: order + 1]
        return out


def random_function(kind: str, d0: int, dh: int, rng: np.random.Generator) -> Loss:
    from dlnscape.losses import DistanceLoss, LinearQuadraticLoss

    if kind == "distance":
        m = d0 * dh
        return DistanceLoss(rng.standard_normal((dh, d0)), rng.standard_normal((m, m)))
    if kind == "linear_quadratic":
        return LinearQuadraticLoss(rng.standard_normal((dh, d0)), float(rng.uniform(0.5, 2.0)),
                                   rng.standard_normal((dh, d0)))
    if kind == "double_well":
        return DoubleWellLoss(rng.standard_normal((dh, d0)), float(rng.uniform(0.5, 2.0)))
    raise ValueError(f"unknown function kind {kind!r}")


class LiftParams(Strict):
    architectures: list[list[int]] = Field(
        default_factory=lambda: [[3, 1, 3], [3, 2, 2, 3], [2, 3, 3]], min_length=1)
    functions: list[FunctionKind] = Field(
        default_factory=lambda: ["distance", "linear_quadratic", "double_well"], min_length=1)


def width_condition(widths: list[int]) -> bool:
    """LvB / 000 Thm 2.3: ``min(d_1..d_{h−1}) ≥ min(d_0, d_h)`` (no bottleneck)."""
    return min(widths[1:-1]) >= min(widths[0], widths[-1]) if len(widths) > 2 else True


def cells(cfg: ExperimentConfig) -> list[tuple[list[int], str]]:
    return [(a, f) for a in cfg.params.architectures for f in cfg.params.functions]


class LiftFamily(Family):
    name = "lift"
    title = "local ⟹ 1 beyond the width condition (Hofflin / LvB / Trager Prop 9)"
    params_model = LiftParams
    sections = frozenset({"instances", "optimizer", "analyses"})
    required_sections = frozenset({"instances"})
    analyses = ("classify",)
    default_analyses = ("classify",)
    batch_hint = 4

    def validate(self, cfg: ExperimentConfig) -> None:
        from dlnscape.errors import SpecError

        check_architectures(cfg.params.architectures)
        if "classify" not in cfg.analyses:
            raise SpecError("analyses: family 'lift' needs 'classify'")

    def task_keys(self, cfg: ExperimentConfig) -> list[dict]:
        n, s = cfg.instances.count, cfg.instances.starts
        return [{"cell": c, "instance": i, "start": j}
                for c in range(len(cells(cfg))) for i in range(n) for j in range(s)]

    def run_task(self, cfg: ExperimentConfig, task_id: int, key: dict) -> dict:
        from dlnscape.architecture import Architecture, end_to_end
        from dlnscape.critical import classify
        from dlnscape.geometry import is_stationary_on_Mr
        from dlnscape.landscape import Landscape
        from dlnscape.models import LinearNetwork

        c, i, s = key["cell"], key["instance"], key["start"]
        widths, kind = cells(cfg)[c]
        arch = Architecture(widths)
        f = random_function(kind, widths[0], widths[-1], task_rng(cfg.seed, c, i))
        L = Landscape(LinearNetwork(arch), f)
        rng = task_rng(cfg.seed, c, i, s)
        sol = optimise(L, start_point(arch, rng, cfg.optimizer.init_scale), cfg)
        theta = polish(L, sol.theta)
        cls = classify(L, theta, rng=rng)
        out = {"architecture": widths, "width_condition": width_condition(widths),
               "function": kind, "r": arch.r, **classification_fields(cls)}
        if out["verdict"] in MINIMA:
            W = end_to_end(theta)
            G = f.grad(W)
            size = float(np.prod([np.linalg.norm(Wk) for Wk in theta]))
            mag = f.magnitude(W, size)
            st = is_stationary_on_Mr(G, W, arch.r, scale=mag.gradient)
            gz = float(np.linalg.norm(G)) / mag.gradient if mag.gradient > 0 else 0.0
            out.update({"rank_W": int(st.rank.rank),
                        "stationary_on_Mr": st.stationary,
                        "stationarity_residuals": st.residuals,
                        "relative_grad_f": gz, "grad_f_zero": bool(gz <= GRAD_RTOL)})
        extra = self.run_extra_analyses(TaskContext(cfg, task_id, key, rng, L, theta, out))
        if extra:
            out["extra"] = extra
        return out

    def summarize(self, cfg: ExperimentConfig, rows: list[Row], fig_dir: Path) -> Summary:
        by: dict[int, list[dict]] = defaultdict(list)
        for r in rows:
            if r.status == "ok" and r.result is not None:
                by[r.key["cell"]].append(r.result)
        body = []
        tot = {"cond": [0, 0, 0], "beyond": [0, 0, 0]}  # minima, stationary on M_r, ∇f = 0
        for c, (widths, kind) in enumerate(cells(cfg)):
            rs = by.get(c, [])
            mins = [x for x in rs if x["verdict"] in MINIMA]
            stat = sum(x["stationary_on_Mr"] is True for x in mins)
            und = sum(x["stationary_on_Mr"] is None for x in mins)
            gz = sum(x["grad_f_zero"] for x in mins)
            deficient = sum(x["rank_W"] < x["r"] for x in mins)
            t = tot["cond" if width_condition(widths) else "beyond"]
            t[0] += len(mins)
            t[1] += stat
            t[2] += gz
            body.append([str(tuple(widths)), width_condition(widths), kind, len(rs), len(mins),
                         deficient, stat, len(mins) - stat - und, und, gz, len(mins) - gz])
        cols = ["architecture", "width condition", "f", "runs", "certified minima",
                "of which rank W < r", "stationary on M_r (local ⟹ 1, X = M_r)",
                "not stationary on M_r", "stationarity undetermined", "∇f(W) = 0 (X = E)",
                "∇f(W) ≠ 0"]
        findings = []
        n, st, gz = tot["cond"]
        if n:
            findings.append(
                f"width condition (000 Thm 2.3 / LvB): {n} certified minima, ∇f(W) = 0 at {gz}: "
                + ("agrees" if gz == n else f"**{n - gz} minima with ∇f(W) ≠ 0 contradict it**"))
        n, st, gz = tot["beyond"]
        if n:
            findings.append(
                f"beyond the width condition, reading X = M_r: {st}/{n} certified minima are "
                "1-critical on M_r " + ("(local ⟹ 1 holds on these runs; 004 Prop 9/Thm 4)"
                                        if st == n else "(**counterexamples to local ⟹ 1**)"))
            findings.append(
                f"beyond the width condition, reading X = E: ∇f(W) = 0 at {gz}/{n} certified "
                "minima" + (" (local ⟹ 1 fails for X = E, as expected off the width condition)"
                            if gz < n else ""))
        return Summary([Table("lift", "Certified minima of f∘μ in function space", cols, body)],
                       [], findings)


FAMILY = LiftFamily()
