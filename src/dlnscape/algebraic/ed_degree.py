"""ED degrees of determinantal varieties: formulas in exact arithmetic, and by a solver backend.

* :func:`eckart_young_degree` — the ED degree of ``M_r`` for the standard (Frobenius) distance:
  ``C(min(m, n), r)`` (Trager et al. 2020, Thm 12; Draisma et al. 2016, Ex 2.3).
* :func:`generic_ed_degree_rank_one` — the general ED degree of ``M_1`` (after a generic linear
  change of coordinates φ), from the Catanese–Trifogli formula as printed in Trager et al. 2020,
  App. A.2 (Draisma et al. 2016, Thm 7.8):

  ``Σ_{s=0}^{a+b} (−1)^s (2^{a+b+1−s} − 1)(a+b−s)! Σ_{i+j=s, i≤a, j≤b}
  C(a+1, i) C(b+1, j) / ((a−i)!(b−j)!)``.

  The text prints ``d_x, d_y`` in the places of ``a, b``. The numbers decide the reading:
  ``(a, b) = (m − 1, n − 1)`` (the projective dimensions of the Segre factors ``P^{m−1} ×
  P^{n−1}``) gives 39 for 3×3, 6 for 2×2 and 1 for 1×n (where ``M_1`` is the whole space, ED
  degree 1); the literal reading ``(a, b) = (m, n)`` gives 284 for 3×3 and 6 for 1×1. See
  :func:`catanese_trifogli_sum` for the raw sum under either reading.
* :func:`ed_degree` — the number of complex critical points of a distance function on ``M_r``,
  counted by ``dlnscape.algebraic.critical_points_on_Mr`` (msolve or the certified homotopy).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dlnscape.algebraic.ed_formulas import (  # noqa: F401  (re-exported)
    READINGS,
    catanese_trifogli_sum,
    eckart_young_degree,
    formula_ed_degree,
    generic_ed_degree_rank_one,
    positive_integer,
)
from dlnscape.algebraic.solve import critical_points_on_Mr, get_backend
from dlnscape.errors import DlnscapeError, LossError, ShapeError
from dlnscape.report.summary import (
    Summary,
    SummaryTable,
    summary_html,
    summary_html_method,
    summary_repr,
    summary_str,
)
from dlnscape.validate import check_rng


def backend_unavailable(backend: str = "auto") -> str | None:
    """Why ``critical_points_on_Mr(..., backend=backend)`` cannot run here (the msolve binary
    that the exact backend and the homotopy's start systems need is missing, PHCpack is not
    installed, …), or None when it can."""
    return get_backend(backend).unavailable()


def backend_available(backend: str = "auto") -> bool:
    """Whether ``critical_points_on_Mr(..., backend=backend)`` can run here."""
    return backend_unavailable(backend) is None


@dataclass(frozen=True)
class EDDegree:
    """An ED degree counted by a solver backend on one instance."""

    value: int
    shape: tuple[int, int]
    r: int
    backend: str
    backend_version: str | None
    certified: bool
    seconds: float
    instance: dict
    formula: int | None  # the closed form for this case, when one is known

    @property
    def matches_formula(self) -> bool | None:
        return None if self.formula is None else self.value == self.formula

    def to_dict(self) -> dict:
        return {
            "value": self.value,
            "shape": list(self.shape),
            "r": self.r,
            "backend": self.backend,
            "backend_version": self.backend_version,
            "certified": self.certified,
            "seconds": self.seconds,
            "formula": self.formula,
            "matches_formula": self.matches_formula,
            "instance": self.instance,
        }

    def _summary(self) -> Summary:
        m, n = self.shape
        return Summary(
            f"EDDegree: {self.value} critical points of a generic distance on M_{self.r} ⊂ "
            f"R^{{{m}×{n}}} ({'certified' if self.certified else 'NOT certified'})",
            (("ED degree", self.value), ("closed form", self.formula),
             ("matches closed form", self.matches_formula), ("certified", self.certified),
             ("backend", f"{self.backend} ({self.backend_version})"),
             ("seconds", self.seconds)),
            brief=("ED degree", "closed form", "certified"))

    __str__ = summary_str
    __repr__ = summary_repr
    _repr_html_ = summary_html_method


def random_integer_instance(
    m: int, n: int, rng: np.random.Generator | int | None = None, bound: int = 10
):
    """``(Q0, φ)`` with entries uniform in ``{−bound, …, bound}``, as in 004 Experiment 1."""
    from dlnscape.losses import DistanceLoss

    rng = check_rng(rng)
    Q0 = rng.integers(-bound, bound + 1, size=(m, n)).astype(np.float64)
    phi = rng.integers(-bound, bound + 1, size=(m * n, m * n)).astype(np.float64)
    return DistanceLoss(Q0, phi)


def ed_degree(
    loss_or_shape, r: int, *, backend: str = "auto",
    rng: np.random.Generator | int | None = None,
) -> EDDegree:
    """Number of complex critical points of a distance function on the smooth part of ``M_r``.

    ``loss_or_shape`` is a ``DistanceLoss`` (its own φ and Q0) or a shape ``(m, n)`` (then a
    generic instance is drawn from ``rng``: integer Q0 and φ as in 004 Experiment 1, so the
    count is the general ED degree with probability ~1). Counted by
    ``dlnscape.algebraic.critical_points_on_Mr(loss, r, backend=backend)``.
    """
    from dlnscape.losses import DistanceLoss

    r = positive_integer(r, "r")
    if isinstance(loss_or_shape, DistanceLoss):
        loss = loss_or_shape
        generic = False
    else:
        try:
            m, n = (int(v) for v in loss_or_shape)
        except (TypeError, ValueError):
            raise ShapeError(
                f"loss_or_shape: expected a DistanceLoss or a shape (m, n), got {loss_or_shape!r}"
            ) from None
        positive_integer(m, "m")
        positive_integer(n, "n")
        loss = random_integer_instance(m, n, rng)
        generic = True
    if not isinstance(loss, DistanceLoss):  # pragma: no cover
        raise LossError(f"loss_or_shape: expected a DistanceLoss, got {type(loss).__name__}")
    m, n = loss.shape
    res = critical_points_on_Mr(loss, r, backend=backend)
    formula = None
    if generic and r == 1:
        formula = generic_ed_degree_rank_one(m, n)
    elif loss.phi is None:
        formula = eckart_young_degree(m, n, r)
    inst = {"Q0": loss.Q0.tolist(), "phi": None if loss.phi is None else loss.phi.tolist()}
    return EDDegree(
        int(res.n_complex), (m, n), r, str(res.backend), getattr(res, "backend_version", None),
        bool(res.certified), float(getattr(res, "seconds", float("nan"))), inst, formula,
    )


# ------------------------------------------------------------------------------------------
# the table of generic ED degrees of M_r, m ≤ n ≤ 5
@dataclass
class EDTableEntry:
    """One entry of :func:`ed_degree_table`: the formula (when one exists) and the count
    computed without it (monodromy with the stall rule; never told the formula), with the
    certificate of the computed count: that many distinct critical points of a random integer
    instance, α-certified in ball arithmetic (a proven lower bound on the generic count)."""

    m: int
    n: int
    r: int
    formula: int | None
    formula_source: str | None
    computed: int | None
    stop: str  # the monodromy stopping rule that ended the count ("stalled", "timeout", …)
    certified_lower_bound: int | None
    msolve: int | None  # msolve's exact count on the same instance (None: not run / timeout)
    msolve_note: str
    seconds: float
    loops: int = 0
    instance_seed: int = 0

    @property
    def label(self) -> str:
        if self.formula is not None and self.computed is not None:
            return "formula and computed"
        return "formula" if self.formula is not None else "computed"

    @property
    def value(self) -> int | None:
        """The table's value: the formula where one exists, else the computed count."""
        return self.formula if self.formula is not None else self.computed

    @property
    def agrees(self) -> bool | None:
        """Formula, computed count, certified lower bound and msolve all equal where present
        (None when there is nothing to compare)."""
        vals = [v for v in (self.formula, self.computed, self.certified_lower_bound,
                            self.msolve) if v is not None]
        return None if len(vals) < 2 else len(set(vals)) == 1

    @property
    def certified(self) -> bool:
        """The value is proven: a formula that the certified lower bound reaches, or a
        certified lower bound that msolve's exact count matches."""
        lb = self.certified_lower_bound
        if lb is None:
            return False
        return (self.formula is not None and lb == self.formula) or (
            self.msolve is not None and lb == self.msolve)

    def to_dict(self) -> dict:
        return {"m": self.m, "n": self.n, "r": self.r, "value": self.value,
                "label": self.label, "formula": self.formula,
                "formula_source": self.formula_source, "computed": self.computed,
                "stop": self.stop, "certified_lower_bound": self.certified_lower_bound,
                "msolve": self.msolve, "msolve_note": self.msolve_note,
                "agrees": self.agrees, "certified": self.certified, "seconds": self.seconds,
                "loops": self.loops, "instance_seed": self.instance_seed}


