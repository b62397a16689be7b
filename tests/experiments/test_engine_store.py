"""The store: failing tasks recorded, resume, one config per store, status/report/export."""

from __future__ import annotations

import base64
import json
import re
import sqlite3

import pytest
from engine_helpers import custom_toml, write_config
from typer.testing import CliRunner

from dlnscape.cli import app
from dlnscape.errors import DlnscapeError
from dlnscape.experiments.config import load_config
from dlnscape.experiments.engine import run_experiment, run_in_memory
from dlnscape.experiments.report import export, write_report
from dlnscape.experiments.store import STORE_NAME, Store
from dlnscape.experiments.tasks import task_keys


def test_failing_task_recorded_with_traceback_and_run_completes(tmp_path):
    cfg = load_config(write_config(tmp_path, custom_toml(tmp_path / "out", count=5,
                                                         fail_on=(1, 3))))
    rep = run_experiment(cfg, runner="serial", progress=False)
    assert rep.ran == 10 and rep.failed == 4 and rep.ok == 6 and rep.complete
    with Store.open(tmp_path / "out") as st:
        rows = st.rows()
        raw = st.raw_rows()
        fails = st.failures()
        s = st.status()
    assert [r.task_id for r in rows] == list(range(10))
    bad = [r for r in rows if r.status == "error"]
    assert sorted({r.key["instance"] for r in bad}) == [1, 3]
    assert all(r.result is None and r.error.startswith("ValueError: instance") for r in bad)
    tid, err, tb = fails[0]
    assert "Traceback" in tb and "engine_helpers.py" in tb and "fails on purpose" in tb
    assert s.done == 10 and s.failed == 4 and s.remaining == 0
    # every row carries the config hash and the version
    assert {r[8] for r in raw} == {cfg.config_hash} and {r[9] for r in raw} == {"0.1.0"}
    # the report lists the failures
    paths = write_report(tmp_path / "out")
    assert "fails on purpose" in open(paths["markdown"]).read()


def test_resume_skips_finished_and_retry_failed(tmp_path):
    cfg = load_config(write_config(tmp_path, custom_toml(tmp_path / "out", count=4,
                                                         fail_on=(2,))))
    full = run_in_memory(cfg)
    first = run_experiment(cfg, runner="serial", progress=False)
    again = run_experiment(cfg, runner="serial", progress=False)
    assert first.ran == 8 and again.ran == 0 and again.skipped == 8
    retry = run_experiment(cfg, runner="serial", progress=False, retry_failed=True)
    assert retry.ran == 2 and retry.failed == 2  # deterministic: they fail again
    with Store.open(tmp_path / "out") as st:
        fp = st.fingerprint()
    assert [(r[0], r[2], r[3]) for r in fp] == [(o.task_id, o.status, o.result) for o in full]


def test_store_refuses_another_config(tmp_path):
    a = load_config(write_config(tmp_path, custom_toml(tmp_path / "out", count=2)))
    run_experiment(a, runner="serial", progress=False)
    b = load_config(write_config(tmp_path, custom_toml(tmp_path / "out", count=3), "b.toml"))
    with pytest.raises(DlnscapeError, match="another config"):
        run_experiment(b, runner="serial", progress=False)
    res = CliRunner().invoke(app, ["experiment", "run", str(tmp_path / "b.toml"), "--runner",
                                   "serial", "-q"])
    assert res.exit_code == 2 and "another config" in res.output
    # a different output directory is fine
    assert run_experiment(b, output=tmp_path / "out2", runner="serial", progress=False).complete


def test_store_schema_and_wal(tmp_path):
    cfg = load_config(write_config(tmp_path, custom_toml(tmp_path / "out", count=2)))
    run_experiment(cfg, runner="serial", progress=False)
    con = sqlite3.connect(tmp_path / "out" / STORE_NAME)
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    meta = dict(con.execute("SELECT key, value FROM meta"))
    assert meta["config_hash"] == cfg.config_hash and meta["family"] == "custom"
    assert meta["n_tasks"] == "4" and "engine_helpers:analyse" in meta["config_toml"]
    assert json.loads(meta["config"])["seed"] == 7
    ids = [r[0] for r in con.execute("SELECT task_id FROM tasks")]
    assert ids == [0, 1, 2, 3]
    con.close()


def test_status_report_export(tmp_path):
    cfg = load_config(write_config(tmp_path, custom_toml(tmp_path / "out", count=3)))
    run_experiment(cfg, runner="serial", progress=False)
    r = CliRunner()
    res = r.invoke(app, ["experiment", "status", str(tmp_path / "out")])
    assert res.exit_code == 0 and "6/6 done" in res.output
    res = r.invoke(app, ["experiment", "status", str(tmp_path / "out"), "--json"])
    assert json.loads(res.output)["remaining"] == 0
    res = r.invoke(app, ["experiment", "report", str(tmp_path / "out")])
    assert res.exit_code == 0, res.output
    page = (tmp_path / "out" / "report" / "report.html").read_text()
    assert "<table>" in page and "mean lambda_max" in page and "lambda_min" in page
    md = (tmp_path / "out" / "report" / "report.md").read_text()
    assert "| rows | ok | mean lambda_max |" in md or "mean lambda_max" in md
    csvs = sorted(p.name for p in (tmp_path / "out" / "report").glob("*.csv"))
    assert "custom_summary.csv" in csvs and "tasks.csv" in csvs
    for fmt in ("csv", "parquet"):
        res = r.invoke(app, ["experiment", "export", str(tmp_path / "out"), "--format", fmt])
        assert res.exit_code == 0, res.output
    import pyarrow.parquet as pq

    t = pq.read_table(tmp_path / "out" / "tasks.parquet")
    assert t.num_rows == 6 and {"task_id", "key.instance", "key.start", "status", "lambda_min",
                                "eigenvalues"} <= set(t.column_names)
    assert json.loads(t.column("eigenvalues")[0].as_py())  # lists as JSON text
    lines = (tmp_path / "out" / "tasks.csv").read_text().splitlines()
    assert len(lines) == 7 and lines[0].startswith("task_id,key.instance,key.start,status")
    assert not list((tmp_path / "out").rglob(".*.tmp"))
    res = r.invoke(app, ["experiment", "export", str(tmp_path / "out"), "--format", "xls"])
    assert res.exit_code == 2 and "format" in res.output


def test_report_with_an_embedded_png_table1(tmp_path):
    text = """family = "table1"
seed = 3
output = "out"
[instances]
count = 1
starts = 2
[optimizer]
max_iter = 3000
[params]
architectures = [[2, 1, 2]]
losses = ["squared", "distance"]
"""
    cfg = load_config(write_config(tmp_path, text))
    assert len(task_keys(cfg)) == 4
    run_experiment(cfg, runner="serial", progress=False)
    paths = write_report(tmp_path / "out")
    page = open(paths["html"]).read()
    m = re.search(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page)
    assert m and base64.b64decode(m.group(1))[:8] == b"\x89PNG\r\n\x1a\n"
    assert "Table 1 as reproduced" in page and "certified non-global" in page
    assert (tmp_path / "out" / "report" / "table1_verdicts.png").stat().st_size > 5000
    p = export(tmp_path / "out", "csv")
    assert "verdict" in p.read_text().splitlines()[0]
