"""Figures with matplotlib (Agg backend, PNG bytes written atomically)."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np

from dlnscape.io import write_atomic


def pyplot():
    """matplotlib.pyplot with the Agg backend (no screen; every figure is written to a file)."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def table2_counts(result_or_counts) -> dict[tuple[int, int], int]:
    """The ``{(#local minima, #real critical points): instances}`` of a
    :class:`~dlnscape.experiments.table2.Table2Result` (anything with ``.counts``) or of a
    counts mapping itself."""
    counts = getattr(result_or_counts, "counts", result_or_counts)
    return {(int(k[0]), int(k[1])): int(v) for k, v in dict(counts).items()}


def table2_bubble_plot(
    counts,
    path: str | Path,
    *,
    published: np.ndarray | None = None,
    published_minima: tuple[int, ...] = (1, 2, 3, 4),
    published_real: tuple[int, ...] = (1, 3, 5, 7, 9, 11, 13),
    title: str | None = None,
) -> Path:
    """Figure 3 of Trager et al. 2020 as a PNG (see :func:`table2_figure`)."""
    fig = table2_figure(counts, published=published, published_minima=published_minima,
                        published_real=published_real, title=title)
    return save_png(fig, path, pyplot())


def table2_figure(
    counts,
    *,
    published: np.ndarray | None = None,
    published_minima: tuple[int, ...] = (1, 2, 3, 4),
    published_real: tuple[int, ...] = (1, 3, 5, 7, 9, 11, 13),
    title: str | None = None,
):
    """Figure 3 of Trager et al. 2020: disks at (#local minima, #real critical points).

    ``counts`` is what :func:`~dlnscape.experiments.table2.run_table2` returns (then the
    published table is drawn too unless ``published`` is given) or its ``counts`` mapping.
    The disk area is proportional to the number of instances (as in the text). With
    ``published`` (the text's Table 2, rows = minima, columns = real counts) the published
    counts are drawn as hollow circles on the same area scale, rescaled to our total.
    """
    if published is None and hasattr(counts, "counts"):
        from dlnscape.experiments.table2 import PUBLISHED_TABLE2

        published = PUBLISHED_TABLE2
    counts = table2_counts(counts)
    plt = pyplot()
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
    fig.tight_layout()
    return fig


def escape_plot(landscape, certificate, path: str | Path, *, n_grid: int = 200) -> Path:
    """:func:`escape_figure` as a PNG."""
    return save_png(escape_figure(landscape, certificate, n_grid=n_grid), path, pyplot())


