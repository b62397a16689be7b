# ruff: noqa: I001, E402  (_util must run before numpy and JAX are imported)
"""Derivative oracles of dlnscape against jitted JAX, side by side in one run.

For each architecture (widths [10]*5, [30]*5, [100]*4, [300]*3; SquaredLoss with n = 100 data
columns) it times, single-threaded, medians of repeats after warm-up:

* value (one forward pass) and grad of ``Landscape`` vs ``jax.jit(jax.grad)``;
* ``Landscape.hvp`` vs a jitted JAX HVP (``jax.jvp`` of ``jax.grad``);
* ``Landscape.hessian`` vs ``jax.jit(jax.hessian)`` on the packed vector, where P ≤ 5,000.

JAX gets its best case: its inputs are already device arrays and compile time is excluded
from the medians (reported separately as ``compile_s``). Our oracles are timed through the
public API, input validation included. The two sides are timed in alternation (one call of
each per round) so that other jobs on a shared machine slow both alike; the process is pinned
to one CPU. Results: ``benchmarks/results/derivatives.json``.

Run: ``python benchmarks/bench_derivatives.py [--quick]``.
"""

from __future__ import annotations

import _util  # sets the single-thread environment before numpy/JAX load

_util.pin_to_one_cpu()  # XLA's CPU runtime ignores the thread variables; affinity binds it

import argparse
import sys
import time

import numpy as np

from dlnscape import Architecture, Landscape, LinearNetwork, SquaredLoss, pack, random_point
from dlnscape.io import write_json_atomic
from dlnscape.jax_support import jax, jnp

CONFIGS = [[10] * 5, [30] * 5, [100] * 4, [300] * 3]
N_DATA = 100
DENSE_MAX_P = 5000
TARGETS = {
    "grad_vs_jax": "ours/jax ≤ 1 (no slower than jax.jit(jax.grad))",
    "hvp_vs_jax": "ours/jax ≤ 1 (no slower than a jitted jvp-of-grad)",
    "hessian_vs_jax": "ours/jax ≤ 0.5 (≥ 2× faster than jax.jit(jax.hessian)), P ≤ 5000",
    "grad_over_value": "grad/value ≤ 3",
}


def _jax_functions(arch: Architecture):
    shapes = arch.shapes
    offs = arch.offsets

    def loss(ws, X, Y):
        Z = X
        for W in ws:
            Z = W @ Z
        R = Z - Y
        return 0.5 * jnp.sum(R * R)

    def loss_flat(v, X, Y):
        ws = [v[offs[i] : offs[i + 1]].reshape(shapes[i]) for i in range(len(shapes))]
        return loss(ws, X, Y)

    def hvp(ws, vs, X, Y):
        return jax.jvp(lambda w: jax.grad(loss)(w, X, Y), (ws,), (vs,))[1]

    return {
        "value": jax.jit(loss),
        "grad": jax.jit(jax.grad(loss)),
        "hvp": jax.jit(hvp),
        "hessian": jax.jit(jax.hessian(loss_flat)),
    }


def _rel(a, b) -> float:
    a = np.asarray(a, dtype=np.float64).ravel()
    b = np.asarray(b, dtype=np.float64).ravel()
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(b), 1e-300))


