"""``differential_rank`` (Trager et al. 2020, Lemma 3 formula) vs ``jacobian_rank`` (SVD of the
explicit Jacobian of μ), side by side, for P = 10² … 10⁵ parameters.

Two architecture families per target P, both with controlled rank deficiencies (every layer
of rank ⌈3/4 · min(shape)⌉, so the ranks of partial products drop):

* ``square``: widths (d, d, d, d) — the Jacobian is d² × 3d², so its SVD grows like P^{2.5};
* ``wide``: widths (8, w, w, 8) — only 64 rows, so the SVD stays feasible up to P = 10⁵.

The SVD is skipped (and said so in the JSON) when the dense Jacobian plus SVD workspace would
exceed ``--mem-cap`` GiB or its estimated run time ``--time-cap`` seconds (estimated from the
smaller sizes). Reported per case: both times, their ratio SVD/formula, and whether the two
ranks agree. Results: ``benchmarks/results/geometry.json``.

Run: ``python benchmarks/bench_geometry.py [--quick] [--mem-cap GIB] [--time-cap S]``.
"""

# ruff: noqa: I001  (_util must be imported before numpy)
from __future__ import annotations

import _util  # noqa: F401  (sets the single-thread environment before numpy/JAX load)

import argparse
import math
import sys

import numpy as np

from dlnscape.architecture import Architecture
from dlnscape.geometry import differential_rank, jacobian_rank
from dlnscape.geometry.differential import jacobian_bytes
from dlnscape.io import write_json_atomic


def point(arch: Architecture, rng: np.random.Generator):
    out = []
    for m, n in arch.shapes:
        k = max(1, math.ceil(0.75 * min(m, n)))
        out.append(rng.standard_normal((m, k)) @ rng.standard_normal((k, n)) / np.sqrt(n))
    return tuple(out)


def widths_for(target: int, family: str) -> tuple[int, ...]:
    if family == "square":
        d = max(2, round(math.sqrt(target / 3)))
        return (d, d, d, d)
    w = max(2, round(-8 + math.sqrt(64 + target)))  # 16 w + w² ≈ P
    return (8, w, w, 8)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="P = 10², 10³ only")
    ap.add_argument("--mem-cap", type=float, default=1.0, help="GiB for Jacobian + SVD")
    ap.add_argument("--time-cap", type=float, default=60.0, help="seconds per SVD (estimated)")
    ap.add_argument("--out", default=str(_util.RESULTS_DIR / "geometry.json"))
    args = ap.parse_args(argv)
    targets = [10**2, 10**3] if args.quick else [10**2, 10**3, 10**4, 10**5]
    rng = np.random.default_rng(0)
    rows = []
    for family in ("square", "wide"):
        fit = []  # (log P·rows·min, log seconds) for SVD time extrapolation
        for target in targets:
            arch = Architecture(widths_for(target, family))
            th = point(arch, rng)
            f = _util.time_call(lambda th=th: differential_rank(th), min_repeats=3,
                                min_seconds=0.1)
            dr = differential_rank(th)
            row = {"family": family, "target_P": target, "widths": list(arch.widths),
                   "P": arch.n_params, "jacobian_shape": [arch.d_out * arch.d_in, arch.n_params],
                   "formula_rank": dr.rank, "formula_s": f["median_s"]}
            need = jacobian_bytes(arch)
            m_rows = arch.d_out * arch.d_in
            work = float(m_rows) * arch.n_params * min(m_rows, arch.n_params)
            est = None
            if fit:
                a, b = fit[-1]
                est = b * work / a
            if need > args.mem_cap * 1024**3:
                row.update(svd_skipped=f"dense Jacobian + SVD need {need / 1024**3:.1f} GiB > "
                           f"cap {args.mem_cap} GiB", svd_s=None, svd_rank=None, agree=None,
                           ratio_svd_over_formula=None)
            elif est is not None and est > args.time_cap:
                row.update(svd_skipped=f"estimated SVD time {est:.0f} s > cap {args.time_cap} s",
                           svd_s=None, svd_rank=None, agree=None, ratio_svd_over_formula=None)
            else:
                s = _util.time_call(lambda th=th, nb=need + 1: jacobian_rank(th, memory_budget=nb),
                                    min_repeats=1, max_repeats=3, min_seconds=0.0, warmup=0)
                jr = jacobian_rank(th, memory_budget=need + 1)
                fit.append((work, s["median_s"]))
                row.update(svd_s=s["median_s"], svd_rank=jr.rank, svd_gap=jr.gap,
                           agree=jr.rank == dr.rank,
                           ratio_svd_over_formula=s["median_s"] / f["median_s"])
            rows.append(row)
            print(f"{family:6s} P={arch.n_params:6d} formula {f['median_s'] * 1e3:8.3f} ms  "
                  + (f"svd {row['svd_s']:9.3f} s  ratio {row['ratio_svd_over_formula']:9.1f}  "
                     f"agree {row['agree']}" if row.get("svd_s") is not None
                     else f"svd skipped: {row['svd_skipped']}"), flush=True)
    result = {"benchmark": "geometry: differential_rank (Lemma 3) vs jacobian_rank (SVD)",
              "environment": _util.environment(), "rows": rows,
              "all_agree": all(r["agree"] for r in rows if r["agree"] is not None)}
    write_json_atomic(args.out, result)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
