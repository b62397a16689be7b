"""Summaries of the remaining result objects: Table 2's ``InstanceResult``, ``GTest`` and
``PublishedSummary``, the atlas's ``Outcome`` (dlnscape.claims) and the engine's ``Outcome``
(dlnscape.experiments.tasks). Each object is built by the real code (a small Table 2 run, a real
claims check, a real engine run); the expected numbers are read from the objects' fields or
recomputed from the published table here, never copied from the summaries.

The summaries are methods only: fields, equality and pickling are unchanged (checked too).
"""

from __future__ import annotations

import dataclasses
import pickle
import re

import numpy as np
import pytest
from summary_checks import _in_html, _readable, _row

from dlnscape.report.summary import format_value


def _unchanged_data(obj) -> None:
    """Pickling and == still go by the fields (the summaries add methods only)."""
    back = pickle.loads(pickle.dumps(obj))
    assert back == obj and type(back) is type(obj)
    assert dataclasses.replace(obj) == obj
    assert dataclasses.astuple(back) == dataclasses.astuple(obj)


# ------------------------------------------------------------------------------ Table 2
@pytest.fixture(scope="module")
def small_run():
    """30 real instances, solved in this process (about 2 s with the homotopy backend)."""
    from dlnscape.experiments.table2 import run_table2

    return run_table2(30, seed=0, workers=1)


def test_instance_result_summary(small_run):
    r0 = small_run.results[0]
    assert r0.error is None and r0.n_complex is not None
    s, r, h = _readable(r0)
    assert s.splitlines()[0] == (f"InstanceResult {r0.index}: {r0.n_real} real of "
                                 f"{r0.n_complex} complex critical points, "
                                 f"{r0.n_local_minima} local minima")
    _row(s, "complex critical points", str(r0.n_complex))
    _row(s, "real critical points", str(r0.n_real))
    _row(s, "local minima", str(r0.n_local_minima))
    _row(s, "certified", str(r0.certified))
    _row(s, "generic", str(r0.generic))
    _row(s, "backend", r0.backend)
    _row(s, "seconds", format_value(r0.seconds))
    assert r == (f"InstanceResult(index={r0.index}, complex_critical_points={r0.n_complex}, "
                 f"real_critical_points={r0.n_real}, local_minima={r0.n_local_minima}, "
                 f"certified={r0.certified})")
    _in_html(h, str(r0.n_complex), str(r0.n_real), r0.backend)
    _unchanged_data(r0)
    assert [x.to_dict() for x in small_run.results] == [
        pickle.loads(pickle.dumps(x)).to_dict() for x in small_run.results]


def test_failed_instance_result_summary():
    from dlnscape.experiments.table2 import solve_instance

    def broken(loss, r, backend):
        raise ValueError("tracker diverged on purpose")

    res = solve_instance(0, 7, solver=broken)
    assert res.error == "ValueError: tracker diverged on purpose"
    s, r, h = _readable(res)
    assert s.splitlines()[0] == "InstanceResult 7: failed: ValueError"
    _row(s, "error", res.error)
    _row(s, "complex critical points", "—")
    assert r == "InstanceResult(index=7, certified=False, failed='ValueError')"
    _in_html(h, res.error)
    _unchanged_data(res)


def test_gtest_summary(small_run):
    g = small_run.gtest
    assert g is not None and len(g.categories) >= 2
    s, r, h = _readable(g)
    assert f"G = {g.statistic:.4g}, dof = {g.dof}, p = {g.pvalue:.4g}" in s.splitlines()[0]
    _row(s, "G", format_value(g.statistic))
    _row(s, "dof", str(g.dof))
    _row(s, "pvalue", format_value(g.pvalue))
    _row(s, "categories", str(len(g.categories)))
    _row(s, "instances", f"{sum(g.observed)} ours, {sum(g.published)} published")
    assert sum(g.observed) == small_run.n_tabulated
    # one table line per category: name, ours, published
    for cat, o, p in zip(g.categories, g.observed, g.published, strict=True):
        assert re.search(rf"^\s*{re.escape(cat)}\s+{o}\s+{p}\s*$", s, flags=re.M), s
    assert r == (f"GTest(G={format_value(g.statistic)}, dof={g.dof}, "
                 f"pvalue={format_value(g.pvalue)}, categories={len(g.categories)})")
    _in_html(h, format_value(g.statistic), format_value(g.pvalue), g.categories[0])
    _unchanged_data(g)


