"""``classify`` on random critical points: how often "undetermined", whether every certificate
re-verifies, and how long it takes (issue 4's target).

Point families (squared loss ½‖W_h⋯W_1X − Y‖² on Gaussian data, widths drawn in 1..12 with
h ∈ {2, 3, 4}, P ≤ 500):

* ``subset`` — Eckart–Young critical points W_I lifted to weights
  (``functional.critical_point_from_subset``, random subsets I; Trager et al. 2020, Thm 12);
* ``fiber`` — the same, moved inside the fiber μ⁻¹(W) (a random GL action,
  ``geometry.random_fiber_point``, then a rank-one move ``geometry.fiber_moves`` when one exists):
  critical again by Prop 6;
* ``zero`` — θ = 0 for depth h ∈ {3, 4, 5} (a zero Hessian: Kawaguchi 2016, Cor 2.4);
* ``gd`` — end points of ``find_critical_point(method="gd")`` from random starts.

Side by side, per point: ``classify`` time against the bare dense Hessian spectrum
(``eigvalsh``: the floor of any second-order classification) — the ratio is reported.
Targets: ≤ 1% undetermined, 0 certificates failing ``verify()``, median classify time < 50 ms.
Results: ``benchmarks/results/classify.json``.

Run: ``python benchmarks/bench_classify.py [--quick] [--n N]``.
"""

# ruff: noqa: I001  (_util must be imported before numpy)
from __future__ import annotations

import _util  # noqa: F401  (sets the single-thread environment before numpy/JAX load)

import argparse
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np

from dlnscape import Architecture, Landscape, LinearNetwork, SquaredLoss
from dlnscape.critical import classify, find_critical_point
from dlnscape.functional import critical_point_from_subset, function_space_critical_points
from dlnscape.geometry import fiber_moves, random_fiber_point
from dlnscape.io import write_json_atomic

P_MAX = 500
TARGETS = {"undetermined_fraction": 0.01, "verify_failures": 0, "median_ms": 50.0}


def _arch(gen: np.random.Generator, depths=(2, 3, 4)) -> Architecture:
    while True:
        h = int(gen.choice(depths))
        widths = [int(w) for w in gen.integers(1, 13, size=h + 1)]
        a = Architecture(widths)
        if 4 <= a.n_params <= P_MAX:
            return a


def _landscape(arch: Architecture, gen: np.random.Generator) -> Landscape:
    n = int(gen.integers(2, 2 * max(arch.widths) + 2))
    X = gen.standard_normal((arch.d_in, n))
    Y = gen.standard_normal((arch.d_out, n))
    return Landscape(LinearNetwork(arch), SquaredLoss(X, Y))


def _subset_point(gen):
    arch = _arch(gen)
    L = _landscape(arch, gen)
    m = len(function_space_critical_points(L.loss, arch.r).eckart_young.singular_values)
    k = min(arch.r, m)
    I = sorted(gen.choice(m, size=k, replace=False).tolist())
    theta, _ = critical_point_from_subset(L.loss, arch, I, rng=int(gen.integers(2**31)))
    return L, theta


def _fiber_point(gen):
    L, theta = _subset_point(gen)
    theta = random_fiber_point(theta, int(gen.integers(2**31)))
    moves = fiber_moves(theta, rng=int(gen.integers(2**31)), delta=0.5)
    if moves:
        theta = moves[int(gen.integers(len(moves)))].theta
    return L, theta


def _zero_point(gen):
    arch = _arch(gen, depths=(3, 4, 5))
    L = _landscape(arch, gen)
    return L, tuple(np.zeros(s) for s in arch.shapes)


def _gd_point(gen):
    """A converged GD end point (new instance and start until GD + Newton polish converges)."""
    while True:
        arch = _arch(gen)
        L = _landscape(arch, gen)
        theta0 = tuple(gen.standard_normal(s) / np.sqrt(s[1]) for s in arch.shapes)
        sol = find_critical_point(L, theta0, "gd", max_iter=1500)
        if sol.converged:
            return L, sol.theta
        GD_RESTARTS[0] += 1


GD_RESTARTS = [0]


FAMILIES = {"subset": (_subset_point, 0.3), "fiber": (_fiber_point, 0.25),
            "zero": (_zero_point, 0.15), "gd": (_gd_point, 0.3)}


