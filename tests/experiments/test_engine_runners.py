"""Runners give identical stores; ``table2`` through the engine equals ``run_table2``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from engine_helpers import custom_toml, stub_solver, write_config

from dlnscape.algebraic.ed_degree import backend_available
from dlnscape.errors import DlnscapeError
from dlnscape.experiments.config import config_from_dict, load_config
from dlnscape.experiments.engine import BatchPlanner, run_experiment, run_in_memory
from dlnscape.experiments.runners import make_runner
from dlnscape.experiments.store import Store
from dlnscape.experiments.table2 import run_table2

T1 = """family = "table1"
seed = 11
output = "out"
analyses = ["classify", "engine_helpers:extra_analysis"]
[instances]
count = 1
starts = 3
[optimizer]
max_iter = 3000
[params]
architectures = [[2, 1, 2], [2, 2, 2]]
losses = ["squared", "logistic"]
"""


def _fingerprint(d: Path) -> list[tuple]:
    with Store.open(d) as st:
        return st.fingerprint()


def _identical_to_serial(tmp_path, kind: str) -> None:
    cfg = load_config(write_config(tmp_path, custom_toml(tmp_path / "o", count=5, fail_on=(3,))))
    t1 = load_config(write_config(tmp_path, T1, "t1.toml"))
    prints = {}
    for k in ("serial", kind):
        with make_runner(k, 2) as runner:  # one pool / LocalCluster(2) for both configs
            for name, c in (("custom", cfg), ("table1", t1)):
                out = tmp_path / f"{name}-{k}"
                rep = run_experiment(c, output=out, runner=runner, batch_size=2,
                                     progress=False)
                assert rep.complete and rep.ran == rep.n_tasks
                prints[name, k] = _fingerprint(out)
    for name in ("custom", "table1"):
        assert prints[name, "serial"] == prints[name, kind]
    assert len(prints["custom", "serial"]) == 10
    assert sum(r[2] == "error" for r in prints["custom", kind]) == 2  # recorded on workers too
    rows = [json.loads(r[3]) for r in prints["table1", "serial"]]
    assert all("engine_helpers:extra_analysis" in r["extra"] for r in rows)


def test_serial_and_process_pool_identical_stores(tmp_path):
    _identical_to_serial(tmp_path, "process")


def test_serial_and_dask_local_cluster_identical_stores(tmp_path):
    _identical_to_serial(tmp_path, "dask")


def test_batches_do_not_change_results_and_planner_sizes(tmp_path):
    cfg = load_config(write_config(tmp_path, custom_toml(tmp_path / "o", count=7)))
    a = run_in_memory(cfg, batch_size=1)
    b = run_in_memory(cfg, batch_size=5)
    assert [(o.task_id, o.result) for o in a] == [(o.task_id, o.result) for o in b]
    one = run_in_memory(cfg, task_ids=[9])  # any task re-runs alone with the same result
    assert one[0].result == a[9].result
    p = BatchPlanner(list(range(1000)), 2, "dask", hint=4)
    assert len(next(p)) == 4  # nothing measured yet: the family's hint
    from dlnscape.experiments.tasks import Outcome

    p.observe([Outcome(0, "", "ok", "", None, None, 0.001, "w")] * 4)
    n = p.size()  # 1 ms tasks, 5 ms hand-off: ≥ 250 tasks for ≤ 2 % overhead, capped for balance
    assert n == min(250, -(-(1000 - 4) // 6))
    q = BatchPlanner(list(range(1000)), 2, "process", hint=50)
    q.observe([Outcome(0, "", "ok", "", None, None, 0.5, "w")] * 4)
    assert q.size() == 4  # 0.5 s tasks: at most 2 s per batch, even below the hint
    q = BatchPlanner(list(range(1000)), 2, "process", hint=50)
    q.observe([Outcome(0, "", "ok", "", None, None, 0.02, "w")] * 4)
    assert q.size() == 50  # cheap enough: the family's hint (≥ the 5 needed for 2 %)


def test_table2_family_equals_run_table2(tmp_path):
    ref = "engine_helpers:stub_solver"
    old = run_table2(12, seed=3, workers=1, solver=stub_solver)
    text = f"""family = "table2"
