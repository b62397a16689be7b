"""What every backend of :func:`dlnscape.algebraic.critical_points_on_Mr` returns, and the checks
they share: the result types, the classification of a real point by its Riemannian Hessian,
the criticality check relative to the problem's scale, the Riemannian Newton refinement and
the assembly of a backend's complex and real solutions into a :class:`CriticalPointsOnMr`.

Below every backend module (``msolve_backend``, ``homotopy_backend``, ``phc``) and
:mod:`dlnscape.algebraic.solve`, which dispatches to them; it imports none of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from dlnscape.algebraic.alpha import UNIT_ROUNDOFF, PolySystem
from dlnscape.algebraic.formulation import Formulation
from dlnscape.geometry.manifold import (
    riemannian_gradient,
    riemannian_hessian,
    stratum_frame,
    tangent_basis,
)
from dlnscape.report.summary import (
    Summary,
    SummaryTable,
    summary_html_method,
    summary_repr,
    summary_str,
)

#: eigenvalues of the Riemannian Hessian below this (relative to its norm) are "zero"
HESSIAN_ZERO_RTOL = 1e-9
#: σ_r(W)/σ_1(W) below this: the solution is rank-deficient (not on the smooth part)
RANK_RTOL = 1e-10
#: a returned real critical point passes the criticality check when
#: ‖grad_{M_r} l(W)‖ ≤ GRAD_CHECK_ULPS · u · (m n) · scale(W) (see :func:`gradient_scale`)
GRAD_CHECK_ULPS = 64.0


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

    def _summary(self) -> Summary:
        kind = ("degenerate (a zero Riemannian-Hessian eigenvalue)" if self.index is None
                else "local minimum" if self.index == 0 else f"saddle of index {self.index}")
        ev = self.hessian_eigenvalues
        return Summary(
            f"CriticalPointOnMr: {kind}, l(W) = {self.value:.10g}",
            (("value", self.value), ("index", self.index),
             ("Riemannian Hessian", f"{ev.size} eigenvalues in [{ev.min():.4g}, {ev.max():.4g}]"
              if ev.size else "no eigenvalue"),
             ("‖grad_{M_r} l‖", self.riemannian_gradient_norm),
             ("singular values", self.singular_values), ("W", self.W)),
            brief=("value", "index", "singular values"))

    __str__ = summary_str
    __repr__ = summary_repr
    _repr_html_ = summary_html_method


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

    def table(self) -> list[dict]:
        """The real critical points, one row each (sorted by value): ``k``, ``value``,
        ``index`` (Morse index on M_r, None if degenerate), ``local_minimum``,
        ``singular_values`` and the matrix ``W``."""
        return [{"k": k, "value": p.value, "index": p.index,
                 "local_minimum": p.is_local_minimum, "singular_values": p.singular_values,
                 "W": p.W} for k, p in enumerate(self.points)]

    def _summary(self) -> Summary:
        m, n = self.shape
        rows = (("complex critical points", self.n_complex),
                ("real critical points", self.n_real),
                ("local minima", self.n_local_minima),
                ("min value", min((p.value for p in self.points), default=None)),
                ("excluded", f"{self.n_rank_deficient} rank-deficient, {self.n_outside_chart} "
                             f"outside the chart, {self.n_undetermined_index} undetermined index"),
                ("certified", self.certified),
                ("certificate", self.certification.split(":")[0]),
                ("backend", f"{self.backend} ({self.backend_version})"
                 + (f", fallback: {self.fallback}" if self.fallback else "")),
                ("seconds", self.seconds))
        tab = SummaryTable(("k", "l(W)", "index", "singular values"),
                           tuple((t["k"], t["value"], t["index"], t["singular_values"])
                                 for t in self.table()), "real critical points (.table())")
        if self.points and max(m, n) <= 4:
            tab = SummaryTable(tab.headers + ("W",), tuple(
                row + (p.W,) for row, p in zip(tab.rows, self.points, strict=True)), tab.title,
                text_columns=4)
        return Summary(f"CriticalPointsOnMr: critical points of l on M_{self.r} ⊂ R^{{{m}×{n}}} "
                       f"({'certified' if self.certified else 'NOT certified'})", rows, tab,
                       brief=("complex critical points", "real critical points", "local minima",
                              "certified"))

    __str__ = summary_str
    __repr__ = summary_repr
    _repr_html_ = summary_html_method

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
    :mod:`dlnscape.tolerances`: relative, never absolute). Optional arguments: known values."""
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
    tol = GRAD_CHECK_ULPS * UNIT_ROUNDOFF * W.size * gradient_scale(
        loss, W, hessian_norm, grad_0_norm=grad_0_norm)
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
        tol = GRAD_CHECK_ULPS * UNIT_ROUNDOFF * W.size * gradient_scale(loss, W, hn,
                                                                       grad_0_norm=g0)
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
            near = np.sqrt(UNIT_ROUNDOFF) * (np.linalg.norm(Wi) + np.linalg.norm(Wj))
            if np.linalg.norm(Wi - Wj) <= near:
                n_same += 1
    if n_same:
        failed += n_same
        notes.append(f"{n_same} pair(s) of returned real points coincide after refinement")
    pts.sort(key=lambda p: p.value)
    return pts, {"n_checked": len(pts), "n_refined": refined, "n_failed": failed,
                 "max_gradient_over_tolerance": max(ratios, default=0.0),
                 "tolerance": f"{GRAD_CHECK_ULPS:g} u (m n) (‖∇l(W)‖ + ‖∇l(0)‖ + ‖∇²l‖ ‖W‖)",
                 "failures": notes}


