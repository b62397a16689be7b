"""What the figures draw (their data and axes, not their pixels): Figure 3 from what
``run_table2`` returns, the negative and zero Hessian eigenvalues, the escape plot's reference
slope through the data at small distance."""

from __future__ import annotations

import numpy as np
import pytest

import dlnscape as dl
from dlnscape.examples import kawaguchi_cor24_point, nouiehed_intro_example
from dlnscape.report.figures import pyplot, slope_reference, spectrum_axis

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def close_figures():
    yield
    pyplot().close("all")


def _table2_result():
    from dlnscape.experiments.table2 import InstanceResult, tabulate

    rs = [InstanceResult(i, 39, (3, 5, 5, 7)[i % 4], (1, 2, 2, 2)[i % 4], True, "msolve", "x", 0.1)
          for i in range(12)]
    return tabulate(rs)


def test_table2_plot_takes_the_run_table2_result(tmp_path, close_figures):
    from dlnscape.experiments.table2 import PUBLISHED_TABLE2

    res = _table2_result()
    out = dl.plot.table2(res, tmp_path / "fig3.png")
    assert out.read_bytes()[:8] == PNG
    fig = dl.plot.table2_figure(res)
    ax = fig.axes[0]
    ours, published = ax.collections[0], ax.collections[1]
    pts = {tuple(map(int, p)) for p in ours.get_offsets()}
    assert pts == set(res.counts)  # one disk per (#minima, #real) cell of the result
    # the published table is drawn: one hollow circle per non-zero published cell
    assert len(published.get_offsets()) == int(np.count_nonzero(PUBLISHED_TABLE2))
    # disk areas are proportional to the counts
    sizes = dict(zip(map(tuple, ours.get_offsets().astype(int)), ours.get_sizes(), strict=True))
    assert sizes[(2, 5)] / sizes[(1, 3)] == pytest.approx(res.counts[(2, 5)] / res.counts[(1, 3)])
    # the counts mapping still works (and then no published table unless asked)
    fig2 = dl.plot.table2_figure(res.counts)
    assert len(fig2.axes[0].collections) == 1


def test_hessian_spectrum_shows_negative_and_zero_eigenvalues(close_figures):
    L, theta = kawaguchi_cor24_point(2)
    h = dl.classify(L, theta, rng=0).hessian
    ev = np.sort(h.eigenvalues)
    fig = dl.plot.hessian_spectrum_figure(ev, zero_threshold=h.threshold)
    ax = fig.axes[0]
    lo, hi = ax.get_ylim()
    assert lo < ev.min() < 0 < ev.max() < hi  # the negative eigenvalue is inside the axis
    bars = [p.get_height() for p in ax.patches]
    assert sorted(b for b in bars if b < 0) == pytest.approx(sorted(ev[ev < -h.threshold]))
    zero = np.abs(ev) <= h.threshold
    marks = [ln for ln in ax.lines if ln.get_label().endswith(f"zero (|λ| ≤ {h.threshold:.2g})")]
    assert len(marks) == 1 and len(marks[0].get_ydata()) == int(zero.sum()) == h.n_zero > 0
    # every eigenvalue beyond the threshold is on the logarithmic part of the symlog axis
    assert ax.get_yscale() == "symlog"
    lin = ax.yaxis.get_transform().linthresh
    assert lin <= np.abs(ev[~zero]).min()
    assert f"{h.n_negative} negative of {ev.size}" in ax.get_title()


def test_spectrum_axis_never_starts_at_zero():
    lin, lo, hi = spectrum_axis(np.array([0.0, 0.0, 1e-6, 2.0]), 1e-12)
    assert lo < 0 < lin <= 0.5e-6 and hi >= 2.0
    lin, lo, hi = spectrum_axis(np.array([-1e-5, 0.0, 3.0]), 1e-12)
    assert lo <= -1e-5 * 3 and lin <= 0.5e-5


def test_escape_reference_slope_passes_through_the_nearest_point(close_figures):
    from dlnscape.architecture import pack

    for L, theta in (nouiehed_intro_example(), kawaguchi_cor24_point(2)):
        cert = dl.classify(L, theta, rng=0).certificate
        fig = dl.plot.escape_figure(L, cert)
        ax1 = fig.axes[1]
        data, ref = ax1.lines[0], ax1.lines[1]
        d = np.array([np.linalg.norm(pack(p) - pack(cert.theta)) for p in cert.points])
        y = np.array([abs(L.value(p) - L.value(cert.theta)) for p in cert.points])
        k = int(np.argmin(d))
        xr, yr = np.asarray(ref.get_xdata()), np.asarray(ref.get_ydata())
        j = int(np.argmin(xr))
        assert xr[j] == pytest.approx(d[k]) and yr[j] == pytest.approx(y[k], rel=1e-9)
        slope = np.diff(np.log(yr)) / np.diff(np.log(xr))
        assert slope == pytest.approx(cert.taylor_order)
        assert len(data.get_xdata()) == len(cert.points)


def test_slope_reference_is_anchored_at_the_smallest_distance():
    x, y = slope_reference(np.array([1.0, 0.5, 0.25]), np.array([0.9, 0.3, 0.0625]), 2)
    assert list(x) == [0.25, 0.5, 1.0] and y == pytest.approx([0.0625, 0.25, 1.0])
