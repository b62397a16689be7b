"""Benchmark: the experiment engine's runners, side by side, and Table 2 through the engine.

1. Throughput (tasks/s) of ``table1``-sized tasks (GD + Newton polish + certified classify on
   architectures (3,1,3), (3,2,2,3), (3,3,2) × squared / distance / logistic losses) for the
   serial runner, the process pool (2 workers) and a Dask LocalCluster(2), each started and
   warmed up first (worker start-up and imports are reported apart), with a store written as
   in a real run; speed-ups against serial, worker utilisation (Σ task seconds / (workers ×
   wall)), and whether the three stores are identical (else which rows differ, and whether
   only float fields do).
2. The hand-off cost per batch of each runner (no-op tasks, one per batch), and what it is as a
   fraction of the table1 batches the engine actually formed (target < 5 %).
3. Table 2 (2,000 instances, 2 workers): ``dlnscape experiment run`` (engine + store) against
   ``run_table2`` (the entry point, now a wrapper over the engine) and against the pre-engine
   implementation (loaded from git history when this is a git checkout).

Writes benchmarks/results/engine.json atomically.

    python benchmarks/bench_engine.py [--quick] [--instances 2000] [--tasks 120]

Like bench_table2.py, this script does not import benchmarks/_util.py (it pins the process to
one CPU, and the pool and Dask workers would inherit the pin).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

for _k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "VECLIB_MAXIMUM_THREADS",
           "NUMEXPR_NUM_THREADS"):
    os.environ.setdefault(_k, "1")

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "engine.json"
PRE_ENGINE_COMMIT = "2ecd2ab^"  # the last commit with the private Table 2 pool


def noop_generator(rng, index, options):
    return index


def noop_analysis(instance, rng, options):
    return {"i": instance}


def _table1_config(tasks: int, seed: int, out: Path):
    from dlnscape.experiments.config import config_from_dict

    archs = [[3, 1, 3], [3, 2, 2, 3], [3, 3, 2]]
    losses = ["squared", "distance", "logistic"]
    starts = 4
    count = max(1, round(tasks / (len(archs) * len(losses) * starts)))
    return config_from_dict({
        "family": "table1", "seed": seed, "output": str(out),
        "instances": {"count": count, "starts": starts},
        "optimizer": {"method": "gd", "max_iter": 5000},
        "params": {"architectures": archs, "losses": losses},
    })


def _noop_config(n: int, out: Path):
    from dlnscape.experiments.config import config_from_dict

    return config_from_dict({
        "family": "custom", "seed": 0, "output": str(out), "instances": {"count": n},
        "params": {"generator": "bench_engine:noop_generator",
                   "analysis": "bench_engine:noop_analysis", "python_path": [str(HERE)]},
    })


def _fingerprint(d: Path):
    from dlnscape.experiments.store import Store

    with Store.open(d) as st:
        return st.fingerprint()


def bench_runners(tasks: int, tmp: Path) -> dict:
    from dlnscape.experiments.engine import run_experiment
    from dlnscape.experiments.runners import make_runner

    out: dict = {"tasks": None, "runners": {}}
    prints = {}
    for kind in ("serial", "process", "dask"):
        t0 = time.perf_counter()
        with make_runner(kind, 2) as runner:
            started = time.perf_counter() - t0
            # warm-up: imports, JAX compilation of the logistic loss, in every worker
            warm = _table1_config(4 * runner.workers * 9, 10_000, tmp / f"warm-{kind}")
            t1 = time.perf_counter()
            run_experiment(warm, runner=runner, progress=False, batch_size=1)
            warm_s = time.perf_counter() - t1
            cfg = _table1_config(tasks, 0, tmp / f"t1-{kind}")
            rep = run_experiment(cfg, runner=runner, progress=False)
            # hand-off cost: no-op tasks, one per batch
            n_noop = 200
            noop = _noop_config(n_noop, tmp / f"noop-{kind}")
            t2 = time.perf_counter()
            run_experiment(noop, runner=runner, progress=False, batch_size=1)
            noop_s = time.perf_counter() - t2
        prints[kind] = _fingerprint(tmp / f"t1-{kind}")
        from dlnscape.experiments.store import Store

        with Store.open(tmp / f"t1-{kind}") as st:
            task_seconds = st.status().task_seconds
        out["tasks"] = rep.n_tasks
        per_batch = noop_s * runner.workers / n_noop  # worker-seconds per batch hand-off
        mean_batch = rep.ran / max(1, rep.batches)
        mean_task = task_seconds / max(1, rep.ran)
        out["runners"][kind] = {
            "describe": rep.runner,
            "workers": runner.workers,
            "start_seconds": started,
            "warmup_seconds": warm_s,
            "wall_seconds": rep.wall_seconds,
            "tasks_per_second": rep.tasks_per_second,
            "batches": rep.batches,
            "mean_batch_size": mean_batch,
            "mean_task_seconds": mean_task,
            "noop_seconds_per_batch": per_batch,
            "handoff_fraction_of_batch_compute": per_batch / (mean_batch * mean_task),
            # Σ task seconds / (workers × wall): how busy the engine keeps its workers; unlike
            # the speed-up it does not depend on how much CPU other jobs took in between
            "worker_utilisation": task_seconds / (runner.workers * rep.wall_seconds),
        }
    s = out["runners"]["serial"]["tasks_per_second"]
    for kind in ("process", "dask"):
        out["runners"][kind]["speedup_vs_serial"] = out["runners"][kind]["tasks_per_second"] / s
    out["identical_stores"] = prints["serial"] == prints["process"] == prints["dask"]
    out["comparison_with_serial"] = {k: compare_stores(prints["serial"], prints[k])
                                     for k in ("process", "dask")}
    out["targets"] = {"process_speedup": 1.8, "dask_speedup": 1.6, "handoff_fraction": 0.05}
    return out


def compare_stores(a: list[tuple], b: list[tuple]) -> dict:
    """Rows that differ, and whether they differ only in float fields (with the largest
    relative difference) while every verdict, count, flag and string is the same."""
    import json

    diff, float_only, worst = [], True, 0.0

    def walk(x, y) -> bool:
        nonlocal worst
        if isinstance(x, float) and isinstance(y, float):
            worst = max(worst, abs(x - y) / max(abs(x), abs(y), 1e-300))
            return True
        if isinstance(x, dict) and isinstance(y, dict):
            return x.keys() == y.keys() and all(walk(x[k], y[k]) for k in x)
        if isinstance(x, list) and isinstance(y, list):
            return len(x) == len(y) and all(walk(u, v) for u, v in zip(x, y, strict=True))
        return x == y

    for ra, rb in zip(a, b, strict=True):
        if ra != rb:
            diff.append(ra[0])
            same_rest = ra[:3] == rb[:3] and ra[4:] == rb[4:]
            float_only &= same_rest and walk(json.loads(ra[3]), json.loads(rb[3]))
    return {"rows": len(a), "differing_rows": diff, "only_float_fields_differ": float_only,
            "max_relative_float_difference": worst}


def _pre_engine_module(tmp: Path):
    """The Table 2 module as it was before the engine (its own pool), from git history."""
    root = HERE.parent
    try:
        src = subprocess.run(["git", "-C", str(root), "show",
                              f"{PRE_ENGINE_COMMIT}:src/dlnscape/experiments/table2.py"],
                             check=True, capture_output=True, text=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    d = tmp / "pre_engine"
    d.mkdir(exist_ok=True)
    (d / "pre_engine_table2.py").write_text(src)
    sys.path.insert(0, str(d))  # spawned pool workers import it by name too
    spec = importlib.util.spec_from_file_location("pre_engine_table2", d / "pre_engine_table2.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules["pre_engine_table2"] = mod
    spec.loader.exec_module(mod)
    return mod


def bench_table2(n: int, tmp: Path) -> dict:
    from dlnscape.algebraic.ed_degree import backend_available
    from dlnscape.experiments.config import config_from_dict
    from dlnscape.experiments.engine import run_experiment
    from dlnscape.experiments.table2 import run_table2

    if not backend_available():
        return {"error": "critical_points_on_Mr is not available: nothing timed"}
    out: dict = {"instances": n, "workers": 2}
    run_table2(4, 1, workers=1)  # start-system cache, imports
    cfg = config_from_dict({"family": "table2", "seed": 0, "instances": {"count": n}})
    t0 = time.perf_counter()
    rep = run_experiment(cfg, output=tmp / "table2-engine", runner="process", workers=2,
                         progress=False)
    out["engine_store_seconds"] = time.perf_counter() - t0
    out["engine_batches"] = rep.batches
    t0 = time.perf_counter()
    res = run_table2(n, 0, workers=2)
    out["run_table2_seconds"] = time.perf_counter() - t0
    out["gtest_pvalue"] = None if res.gtest is None else res.gtest.pvalue
    out["non_generic"] = len(res.non_generic)
    out["uncertified"] = len(res.uncertified)
    old = _pre_engine_module(tmp)
    if old is not None:
        t0 = time.perf_counter()
        ores = old.run_table2(n, 0, workers=2)
        out["pre_engine_seconds"] = time.perf_counter() - t0
        out["pre_engine_same_results"] = (
            [(a.n_complex, a.n_real, a.n_local_minima, a.certified) for a in ores.results]
            == [(b.n_complex, b.n_real, b.n_local_minima, b.certified) for b in res.results])
        out["engine_vs_pre_engine"] = out["engine_store_seconds"] / out["pre_engine_seconds"]
    from dlnscape.experiments.families.table2 import instance_result
    from dlnscape.experiments.store import Store

    with Store.open(tmp / "table2-engine") as st:
        stored = [instance_result(r.task_id, r.result, 0, r.error) for r in st.rows()]
    out["engine_store_same_results_as_run_table2"] = (
        [(a.n_complex, a.n_real, a.n_local_minima, a.certified) for a in stored]
        == [(b.n_complex, b.n_real, b.n_local_minima, b.certified) for b in res.results])
    out["previous_recorded_seconds"] = "20-40 s (issue); 15.6 s in benchmarks/results/table2.json"
    return out


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small sizes (a smoke run)")
    ap.add_argument("--tasks", type=int, default=144, help="table1 tasks per runner")
    ap.add_argument("--instances", type=int, default=2000, help="Table 2 instances")
    ap.add_argument("--out", type=Path, default=RESULTS)
    args = ap.parse_args(argv)
    if args.quick:
        args.tasks, args.instances = 36, 100
    from dlnscape.io import write_json_atomic

    out: dict = {
        "benchmark": "engine",
        "python": platform.python_version(),
        "cpus_available": len(os.sched_getaffinity(0)),
        "load_average_start": os.getloadavg(),
        "quick": args.quick,
        "note": "2 cores shared with other jobs: compare the ratios measured in this run",
    }
    tmp = Path(tempfile.mkdtemp(prefix="bench-engine-"))
    try:
        out["table1_runners"] = bench_runners(args.tasks, tmp)
        out["table2"] = bench_table2(args.instances, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    out["load_average_end"] = os.getloadavg()
    write_json_atomic(args.out, out)
    r = out["table1_runners"]["runners"]
    print({k: {"tasks/s": round(v["tasks_per_second"], 2),
               "speedup": round(v.get("speedup_vs_serial", 1.0), 2),
               "handoff": round(v["handoff_fraction_of_batch_compute"], 4)}
           for k, v in r.items()})
    print({k: v for k, v in out["table2"].items()})
    return out


if __name__ == "__main__":
    main()