def criticality_verdict(res: CriticalPointsOnMr, report: dict) -> None:
    res.evidence["criticality_check"] = report
    if report["n_failed"]:
        res.certified = False
        res.certification = (f"NOT certified: {report['n_failed']} returned real point(s) fail "
                             f"the criticality check on M_r ({'; '.join(report['failures'])})."
                             f" " + res.certification)


def real_newton(system: PolySystem, X: np.ndarray, iters: int = 4) -> np.ndarray:
    rs = PolySystem(system.exps, system.coef.real)
    return rs.newton(np.asarray(X, dtype=np.float64), iters=iters)


def rank_ok(form: Formulation, X: np.ndarray) -> np.ndarray:
    """True where W(x) has rank r (σ_r/σ_1 above RANK_RTOL)."""
    if X.shape[0] == 0:
        return np.zeros(0, dtype=bool)
    s = np.linalg.svd(form.W_work(X), compute_uv=False)
    return s[:, form.r - 1] > RANK_RTOL * np.maximum(s[:, 0], 1e-300)


def assemble(loss, form: Formulation, r: int, Xc: np.ndarray, Xr: np.ndarray, backend: str,
              version: str, seconds: float, certified: bool, text: str, **kw) -> CriticalPointsOnMr:
    okc = rank_ok(form, Xc)
    okr = rank_ok(form, Xr)
    Wc = form.W(Xc[okc]) if Xc.shape[0] else np.zeros((0,) + tuple(loss.shape), dtype=complex)
    pts, report = checked_real_points(loss, r, [np.real(form.W(x)) for x in Xr[okr]])
    n_undet = sum(p.index is None for p in pts)
    n_min = sum(p.index == 0 for p in pts)
    n_def = int((~okc).sum())
    res = CriticalPointsOnMr(
        tuple(loss.shape), r, int(okc.sum()), len(pts), n_min, pts, Wc, backend, version,
        seconds, certified, text, n_rank_deficient=n_def, n_undetermined_index=n_undet, **kw)
    criticality_verdict(res, report)
    return res




def empty_result(loss, r: int, backend: str, version: str, seconds: float, text: str,
                 **kw) -> CriticalPointsOnMr:
    """An uncertified answer with no point (a backend that could not enumerate)."""
    shape = tuple(loss.shape)
    return CriticalPointsOnMr(shape, r, 0, 0, 0, [], np.zeros((0,) + shape, complex), backend,
                              version, seconds, False, text, **kw)
