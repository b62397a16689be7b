"""Every result object reads well: ``str`` is a short summary with its key numbers, ``repr`` is
one line without arrays, ``_repr_html_`` is a small HTML table with the same numbers.

The expected numbers are recomputed here from the objects' fields (never read from the text).
"""

from __future__ import annotations

import html
import re

import numpy as np
import pytest
from summary_checks import _in_html, _readable, _row

import dlnscape as dl
from dlnscape.examples import kawaguchi_cor24_point, nouiehed_intro_example
from dlnscape.report.summary import (
    Summary,
    SummaryTable,
    format_value,
    shapes_repr,
    summary_html,
    summary_text,
)


# ------------------------------------------------------------------------------ the machinery
def test_summary_text_and_html_layout():
    W = np.arange(9.0).reshape(3, 3)
    tab = SummaryTable(("k", "value"), tuple((i, 0.5 * i) for i in range(12)), "points")
    s = summary_text("Title", [("a", 1.25), ("W", W), ("big", np.zeros((40, 40)))], tab)
    lines = s.splitlines()
    assert lines[0] == "Title"
    _row(s, "a", "1.25")
    assert "[ 0  1  2 ]" in s and "[ 6  7  8 ]" in s  # a small matrix entry by entry
    _row(s, "big", "40×40 array")  # a large one by its shape
    assert "… 4 more row(s)" in s and len(lines) == 1 + 5 + 1 + 1 + 8 + 1
    h = summary_html("Title", [("a", 1.25)], tab)
    assert h.count("<tr>") == 1 + 1 + 12 and "<b>Title</b>" in h
    assert format_value("x" * 500).endswith("…") and len(format_value("x" * 500)) == 160


def test_repr_uses_brief_rows_and_never_arrays():
    class R:
        def _summary(self):
            return Summary("R", (("n", 3), ("W", np.eye(4)), ("name", "x")), brief=("n", "W"))

    from dlnscape.report.summary import summary_repr

    assert summary_repr(R()) == "R(n=3, W=<4×4 array>)"


# ------------------------------------------------------------------------------ M_r
@pytest.fixture(scope="module")
def on_Mr():
    from dlnscape.algebraic import critical_points_on_Mr
    from dlnscape.experiments.table2 import draw_instance

    Q0, phi = draw_instance(0, 1)
    return critical_points_on_Mr(dl.DistanceLoss(Q0.astype(float), phi.astype(float)), 1)


def test_critical_points_on_Mr_summary(on_Mr):
    res = on_Mr
    s, r, h = _readable(res)
    _row(s, "complex critical points", str(res.n_complex))
    _row(s, "real critical points", str(res.n_real))
    _row(s, "local minima", str(sum(p.index == 0 for p in res.points)))
    _row(s, "certified", str(res.certified))
    assert f"M_{res.r}" in s.splitlines()[0]
    assert r == (f"CriticalPointsOnMr(complex_critical_points={res.n_complex}, "
                 f"real_critical_points={res.n_real}, local_minima={res.n_local_minima}, "
                 f"certified={res.certified})")
    # every real point has a row: k, value, index
    for k, p in enumerate(res.points):
        assert re.search(rf"^\s*{k}\s+{re.escape(format_value(p.value, 5))}\s+{p.index}\s",
                         s, flags=re.M), s
    _in_html(h, str(res.n_complex), format_value(res.points[0].value))


def test_critical_points_on_Mr_table_shows_the_points(on_Mr):
    res = on_Mr
    rows = res.table()
    assert [t["k"] for t in rows] == list(range(res.n_real))
    for t, p in zip(rows, res.points, strict=True):
        assert t["value"] == pytest.approx(float(res.points[t["k"]].value))
        assert t["index"] == p.index and t["local_minimum"] == (p.index == 0)
        np.testing.assert_array_equal(t["W"], p.W)
        np.testing.assert_allclose(t["singular_values"], np.linalg.svd(p.W, compute_uv=False))
    # the HTML shows each W entry by entry
    h = res._repr_html_()
    W0 = res.points[0].W
    assert all(format_value(x, 4) in h for x in W0.ravel())


def test_critical_point_on_Mr_shows_W(on_Mr):
    p = on_Mr.points[-1]
    s, r, h = _readable(p)
    _row(s, "index", str(p.index))
    _row(s, "value", format_value(p.value))
    for row in p.W:
        assert all(format_value(x, 4) in s for x in row)
    assert r.startswith("CriticalPointOnMr(value=") and "singular_values=<3 array>" in r


