"""Runners: where batches of tasks execute — this process, a local pool, or Dask.

Every runner calls :func:`dlnscape.experiments.tasks.execute_batch` on batches of task ids
and yields the outcomes of each finished batch (in completion order) to the engine, which
alone writes the store. At most ``2 × workers`` batches are in flight, so a stop request
(Ctrl-C) takes effect after the batches already running: the rest are cancelled.

* ``serial``: in this process.
* ``process`` (default): a ``spawn`` process pool; BLAS is pinned to one thread per worker
  (the variables are set before the workers start and import numpy) and workers ignore
  SIGINT (the engine decides when to stop).
* ``dask``: ``distributed.Client(scheduler)`` for a running cluster (``tcp://HOST:PORT``; its
  workers should be started with ``OMP_NUM_THREADS=1`` and one thread each), or a
  ``LocalCluster(n_workers=N, threads_per_worker=1)`` started here with BLAS pinned.
"""

from __future__ import annotations

import logging
import multiprocessing.context as mp_context
import os
import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from dlnscape.errors import DlnscapeError
from dlnscape.experiments.tasks import Outcome, execute_batch

RUNNERS = ("serial", "process", "dask")
BLAS_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
             "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS")
#: rough cost of handing one batch to a worker and back, seconds (used to size batches)
OVERHEAD_SECONDS = {"serial": 0.0, "process": 2e-3, "dask": 5e-3}

Batches = Iterator[list[int]]
StopFlag = Callable[[], bool]


def available_cpus() -> int:
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def pin_blas_env() -> None:
    """One BLAS/OpenMP thread in this process and the processes it starts afterwards."""
    for v in BLAS_VARS:
        os.environ[v] = "1"


@contextmanager
def pinned_children():
    """Set the BLAS variables for processes started inside the block, restore them after."""
    saved = {v: os.environ.get(v) for v in BLAS_VARS}
    pin_blas_env()
    try:
        yield
    finally:
        for v, val in saved.items():
            if val is None:
                os.environ.pop(v, None)
            else:
                os.environ[v] = val


def _sigint_blocked_popen(popen):
    """``Process._Popen`` with SIGINT blocked in the starting thread: the child inherits the
    mask (across fork and exec), so a Ctrl-C that reaches the process group while a spawned
    worker is still importing dlnscape stays pending instead of killing it with
    KeyboardInterrupt (which broke the pool: CI, 2026-12-01). The worker's initializer then
    ignores SIGINT, which discards the pending one, and unblocks it. The parent loses no
    Ctrl-C: its other threads take the signal meanwhile, or it is delivered on unblocking."""

    def _Popen(process_obj):
        old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            return popen(process_obj)
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, old)

    return staticmethod(_Popen)


class _QuietSpawnProcess(mp_context.SpawnProcess):
    _Popen = _sigint_blocked_popen(mp_context.SpawnProcess._Popen)


class _QuietForkProcess(mp_context.ForkProcess):
    _Popen = _sigint_blocked_popen(mp_context.ForkProcess._Popen)


class _QuietSpawnContext(mp_context.SpawnContext):
    Process = _QuietSpawnProcess


class _QuietForkContext(mp_context.ForkContext):
    Process = _QuietForkProcess


def worker_context(method: str = "spawn") -> mp_context.BaseContext:
    """A multiprocessing context whose pool workers never see a SIGINT before
    :func:`init_pool_worker` has told them to ignore it (``"spawn"`` and ``"fork"``; other
    start methods, and platforms without ``pthread_sigmask``, get the plain context)."""
    import multiprocessing as mp

    contexts = {"spawn": _QuietSpawnContext, "fork": _QuietForkContext}
    if method in contexts and hasattr(signal, "pthread_sigmask"):
        return contexts[method]()
    return mp.get_context(method)


def init_pool_worker() -> None:
    """Pool initializer: one BLAS thread; SIGINT ignored (the engine decides when to stop)."""
    pin_blas_env()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


class Runner:
    """Base: ``with runner: for outcomes in runner.run(payload, batches, stop): …``."""

    kind = ""

    def __init__(self, workers: int = 1) -> None:
        self.workers = workers
        self._depth = 0

    def __enter__(self) -> Runner:
        """Start the pool or cluster (nested ``with`` blocks share one start)."""
        if self._depth == 0:
            self._start()
        self._depth += 1
        return self

    def __exit__(self, *exc) -> None:
        self._depth -= 1
        if self._depth == 0:
            self._stop()

    def _start(self) -> None:
        return None

    def _stop(self) -> None:
        return None

    def run(self, payload, batches: Batches, stop: StopFlag) -> Iterator[list[Outcome]]:
        raise NotImplementedError

    def describe(self) -> str:
        return f"{self.kind} ({self.workers} worker{'s' if self.workers != 1 else ''})"


