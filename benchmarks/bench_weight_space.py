"""Weight-space critical points of regularized deep linear networks: the fast path (zero-pattern
components, monodromy, parameter homotopy, α-certified) against msolve on the same instances.

Instances: widths (2,2,2) and (2,2,2,2) with one data point, and Mehta et al.'s Example 2
shape (2,1,2) with five data points; integer data, generic Λ (seeded). Reports seconds, counts
(both must agree: equal certified counts), and the ratio fast/msolve (target ≤ 0.1 on
(2,2,2,2)). msolve gets ``--msolve-timeout`` seconds (a timeout is reported as a lower bound on
its time).

Run: ``python benchmarks/bench_weight_space.py [--quick] [--msolve-timeout S] [--out FILE]``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import numpy as np  # noqa: E402

import _util  # noqa: E402  (single-thread environment first)


def instance(widths, n_data, seed):
    import dlnscape as dl

    rng = np.random.default_rng(seed)
    X = rng.integers(-5, 6, size=(widths[0], n_data)).astype(float)
    Y = rng.integers(-5, 6, size=(widths[-1], n_data)).astype(float)
    lams = tuple(rng.uniform(0.5, 2.0, size=(widths[i + 1], widths[i]))
                 for i in range(len(widths) - 1))
    return dl.Landscape(dl.Architecture(list(widths)), dl.SquaredLoss(X, Y),
                        regularizer=dl.HadamardL2(lams))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="(2,2,2) and Example 2 only")
    ap.add_argument("--msolve-timeout", type=float, default=900.0)
    ap.add_argument("--out", default=str(_util.RESULTS_DIR / "weight_space.json"))
    args = ap.parse_args(argv)
    from dlnscape.algebraic.weight_space import critical_points
    from dlnscape.errors import SolverError

    cases = [((2, 2, 2), 1), ((2, 1, 2), 5)] + ([] if args.quick else [((2, 2, 2, 2), 1)])
    rows = []
    for widths, nd in cases:
        L = instance(widths, nd, 3)
        t0 = time.perf_counter()
        fast = critical_points(L, backend="homotopy", rng=1)
        tf = time.perf_counter() - t0
        t0 = time.perf_counter()
        try:
            exact = critical_points(L, backend="msolve", timeout=args.msolve_timeout)
            tm, n_exact, note = time.perf_counter() - t0, exact.n_complex, "finished"
        except SolverError as e:
            tm, n_exact, note = time.perf_counter() - t0, None, f"timeout: {e}"[:120]
        row = {"widths": list(widths), "n_data": nd, "fast_seconds": tf,
               "fast_count": fast.n_complex, "fast_real": fast.n_real,
               "fast_certified": fast.certified, "msolve_seconds": tm, "msolve_count": n_exact,
               "msolve_note": note, "ratio_fast_over_msolve": tf / tm,
               "counts_equal": n_exact == fast.n_complex if n_exact is not None else None,
               "zero_patterns": fast.zero_patterns}
        rows.append(row)
        print(f"{widths} n={nd}: fast {tf:.2f} s ({fast.n_complex}), msolve {tm:.2f} s "
              f"({n_exact}), ratio {tf / tm:.3f}", flush=True)
    big = [r for r in rows if r["widths"] == [2, 2, 2, 2]]
    doc = {"benchmark": "weight_space", "environment": _util.environment(), "rows": rows,
           "target": "fast ≤ 0.1 × msolve on (2,2,2,2) with equal certified counts",
           "target_met": (bool(big[0]["ratio_fast_over_msolve"] <= 0.1 and
                               big[0]["counts_equal"]) if big else None)}
    _util.write_result(args.out, doc)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
