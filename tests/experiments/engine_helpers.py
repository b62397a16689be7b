"""Generator, analysis and summary for the engine tests (family ``custom``), and helpers.

The module is named by ``module:function`` in the test configs, with this directory on
``python_path``, so that pool and Dask workers (other processes) import it too."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent


def make_instance(rng: np.random.Generator, index: int, options: dict) -> dict:
    n = int(options.get("n", 4))
    return {"index": index, "A": rng.standard_normal((n, n))}


def analyse(instance: dict, rng: np.random.Generator, options: dict) -> dict:
    if instance["index"] in options.get("fail_on", []):
        raise ValueError(f"instance {instance['index']} fails on purpose")
    time.sleep(float(options.get("sleep", 0.0)))
    A = instance["A"]
    v = rng.standard_normal(A.shape[0])
    ev = np.linalg.eigvalsh(A + A.T)
    return {"lambda_min": ev[0], "lambda_max": ev[-1], "quad": float(v @ A @ v),
            "positive": bool(ev[0] > 0), "eigenvalues": ev}


def summarize(rows) -> list[dict]:
    ok = [r for r in rows if r.status == "ok"]
    return [{"rows": len(rows), "ok": len(ok),
             "mean lambda_max": float(np.mean([r.result["lambda_max"] for r in ok]))
             if ok else None}]


def extra_analysis(ctx) -> dict:
    """An extra ``analyses`` entry for the optimisation families."""
    return {"n_layers": len(ctx.theta), "value_again": float(ctx.landscape.value(ctx.theta))}


def stub_solver(loss, r, backend):
    """A deterministic stand-in for critical_points_on_Mr (machinery tests only)."""
    from types import SimpleNamespace

    k = int(abs(loss.Q0.sum()) % 4)
    return SimpleNamespace(n_complex=39 if k else 38, n_real=2 * k + 1, n_local_minima=max(k, 1),
                           certified=True, backend="stub", backend_version="0", seconds=0.0)


def custom_toml(out: Path, *, count: int = 6, starts: int = 2, sleep: float = 0.0,
                fail_on: tuple[int, ...] = (), seed: int = 7, extra: str = "") -> str:
    return f"""
name = "engine-test"
family = "custom"
seed = {seed}
output = "{out}"

[instances]
count = {count}
starts = {starts}

[params]
python_path = ["{HERE}"]
generator = "engine_helpers:make_instance"
analysis = "engine_helpers:analyse"
summary = "engine_helpers:summarize"
{extra}
[params.options]
n = 4
sleep = {sleep}
fail_on = {list(fail_on)}
"""


def write_config(tmp: Path, text: str, name: str = "exp.toml") -> Path:
    p = tmp / name
    p.write_text(text)
    return p