@dataclass
class EDDegreeTable:
    """The generic ED degrees of M_r for m ≤ n ≤ max_n, 1 ≤ r < m (:func:`ed_degree_table`)."""

    entries: list[EDTableEntry]
    max_m: int
    max_n: int
    seconds: float

    def entry(self, m: int, n: int, r: int) -> EDTableEntry:
        for e in self.entries:
            if (e.m, e.n, e.r) == (m, n, r):
                return e
        raise KeyError((m, n, r))

    def duality_checks(self) -> list[dict]:
        """Pairs (r, m − r) both computed: duality says their generic ED degrees are equal."""
        out = []
        for e in self.entries:
            if 2 * e.r < e.m:
                try:
                    d = self.entry(e.m, e.n, e.m - e.r)
                except KeyError:
                    continue
                if e.computed is not None and d.computed is not None:
                    out.append({"shape": [e.m, e.n], "r": e.r, "dual_r": d.r,
                                "counts": [e.computed, d.computed],
                                "agree": e.computed == d.computed})
        return out

    def rows(self, seconds: bool = True) -> list[list[str]]:
        def s(v):
            return "—" if v is None else str(v)

        return [[f"{e.m}×{e.n}", str(e.r), s(e.value), e.label, s(e.formula), s(e.computed),
                 s(e.certified_lower_bound), s(e.msolve),
                 {True: "yes", False: "NO", None: "—"}[e.agrees], e.stop]
                + ([f"{e.seconds:.1f}"] if seconds else []) for e in self.entries]

    HEADER = ["shape", "r", "ED degree", "label", "formula", "computed", "certified ≥",
              "msolve", "agree", "monodromy stop", "s"]

    def markdown(self, seconds: bool = True) -> str:
        """The table in Markdown (``seconds=False``: without the timing column, for results
        that must not depend on the machine)."""
        head = self.HEADER if seconds else self.HEADER[:-1]
        lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        lines += ["| " + " | ".join(r) + " |" for r in self.rows(seconds)]
        return "\n".join(lines)

    def counts(self) -> list[dict]:
        """The entries without timings (what a re-run must reproduce)."""
        return [{k: v for k, v in e.to_dict().items() if k != "seconds"}
                for e in self.entries]

    def __str__(self) -> str:
        n_ok = sum(e.agrees is True for e in self.entries)
        n_bad = sum(e.agrees is False for e in self.entries)
        return (f"generic ED degrees of M_r, m ≤ n ≤ {self.max_n}: {len(self.entries)} entries, "
                f"{n_ok} with agreeing formula/computed/msolve values, {n_bad} disagreeing "
                f"({self.seconds:.0f} s)\n" + self.markdown())

    def _repr_html_(self) -> str:
        n_bad = sum(e.agrees is False for e in self.entries)
        rows = (("entries", len(self.entries)),
                ("agreeing", sum(e.agrees is True for e in self.entries)),
                ("disagreeing", n_bad), ("seconds", self.seconds))
        return summary_html(f"generic ED degrees of M_r, m ≤ n ≤ {self.max_n}", rows,
                            SummaryTable(tuple(self.HEADER), tuple(map(tuple, self.rows()))))

    def to_dict(self) -> dict:
        return {"max_m": self.max_m, "max_n": self.max_n, "seconds": self.seconds,
                "entries": [e.to_dict() for e in self.entries],
                "duality_checks": self.duality_checks()}


