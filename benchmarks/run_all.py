"""Run every ``benchmarks/bench_*.py`` as its own process (``make bench``).

Each script writes its JSON into ``--out`` (default ``benchmarks/out/``, ignored by git: a run
never dirties the committed results), stamped with the commit it was measured on (``commit``,
``dirty``: ``_util.provenance``); this runner passes ``--quick`` through, pins BLAS and XLA to
one thread in the children's environment, prints a summary and exits non-zero when a script
fails (a missed performance target is reported by the script itself, not treated as a
failure). ``--commit`` copies the run's JSON into ``benchmarks/results/`` afterwards,
``--commit-only`` copies an earlier run's without running (``make bench-commit``, which then
regenerates README's benchmark block with ``scripts/readme_bench.py``).

Run: ``python benchmarks/run_all.py [--quick] [--only NAME ...] [--out DIR] [--commit]``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import _util  # noqa: E402  (pins the thread variables of this process too)

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
    ap.add_argument("--out", type=Path, default=_util.RESULTS_DIR,
                    help="folder for the JSON results (default benchmarks/out/, ignored by git)")
    ap.add_argument("--commit", action="store_true",
                    help="then copy the results into benchmarks/results/ (committed)")
    ap.add_argument("--commit-only", action="store_true",
                    help="copy the results of an earlier run into benchmarks/results/, run nothing")
    args = ap.parse_args(argv)
    if args.commit_only:
        return commit_results(args.out)

    env = dict(os.environ)
    for k, v in THREAD_ENV.items():
        env.setdefault(k, v)
    args.out.mkdir(parents=True, exist_ok=True)
    env["DLNSCAPE_BENCH_OUT"] = str(args.out)
    prov = _util.provenance()
    todo = scripts(args.only)
    if not todo:
        print("no benchmarks/bench_*.py matched", file=sys.stderr)
        return 1
    summary: list[tuple[str, int, float]] = []
    for path in todo:
        cmd = [sys.executable, str(path)] + (["--quick"] if args.quick else [])
        if '"--out"' in path.read_text(encoding="utf-8"):
            cmd += ["--out", str(args.out / f"{path.stem.removeprefix('bench_')}.json")]
        print(f"== {path.name} {'--quick' if args.quick else ''}", flush=True)
        t0 = time.perf_counter()
        started = time.time()
        rc = subprocess.run(cmd, env=env, cwd=HERE.parent).returncode
        for res in args.out.glob("*.json"):
            if res.stat().st_mtime >= started:
                _util.stamp(res, prov)
        summary.append((path.name, rc, time.perf_counter() - t0))
    print("\n== summary")
    for name, rc, secs in summary:
        print(f"{'ok  ' if rc == 0 else 'FAIL'} {name:40s} {secs:8.1f} s")
    print(f"results in {args.out} (measured on {prov['commit']}"
          f"{', uncommitted changes' if prov['dirty'] else ''})")
    ok = all(rc == 0 for _, rc, _ in summary)
    if args.commit and ok:
        return commit_results(args.out)
    return 0 if ok else 1


def commit_results(out: Path) -> int:
    """Copy ``out/*.json`` into benchmarks/results/ (the committed results)."""
    found = sorted(Path(out).glob("*.json"))
    if not found:
        print(f"no results in {out}: run `make bench` first", file=sys.stderr)
        return 1
    for p in found:
        shutil.copyfile(p, _util.COMMITTED_DIR / p.name)
        print(f"copied {p.name} into {_util.COMMITTED_DIR}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
