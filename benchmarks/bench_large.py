"""Large linear networks (issue 8, "Size"): building critical points, the global-minimum
oracle, extreme Hessian eigenvalues with and without GL-orbit deflation, and ``classify``.

Squared loss ½‖W_h⋯W_1X − Y‖² on Gaussian data with n = 2·d_0 columns, widths
(40, 4, 40) (P = 320), (100, 50, 100) (P = 10⁴), (300, 100, 300) (P = 6·10⁴). Points: the
global minimum (top-r subset) and a strict saddle (the subset with index r swapped in for
r − 1: Thm 12 index 1) from ``critical_point_from_subset`` (Trager et al. 2020, Prop 6 +
Thm 12).

Side by side: (a) building the points — the direct path against the enumerative one it
replaced (``function_space_critical_points(...).point(I)``, only where it is feasible); (b)
``global_minimum`` — direct against the enumerative minimum; (c)
``hessian_extreme_eigenvalues`` smallest/largest without and with deflation of
``orbit_tangent_basis(theta, as_operator=True)``, with convergence, residuals and ‖HQ‖; (d)
``dlnscape.classify`` (verdict, time, exception), in a child process with a time limit.
Targets for classify (the lead's): < 30 s at (100, 50, 100), < 2 min at (300, 100, 300), each,
on 2 cores. Results: ``benchmarks/results/large.json``.

Run: ``python benchmarks/bench_large.py [--quick] [--classify-timeout S]``.
"""

# ruff: noqa: I001  (_util must be imported before numpy)
from __future__ import annotations

import _util  # noqa: F401  (sets the single-thread environment before numpy/JAX load)

import argparse
import math
import multiprocessing as mp
import time
import traceback
from pathlib import Path

import numpy as np

from dlnscape import Architecture, Landscape, LinearNetwork, SquaredLoss
from dlnscape.functional import (
    count_critical_components,
    critical_point_from_subset,
    function_space_critical_points,
    global_minimum,
    lift,
)
from dlnscape.geometry.fibers import orbit_tangent_basis
from dlnscape.io import write_json_atomic
from dlnscape.landscape import hessian_extreme_eigenvalues

WIDTHS = [(40, 4, 40), (100, 50, 100), (300, 100, 300)]
ENUMERATE_MAX = 200_000  # the enumerative reference is timed only below this many points
TARGETS_S = {"(100, 50, 100)": 30.0, "(300, 100, 300)": 120.0}


def _problem(widths, seed=0):
    rng = np.random.default_rng(seed)
    arch = Architecture(widths)
    n = 2 * arch.d_in
    loss = SquaredLoss(rng.standard_normal((arch.d_in, n)), rng.standard_normal((arch.d_out, n)))
    return arch, loss


def _timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def _classify_child(widths, I, conn):
    try:
        from dlnscape import classify

        arch, loss = _problem(widths)
        theta, _ = critical_point_from_subset(loss, arch, I, rng=0)
        land = Landscape(LinearNetwork(arch), loss)
        t0 = time.perf_counter()
        res = classify(land, theta, rng=0)
        conn.send({"verdict": str(getattr(res.verdict, "value", res.verdict)),
                   "seconds": time.perf_counter() - t0, "exception": None,
                   "hessian_method": getattr(res.hessian, "method", None),
                   "reasons": [str(r) for r in getattr(res, "reasons", [])][:5]})
    except BaseException as e:  # recorded, not raised: the benchmark reports the failure
        conn.send({"verdict": None, "seconds": None, "exception": f"{type(e).__name__}: {e}",
                   "traceback_tail": traceback.format_exc()[-1500:]})


def _classify(widths, I, timeout):
    ctx = mp.get_context("fork")
    a, b = ctx.Pipe(duplex=False)
    p = ctx.Process(target=_classify_child, args=(widths, I, b))
    t0 = time.perf_counter()
    p.start()
    out = a.recv() if a.poll(timeout) else None
    wall = time.perf_counter() - t0
    if out is None:
        p.kill()
        out = {"verdict": None, "seconds": None, "exception": None,
               "timed_out": True, "note": f"no answer within {timeout:.0f} s (killed)"}
    p.join()
    out["wall_s_including_setup"] = wall
    out.setdefault("timed_out", False)
    return out


def _eig(land, theta, which, deflate):
    res, t = _timed(lambda: hessian_extreme_eigenvalues(land, theta, 1, which, deflate=deflate))
    return {"seconds": t, "value": float(res.values[0]), "converged": res.converged,
            "method": res.method, "residual": float(res.residuals[0]),
            "threshold": res.threshold, "n_matvec": res.n_matvec,
            "deflation_dim": res.deflation_dim, "deflation_residual": res.deflation_residual,
            "deflation_residual_kind": res.deflation_residual_kind, "reason": res.reason,
            "attempts": [dict(x) for x in res.attempts]}


