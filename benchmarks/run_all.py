"""Run every ``benchmarks/bench_*.py`` as its own process (``make bench``).

Each script writes its JSON to ``benchmarks/results/``; this runner passes ``--quick`` through,
pins BLAS and XLA to one thread in the children's environment, prints a summary and exits
non-zero when a script fails (a missed performance target is reported by the script itself,
not treated as a failure).

Run: ``python benchmarks/run_all.py [--quick] [--only NAME ...]``.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
THREAD_ENV = {
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "JAX_PLATFORMS": "cpu",
    "XLA_FLAGS": "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1",
}


def scripts(only: list[str] | None = None) -> list[Path]:
    found = sorted(HERE.glob("bench_*.py"))
    if only:
        found = [p for p in found if any(o in p.stem for o in only)]
    return found


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="pass --quick to every benchmark")
    ap.add_argument("--only", nargs="*", help="run only the scripts whose name contains these")
    args = ap.parse_args(argv)

    env = dict(os.environ)
    for k, v in THREAD_ENV.items():
        env.setdefault(k, v)
    todo = scripts(args.only)
    if not todo:
        print("no benchmarks/bench_*.py matched", file=sys.stderr)
        return 1
    summary: list[tuple[str, int, float]] = []
    for path in todo:
        cmd = [sys.executable, str(path)] + (["--quick"] if args.quick else [])
        print(f"== {path.name} {'--quick' if args.quick else ''}", flush=True)
        t0 = time.perf_counter()
        rc = subprocess.run(cmd, env=env, cwd=HERE.parent).returncode
        summary.append((path.name, rc, time.perf_counter() - t0))
    print("\n== summary")
    for name, rc, secs in summary:
        print(f"{'ok  ' if rc == 0 else 'FAIL'} {name:40s} {secs:8.1f} s")
    print(f"results in {HERE / 'results'}")
    return 0 if all(rc == 0 for _, rc, _ in summary) else 1


if __name__ == "__main__":
    sys.exit(main())