def test_published_summary():
    from dlnscape.experiments.table2 import (
        PUBLISHED_MINIMA,
        PUBLISHED_REAL,
        PUBLISHED_TABLE2,
        published_table2_summary,
    )

    p = published_table2_summary()
    T = PUBLISHED_TABLE2
    N = int(T.sum())
    mean_min = float(np.dot(PUBLISHED_MINIMA, T.sum(axis=1))) / N
    mean_real = float(np.dot(PUBLISHED_REAL, T.sum(axis=0))) / N
    s, r, h = _readable(p)
    assert s.splitlines()[0].endswith(f"{N} instances")
    _row(s, "instances", str(N))
    _row(s, "mean local minima", format_value(mean_min))
    _row(s, "mean real critical points", format_value(mean_real))
    rows = ", ".join(f"{mn}: {int(T[a].sum())}" for a, mn in enumerate(PUBLISHED_MINIMA))
    _row(s, "row totals (#minima: n)", rows)
    _row(s, "all real counts odd", "True")
    assert r == (f"PublishedSummary(instances={N}, mean_local_minima={format_value(mean_min)}, "
                 f"mean_real_critical_points={format_value(mean_real)})")
    _in_html(h, str(N), format_value(mean_min), rows)
    _unchanged_data(p)
    assert p.to_dict()["grand_total"] == N and set(p.to_dict()) == {
        f.name for f in dataclasses.fields(p)}


# ------------------------------------------------------------------------------ claims Outcome
def _check_outcome(key: str):
    from dlnscape.claims import Context, build_registry

    check = build_registry().check_by_key(key)
    return check(Context(check.ids[0]))


def test_claims_outcome_with_certificate_and_figures():
    o = _check_outcome("dlnscape.claims.seed_001:appc_counterexample")
    assert o.certificates and o.figures
    s, r, h = _readable(o)
    assert s.splitlines()[0] == f"Outcome: {o.status.value}"
    _row(s, "status", o.status.value)
    _row(s, "instances", str(len(o.instances)))
    _row(s, "certificates", str(len(o.certificates)))
    _row(s, "figures", str(len(o.figures)))
    c = o.certificates[0]
    assert re.search(rf"^\s*certified by\s*:.*{re.escape(c.name)} \({c.kind}", s, flags=re.M)
    assert all(f.name in s for f in o.figures)
    assert r == (f"Outcome(status='{o.status.value}', instances={len(o.instances)}, "
                 f"certificates={len(o.certificates)}, figures={len(o.figures)})")
    assert "png" not in r and "\\x89PNG" not in s + h  # figure bytes are never shown
    _in_html(h, o.status.value, c.name)
    _unchanged_data(o)


def test_claims_outcome_agrees():
    o = _check_outcome("dlnscape.claims.seed_004:table2_arithmetic")
    s, r, h = _readable(o)
    _row(s, "status", "agrees")
    _row(s, "summary", format_value(o.summary))
    _row(s, "certificates", "0")
    assert "certified by" not in s
    assert str(o.numbers["grand_total"]) in s
    assert r == f"Outcome(status='agrees', instances={len(o.instances)}, certificates=0, figures=0)"
    _in_html(h, o.summary)
    _unchanged_data(o)


# ------------------------------------------------------------------------------ engine Outcome
def test_task_outcomes_ok_and_error():
    from dlnscape.experiments.config import config_from_dict
    from dlnscape.experiments.engine import run_in_memory
    from dlnscape.experiments.families import get_family
    from dlnscape.experiments.tasks import run_one, task_keys

    cfg = config_from_dict({"family": "table2", "seed": 0, "instances": {"count": 2}})
    outs = run_in_memory(cfg, runner="serial")
    o = outs[1]
    assert o.status == "ok" and o.result is not None
    s, r, h = _readable(o)
    assert s.splitlines()[0] == f"Outcome of task {o.task_id}: ok"
    _row(s, "task", str(o.task_id))
    _row(s, "key", o.key)
    _row(s, "seconds", format_value(o.seconds))
    _row(s, "worker", o.worker)
    assert '"n_complex"' in s  # the result JSON, cut to one line
    assert r == (f"Outcome(task={o.task_id}, key={o.key!r}, status='ok', "
                 f"seconds={format_value(o.seconds)})")
    _in_html(h, o.key, o.worker)
    _unchanged_data(o)

    class Failing:
        def __getattr__(self, name):
            return getattr(get_family("table2"), name)

        def run_task(self, cfg, task_id, key):
            raise RuntimeError("no solver on this worker")

    e = run_one(cfg, Failing(), 0, task_keys(cfg)[0], "w:1")
    assert e.status == "error" and e.traceback
    s, r, h = _readable(e)
    _row(s, "error", "RuntimeError: no solver on this worker")
    _row(s, "traceback", f"{len(e.traceback.strip().splitlines())} lines, last: "
                         "RuntimeError: no solver on this worker")
    assert "result " not in s
    assert r.endswith("status='error', seconds=" + format_value(e.seconds)
                      + ", error='RuntimeError: no solver on this worker')")
    _in_html(h, "RuntimeError: no solver on this worker")
    _unchanged_data(e)