def run(n: int, seed: int = 0) -> dict:
    gen = np.random.default_rng(seed)
    rows = []
    for fam, (make, frac) in FAMILIES.items():
        for _ in range(max(1, round(frac * n))):
            L, theta = make(gen)
            t0 = time.perf_counter()
            np.linalg.eigvalsh(L.hessian(theta))
            t_eig = time.perf_counter() - t0
            t0 = time.perf_counter()
            res = classify(L, theta, rng=int(gen.integers(2**31)))
            t_cls = time.perf_counter() - t0
            t0 = time.perf_counter()
            ok = res.verify(L)
            t_ver = time.perf_counter() - t0
            rows.append({
                "family": fam, "widths": list(L.arch.widths), "P": L.n_params,
                "verdict": res.verdict, "verified": ok,
                "certificate": None if res.certificate is None else res.certificate.method,
                "order": None if res.order is None else res.order.order,
                "classify_ms": 1e3 * t_cls, "eigvalsh_ms": 1e3 * t_eig, "verify_ms": 1e3 * t_ver,
                "reasons": list(res.reasons) if res.verdict == "undetermined" else [],
            })
    return summarise(rows)


def summarise(rows: list[dict]) -> dict:
    def stats(rs):
        t = np.array([r["classify_ms"] for r in rs])
        e = np.array([r["eigvalsh_ms"] for r in rs])
        return {
            "n": len(rs),
            "verdicts": dict(Counter(r["verdict"] for r in rs)),
            "methods": dict(Counter(str(r["certificate"]) for r in rs)),
            "undetermined": sum(r["verdict"] == "undetermined" for r in rs),
            "verify_failures": sum(
                (not r["verified"]) and r["verdict"] != "undetermined" for r in rs),
            "median_ms": float(np.median(t)), "p90_ms": float(np.percentile(t, 90)),
            "max_ms": float(np.max(t)),
            "median_eigvalsh_ms": float(np.median(e)),
            "median_ratio_classify_over_eigvalsh": float(np.median(t / np.maximum(e, 1e-6))),
            "median_verify_ms": float(np.median([r["verify_ms"] for r in rs])),
        }

    by = defaultdict(list)
    for r in rows:
        by[r["family"]].append(r)
    total = stats(rows)
    total["undetermined_fraction"] = total["undetermined"] / max(1, total["n"])
    met = {
        "undetermined_fraction": total["undetermined_fraction"] <= TARGETS["undetermined_fraction"],
        "verify_failures": total["verify_failures"] == TARGETS["verify_failures"],
        "median_ms": total["median_ms"] < TARGETS["median_ms"],
    }
    return {"targets": TARGETS, "met": met, "total": total,
            "by_family": {k: stats(v) for k, v in by.items()},
            "undetermined_examples": [r for r in rows if r["verdict"] == "undetermined"][:20],
            "max_P": max(r["P"] for r in rows)}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="100 points instead of 1000")
    ap.add_argument("--n", type=int, default=None, help="number of points")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default=str(Path(__file__).parent / "results" / "classify.json"))
    args = ap.parse_args(argv)
    n = args.n or (100 if args.quick else 1000)
    t0 = time.perf_counter()
    out = run(n, args.seed)
    out["wall_s"] = time.perf_counter() - t0
    out["gd_restarts"] = GD_RESTARTS[0]
    out["n_requested"] = n
    write_json_atomic(args.out, out)
    tot = out["total"]
    print(f"{tot['n']} points in {out['wall_s']:.1f} s: verdicts {tot['verdicts']}")
    print(f"undetermined {tot['undetermined']} ({100 * tot['undetermined_fraction']:.2f}%), "
          f"verify failures {tot['verify_failures']}, median {tot['median_ms']:.1f} ms "
          f"(p90 {tot['p90_ms']:.1f}, max {tot['max_ms']:.0f}); classify/eigvalsh "
          f"{tot['median_ratio_classify_over_eigvalsh']:.1f}×; targets met {out['met']}")
    for fam, s in out["by_family"].items():
        print(f"  {fam:7s} n={s['n']:4d} median {s['median_ms']:.1f} ms  {s['verdicts']}")
    return 0 if all(out["met"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