seed = 3
output = "t2"
[instances]
count = 12
[params]
solver = "{ref}"
"""
    cfg = load_config(write_config(tmp_path, text))
    rep = run_experiment(cfg, runner="serial", batch_size=5, progress=False)
    assert rep.complete
    with Store.open(tmp_path / "t2") as st:
        rows = st.rows()
    strip = [r.to_dict() | {"seconds": 0} for r in old.results]
    from dlnscape.experiments.families.table2 import instance_result

    got = [instance_result(r.task_id, r.result, 0, r.error).to_dict() for r in rows]
    assert got == strip  # (test_table2.py checks run_table2's pool against workers=1)


@pytest.mark.skipif(not backend_available(), reason="critical_points_on_Mr not available")
def test_table2_engine_real_backend_same_per_instance_results(tmp_path):
    old = run_table2(20, seed=2026, workers=1)
    cfg = config_from_dict({"family": "table2", "seed": 2026, "instances": {"count": 20}},
                           base_dir=tmp_path)
    rep = run_experiment(cfg, output=tmp_path / "t2", runner="serial", batch_size=7,
                         progress=False)
    assert rep.complete
    with Store.open(tmp_path / "t2") as st:
        rows = st.rows()
    from dlnscape.experiments.families.table2 import instance_result

    got = [instance_result(r.task_id, r.result, 0, r.error).to_dict() for r in rows]
    assert got == [r.to_dict() | {"seconds": 0} for r in old.results]


def test_lambda_solver_needs_serial(tmp_path):
    with pytest.raises(DlnscapeError, match="not importable"):
        run_table2(3, seed=0, workers=2, solver=lambda loss, r, b: stub_solver(loss, r, b))
    res = run_table2(3, seed=0, workers=1, solver=lambda loss, r, b: stub_solver(loss, r, b))
    assert len(res.results) == 3


def _start(cmd: list[str], log: Path) -> subprocess.Popen:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
           "MKL_NUM_THREADS": "1"}
    return subprocess.Popen(cmd, stdout=log.open("w"), stderr=subprocess.STDOUT, env=env,
                            start_new_session=True)


@pytest.mark.slow
def test_dask_scheduler_and_two_worker_processes_same_store(tmp_path):
    dask = str(Path(sys.executable).with_name("dask"))
    sched_file = tmp_path / "scheduler.json"
    procs = [_start([dask, "scheduler", "--host", "127.0.0.1", "--port", "0",
                     "--no-dashboard", "--scheduler-file", str(sched_file)],
                    tmp_path / "scheduler.log")]
    try:
        t0 = time.time()
        while not sched_file.exists() and time.time() - t0 < 60:
            time.sleep(0.2)
        assert sched_file.exists(), (tmp_path / "scheduler.log").read_text()
        address = json.loads(sched_file.read_text())["address"]
        assert address.startswith("tcp://127.0.0.1:")
        for k in range(2):
            procs.append(_start([dask, "worker", address, "--nthreads", "1", "--nworkers", "1",
                                 "--no-dashboard", "--name", f"w{k}"], tmp_path / f"w{k}.log"))
        from distributed import Client

        with Client(address, timeout="30s") as c:
            c.wait_for_workers(2, timeout=60)
        # one task per batch and many batches: the scheduler spreads them over both workers
        cfg = load_config(write_config(tmp_path, custom_toml(tmp_path / "o", count=16,
                                                             fail_on=(4,))))
        rep = run_experiment(cfg, output=tmp_path / "dask", runner="dask", scheduler=address,
                             batch_size=1, progress=False)
        assert rep.complete and rep.runner.startswith(f"dask {address}")
        run_experiment(cfg, output=tmp_path / "serial", runner="serial", progress=False)
        with Store.open(tmp_path / "dask") as st:
            workers = {r[7] for r in st.raw_rows()}
        assert len(workers) == 2  # both worker processes ran batches
        assert _fingerprint(tmp_path / "dask") == _fingerprint(tmp_path / "serial")
    finally:
        for p in procs[::-1]:
            p.terminate()
        for p in procs:
            try:
                p.wait(20)
            except subprocess.TimeoutExpired:
                p.kill()


def test_dask_bad_scheduler_address():
    cfg = config_from_dict({"family": "table2", "seed": 0, "instances": {"count": 2},
                            "params": {"solver": "engine_helpers:stub_solver"}})
    with pytest.raises(DlnscapeError, match="scheduler"):
        run_in_memory(cfg, runner="dask", scheduler="localhost:1")
    with pytest.raises(DlnscapeError, match="scheduler"):
        run_in_memory(cfg, runner="process", scheduler="tcp://127.0.0.1:1")
