"""All complex critical points of a quadratic loss on the smooth part of M_r, certified.

``critical_points_on_Mr(loss, r)`` enumerates every complex critical point of
``l(W) = ‖φ · vec(W − Q0)‖²`` (Trager et al. 2020, Ex 13 / Experiment 1; no ½) or of the
squared loss on the rank-r matrices, says which are real, and classifies the real ones by the
inertia of the Riemannian Hessian in orthonormal coordinates (004 Thm 12's index; the Hessian
of :func:`dlnscape.geometry.manifold.riemannian_hessian`).

Backends:
* ``"msolve"`` (reference, exact): Gröbner basis + rational parametrisation + real root
  isolation of the critical equations in a random integer chart (big Schubert cell), plus a
  proof that the smaller cells hold no critical point (msolve answers "no solution"), so no
  critical point is lost to the chart. Counts are exact.
* ``"homotopy"`` (fast, many instances of one shape): parameter homotopy from a cached start
  system, endpoints certified by α-theory (see :mod:`dlnscape.algebraic.homotopy`).
* ``"phc"`` (cross-check): PHCpack's blackbox solver, polished and deduplicated here.
* ``"auto"``: the homotopy when its answer is certified, else msolve (and, when msolve's
  points fail the criticality check, the homotopy from another start).

Every real point a backend returns is refined when needed and checked critical on M_r:
``‖grad_{M_r} l(W)‖ ≤ GRAD_CHECK_ULPS · u · (m n) · (‖∇l(W)‖ + ‖∇l(0)‖ + ‖∇²l‖ ‖W‖)``
(:func:`criticality_check`, relative to the problem's scale); a point that fails makes the
answer uncertified.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from dlnscape.algebraic import msolve as ms
from dlnscape.algebraic.alpha import PolySystem, certify_solutions
from dlnscape.algebraic.formulation import (
    Formulation,
    cells,
    integer_system,
    make_formulation,
    quadratic_data,
    random_basis,
)
from dlnscape.errors import LossError, SolverError
from dlnscape.geometry.manifold import (
    riemannian_gradient,
    riemannian_hessian,
    stratum_frame,
    tangent_basis,
)

BACKENDS = ("auto", "msolve", "homotopy", "phc")
#: eigenvalues of the Riemannian Hessian below this (relative to its norm) are "zero"
HESSIAN_ZERO_RTOL = 1e-9
#: σ_r(W)/σ_1(W) below this: the solution is rank-deficient (not on the smooth part)
RANK_RTOL = 1e-10
#: a returned real critical point passes the criticality check when
#: ‖grad_{M_r} l(W)‖ ≤ GRAD_CHECK_ULPS · u · (m n) · scale(W) (see :func:`gradient_scale`)
GRAD_CHECK_ULPS = 64.0
_U = float(np.finfo(np.float64).eps) / 2.0


@dataclass
class CriticalPointOnMr:
    """A real critical point of l on the rank-r stratum with its index (evidence attached)."""

    W: np.ndarray
    value: float
    index: int | None  # number of negative Riemannian-Hessian eigenvalues; None if degenerate
    hessian_eigenvalues: np.ndarray
    riemannian_gradient_norm: float
    singular_values: np.ndarray

    @property
    def is_local_minimum(self) -> bool | None:
        return None if self.index is None else self.index == 0

    def to_dict(self) -> dict:
        return {
            "W": self.W.tolist(),
            "value": self.value,
            "index": self.index,
            "is_local_minimum": self.is_local_minimum,
            "hessian_eigenvalues": self.hessian_eigenvalues.tolist(),
            "riemannian_gradient_norm": self.riemannian_gradient_norm,
            "singular_values": self.singular_values.tolist(),
        }


@dataclass
class CriticalPointsOnMr:
    """Every complex critical point of l on the smooth part of M_r; the real ones classified.

    ``points`` are the real critical points sorted by loss value; ``complex_W`` holds all
    ``n_complex`` of them (complex matrices, real ones included).
    """

    shape: tuple[int, int]
    r: int
    n_complex: int
    n_real: int
    n_local_minima: int
    points: list[CriticalPointOnMr]
    complex_W: np.ndarray
    backend: str
    backend_version: str
    seconds: float
    certified: bool
    certification: str
    n_rank_deficient: int = 0
    n_outside_chart: int = 0
    n_undetermined_index: int = 0
    fallback: str | None = None
    evidence: dict = field(default_factory=dict)

    @property
    def local_minima(self) -> list[CriticalPointOnMr]:
        return [p for p in self.points if p.index == 0]

    @property
    def indices(self) -> list[int | None]:
        return [p.index for p in self.points]

    def to_dict(self) -> dict:
        return {
            "shape": list(self.shape),
            "r": self.r,
            "n_complex": self.n_complex,
            "n_real": self.n_real,
            "n_local_minima": self.n_local_minima,
            "n_rank_deficient": self.n_rank_deficient,
            "n_outside_chart": self.n_outside_chart,
            "n_undetermined_index": self.n_undetermined_index,
            "backend": self.backend,
            "backend_version": self.backend_version,
            "seconds": self.seconds,
            "certified": self.certified,
            "certification": self.certification,
            "fallback": self.fallback,
            "points": [p.to_dict() for p in self.points],
            "local_minima_values": [p.value for p in self.local_minima],
            "complex_W_real": self.complex_W.real.tolist(),
            "complex_W_imag": self.complex_W.imag.tolist(),
            "evidence": self.evidence,
        }


# ------------------------------------------------------------------------------------------
def classify_real_point(loss, W: np.ndarray, r: int) -> CriticalPointOnMr:
    """Value and index of a real critical point W of rank r (orthonormal coordinates)."""
    frame = stratum_frame(W, rank=r)
    Hm = riemannian_hessian(loss, W, frame)
    ev = np.linalg.eigvalsh(Hm)
    scale = max(float(np.max(np.abs(ev))), 1e-300)
    zero = np.abs(ev) <= HESSIAN_ZERO_RTOL * scale
    index = None if zero.any() else int(np.sum(ev < 0))
    gnorm = float(np.linalg.norm(riemannian_gradient(loss, W, frame)))
    return CriticalPointOnMr(W, float(loss.value(W)), index, ev, gnorm,
                             np.linalg.svd(W, compute_uv=False))


def gradient_scale(loss, W: np.ndarray, hessian_norm: float | None = None,
                   grad_W: np.ndarray | None = None, grad_0_norm: float | None = None) -> float:
    """The size of the terms whose cancellation is ∇l(W) for a quadratic loss:
    ``‖∇l(W)‖ + ‖∇l(0)‖ + ‖∇²l‖₂ ‖W‖`` (the rounding of W's entries alone moves ∇l by up to
    ``‖∇²l‖₂ · u‖W‖``). Scales with the data and with the loss (tolerance policy of
    DESIGN.md: relative, never absolute). The optional arguments pass values already known."""
    W = np.asarray(W, dtype=np.float64)
    if hessian_norm is None:
        hessian_norm = float(np.linalg.norm(loss.hessian_matrix(W), 2))
    if grad_W is None:
        grad_W = loss.grad(W)
    if grad_0_norm is None:
        grad_0_norm = float(np.linalg.norm(loss.grad(np.zeros_like(W))))
    return float(np.linalg.norm(grad_W) + grad_0_norm + hessian_norm * np.linalg.norm(W))


def criticality_check(loss, W: np.ndarray, r: int, hessian_norm: float | None = None,
                      grad_0_norm: float | None = None) -> tuple[bool, float, float]:
    """``(passed, ‖grad_{M_r} l(W)‖, tolerance)``: the Riemannian gradient on the rank-r
    stratum (:func:`dlnscape.geometry.manifold.riemannian_gradient`) against
    ``GRAD_CHECK_ULPS · u · (m n) · gradient_scale``."""
    W = np.asarray(W, dtype=np.float64)
    if not np.all(np.isfinite(W)):
        return False, float("inf"), 0.0
    gn = float(np.linalg.norm(riemannian_gradient(loss, W, stratum_frame(W, rank=r))))
    tol = GRAD_CHECK_ULPS * _U * W.size * gradient_scale(loss, W, hessian_norm,
                                                          grad_0_norm=grad_0_norm)
    return bool(gn <= tol), gn, tol


def refine_on_Mr(loss, W: np.ndarray, r: int, iters: int = 8,
                 hessian_norm: float | None = None) -> np.ndarray:
    """Riemannian Newton on the rank-r stratum, chart-free: solve ``Hess ξ = −grad`` in the
    orthonormal tangent basis and retract by the truncated SVD (a second-order retraction,
    Absil–Malick 2012, SIAM J. Optim. 22(1)); stops when the gradient no longer decreases."""
    W = np.asarray(W, dtype=np.float64)
    best, best_g = W, np.inf
    for _ in range(iters):
        frame = stratum_frame(W, rank=r)
        B = tangent_basis(frame)
        g = B.reshape(B.shape[0], -1) @ loss.grad(W).ravel()
        gn = float(np.linalg.norm(g))
        if not gn < best_g:
            break
        best, best_g = W, gn
        H = riemannian_hessian(loss, W, frame)
        xi = np.linalg.lstsq(H, -g, rcond=None)[0]
        V = np.tensordot(xi, B, axes=(0, 0))
        U_, s_, Vt_ = np.linalg.svd(W + V)
        W = (U_[:, :r] * s_[:r]) @ Vt_[:r]
    return best


def checked_real_points(loss, r: int, Wr: list[np.ndarray]
                        ) -> tuple[list[CriticalPointOnMr], dict]:
    """Classify the real points after the criticality check; a point that fails is refined
    (:func:`refine_on_Mr`) and checked again. The final points must be pairwise distinct
    (relative distance above √u: two starts refined onto one critical point would lose one).
    Returns the classified points and a report (``failed`` > 0: the answer is not proven)."""
    hn = g0 = None
    pts, ratios, failed, refined, notes = [], [], 0, 0, []
    for W in Wr:
        W = np.real(np.asarray(W))
        if hn is None:
            hn = float(np.linalg.norm(loss.hessian_matrix(W), 2))
            g0 = float(np.linalg.norm(loss.grad(np.zeros_like(W))))
        p = classify_real_point(loss, W, r)  # computes the Riemannian gradient norm
        gn = p.riemannian_gradient_norm
        tol = GRAD_CHECK_ULPS * _U * W.size * gradient_scale(loss, W, hn, grad_0_norm=g0)
        ok = bool(np.isfinite(gn) and gn <= tol)
        if not ok:
            W2 = refine_on_Mr(loss, W, r, hessian_norm=hn)
            ok2, gn2, tol2 = criticality_check(loss, W2, r, hn, g0)
            refined += 1
            if ok2:
                p, ok, gn, tol = classify_real_point(loss, W2, r), True, gn2, tol2
            else:
                notes.append(f"‖grad‖ = {gn:.3g} → {gn2:.3g} after refinement (tolerance "
                             f"{tol2:.3g})")
        failed += int(not ok)
        ratios.append(gn / tol if tol > 0 else float("inf"))
        pts.append(p)
    n_same = 0
    for i in range(len(pts)):
        for j in range(i):
            Wi, Wj = pts[i].W, pts[j].W
            if np.linalg.norm(Wi - Wj) <= np.sqrt(_U) * (np.linalg.norm(Wi) + np.linalg.norm(Wj)):
                n_same += 1
    if n_same:
        failed += n_same
        notes.append(f"{n_same} pair(s) of returned real points coincide after refinement")
    pts.sort(key=lambda p: p.value)
    return pts, {"n_checked": len(pts), "n_refined": refined, "n_failed": failed,
                 "max_gradient_over_tolerance": max(ratios, default=0.0),
                 "tolerance": f"{GRAD_CHECK_ULPS:g} u (m n) (‖∇l(W)‖ + ‖∇l(0)‖ + ‖∇²l‖ ‖W‖)",
                 "failures": notes}


def _criticality_verdict(res: CriticalPointsOnMr, report: dict) -> None:
    res.evidence["criticality_check"] = report
    if report["n_failed"]:
        res.certified = False
        res.certification = (f"NOT certified: {report['n_failed']} returned real point(s) fail "
                             f"the criticality check on M_r ({'; '.join(report['failures'])})."
                             f" " + res.certification)


def _real_newton(system: PolySystem, X: np.ndarray, iters: int = 4) -> np.ndarray:
    rs = PolySystem(system.exps, system.coef.real)
    return rs.newton(np.asarray(X, dtype=np.float64), iters=iters)


def _rank_ok(form: Formulation, X: np.ndarray) -> np.ndarray:
    """True where W(x) has rank r (σ_r/σ_1 above RANK_RTOL)."""
    if X.shape[0] == 0:
        return np.zeros(0, dtype=bool)
    s = np.linalg.svd(form.W_work(X), compute_uv=False)
    return s[:, form.r - 1] > RANK_RTOL * np.maximum(s[:, 0], 1e-300)


def _assemble(loss, form: Formulation, r: int, Xc: np.ndarray, Xr: np.ndarray, backend: str,
              version: str, seconds: float, certified: bool, text: str, **kw) -> CriticalPointsOnMr:
    okc = _rank_ok(form, Xc)
    okr = _rank_ok(form, Xr)
    Wc = form.W(Xc[okc]) if Xc.shape[0] else np.zeros((0,) + tuple(loss.shape), dtype=complex)
    pts, report = checked_real_points(loss, r, [np.real(form.W(x)) for x in Xr[okr]])
    n_undet = sum(p.index is None for p in pts)
    n_min = sum(p.index == 0 for p in pts)
    n_def = int((~okc).sum())
    res = CriticalPointsOnMr(
        tuple(loss.shape), r, int(okc.sum()), len(pts), n_min, pts, Wc, backend, version,
        seconds, certified, text, n_rank_deficient=n_def, n_undetermined_index=n_undet, **kw)
    _criticality_verdict(res, report)
    return res


# ------------------------------------------------------------------------------------------
def _solve_msolve(loss, r: int, rng, timeout: float, T=None) -> CriticalPointsOnMr:
    t0 = time.perf_counter()
    qd = quadratic_data(loss)
    form = make_formulation(qd.shape, r, rng=rng, T=T)
    names = form.names
    polys = integer_system(form, qd)
    sol = ms.solve(polys, names, timeout=timeout)
    version = ms.msolve_version()
    if sol.status == "positive_dimensional":
        return CriticalPointsOnMr(
            tuple(loss.shape), r, 0, 0, 0, [], np.zeros((0,) + tuple(loss.shape), complex),
            "msolve", version, time.perf_counter() - t0, False,
            "msolve: the critical equations have a positive-dimensional solution set in the "
            "chart (non-generic instance): the critical set is not finite, nothing enumerated",
            evidence={"status": sol.status})
    # the integer equations themselves (each a rescaled critical equation: same zeros, same
    # Newton iterates, same α-data) are the exact system the α-certificate is about
    fsys = PolySystem.from_polys(polys, form.nvars, exact=True)
    Xc = fsys.newton(sol.complex_solutions(), iters=4) if sol.n_complex else np.zeros(
        (0, form.nvars), complex)
    Xr = _real_newton(fsys, sol.real_midpoints()) if sol.n_real else np.zeros((0, form.nvars))
    # lower Schubert cells: critical points the chart would miss
    extra_c, extra_r, cell_report = [], [], []
    for cell in cells(form.m, r)[1:]:
        fc = Formulation(form.m, form.n, r, form.T, cell, form.transposed)
        sc = ms.solve(integer_system(fc, qd), fc.names, timeout=timeout)
        cell_report.append({"pivots": list(cell.pivots), "status": sc.status,
                            "n_complex": sc.n_complex})
        if sc.status == "zero_dimensional" and sc.n_complex:
            csys = PolySystem.from_polys(integer_system(fc, qd), fc.nvars, exact=True)
            xc = csys.newton(sc.complex_solutions(), iters=4)
            extra_c.append(fc.W_work(xc))
            if sc.n_real:
                extra_r.append(fc.W_work(_real_newton(csys, sc.real_midpoints()).astype(complex)))
        elif sc.status == "positive_dimensional":
            cell_report[-1]["note"] = "positive-dimensional: critical set not finite"
    n_out = sum(e.shape[0] for e in extra_c)
    if n_out:  # express those points through the big cell of a fresh chart-free route: W
        Wc_all = np.concatenate([form.W_work(Xc)] + extra_c)
        Wr_all = np.concatenate([form.W_work(Xr.astype(complex))] + extra_r) if (
            Xr.shape[0] or extra_r) else np.zeros((0, form.m, form.n), complex)
        exact = all(c["status"] != "positive_dimensional" for c in cell_report)
        return _assemble_from_W(
            loss, form, r, Wc_all, Wr_all, "msolve", version, time.perf_counter() - t0, exact,
            f"msolve (exact): {sol.n_complex} solutions in the big Schubert cell of the random "
            f"integer basis and {n_out} more in smaller cells (each cell solved exactly; the "
            f"cells partition the Grassmannian, so the union is complete)"
            + ("" if exact else "; a cell has a positive-dimensional solution set"),
            n_out, cell_report, sol)
    cert = all(c["status"] == "empty" for c in cell_report)
    text = (
        f"msolve (exact): {sol.n_complex} distinct complex solutions (degree of the eliminating "
        f"polynomial of the rational parametrisation; {sol.multiplicity_degree} with "
        f"multiplicity) and {sol.n_real} real ones (isolating boxes) in the big Schubert cell "
        f"of a random integer basis; the {len(cell_report)} smaller cells hold no critical "
        f"point (msolve: no solution), so none is lost to the chart. Rank exactly r and the "
        f"Hessian inertia are decided in float64 on Newton-polished points (evidence attached)."
    )
    if not cert:
        text = "msolve: a smaller Schubert cell could not be proven empty; " + text
    if sol.multiplicity_degree != sol.n_complex:
        text += " Some solutions are multiple (degenerate critical points)."
    ccert = _certify_in_some_chart(form, qd, Xc, fsys, sol.n_complex) if Xc.shape[0] else None
    if ccert is not None and ccert.proven and ccert.complete and \
            int(ccert.real.sum()) != sol.n_real:
        cert = False
        text = (f"NOT certified: α-theory proves {int(ccert.real.sum())} real points but msolve "
                f"isolated {sol.n_real} real roots. " + text)
    res = _assemble(loss, form, r, Xc, Xr, "msolve", version, time.perf_counter() - t0, cert,
                    text, evidence={"cells": cell_report, "msolve_seconds": sol.seconds,
                                    "complex_points_alpha": None if ccert is None
                                    else ccert.to_dict(),
                                    "multiplicity_degree": sol.multiplicity_degree,
                                    "chart_T": form.T.tolist()})
    if res.n_rank_deficient:
        res.certification += f" {res.n_rank_deficient} solution(s) of rank < r set apart."
    return res


def _certify_in_some_chart(form: Formulation, qd, Xc: np.ndarray, fsys: PolySystem,
                           n_zeros: int, extra: int = 3):
    """α-certify the complex points (as distinct zeros, real/non-real; proven in ball
    arithmetic on the exact integer system) in the chart of ``form`` or, when a point is
    badly conditioned there (near the chart's boundary), in one of ``extra`` other random
    integer charts. ``n_zeros``: msolve's exact count of distinct solutions (completeness
    for the reality argument). Returns the first complete certificate, else the chart's own."""
    first = certify_solutions(fsys, Xc, n_zeros=n_zeros)
    if first.proven:
        return first
    Ws = form.W_work(Xc)
    for k in range(1, extra + 1):
        f = Formulation(form.m, form.n, form.r, random_basis(form.m, [17, k]), form.cell,
                        form.transposed)
        sys_k = PolySystem.from_polys(integer_system(f, qd), f.nvars, exact=True)
        Wk = np.swapaxes(Ws, 1, 2) if form.transposed else Ws
        with np.errstate(all="ignore"):
            X = sys_k.newton(np.array([f.x_from_W(W) for W in Wk]), iters=4)
        c = certify_solutions(sys_k, X, n_zeros=n_zeros)
        if c.proven:
            return c
    return first


