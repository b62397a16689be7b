"""``classify(landscape, theta)``: what is this point, and the certificate that proves it.

Verdicts (README, "Certified classification of points"):

* ``not_critical`` — relative gradient above ``tol.critical_rtol`` (:mod:`dlnscape.tolerances`:
  every threshold is relative to a scale of the problem); certificate: descent along −∇L.
* ``global_minimum`` — ``L(θ)`` equals the independently computed ``min_{M_r} l``
  (:class:`GlobalMinimumCertificate`; Trager et al. 2020 §3.3/Thm 12, Nouiehed–Razaviyayn
  Lem 7, Kawaguchi 2016 Thm 2.3).
* ``local_minimum`` (not global) — a proof (:class:`LocalMinimumCertificate`): positive
  definite Hessian, or a pure point with ``rank W = r`` and a positive definite Riemannian Hessian
  of ``l`` on ``M_r`` (Trager et al. 2020, Thm 4, Prop 6, Prop 10).
* ``strict_saddle`` — a negative Hessian eigenvalue (escape along its eigenvector) and a way up.
* ``degenerate_saddle`` — ``∇²L ⪰ 0`` but an escape was found (Taylor order along a kernel
  direction, a fiber move followed by descent — Trager et al. 2020, Lem 2 / Prop 9 — or a
  curved escape), and a way up.
* ``local_maximum`` — negative definite Hessian (mirror of the local-minimum proof).
* ``undetermined`` — nothing above could be proved; the reason says what failed. Failure to
  escape is never taken as a proof of minimality (Hessian-degenerate points can have curved
  escapes only: catalog "Gaps 2").

With a regularizer (``Landscape(..., regularizer=HadamardL2(...))``, L = l ∘ F + R) every
derivative, Taylor coefficient and ball/exact evaluation includes R, so the Hessian, curvature,
Taylor and escape certificates are about L itself. The steps that reason about ``l`` on the
image of F are skipped, with the reason in the verdict: the global-minimum oracle
``min_{M_r} l`` (a regularized minimum is not the loss's minimum over the image: "globality
unknown: regularized landscape; …"), the pure-point proof and the pure/spurious type (Trager
et al. 2020 — about ``l|M_r``), and fiber moves (R is not constant on fibers of F: the GL orbit
is no symmetry). Globality is certified only where L itself is a convex quadratic
(degree ≤ 2 with a positive definite Hessian, e.g. one layer: :func:`convex_quadratic_evidence`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import scipy.linalg as sla

from dlnscape.architecture import Point
from dlnscape.critical.certificates import (
    CheckReport,
    EscapeCertificate,
    GlobalMinimumCertificate,
    LocalMinimumCertificate,
    MinimumMethod,
    Verdict,
    check_verdict,
    convex_quadratic_evidence,
    global_oracle,
    global_tolerance,
    newton_step_length,
    output_rank,
    pure_point_evidence,
)
from dlnscape.critical.escape import EscapeBudget, gradient_escape, search_escape
from dlnscape.critical.order import MAX_PAIRS, CriticalityOrder, criticality_order
from dlnscape.errors import DlnscapeError, PointError
from dlnscape.landscape import Landscape
from dlnscape.report.summary import Summary, summary_html_method, summary_repr, summary_str
from dlnscape.tolerances import (
    Tolerances,
    as_tolerances,
    balance_scales,
    hessian_zero_threshold,
    relative_gradient_at,
)
from dlnscape.validate import check_products_finite, check_rng

VERDICTS = tuple(v.value for v in Verdict)


@dataclass(frozen=True)
class ClassifyBudget:
    """Limits of :func:`classify`: dense Hessians up to ``dense_max_params`` parameters (Lanczos
    extremes above), the escape search (:class:`EscapeBudget`), and the polarisation pairs of
    the cubic-form test (:func:`~dlnscape.critical.order.criticality_order`)."""

    dense_max_params: int = 3000
    escape: EscapeBudget = field(default_factory=EscapeBudget)
    cubic_pairs: int = MAX_PAIRS

    def to_dict(self) -> dict:
        return {"dense_max_params": self.dense_max_params, "escape": self.escape.to_dict(),
                "cubic_pairs": self.cubic_pairs}


@dataclass(frozen=True)
class HessianSummary:
    """Inertia of ``∇²L(θ)`` with its extreme eigenvalues and the zero threshold used."""

    n_negative: int
    n_zero: int
    n_positive: int
    lambda_min: float
    lambda_max: float
    threshold: float
    #: "dense (balanced D∇²L D)": all eigenvalues of D∇²L D, D = ‖W_k‖ on layer k's block
    #: (same inertia as ∇²L); "lanczos": extremes of ∇²L only (n_zero then unknown)
    method: str
    eigenvalues: np.ndarray | None = None

    def to_dict(self) -> dict:
        return {
            "n_negative": self.n_negative,
            "n_zero": self.n_zero,
            "n_positive": self.n_positive,
            "lambda_min": self.lambda_min,
            "lambda_max": self.lambda_max,
            "threshold": self.threshold,
            "method": self.method,
            "eigenvalues": None if self.eigenvalues is None else self.eigenvalues.tolist(),
        }

    def _summary(self) -> Summary:
        return Summary(f"HessianSummary: inertia (−, 0, +) = ({self.n_negative}, {self.n_zero}, "
                       f"{self.n_positive})",
                       (("n_negative", self.n_negative), ("n_zero", self.n_zero),
                        ("n_positive", self.n_positive), ("lambda_min", self.lambda_min),
                        ("lambda_max", self.lambda_max), ("threshold", self.threshold),
                        ("method", self.method)),
                       brief=("n_negative", "n_zero", "n_positive", "lambda_min"))

    __str__ = summary_str
    __repr__ = summary_repr
    _repr_html_ = summary_html_method


@dataclass(frozen=True, eq=False)
class Classification:
    """The verdict on a point with the numbers behind it and its certificate(s)."""

    verdict: Verdict
    theta: Point
    value: float
    gradient_norm: float
    relative_gradient_norm: float
    critical: bool
    hessian: HessianSummary | None
    rank: dict
    rank_profile: object | None
    critical_type: object | None
    order: CriticalityOrder | None
    certificate: EscapeCertificate | LocalMinimumCertificate | GlobalMinimumCertificate | None
    certificates: tuple = ()
    global_value: float | None = None
    explanation: str = ""
    reasons: tuple[str, ...] = ()
    attempts: tuple[dict, ...] = ()
    seconds: float = 0.0

    @property
    def all_certificates(self) -> list:
        first = [self.certificate] if self.certificate is not None else []
        return first + list(self.certificates)

    def check(self, landscape: Landscape, tol: Tolerances | dict | None = None) -> CheckReport:
        """Re-check every certificate (against this θ) and that they support the verdict: the
        same check as ``dlnscape verify`` (:func:`~dlnscape.critical.certificates.check_verdict`).
        """
        return check_verdict(landscape, self.theta, self.verdict, self.all_certificates, tol)

    def verify(self, landscape: Landscape, tol: Tolerances | dict | None = None) -> bool:
        """True iff every certificate re-checks from scratch and together they prove the verdict
        (errors inside are raised, never turned into False)."""
        return self.check(landscape, tol).ok

    def to_dict(self) -> dict:
        rp = self.rank_profile
        ct = self.critical_type
        return {
            "verdict": self.verdict,
            "value": self.value,
            "gradient_norm": self.gradient_norm,
            "relative_gradient_norm": self.relative_gradient_norm,
            "critical": self.critical,
            "hessian": None if self.hessian is None else self.hessian.to_dict(),
            "rank": self.rank,
            "rank_profile": rp.to_dict() if hasattr(rp, "to_dict") else rp,
            "critical_type": ct.to_dict() if hasattr(ct, "to_dict") else ct,
            "order": None if self.order is None else self.order.to_dict(),
            "certificate": None if self.certificate is None else self.certificate.to_dict(),
            "certificates": [c.to_dict() for c in self.certificates],
            "global_value": self.global_value,
            "explanation": self.explanation,
            "reasons": list(self.reasons),
            "attempts": list(self.attempts),
            "seconds": self.seconds,
            "theta": [W.tolist() for W in self.theta],
        }

    def __str__(self) -> str:
        lines = [f"verdict: {self.verdict}"]
        lines.append(f"  L(θ) = {self.value:.12g}   ‖∇L‖ = {self.gradient_norm:.3g} "
                     f"(relative {self.relative_gradient_norm:.2g})")
        if self.global_value is not None and getattr(self.certificate, "method",
                                                     None) == "convex_quadratic":
            lines.append(f"  global minimum of L (a strictly convex quadratic): "
                         f"{self.global_value:.12g}")
        elif self.global_value is not None:
            where = "on M_r" if self.rank.get("r") is not None else "over all matrices"
            lines.append(f"  global minimum of l {where}: {self.global_value:.12g}")
        if self.hessian is not None:
            h = self.hessian
            lines.append(f"  Hessian inertia (−, 0, +) = ({h.n_negative}, {h.n_zero}, "
                         f"{h.n_positive}); λ_min = {h.lambda_min:.4g}, λ_max = "
                         f"{h.lambda_max:.4g} (zero threshold {h.threshold:.2g}, {h.method})")
        rk = self.rank
        if rk.get("rank") is None:
            lines.append(f"  rank: not applicable ({rk.get('reason', 'no declared image')})")
        else:
            lines.append(f"  rank W = {rk.get('rank')} of r = {rk.get('r')}"
                         f" ({'degenerate' if rk.get('degenerate') else 'non-degenerate'})"
                         + (f"; critical type: {_type_kind(self.critical_type)}"
                            if self.critical_type is not None else ""))
        if self.order is not None:
            lines.append(f"  criticality order: {self.order}")
        for c in self.all_certificates:
            lines.append(f"  certificate: {c.summary()}")
        lines.append(f"  {self.explanation}")
        return "\n".join(lines)

    def _summary(self) -> Summary:
        h = self.hessian
        rows: list = [("verdict", str(self.verdict)), ("L(θ)", self.value),
                      ("‖∇L‖", self.gradient_norm), ("relative ‖∇L‖", self.relative_gradient_norm),
                      ("critical", self.critical)]
        if h is not None:
            rows.append(("Hessian inertia (−, 0, +)", f"({h.n_negative}, {h.n_zero}, "
                                                      f"{h.n_positive})"))
            rows.append(("λ_min, λ_max", f"{h.lambda_min:.4g}, {h.lambda_max:.4g} "
                                         f"(zero threshold {h.threshold:.2g}, {h.method})"))
        if self.global_value is not None:
            rows.append(("global minimum", self.global_value))
        if self.rank.get("rank") is not None:
            rows.append(("rank W", f"{self.rank.get('rank')} of r = {self.rank.get('r')}"))
        for c in self.all_certificates:
            rows.append((f"certificate ({c.kind})", c.summary()))
        rows.append(("seconds", self.seconds))
        return Summary(f"Classification: {self.verdict}", tuple(rows),
                       brief=("verdict", "L(θ)", "‖∇L‖", "critical"))

    __repr__ = summary_repr
    _repr_html_ = summary_html_method




def _type_kind(ct) -> str:
    return str(getattr(ct, "kind", ct))


# ---------------------------------------------------------------------------------------------
def _counts(ev: np.ndarray, thr: float) -> tuple[int, int, int]:
    return int(np.sum(ev < -thr)), int(np.sum(np.abs(ev) <= thr)), int(np.sum(ev > thr))


@dataclass(frozen=True)
class _Dense:
    """The dense Hessian with the eigendecomposition of its balanced form ``D H D``
    (:func:`dlnscape.tolerances.balance_scales`)."""

    H: np.ndarray
    D: np.ndarray
    ev: np.ndarray
    V: np.ndarray

    def direction(self, j: int) -> np.ndarray:
        """The θ-space direction ``D·v_j`` of the j-th balanced eigenvector."""
        v = self.D * self.V[:, j]
        return v / np.linalg.norm(v)


def _hessian(landscape: Landscape, theta: Point, budget: ClassifyBudget, rng, rel: float,
             tol: Tolerances):
    """(summary, dense data | Lanczos results). Dense: the spectrum of the balanced Hessian
    ``D∇²L D`` (D = ‖W_k‖ per layer), whose inertia is that of ∇²L (Sylvester) and whose
    eigenvalue ratios do not change under balanced rescaling of the layers; the zero threshold
    is :func:`dlnscape.tolerances.hessian_zero_threshold` of that spectrum."""
    P = landscape.n_params
    if P <= budget.dense_max_params:
        H = landscape.hessian(theta)
        D = balance_scales(landscape, theta)
        if np.any(H):
            ev, V = np.linalg.eigh(D[:, None] * H * D[None, :])
        else:
            ev, V = np.zeros(P), np.eye(P)
        thr = hessian_zero_threshold(ev, rel, tol)
        nneg, nzero, npos = _counts(ev, thr)
        return HessianSummary(nneg, nzero, npos, float(ev[0]), float(ev[-1]), thr,
                              "dense (balanced D∇²L D)", ev), _Dense(H, D, ev, V)
    from dlnscape.landscape import hessian_extreme_eigenvalues

    lo = hessian_extreme_eigenvalues(landscape, theta, 1, "smallest", rng=rng)
    hi = hessian_extreme_eigenvalues(landscape, theta, 1, "largest", rng=rng)
    lmin, lmax = float(lo.values[0]), float(hi.values[0])
    # an eigenvalue counts only beyond the zero threshold *and* its own residual ‖Hv − λv‖
    res = max(float(np.max(e.residuals)) if e.residuals is not None else 0.0 for e in (lo, hi))
    thr = max(hessian_zero_threshold(np.array([lmin, lmax]), rel, tol, n=P), res)
    method = "lanczos" if lo.converged and hi.converged else (
        "lanczos (not converged: " + "; ".join(e.reason for e in (lo, hi) if not e.converged)
        + ")")
    return HessianSummary(int(lmin < -thr), -1, int(lmax > thr), lmin, lmax, thr, method,
                          None), (lo, hi)


def _pure_certificate(landscape: Landscape, theta: Point, value: float, sense: str,
                      tol: Tolerances):
    """Try the pure-point (submersion onto the declared image M_r) proof; (certificate | None,
    reason)."""
    sign = 1.0 if sense == "minimum" else -1.0
    if landscape.regularized:
        return None, ("the pure-point proof (Trager et al. 2020, Prop 6) is about l on M_r and "
                      "does not hold for the regularized landscape l ∘ F + R")
    ev = pure_point_evidence(landscape, theta, sign, tol)
    if ev["image"] is None:
        return None, f"the pure-point proof needs a declared image M_r ({ev['reason']})"
    r = ev["r"]
    if ev["rank_ambiguous"]:
        return None, f"the rank decision for W is ambiguous (gap {ev['rank_gap']:.3g})"
    if ev["rank"] != r:
        return None, (f"rank W = {ev['rank']} < r = {r}: the point is degenerate, the "
                      "pure-point proof (rank W = r) does not apply")
    if ev.get("jacobian_required") and "jacobian_rank" not in ev:
        return None, "dF(θ) is too large to rank, so F is not shown to be a submersion"
    if ev.get("jacobian_rank", ev.get("jacobian_rank_expected")) != ev.get(
            "jacobian_rank_expected") or ev.get("jacobian_ambiguous"):
        return None, (f"dF(θ) does not have maximal rank r(m + n − r) = "
                      f"{ev.get('jacobian_rank_expected')} (rank {ev.get('jacobian_rank')}), so "
                      "F is not a local submersion onto M_r")
    if ev["stationary"] is not True:
        return None, f"W is not stationary on M_r ({ev['stationarity_reason']})"
    if ev["stratum_dimension"] == 0:
        return None, "the rank-r stratum has dimension 0"
    lam, thr = ev["riemannian_lambda_min"], ev["riemannian_threshold"]
    if lam <= thr:
        return None, (f"the Riemannian Hessian of l on M_r at W is not positive definite "
                      f"(λ_min = {lam:.3g}, threshold {thr:.2g}, inertia "
                      f"{tuple(ev['riemannian_inertia'])})")
    details = {"riemannian_inertia": ev["riemannian_inertia"],
               "stratum_dimension": ev["stratum_dimension"]}
    cert = LocalMinimumCertificate(tuple(theta), value, MinimumMethod.PURE_RIEMANNIAN, lam, thr,
                                   sense=sense, rank=ev["rank"], r=r, details=details)
    return cert, ""


def _rank_info(landscape: Landscape, theta: Point) -> tuple[dict, object | None]:
    """Rank of F(θ) against the declared image (and μ_d's rank profile for linear networks)."""
    img = landscape.model.image
    if img is None:
        return {"rank": None, "r": None, "degenerate": None, "ambiguous": None,
                "reason": landscape.model.image_reason}, None
    dec = output_rank(landscape, theta)
    info = {"rank": dec.rank, "r": img.r, "degenerate": dec.rank < img.r,
            "ambiguous": dec.ambiguous, "gap": dec.gap,
            "singular_values": dec.singular_values.tolist()}
    if landscape.model.linear_network is None:
        return info, None
    from dlnscape.geometry import rank_profile

    try:
        return info, rank_profile(theta)
    except DlnscapeError:
        return info, None


def _critical_type(landscape: Landscape, theta: Point, profile):
    # pure / spurious (Trager et al. 2020, Def 1) is about l ∘ μ: meaningless with a regularizer
    if landscape.model.linear_network is None or landscape.model.image is None \
            or landscape.regularized:
        return None
    from dlnscape.geometry import critical_type

    try:
        return critical_type(landscape, theta, profile=profile)
    except DlnscapeError:
        return None


_REFS = {
    "negative_curvature": "a negative Hessian eigenvalue (second-order necessary condition)",
    "taylor": "the lowest non-vanishing Taylor order along a Hessian-kernel line "
              "(Hofflin 2023, Prop 2.1)",
    "fiber_move": "a loss-preserving move inside the fiber μ⁻¹(W) to a non-critical point "
                  "followed by descent (Trager et al. 2020, Lem 2 and Prop 9)",
    "quartic_curve": "a curved escape θ + tθ₁ + t²θ₂ with θ₁ in the Hessian kernel "
                     "(fourth-order term negative)",
    "gradient": "the gradient (first-order condition fails)",
}


def _as_budget(budget) -> ClassifyBudget:
    if isinstance(budget, dict):
        b = dict(budget)
        try:
            if isinstance(b.get("escape"), dict):
                b["escape"] = EscapeBudget(**b["escape"])
            budget = ClassifyBudget(**b)
        except TypeError as e:
            raise DlnscapeError(
                f"budget: expected a ClassifyBudget or a dict of its fields (dense_max_params, "
                f"escape={{directions, curves, fiber_moves, seconds}}, cubic_pairs): {e}"
            ) from None
    budget = budget or ClassifyBudget()
    if not isinstance(budget, ClassifyBudget):
        raise DlnscapeError(f"budget: expected a ClassifyBudget or a dict, got {budget!r}")
    return budget


class _Run:
    """One classification: the point's facts, the accumulated reasons and attempts, and
    :meth:`done`, which re-checks the evidence before a verdict is returned."""

    def __init__(self, landscape: Landscape, theta, budget: ClassifyBudget, tol: Tolerances,
                 gen: np.random.Generator) -> None:
        self.t_start = time.perf_counter()
        self.L, self.budget, self.tol, self.gen = landscape, budget, tol, gen
        self.theta = landscape.point(theta)
        with np.errstate(over="ignore", invalid="ignore"):
            self.value = landscape.value(self.theta)
            self.rel, self.gnorm, self.scale = relative_gradient_at(landscape, self.theta)
        if not (np.isfinite(self.value) and np.isfinite(self.gnorm)):
            big = max(float(np.max(np.abs(B))) if np.size(B) else 0.0 for B in self.theta)
            raise PointError(
                f"theta: the loss or its gradient is not finite in float64 at this point "
                f"(L = {self.value:.3g}, ‖∇L‖ = {self.gnorm:.3g}; largest entry {big:.3g}); "
                f"rescale the point or the data")
        self.rank, self.profile = _rank_info(landscape, self.theta)
        self.ctype = None
        self.reasons: list[str] = []
        self.attempts: list[dict] = []
        self.hess: HessianSummary | None = None
        self.Hdata = None
        self.gm, self.why_no_gm, self.gval, self.gtol = None, "", None, None
        self.relaxed = False

    @property
    def dense(self) -> _Dense | None:
        return self.Hdata if isinstance(self.Hdata, _Dense) else None

    def done(self, verdict: Verdict, order=None, cert=None, extra=(), expl: str = ""
             ) -> Classification:
        L, tol, theta = self.L, self.tol, self.theta
        certs = [c for c in ([cert] + list(extra)) if c is not None]
        rep = check_verdict(L, theta, verdict, certs, tol, self.budget.dense_max_params)
        if not rep.ok:
            # name the failing sub-checks of a certificate, not just "certificate i verifies"
            failed = [f["check"] + (" — " + ", ".join(g["check"] for g in f["failures"])
                                    if f.get("failures") else "") for f in rep.failures]
            bad = {f["index"] for f in rep.failures if "index" in f}
            self.reasons.append(f"the evidence for {verdict!r} does not re-check ("
                                + "; ".join(failed[:4]) + "), so the verdict is not claimed")
            expl = (f"Undetermined: the evidence for {str(verdict)!r} did not re-check "
                    f"({'; '.join(failed[:2])}), so that verdict is not claimed.")
            verdict = Verdict.UNDETERMINED
            certs = [c for i, c in enumerate(certs) if i not in bad]
            if not check_verdict(L, theta, verdict, certs, tol).ok:  # pragma: no cover
                certs = []
        cert, extra = (certs[0], tuple(certs[1:])) if certs else (None, ())
        return Classification(
            Verdict(verdict), theta, self.value, self.gnorm, self.rel,
            self.rel <= tol.critical_rtol, self.hess, self.rank, self.profile, self.ctype, order,
            cert, extra, self.gval, expl, tuple(self.reasons), tuple(self.attempts),
            time.perf_counter() - self.t_start,
        )

    def escape(self, sense: str) -> EscapeCertificate | None:
        cert, att = search_escape(self.L, self.theta, sense=sense, value=self.value,
                                  **_spectral(self.dense, self.hess), budget=self.budget.escape,
                                  rng=self.gen, tol=self.tol)
        self.attempts.extend(att)
        return cert


def classify(
    landscape: Landscape,
    theta,
    *,
    rng: np.random.Generator | int | None = None,
    budget: ClassifyBudget | dict | None = None,
    tol: Tolerances | dict | None = None,
) -> Classification:
    """Classify ``theta`` for ``landscape`` and return the verdict with its certificate(s).

    ``rng`` seeds the random directions of the escape search; ``budget`` (a
    :class:`ClassifyBudget` or a dict of its fields) bounds the work; ``tol`` (a
    :class:`~dlnscape.tolerances.Tolerances` or a dict of its fields) sets the relative
    thresholds. The verdict and its certificates are re-checked once with the same check as
    ``Classification.verify`` before they are returned; a verdict whose evidence does not
    re-check becomes "undetermined" (with the failed checks in ``reasons``). A point whose
    entries are not finite or whose products would overflow float64 in the Hessian is a
    :class:`~dlnscape.errors.PointError` (:func:`dlnscape.validate.check_products_finite`).

    The steps: smoothness (:func:`_nonsmooth`), first order (:func:`_first_order`), the Hessian
    (:func:`_hessian`), negative curvature (:func:`_negative_curvature`), globality
    (:func:`_globality`, only with a model that declares an oracle), a local-minimum proof
    (:func:`_minimum_proof`) and the escape search (:func:`_degenerate`). Structure a model
    does not declare (image M_r, fiber moves, a global-minimum oracle) is not used, and the
    verdict says so ("globality unknown: …").
    """
    check_products_finite(landscape.point(theta), "theta")
    run = _Run(landscape, theta, _as_budget(budget), as_tolerances(tol),
               check_rng(rng, "rng"))
    # at a kink of the model derivative-based evidence (even "not critical") means nothing
    out = _nonsmooth(run) or _first_order(run)
    if out is not None:
        return out
    run.ctype = _critical_type(landscape, run.theta, run.profile)
    run.hess, run.Hdata = _hessian(landscape, run.theta, run.budget, run.gen, run.rel, run.tol)
    if run.hess.method.startswith("lanczos (not converged"):
        run.reasons.append(f"the extreme Hessian eigenvalues did not converge ({run.hess.method})")
        return run.done(Verdict.UNDETERMINED,
                        expl="Undetermined: the matrix-free eigensolver did not converge, so "
                             "the Hessian's inertia is unknown.")
    out = _newton_distance(run)
    if out is not None:
        return out
    if run.hess.n_negative:
        return _negative_curvature(run)
    return _globality(run) or _minimum_proof(run) or _degenerate(run)


def _newton_distance(run: _Run) -> Classification | None:
    """A gradient small against its rounding floor does not make a point critical when a Newton
    step of a sizeable fraction of θ's own length would still move it (terms that cancel — a
    residual block I + A₂A₁ with large A's — make that floor, and so the first-order test,
    loose). Such a point is reported as not critical, with a descent certificate."""
    dense, tol = run.dense, run.tol
    if dense is None:
        return None
    rel_step = newton_step_length(dense.D, dense.ev, dense.V, run.L.grad_flat(run.theta),
                                  run.theta, run.hess.threshold)
    if rel_step <= tol.newton_rtol:
        return None
    why = (f"the gradient is small against its rounding floor (relative {run.rel:.2g}), but a "
           f"Newton step of {rel_step:.3g} × ‖θ‖ would still move θ (> "
           f"{tol.newton_rtol:g}): θ is not a critical point at float precision")
    run.reasons.append(why)
    cert = gradient_escape(run.L, run.theta, run.value, tol=tol)
    order = CriticalityOrder(0, True, "newton step", run.rel, None, None, None, None, 0, why)
    return run.done(Verdict.NOT_CRITICAL, order=order, cert=cert,
                    expl=f"Not critical: {why}; the loss decreases along −∇L (certificate "
                         "points).")


def _first_order(run: _Run) -> Classification | None:
    tol = run.tol
    if run.rel <= tol.critical_rtol:
        return None
    cert = gradient_escape(run.L, run.theta, run.value, tol=tol)
    order = CriticalityOrder(0, True, "gradient", run.rel, None, None, None, None, 0,
                             f"relative gradient {run.rel:.3g} > {tol.critical_rtol:g}")
    return run.done(Verdict.NOT_CRITICAL, order=order, cert=cert,
                    expl=(f"Not critical: the relative gradient {run.rel:.3g} exceeds "
                          f"{tol.critical_rtol:g}; the loss decreases along −∇L (certificate "
                          "points)."))


def _nonsmooth(run: _Run) -> Classification | None:
    """At a kink of the model (e.g. a ReLU pre-activation at 0) derivative-based evidence
    says nothing: undetermined, with the model's reason."""
    why = run.L.model.nonsmooth_reason(run.theta)
    if why is None:
        return None
    run.reasons.append(f"the model is not differentiable at θ: {why}")
    return run.done(Verdict.UNDETERMINED,
                    expl="Undetermined: the model is not twice differentiable at θ, so no "
                         f"derivative-based verdict applies ({why}).")


def _negative_curvature(run: _Run) -> Classification:
    """A negative eigenvalue: a strict saddle (or a local maximum if negative definite)."""
    L, theta, value, hess, tol = run.L, run.theta, run.value, run.hess, run.tol
    H, Hdata = run.dense, run.Hdata
    v = H.direction(0) if H is not None else Hdata[0].vectors[:, 0]
    down = _curve_cert(L, theta, value, v, "descent", tol)
    if down is None:
        down = _second_order(L, theta, value, H, Hdata, "descent", tol)
    order = CriticalityOrder(1, True, "hessian", run.rel, hess.n_negative,
                             hess.n_zero if H is not None else None, None, None, 0,
                             f"λ_min = {hess.lambda_min:.3g} < 0")
    if hess.n_positive:
        up = _ascent_cert(L, theta, value, H, Hdata, hess, tol)
        if up is None:
            up = _second_order(L, theta, value, H, Hdata, "ascent", tol)
        if down is None or up is None:
            run.reasons.append("the eigenvector lines did not give verifiable escape points")
            return run.done(Verdict.UNDETERMINED, order,
                            expl="Indefinite Hessian, but the escape points could not be "
                                 "certified above rounding.")
        return run.done(Verdict.STRICT_SADDLE, order, down, (up,),
                        f"Strict saddle: the Hessian has {hess.n_negative} negative "
                        f"eigenvalue(s) (λ_min = {hess.lambda_min:.3g}) and a positive one "
                        f"(λ_max = {hess.lambda_max:.3g}); the loss decreases and increases "
                        "along the two eigenvector lines (certificates: points, or the "
                        "violated second-order condition).")
    if H is not None and hess.n_zero == 0:
        cert = LocalMinimumCertificate(theta, value, MinimumMethod.POSITIVE_DEFINITE_HESSIAN,
                                       float(-hess.lambda_max), hess.threshold, sense="maximum")
        return run.done(Verdict.LOCAL_MAXIMUM, order, cert, (),
                        "Local maximum: critical with a negative definite Hessian.")
    up = run.escape("ascent")
    if up is not None and down is not None:
        return run.done(Verdict.STRICT_SADDLE, order, down, (up,),
                        "Strict saddle: negative curvature, and an ascent was found although "
                        "the Hessian is negative semidefinite.")
    run.reasons.append("negative semidefinite singular Hessian and no ascent found: "
                       "could be a degenerate local maximum")
    return run.done(Verdict.UNDETERMINED, order,
                    expl="Undetermined: negative curvature proves it is not a local minimum, "
                         "but no proof either way about local maximality.")


def _globality(run: _Run) -> Classification | None:
    """With a PSD Hessian: the model's global-minimum oracle, when it declares one. On a
    regularized landscape that oracle (``min l`` over the image of F) says nothing about
    ``l ∘ F + R``; globality is then proved only when L is a convex quadratic."""
    L, theta, value, tol = run.L, run.theta, run.value, run.tol
    if L.regularized:
        return _convex_globality(run)
    oracle = global_oracle(L)
    run.gm, run.why_no_gm, run.relaxed = oracle.minimum, oracle.reason, oracle.relaxed
    gm = run.gm
    if gm is None:
        return None
    run.gval = gval = float(gm.value)
    run.gtol = gtol = global_tolerance(gm, run.scale, tol)
    where = "over all matrices (a lower bound for every model)" if run.relaxed else "on M_r"
    if abs(value - gval) <= gtol:
        from dlnscape.geometry.manifold import is_stationary_on_Mr

        W = L.model.forward(theta)
        st = is_stationary_on_Mr(L.loss.grad(W), W, oracle.image.r, tol=tol.stationarity_rtol,
                                 scale=L.loss.magnitude(W).gradient)
        if st.stationary is True:
            details = {"oracle": gm.method}
            if run.relaxed:
                details["relaxed"] = True
            cert = GlobalMinimumCertificate(theta, value, gval, gtol, gm.method, details)
            return run.done(Verdict.GLOBAL_MINIMUM, _min_order(L, theta, run.hess), cert, (),
                            f"Global minimum: L(θ) = {value:.12g} equals min l {where} = "
                            f"{gval:.12g} (|difference| ≤ {gtol:.2g}), computed independently "
                            f"by {gm.method} (Trager et al. 2020 §3.3/Thm 12; "
                            "Nouiehed–Razaviyayn Lem 7).")
        run.reasons.append(
            f"L(θ) is within the oracle's tolerance {gtol:.2g} of the global minimum, but W "
            f"is not stationary on M_r ({st.reason}), so it is not a minimiser "
            "(Hofflin 2023, Lem 3.2): the tolerance cannot separate the values")
        return None
    if run.relaxed:
        return None
    if value < gval - gtol:
        run.reasons.append(f"L(θ) = {value:.12g} is below the oracle's global minimum "
                           f"{gval:.12g}: the oracle and the point disagree")
        return run.done(Verdict.UNDETERMINED, None,
                        expl="Undetermined: inconsistent global-minimum oracle.")
    return None


def _convex_globality(run: _Run) -> Classification | None:
    """Regularized landscapes: a global minimum only when L is a polynomial of degree ≤ 2 with a
    positive definite (constant) Hessian — then ``min L = L(θ) − ½gᵀH⁻¹g`` exactly."""
    L, theta, value, tol = run.L, run.theta, run.value, run.tol
    ev = convex_quadratic_evidence(L, theta, tol)
    if not ev["ok"]:
        run.why_no_gm = ("regularized landscape; the global minimum of l over the image of F "
                         "is not that of l ∘ F + R, and " + ev["reason"])
        return None
    run.gval, run.gtol = ev["global_value"], ev["tol"]
    cert = GlobalMinimumCertificate(theta, value, ev["global_value"], ev["tol"],
                                    "convex_quadratic", {"lambda_min": ev["lambda_min"]})
    return run.done(Verdict.GLOBAL_MINIMUM, _min_order(L, theta, run.hess), cert, (),
                    f"Global minimum: the regularized landscape is a convex quadratic (degree "
                    f"{L.degree}, Hessian positive definite, λ_min = {ev['lambda_min']:.3g}), "
                    f"so its minimum is L(θ) − ½gᵀH⁻¹g = {ev['global_value']:.12g}, which "
                    f"L(θ) = {value:.12g} attains within {ev['tol']:.2g}.")


def _globality_text(run: _Run) -> str:
    if run.gm is not None and not run.relaxed:
        return f"not global: min l on M_r = {run.gval:.6g}"
    if run.gm is not None:
        return (f"globality unknown: {run.why_no_gm}; L(θ) is above that bound "
                f"({run.gval:.6g})")
    return f"globality unknown: {run.why_no_gm}"


def _minimum_proof(run: _Run) -> Classification | None:
    """A local-minimum proof: a positive definite Hessian, or a pure point (submersion onto the
    declared image with a positive definite Riemannian Hessian)."""
    L, theta, value, hess = run.L, run.theta, run.value, run.hess
    glob_txt = _globality_text(run)
    if run.dense is not None and hess.n_zero == 0:
        cert = LocalMinimumCertificate(theta, value, MinimumMethod.POSITIVE_DEFINITE_HESSIAN,
                                       hess.lambda_min, hess.threshold)
        return run.done(Verdict.LOCAL_MINIMUM, _min_order(L, theta, hess), cert, (),
                        f"Local minimum ({glob_txt}): critical with a positive definite "
                        f"Hessian (λ_min = {hess.lambda_min:.3g}).")
    cert, why_not_pure = _pure_certificate(L, theta, value, "minimum", run.tol)
    if cert is not None:
        r = L.model.image.r
        return run.done(Verdict.LOCAL_MINIMUM, _min_order(L, theta, hess), cert, (),
                        f"Local minimum ({glob_txt}): a pure point with rank W = r = {r}, so "
                        "the model is a local submersion onto M_r (Trager et al. 2020, Thm 4; "
                        "locally open, Nouiehed–Razaviyayn Lem 10), W is stationary on M_r "
                        "and the Riemannian Hessian of l there is positive definite (Trager "
                        "et al. 2020, Prop 6).")
    run.reasons.append(f"no local-minimum proof: {why_not_pure}")
    return None


def _degenerate(run: _Run) -> Classification:
    """PSD singular Hessian and no minimum proof: search for an escape (and a way up)."""
    L, theta, hess, budget = run.L, run.theta, run.hess, run.budget
    spec = _spectral(run.dense, hess)
    order = None
    if run.dense is not None:
        order = criticality_order(L, theta, eigenvalues=spec["eigvals"],
                                  eigenvectors=spec["eigvecs"], max_pairs=budget.cubic_pairs,
                                  threshold=hess.threshold, rng=run.gen)
    down = run.escape("descent")
    if down is None:
        run.reasons.append("no escape found within the budget " + str(budget.escape.to_dict()))
        return run.done(Verdict.UNDETERMINED, order,
                        expl="Undetermined: the Hessian is positive semidefinite and singular, "
                             "no local-minimum proof applies, and no escape was found; failing "
                             "to escape proves nothing (curved escapes may exist); "
                             + _globality_text(run) + ".")
    if hess.n_positive:
        up = _ascent_cert(L, theta, run.value, run.dense, run.Hdata, hess, run.tol)
    else:
        up = run.escape("ascent")
    if up is None:
        run.reasons.append("an escape downward was found but no way up (could be a local "
                           "maximum with a zero Hessian)")
        return run.done(Verdict.UNDETERMINED, order, down, (),
                        expl="Undetermined: not a local minimum (escape certificate), but local "
                             "maximality could not be excluded.")
    return run.done(Verdict.DEGENERATE_SADDLE, order, down, (up,),
                    f"Degenerate saddle: the Hessian is positive semidefinite (no negative "
                    f"eigenvalue, {hess.n_zero} zero) yet the loss decreases along "
                    f"{_REFS.get(down.method, down.method)}"
                    + (f"; leading term {down.taylor_coefficient:.3g}·t^{down.taylor_order}"
                       if down.taylor_order is not None else "")
                    + ". Not a local minimum"
                    + (f"; min l on M_r = {run.gval:.6g}." if run.gm is not None
                       and not run.relaxed else "."))


def _min_order(landscape, theta, hess: HessianSummary) -> CriticalityOrder | None:
    if hess.eigenvalues is None:
        return None
    return criticality_order(landscape, theta, eigenvalues=hess.eigenvalues, local_minimum=True,
                             threshold=hess.threshold)


def _ascent_cert(landscape, theta, value, dense, Hdata, hess, tol) -> EscapeCertificate | None:
    """A way up: the coordinate direction of the largest diagonal entry of ∇²L when it is
    clearly positive (its t² coefficient is ½H_ii), else the top (balanced) eigenvector."""
    if dense is not None:
        H = dense.H
        i = int(np.argmax(np.diag(H)))
        if H[i, i] > 1e-3 * float(np.max(np.abs(np.diag(H)))) and H[i, i] > 0:
            e = np.zeros(H.shape[0])
            e[i] = 1.0
            cert = _curve_cert(landscape, theta, value, e, "ascent", tol)
            if cert is not None:
                return cert
    w = dense.direction(-1) if dense is not None else Hdata[1].vectors[:, 0]
    return _curve_cert(landscape, theta, value, w, "ascent", tol)


def _second_order(landscape, theta, value, dense, Hdata, sense, tol) -> EscapeCertificate | None:
    """When no float distance shows a decrease beyond the margin (negative curvature far below
    the value scale, e.g. at strongly unbalanced Newton points): the violated second-order
    condition itself, along the raw and the balanced extreme eigenvectors (curvature
    certificate, proven in ball arithmetic)."""
    from dlnscape.critical.escape import curvature_certificate

    j = 0 if sense == "descent" else -1
    if dense is not None:
        n = dense.H.shape[0]
        idx = [0, 0] if sense == "descent" else [n - 1, n - 1]
        raw = sla.eigh(dense.H, subset_by_index=idx)[1][:, 0]
        candidates = [raw, dense.direction(j)]
    else:
        candidates = [Hdata[0 if sense == "descent" else 1].vectors[:, 0]]
    for v in candidates:
        cert = curvature_certificate(landscape, theta, v, sense, value, tol)
        if cert is not None:
            return cert
    return None


def _spectral(dense, hess: HessianSummary) -> dict:
    """Balanced eigenpairs mapped to θ-space (``D v``: H-conjugate directions, so
    ``D Λ⁺ Dᵀ``-type pseudo-inverses and kernels are those of ∇²L) and an orthonormal basis
    of the kernel of ∇²L."""
    if dense is None:
        return {"eigvals": None, "eigvecs": None, "threshold": hess.threshold, "kernel": None}
    Vt = dense.D[:, None] * dense.V
    Kn = Vt[:, np.abs(dense.ev) <= hess.threshold]
    K = np.linalg.qr(Kn)[0] if Kn.shape[1] else Kn
    return {"eigvals": dense.ev, "eigvecs": Vt, "threshold": hess.threshold, "kernel": K}


def _curve_cert(landscape, theta, value, v, sense, tol) -> EscapeCertificate | None:
    from dlnscape.critical.escape import certificate_on_curve

    v = v / np.linalg.norm(v)
    curvature = float(v @ landscape.hvp_flat(theta, v))  # uᵀ∇²L u, re-checked by verify
    return certificate_on_curve(landscape, theta, [landscape.unpack(v)],
                                "negative_curvature" if sense == "descent"
                                else "positive_curvature",
                                sense=sense, value=value, critical=True,
                                details={"curvature": curvature}, order=2, tol=tol)
