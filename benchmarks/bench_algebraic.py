"""Benchmark: all critical points of ‖φ(W − Q0)‖² on M_1 ⊂ R^{3×3} (Trager et al. 2020, Ex 13),
fast path (batched parameter homotopy + α-theory) vs msolve vs PHCpack, on the same instances.

Writes benchmarks/results/algebraic.json. Run: ``python benchmarks/bench_algebraic.py [--quick]``.
Seconds per instance: the homotopy's batch wall time / batch size (the way Table 2 uses it);
msolve and PHCpack run one subprocess per instance (wall time, children's CPU time reported too).
"""

from __future__ import annotations

import os

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")

import argparse  # noqa: E402
import resource  # noqa: E402
import shutil  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

from dlnscape import DistanceLoss  # noqa: E402
from dlnscape.algebraic import critical_points_on_Mr, critical_points_on_Mr_many  # noqa: E402
from dlnscape.algebraic import homotopy as hm  # noqa: E402
from dlnscape.io import write_json_atomic  # noqa: E402

OUT = Path(__file__).resolve().parent / "results" / "algebraic.json"


def instances(n: int, seed: int) -> list[DistanceLoss]:
    rng = np.random.default_rng(seed)
    return [DistanceLoss(rng.integers(-10, 11, size=(3, 3)), rng.integers(-10, 11, size=(9, 9)))
            for _ in range(n)]


def _child_cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def _self_cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


def counts(res) -> list[int]:
    return [res.n_complex, res.n_real, res.n_local_minima]


def alpha_cost(losses, reps: int = 3) -> dict:
    """Seconds per point of the α-test on the certified endpoints: the float64 filter
    (``alpha_data``) vs the proven test in ball arithmetic (``rigorous_alpha_data``, one
    evaluation per conjugate pair in ``certify_solutions``), and the whole certificate."""
    from dlnscape.algebraic.alpha import alpha_data, certify_solutions, rigorous_alpha_data
    from dlnscape.algebraic.formulation import quadratic_data

    st = hm.start_system((3, 3), 1, seed=0)
    sols = [hm.solve_target(st, quadratic_data(L)) for L in losses]
    sols = [h for h in sols if h.complete and h.mixed is None]
    pts = sum(len(h.X) for h in sols)
    t_f = t_r = t_c = 0.0
    evals = 0
    for _ in range(reps):
        for h in sols:
            h.system._plans.clear()
            w = time.perf_counter()
            alpha_data(h.system, h.X)
            t_f += time.perf_counter() - w
            w = time.perf_counter()
            rigorous_alpha_data(h.system, h.X)
            t_r += time.perf_counter() - w
            h.system._plans.clear()
            w = time.perf_counter()
            c = certify_solutions(h.system, h.X, n_zeros=len(h.X))
            t_c += time.perf_counter() - w
            evals += c.n_rigorous_evaluations
    n = reps * pts
    return {
        "instances": len(sols),
        "points": pts,
        "float_filter_seconds_per_point": t_f / n,
        "rigorous_seconds_per_point": t_r / n,
        "ratio_rigorous_over_float": t_r / t_f,
        "certificate_seconds_per_instance": t_c / (reps * len(sols)),
        "rigorous_evaluations_per_instance": evals / (reps * len(sols)),
    }


def _losses(shape, n: int, seed: int) -> list[DistanceLoss]:
    rng = np.random.default_rng([seed, *shape])
    N = shape[0] * shape[1]
    return [DistanceLoss(rng.integers(-10, 11, size=shape), rng.integers(-10, 11, size=(N, N)))
            for _ in range(n)]