class SerialRunner(Runner):
    kind = "serial"

    def run(self, payload, batches: Batches, stop: StopFlag) -> Iterator[list[Outcome]]:
        for b in batches:
            yield execute_batch(payload, b)
            if stop():
                return


class ProcessRunner(Runner):
    kind = "process"

    def _start(self) -> None:
        from concurrent.futures import ProcessPoolExecutor

        with pinned_children():
            self.ex = ProcessPoolExecutor(max_workers=self.workers,
                                          mp_context=worker_context("spawn"),
                                          initializer=init_pool_worker)

    def _stop(self) -> None:
        self.ex.shutdown(wait=True, cancel_futures=True)

    def run(self, payload, batches: Batches, stop: StopFlag) -> Iterator[list[Outcome]]:
        from concurrent.futures import FIRST_COMPLETED, wait

        pending: set = set()

        def fill() -> None:
            while len(pending) < 2 * self.workers and not stop():
                b = next(batches, None)
                if b is None:
                    return
                pending.add(self.ex.submit(execute_batch, payload, b))

        fill()
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for f in done:
                pending.discard(f)
                yield _result(f.result)
            if stop():
                for f in list(pending):
                    if f.cancel():
                        pending.discard(f)
            else:
                fill()


class DaskRunner(Runner):
    kind = "dask"

    def __init__(self, workers: int = 1, scheduler: str | None = None) -> None:
        super().__init__(workers)
        self.scheduler = scheduler
        self.cluster = None
        self.client = None

    def _start(self) -> None:
        try:
            from distributed import Client, LocalCluster
        except ImportError:  # pragma: no cover - distributed is a pinned dependency
            raise DlnscapeError("runner: 'dask' needs the 'distributed' package") from None
        if self.scheduler:
            try:
                self.client = Client(self.scheduler, timeout="20s")
            except (OSError, TimeoutError) as e:
                raise DlnscapeError(f"scheduler: cannot connect to {self.scheduler!r} "
                                    f"({type(e).__name__}: {e})") from None
            info = self.client.scheduler_info()
            self.workers = max(1, sum(w.get("nthreads", 1)
                                      for w in info.get("workers", {}).values()))
        else:
            with pinned_children():
                self.cluster = LocalCluster(n_workers=self.workers, threads_per_worker=1,
                                            processes=True, dashboard_address=None,
                                            silence_logs=logging.ERROR)
            self.client = Client(self.cluster)

    def _stop(self) -> None:
        if self.client is not None:
            self.client.close()
        if self.cluster is not None:
            self.cluster.close()
        self.client = self.cluster = None

    def describe(self) -> str:
        where = self.scheduler or "LocalCluster"
        return f"dask {where} ({self.workers} worker thread{'s' if self.workers != 1 else ''})"

    def run(self, payload, batches: Batches, stop: StopFlag) -> Iterator[list[Outcome]]:
        from distributed import as_completed

        client = self.client
        data = client.scatter(payload, broadcast=True, hash=False)
        ac = as_completed()
        n_pending = 0

        def fill() -> int:
            n = 0
            while n_pending + n < 2 * self.workers and not stop():
                b = next(batches, None)
                if b is None:
                    break
                ac.add(client.submit(execute_batch, data, b, pure=False))
                n += 1
            return n

        n_pending += fill()
        for fut in ac:
            n_pending -= 1
            try:
                out = fut.result()
            except Exception as e:  # noqa: BLE001 - the worker died or the batch was lost
                if stop():  # Ctrl-C also reached LocalCluster workers: the batch is simply
                    continue  # not stored, and the next run does it
                raise DlnscapeError(f"runner: a Dask batch failed ({type(e).__name__}: {e})") \
                    from None
            yield out
            if stop():
                continue  # no new batches; the ones already submitted finish
            n_pending += fill()


def _result(get: Callable) -> list[Outcome]:
    try:
        return get()
    except Exception as e:  # noqa: BLE001 - a worker process died (killed, out of memory)
        raise DlnscapeError(f"runner: a worker failed ({type(e).__name__}: {e})") from None


def make_runner(kind: str, workers: int | None = None, scheduler: str | None = None) -> Runner:
    if kind not in RUNNERS:
        raise DlnscapeError(f"runner: expected one of {list(RUNNERS)}, got {kind!r}")
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int)
                                or workers < 1):
        raise DlnscapeError(f"workers: expected an integer ≥ 1, got {workers!r}")
    if scheduler is not None and kind != "dask":
        raise DlnscapeError("scheduler: only the 'dask' runner connects to a scheduler")
    if scheduler is not None and not (isinstance(scheduler, str) and "://" in scheduler):
        raise DlnscapeError(f"scheduler: expected an address such as tcp://HOST:PORT, got "
                            f"{scheduler!r}")
    n = workers or available_cpus()
    if kind == "serial":
        return SerialRunner(1)
    if kind == "process":
        return ProcessRunner(n)
    return DaskRunner(n, scheduler)
