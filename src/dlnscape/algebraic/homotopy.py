"""Parameter homotopy for the critical equations of quadratic losses on M_r (fast path).

The critical equations of :mod:`dlnscape.algebraic.formulation` are *linear* in the parameters
``p = (vec G, g)``: ``f(x; p) = Σ_k p_k f_k(x)``. For one shape and rank we solve a random
start instance ``p0`` once (exactly, by msolve, complex solutions from its parametrisation,
Newton-polished and α-certified) and cache it. Every target ``p1`` is then reached by tracking
only those N = generic-root-count paths along the bent segment

    p(t) = (1 − t) p0 + t p1 + t(1 − t) c,      c a random complex symmetric parameter,

which avoids the (complex, real-codimension-2) discriminant with probability one (the "gamma
trick" of Morgan–Sommese parameter homotopies). Paths are tracked together in numpy (RK4
predictor, Newton corrector, adaptive step per path).

Certificate of an answer (Morgan–Sommese 1989: a square parametric family has at most N
isolated solutions at any parameter, N its generic root count): all N endpoints are
α-certified approximate zeros (:mod:`dlnscape.algebraic.alpha`) with pairwise disjoint balls,
so they are N distinct zeros and therefore *all* isolated zeros in the chart; real ones are
proven real and the others non-real by α-theory. When any of this fails the answer is marked
uncertified and ``critical_points_on_Mr(backend="auto")`` falls back to msolve.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dlnscape.algebraic import msolve as ms
from dlnscape.algebraic.alpha import PolySystem, SolutionCertificate, certify_solutions
from dlnscape.algebraic.formulation import (
    FORMULATION_VERSION,
    Formulation,
    QuadraticData,
    integer_system,
    make_formulation,
    quadratic_data,
    working_data,
)
from dlnscape.errors import SolverError

HOMOTOPY_VERSION = "bent-segment-rk4-v1"
_MEMORY: dict[str, StartSystem] = {}


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


@dataclass
class StartSystem:
    """A solved random start instance of one shape, rank and chart."""

    key: str
    form: Formulation
    family: PolySystem
    p0: np.ndarray  # real, unit norm
    c: np.ndarray  # complex bend
    X0: np.ndarray  # (N, nvars) complex start solutions
    msolve_count: int
    msolve_seconds: float


def _key(shape, r, seed) -> str:
    return f"{shape[0]}x{shape[1]}-r{r}-seed{seed}-{FORMULATION_VERSION}-{HOMOTOPY_VERSION}"


def start_system(shape: tuple[int, int], r: int, seed: int = 0,
                 cache_dir: str | Path | None = None, use_disk: bool = True) -> StartSystem:
    """The cached start system (memory, then disk, else solved now by msolve and stored)."""
    key = _key(shape, r, seed)
    if key in _MEMORY:
        return _MEMORY[key]
    form = make_formulation(shape, r, rng=seed)
    family = parametric_system(form)
    cdir = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    path = cdir / f"start-{key}.npz"
    if use_disk and path.exists():
        try:
            z = np.load(path)
            if np.array_equal(z["T"], form.T):
                st = StartSystem(key, form, family, z["p0"], z["c"], z["X0"],
                                 int(z["msolve_count"]), float(z["msolve_seconds"]))
                _MEMORY[key] = st
                return st
        except (OSError, KeyError, ValueError):
            pass  # a damaged cache file is recomputed below
    st = _solve_start(form, family, key, seed)
    _MEMORY[key] = st
    if use_disk:
        from dlnscape.io import write_atomic

        buf = io.BytesIO()
        np.savez(buf, T=form.T, p0=st.p0, c=st.c, X0=st.X0, msolve_count=st.msolve_count,
                 msolve_seconds=st.msolve_seconds)
        try:
            write_atomic(path, buf.getvalue())
        except OSError:
            pass  # read-only home: keep the in-memory copy
    return st


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
        sys0 = family.specialize(p0)
        X0 = sys0.newton(sol.complex_solutions(), iters=6)
        cert = certify_solutions(sys0, X0)
        if cert.all_approximate_zeros and cert.distinct and len(X0) == sol.n_complex:
            K = p0.size
            crng = np.random.default_rng([seed, 104729])
            Cg = crng.normal(size=(N, N)) + 1j * crng.normal(size=(N, N))
            Cg = Cg + Cg.T
            cg = crng.normal(size=N) + 1j * crng.normal(size=N)
            c = np.concatenate([Cg.ravel(), cg])
            c = c / np.linalg.norm(c) * 0.5
            assert c.size == K
            return StartSystem(key, form, family, p0, c, X0, sol.n_complex, sol.seconds)
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


def _orthonormalize(A: np.ndarray, B: np.ndarray):
    """``A = Q R`` (batched QR): return ``Q``, ``B Rᵀ`` (same W) and the complement of col Q."""
    Qf, Rf = np.linalg.qr(A, mode="complete")
    r = A.shape[-1]
    Q = Qf[..., :r]
    Rr = Rf[..., :r, :]
    return Q, B @ np.swapaxes(Rr, -1, -2), Qf[..., r:]


def track(form: Formulation, Gs: np.ndarray, gs: np.ndarray, X0: np.ndarray,
          h0: float = 0.05, hmax: float = 0.2, hmin: float = 1e-7, tol: float = 1e-6,
          max_iter: int = 2000) -> TrackResult:
    """Track the start solutions ``X0`` (chart coordinates of ``form``) along the parameter
    path ``G(t) = Gs[0] + t Gs[1] + t(1−t) Gs[2]`` (and g likewise) from t = 0 to 1.

    Tracking uses intrinsic coordinates with a moving unitary patch (not the integer chart, whose
    coordinates blow up when a path passes near its boundary): unknowns ``A`` (m×r), ``B``
    (n×r) with the equations ``Rᵀ A = 0``, ``Cᵀ R B = 0``, ``L A = I`` where before every step
    A is orthonormalised, ``L = Aᴴ`` and ``C`` spans ``col(A)^⊥``. Returns endpoints in the
    chart coordinates of ``form`` (for certification on the chart system).
    """
    m, n, r = form.m, form.n, form.r
    T = form.T.astype(complex)
    nv = (m + n) * r
    A, B = form.A_B(np.asarray(X0, dtype=complex))
    A, B, Cp = _orthonormalize(A, B)
    P = A.shape[0]
    Gs = np.asarray(Gs, dtype=complex)  # (3, mn, mn)
    gs = np.asarray(gs, dtype=complex)  # (3, mn)
    # basis directions of (dA, dB)
    dA = np.zeros((nv, m, r))
    dB = np.zeros((nv, n, r))
    for k in range(m * r):
        dA[k].flat[k] = 1.0
    for k in range(n * r):
        dB[m * r + k].flat[k] = 1.0
    eye_r = np.eye(r)

    def evaluate(A, B, Cp, L, t):
        Pn = A.shape[0]
        w = np.einsum("pik,pjk->pij", A, B).reshape(Pn, m * n)
        Gw = np.einsum("cab,pb->pca", Gs, w) - gs[None]  # (P, 3, mn)
        wt = np.stack([np.ones_like(t), t, t * (1 - t)], axis=1)
        R = np.einsum("pca,pc->pa", Gw, wt).reshape(Pn, m, n)
        Rt = (Gw[:, 1] + (1 - 2 * t)[:, None] * Gw[:, 2]).reshape(Pn, m, n)
        Gt = np.einsum("cab,pc->pab", Gs, wt)  # (P, mn, mn)
        CtR = np.einsum("piq,pij->pqj", Cp, R)  # Cᵀ R  (P, m−r, n)
        H = np.concatenate([
            np.einsum("pij,pik->pjk", R, A).reshape(Pn, -1),
            (CtR @ B).reshape(Pn, -1),
            (L @ A - eye_r).reshape(Pn, -1),
        ], axis=1)
        Htv = np.concatenate([
            np.einsum("pij,pik->pjk", Rt, A).reshape(Pn, -1),
            (np.einsum("piq,pij->pqj", Cp, Rt) @ B).reshape(Pn, -1),
            np.zeros((Pn, r * r)),
        ], axis=1)
        dW = (np.einsum("vik,pjk->pvij", dA, B) + np.einsum("pik,vjk->pvij", A, dB))
        dR = np.einsum("pab,pvb->pva", Gt, dW.reshape(Pn, nv, m * n)).reshape(Pn, nv, m, n)
        J1 = np.einsum("pvij,pik->pvjk", dR, A) + np.einsum("pij,vik->pvjk", R, dA)
        J2 = (np.einsum("piq,pvij->pvqj", Cp, dR) @ B[:, None]) + CtR[:, None] @ dB[None]
        J3 = np.einsum("pki,vil->pvkl", L, dA)
        J = np.concatenate([J1.reshape(Pn, nv, -1), J2.reshape(Pn, nv, -1),
                            J3.reshape(Pn, nv, -1)], axis=2)
        return H, np.swapaxes(J, 1, 2), Htv

    def split(x):
        return x[:, : m * r].reshape(-1, m, r), x[:, m * r :].reshape(-1, n, r)

    def join(A, B):
        return np.concatenate([A.reshape(A.shape[0], -1), B.reshape(B.shape[0], -1)], axis=1)

    X = join(A, B)
    Cs = Cp
    t = np.zeros(P)
    h = np.full(P, h0)
    ok = np.zeros(P, dtype=bool)
    failed = np.zeros(P, dtype=bool)
    succ = np.zeros(P, dtype=int)
    it = 0
    steps = 0
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

        def vel(xx, ts, Ca=Ca, La=La):
            a_, b_ = split(xx)
            _, J, Ht = evaluate(a_, b_, Ca, La, ts)
            return -np.linalg.solve(J, Ht[..., None])[..., 0]

        with np.errstate(all="ignore"):
            try:
                k1 = vel(x, tt)
                k2 = vel(x + 0.5 * hh[:, None] * k1, tt + 0.5 * hh)
                k3 = vel(x + 0.5 * hh[:, None] * k2, tt + 0.5 * hh)
                k4 = vel(x + hh[:, None] * k3, tt + hh)
                xp = x + (hh[:, None] / 6.0) * (k1 + 2 * k2 + 2 * k3 + k4)
                tn = np.where(tt + hh >= 1.0 - 1e-13, 1.0, tt + hh)
                scale = 1.0 + np.linalg.norm(xp, axis=1)
                a_, b_ = split(xp)
                H, J, _ = evaluate(a_, b_, Ca, La, tn)
                d1 = np.linalg.solve(J, H[..., None])[..., 0]
                xp = xp - d1
                a_, b_ = split(xp)
                H, J, _ = evaluate(a_, b_, Ca, La, tn)
                d2 = np.linalg.solve(J, H[..., None])[..., 0]
                xp = xp - d2
                n1 = np.linalg.norm(d1, axis=1) / scale
                n2 = np.linalg.norm(d2, axis=1) / scale
            except np.linalg.LinAlgError:
                n1 = np.full(act.size, np.inf)
                n2 = n1
                xp = x
                tn = tt
        # accept: a small first correction and a second one at noise level or showing
        # quadratic contraction (guards against jumping to a neighbouring path)
        good = np.isfinite(n1) & (n1 < 1e-3) & (n2 < np.maximum(tol, 1e-3 * n1))
        ia, ib = act[good], act[~good]
        X[ia] = xp[good]
        t[ia] = tn[good]
        succ[ia] += 1
        grow = succ[ia] >= 2
        h[ia[grow]] = np.minimum(h[ia[grow]] * 2.0, hmax)
        succ[ia[grow]] = 0
        h[ib] *= 0.5
        succ[ib] = 0
        failed[ib[h[ib] < hmin]] = True
        ok[ia[t[ia] >= 1.0]] = True
        steps += int(good.sum())
    del Cs
    # back to the chart of ``form``: K = T⁻¹A, M = K K_top⁻¹, B_T = B K_topᵀ
    A, B = split(X)
    K = np.linalg.solve(T[None], A)
    Ktop = K[:, :r, :]
    with np.errstate(all="ignore"):
        try:
            M = K @ np.linalg.inv(Ktop)
            BT = B @ np.swapaxes(Ktop, 1, 2)
            Xc = np.concatenate([M[:, r:, :].reshape(P, -1), BT.reshape(P, -1)], axis=1)
        except np.linalg.LinAlgError:
            Xc = np.full((P, form.nvars), np.nan, dtype=complex)
    ok &= np.isfinite(Xc).all(axis=1)
    return TrackResult(Xc, ok, steps, it, t, h)


@dataclass
class HomotopySolution:
    X: np.ndarray  # certified endpoints (chart coordinates)
    system: PolySystem  # the target system (real coefficients)
    certificate: SolutionCertificate | None
    complete: bool  # N distinct certified zeros with N = generic root count
    n_generic: int
    tracked_ok: int
    iterations: int
    reason: str


def solve_target(start: StartSystem, qd: QuadraticData, hmax: float = 0.2) -> HomotopySolution:
    """Track the start solutions of ``start`` to the target ``qd`` and certify the endpoints."""
    G, g = working_data(start.form, qd)
    p1 = param_vector(G.astype(np.float64), g.astype(np.float64))
    target = start.family.specialize(p1)
    N = start.form.m * start.form.n
    K = N * N

    def Gg(p):
        return p[:K].reshape(N, N), p[K:]

    (G0, g0), (G1, g1), (Gc, gc) = Gg(start.p0), Gg(p1), Gg(start.c)
    Gs = np.stack([G0, G1 - G0, Gc])
    gs = np.stack([g0, g1 - g0, gc])
    tr = track(start.form, Gs, gs, start.X0, hmax=hmax)
    n_gen = start.msolve_count
    if not tr.ok.all():
        return HomotopySolution(tr.X, target, None, False, n_gen, int(tr.ok.sum()), tr.iterations,
                                f"{int((~tr.ok).sum())} of {len(tr.ok)} paths failed")
    X = target.newton(tr.X, iters=2)
    cert = certify_solutions(target, X)
    complete = bool(cert.all_approximate_zeros and cert.distinct and len(X) == n_gen
                    and cert.reality_decided)
    if complete:
        reason = (f"{len(X)} α-certified distinct zeros = generic root count {n_gen} "
                  f"(max α = {cert.alpha.max():.2e} < α0), reality decided for all")
    else:
        bits = []
        if not cert.all_approximate_zeros:
            bits.append(f"{int((cert.alpha >= 0.1577).sum())} endpoints fail the α-test")
        if not cert.distinct:
            bits.append("two endpoints share a zero (path jumping or a singular zero)")
        if not cert.reality_decided:
            bits.append("reality undecided for some endpoint")
        reason = "; ".join(bits)
    return HomotopySolution(X, target, cert, complete, n_gen, int(tr.ok.sum()), tr.iterations,
                            reason)