def per_call(shape: tuple[int, int], r: int, n: int, n_msolve: int, seed: int,
             start_cache: Path | None = None) -> dict:
    """One ``critical_points_on_Mr`` call at a time, the same instances for every solver:
    the homotopy with the compiled tracker and with the numpy reference tracker
    (``tracker=`` via ``$DLNSCAPE_TRACKER``), and msolve (on the first ``n_msolve``). The cold
    start (start system built in an empty cache directory, the random charts, the first
    call with the tracker's compiled code loaded or compiled) is measured apart."""
    import tempfile

    import dlnscape.algebraic.tracker_numba as tn

    losses = _losses(shape, n, seed)
    cold = start_cache is None  # else the start system is read from that directory
    cache = tempfile.mkdtemp(prefix="dlnscape-bench-start-") if cold else str(start_cache)
    t0 = time.perf_counter()
    st = hm.start_system(shape, r, seed=0, cache_dir=cache)
    start_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    hm.chart_families(st)
    charts_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    critical_points_on_Mr(losses[0], r, backend="homotopy", cache_dir=cache)
    first_s = time.perf_counter() - t0
    stats = tn.track_paths.stats
    numba_cached = {"hits": sum(stats.cache_hits.values()),
                    "misses": sum(stats.cache_misses.values()), "path": stats.cache_path}

    def call(L, tracker):
        os.environ["DLNSCAPE_TRACKER"] = tracker
        try:
            w = time.perf_counter()
            res = critical_points_on_Mr(L, r, backend="homotopy", cache_dir=cache)
            return time.perf_counter() - w, res
        finally:
            os.environ.pop("DLNSCAPE_TRACKER", None)

    fast_t, ref_t, ms_t, rows = [], [], [], []
    for i, L in enumerate(losses):
        tf, f = call(L, "compiled")
        tr, g = call(L, "reference")
        fast_t.append(tf)
        ref_t.append(tr)
        row = {"compiled": counts(f), "compiled_certified": f.certified,
               "reference": counts(g), "reference_certified": g.certified,
               "compiled_s": tf, "reference_s": tr}
        if i < n_msolve:
            w = time.perf_counter()
            m = critical_points_on_Mr(L, r, backend="msolve")
            ms_t.append(time.perf_counter() - w)
            row.update(msolve=counts(m), msolve_certified=m.certified, msolve_s=ms_t[-1])
        rows.append(row)
    fast, ref = float(np.median(fast_t)), float(np.median(ref_t))
    ms = float(np.median(ms_t)) if ms_t else None
    with_ms = [row for row in rows if "msolve" in row]
    return {
        "shape": list(shape), "r": r, "instances": n, "msolve_instances": len(ms_t),
        "generic_root_count": st.msolve_count,
        "cold_start": {
            "start_system_built_in_this_run": cold,
            "start_system_seconds": start_s,
            "start_system_builder_seconds": st.msolve_seconds,
            "start_system_method": getattr(st, "count_source", "msolve"),
            "random_charts_seconds": charts_s,
            "first_call_seconds": first_s,
            "numba_code_from_cache": numba_cached,
        },
        "compiled_seconds_per_call_median": fast,
        "reference_seconds_per_call_median": ref,
        "msolve_seconds_per_call_median": ms,
        "ratio_compiled_over_msolve": fast / ms if ms else None,
        "ratio_reference_over_msolve": ref / ms if ms else None,
        "ratio_compiled_over_reference": fast / ref,
        "target_ratio_le_0.1": bool(ms and fast / ms <= 0.1),
        "certified": {"compiled": sum(row["compiled_certified"] for row in rows),
                      "reference": sum(row["reference_certified"] for row in rows),
                      "msolve": sum(row["msolve_certified"] for row in with_ms)},
        "compiled_equals_reference_counts_and_certified": sum(
            row["compiled"] == row["reference"] and row["compiled_certified"] ==
            row["reference_certified"] for row in rows),
        "compiled_equals_msolve_counts_certified": sum(
            row["compiled"] == row["msolve"] and row["compiled_certified"] and
            row["msolve_certified"] for row in with_ms),
        "per_instance": rows,
        "load_average": os.getloadavg(),
    }


