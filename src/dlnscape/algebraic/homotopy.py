"""Parameter homotopy for the critical equations of quadratic losses on M_r (fast path).

The critical equations of :mod:`dlnscape.algebraic.formulation` are *linear* in the parameters
``p = (vec G, g)``: ``f(x; p) = Σ_k p_k f_k(x)``. For one shape and rank we solve a random
start instance ``p0`` once (exactly, by msolve, complex solutions from its parametrisation,
Newton-polished and α-certified) and cache it. Every target ``p1`` is then reached by tracking
only those N = generic-root-count paths along the bent segment

    p(t) = (1 − t) p0 + t p1 + t(1 − t) c,      c a random complex symmetric parameter,

which avoids the (complex, real-codimension-2) discriminant with probability one (the "gamma
trick" of Morgan–Sommese parameter homotopies). Paths are tracked by a compiled loop per path
(:mod:`dlnscape.algebraic.tracker_numba`, the default) or all together in numpy
(:func:`track_reference`, ``tracker="reference"`` or ``$DLNSCAPE_TRACKER=reference``): the same
RK4 predictor, Newton + chord corrector and adaptive step per path, the same endpoints.

Certificate of an answer (Morgan–Sommese 1989: a square parametric family has at most N
isolated solutions at any parameter, N its generic root count): all N endpoints are
α-certified approximate zeros (:mod:`dlnscape.algebraic.alpha`; proven in ball arithmetic on
the exact integer system ``Σ_k p_k f_k`` with integer ``p`` proportional to the normalised
parameters, the float pass only filters) with pairwise disjoint balls, so they are N distinct
zeros and therefore *all* isolated zeros in the chart; real ones are proven real (conjugate
symmetry, the list being complete) and the others non-real by α-theory. When any of this
fails the answer is marked uncertified and ``critical_points_on_Mr(backend="auto")`` falls
back to msolve. Every real point returned is then checked critical on M_r
(:func:`dlnscape.algebraic.result.checked_real_points`).
"""

from __future__ import annotations

import functools
import io
import math
import os
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import numpy as np

from dlnscape.algebraic import msolve as ms
from dlnscape.algebraic.alpha import (
    ALPHA0,
    UNIT_ROUNDOFF,
    PolySystem,
    SolutionCertificate,
    alpha_data,
    ball_verdicts,
    certify_solutions,
    norm_upper,
    rigorous_alpha_data,
    verdict_fields,
)
from dlnscape.algebraic.formulation import (
    FORMULATION_VERSION,
    Formulation,
    QuadraticData,
    integer_system,
    make_formulation,
    quadratic_data,
    working_data,
)
from dlnscape.algebraic.parametric import PREDICTOR_TARGET, accept_and_adapt, predict_correct
from dlnscape.errors import SolverError

HOMOTOPY_VERSION = "bent-segment-rk4-v3"
_MEMORY: dict[str, StartSystem] = {}
#: predictor error (relative first Newton correction) the step control aims at
_TARGET = PREDICTOR_TARGET
#: size of the complex bend c relative to the unit-norm parameters (smaller: shorter paths)
_BEND = 0.2


def default_cache_dir() -> Path:
    env = os.environ.get("DLNSCAPE_CACHE_DIR")
    if env:
        return Path(env) / "algebraic"
    return Path.home() / ".cache" / "dlnscape" / "algebraic"


def parametric_system(form: Formulation) -> PolySystem:
    """The family ``f(x; p)`` with ``p = (vec G (N²), g (N))``: coefficients (K, E, M)."""
    N = form.m * form.n
    K = N * N + N
    eye = np.eye(K)
    Gb = np.empty((N, N), dtype=object)
    for i in range(N):
        for j in range(N):
            Gb[i, j] = eye[i * N + j]
    gb = np.empty(N, dtype=object)
    for i in range(N):
        gb[i] = eye[N * N + i]
    return PolySystem.from_polys(form.polynomials(Gb, gb), form.nvars)


def param_vector(G: np.ndarray, g: np.ndarray) -> np.ndarray:
    p = np.concatenate([np.asarray(G, dtype=np.float64).ravel(),
                        np.asarray(g, dtype=np.float64)])
    return p / np.linalg.norm(p)