def _assemble_from_W(loss, form, r, Wc, Wr, backend, version, seconds, certified, text, n_out,
                     cell_report, sol) -> CriticalPointsOnMr:
    s = np.linalg.svd(Wc, compute_uv=False)
    okc = s[:, r - 1] > RANK_RTOL * np.maximum(s[:, 0], 1e-300)
    Wc_c = Wc[okc]
    if form.transposed:
        Wc_c = np.swapaxes(Wc_c, 1, 2)
    keep = []
    for W in Wr:
        W = np.real(W.T if form.transposed else W)
        if np.linalg.svd(W, compute_uv=False)[r - 1] > RANK_RTOL * np.linalg.norm(W, 2):
            keep.append(W)
    pts, report = checked_real_points(loss, r, keep)
    res = CriticalPointsOnMr(
        tuple(loss.shape), r, int(okc.sum()), len(pts), sum(p.index == 0 for p in pts), pts,
        Wc_c, backend, version, seconds, certified, text, n_rank_deficient=int((~okc).sum()),
        n_outside_chart=n_out, n_undetermined_index=sum(p.index is None for p in pts),
        evidence={"cells": cell_report, "msolve_seconds": sol.seconds})
    _criticality_verdict(res, report)
    return res


def _homotopy_result(loss, r: int, hs, start, seconds: float) -> CriticalPointsOnMr:
    from dlnscape.algebraic import homotopy as hm

    version = f"dlnscape homotopy {hm.HOMOTOPY_VERSION} (start: msolve)"
    if hs.certificate is None:
        return CriticalPointsOnMr(
            tuple(loss.shape), r, 0, 0, 0, [], np.zeros((0,) + tuple(loss.shape), complex),
            "homotopy", version, seconds, False,
            f"homotopy: not certified ({hs.reason})", evidence={"reason": hs.reason})
    form = hs.form
    if hs.mixed is not None:
        return _homotopy_result_mixed(loss, r, hs, start, seconds, version)
    cert = hs.certificate
    X = hs.X
    Xr = _real_newton(hs.system, X[cert.real].real) if cert.real.any() else np.zeros(
        (0, form.nvars))
    text = (
        f"homotopy + α-theory: {hs.reason}. Completeness: {hs.n_generic} = the generic root "
        f"count of the chart system (msolve on the random start instance), and no parameter "
        f"value has more isolated zeros (Morgan–Sommese). α-theory proven in ball arithmetic "
        f"(python-flint) on the exact integer system, all derivative orders; every real point "
        f"checked critical on M_r; Hessian inertia in float64 (evidence attached)."
        if hs.complete else f"homotopy: NOT certified: {hs.reason}"
    )
    res = _assemble(loss, form, r, X, Xr, "homotopy", version, seconds, hs.complete, text,
                    evidence={"certificate": cert.to_dict(), "iterations": hs.iterations,
                              "paths": int(len(X)), "start_key": start.key,
                              "chart_T": form.T.tolist(),
                              "start_msolve_seconds": start.msolve_seconds,
                              "faster_than_msolve_on_start": seconds < start.msolve_seconds})
    if res.n_rank_deficient:
        res.certified = False
        res.certification += f" {res.n_rank_deficient} endpoint(s) of rank < r."
    return res


