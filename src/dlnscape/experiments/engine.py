"""Driving a run: pending tasks → batches → a runner → the store, with progress and Ctrl-C.

:func:`run_experiment` resumes: tasks already in the store are skipped (``retry_failed`` re-runs the
failed ones). Batches are sized so that the per-batch hand-off costs at most ~2% of the batch's
compute (from the task times measured so far), at least the family's ``batch_hint``, at most ~2 s of
work, while every worker still gets three or more batches; batch composition never changes a result
(tasks are pure). The first Ctrl-C stops after the batches in flight (their rows are written), a
second one aborts; either way the store holds whole rows only, and the next run resumes.
"""

from __future__ import annotations

import math
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from dlnscape.errors import DlnscapeError
from dlnscape.experiments.config import ExperimentConfig, ref_string, resolve_ref
from dlnscape.experiments.families import get_family
from dlnscape.experiments.runners import OVERHEAD_SECONDS, Runner, make_runner
from dlnscape.experiments.store import Store
from dlnscape.experiments.tasks import Outcome, task_keys
from dlnscape.report.summary import Summary, summary_html_method, summary_repr, summary_str

#: the hand-off may cost at most this fraction of a batch's compute
OVERHEAD_FRACTION = 0.02
#: a batch should not run much longer than this (Ctrl-C latency, load balance)
MAX_BATCH_SECONDS = 2.0


@dataclass(frozen=True)
class RunReport:
    output: str | None
    config_hash: str
    n_tasks: int
    skipped: int  # already in the store
    ran: int
    ok: int
    failed: int
    interrupted: bool
    wall_seconds: float
    runner: str
    batches: int

    @property
    def tasks_per_second(self) -> float:
        return self.ran / self.wall_seconds if self.wall_seconds > 0 else math.nan

    @property
    def complete(self) -> bool:
        return self.skipped + self.ran == self.n_tasks

    def to_dict(self) -> dict:
        return {**self.__dict__, "tasks_per_second": self.tasks_per_second,
                "complete": self.complete}

    def _summary(self) -> Summary:
        state = ("interrupted" if self.interrupted else "complete" if self.complete
                 else "incomplete")
        return Summary(
            f"RunReport: {self.ran} task(s) run, {self.failed} failed ({state})",
            (("tasks", self.n_tasks), ("already in the store", self.skipped), ("ran", self.ran),
             ("ok", self.ok), ("failed", self.failed), ("interrupted", self.interrupted),
             ("runner", f"{self.runner}, {self.batches} batch(es)"),
             ("wall seconds", self.wall_seconds), ("tasks per second", self.tasks_per_second),
             ("output", self.output), ("config hash", self.config_hash)),
            brief=("tasks", "ran", "failed", "interrupted"))

    __str__ = summary_str
    __repr__ = summary_repr
    _repr_html_ = summary_html_method


class BatchPlanner:
    """Yields batches of pending task ids; later batches are sized from measured task times."""

    def __init__(self, todo: list[int], workers: int, kind: str, hint: int,
                 fixed: int | None = None) -> None:
        self.todo = todo
        self.pos = 0
        self.workers = max(1, workers)
        self.overhead = OVERHEAD_SECONDS.get(kind, 5e-3)
        self.hint = max(1, hint)
        self.fixed = fixed
        self.n_timed = 0
        self.t_timed = 0.0
        self.count = 0

    def observe(self, outcomes: list[Outcome]) -> None:
        self.n_timed += len(outcomes)
        self.t_timed += sum(o.seconds for o in outcomes)

    def size(self) -> int:
        if self.fixed:
            return self.fixed
        if self.overhead == 0:
            return self.hint  # in-process: the size only sets how often rows are written
        remaining = len(self.todo) - self.pos
        balance = max(1, math.ceil(remaining / (3 * self.workers)))  # ≥ 3 batches per worker
        if self.n_timed == 0:
            return max(1, min(self.hint, balance))
        t = max(self.t_timed / self.n_timed, 1e-6)
        need = math.ceil(self.overhead / (OVERHEAD_FRACTION * t))
        cap = max(1, math.floor(MAX_BATCH_SECONDS / t))
        # never below the family's hint (a family may gain from batches, e.g. Table 2's
        # homotopy tracks a whole batch at once), never above the time cap or the balance
        return max(1, min(max(need, self.hint), cap, balance))

    def __iter__(self) -> Iterator[list[int]]:
        return self

    def __next__(self) -> list[int]:
        if self.pos >= len(self.todo):
            raise StopIteration
        n = self.size()
        b = self.todo[self.pos:self.pos + n]
        self.pos += len(b)
        self.count += 1
        return b


# ----------------------------------------------------------------------------- progress
class _NoBar:
    def advance(self, n: int) -> None:
        pass

    def close(self) -> None:
        pass

    def note(self, msg: str) -> None:
        print(msg, file=sys.stderr)


class _RichBar:
    def __init__(self, total: int, done: int, label: str) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self.console = Console(stderr=True)
        self.p = Progress(TextColumn("[progress.description]{task.description}"), BarColumn(),
                          MofNCompleteColumn(),
                          TextColumn("{task.fields[rate]}"), TimeElapsedColumn(),
                          TextColumn("ETA"), TimeRemainingColumn(),
                          console=self.console, transient=False)
        self.p.start()
        self.t0 = time.perf_counter()
        self.new = 0
        self.t = self.p.add_task(label, total=total, completed=done, rate="")

    def advance(self, n: int) -> None:
        self.new += n
        dt = time.perf_counter() - self.t0
        rate = f"{self.new / dt:.3g} tasks/s" if dt > 0 else ""
        self.p.update(self.t, advance=n, rate=rate)

    def note(self, msg: str) -> None:
        self.p.console.print(msg)

    def close(self) -> None:
        self.p.stop()


