"""Trager, Kohn & Bruna 2020, Experiment 1 / Table 2 / Figure 3, as a built-in experiment.

Protocol (004 App. A.2): ``M_1 ⊂ R^{3×3}`` (rank-one matrices); each instance draws
``Q0 ∈ Z^{3×3}`` and ``φ ∈ Z^{9×9}`` with entries independent and uniform in ``{−10, …, 10}``;
the distance ``h(W) = ‖φ·vec(W − Q0)‖²`` on ``M_1`` must have the expected 39 complex critical
points (instances with another count are listed apart as non-generic); the table counts real
critical points (columns) against local minima among them (rows).

Instance ``i`` is a pure function of ``(seed, i)``: its generator is
``np.random.default_rng([seed, i])``. Each instance is solved by
``dlnscape.algebraic.critical_points_on_Mr(DistanceLoss(Q0, φ), 1, backend=...)``. The runs go
through the experiment engine (family ``table2`` in :mod:`dlnscape.experiments.families`):
``run_table2`` in memory, ``dlnscape experiment run`` with a resumable store.

The published table is typed in from the text (rows = #local minima 1..4, columns = #real
critical points 1, 3, …, 13; the column order was rebuilt from the OCR, see the catalog).
"""

from __future__ import annotations

import json
import math
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np

from dlnscape.algebraic.ed_degree import backend_unavailable
from dlnscape.algebraic.solve import critical_points_on_Mr, critical_points_on_Mr_many
from dlnscape.errors import DlnscapeError
from dlnscape.report.summary import (
    Summary,
    SummaryTable,
    summary_html_method,
    summary_repr,
    summary_str,
)

#: the text's Table 2: rows = #local minima (1..4), columns = #real critical points
PUBLISHED_REAL = (1, 3, 5, 7, 9, 11, 13)
PUBLISHED_MINIMA = (1, 2, 3, 4)
PUBLISHED_TABLE2 = np.array(
    [
        [0, 476, 120, 1, 0, 0, 0],
        [0, 0, 805, 190, 10, 0, 0],
        [0, 0, 0, 228, 116, 21, 0],
        [0, 0, 0, 0, 16, 12, 5],
    ],
    dtype=np.int64,
)
#: the general ED degree of M_1 ⊂ R^{3×3} (004 Ex 13; Catanese–Trifogli)
EXPECTED_COMPLEX = 39
SHAPE = (3, 3)
BOUND = 10