def exact_param_vector(G: np.ndarray, g: np.ndarray) -> np.ndarray:
    """``(vec G, g)`` exactly, scaled by the common denominator to integers (object array):
    proportional to :func:`param_vector`, so the specialised system has the same zeros and
    the same α-data (α-theory is invariant under scaling f)."""
    raw = np.concatenate([np.asarray(G, dtype=object).ravel(),
                          np.asarray(g, dtype=object).ravel()])
    vals = [v if isinstance(v, Fraction) else Fraction(v) for v in raw]
    den = 1
    for v in vals:
        if v.denominator != 1:
            den = den * v.denominator // math.gcd(den, v.denominator)
    if den == 1:
        return np.array([v.numerator for v in vals], dtype=object)
    return np.array([v.numerator * (den // v.denominator) for v in vals], dtype=object)


@dataclass
class StartSystem:
    """A solved random start instance of one shape, rank and chart.

    ``msolve_count`` is the generic root count N of the chart family that completeness rests
    on (the name is historical); ``count_source`` says where N comes from and
    ``count_proven`` whether it is more than a heuristic: ``"formula"`` (the generic ED degree
    of M_r: Catanese–Trifogli for r = 1 and, by duality, r = m − 1; Draisma et al. 2016,
    Thm 5.2 and 7.8), ``"msolve"`` (the exact count of a random integer instance, generic
    with probability one), ``"monodromy (stalled)"`` (no new solution in several loops:
    not proven), ``"monodromy (timeout)"`` (a lower bound)."""

    key: str
    form: Formulation
    family: PolySystem
    p0: np.ndarray  # unit norm (real for an msolve start, complex for a monodromy start)
    c: np.ndarray  # complex bend
    X0: np.ndarray  # (N, nvars) complex start solutions
    msolve_count: int
    msolve_seconds: float  # seconds the start took to build (msolve or monodromy)
    count_source: str = "msolve"
    count_proven: bool = True
    evidence: dict = field(default_factory=dict)

    @property
    def generic_count(self) -> int:
        return self.msolve_count

    def provenance(self) -> str:
        """One sentence: how the start solutions and their count were obtained."""
        ev = self.evidence
        if self.count_source == "msolve":
            return (f"{self.msolve_count} = the generic root count of the chart system "
                    f"(msolve's exact count on the random start instance)")
        rule = ev.get("stopping_rule", "")
        if self.count_source == "formula":
            return (f"{self.msolve_count} = the generic ED degree of M_r "
                    f"({ev.get('formula', 'formula')}); start solutions by monodromy from one "
                    f"seed solution, {rule}")
        return f"{self.msolve_count} start solutions by monodromy ({rule}); count NOT proven"


#: loops without a new solution before a start without a known count stops: a loop fixes most
#: solutions (it winds around few branch points): with 5 stalled loops two 4×4 rank-two runs
#: stopped at 1347 and 1348, with 10 a run found 1350 (all certified lower bounds)
START_STALL_LOOPS = 10
#: how start systems are built: "monodromy" (default) or "msolve" (one exact solve)
START_METHODS = ("monodromy", "msolve")


def _key(shape, r, seed, method: str = "monodromy") -> str:
    tag = "" if method == "msolve" else "-mono2"
    return (f"{shape[0]}x{shape[1]}-r{r}-seed{seed}-{FORMULATION_VERSION}-{HOMOTOPY_VERSION}"
            f"{tag}")


def start_system(shape: tuple[int, int], r: int, seed: int = 0,
                 cache_dir: str | Path | None = None, use_disk: bool = True, *,
                 method: str = "monodromy", timeout: float = 600.0,
                 progress=None) -> StartSystem:
    """The cached start system (memory, then disk, else built now and stored).

    ``method="monodromy"`` (default): from one seed solution by monodromy loops
    (:mod:`dlnscape.algebraic.monodromy`), stopped at the known generic ED degree where a
    formula exists, else when the count stalls (then ``count_proven`` is False);
    ``method="msolve"``: one exact solve of a random integer instance (slow beyond 3×4).
    ``timeout`` bounds the build (a timed-out start is returned, marked, and not cached);
    ``progress(loop, count)`` is called after each monodromy loop.
    """
    if method not in START_METHODS:
        raise SolverError(f"method: expected one of {START_METHODS}, got {method!r}")
    key = _key(shape, r, seed, method)
    if key in _MEMORY:
        return _MEMORY[key]
    form = make_formulation(shape, r, rng=seed)
    family = parametric_system(form)
    cdir = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    path = cdir / f"start-{key}.npz"
    if use_disk and path.exists():
        try:
            z = np.load(path, allow_pickle=False)
            if np.array_equal(z["T"], form.T):
                import json

                st = StartSystem(key, form, family, z["p0"], z["c"], z["X0"],
                                 int(z["msolve_count"]), float(z["msolve_seconds"]),
                                 str(z["count_source"]) if "count_source" in z else "msolve",
                                 bool(z["count_proven"]) if "count_proven" in z else True,
                                 json.loads(str(z["evidence"])) if "evidence" in z else {})
                _MEMORY[key] = st
                return st
        except (OSError, KeyError, ValueError):
            pass  # a damaged cache file is recomputed below
    if method == "msolve":
        st = _solve_start(form, family, key, seed)
    else:
        st = _monodromy_start(form, family, key, seed, timeout, progress)
    if st.count_source == "monodromy (timeout)":
        return st  # a lower bound: never cached, a later call with more time recomputes
    _MEMORY[key] = st
    if use_disk:
        import json

        from dlnscape.io import write_atomic

        buf = io.BytesIO()
        np.savez(buf, T=form.T, p0=st.p0, c=st.c, X0=st.X0, msolve_count=st.msolve_count,
                 msolve_seconds=st.msolve_seconds, count_source=st.count_source,
                 count_proven=st.count_proven, evidence=json.dumps(st.evidence))
        try:
            write_atomic(path, buf.getvalue())
        except OSError:
            pass  # read-only home: keep the in-memory copy
    return st


def known_generic_count(form: Formulation) -> tuple[int, str] | None:
    """The generic ED degree of M_r for the chart's shape when a formula gives it: r = 1
    (Catanese–Trifogli) or r = m − 1 (duality: the dual variety of M_r ⊂ C^{m×n}, m ≤ n, is
    M_{m−r}, and dual varieties have equal generic ED degrees; Draisma et al. 2016, Thm 5.2)."""
    from dlnscape.algebraic.ed_formulas import generic_ed_degree_rank_one

    m, n, r = form.m, form.n, form.r
    if r == 1:
        return generic_ed_degree_rank_one(m, n), "Catanese–Trifogli, r = 1"
    if r == m - 1:
        return generic_ed_degree_rank_one(m, n), f"duality M_{r} ↔ M_1, then Catanese–Trifogli"
    return None


def bend_parameter(seed: int, N: int) -> np.ndarray:
    """The complex bend c of the parameter path (unit-norm parameters, size ``_BEND``)."""
    crng = np.random.default_rng([seed, 104729])
    Cg = crng.normal(size=(N, N)) + 1j * crng.normal(size=(N, N))
    Cg = Cg + Cg.T
    cg = crng.normal(size=N) + 1j * crng.normal(size=N)
    c = np.concatenate([Cg.ravel(), cg])
    return c / np.linalg.norm(c) * _BEND


def _monodromy_start(form: Formulation, family: PolySystem, key: str, seed: int,
                     timeout: float, progress) -> StartSystem:
    """Monodromy at a random complex base, then the solutions moved to a random *real integer*
    instance (a straight segment from a generic complex base avoids the discriminant), where
    they are α-certified in ball arithmetic: per-target paths from a real start are as short
    as from an msolve start. A start whose points fail the α-test is rebuilt from another
    seed solution (a jumped path can leave a near-duplicate)."""
    import time

    from dlnscape.algebraic.monodromy import monodromy_solve

    t0 = time.perf_counter()
    known = known_generic_count(form)
    why = ""
    for attempt in range(3):
        left = timeout - (time.perf_counter() - t0)
        if left <= 0 and attempt > 0:
            break
        # the first attempt always runs: monodromy returns what it has when its time is up
        # (at least the seed solution, a labelled lower bound), however short the timeout
        res = monodromy_solve(MrFamily(form, family), rng=[seed, 7919, attempt],
                              target_count=None if known is None else known[0],
                              stall_loops=START_STALL_LOOPS, timeout=max(left, 1e-9),
                              progress=progress)
        sys0 = family.specialize(res.p0)
        cert = certify_solutions(sys0, res.X, rigorous=False)
        if not (cert.all_approximate_zeros and cert.distinct):
            why = f"attempt {attempt}: the monodromy solutions fail the float α-test"
            continue
        ev = res.to_dict()
        ev["float_alpha_max"] = float(np.max(cert.alpha)) if len(cert.alpha) else 0.0
        ev["attempts"] = attempt + 1
        if res.stop == "target count":
            source, proven = "formula", True
            ev["formula"] = known[1]
        elif res.stop == "stalled":
            source, proven = "monodromy (stalled)", False
        else:
            source, proven = "monodromy (timeout)", False
        p0, X0 = res.p0, cert.X
        moved = _to_real_instance(form, family, seed, res.p0, cert.X)
        if moved is not None:
            p0, X0 = moved
            ev["base"] = "real integer instance (α-certified in ball arithmetic)"
        else:
            ev["base"] = "complex random parameter (the move to a real instance failed)"
        return StartSystem(key, form, family, p0, bend_parameter(seed, form.m * form.n), X0,
                           res.count, time.perf_counter() - t0, source, proven, ev)
    raise SolverError(f"homotopy: no monodromy start system for {key} within timeout="
                      f"{timeout} s ({why or 'no time left'}; try another seed)")


def _to_real_instance(form: Formulation, family: PolySystem, seed: int, p_base: np.ndarray,
                      X: np.ndarray):
    """``(p_real, X_real)``: the solutions over ``p_base`` tracked to a random integer
    instance and certified there (rigorously, all distinct), or None."""
    from dlnscape.losses import DistanceLoss

    rng = np.random.default_rng([seed, 7919])
    N = form.m * form.n
    K = N * N
    shape = (form.n, form.m) if form.transposed else (form.m, form.n)
    z = np.zeros((N, N), dtype=complex)
    for _draw in range(3):  # an instance can be non-generic, or badly conditioned in the chart
        qd = quadratic_data(DistanceLoss(rng.integers(-10, 11, size=shape),
                                         rng.integers(-10, 11, size=(N, N))))
        G, g = working_data(form, qd)
        p1 = param_vector(G.astype(np.float64), g.astype(np.float64))
        tr = track(form, (p_base[:K].reshape(N, N), p_base[K:], z, np.zeros(N, complex)),
                   p1[:K].reshape(N, N), p1[K:], X, hmax=0.1)
        if not tr.ok.all():
            continue
        sys1 = family.specialize(p1, exact_p=exact_param_vector(G, g))
        with np.errstate(all="ignore"):
            X1 = sys1.newton(tr.X, iters=4)
        cert = certify_solutions(sys1, X1, n_zeros=len(X))
        if cert.rigorous and cert.all_approximate_zeros and cert.distinct and \
                len(cert.X) == len(X):
            return p1, cert.X
    return None


class MrFamily:
    """The critical equations of quadratic losses on M_r in one chart (the big Schubert cell
    of :mod:`dlnscape.algebraic.formulation`), parametrised by ``p = (vec G, g)`` with G
    symmetric — the family whose generic member's count is the generic ED degree of M_r
    (Draisma, Horobeţ, Ottaviani, Sturmfels, Thomas 2016, §7). Loops are tracked by the
    structured tracker of :mod:`dlnscape.algebraic.homotopy` (intrinsic coordinates, moving
    unitary patch)."""

    def __init__(self, form, family) -> None:
        self.form = form
        self.family = family  # parametric PolySystem (K, E, M)
        N = form.m * form.n
        self.N = N
        iu = np.triu_indices(N)
        self._iu = iu
        K = N * N + N
        # basis of the symmetric (G, g): columns S[:, j] (K,)
        nsym = iu[0].size
        S = np.zeros((K, nsym + N))
        for j, (a, b) in enumerate(zip(*iu, strict=True)):
            S[a * N + b, j] = 1.0
            S[b * N + a, j] = 1.0
        S[N * N + np.arange(N), nsym + np.arange(N)] = 1.0
        self.S = S

    def split(self, p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        N = self.N
        return p[: N * N].reshape(N, N), p[N * N:]

    def random_parameter(self, rng: np.random.Generator) -> np.ndarray:
        q = rng.normal(size=self.S.shape[1]) + 1j * rng.normal(size=self.S.shape[1])
        p = self.S @ q
        return p / np.linalg.norm(p)

    def seed(self, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        nv = self.form.nvars
        x0 = (rng.normal(size=nv) + 1j * rng.normal(size=nv)) / np.sqrt(2)
        mono = self.family.monomials_and_derivatives(x0[None])[0, 0]  # (M,)
        A = np.tensordot(self.family.coef, mono, axes=(2, 0)).T  # (E, K)
        AS = A @ self.S
        _u, s, vh = np.linalg.svd(AS)
        rank = int(np.sum(s > s[0] * 1e-12))
        null = vh[rank:].conj().T  # (Ks, Ks − rank)
        q = null @ (rng.normal(size=null.shape[1]) + 1j * rng.normal(size=null.shape[1]))
        p = self.S @ q
        return x0[None], p / np.linalg.norm(p)

    def track(self, X, pa, pb):
        Ga, ga = self.split(pa)
        Gb, gb = self.split(pb)
        zG = np.zeros_like(Ga)
        zg = np.zeros_like(ga)
        tr = track(self.form, (Ga, ga, zG, zg), Gb, gb, X, hmax=0.1)
        return tr.X, tr.ok

    def refine(self, X, p):
        sys = self.family.specialize(p)
        with np.errstate(all="ignore"):
            Xn = sys.newton(X, iters=4)
            F, _J = sys.eval(Xn)
            Xm = sys.newton(Xn, iters=1)
        rel = np.linalg.norm(Xm - Xn, axis=1) / (1 + np.linalg.norm(Xn, axis=1))
        ok = np.isfinite(rel) & (rel < 1e-10) & np.isfinite(F).all(axis=1)
        return Xm, ok


def _solve_start(form: Formulation, family: PolySystem, key: str, seed: int) -> StartSystem:
    from dlnscape.losses import DistanceLoss

    rng = np.random.default_rng([seed, 7919])
    mw, nw = form.m, form.n
    N = mw * nw
    shape = (nw, mw) if form.transposed else (mw, nw)
    for _attempt in range(5):
        phi = rng.integers(-10, 11, size=(N, N))
        Q0 = rng.integers(-10, 11, size=shape)
        qd = quadratic_data(DistanceLoss(Q0, phi))
        sol = ms.solve(integer_system(form, qd), form.names)
        if sol.status != "zero_dimensional":
            continue
        G, g = working_data(form, qd)
        p0 = param_vector(G.astype(np.float64), g.astype(np.float64))
        sys0 = family.specialize(p0, exact_p=exact_param_vector(G, g))
        X0 = sys0.newton(sol.complex_solutions(), iters=6)
        cert = certify_solutions(sys0, X0, n_zeros=sol.n_complex)
        X0 = cert.X
        if cert.rigorous and cert.all_approximate_zeros and cert.distinct and \
                len(X0) == sol.n_complex:
            return StartSystem(key, form, family, p0, bend_parameter(seed, N), X0, sol.n_complex,
                               sol.seconds)
    raise SolverError(f"homotopy: could not build a certified start system for {key}")


# ------------------------------------------------------------------------------------------
@dataclass
class TrackResult:
    X: np.ndarray  # endpoints (P, nvars)
    ok: np.ndarray  # bool per path (reached t = 1)
    steps: int
    iterations: int
    t: np.ndarray  # final t per path (1 where reached)
    h: np.ndarray  # final step per path
    attempts: int = 0  # steps tried, summed over paths (accepted + rejected)


def _orthonormalize(A: np.ndarray, B: np.ndarray):
    """``A = Q R`` (batched QR): return ``Q``, ``B Rᵀ`` (same W) and the complement of col Q."""
    Qf, Rf = np.linalg.qr(A, mode="complete")
    r = A.shape[-1]
    Q = Qf[..., :r]
    Rr = Rf[..., :r, :]
    return Q, B @ np.swapaxes(Rr, -1, -2), Qf[..., r:]


#: the trackers :func:`track` can use (``tracker=`` or ``$DLNSCAPE_TRACKER``)
TRACKERS = ("compiled", "reference")


def tracker_name(tracker: str | None = None) -> str:
    """The tracker to use: ``tracker`` if given, else ``$DLNSCAPE_TRACKER``, else
    ``"compiled"`` (numba, :mod:`dlnscape.algebraic.tracker_numba`); ``"reference"`` is the
    numpy :func:`track_reference` (same algorithm, all paths vectorised)."""
    chosen = tracker if tracker is not None else os.environ.get("DLNSCAPE_TRACKER")
    aliases = {"numba": "compiled", "numpy": "reference"}
    name = aliases.get(chosen, chosen) if chosen else "compiled"
    if name not in TRACKERS:
        raise SolverError(f"tracker: expected one of {TRACKERS} (or $DLNSCAPE_TRACKER), got "
                          f"{name!r}")
    if name == "compiled" and not _have_numba():
        if chosen:
            raise SolverError("tracker 'compiled': numba is not installed (pip install numba)")
        return "reference"  # the default without numba: the same algorithm in numpy
    return name


@functools.lru_cache(maxsize=1)
def _have_numba() -> bool:
    import importlib.util

    return importlib.util.find_spec("numba") is not None


def track(form: Formulation, shared: tuple, G1: np.ndarray, g1: np.ndarray, X0: np.ndarray,
          h0: float = 0.05, hmax: float = 0.2, hmin: float = 1e-7, tol: float = 1e-6,
          max_iter: int = 2000, tracker: str | None = None,
          inst: np.ndarray | None = None) -> TrackResult:
    """Track the start solutions ``X0`` (chart coordinates of ``form``) from t = 0 to 1 with
    the compiled tracker (default) or the numpy reference (``tracker="reference"``); see
    :func:`track_reference` for the method and the arguments. ``inst`` (P,) maps each path
    to a row of ``G1`` (K, mn, mn) / ``g1`` (K, mn) (one target per instance, not repeated
    over its paths); without it ``G1`` is per path or a single target."""
    if tracker_name(tracker) == "reference":
        if inst is not None:
            G1, g1 = np.asarray(G1)[inst], np.asarray(g1)[inst]
        return track_reference(form, shared, G1, g1, X0, h0, hmax, hmin, tol, max_iter)
    return track_compiled(form, shared, G1, g1, X0, h0, hmax, hmin, tol, max_iter, inst)


def track_compiled(form: Formulation, shared: tuple, G1: np.ndarray, g1: np.ndarray,
                   X0: np.ndarray, h0: float = 0.05, hmax: float = 0.2, hmin: float = 1e-7,
                   tol: float = 1e-6, max_iter: int = 2000,
                   inst: np.ndarray | None = None) -> TrackResult:
    """:func:`track_reference`'s algorithm per path in a compiled loop
    (:func:`dlnscape.algebraic.tracker_numba.track_paths`); ``iterations`` is the largest
    number of steps tried on one path (the number of vectorised rounds of the reference)."""
    from dlnscape.algebraic.tracker_numba import track_paths

    m, n = form.m, form.n
    N = m * n
    A, B = form.A_B(np.asarray(X0, dtype=complex))
    P = A.shape[0]
    G0, g0, Gc, gc = (np.ascontiguousarray(v, dtype=complex) for v in shared)
    G1 = np.asarray(G1, dtype=complex)
    g1 = np.asarray(g1, dtype=complex)
    if G1.ndim == 2:
        G1, g1 = G1[None], g1[None]
        inst = np.zeros(P, dtype=np.int64)
    elif inst is None:
        inst = np.arange(P, dtype=np.int64)
    inst = np.ascontiguousarray(inst, dtype=np.int64)
    D = np.ascontiguousarray(G1.reshape(-1, N, N) - G0)
    dg = np.ascontiguousarray(g1.reshape(-1, N) - g0)
    X, t, h, ok, nsteps, natt = track_paths(
        np.ascontiguousarray(A), np.ascontiguousarray(B), inst, G0, g0, Gc, gc, D, dg,
        float(h0), float(hmax), float(hmin), float(tol), int(max_iter), _TARGET)
    Xc, ok2 = _to_chart(form, X)
    return TrackResult(Xc, ok & ok2, int(nsteps.sum()), int(natt.max(initial=0)), t, h,
                       int(natt.sum()))


def track_reference(form: Formulation, shared: tuple, G1: np.ndarray, g1: np.ndarray,
                    X0: np.ndarray, h0: float = 0.05, hmax: float = 0.2, hmin: float = 1e-7,
                    tol: float = 1e-6, max_iter: int = 2000) -> TrackResult:
    """The reference tracker (numpy, all paths vectorised): track the start solutions ``X0``
    (chart coordinates of ``form``) along the path
    ``G(t) = G0 + t (G1 − G0) + t(1−t) Gc`` (g likewise) from t = 0 to 1.

    ``shared = (G0, g0, Gc, gc)`` is common to all paths; ``G1`` (P, mn, mn) and ``g1``
    (P, mn) are per path (one target per instance, repeated over its paths), or a single
    ``(mn, mn)``/``(mn,)`` target for all.

    Tracking uses intrinsic coordinates with a moving unitary patch (not the integer chart, whose
    coordinates blow up when a path passes near its boundary): unknowns ``A`` (m×r), ``B``
    (n×r) with the equations ``Rᵀ A = 0``, ``Cᵀ R B = 0``, ``L A = I`` where before every step
    A is orthonormalised, ``L = Aᴴ`` and ``C`` spans ``col(A)^⊥``. Returns endpoints in the
    chart coordinates of ``form`` (for certification on the chart system).
    """
    m, n, r = form.m, form.n, form.r
    N = m * n
    nv = (m + n) * r
    A, B = form.A_B(np.asarray(X0, dtype=complex))
    A, B, Cp = _orthonormalize(A, B)
    P = A.shape[0]
    G0, g0, Gc, gc = (np.asarray(v, dtype=complex) for v in shared)
    G1 = np.asarray(G1, dtype=complex)
    g1 = np.asarray(g1, dtype=complex)
    if G1.ndim == 2:
        G1 = np.broadcast_to(G1, (P, N, N))
        g1 = np.broadcast_to(g1, (P, N))
    # G1 with the (i, j) indices of its columns swapped, for the B-directions
    G1B = np.ascontiguousarray(G1.reshape(P, N, m, n).transpose(0, 1, 3, 2))
    # contractions of the shared matrices with B (A-directions) and A (B-directions)
    G0r, Gcr = G0.reshape(N, m, n), Gc.reshape(N, m, n)
    MA0 = G0r.transpose(2, 0, 1).reshape(n, N * m)
    MAc = Gcr.transpose(2, 0, 1).reshape(n, N * m)
    MB0 = G0r.transpose(1, 0, 2).reshape(m, N * n)
    MBc = Gcr.transpose(1, 0, 2).reshape(m, N * n)
    G0T, GcT = G0.T, Gc.T
    # basis directions: v < m·r is dA = E_ik (v = i·r + k); v ≥ m·r is dB = E_jk
    dva = np.arange(m * r)
    dia, dka = dva // r, dva % r
    dvb = np.arange(n * r)
    djb, dkb = dvb // r, dvb % r
    dvb = dvb + m * r
    eye_r = np.eye(r)

    def evaluate(A, B, Cp, L, t, G1, g1, G1B, want_H=True, want_t=True):
        """H, its Jacobian (P, nv, nv) and ∂H/∂t at (A, B, t) (None for what is not
        wanted: the predictor needs J and ∂H/∂t, the corrector H and J)."""
        Pn = A.shape[0]
        s1 = t[:, None]
        s2 = (t * (1 - t))[:, None]
        w = (A @ np.swapaxes(B, 1, 2)).reshape(Pn, N)
        Gw0 = w @ G0T - g0
        Gwc = w @ GcT - gc
        Gw1 = (G1 @ w[:, :, None])[:, :, 0] - g1
        D1 = Gw1 - Gw0
        R = (Gw0 + s1 * D1 + s2 * Gwc).reshape(Pn, m, n)
        Rt = (D1 + (1 - 2 * s1) * Gwc).reshape(Pn, m, n)
        BT = np.swapaxes(B, 1, 2).reshape(Pn * r, n)
        dA0 = (BT @ MA0).reshape(Pn, r, N, m)
        dAc = (BT @ MAc).reshape(Pn, r, N, m)
        dA1 = np.swapaxes(G1.reshape(Pn, N * m, n) @ B, 1, 2).reshape(Pn, r, N, m)
        s1_, s2_ = s1[:, :, None, None], s2[:, :, None, None]
        dRA = dA0 + s1_ * (dA1 - dA0) + s2_ * dAc  # [p, k, a, i]
        AT = np.swapaxes(A, 1, 2).reshape(Pn * r, m)
        dB0 = (AT @ MB0).reshape(Pn, r, N, n)
        dBc = (AT @ MBc).reshape(Pn, r, N, n)
        dB1 = np.swapaxes(G1B.reshape(Pn, N * n, m) @ A, 1, 2).reshape(Pn, r, N, n)
        dRB = dB0 + s1_ * (dB1 - dB0) + s2_ * dBc  # [p, k, a, j]
        dR = np.concatenate([
            dRA.transpose(0, 3, 1, 2).reshape(Pn, m * r, N),
            dRB.transpose(0, 3, 1, 2).reshape(Pn, n * r, N),
        ], axis=1).reshape(Pn, nv, m, n)
        Ct = np.swapaxes(Cp, 1, 2)
        CtR = Ct @ R  # (P, m−r, n)
        H = np.concatenate([
            (np.swapaxes(R, 1, 2) @ A).reshape(Pn, -1),
            (CtR @ B).reshape(Pn, -1),
            (L @ A - eye_r).reshape(Pn, -1),
        ], axis=1) if want_H else None
        Htv = np.concatenate([
            (np.swapaxes(Rt, 1, 2) @ A).reshape(Pn, -1),
            (Ct @ Rt @ B).reshape(Pn, -1),
            np.zeros((Pn, r * r)),
        ], axis=1) if want_t else None
        J1 = np.swapaxes(dR, 2, 3) @ A[:, None]  # dRᵀ A
        J1[:, dva, :, dka] += np.moveaxis(R[:, dia, :], 1, 0)  # Rᵀ E_ik: column k is R[i, :]
        J2 = Ct[:, None] @ (dR @ B[:, None])  # Cᵀ dR B
        J2[:, dvb, :, dkb] += np.moveaxis(CtR[:, :, djb], 2, 0)  # Cᵀ R E_jk
        J3 = np.zeros((Pn, nv, r, r), dtype=complex)
        J3[:, dva, :, dka] = np.moveaxis(L[:, :, dia], 2, 0)  # L E_ik: column k is L[:, i]
        J = np.concatenate([J1.reshape(Pn, nv, -1), J2.reshape(Pn, nv, -1),
                            J3.reshape(Pn, nv, -1)], axis=2)
        return H, np.swapaxes(J, 1, 2), Htv

    def residual(A, B, Cp, L, t, G1, g1):
        Pn = A.shape[0]
        w = (A @ np.swapaxes(B, 1, 2)).reshape(Pn, N)
        Gw0 = w @ G0T - g0
        R = (Gw0 + t[:, None] * ((G1 @ w[:, :, None])[:, :, 0] - g1 - Gw0)
             + (t * (1 - t))[:, None] * (w @ GcT - gc)).reshape(Pn, m, n)
        return np.concatenate([
            (np.swapaxes(R, 1, 2) @ A).reshape(Pn, -1),
            (np.swapaxes(Cp, 1, 2) @ R @ B).reshape(Pn, -1),
            (L @ A - eye_r).reshape(Pn, -1),
        ], axis=1)

    def split(x):
        return x[:, : m * r].reshape(-1, m, r), x[:, m * r :].reshape(-1, n, r)

    def join(A, B):
        return np.concatenate([A.reshape(A.shape[0], -1), B.reshape(B.shape[0], -1)], axis=1)

    X = join(A, B)
    t = np.zeros(P)
    h = np.full(P, h0)
    ok = np.zeros(P, dtype=bool)
    failed = np.zeros(P, dtype=bool)
    succ = np.zeros(P, dtype=int)
    it = 0
    steps = 0
    attempts = 0
    while True:
        act = np.flatnonzero(~ok & ~failed)
        if act.size == 0 or it >= max_iter:
            break
        it += 1
        Aa, Ba = split(X[act])
        Aa, Ba, Ca = _orthonormalize(Aa, Ba)
        La = np.conj(np.swapaxes(Aa, 1, 2))
        x = join(Aa, Ba)
        tt = t[act]
        hh = np.minimum(h[act], 1.0 - tt)

        Ga, ga, GBa = G1[act], g1[act], G1B[act]

        def vel(xx, ts, Ca=Ca, La=La, Ga=Ga, ga=ga, GBa=GBa):
            a_, b_ = split(xx)
            _, J, Ht = evaluate(a_, b_, Ca, La, ts, Ga, ga, GBa, want_H=False)
            return -np.linalg.solve(J, Ht[..., None])[..., 0]

        def res_jac(xx, ts, Ca=Ca, La=La, Ga=Ga, ga=ga, GBa=GBa):
            a_, b_ = split(xx)
            H, J, _ = evaluate(a_, b_, Ca, La, ts, Ga, ga, GBa, want_t=False)
            return H, J

        def res(xx, ts, Ca=Ca, La=La, Ga=Ga, ga=ga):
            a_, b_ = split(xx)
            return residual(a_, b_, Ca, La, ts, Ga, ga)

        xp, tn, n1, n2 = predict_correct(x, tt, hh, vel, res_jac, res)
        good = accept_and_adapt(act, xp, tn, n1, n2, X, t, h, succ, failed, ok, tol=tol,
                                hmax=hmax, hmin=hmin)
        steps += int(good.sum())
        attempts += int(act.size)
    Xc, ok2 = _to_chart(form, X)
    ok &= ok2
    return TrackResult(Xc, ok, steps, it, t, h, attempts)


def _to_chart(form: Formulation, X: np.ndarray):
    """Intrinsic (A, B) → chart coordinates of ``form``: K = T⁻¹A, M = K K_top⁻¹, B K_topᵀ."""
    m, n, r = form.m, form.n, form.r
    P = X.shape[0]
    A = X[:, : m * r].reshape(P, m, r)
    B = X[:, m * r :].reshape(P, n, r)
    K = np.linalg.solve(form.T.astype(complex)[None], A)
    Ktop = K[:, :r, :]
    with np.errstate(all="ignore"):
        try:
            M = K @ np.linalg.inv(Ktop)
            BT = B @ np.swapaxes(Ktop, 1, 2)
            rows, cols = (np.array(v, dtype=np.int64).reshape(-1) for v in
                          zip(*form.cell.free, strict=True)) if form.cell.free else \
                (np.zeros(0, np.int64), np.zeros(0, np.int64))
            # the cell's free entries in its own order (column-major), not M's row order
            Xc = np.concatenate([M[:, rows, cols].reshape(P, -1), BT.reshape(P, -1)],
                                axis=1)
        except np.linalg.LinAlgError:
            Xc = np.full((P, form.nvars), np.nan, dtype=complex)
    return Xc, np.isfinite(Xc).all(axis=1)


_CHARTS: dict[str, list] = {}


def chart_families(start: StartSystem, extra: int = 3) -> list[tuple[Formulation, PolySystem]]:
    """The start's chart and ``extra`` more random integer charts (built once, cached).

    An endpoint near the boundary of one chart has large coordinates there and fails the
    α-test for want of conditioning; another random chart then holds it comfortably. Every
    chart's family has the same generic root count (for generic parameters all critical
    points lie in the big cell of any fixed chart)."""
    if start.key not in _CHARTS:
        out = [(start.form, start.family)]
        seed = int(start.key.split("seed")[1].split("-")[0])
        for k in range(1, extra + 1):
            f = make_formulation(
                (start.form.n, start.form.m) if start.form.transposed else
                (start.form.m, start.form.n), start.form.r, rng=[seed, 31 * k + 1])
            out.append((f, parametric_system(f)))
        _CHARTS[start.key] = out
    return _CHARTS[start.key]


@dataclass
class MixedChartCertificate:
    """α-certificates of the endpoints, each in the random chart where it is best
    conditioned, compared in W-space.

    Point i is an approximate zero of chart k_i's (real) system with ``‖x_i − ζ_i‖ ≤ ρ = 2β_i``;
    since ``W = (T M) Bᵀ`` is bilinear, ``‖W(ζ_i) − W_i‖_F ≤ ρ(‖T‖_F‖B‖_F + ‖A‖_F + ‖T‖_F ρ)
    = radius_i``. Disjoint W-balls ⇒ distinct critical points; ``‖Im W_i‖ > radius_i`` ⇒
    non-real; ``B(conj W_i, radius_i)`` meeting no other ball ⇒ real (the conjugate of a critical
    point is one, and the list is complete)."""

    W: np.ndarray  # (P, m, n) complex, working orientation
    radius: np.ndarray
    alpha: np.ndarray
    chart: np.ndarray
    all_approximate_zeros: bool
    distinct: bool
    min_separation_ratio: float
    real: np.ndarray
    nonreal: np.ndarray
    rigorous: bool = False

    @property
    def reality_decided(self) -> bool:
        return bool(np.all(self.real ^ self.nonreal))

    def to_dict(self) -> dict:
        return {
            "kind": "mixed charts, W-space balls",
            "alpha_max": float(np.max(self.alpha)),
            "charts_used": sorted({int(c) for c in self.chart}),
            "radius_max": float(np.max(self.radius)),
            **verdict_fields(self),
        }


def certify_mixed(charts: list[tuple[Formulation, PolySystem, np.ndarray]],
                  n_zeros: int | None = None) -> MixedChartCertificate:
    """Certify points given in several charts ``(form, target system, X)`` (same points, same
    order): each point in the chart of smallest float α (the filter), then proven there in
    ball arithmetic (:func:`dlnscape.algebraic.alpha.rigorous_alpha_data`). The W-space
    radius is an upper bound: ``ρ = 2β`` (proven), norms rounded up, plus a bound on the
    rounding of the float ``W = (T M) Bᵀ`` (Higham 2002, §3.5: ``|fl(AB) − AB| ≤ γ_n |A||B|``).
    Reality by conjugate symmetry needs the list complete: ``len == n_zeros``."""
    P = charts[0][2].shape[0]
    alphas, Ws = [], []
    for f, target, X in charts:
        a = np.full(P, np.inf)
        W = np.full((P, f.m, f.n), np.nan, dtype=complex)
        fin = np.isfinite(X).all(axis=1)
        if fin.any():
            with np.errstate(all="ignore"):
                ad = alpha_data(target, X[fin])
                A, B = f.A_B(X[fin])
                a[fin] = np.where(np.isfinite(ad.alpha), ad.alpha, np.inf)
                W[fin] = A @ np.swapaxes(B, 1, 2)
        alphas.append(a)
        Ws.append(W)
    alphas = np.array(alphas)
    k = np.argmin(alphas, axis=0)
    idx = np.arange(P)
    W = np.array(Ws)[k, idx]
    alpha = np.full(P, np.inf)
    ok = np.zeros(P, dtype=bool)
    rad = np.full(P, np.inf)
    filt = alphas[k, idx] < ALPHA0
    if filt.all():
        for c, (f, target, X) in enumerate(charts):
            sel = np.flatnonzero(k == c)
            if sel.size == 0:
                continue
            rd = rigorous_alpha_data(target, X[sel])
            A, B = f.A_B(X[sel])
            rho = 2.0 * rd.beta
            nT = float(norm_upper(f.T.astype(np.float64).ravel()))
            nM = norm_upper(np.concatenate([np.ones((sel.size, f.r)), X[sel, :len(f.cell.free)]],
                                           axis=1))
            nA = norm_upper(A.reshape(sel.size, -1))
            nB = norm_upper(B.reshape(sel.size, -1))
            # ‖W(ζ) − W(x)‖ ≤ ρ(‖T‖‖B‖ + ‖A‖ + ‖T‖ρ); ‖fl(W) − W(x)‖ ≤ rounding bound
            err = (4 * (f.m + 2) * UNIT_ROUNDOFF * nT * nM * nB
                   + 4 * (f.r + 2) * UNIT_ROUNDOFF * nA * nB)
            r_i = rho * (nT * nB + nA + nT * rho) + err
            rad[sel] = r_i * (1.0 + 16 * UNIT_ROUNDOFF)
            alpha[sel] = rd.alpha
            ok[sel] = rd.certified
    rigorous = bool(filt.all())
    flat = W.reshape(P, -1)
    if rigorous:
        distinct, min_sep, real, nonreal, _complete = ball_verdicts(flat, rad, ok, n_zeros,
                                                                    True)
        distinct = distinct and bool(ok.all())
    else:
        distinct, min_sep = False, 0.0
        real, nonreal = np.zeros(P, bool), np.zeros(P, bool)
        alpha = alphas[k, idx]
    return MixedChartCertificate(W, rad, alpha, k, bool(ok.all()), distinct, min_sep, real,
                                 nonreal, rigorous)


@dataclass
class HomotopySolution:
    X: np.ndarray  # certified endpoints (chart coordinates of ``form``)
    system: PolySystem  # the target system in that chart (real coefficients)
    form: Formulation
    certificate: SolutionCertificate | None
    complete: bool  # N distinct certified zeros with N = generic root count
    n_generic: int
    tracked_ok: int
    iterations: int
    reason: str
    mixed: MixedChartCertificate | None = None  # set when no single chart certifies all
    tracker: str = ""  # "compiled" or "reference" (:func:`track`)


def solve_target(start: StartSystem, qd: QuadraticData, hmax: float = 0.2,
                 tracker: str | None = None) -> HomotopySolution:
    """Track the start solutions of ``start`` to the target ``qd`` and certify the endpoints."""
    return solve_targets(start, [qd], hmax=hmax, tracker=tracker)[0]


def solve_targets(start: StartSystem, qds: list[QuadraticData], hmax: float = 0.2,
                  tracker: str | None = None) -> list[HomotopySolution]:
    """Many targets of one shape at once: all their paths are tracked in one batch (compiled,
    or the vectorised numpy reference with ``tracker="reference"``: :func:`track`), then each
    instance is certified on its own."""
    N = start.form.m * start.form.n
    K = N * N
    P0 = start.X0.shape[0]

    def Gg(p):
        return p[:K].reshape(N, N), p[K:]

    G0, g0 = Gg(start.p0)
    Gc, gc = Gg(start.c)
    p1s, pes = [], []
    for qd in qds:
        G, g = working_data(start.form, qd)
        p1s.append(param_vector(G.astype(np.float64), g.astype(np.float64)))
        pes.append(exact_param_vector(G, g))
    G1 = np.stack([Gg(p)[0] for p in p1s])
    g1 = np.stack([Gg(p)[1] for p in p1s])
    inst = np.repeat(np.arange(len(qds)), P0)
    name = tracker_name(tracker)
    tr = track(start.form, (G0, g0, Gc, gc), G1, g1, np.tile(start.X0, (len(qds), 1)),
               hmax=hmax, tracker=name, inst=inst)
    out = []
    for i, p1 in enumerate(p1s):
        sl = slice(i * P0, (i + 1) * P0)
        hs = _certify(start, p1, tr.X[sl], tr.ok[sl], tr.iterations, pes[i])
        hs.tracker = name
        out.append(hs)
    return out


def _certify(start: StartSystem, p1: np.ndarray, Xc: np.ndarray, ok: np.ndarray,
             iterations: int, p_exact: np.ndarray | None = None) -> HomotopySolution:
    """Certify the endpoints of one target: in the start's chart, else in another random
    chart, else each in its best chart (:func:`certify_mixed`). The certified system is the
    exact one (``p_exact``, integers proportional to ``p1``); without it the float system."""
    n_gen = start.msolve_count
    if not ok.all():
        return HomotopySolution(Xc, start.family.specialize(p1), start.form, None, False, n_gen,
                                int(ok.sum()), iterations,
                                f"{int((~ok).sum())} of {len(ok)} paths failed")
    A, B = start.form.A_B(Xc)
    Xi = np.concatenate([A.reshape(len(Xc), -1), B.reshape(len(Xc), -1)], axis=1)
    cands = []
    for f, fam in chart_families(start):
        X, okc = (Xc, np.ones(len(Xc), bool)) if f is start.form else _to_chart(f, Xi)
        if okc.all():
            cands.append((float(np.max(np.abs(X))), f, fam, X))
    # the start's chart first, then the others by coordinate size (all tried if needed)
    cands = cands[:1] + sorted(cands[1:], key=lambda c: c[0])
    last = None
    for _size, f, fam, X in cands:
        target = fam.specialize(p1, exact_p=p_exact)
        X = target.newton(X, iters=3)
        cert = certify_solutions(target, X, n_zeros=n_gen)
        X = cert.X
        complete = bool(cert.proven and cert.complete and len(X) == n_gen)
        if complete:
            reason = (f"{len(X)} α-certified distinct zeros = generic root count {n_gen} "
                      f"(max α ≤ {cert.alpha.max():.2e} < α0, proven in ball arithmetic), "
                      f"reality decided for all")
            return HomotopySolution(X, target, f, cert, True, n_gen, len(X), iterations, reason)
        bits = []
        if not cert.all_approximate_zeros:
            bits.append(f"{int((~(cert.alpha < ALPHA0)).sum())} endpoints fail the "
                        f"{'rigorous' if cert.rigorous else 'float'} α-test")
        if not cert.distinct:
            bits.append("two endpoints share a zero (path jumping or a singular zero)")
        if not cert.reality_decided:
            bits.append("reality undecided for some endpoint")
        last = HomotopySolution(X, target, f, cert, False, n_gen, len(X), iterations,
                                "; ".join(bits))
    # no single chart holds every endpoint comfortably: each point in its best chart
    charts = []
    for f, fam in chart_families(start):
        X, _okc = (Xc, None) if f is start.form else _to_chart(f, Xi)
        target = fam.specialize(p1, exact_p=p_exact)
        with np.errstate(all="ignore"):
            X = target.newton(X, iters=3)
        charts.append((f, target, X))
    mc = certify_mixed(charts, n_zeros=n_gen)
    if mc.rigorous and mc.all_approximate_zeros and mc.distinct and mc.reality_decided and \
            len(Xc) == n_gen:
        reason = (f"{len(Xc)} α-certified distinct zeros (each in its best of {len(charts)} "
                  f"random charts, compared in W-space) = generic root count {n_gen} "
                  f"(max α ≤ {mc.alpha.max():.2e} < α0, proven in ball arithmetic), reality "
                  f"decided for all")
        last.complete = True
        last.reason = reason
        last.mixed = mc
    return last
