"""Figures with matplotlib (Agg backend, PNG bytes written atomically)."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np

from dlnscape.io import write_atomic


def _pyplot():
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def table2_bubble_plot(
    counts: dict[tuple[int, int], int],
    path: str | Path,
    *,
    published: np.ndarray | None = None,
    published_minima: tuple[int, ...] = (1, 2, 3, 4),
    published_real: tuple[int, ...] = (1, 3, 5, 7, 9, 11, 13),
    title: str | None = None,
) -> Path:
    """Figure 3 of Trager et al. 2020: disks at (#local minima, #real critical points).

    The disk area is proportional to the number of instances (as in the text). With
    ``published`` (the text's Table 2, rows = minima, columns = real counts) the published
    counts are drawn as hollow circles on the same area scale, rescaled to our total.
    """
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(5.5, 4.5), dpi=120)
    total = max(1, sum(counts.values()))
    area_per = 3000.0 / total  # the largest possible disk (all instances) has area 3000 pt²
    if counts:
        xs, ys, cs = zip(*[(k[0], k[1], v) for k, v in sorted(counts.items())], strict=True)
        ax.scatter(xs, ys, s=np.array(cs) * area_per, alpha=0.6, color="tab:blue",
                   label=f"dlnscape ({total} instances)")
        for x, y, c in zip(xs, ys, cs, strict=True):
            ax.annotate(str(c), (x, y), textcoords="offset points", xytext=(8, 6), fontsize=7)
    if published is not None:
        P = np.asarray(published)
        ptot = max(1, int(P.sum()))
        pts = [(published_minima[a], published_real[b], int(P[a, b]))
               for a in range(P.shape[0]) for b in range(P.shape[1]) if P[a, b] > 0]
        ax.scatter([p[0] for p in pts], [p[1] for p in pts],
                   s=np.array([p[2] for p in pts]) * total / ptot * area_per,
                   facecolors="none", edgecolors="tab:red", linewidths=1.2,
                   label=f"Trager et al. 2020, Table 2 ({ptot}), rescaled")
    ax.set_xlabel("number of local minima")
    ax.set_ylabel("number of real critical points")
    ax.set_xlim(0, 5.5)
    ymax = max([13] + [k[1] for k in counts])
    ax.set_ylim(0, ymax + 2)
    ax.set_yticks(range(1, ymax + 1, 2))
    ax.set_title(title or "Real critical points and local minima (Fig. 3)")
    leg = ax.legend(loc="lower right", fontsize=7)
    for h in getattr(leg, "legend_handles", getattr(leg, "legendHandles", [])):
        h.set_sizes([60])
    ax.grid(alpha=0.3)
    buf = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return write_atomic(path, buf.getvalue())