def run(n: int, n_phc: int, seed: int) -> dict:
    losses = instances(n, seed)
    t0 = time.perf_counter()
    hm.start_system((3, 3), 1, seed=0)
    hm.chart_families(hm.start_system((3, 3), 1, seed=0))
    start_s = time.perf_counter() - t0

    c0, w0 = _self_cpu(), time.perf_counter()
    fast = critical_points_on_Mr_many(losses, 1, backend="homotopy")
    fast_wall = (time.perf_counter() - w0) / n
    fast_cpu = (_self_cpu() - c0) / n

    ms_wall, ms_cpu, ms_res = [], [], []
    for L in losses:
        c, w = _child_cpu() + _self_cpu(), time.perf_counter()
        ms_res.append(critical_points_on_Mr(L, 1, backend="msolve"))
        ms_wall.append(time.perf_counter() - w)
        ms_cpu.append(_child_cpu() + _self_cpu() - c)

    phc_present = shutil.which("phc") is not None
    phc_wall, phc_res = [], []
    if phc_present:
        for L in losses[:n_phc]:
            w = time.perf_counter()
            phc_res.append(critical_points_on_Mr(L, 1, backend="phc"))
            phc_wall.append(time.perf_counter() - w)

    acost = alpha_cost(losses[: min(n, 20)])
    same = [counts(f) == counts(m) for f, m in zip(fast, ms_res, strict=True)]
    same_certified = [s and f.certified for s, f in zip(same, fast, strict=True)]
    phc_same = [counts(p) == counts(m) for p, m in zip(phc_res, ms_res, strict=False)]
    ms_mean = float(np.mean(ms_wall))
    out = {
        "problem": "critical points of ‖φ vec(W − Q0)‖² on rank-1 3×3 matrices, φ, Q0 integer "
                   "uniform in {−10..10} (Trager et al. 2020, Ex 13 / Experiment 1)",
        "instances": n,
        "seed": seed,
        "threads": "1 BLAS thread, 1 process",
        "start_system_seconds_once": start_s,
        "fast_path": {
            "seconds_per_instance_wall": fast_wall,
            "seconds_per_instance_cpu": fast_cpu,
            "certified": int(sum(f.certified for f in fast)),
        },
        "msolve": {
            "seconds_per_instance_wall": ms_mean,
            "seconds_per_instance_cpu_incl_subprocess": float(np.mean(ms_cpu)),
            "certified": int(sum(m.certified for m in ms_res)),
        },
        "phc": {
            "present": phc_present,
            "instances": len(phc_res),
            "seconds_per_instance_wall": float(np.mean(phc_wall)) if phc_wall else None,
            "same_counts_as_msolve": int(sum(phc_same)),
        },
        "alpha_certification_cost": acost,
        "criticality_check_refined_points": {
            "fast": int(sum(f.evidence.get("criticality_check", {}).get("n_refined", 0)
                            for f in fast)),
            "msolve": int(sum(m.evidence.get("criticality_check", {}).get("n_refined", 0)
                              for m in ms_res)),
        },
        "load_average": os.getloadavg(),
        "ratio_msolve_over_fast_wall": ms_mean / fast_wall,
        "ratio_msolve_over_fast_cpu": float(np.mean(ms_cpu)) / fast_cpu,
        "ratio_phc_over_fast_wall": (float(np.mean(phc_wall)) / fast_wall) if phc_wall else None,
        "fast_equals_msolve_counts": int(sum(same)),
        "fast_equals_msolve_counts_and_certified": int(sum(same_certified)),
        "n_complex_msolve": sorted({m.n_complex for m in ms_res}),
        "n_real_histogram_msolve": {str(k): int(v) for k, v in zip(
            *np.unique([m.n_real for m in ms_res], return_counts=True), strict=True)},
        "table2_2000_instances_on_2_cores_estimate_seconds": 2000 * fast_wall / 2,
        "per_instance_counts": [
            {"msolve": counts(m), "fast": counts(f), "fast_certified": f.certified,
             "phc": counts(phc_res[i]) if i < len(phc_res) else None}
            for i, (f, m) in enumerate(zip(fast, ms_res, strict=True))
        ],
        "targets": {
            "fast_10x_faster_than_msolve": bool(ms_mean / fast_wall >= 10),
            "table2_under_120s_on_2_cores": bool(2000 * fast_wall / 2 < 120),
            "per_instance_under_50ms": bool(fast_wall < 0.05),
        },
    }
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="10 instances instead of 50")
    ap.add_argument("--instances", type=int, default=None)
    ap.add_argument("--phc-instances", type=int, default=None,
                    help="how many of the instances PHCpack solves (default 10: it takes "
                         "seconds per instance)")
    ap.add_argument("--seed", type=int, default=2020)
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--per-call-only", action="store_true",
                    help="only the one-call comparisons (3×3 r=1, and 4×4 r=1 with --four)")
    ap.add_argument("--four", type=int, default=0, metavar="N",
                    help="also 4×4 rank one per call on N instances (msolve on min(N, 2); its "
                         "start system and each msolve solve can take minutes)")
    ap.add_argument("--start-cache", type=Path, default=None,
                    help="read the 4×4 start system from this directory (built by an earlier "
                         "run) instead of building it in an empty one")
    a = ap.parse_args(argv)
    n = a.instances or (10 if a.quick else 50)
    res = {} if a.per_call_only else run(
        n, a.phc_instances if a.phc_instances is not None else min(n, 10), a.seed)
    res["per_call_3x3_r1"] = pc = per_call((3, 3), 1, min(n, 20), min(n, 20), a.seed)
    print(f"per call 3×3 r=1: compiled {1e3 * pc['compiled_seconds_per_call_median']:.1f} ms, "
          f"reference {1e3 * pc['reference_seconds_per_call_median']:.1f} ms, msolve "
          f"{1e3 * pc['msolve_seconds_per_call_median']:.1f} ms: compiled/msolve "
          f"{pc['ratio_compiled_over_msolve']:.3f} (target ≤ 0.1), certified "
          f"{pc['certified']}")
    if a.four:
        res["per_call_4x4_r1"] = p4 = per_call((4, 4), 1, a.four, min(a.four, 2), a.seed,
                                               a.start_cache)
        print(f"per call 4×4 r=1: cold start {p4['cold_start']}; compiled "
              f"{1e3 * p4['compiled_seconds_per_call_median']:.1f} ms, reference "
              f"{1e3 * p4['reference_seconds_per_call_median']:.1f} ms, msolve "
              f"{p4['msolve_seconds_per_call_median']:.1f} s: compiled/msolve "
              f"{p4['ratio_compiled_over_msolve']:.4f}, certified {p4['certified']}")
    if a.per_call_only:
        res["environment"] = {"load_average_end": os.getloadavg(),
                              "note": "absolute times depend on the machine's load (see the "
                              "load averages); the ratios are measured on the same instances "
                              "in one run"}
        write_json_atomic(a.out, res)
        print(f"wrote {a.out}")
        return 0
    write_json_atomic(a.out, res)
    f, m, p = res["fast_path"], res["msolve"], res["phc"]
    print(f"instances: {n}  (start system, once: {res['start_system_seconds_once']:.2f} s)")
    print(f"fast path : {1000 * f['seconds_per_instance_wall']:8.1f} ms/instance "
          f"(cpu {1000 * f['seconds_per_instance_cpu']:.1f} ms), certified {f['certified']}/{n}")
    print(f"msolve    : {1000 * m['seconds_per_instance_wall']:8.1f} ms/instance "
          f"(cpu incl. subprocess {1000 * m['seconds_per_instance_cpu_incl_subprocess']:.1f} ms)")
    ac = res["alpha_certification_cost"]
    print(f"α-test per point: float filter {1e6 * ac['float_filter_seconds_per_point']:.1f} us, "
          f"rigorous {1e6 * ac['rigorous_seconds_per_point']:.1f} us "
          f"({ac['ratio_rigorous_over_float']:.1f}x); whole certificate "
          f"{1e3 * ac['certificate_seconds_per_instance']:.2f} ms/instance "
          f"({ac['rigorous_evaluations_per_instance']:.1f} ball evaluations)")
    if p["present"] and p["instances"]:
        print(f"PHCpack   : {1000 * p['seconds_per_instance_wall']:8.1f} ms/instance on "
              f"{p['instances']} instances, same counts as msolve {p['same_counts_as_msolve']}")
    print(f"ratio msolve/fast: {res['ratio_msolve_over_fast_wall']:.1f}x wall, "
          f"{res['ratio_msolve_over_fast_cpu']:.1f}x cpu; equal certified counts "
          f"{res['fast_equals_msolve_counts_and_certified']}/{n}")
    print(f"Table 2 (2000 instances, 2 cores) estimate: "
          f"{res['table2_2000_instances_on_2_cores_estimate_seconds']:.0f} s")
    print(f"wrote {a.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