def _homotopy_result_mixed(loss, r, hs, start, seconds, version) -> CriticalPointsOnMr:
    mc = hs.mixed
    W = np.swapaxes(mc.W, 1, 2) if hs.form.transposed else mc.W
    s = np.linalg.svd(W, compute_uv=False)
    okc = s[:, r - 1] > RANK_RTOL * np.maximum(s[:, 0], 1e-300)
    pts, report = checked_real_points(loss, r, [np.real(w) for w in W[mc.real & okc]])
    text = (
        f"homotopy + α-theory: {hs.reason}. Completeness: {hs.n_generic} = the generic root "
        f"count (msolve on the random start instance), and no parameter value has more "
        f"isolated critical points (Morgan–Sommese). α-theory proven in ball arithmetic; "
        f"every real point checked critical on M_r; Hessian inertia in float64 (evidence "
        f"attached)."
    )
    res = CriticalPointsOnMr(
        tuple(loss.shape), r, int(okc.sum()), len(pts), sum(p.index == 0 for p in pts), pts,
        W[okc], "homotopy", version, seconds, bool(okc.all()), text,
        n_rank_deficient=int((~okc).sum()),
        n_undetermined_index=sum(p.index is None for p in pts),
        evidence={"certificate": mc.to_dict(), "iterations": hs.iterations,
                  "paths": int(len(W)), "start_key": start.key})
    _criticality_verdict(res, report)
    return res