def _bar(progress: bool | None, total: int, done: int, label: str):
    on = sys.stderr.isatty() if progress is None else progress
    return _RichBar(total, done, label) if on else _NoBar()


# ----------------------------------------------------------------------------- Ctrl-C
class _StopFlag:
    def __init__(self) -> None:
        self.set = False

    def __call__(self) -> bool:
        return self.set


@contextmanager
def _interruptible(notify: Callable[[str], None]):
    """First SIGINT: finish the batches in flight, then stop; second: KeyboardInterrupt."""
    flag = _StopFlag()
    if threading.current_thread() is not threading.main_thread():
        yield flag
        return

    def handler(signum, frame):
        if flag.set:
            raise KeyboardInterrupt
        flag.set = True
        notify("interrupt: stopping after the batches in flight (Ctrl-C again to abort)")

    old = signal.signal(signal.SIGINT, handler)
    try:
        yield flag
    finally:
        signal.signal(signal.SIGINT, old)


# ----------------------------------------------------------------------------- running
def _payload(cfg: ExperimentConfig, runner: Runner):
    if runner.kind == "serial":
        return cfg  # in-process: callables given from Python need no name
    for k, v in cfg.params:
        if callable(v):
            ref = ref_string(v)
            try:
                ok = resolve_ref(ref) is v
            except DlnscapeError:
                ok = False
            if not ok:
                raise DlnscapeError(
                    f"params.{k}: the callable {ref} is not importable by that name, so "
                    f"worker processes cannot load it; use runner='serial' or a module-level "
                    f"function")
    return cfg.payload()


def drive(cfg: ExperimentConfig, todo: list[int], runner: Runner, sink: Callable,
          *, batch_size: int | None = None, progress: bool | None = None, total: int = 0,
          done: int = 0, label: str = "") -> tuple[int, int, int, bool, int]:
    """Run ``todo`` on ``runner``; ``sink(outcomes)`` receives every finished batch.
    Returns (ran, ok, failed, interrupted, batches)."""
    fam = get_family(cfg.family)
    ran = ok = failed = 0
    bar = _bar(progress, total or len(todo), done, label or cfg.label)
    try:
        with _interruptible(bar.note) as stop, runner:
            payload = _payload(cfg, runner)
            planner = BatchPlanner(todo, runner.workers, runner.kind, fam.batch_hint,
                                   batch_size)
            for outs in runner.run(payload, planner, stop):
                sink(outs)
                planner.observe(outs)
                ran += len(outs)
                n_ok = sum(o.status == "ok" for o in outs)
                ok += n_ok
                failed += len(outs) - n_ok
                bar.advance(len(outs))
            interrupted = stop() and ran < len(todo)
    finally:
        bar.close()
    return ran, ok, failed, interrupted, planner.count


def _check_batch(batch_size) -> int | None:
    if batch_size is None:
        return None
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise DlnscapeError(f"batch_size: expected an integer ≥ 1, got {batch_size!r}")
    return batch_size


def _runner(runner: str | Runner, workers, scheduler) -> Runner:
    if isinstance(runner, Runner):
        return runner
    return make_runner(runner, workers, scheduler)


def run_experiment(
    cfg: ExperimentConfig, *, output=None, runner: str | Runner = "process",
    workers: int | None = None,
    scheduler: str | None = None, batch_size: int | None = None, progress: bool | None = None,
    retry_failed: bool = False,
) -> RunReport:
    """Run (or resume) ``cfg`` into its output directory's store. ``runner`` is a name
    (``serial``, ``process``, ``dask``) or a :class:`~dlnscape.experiments.runners.Runner`
    (already started with ``with``: several runs then share one pool or cluster)."""
    out = output if output is not None else cfg.output
    if out is None:
        raise DlnscapeError("output: no output directory: set output = \"DIR\" in the config "
                            "or pass --out DIR")
    batch_size = _check_batch(batch_size)
    r = _runner(runner, workers, scheduler)
    fam = get_family(cfg.family)
    fam.check_runtime(cfg)
    keys = task_keys(cfg)
    t0 = time.perf_counter()
    with Store.create(out, cfg, len(keys)) as st:
        if retry_failed:
            st.forget_failures()
        finished = st.finished_ids()
        todo = [i for i in range(len(keys)) if i not in finished]
        ran, ok, failed, interrupted, nb = drive(
            cfg, todo, r, lambda outs: st.write(outs, cfg.config_hash), batch_size=batch_size,
            progress=progress, total=len(keys), done=len(finished))
    return RunReport(str(out), cfg.config_hash, len(keys), len(finished), ran, ok, failed,
                     interrupted, time.perf_counter() - t0, r.describe(), nb)


def run_in_memory(
    cfg: ExperimentConfig, *, runner: str | Runner = "serial", workers: int | None = None,
    scheduler: str | None = None, batch_size: int | None = None, progress: bool | None = False,
    task_ids: list[int] | None = None,
) -> list[Outcome]:
    """Run tasks of ``cfg`` without a store and return their outcomes ordered by task id (the
    Python entry points such as ``run_table2`` use it)."""
    batch_size = _check_batch(batch_size)
    r = _runner(runner, workers, scheduler)
    get_family(cfg.family).check_runtime(cfg)
    n = len(task_keys(cfg))
    todo = list(range(n)) if task_ids is None else [int(i) for i in task_ids]
    outs: list[Outcome] = []
    drive(cfg, todo, r, outs.extend, batch_size=batch_size, progress=progress)
    return sorted(outs, key=lambda o: o.task_id)