def test_ed_degree_summary():
    from dlnscape.algebraic.ed_degree import EDDegree

    e = EDDegree(39, (3, 3), 1, "msolve", "0.7", True, 1.5, {}, 39)
    s, r, h = _readable(e)
    _row(s, "ED degree", "39")
    _row(s, "matches closed form", str(e.value == e.formula))
    assert "3×3" in s and r == "EDDegree(ED_degree=39, closed_form=39, certified=True)"
    _in_html(h, "39", "msolve (0.7)")


# ------------------------------------------------------------------------------ Table 2
def test_table2_result_summary():
    from dlnscape.experiments.table2 import InstanceResult, tabulate

    rs = [InstanceResult(i, 39, 3 + 2 * (i % 2), 1 + (i % 2), True, "msolve", "x", 0.1)
          for i in range(10)]
    rs.append(InstanceResult(10, 37, 3, 1, True, "msolve", "x", 0.1))
    res = tabulate(rs, seed=3)
    s, r, h = _readable(res)
    n_tab = int(res.table.sum())
    _row(s, "tabulated", f"{n_tab} of {len(rs)} instances")
    mean_min = sum(k[0] * v for k, v in res.counts.items()) / n_tab
    _row(s, "mean local minima", f"{mean_min:.4g}")
    _row(s, "non-generic or failed", "1")
    _row(s, "seed", "3")
    # the table: row "1" has the count of (1 minimum, 3 real) in the column of 3
    line = next(ln for ln in s.splitlines() if re.match(r"^\s*1\s+\d", ln))
    cells = line.split()
    assert int(cells[1 + res.real_axis.index(3)]) == res.counts[(1, 3)] == 5
    assert int(cells[-1]) == int(res.table[0].sum())
    assert "seed=3" in r


# ------------------------------------------------------------------------------ critical/
@pytest.fixture(scope="module")
def classified():
    L, theta = nouiehed_intro_example()
    return L, dl.classify(L, theta, rng=0)


def test_classification_repr_and_html(classified):
    _, res = classified
    s, r, h = _readable(res)
    assert r.startswith(f"Classification(verdict='{res.verdict}'")
    hs = res.hessian
    _in_html(h, str(res.verdict), f"({hs.n_negative}, {hs.n_zero}, {hs.n_positive})")
    assert res.certificate.summary() in h.replace("&#x27;", "'") or \
        html.escape(res.certificate.summary()) in h


def test_certificate_and_hessian_summaries(classified):
    _, res = classified
    c = res.certificate
    s, r, h = _readable(c)
    d = c.distances
    _row(s, "method", c.method)
    _row(s, "points", f"{len(c.points)}, distances {max(d):.3g} → {min(d):.3g}")
    _row(s, "Taylor order", str(c.taylor_order))
    assert r.startswith("EscapeCertificate(kind='escape'")
    hs = res.hessian
    s, r, h = _readable(hs)
    _row(s, "n_zero", str(int(np.sum(np.abs(hs.eigenvalues) <= hs.threshold))))
    assert r.startswith(f"HessianSummary(n_negative={hs.n_negative}, n_zero={hs.n_zero}")


def test_extreme_eigenvalues_summary():
    from dlnscape.landscape import hessian_extreme_eigenvalues

    L, theta = kawaguchi_cor24_point(2)
    e = hessian_extreme_eigenvalues(L, theta, k=2)
    s, r, h = _readable(e)
    lo = np.linalg.eigvalsh(L.hessian(theta))[:2]
    _row(s, "values", "[" + ", ".join(format_value(x, 4) for x in lo) + "]")
    _row(s, "converged", str(e.converged))
    assert "values=<2 array>" in r


def test_losses_and_landscape_reprs_show_shapes():
    rng = np.random.default_rng(0)
    X, Y = rng.standard_normal((3, 50)), rng.standard_normal((2, 50))
    loss = dl.SquaredLoss(X, Y)
    assert repr(loss) == "SquaredLoss(X=<3×50>, Y=<2×50>, degree=2)"
    assert repr(dl.DistanceLoss(np.eye(3))) == "DistanceLoss(Q0=<3×3>, phi=None, degree=2)"
    assert "kappa=0.5" in repr(dl.HuberLoss(X, Y, kappa=0.5))
    L = dl.Landscape(dl.LinearNetwork(dl.Architecture([3, 4, 2])), loss)
    assert len(repr(L)) < 120 and "array(" not in repr(L) and str(L.n_params) in repr(L)
    assert shapes_repr(loss) == repr(loss)