def _solve_homotopy_many(losses: list, r: int, seed: int, cache_dir) -> list[CriticalPointsOnMr]:
    """Homotopy answers for losses of one shape, tracked in one batch; uncertified instances
    are retried once (in a batch) with shorter steps."""
    from dlnscape.algebraic import homotopy as hm

    t0 = time.perf_counter()
    qds = [quadratic_data(L) for L in losses]
    start = hm.start_system(qds[0].shape, r, seed=seed, cache_dir=cache_dir)
    hss = hm.solve_targets(start, qds)
    bad = [i for i, h in enumerate(hss) if not h.complete]
    if bad:
        retry = hm.solve_targets(start, [qds[i] for i in bad], hmax=0.05)
        for i, h in zip(bad, retry, strict=True):
            if h.complete or hss[i].certificate is None:
                hss[i] = h
    per = (time.perf_counter() - t0) / len(losses)
    return [_homotopy_result(L, r, h, start, per) for L, h in zip(losses, hss, strict=True)]


def _solve_homotopy(loss, r: int, seed: int, cache_dir) -> CriticalPointsOnMr:
    return _solve_homotopy_many([loss], r, seed, cache_dir)[0]


def critical_points_on_Mr_many(losses, r: int, backend: str = "auto", rng=0,
                               timeout: float = 600.0, cache_dir=None
                               ) -> list[CriticalPointsOnMr]:
    """:func:`critical_points_on_Mr` for many losses; with the homotopy (``"homotopy"`` or
    ``"auto"``) all instances of one shape are tracked in one vectorised batch, which is where
    the fast path is fast (Table 2). ``seconds`` of a batched answer is the batch time divided
    by the batch size. In ``"auto"`` mode uncertified instances are re-solved by msolve."""
    losses = list(losses)
    if backend in ("msolve", "phc"):
        return [critical_points_on_Mr(L, r, backend, rng, timeout, cache_dir) for L in losses]
    if backend not in BACKENDS:
        raise SolverError(f"backend: expected one of {BACKENDS}, got {backend!r}")
    for L in losses:
        _check_loss(L, r)
    seed = int(rng) if isinstance(rng, (int, np.integer)) else 0
    out: list[CriticalPointsOnMr | None] = [None] * len(losses)
    groups: dict[tuple[int, int], list[int]] = {}
    for i, L in enumerate(losses):
        groups.setdefault(tuple(L.shape), []).append(i)
    for idx in groups.values():
        try:
            res = _solve_homotopy_many([losses[i] for i in idx], int(r), seed, cache_dir)
        except SolverError as e:
            if backend != "auto":
                raise
            res = [CriticalPointsOnMr(
                tuple(losses[i].shape), int(r), 0, 0, 0, [],
                np.zeros((0,) + tuple(losses[i].shape), complex), "homotopy", "", 0.0, False,
                f"homotopy: no start system ({e})") for i in idx]
        for i, rr in zip(idx, res, strict=True):
            if backend == "auto" and not rr.certified:
                t0 = time.perf_counter()
                m = _msolve_fallback(losses[i], int(r), rng, timeout, seed, cache_dir,
                                     rr.certification)
                m.seconds = rr.seconds + (time.perf_counter() - t0)
                rr = m
            out[i] = rr
    return out  # type: ignore[return-value]