def bench_config(widths: list[int], quick: bool, seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    arch = Architecture(widths)
    X = rng.standard_normal((arch.d_in, N_DATA))
    Y = rng.standard_normal((arch.d_out, N_DATA))
    land = Landscape(LinearNetwork(arch), SquaredLoss(X, Y))
    theta = random_point(arch, rng)
    dtheta = random_point(arch, rng)
    P = arch.n_params
    tkw = {"min_seconds": 0.05 if quick else 0.3, "min_repeats": 3 if quick else 7}

    jf = _jax_functions(arch)
    jws = [jnp.asarray(W) for W in theta]
    jvs = [jnp.asarray(W) for W in dtheta]
    jX, jY = jnp.asarray(X), jnp.asarray(Y)
    jflat = jnp.asarray(pack(theta))

    def block(x):
        return jax.block_until_ready(x)

    rows: dict[str, dict] = {}
    ours = {
        "value": lambda: land.value(theta),
        "grad": lambda: land.grad(theta),
        "hvp": lambda: land.hvp(theta, dtheta),
    }
    theirs = {
        "value": lambda: block(jf["value"](jws, jX, jY)),
        "grad": lambda: block(jf["grad"](jws, jX, jY)),
        "hvp": lambda: block(jf["hvp"](jws, jvs, jX, jY)),
    }
    if P <= DENSE_MAX_P:
        hkw = dict(tkw, min_repeats=3, min_seconds=0.05 if quick else 0.5, max_repeats=20)
        ours["hessian"] = lambda: land.hessian(theta)
        theirs["hessian"] = lambda: block(jf["hessian"](jflat, jX, jY))
    for op in ours:
        kw = hkw if op == "hessian" else tkw
        o, j = _util.time_pair(ours[op], theirs[op], **kw)
        err = _rel(pack(ours[op]()) if op in ("grad", "hvp") else ours[op](),
                   np.concatenate([np.ravel(a) for a in theirs[op]()])
                   if op in ("grad", "hvp") else theirs[op]())
        rows[op] = {
            "ours_s": o["median_s"],
            "jax_s": j["median_s"],
            "ratio_ours_over_jax": o["median_s"] / j["median_s"],
            "ratio_of_minima": o["min_s"] / j["min_s"],
            "ours_min_s": o["min_s"],
            "jax_min_s": j["min_s"],
            "jax_compile_s": j["compile_s"],
            "ours_repeats": o["repeats"],
            "jax_repeats": j["repeats"],
            "rel_diff_vs_jax": err,
        }
    out = {
        "widths": widths,
        "n_params": P,
        "n_data": N_DATA,
        "ops": rows,
        "grad_over_value": rows["grad"]["ours_s"] / rows["value"]["ours_s"],
        "jax_grad_over_value": rows["grad"]["jax_s"] / rows["value"]["jax_s"],
    }
    if P > DENSE_MAX_P:
        out["hessian_skipped"] = f"P = {P} > {DENSE_MAX_P}"
    return out


def _verdicts(cfg: dict) -> dict[str, bool]:
    ops = cfg["ops"]
    v = {
        "grad_vs_jax": ops["grad"]["ratio_ours_over_jax"] <= 1.0,
        "hvp_vs_jax": ops["hvp"]["ratio_ours_over_jax"] <= 1.0,
        "grad_over_value": cfg["grad_over_value"] <= 3.0,
    }
    if "hessian" in ops:
        v["hessian_vs_jax"] = ops["hessian"]["ratio_ours_over_jax"] <= 0.5
    return v


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer repeats (a smoke run)")
    ap.add_argument("--out", default=str(_util.RESULTS_DIR / "derivatives.json"))
    args = ap.parse_args(argv)

    t0 = time.time()
    env = _util.environment()
    configs = []
    print(f"{'widths':>14} {'P':>7} | {'value':>9} | {'grad':>9} {'/jax':>6} | "
          f"{'hvp':>9} {'/jax':>6} | {'hessian':>9} {'/jax':>6} | {'grad/val':>8}")
    for widths in CONFIGS:
        cfg = bench_config(widths, args.quick)
        cfg["meets_target"] = _verdicts(cfg)
        configs.append(cfg)
        ops = cfg["ops"]
        hs = ops.get("hessian")
        print(
            f"{str(widths):>14} {cfg['n_params']:>7} | {ops['value']['ours_s']:9.2e} | "
            f"{ops['grad']['ours_s']:9.2e} {ops['grad']['ratio_ours_over_jax']:6.2f} | "
            f"{ops['hvp']['ours_s']:9.2e} {ops['hvp']['ratio_ours_over_jax']:6.2f} | "
            + (
                f"{hs['ours_s']:9.2e} {hs['ratio_ours_over_jax']:6.2f}"
                if hs
                else f"{'-':>9} {'-':>6}"
            )
            + f" | {cfg['grad_over_value']:8.2f}",
            flush=True,
        )
    result = {
        "benchmark": "derivatives",
        "quick": args.quick,
        "loss": "SquaredLoss",
        "targets": TARGETS,
        "environment": env,
        "configs": configs,
        "all_targets_met": all(all(c["meets_target"].values()) for c in configs),
        "wall_s": time.time() - t0,
    }
    write_json_atomic(args.out, result)
    print(f"ratios are ours/jax (< 1: dlnscape faster); wrote {args.out}")
    forced = env["blas"].get("OPENBLAS_CORETYPE")
    if forced:
        print(f"note: OPENBLAS_CORETYPE={forced} forces numpy's OpenBLAS kernels (JAX's XLA "
              f"chooses its own); rerun with it unset to compare on the CPU's own kernels")
    return 0


if __name__ == "__main__":
    sys.exit(main())
