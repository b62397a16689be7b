"""kill -9 and Ctrl-C in the middle of a run: whole rows only, and resume completes the store
exactly as an uninterrupted run would."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from engine_helpers import custom_toml, write_config

from dlnscape.experiments.config import load_config
from dlnscape.experiments.engine import run_experiment
from dlnscape.experiments.store import STORE_NAME, Store

N_TASKS = 60  # 30 instances × 2 starts, 40 ms each


def _rows(out: Path) -> int:
    db = out / STORE_NAME
    if not db.exists():
        return 0
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
        try:
            return con.execute("SELECT COUNT(*) FROM tasks").fetchone()[0]
        finally:
            con.close()
    except sqlite3.OperationalError:  # the tables are not created yet
        return 0


def _launch(cfg_path: Path, runner: str) -> subprocess.Popen:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    cmd = [sys.executable, "-m", "dlnscape.cli", "experiment", "run", str(cfg_path),
           "--runner", runner, "--workers", "2", "--batch-size", "3", "-q"]
    return subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, start_new_session=True)


def _wait_rows(out: Path, proc: subprocess.Popen, n: int, timeout: float = 90) -> int:
    t0 = time.time()
    while time.time() - t0 < timeout:
        k = _rows(out)
        if k >= n:
            return k
        if proc.poll() is not None:
            pytest.fail(f"the run ended before it could be interrupted: {proc.stdout.read()}")
        time.sleep(0.02)
    pytest.fail("no rows appeared")


def _reference(tmp_path: Path) -> list[tuple]:
    cfg = load_config(write_config(tmp_path, custom_toml(tmp_path / "ref", count=30, starts=2,
                                                         sleep=0.0, fail_on=(5,)), "ref.toml"))
    run_experiment(cfg, runner="serial", progress=False)
    with Store.open(tmp_path / "ref") as st:
        return st.fingerprint()


def _check_resume(tmp_path: Path, out: Path, cfg_path: Path) -> None:
    con = sqlite3.connect(out / STORE_NAME)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    con.close()
    with Store.open(out) as st:
        before = len(st.rows())
    assert 0 < before < N_TASKS
    rep = run_experiment(load_config(cfg_path), runner="serial", progress=False)
    assert rep.skipped == before and rep.ran == N_TASKS - before and rep.complete
    with Store.open(out) as st:
        ids = [r.task_id for r in st.rows()]
        fp = st.fingerprint()
    assert ids == list(range(N_TASKS))  # no duplicate, no missing row
    # sleep is an option of the analysis only (not part of the result), but it is part of
    # the config: compare the deterministic columns other than the hash
    ref = _reference(tmp_path)
    assert [r[:6] for r in fp] == [r[:6] for r in ref]


def _config(tmp_path: Path) -> tuple[Path, Path]:
    out = tmp_path / "out"
    return write_config(tmp_path, custom_toml(out, count=30, starts=2, sleep=0.04,
                                              fail_on=(5,))), out


def test_kill_9_serial_then_resume_identical(tmp_path):
    cfg_path, out = _config(tmp_path)
    proc = _launch(cfg_path, "serial")
    _wait_rows(out, proc, 9)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(30)
    assert proc.returncode == -signal.SIGKILL
    _check_resume(tmp_path, out, cfg_path)


@pytest.mark.slow
def test_kill_9_process_pool_then_resume_identical(tmp_path):
    cfg_path, out = _config(tmp_path)
    proc = _launch(cfg_path, "process")
    _wait_rows(out, proc, 9)
    os.killpg(proc.pid, signal.SIGKILL)  # the driver and its pool workers, as in a crash
    proc.wait(30)
    _check_resume(tmp_path, out, cfg_path)


def test_ctrl_c_stops_after_the_batches_in_flight_and_resumes(tmp_path):
    cfg_path, out = _config(tmp_path)
    proc = _launch(cfg_path, "process")
    _wait_rows(out, proc, 6)
    os.killpg(proc.pid, signal.SIGINT)  # a terminal's Ctrl-C reaches the whole group
    text, _ = proc.communicate(timeout=60)
    assert proc.returncode == 130, text
    assert "interrupt" in text and "resume" in text and "Traceback" not in text
    _check_resume(tmp_path, out, cfg_path)


def test_a_worker_interrupted_while_it_starts_survives():
    """A Ctrl-C that reaches a pool worker before its initializer ran (a spawned worker spends
    about a second importing dlnscape) must not kill it: the pool would break and the run end
    with exit 2 instead of stopping cleanly (CI failure of 2026-12-01)."""
    from concurrent.futures import ProcessPoolExecutor

    from dlnscape.experiments.runners import init_pool_worker, worker_context

    # spawn, as the engine's pool (the test process has JAX loaded: fork would be unsafe)
    with ProcessPoolExecutor(max_workers=1, mp_context=worker_context("spawn"),
                             initializer=init_pool_worker) as ex:
        first = ex.submit(os.getpid)
        (worker,) = ex._processes.values()
        for _ in range(5):  # while it bootstraps: imports dlnscape, then the initializer
            os.kill(worker.pid, signal.SIGINT)
            time.sleep(0.01)
        assert first.result(timeout=60) == worker.pid
        assert ex.submit(os.getpid).result(timeout=60) == worker.pid