def _computed_entry(m: int, n: int, r: int, seed: int, timeout: float, stall_loops: int,
                    msolve_timeout: float | None, progress) -> EDTableEntry:
    import time

    from dlnscape.algebraic import homotopy as hm
    from dlnscape.algebraic.formulation import make_formulation, quadratic_data
    from dlnscape.algebraic.monodromy import monodromy_solve
    from dlnscape.errors import SolverError

    t0 = time.perf_counter()
    f = formula_ed_degree(m, n, r)
    form = make_formulation((m, n), r, rng=seed)
    family = hm.parametric_system(form)
    res = monodromy_solve(hm.MrFamily(form, family), rng=[seed, 7919], stall_loops=stall_loops,
                          timeout=timeout,
                          progress=None if progress is None else
                          (lambda k, c: progress(f"{m}×{n} r={r}: loop {k}, {c} solutions")))
    start = hm.StartSystem(f"table-{m}x{n}-r{r}-seed{seed}", form, family, res.p0,
                           hm.bend_parameter(seed, m * n), res.X, res.count, res.seconds,
                           "monodromy (stalled)", False, res.to_dict())
    loss = random_integer_instance(m, n, np.random.default_rng([seed, 11]))
    hs = hm.solve_target(start, quadratic_data(loss))
    cert = hs.certificate
    lower = None
    if cert is not None and cert.rigorous and cert.all_approximate_zeros and cert.distinct:
        lower = int(len(hs.X))
    ms_count, note = None, "not run"
    if msolve_timeout:
        try:
            out = critical_points_on_Mr(loss, r, backend="msolve", timeout=msolve_timeout)
            if out.certified:
                ms_count, note = int(out.n_complex), f"{out.seconds:.1f} s"
            else:
                note = "not certified: " + out.certification[:80]
        except SolverError as e:
            note = str(e)[:80]
    return EDTableEntry(m, n, r, None if f is None else f[0], None if f is None else f[1],
                        res.count, res.stop, lower, ms_count, note,
                        time.perf_counter() - t0, res.loops, seed)


