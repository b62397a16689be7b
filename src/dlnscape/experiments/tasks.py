"""Tasks: pure functions of (config, task index, seed derived from the master seed).

Task ``i`` of a config is ``family.task_keys(config)[i]``; its random numbers come from
:func:`task_rng` ``(seed, *key)`` = ``np.random.default_rng(np.random.SeedSequence(seed,
spawn_key=key))`` — the same stream as ``SeedSequence(seed).spawn(...)`` children, so any task
re-runs alone, on any runner, with the same result. A task's result is stored as canonical JSON
(sorted keys, exact float repr); what varies between runs (seconds, worker) is kept apart.

:func:`execute_batch` is what every runner calls (in this process, a pool worker or a Dask
worker): it never raises for a failing task, it records the exception and its traceback.
"""

from __future__ import annotations

import json
import os
import socket
import time
import traceback
from dataclasses import dataclass

import numpy as np

from dlnscape.experiments.config import ExperimentConfig, config_from_payload
from dlnscape.io import to_jsonable
from dlnscape.report.summary import Summary, summary_html_method, summary_repr, summary_str


@dataclass(frozen=True)
class Outcome:
    """One finished task, ready for the store."""

    task_id: int
    key: str  # canonical JSON of the task key
    status: str  # "ok" | "error"
    result: str | None  # canonical JSON of the result
    error: str | None  # "ExceptionType: message"
    traceback: str | None
    seconds: float
    worker: str

    def _summary(self):
        rows = [("task", self.task_id), ("key", self.key), ("status", self.status),
                ("seconds", self.seconds), ("worker", self.worker or None)]
        if self.result is not None:
            rows.append(("result", self.result))
        if self.error is not None:
            rows.append(("error", self.error))
        if self.traceback:
            last = self.traceback.strip().splitlines()
            rows.append(("traceback", f"{len(last)} lines, last: {last[-1] if last else ''}"))
        return Summary(f"Outcome of task {self.task_id}: {self.status}", tuple(rows),
                       brief=("task", "key", "status", "seconds", "error"))

    __str__ = summary_str
    __repr__ = summary_repr
    _repr_html_ = summary_html_method


def dumps(obj) -> str:
    """Canonical JSON: sorted keys, no spaces, floats by repr (round-trip exact)."""
    return json.dumps(to_jsonable(obj), sort_keys=True, separators=(",", ":"))


def seed_sequence(seed: int, *key: int) -> np.random.SeedSequence:
    return np.random.SeedSequence(int(seed), spawn_key=tuple(int(k) for k in key))


def task_rng(seed: int, *key: int) -> np.random.Generator:
    """The generator of the stream ``(seed, *key)``: ``SeedSequence(seed).spawn`` children,
    grandchildren, … indexed by ``key``."""
    return np.random.default_rng(seed_sequence(seed, *key))


_KEYS: dict[str, list[dict]] = {}


def task_keys(cfg: ExperimentConfig) -> list[dict]:
    """The ordered task keys of a config (cached per config hash in this process)."""
    from dlnscape.experiments.families import get_family

    h = cfg.config_hash
    if h not in _KEYS:
        if len(_KEYS) > 8:
            _KEYS.clear()
        _KEYS[h] = get_family(cfg.family).task_keys(cfg)
    return _KEYS[h]


def _worker() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def execute_batch(payload: str | ExperimentConfig, task_ids: list[int]) -> list[Outcome]:
    """Run tasks ``task_ids`` of the config and return their outcomes (never raises for a
    task's own failure)."""
    from dlnscape.experiments.families import get_family

    cfg = config_from_payload(payload)
    fam = get_family(cfg.family)
    keys = task_keys(cfg)
    items = [(int(i), keys[int(i)]) for i in task_ids]
    who = _worker()
    try:
        batch = fam.run_batch(cfg, items)
    except Exception:  # noqa: BLE001 - a batch failure falls back to single tasks
        batch = None
    if batch is not None and len(batch) == len(items):
        return [Outcome(i, dumps(k), "ok", dumps(res), None, None, float(sec), who)
                for (i, k), (res, sec) in zip(items, batch, strict=True)]
    return [run_one(cfg, fam, i, k, who) for i, k in items]


def run_one(cfg: ExperimentConfig, fam, task_id: int, key: dict, who: str = "") -> Outcome:
    """One task; an exception becomes an ``error`` outcome with its traceback."""
    t0 = time.perf_counter()
    try:
        res = fam.run_task(cfg, task_id, key)
        text = dumps(res)
    except Exception as e:  # noqa: BLE001 - a failing task is recorded, the rest continue
        tb = "".join(traceback.format_exception(type(e), e, e.__traceback__))
        return Outcome(task_id, dumps(key), "error", None,
                       f"{type(e).__name__}: {e}", tb, time.perf_counter() - t0, who or _worker())
    return Outcome(task_id, dumps(key), "ok", text, None, None, time.perf_counter() - t0,
                   who or _worker())
