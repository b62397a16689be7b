"""Shared pieces of the optimisation families: random losses, starts, optimise + classify."""

from __future__ import annotations

from typing import Literal

import numpy as np

from dlnscape.errors import SpecError
from dlnscape.experiments.config import ExperimentConfig

LossKind = Literal["squared", "distance", "distance_identity", "logistic"]
#: quadratic losses in the sense of Trager et al. Table 1 (no bad minima on any M_r)
QUADRATIC = ("squared", "distance_identity")
MINIMA = ("global_minimum", "local_minimum")


def check_architectures(archs: list[list[int]], key: str = "params.architectures") -> None:
    from dlnscape.architecture import Architecture
    from dlnscape.errors import DlnscapeError

    if not archs:
        raise SpecError(f"{key}: expected at least one architecture")
    for k, w in enumerate(archs):
        try:
            Architecture(w)
        except DlnscapeError as e:
            raise SpecError(f"{key}[{k}]: {e}") from None


def random_loss(kind: str, d0: int, dh: int, rng: np.random.Generator, *, n_data: int = 8,
                ridge: float = 0.1):
    """A random convex loss on ``d_h × d_0`` matrices of the given kind."""
    from dlnscape.losses import DistanceLoss, LogisticLoss, SquaredLoss

    if kind == "squared":
        return SquaredLoss(rng.standard_normal((d0, n_data)), rng.standard_normal((dh, n_data)))
    if kind == "distance":
        m = d0 * dh
        return DistanceLoss(rng.standard_normal((dh, d0)), rng.standard_normal((m, m)))
    if kind == "distance_identity":
        return DistanceLoss(rng.standard_normal((dh, d0)))
    if kind == "logistic":
        labels = np.where(rng.random((dh, n_data)) < 0.5, -1.0, 1.0)
        return LogisticLoss(rng.standard_normal((d0, n_data)), labels, ridge=ridge)
    raise SpecError(f"loss: unknown kind {kind!r}")


def start_point(arch, rng: np.random.Generator, init_scale: float):
    from dlnscape.architecture import random_point

    return tuple(W * init_scale for W in random_point(arch, rng))


def optimise(landscape, theta0, cfg: ExperimentConfig):
    from dlnscape.critical import find_critical_point

    o = cfg.optimizer
    kw = {} if o.tol is None else {"tol": o.tol}
    return find_critical_point(landscape, theta0, o.method, max_iter=o.max_iter, **kw)


def classification_fields(c) -> dict:
    """The JSON fields a family stores from a ``Classification``."""
    h = c.hessian
    return {
        "verdict": str(getattr(c.verdict, "value", c.verdict)),
        "value": float(c.value),
        "relative_gradient_norm": float(c.relative_gradient_norm),
        "global_value": None if c.global_value is None else float(c.global_value),
        "n_negative": None if h is None else int(h.n_negative),
        "certificate": None if c.certificate is None else str(
            getattr(c.certificate, "method", type(c.certificate).__name__)),
        "rank": c.rank.get("rank") if isinstance(c.rank, dict) else None,
        "explanation": c.explanation[:300],
    }


def distinct_values(values: list[float], tol: float) -> list[float]:
    """Cluster values: a new cluster starts more than ``tol`` above the last one."""
    out: list[float] = []
    for v in sorted(values):
        if not out or v > out[-1] + tol:
            out.append(v)
    return out


def verdict_bars(cells: list[str], fractions: list[dict[str, float]], path, title: str):
    """Stacked bars: fraction of runs per verdict in each cell."""
    from dlnscape.report.figures import pyplot, save_png

    plt = pyplot()
    verdicts = sorted({v for f in fractions for v in f})
    fig, ax = plt.subplots(figsize=(max(5.0, 0.55 * len(cells) + 2), 4.2), dpi=120)
    bottom = np.zeros(len(cells))
    colors = {"global_minimum": "tab:green", "local_minimum": "tab:orange",
              "strict_saddle": "tab:blue", "degenerate_saddle": "tab:purple",
              "not_critical": "tab:gray", "undetermined": "tab:red",
              "local_maximum": "black", "error": "tab:brown"}
    x = np.arange(len(cells))
    for v in verdicts:
        h = np.array([f.get(v, 0.0) for f in fractions])
        ax.bar(x, h, bottom=bottom, label=v, color=colors.get(v))
        bottom += h
    ax.set_xticks(x, cells, rotation=60, ha="right", fontsize=7)
    ax.set_ylabel("fraction of runs")
    ax.set_ylim(0, 1.02)
    ax.set_title(title)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    fig.tight_layout()
    return save_png(fig, path, plt)


def polish(landscape, theta, max_iter: int = 100):
    """Newton (Levenberg–Marquardt) steps from an optimiser's end point to the critical point
    it approximates; kept only when they stay close (relative distance ≤ 1e-3) and do not go
    uphill beyond rounding, otherwise the end point is returned unchanged."""
    from dlnscape.architecture import pack
    from dlnscape.critical import find_critical_point
    from dlnscape.tolerances import point_scale

    sol = find_critical_point(landscape, theta, "newton", max_iter=max_iter)
    x0, x1 = pack(theta), pack(sol.theta)
    close = np.linalg.norm(x1 - x0) <= 1e-3 * max(np.linalg.norm(x0), 1e-300)
    v0 = landscape.value(theta)
    up = sol.value > v0 + 1e-9 * point_scale(landscape, theta).value
    return sol.theta if (sol.converged and close and not up) else theta