def test_geometry_summary(classified):
    from dlnscape.geometry import geometry_summary

    L, res = classified
    g = geometry_summary(res.theta, L)
    s, r, h = _readable(g)
    sec = g.sections
    _row(s, "rank W", f"{sec['rank_profile']['rank']} of r = {sec['rank_profile']['r']}")
    _row(s, "submersion", str(sec["submersion"]["is_submersion"]))
    _row(s, "fiber components", str(sec["fiber_components"]["count"]))
    _row(s, "critical type", str(sec["critical_type"]["kind"]))
    assert r.startswith("GeometrySummary(widths='(2, 1, 1, 2)")


# ------------------------------------------------------------------------------ engine, atlas
def test_run_report_and_store_status():
    from dlnscape.experiments.engine import RunReport
    from dlnscape.experiments.store import StoreStatus

    rep = RunReport("out/", "abc", 10, 2, 8, 7, 1, False, 4.0, "process", 3)
    s, r, h = _readable(rep)
    _row(s, "ran", "8")
    _row(s, "failed", "1")
    _row(s, "tasks per second", format_value(8 / 4.0))
    assert r == "RunReport(tasks=10, ran=8, failed=1, interrupted=False)"
    st = StoreStatus("p", "table2", "t", "abc", 10, 6, 5, 1, {"v1": 6}, 3.0, "me")
    s, r, h = _readable(st)
    _row(s, "remaining", str(st.n_tasks - st.done))


def test_atlas_run_and_claim_result():
    from dlnscape.claims.base import ClaimResult, Status
    from dlnscape.claims.runner import AtlasRun

    results = (ClaimResult("A", "000", "t", Status.AGREES, "ok"),
               ClaimResult("B", "004", "t", Status.CERTIFIED_DISAGREEMENT, "no",
                           certificates=({"command": "dlnscape verify x.json"},)),
               ClaimResult("C", "004", "t", Status.NOT_CHECKABLE, "n/a"))
    run = AtlasRun(results, versions={"dlnscape": "0.1.0"})
    s, r, h = _readable(run)
    _row(s, "certified disagreements", "1")
    _row(s, "agrees", "1")
    assert re.search(r"^\s*004\s+0\s+1\s+1\s+0\s+2\s*$", s, flags=re.M), s
    assert re.search(r"^\s*all\s+1\s+1\s+1\s+0\s+3\s*$", s, flags=re.M), s
    assert "docs/bibliography.md" in s
    s, r, h = _readable(results[1])
    assert r == "ClaimResult(id='B', status='certified_disagreement', certificates=1)"
    _in_html(h, "dlnscape verify x.json")


def test_conditions_study_summary():
    from dlnscape.conditions.study import PlainVsResidualStudy

    st = PlainVsResidualStudy((), 3, (1, 2), (0.1, 0.5), 0.1, 1, 0, "residual is better", True,
                              0.0, 1.0)
    s, r, h = _readable(st)
    assert str(st) == "residual is better"
    assert r == "PlainVsResidualStudy(d=3, rows=0, claim_supported=True)"
    _in_html(h, "residual is better", "True")


def test_experiment_table_and_summary():
    from dlnscape.experiments.families.base import Summary as FamilySummary
    from dlnscape.experiments.families.base import Table

    t = Table("minima", "Local minima per instance", ["instance", "minima"],
              [[i, i % 3] for i in range(20)])
    s, r, h = _readable(t)
    _row(s, "rows", str(len(t.rows)))
    assert "… 12 more row(s)" in s and h.count("<tr>") == 3 + 1 + 20
    assert r == "Table(rows=20, columns=2)"
    summ = FamilySummary([t], [], ["minima are global", "no saddle"])
    s, r, h = _readable(summ)
    _row(s, "findings", "2")
    _row(s, "finding 2", "no saddle")
    assert "minima (20 rows)" in s


def test_conditions_estimates_summaries(monkeypatch):
    from pathlib import Path

    monkeypatch.syspath_prepend(str(Path(__file__).resolve().parents[1] / "conditions"))
    from _zl import linear_instance

    from dlnscape.conditions import estimate_gradient_dominance, estimate_regularity

    L, theta, _, _ = linear_instance(np.random.default_rng(2), 2, 2)
    est = estimate_gradient_dominance(L, theta, rng=0, n_samples=20, n_starts=1)
    for obj in (est, est.bound):
        _, r, h = _readable(obj)
        assert "array(" not in r and len(r) < 200
    _in_html(est._repr_html_(), format_value(est.sup), str(est.holds))
    _in_html(est.bound._repr_html_(), format_value(est.bound.lam), est.bound.theorem)
    reg = estimate_regularity(L, theta, rng=0, n_directions=3)
    _, r, h = _readable(reg)
    _in_html(h, format_value(reg.constants.alpha), str(len(reg.scans)))
    assert r.startswith("RegularityEstimate(α=")