def ed_degree_table(max_m: int = 4, max_n: int = 5, *, rng: int = 0,
                    timeout: float = 300.0, stall_loops: int = 10,
                    msolve_timeout: float | None = None, progress=None) -> EDDegreeTable:
    """The generic (weighted) ED degree of M_r for every ``m ≤ n ≤ max_n``, ``m ≤ max_m``,
    ``1 ≤ r < m``: each entry labelled *formula* (Catanese–Trifogli for r = 1, duality for
    r = m − 1) and/or *computed* (monodromy from one seed solution, stall rule, never told
    the formula), with the certificate of the computed count (that many distinct critical
    points of a random integer instance α-certified in ball arithmetic) and, when
    ``msolve_timeout`` is given, msolve's exact count on the same instance. ``timeout``
    (seconds) bounds each entry's monodromy (a timed-out entry is a lower bound, stop
    ``"timeout"``); ``progress(message)`` reports each loop. Draisma, Horobeţ, Ottaviani,
    Sturmfels, Thomas 2016; Ottaviani, Spaenlehauer, Sturmfels 2014; Trager et al. 2020,
    App. A.2."""
    import time

    max_m = positive_integer(max_m, "max_m", 2)
    max_n = positive_integer(max_n, "max_n", 2)
    if max_m > 5 or max_n > 5:
        raise ShapeError(f"max_m, max_n: expected at most 5 (the counts grow beyond 10^4), got "
                         f"{max_m}, {max_n}")
    if isinstance(rng, bool) or not isinstance(rng, (int, np.integer)) or rng < 0:
        raise DlnscapeError(f"rng: expected an integer seed ≥ 0, got {rng!r}")
    if not (isinstance(timeout, (int, float)) and timeout > 0):
        raise DlnscapeError(f"timeout: expected a positive number of seconds, got {timeout!r}")
    t0 = time.perf_counter()
    entries = []
    for m in range(2, max_m + 1):
        for n in range(m, max_n + 1):
            for r in range(1, m):
                entries.append(_computed_entry(m, n, r, int(rng), float(timeout),
                                               int(stall_loops), msolve_timeout, progress))
    return EDDegreeTable(entries, max_m, max_n, time.perf_counter() - t0)