def _row(widths, classify_timeout):
    arch, loss = _problem(widths)
    land = Landscape(LinearNetwork(arch), loss)
    r, m = arch.r, min(arch.d_in, arch.d_out)
    top = list(range(r))
    swap = [*range(r - 1), r]
    n_points = math.comb(m, r)
    row = {"widths": list(widths), "P": arch.n_params, "r": r,
           "n_function_space_points": n_points}
    print(f"{widths}: P = {arch.n_params}, C({m}, {r}) = {n_points:.3g}", flush=True)
    (th_min, i_min), t_min = _timed(lambda: critical_point_from_subset(loss, arch, top, rng=0))
    (th_sad, i_sad), t_sad = _timed(lambda: critical_point_from_subset(loss, arch, swap,
                                                                       rng=0))
    gm, t_gm = _timed(lambda: global_minimum(loss, arch))
    row["build"] = {"global_minimum_point_s": t_min, "strict_saddle_point_s": t_sad,
                    "saddle_index": i_sad.index, "minimum_index": i_min.index}
    row["global_minimum"] = {"seconds": t_gm, "value": gm.value, "tol": gm.tol,
                             "minimizer_set_dimension": gm.details[
                                 "minimizer_set_dimension"]}
    assert abs(land.value(th_min) - gm.value) <= 1e-8 * (1 + gm.value)
    if count_critical_components(loss.Y @ np.linalg.svd(loss.X, full_matrices=False)[2].T,
                                 r) <= ENUMERATE_MAX:
        def enum_point(I):
            fs = function_space_critical_points(loss, r)
            return lift(fs.point(I).W, arch, 0)

        _, te_min = _timed(lambda: enum_point(top))
        _, te_sad = _timed(lambda: enum_point(swap))
        fs, te_gm = _timed(lambda: function_space_critical_points(loss, r).global_minimum)
        row["build"].update(enumerative_global_minimum_point_s=te_min,
                            enumerative_strict_saddle_point_s=te_sad,
                            speedup_minimum=te_min / t_min, speedup_saddle=te_sad / t_sad)
        row["global_minimum"].update(enumerative_s=te_gm, speedup=te_gm / t_gm,
                                     same_value=bool(abs(fs.value - gm.value)
                                                     <= gm.tol))
    else:
        row["build"]["enumerative"] = f"not run: {n_points:.3g} points"
    for name, th in (("global_minimum", th_min), ("strict_saddle", th_sad)):
        Q, t_q = _timed(lambda th=th: orbit_tangent_basis(th, as_operator=True))
        eig = {"orbit_tangent_basis_operator_s": t_q}
        for which in ("smallest", "largest"):
            eig[f"{which}_plain"] = _eig(land, th, which, None)
            eig[f"{which}_deflated"] = _eig(land, th, which, Q)
            print(f"  {name} {which}: plain {eig[f'{which}_plain']['value']:.6g} "
                  f"({eig[f'{which}_plain']['seconds']:.2f} s, "
                  f"conv {eig[f'{which}_plain']['converged']}), deflated "
                  f"{eig[f'{which}_deflated']['value']:.6g} "
                  f"({eig[f'{which}_deflated']['seconds']:.2f} s, "
                  f"conv {eig[f'{which}_deflated']['converged']})", flush=True)
        row[f"eigen_{name}"] = eig
    cls = {}
    for name, I in (("global_minimum", top), ("strict_saddle", swap)):
        cls[name] = _classify(widths, I, classify_timeout)
        print(f"  classify {name}: {cls[name]}"[:300], flush=True)
    row["classify"] = cls
    below = (t_min + max(row["eigen_global_minimum"]["smallest_deflated"]["seconds"], 0)
             + row["eigen_global_minimum"]["largest_deflated"]["seconds"] + t_gm)
    row["pre_classify_budget_s_global_minimum"] = below
    return row


def run(widths_list, classify_timeout):
    return [_row(widths, classify_timeout) for widths in widths_list]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="only (40, 4, 40) and (100, 50, 100)")
    ap.add_argument("--classify-timeout", type=float, default=150.0)
    args = ap.parse_args()
    widths = WIDTHS[:2] if args.quick else WIDTHS
    t0 = time.perf_counter()
    rows = run(widths, args.classify_timeout)
    out = {"benchmark": "large", "environment": _util.environment(), "targets_s": TARGETS_S,
           "classify_timeout_s": args.classify_timeout, "rows": rows,
           "total_s": time.perf_counter() - t0}
    path = Path(_util.RESULTS_DIR) / "large.json"
    write_json_atomic(path, out)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