def escape_figure(landscape, certificate, *, n_grid: int = 200):
    """The loss along an :class:`~dlnscape.critical.EscapeCertificate` (a matplotlib figure).

    Left: ``L(θ(t)) − L(θ)`` along the stored curve ``θ(t) = θ + tθ_1 + …`` (or along the segment
    to the farthest stored point when there is no curve), with the certificate's points marked.
    Right: ``|L(θ_k) − L(θ)|`` against ``‖θ_k − θ‖`` on log-log axes, with the slope of the lowest
    non-vanishing Taylor order when the certificate states one, anchored at the point nearest
    to θ (where the lowest order dominates; :func:`slope_reference`). Values are recomputed
    with the landscape, not read from the certificate.
    """
    from dlnscape.architecture import pack

    plt = pyplot()
    theta = certificate.theta
    if getattr(certificate, "arithmetic", "") == "curvature":
        return _curvature_figure(landscape, certificate, plt, n_grid)
    L0 = landscape.value(theta)
    pts = list(certificate.points)
    dist = np.array([np.linalg.norm(pack(p) - pack(theta)) for p in pts])
    dvals = np.array([landscape.value(p) - L0 for p in pts])

    fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(10, 4))
    if certificate.curve is not None and (certificate.ts is not None or not pts):
        # a second-order (curvature) certificate has no points: show the line on the scale
        # where its t² term is visible
        ts = np.asarray(certificate.ts if certificate.ts is not None else [1e-3], dtype=float)
        grid = np.linspace(0.0, 1.5 * float(ts.max()), n_grid)

        def at(t: float):
            return tuple(W + sum(t ** (k + 1) * C[i] for k, C in enumerate(certificate.curve))
                         for i, W in enumerate(theta))

        ax0.plot(grid, [landscape.value(at(t)) - L0 for t in grid], lw=1.5, label="L(θ(t)) − L(θ)")
        if pts:
            ax0.plot(ts, dvals, "o", color="C3", label="certificate points")
        ax0.set_xlabel("t")
    else:
        far = pts[int(np.argmax(dist))]
        grid = np.linspace(0.0, 1.2, n_grid)
        seg = [tuple(W + s * (F - W) for W, F in zip(theta, far, strict=True)) for s in grid]
        ax0.plot(grid * dist.max(), [landscape.value(p) - L0 for p in seg], lw=1.5,
                 label="segment to the farthest point")
        ax0.plot(dist, dvals, "o", color="C3", label="certificate points")
        ax0.set_xlabel("distance from θ")
    ax0.axhline(0.0, color="k", lw=0.6)
    ax0.set_ylabel("L − L(θ)")
    ax0.set_title(f"escape: {certificate.method} ({certificate.sense})")
    ax0.legend(fontsize=8)

    ok = (dist > 0) & (np.abs(dvals) > 0)
    ax1.loglog(dist[ok], np.abs(dvals[ok]), "o-", color="C3", label="|L(θ_k) − L(θ)|")
    order = getattr(certificate, "taylor_order", None)
    if order and ok.any():
        ax1.loglog(*slope_reference(dist[ok], np.abs(dvals[ok]), order), "--", color="0.5",
                   label=f"slope {order} (lowest Taylor order)")
    from matplotlib.ticker import NullFormatter

    ax1.xaxis.set_minor_formatter(NullFormatter())
    ax1.set_xlabel("‖θ_k − θ‖")
    ax1.set_ylabel("|L(θ_k) − L(θ)|")
    ax1.legend(fontsize=8)
    ax1.grid(True, which="both", alpha=0.3)
    fig.tight_layout()
    return fig


def slope_reference(dist: np.ndarray, decrease: np.ndarray, order: int
                    ) -> tuple[np.ndarray, np.ndarray]:
    """The line ``c·d^order`` through the data point of smallest distance (``(x, y)`` over the
    distances of the data): the lowest Taylor order describes the decrease as ``d → 0``, so the
    reference is anchored there, not at the largest distance where higher orders still count."""
    d = np.asarray(dist, dtype=float)
    y = np.asarray(decrease, dtype=float)
    k = int(np.argmin(d))
    xs = np.sort(d)
    return xs, y[k] * (xs / d[k]) ** order


def _curvature_figure(landscape, certificate, plt, n_grid: int):
    """A second-order certificate: its decrease is below float resolution at every distance, so
    the picture is the line's Taylor polynomial (exact coefficients, summed in float) on the
    range where the t² term dominates, and the size and sign of each coefficient."""
    from dlnscape.critical.polynomial import curve_taylor

    c = curve_taylor(landscape, certificate.theta, certificate.curve)
    c[0] = 0.0
    c2 = float(c[2])
    ratios = [(abs(c2) / abs(c[k])) ** (1.0 / (k - 2)) for k in range(3, c.size) if c[k] != 0]
    tstar = min(ratios) if ratios else 1.0
    grid = np.linspace(0.0, 2.0 * tstar, n_grid)
    poly = sum(c[k] * grid**k for k in range(2, c.size))
    fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(10, 4))
    ax0.plot(grid, poly, lw=1.5, label="Σ_{k≥2} c_k t^k along the line")
    ax0.plot(grid, c2 * grid**2, "--", color="0.5", label=f"c₂t², c₂ = {c2:.3g}")
    ax0.axhline(0.0, color="k", lw=0.6)
    ax0.set_xlabel("t")
    ax0.set_ylabel("L(θ + tu) − L(θ) − c₁t")
    ax0.set_title(f"second-order certificate: {certificate.method} ({certificate.sense})")
    ax0.legend(fontsize=8)
    ks = np.arange(1, c.size)
    mags = np.abs(c[1:])
    keep = mags > 0
    ax1.bar(ks[keep], np.log10(mags[keep]), color=["C3" if x < 0 else "C0" for x in c[1:][keep]])
    ax1.set_xlabel("order k")
    ax1.set_ylabel("log₁₀ |c_k|  (red: negative)")
    ax1.set_title("Taylor coefficients of L(θ + tu)")
    fig.tight_layout()
    return fig