def draw_instance(seed: int, i: int) -> tuple[np.ndarray, np.ndarray]:
    """``(Q0, φ)`` of instance ``i``: integer matrices, entries uniform in ``{−10, …, 10}``."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise DlnscapeError(f"seed: expected a non-negative integer, got {seed!r}")
    if isinstance(i, bool) or not isinstance(i, (int, np.integer)) or i < 0:
        raise DlnscapeError(f"i: expected a non-negative integer instance index, got {i!r}")
    rng = np.random.default_rng([int(seed), int(i)])
    Q0 = rng.integers(-BOUND, BOUND + 1, size=SHAPE)
    phi = rng.integers(-BOUND, BOUND + 1, size=(SHAPE[0] * SHAPE[1],) * 2)
    return Q0, phi


@dataclass(frozen=True)
class InstanceResult:
    """One solved instance (the fields of the ``critical_points_on_Mr`` contract)."""

    index: int
    n_complex: int | None
    n_real: int | None
    n_local_minima: int | None
    certified: bool
    backend: str | None
    backend_version: str | None
    seconds: float
    error: str | None = None

    @property
    def generic(self) -> bool:
        return self.error is None and self.n_complex == EXPECTED_COMPLEX

    def to_dict(self) -> dict:
        return {
            "index": self.index,
            "n_complex": self.n_complex,
            "n_real": self.n_real,
            "n_local_minima": self.n_local_minima,
            "certified": self.certified,
            "backend": self.backend,
            "backend_version": self.backend_version,
            "seconds": self.seconds,
            "error": self.error,
        }

    def _summary(self) -> Summary:
        head = (f"failed: {self.error.split(':', 1)[0]}" if self.error is not None else
                f"{self.n_real} real of {self.n_complex} complex critical points, "
                f"{self.n_local_minima} local minima")
        rows: list = [("index", self.index),
                      ("complex critical points", self.n_complex),
                      ("real critical points", self.n_real),
                      ("local minima", self.n_local_minima),
                      ("certified", self.certified),
                      ("generic", f"{self.generic} (expected {EXPECTED_COMPLEX} complex)"),
                      ("backend", None if self.backend is None else self.backend
                       + (f" ({self.backend_version})" if self.backend_version else "")),
                      ("seconds", self.seconds)]
        brief: tuple = ("index", "complex critical points", "real critical points",
                        "local minima", "certified")
        if self.error is not None:
            rows += [("failed", self.error.split(":", 1)[0]), ("error", self.error)]
            brief = ("index", "failed", "certified")
        return Summary(f"InstanceResult {self.index}: {head}", tuple(rows), brief=brief)

    __str__ = summary_str
    __repr__ = summary_repr
    _repr_html_ = summary_html_method


def _default_solver(loss, r: int, backend: str):
    return critical_points_on_Mr(loss, r, backend=backend)


def solve_instance(
    seed: int, i: int, backend: str = "auto", solver: Callable | None = None
) -> InstanceResult:
    """Draw instance ``i`` and count its critical points; errors are recorded, not raised."""
    from dlnscape.losses import DistanceLoss

    Q0, phi = draw_instance(seed, i)
    loss = DistanceLoss(Q0.astype(np.float64), phi.astype(np.float64))
    t0 = time.perf_counter()
    try:
        res = (solver or _default_solver)(loss, 1, backend)
    except DlnscapeError as e:
        if "not available" in str(e):
            raise
        return InstanceResult(i, None, None, None, False, None, None,
                              time.perf_counter() - t0, f"{type(e).__name__}: {e}")
    except Exception as e:  # noqa: BLE001 - a solver crash on one instance must not stop a run
        return InstanceResult(i, None, None, None, False, None, None,
                              time.perf_counter() - t0, f"{type(e).__name__}: {e}")
    return _instance_result(i, res, backend, time.perf_counter() - t0)


def _instance_result(i: int, res, backend: str, elapsed: float) -> InstanceResult:
    secs = getattr(res, "seconds", None)
    return InstanceResult(
        i, int(res.n_complex), int(res.n_real), int(res.n_local_minima), bool(res.certified),
        str(getattr(res, "backend", backend)), getattr(res, "backend_version", None),
        float(secs) if secs is not None else elapsed,
    )


def solve_batch(args: tuple) -> list[InstanceResult]:
    """Solve a chunk of instances; the default solver tracks the whole chunk in one batch
    (``critical_points_on_Mr_many``, where the homotopy is fast), one by one if that fails."""
    seed, indices, backend, solver = args
    if solver is None and backend in ("auto", "homotopy"):
        from dlnscape.losses import DistanceLoss

        losses = [DistanceLoss(Q0.astype(np.float64), phi.astype(np.float64))
                  for Q0, phi in (draw_instance(seed, i) for i in indices)]
        t0 = time.perf_counter()
        try:
            batch = critical_points_on_Mr_many(losses, 1, backend=backend)
        except Exception:  # noqa: BLE001 - fall back to per-instance solves, which record errors
            batch = None
        if batch is not None:
            per = (time.perf_counter() - t0) / max(1, len(indices))
            return [_instance_result(i, res, backend, per)
                    for i, res in zip(indices, batch, strict=True)]
    return [solve_instance(seed, i, backend, solver) for i in indices]


# ----------------------------------------------------------------------------- statistics
@dataclass(frozen=True)
class GTest:
    """G-test of homogeneity (log-likelihood ratio) between our table and the published one."""

    statistic: float
    dof: int
    pvalue: float
    categories: list[str]
    observed: list[int]
    published: list[int]
    method: str

    def to_dict(self) -> dict:
        return {
            "statistic": self.statistic,
            "dof": self.dof,
            "pvalue": self.pvalue,
            "categories": self.categories,
            "observed": self.observed,
            "published": self.published,
            "method": self.method,
        }

    def _summary(self) -> Summary:
        rows = (("G", self.statistic), ("dof", self.dof), ("pvalue", self.pvalue),
                ("categories", len(self.categories)),
                ("instances", f"{sum(self.observed)} ours, {sum(self.published)} published"),
                ("method", self.method))
        tab = SummaryTable(("category", "ours", "published"),
                           tuple(zip(self.categories, self.observed, self.published,
                                     strict=True)))
        return Summary(f"GTest of our Table 2 against the published one: G = "
                       f"{self.statistic:.4g}, dof = {self.dof}, p = {self.pvalue:.4g}",
                       rows, tab, brief=("G", "dof", "pvalue", "categories"))

    __str__ = summary_str
    __repr__ = summary_repr
    _repr_html_ = summary_html_method


def counts_to_table(
    counts: dict[tuple[int, int], int], minima: Iterable[int], real: Iterable[int]
) -> np.ndarray:
    """Dense table ``T[a, b] = counts[(minima[a], real[b])]``."""
    minima, real = list(minima), list(real)
    T = np.zeros((len(minima), len(real)), dtype=np.int64)
    for (mn, rl), c in counts.items():
        T[minima.index(mn), real.index(rl)] += c
    return T


def g_test_against_published(
    counts: dict[tuple[int, int], int], min_expected: float = 5.0
) -> GTest | None:
    """G-test of homogeneity of our (#minima, #real) counts against the text's Table 2.

    A 2 × K contingency table (``scipy.stats.chi2_contingency``, ``lambda_="log-likelihood"``)
    over the cells that occur in either table; cells whose expected count under homogeneity is
    below ``min_expected`` in either row are pooled into one "rare" category (the usual validity
    condition of the χ² approximation). Returns None when there is nothing to compare.
    """
    from scipy.stats import chi2_contingency

    pub = {
        (PUBLISHED_MINIMA[a], PUBLISHED_REAL[b]): int(PUBLISHED_TABLE2[a, b])
        for a in range(len(PUBLISHED_MINIMA)) for b in range(len(PUBLISHED_REAL))
        if PUBLISHED_TABLE2[a, b] > 0
    }
    ours = {k: int(v) for k, v in counts.items() if v > 0}
    n_ours, n_pub = sum(ours.values()), sum(pub.values())
    if n_ours == 0:
        return None
    cells = sorted(set(pub) | set(ours))
    frac_small = min(n_ours, n_pub) / (n_ours + n_pub)
    keep, rare = [], []
    for c in cells:
        tot = ours.get(c, 0) + pub.get(c, 0)
        (keep if tot * frac_small >= min_expected else rare).append(c)
    cats = [f"{mn} min / {rl} real" for mn, rl in keep]
    obs = [ours.get(c, 0) for c in keep]
    pb = [pub.get(c, 0) for c in keep]
    if rare:
        cats.append("rare cells: " + ", ".join(f"({mn},{rl})" for mn, rl in rare))
        obs.append(sum(ours.get(c, 0) for c in rare))
        pb.append(sum(pub.get(c, 0) for c in rare))
    if len(cats) < 2:
        return None
    stat, p, dof, _ = chi2_contingency(np.array([obs, pb]), lambda_="log-likelihood",
                                       correction=False)
    return GTest(float(stat), int(dof), float(p), cats, obs, pb,
                 f"G-test of homogeneity, 2×{len(cats)} table (scipy chi2_contingency, "
                 f"log-likelihood), cells with expected count < {min_expected} pooled")


@dataclass(frozen=True)
class PublishedSummary:
    """Arithmetic of the text's Table 2 (catalog check 75)."""

    row_totals: dict[int, int]
    column_totals: dict[int, int]
    grand_total: int
    mean_minima: float
    mean_real: float
    all_real_counts_odd: bool
    cells_satisfy_real_ge_2min_plus_1: bool

    def to_dict(self) -> dict:
        return self.__dict__.copy()

    def _summary(self) -> Summary:
        rows = (("instances", self.grand_total),
                ("mean local minima", self.mean_minima),
                ("mean real critical points", self.mean_real),
                ("row totals (#minima: n)", self.row_totals),
                ("column totals (#real: n)", self.column_totals),
                ("all real counts odd", self.all_real_counts_odd),
                ("every cell has #real ≥ 2·#minima + 1", self.cells_satisfy_real_ge_2min_plus_1))
        return Summary(f"PublishedSummary of Trager et al. 2020 Table 2: {self.grand_total} "
                       f"instances", rows,
                       brief=("instances", "mean local minima", "mean real critical points"))

    __str__ = summary_str
    __repr__ = summary_repr
    _repr_html_ = summary_html_method


def published_table2_summary() -> PublishedSummary:
    """Row/column totals and means of the published Table 2, computed from its cells."""
    T = PUBLISHED_TABLE2
    rows = {mn: int(T[a].sum()) for a, mn in enumerate(PUBLISHED_MINIMA)}
    cols = {rl: int(T[:, b].sum()) for b, rl in enumerate(PUBLISHED_REAL)}
    N = int(T.sum())
    mean_min = sum(mn * c for mn, c in rows.items()) / N
    mean_real = sum(rl * c for rl, c in cols.items()) / N
    nz = [(PUBLISHED_MINIMA[a], PUBLISHED_REAL[b]) for a, b in zip(*np.nonzero(T), strict=True)]
    return PublishedSummary(rows, cols, N, mean_min, mean_real,
                            all(rl % 2 == 1 for _, rl in nz),
                            all(rl >= 2 * mn + 1 for mn, rl in nz))


# ----------------------------------------------------------------------------- the run
@dataclass(frozen=True)
class Table2Result:
    """The reproduced Table 2 with its checks."""

    seed: int
    instances: int
    backend: str
    workers: int
    counts: dict[tuple[int, int], int]  # (#local minima, #real critical points) → instances
    minima_axis: list[int]
    real_axis: list[int]
    table: np.ndarray
    non_generic: list[InstanceResult]  # n_complex ≠ 39 or failed
    uncertified: list[int]  # generic-count instances whose solver result is not certified
    gtest: GTest | None
    wall_seconds: float
    solver_seconds: float
    backends_used: dict[str, int]
    results: list[InstanceResult] = field(repr=False)
    certified_only: bool = True

    @property
    def n_tabulated(self) -> int:
        return int(self.table.sum())

    @property
    def mean_minima(self) -> float:
        n = self.n_tabulated
        return sum(k[0] * v for k, v in self.counts.items()) / n if n else math.nan

    @property
    def mean_real(self) -> float:
        n = self.n_tabulated
        return sum(k[1] * v for k, v in self.counts.items()) / n if n else math.nan

    @property
    def row_totals(self) -> dict[int, int]:
        return {mn: int(self.table[a].sum()) for a, mn in enumerate(self.minima_axis)}

    @property
    def column_totals(self) -> dict[int, int]:
        return {rl: int(self.table[:, b].sum()) for b, rl in enumerate(self.real_axis)}

    def to_dict(self) -> dict:
        return {
            "experiment": "Trager et al. 2020, Experiment 1 / Table 2",
            "seed": self.seed,
            "instances": self.instances,
            "backend": self.backend,
            "backends_used": self.backends_used,
            "workers": self.workers,
            "certified_only": self.certified_only,
            "tabulated": self.n_tabulated,
            "minima_axis": self.minima_axis,
            "real_axis": self.real_axis,
            "table": self.table.tolist(),
            "row_totals": self.row_totals,
            "column_totals": self.column_totals,
            "mean_local_minima": self.mean_minima,
            "mean_real_critical_points": self.mean_real,
            "non_generic": [r.to_dict() for r in self.non_generic],
            "uncertified": self.uncertified,
            "gtest": None if self.gtest is None else self.gtest.to_dict(),
            "published": {"table": PUBLISHED_TABLE2.tolist(),
                          **published_table2_summary().to_dict()},
            "wall_seconds": self.wall_seconds,
            "solver_seconds": self.solver_seconds,
            "results": [r.to_dict() for r in self.results],
        }

    def _summary(self) -> Summary:
        pub = published_table2_summary()
        g = self.gtest
        rows = (("tabulated", f"{self.n_tabulated} of {self.instances} instances"
                 + (" (certified only)" if self.certified_only else "")),
                ("mean local minima", f"{self.mean_minima:.4g} (published {pub.mean_minima:.4g})"),
                ("mean real critical points",
                 f"{self.mean_real:.4g} (published {pub.mean_real:.4g})"),
                ("non-generic or failed", len(self.non_generic)),
                ("uncertified", len(self.uncertified)),
                ("G-test vs published", None if g is None else
                 f"G = {g.statistic:.4g}, dof = {g.dof}, p = {g.pvalue:.4g}"),
                ("seed", self.seed), ("backends", self.backends_used or self.backend),
                ("wall seconds", f"{self.wall_seconds:.3g} on {self.workers} worker(s), solver "
                                 f"{self.solver_seconds:.3g}"))
        tab = SummaryTable(("#minima \\ #real", *map(str, self.real_axis), "total"),
                           tuple((mn, *(int(v) for v in self.table[a]), int(self.table[a].sum()))
                                 for a, mn in enumerate(self.minima_axis)))
        return Summary(f"Table2Result: Trager et al. 2020 Table 2, {self.n_tabulated} instances "
                       f"tabulated", rows, tab, brief=("tabulated", "seed", "uncertified"))

    __str__ = summary_str
    __repr__ = summary_repr
    _repr_html_ = summary_html_method


def _check_count(v, name: str, minimum: int) -> int:
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < minimum:
        raise DlnscapeError(f"{name}: expected an integer ≥ {minimum}, got {v!r}")
    return int(v)


def run_table2(
    instances: int = 2000,
    seed: int = 0,
    *,
    workers: int | None = None,
    backend: str = "auto",
    progress: bool = False,
    solver: Callable | None = None,
    certified_only: bool = True,
    batch: int | None = None,
) -> Table2Result:
    """Run Experiment 1 of Trager et al. 2020 and tabulate it (see the module docstring).

    A thin wrapper over the experiment engine (family ``table2``, no store): ``workers``
    processes (default: the CPUs available) run batches of instances with BLAS pinned to one
    thread (forked on Linux, after the start system and the compiled tracker are loaded here:
    see :func:`pool_start_method`); ``workers=1`` runs in this process.
    ``solver(loss, r, backend)`` replaces ``critical_points_on_Mr`` (tests); it must be
    importable by its module and name when ``workers > 1``. With ``certified_only`` the table
    uses only instances whose count is certified; the others are listed in ``uncertified``.
    For a resumable run with a store use ``dlnscape experiment run`` with ``family =
    "table2"``.
    """
    from dlnscape.experiments.config import config_from_dict
    from dlnscape.experiments.engine import run_in_memory
    from dlnscape.experiments.families.table2 import instance_result
    from dlnscape.experiments.runners import available_cpus

    instances = _check_count(instances, "instances", 1)
    seed = _check_count(seed, "seed", 0)
    if workers is None:
        workers = available_cpus()
    workers = _check_count(workers, "workers", 1)
    if not isinstance(backend, str):
        raise DlnscapeError(f"backend: expected a backend name such as 'auto', got {backend!r}")
    if batch is not None:
        batch = _check_count(batch, "batch", 1)
    batch = batch or max(1, min(50, instances // (4 * workers) or 1))
    params: dict = {"backend": backend, "certified_only": bool(certified_only)}
    if solver is not None:
        params["solver"] = solver
    cfg = config_from_dict({"family": "table2", "seed": seed,
                            "instances": {"count": instances}, "params": params})
    _refuse_in_bootstrapping_worker()
    t0 = time.perf_counter()
    if workers == 1:
        outs = run_in_memory(cfg, runner="serial", batch_size=batch, progress=progress)
    else:
        method = pool_start_method()
        if method == "fork" and solver is None and backend in ("auto", "homotopy"):
            # load the start system, the random charts and the compiled tracker here, once:
            # the forked workers inherit them (no imports, no cache reads, no compilation)
            solve_batch((seed, [0], backend, None))
        try:
            outs = run_in_memory(cfg, runner=pool_runner(workers, method), batch_size=batch,
                                 progress=progress)
        except DlnscapeError as e:
            if method == "fork" or "BrokenProcessPool" not in str(e):
                raise
            raise DlnscapeError(
                f"run_table2: the worker processes ({method} start method) died while starting; "
                f"a script that calls run_table2 at top level must put the call under `if "
                f"__name__ == '__main__':` (each {method} worker re-imports the main module), "
                f"or use workers=1 ({e})") from None
    wall = time.perf_counter() - t0
    results = [instance_result(o.task_id, None if o.result is None else json.loads(o.result),
                               o.seconds, o.error) for o in outs]
    return tabulate(results, seed=seed, backend=backend, workers=workers, wall_seconds=wall,
                    certified_only=certified_only)


def pool_start_method() -> str:
    """How ``run_table2`` starts its worker processes: ``$DLNSCAPE_POOL_START`` if set, else
    ``"fork"`` on Linux (the workers inherit this process's imports, the cached start system
    and the compiled tracker, so they start in milliseconds, and a script without an ``if
    __name__ == "__main__"`` guard works: fork does not re-import the main module), unless a
    JAX backend is already initialised here (JAX's threads make fork unsafe); else
    ``"spawn"`` (macOS, Windows: the main module is re-imported by every worker)."""
    import multiprocessing as mp
    import os
    import sys

    env = os.environ.get("DLNSCAPE_POOL_START")
    if env:
        if env not in mp.get_all_start_methods():
            raise DlnscapeError(f"DLNSCAPE_POOL_START: expected one of "
                                f"{mp.get_all_start_methods()}, got {env!r}")
        return env
    xb = sys.modules.get("jax._src.xla_bridge")
    jax_live = bool(getattr(xb, "_backends", None))
    if sys.platform.startswith("linux") and "fork" in mp.get_all_start_methods() \
            and not jax_live:
        return "fork"
    return "spawn"


def pool_runner(workers: int, method: str | None = None):
    """The engine's process runner with the ``method`` start method
    (:func:`pool_start_method` by default); BLAS pinned to one thread per worker, SIGINT
    left to the engine, as in :class:`dlnscape.experiments.runners.ProcessRunner`."""
    from concurrent.futures import ProcessPoolExecutor

    from dlnscape.experiments.runners import (
        ProcessRunner,
        init_pool_worker,
        pinned_children,
        worker_context,
    )

    ctx = worker_context(method or pool_start_method())

    class _Table2Runner(ProcessRunner):
        def _start(self) -> None:
            with pinned_children():
                self.ex = ProcessPoolExecutor(max_workers=self.workers, mp_context=ctx,
                                              initializer=init_pool_worker)

        def describe(self) -> str:
            return f"{super().describe()}, {ctx.get_start_method()}"

    return _Table2Runner(workers)


def _refuse_in_bootstrapping_worker() -> None:
    """A spawned worker re-imports the main module; an unguarded top-level ``run_table2`` would
    then try to start a pool of its own: refuse with the reason instead."""
    import multiprocessing as mp

    if mp.parent_process() is not None and getattr(mp.current_process(), "_inheriting", False):
        raise DlnscapeError(
            "run_table2: called while a worker process imports the main module (spawn start "
            "method): put the call under `if __name__ == '__main__':`")


def check_default_solver(backend: str = "auto") -> None:
    """Raise :class:`DlnscapeError` (with the reason) when ``critical_points_on_Mr`` cannot
    run with ``backend`` here (e.g. the msolve binary is missing)."""
    why = backend_unavailable(backend)
    if why is not None:
        raise DlnscapeError(f"backend {backend!r}: not available here: {why}")


#: the names dlnscape.experiments.families.table2 imports (kept until it uses the public ones)
_default_solver_available = check_default_solver
_solve_batch = solve_batch


def tabulate(
    results: list[InstanceResult], *, seed: int = 0, backend: str = "auto", workers: int = 1,
    wall_seconds: float = math.nan, certified_only: bool = True,
) -> Table2Result:
    """Aggregate instance results into Table 2 (generic instances only) with the G-test."""
    non_generic = [r for r in results if not r.generic]
    uncertified = [r.index for r in results if r.generic and not r.certified]
    used = [r for r in results if r.generic and (r.certified or not certified_only)]
    counts = dict(Counter((r.n_local_minima, r.n_real) for r in used))
    minima_axis = sorted(set(PUBLISHED_MINIMA) | {k[0] for k in counts})
    max_real = max([PUBLISHED_REAL[-1]] + [k[1] for k in counts])
    real_axis = sorted(set(range(1, max_real + 1, 2)) | {k[1] for k in counts})
    table = counts_to_table(counts, minima_axis, real_axis)
    backends_used = dict(Counter(f"{r.backend} {r.backend_version or ''}".strip()
                                 for r in results if r.backend))
    return Table2Result(
        seed, len(results), backend, workers, counts, minima_axis, real_axis, table, non_generic,
        uncertified, g_test_against_published(counts), wall_seconds,
        float(sum(r.seconds for r in results)), backends_used, results, certified_only,
    )