def _check_loss(loss, r) -> None:
    from dlnscape.losses import DistanceLoss, SquaredLoss

    if not isinstance(loss, (DistanceLoss, SquaredLoss)):
        raise LossError(
            f"loss: expected a DistanceLoss or SquaredLoss, got {type(loss).__name__}")
    if isinstance(r, bool) or not isinstance(r, (int, np.integer)):
        raise LossError(f"r: expected an integer rank, got {r!r}")
    make_formulation(tuple(loss.shape), int(r))  # validates r


def critical_points_on_Mr(loss, r: int, backend: str = "auto", rng=0, timeout: float = 600.0,
                          cache_dir=None) -> CriticalPointsOnMr:
    """Every complex critical point of ``loss`` on the smooth part of ``M_r``, certified.

    ``loss`` is a :class:`dlnscape.DistanceLoss` (any φ) or :class:`dlnscape.SquaredLoss`.
    ``backend``: ``"auto"`` (homotopy when certified, else msolve), ``"msolve"``,
    ``"homotopy"`` or ``"phc"``. ``rng`` seeds the random chart (and the homotopy's start).
    Trager et al. 2020, Ex 13 (39 complex critical points for 3×3 rank one and generic φ) and
    Thm 12 (C(min(m,n), r) for φ = I).
    """
    if backend not in BACKENDS:
        raise SolverError(f"backend: expected one of {BACKENDS}, got {backend!r}")
    _check_loss(loss, r)
    r = int(r)
    seed = int(rng) if isinstance(rng, (int, np.integer)) else 0
    if backend == "msolve":
        return _solve_msolve(loss, r, rng, timeout)
    if backend == "phc":
        from dlnscape.algebraic.phc import solve_phc

        return solve_phc(loss, r, rng=rng, timeout=timeout)
    if backend == "homotopy":
        return _solve_homotopy(loss, r, seed, cache_dir)
    t0 = time.perf_counter()
    try:
        res = _solve_homotopy(loss, r, seed, cache_dir)
    except SolverError as e:
        res = None
        why = str(e)
    else:
        why = res.certification
    if res is not None and res.certified:
        return res
    out = _msolve_fallback(loss, r, rng, timeout, seed, cache_dir, why)
    out.seconds = time.perf_counter() - t0
    return out


def _msolve_fallback(loss, r: int, rng, timeout: float, seed: int, cache_dir, why: str
                     ) -> CriticalPointsOnMr:
    """msolve after an uncertified homotopy; when msolve's points fail the criticality check
    the homotopy from another start (other random charts) is tried in turn."""
    out = _solve_msolve(loss, r, rng, timeout)
    out.fallback = f"homotopy not certified ({why[:200]}); answered by msolve"
    if not out.certified and out.evidence.get("criticality_check", {}).get("n_failed"):
        try:
            alt = _solve_homotopy(loss, r, seed + 1, cache_dir)
        except SolverError:
            alt = None
        if alt is not None and alt.certified:
            alt.fallback = (f"homotopy not certified ({why[:120]}); msolve's answer failed the "
                            f"criticality check ({out.certification[:160]}); answered by the "
                            f"homotopy from start seed {seed + 1}")
            out = alt
    return out
