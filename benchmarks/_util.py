"""Shared helpers for the benchmark scripts: single-thread environment, timers, JSON output.

Import this module *before* numpy or JAX: it pins BLAS and XLA to one thread so that the
comparisons are fair (and so that several benchmarks can share a machine).
"""

from __future__ import annotations

import os

SINGLE_THREAD_ENV = {
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "VECLIB_MAXIMUM_THREADS": "1",
    "NUMEXPR_NUM_THREADS": "1",
    "JAX_PLATFORMS": "cpu",
    "XLA_FLAGS": "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1",
}
for _k, _v in SINGLE_THREAD_ENV.items():
    os.environ.setdefault(_k, _v)

def pin_to_one_cpu() -> int | None:
    """Pin this process (and the threads it starts afterwards) to one CPU, so that libraries
    that ignore the thread variables (XLA's CPU runtime starts its own pools) cannot use more.
    Call it before importing JAX; returns the CPU, or None where affinity is unsupported."""
    try:
        cpu = min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {cpu})
        return cpu
    except (AttributeError, OSError):
        return None

import platform  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

#: the committed results (README's benchmark block is generated from them)
COMMITTED_DIR = Path(__file__).resolve().parent / "results"
#: where runs write (ignored by git): ``$DLNSCAPE_BENCH_OUT``, else benchmarks/out/;
#: ``make bench-commit`` (``run_all.py --commit``) copies a run into COMMITTED_DIR
RESULTS_DIR = Path(os.environ.get("DLNSCAPE_BENCH_OUT")
                   or Path(__file__).resolve().parent / "out")


def provenance(repo: Path | None = None) -> dict[str, Any]:
    """What a result was measured on: ``commit`` (``git rev-parse --short HEAD`` now) and
    ``dirty`` (tracked files differ from HEAD, committed results aside); None without git."""
    import subprocess

    root = repo or Path(__file__).resolve().parents[1]

    def git(*args: str) -> subprocess.CompletedProcess | None:
        try:
            return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True,
                                  timeout=30, check=False)
        except (OSError, subprocess.SubprocessError):
            return None

    head = git("rev-parse", "--short", "HEAD")
    if head is None or head.returncode != 0:
        return {"commit": None, "dirty": None}
    diff = git("diff", "--quiet", "HEAD", "--", ".", ":(exclude)benchmarks/results")
    return {"commit": head.stdout.strip(),
            "dirty": None if diff is None else diff.returncode != 0}


def stamp(path: str | Path, prov: dict[str, Any] | None = None) -> dict:
    """Add ``commit`` and ``dirty`` to a result JSON that lacks them (a script that wrote it
    without :func:`write_result`); returns the document."""
    import json

    p = Path(path)
    doc = json.loads(p.read_text(encoding="utf-8"))
    if isinstance(doc, dict) and "commit" not in doc:
        doc.update(prov or provenance())
        p.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return doc


def write_result(path: str | Path, doc: dict) -> Path:
    """Write a result JSON with its :func:`provenance` (the commit it was measured on)."""
    import json

    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    out = {**doc, **{k: v for k, v in provenance().items() if k not in doc}}
    p.write_text(json.dumps(out, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return p


def blas_info() -> dict[str, Any]:
    """numpy's BLAS: library, version, the kernel set it runs and the variables that force it."""
    import numpy as np

    info: dict[str, Any] = {"OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE")}
    try:
        cfg = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        info.update({k: cfg.get(k) for k in ("name", "version")})
    except Exception:  # noqa: BLE001 - numpy < 1.26 has no dict mode
        pass
    try:
        from numpy._core._multiarray_umath import __cpu_features__ as feats

        info["cpu_avx512f"] = bool(feats.get("AVX512F"))
    except Exception:  # noqa: BLE001
        pass
    return info


def environment() -> dict[str, Any]:
    """What a reader needs to interpret the timings: threads, flags, versions, machine load."""
    import importlib.metadata as md

    versions = {}
    for pkg in ("dlnscape", "numpy", "scipy", "jax", "jaxlib"):
        try:
            versions[pkg] = md.version(pkg)
        except md.PackageNotFoundError:
            versions[pkg] = None
    try:
        load = os.getloadavg()
    except OSError:
        load = None
    return {
        "thread_env": {k: os.environ.get(k) for k in SINGLE_THREAD_ENV},
        "cpu_affinity": sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
        else None,
        "python": platform.python_version(),
        "machine": platform.machine(),
        "processor": platform.processor(),
        "cpu_count": os.cpu_count(),
        "load_average_at_start": load,
        "versions": versions,
        # numpy's OpenBLAS kernels decide its matmul speed: OPENBLAS_CORETYPE=Haswell (set on
        # some shared machines) forces AVX2 kernels on an AVX-512 CPU, about 2× slower for
        # 100×100 products, while JAX's XLA picks its own (2026-12-01: dlnscape/JAX grad
        # ratio 1.41 with Haswell, 0.81 with the detected SkylakeX kernels, P = 30,000)
        "blas": blas_info(),
        "note": "single-threaded timings on a machine shared with other jobs: medians of repeats "
        "after warm-up; compare ratios measured in the same run rather than absolute times",
    }


def time_call(
    fn: Callable[[], Any],
    *,
    min_repeats: int = 5,
    max_repeats: int = 200,
    min_seconds: float = 0.2,
    warmup: int = 1,
) -> dict[str, float]:
    """Median wall time of ``fn()`` after ``warmup`` calls; the first call's time is reported.

    For a jitted JAX function the first call includes tracing and compilation, so
    ``first_s - median_s`` is the compile overhead (reported separately, never in the median).
    """
    t0 = time.perf_counter()
    fn()
    first = time.perf_counter() - t0
    for _ in range(warmup - 1):
        fn()
    times: list[float] = []
    start = time.perf_counter()
    while len(times) < max_repeats and (
        len(times) < min_repeats or time.perf_counter() - start < min_seconds
    ):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    med = statistics.median(times)
    return {
        "median_s": med,
        "min_s": min(times),
        "repeats": len(times),
        "first_call_s": first,
        "compile_s": max(first - med, 0.0),
    }


def time_pair(
    ours: Callable[[], Any],
    theirs: Callable[[], Any],
    *,
    min_repeats: int = 5,
    max_repeats: int = 200,
    min_seconds: float = 0.2,
) -> tuple[dict[str, float], dict[str, float]]:
    """Time two implementations of the same operation in alternation (one call of each per
    round), so that load from other jobs on a shared machine hits both alike.

    Each is called once first (for a jitted function: trace + compile + run, reported as
    ``first_call_s``; ``compile_s = first_call_s − median_s``), then timed per round.
    """
    firsts = []
    for fn in (ours, theirs):
        t0 = time.perf_counter()
        fn()
        firsts.append(time.perf_counter() - t0)
    times: tuple[list[float], list[float]] = ([], [])
    start = time.perf_counter()
    while len(times[0]) < max_repeats and (
        len(times[0]) < min_repeats or time.perf_counter() - start < 2 * min_seconds
    ):
        for fn, ts in zip((ours, theirs), times, strict=True):
            t0 = time.perf_counter()
            fn()
            ts.append(time.perf_counter() - t0)
    out = []
    for first, ts in zip(firsts, times, strict=True):
        med = statistics.median(ts)
        out.append({
            "median_s": med,
            "min_s": min(ts),
            "repeats": len(ts),
            "first_call_s": first,
            "compile_s": max(first - med, 0.0),
        })
    return out[0], out[1]
