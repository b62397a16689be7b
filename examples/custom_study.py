"""The example custom study (examples/custom.toml): GD on random squared losses, and whether
the end point reaches the Eckart–Young global minimum (Trager et al. 2020, Table 1: no bad
minima for the quadratic loss)."""

import numpy as np

import dlnscape as dl


def make_instance(rng: np.random.Generator, index: int, options: dict):
    """Instance ``index``: a random squared loss for the architecture ``options['widths']``."""
    w = options["widths"]
    n = options["n_data"]
    return w, dl.SquaredLoss(rng.standard_normal((w[0], n)), rng.standard_normal((w[-1], n)))


def analyse(instance, rng: np.random.Generator, options: dict) -> dict:
    widths, loss = instance
    arch = dl.Architecture(widths)
    L = dl.Landscape(dl.LinearNetwork(arch), loss)
    sol = dl.find_critical_point(L, dl.random_point(arch, rng), "gd")
    best = dl.global_minimum(loss, arch)
    return {"value": sol.value, "global_value": best.value, "converged": sol.converged,
            "gap": sol.value - best.value}


def summarize(rows) -> list[dict]:
    gaps = [r.result["gap"] for r in rows if r.status == "ok"]
    return [{"runs": len(gaps), "max gap": max(gaps, default=None),
             "runs within 1e-6 of the global minimum": sum(g < 1e-6 for g in gaps)}]