def hessian_spectrum_plot(eigenvalues, path: str | Path, *, zero_threshold: float | None = None,
                          title: str = "Hessian spectrum") -> Path:
    """:func:`hessian_spectrum_figure` as a PNG."""
    fig = hessian_spectrum_figure(eigenvalues, zero_threshold=zero_threshold, title=title)
    return save_png(fig, path, pyplot())


def spectrum_axis(eigenvalues, zero_threshold: float = 0.0) -> tuple[float, float, float]:
    """``(linthresh, ymin, ymax)`` of the symlog axis of a spectrum: every eigenvalue beyond the
    zero threshold lies in the logarithmic part (``linthresh`` is half the smallest of their
    moduli), and the limits reach a factor 3 beyond the most negative and the largest
    eigenvalue (at least ``±linthresh``: the axis never starts at 0, so a negative eigenvalue
    is never cut off)."""
    ev = np.asarray(eigenvalues, dtype=float)
    nonzero = np.abs(ev[np.abs(ev) > zero_threshold])
    lin = float(nonzero.min()) / 2 if nonzero.size else max(zero_threshold, 1.0)
    lin = max(lin, 1e-300)
    lo = min(-lin, 3.0 * float(ev.min())) if ev.size else -1.0
    hi = max(lin, 3.0 * float(ev.max())) if ev.size else 1.0
    return lin, lo, hi


def hessian_spectrum_figure(eigenvalues, *, zero_threshold: float | None = None,
                            title: str = "Hessian spectrum"):
    """Sorted Hessian eigenvalues on a symlog axis (a matplotlib figure): negative ones red,
    positive ones blue, zero ones (``|λ| ≤ zero_threshold``) as grey markers on the zero line,
    the axis limits from :func:`spectrum_axis`; the title counts the negative eigenvalues."""
    plt = pyplot()
    thr = float(zero_threshold or 0.0)
    ev = np.sort(np.asarray(eigenvalues, dtype=float))
    idx = np.arange(ev.size)
    neg, zero = ev < -thr, np.abs(ev) <= thr
    fig, ax = plt.subplots(figsize=(6, 3.5))
    pos = ~neg & ~zero
    for sel, color, what in ((neg, "C3", "negative"), (pos, "C0", "positive")):
        if sel.any():
            ax.bar(idx[sel], ev[sel], color=color, label=f"{int(sel.sum())} {what}")
    if zero.any():
        ax.plot(idx[zero], np.zeros(int(zero.sum())), "o", color="0.4", ms=5,
                label=f"{int(zero.sum())} zero (|λ| ≤ {thr:.2g})")
    lin, lo, hi = spectrum_axis(ev, thr)
    ax.set_yscale("symlog", linthresh=lin)
    ax.set_ylim(lo, hi)
    ax.axhline(0.0, color="k", lw=0.6)
    ax.set_xlabel("index (sorted)")
    ax.set_ylabel("eigenvalue")
    ax.set_title(f"{title}: {int(neg.sum())} negative of {ev.size}")
    ax.legend(fontsize=7, loc="upper left")
    fig.tight_layout()
    return fig


#: figure formats by file suffix; any other suffix (or none) is written as PNG
FIGURE_FORMATS = {".png": "png", ".pdf": "pdf", ".svg": "svg"}


def save_figure(fig, path: str | Path, plt=None, dpi: int = 120) -> Path:
    """Write ``fig`` atomically (nothing half-written) in the format its suffix names
    (:data:`FIGURE_FORMATS`: ``.pdf`` is a real PDF, ``.svg`` an SVG, else PNG) and close it."""
    plt = pyplot() if plt is None else plt
    fmt = FIGURE_FORMATS.get(Path(path).suffix.lower(), "png")
    buf = io.BytesIO()
    fig.savefig(buf, format=fmt, dpi=dpi)
    plt.close(fig)
    return write_atomic(path, buf.getvalue())


def save_png(fig, path: str | Path, plt, dpi: int = 120) -> Path:
    """:func:`save_figure` (kept for its callers: a ``.pdf``/``.svg`` path gets that format)."""
    return save_figure(fig, path, plt, dpi)
