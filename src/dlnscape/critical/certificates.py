"""Certificates: what a verdict rests on, stored so that anyone can re-check it from scratch.

Every certificate keeps the point ``theta`` and the evidence *points* (never only numbers), and
``verify(landscape)`` recomputes every claimed quantity with the landscape's oracles; a stored
number is only compared with its recomputation, never trusted. ``to_dict()``/``from_dict()``
round-trip through JSON exactly (floats are written with ``repr`` precision).

* :class:`EscapeCertificate` — points ``θ_k → θ`` with strictly shrinking distances and
  ``L(θ_k) < L(θ)`` (or ``>`` for an ascent): "θ is not a local minimum (maximum)". When the
  points lie on a polynomial curve ``θ(t) = θ + tθ_1 + … + t^qθ_q`` the certificate also stores the
  lowest non-vanishing Taylor coefficient of ``L(θ(t)) − L(θ)``, which ``verify`` recomputes
  exactly (polynomial losses): a negative leading coefficient proves the decrease for *all*
  small t, not only at the stored points (Hofflin 2023, Def 2.4 / Prop 2.1; Trager et al. 2020,
  Lem 2 and Prop 9 for the fiber-move escapes).
* :class:`LocalMinimumCertificate` — a proof of local minimality: a positive definite Hessian
  at a critical point, or a *pure* point with ``rank W = r`` (so μ is a local submersion onto
  ``M_r`` and locally open there: Trager et al. 2020, Thm 4 and Prop 6; Nouiehed–Razaviyayn,
  Obs 1 / Lem 10), ``W`` stationary on ``M_r`` (Hofflin 2023, Cor 3.1) and a positive definite
  Riemannian Hessian of ``l`` on the rank-r stratum at ``W``.  (``sense="maximum"`` for the
  mirror statement.)
* :class:`GlobalMinimumCertificate` — ``L(θ)`` equals an independently recomputed global minimum
  value of ``l`` on ``M_r`` (``dlnscape.functional.global_minimum``) within a stated tolerance;
  or (``method="convex_quadratic"``) L is a polynomial of degree ≤ 2 with a positive definite
  Hessian and ``L(θ)`` equals its exact minimum ``L(θ) − ½gᵀH⁻¹g`` within the tolerance.

Regularized landscapes (``L = l ∘ F + R``): the image-based oracle, the pure-point proof and
fiber-move escapes are about ``l`` on the image of F and are refused by ``check`` (a
regularized landscape's global minimum is not the loss's minimum over the image).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import MISSING, dataclass, field, fields
from enum import StrEnum
from typing import Any

import numpy as np

from dlnscape.architecture import Point
from dlnscape.errors import DlnscapeError
from dlnscape.landscape import Landscape
from dlnscape.linalg import numerical_rank
from dlnscape.report.summary import Summary, summary_html_method, summary_repr, summary_str
from dlnscape.tolerances import (
    DEFAULT_TOLERANCES,
    PointScale,
    Tolerances,
    as_tolerances,
    escape_margin,
    hessian_zero_threshold,
    relative_gradient_at,
    value_tolerance,
)

#: minimal number of escape points, and how much the distances must shrink overall (three
#: points at t, t/2, t/4 on a line shrink by exactly 4; the distances are float64 norms, so the
#: comparison allows their rounding, SHRINK_RTOL — the decreases, not the shrink, are the proof)
MIN_POINTS = 3
MIN_SHRINK = 4.0
SHRINK_RTOL = 1e-12


class Verdict(StrEnum):
    """What a point is (README, "Certified classification"); the value is the JSON string."""

    GLOBAL_MINIMUM = "global_minimum"
    LOCAL_MINIMUM = "local_minimum"
    STRICT_SADDLE = "strict_saddle"
    DEGENERATE_SADDLE = "degenerate_saddle"
    LOCAL_MAXIMUM = "local_maximum"
    NOT_CRITICAL = "not_critical"
    UNDETERMINED = "undetermined"


class EscapeMethod(StrEnum):
    """How an escape curve was found (what its certificate's ``method`` says)."""

    NEGATIVE_CURVATURE = "negative_curvature"
    POSITIVE_CURVATURE = "positive_curvature"
    TAYLOR = "taylor"
    QUARTIC_CURVE = "quartic_curve"
    POLYNOMIAL_CURVE = "polynomial_curve"
    FIBER_MOVE = "fiber_move"
    GRADIENT = "gradient"
    BALL_SEARCH = "ball_search"


class MinimumMethod(StrEnum):
    """How a local-minimum (maximum) certificate proves its claim."""

    POSITIVE_DEFINITE_HESSIAN = "positive_definite_hessian"
    PURE_RIEMANNIAN = "pure_riemannian"


#: escape methods that verify() knows
ESCAPE_METHODS = tuple(m.value for m in EscapeMethod)


class CertificateError(DlnscapeError, ValueError):
    """A certificate file or dictionary that cannot be read."""


def _layers_to_list(theta: Sequence[np.ndarray]) -> list:
    return [np.asarray(W, dtype=np.float64).tolist() for W in theta]


def _layers_from_list(obj: Any, name: str) -> Point:
    try:
        return tuple(np.asarray(W, dtype=np.float64) for W in obj)
    except (TypeError, ValueError):
        raise CertificateError(f"{name}: expected a list of matrices (W_1, …, W_h)") from None


def _dist(a: Point, b: Point) -> float:
    return float(math.sqrt(sum(float(np.sum((x - y) ** 2)) for x, y in zip(a, b, strict=True))))


def _norm(a: Point) -> float:
    return float(math.sqrt(sum(float(np.sum(x * x)) for x in a)))


def point_on_curve(theta: Point, curve: Sequence[Point], t: float) -> Point:
    out = [np.array(W, dtype=np.float64, copy=True) for W in theta]
    for k, c in enumerate(curve, start=1):
        for i in range(len(out)):
            out[i] = out[i] + (t**k) * c[i]
    return tuple(out)


def leading_taylor(
    coeffs: np.ndarray, t: float = 1.0, start: int = 1, rtol: float = DEFAULT_TOLERANCES.taylor_rtol
) -> tuple[int | None, float, float]:
    """Lowest order ``k ≥ start`` whose term ``|c_k| t^k`` exceeds ``rtol`` × the largest term
    ``max_{j ≥ start} |c_j| t^j`` — scale-free: terms are compared at the same t, never with an
    absolute 1. ``start = 2`` at an approximately critical point, whose first-order term is the
    residual gradient and never an escape.

    Returns ``(k, c_k, tol)`` with ``tol`` the threshold on ``|c_k| t^k``; ``k`` is None when
    every term of order ≥ start vanishes.
    """
    c = np.asarray(coeffs, dtype=np.float64)
    if c.size <= start:
        return None, 0.0, 0.0
    terms = np.abs(c[start:]) * float(t) ** np.arange(start, c.size)
    big = float(np.max(terms))
    tol = rtol * big
    if big == 0.0:
        return None, 0.0, 0.0
    for j, term in enumerate(terms):
        if term > tol:
            return start + j, float(c[start + j]), tol
    return None, 0.0, tol  # pragma: no cover - the largest term exceeds rtol · itself


@dataclass
class CheckReport:
    """Outcome of a certificate check: every test with its numbers."""

    ok: bool = True
    checks: list[dict] = field(default_factory=list)

    def add(self, name: str, ok: bool, **numbers: Any) -> bool:
        self.checks.append({"check": name, "ok": bool(ok), **numbers})
        self.ok = self.ok and bool(ok)
        return bool(ok)

    @property
    def failures(self) -> list[dict]:
        return [c for c in self.checks if not c["ok"]]

    def to_dict(self) -> dict:
        return {"ok": self.ok, "checks": self.checks}


def _check_theta(report: CheckReport, landscape: Landscape, stored: Point, theta) -> Point | None:
    try:
        stored = landscape.model.check(stored, "certificate.theta")
    except DlnscapeError as e:
        report.add("theta fits the architecture", False, error=str(e))
        return None
    if theta is not None:
        try:
            given = landscape.model.check(theta, "theta")
        except DlnscapeError as e:
            report.add("theta given to verify fits the architecture", False, error=str(e))
            return None
        d = _dist(given, stored)
        report.add("certificate is about the given theta", d == 0.0, distance=d)
    return stored


@dataclass(frozen=True)
class _Base:
    """What every check starts from: θ, its value, its scales and the relative gradient."""

    theta: Point
    value: float
    scale: PointScale
    rel_grad: float
    grad_norm: float


def newton_step_length(D: np.ndarray, ev: np.ndarray, V: np.ndarray, grad: np.ndarray,
                       theta: Point, threshold: float) -> float:
    """The Newton step on the non-kernel part of the Hessian relative to ‖θ‖:
    ``‖D V Λ₊⁻¹ Vᵀ D ∇L‖ / ‖θ‖`` with ``D∇²L D = VΛVᵀ`` and only eigenvalues beyond the zero
    threshold inverted — the Euclidean distance to the critical point θ approximates (the metric
    in which escapes are measured), in θ's own units; invariant under scaling the loss."""
    keep = np.abs(ev) > threshold
    if not np.any(keep):
        return 0.0
    step = D * (V[:, keep] @ ((V[:, keep].T @ (D * grad)) / ev[keep]))
    n_step = float(np.linalg.norm(step))
    n_theta = float(np.linalg.norm(np.concatenate([np.ravel(W) for W in theta])))
    if n_step == 0.0:
        return 0.0
    return n_step / n_theta if n_theta > 0 else math.inf


def newton_step_at(landscape: Landscape, theta: Point, rel_grad: float,
                   tol: Tolerances = DEFAULT_TOLERANCES) -> float:
    """:func:`newton_step_length` at θ from the balanced dense Hessian (recomputed)."""
    from dlnscape.tolerances import balance_scales

    D = balance_scales(landscape, theta)
    ev, V = np.linalg.eigh(D[:, None] * landscape.hessian(theta) * D[None, :])
    thr = hessian_zero_threshold(ev, rel_grad, tol)
    return newton_step_length(D, ev, V, landscape.grad_flat(theta), theta, thr)


def _check_point_and_value(report: CheckReport, landscape: Landscape, cert, theta,
                           critical: bool | None, tol: Tolerances) -> _Base | None:
    """The checks every certificate starts with: its θ (and the θ given to verify), ``L(θ)``
    recomputed against the stored value, and criticality when the certificate claims it."""
    th = _check_theta(report, landscape, cert.theta, theta)
    if th is None:
        return None
    L0 = landscape.value(th)
    rel, gn, sc = relative_gradient_at(landscape, th)
    base = _Base(th, L0, sc, rel, gn)
    _check_value(report, "L(theta)", cert.value, L0, base, tol)
    if critical is True:
        report.add("theta is critical", rel <= tol.critical_rtol, gradient_norm=gn,
                   relative_gradient=rel, rtol=tol.critical_rtol)
    elif critical is False:
        # not critical: the gradient test fails, or (it passes but) a Newton step of more than
        # newton_rtol·‖θ‖ would still move θ (recomputed from the dense Hessian)
        step = None
        if rel <= tol.critical_rtol and landscape.hessian_bytes() <= landscape.memory_budget \
                and landscape.n_params <= 3000:
            step = newton_step_at(landscape, th, rel, tol)
        ok = rel > tol.critical_rtol or (step is not None and step > tol.newton_rtol)
        report.add("theta is not critical", ok, gradient_norm=gn, relative_gradient=rel,
                   rtol=tol.critical_rtol, newton_step=step, newton_rtol=tol.newton_rtol)
    return base


def _check_value(report: CheckReport, name: str, stored: float, recomputed: float,
                 base: _Base, tol: Tolerances) -> bool:
    """A stored value against its recomputation, relative to the value scale at θ."""
    err = abs(float(stored) - recomputed)
    bound = tol.value_rtol * base.scale.value
    return report.add(f"stored {name} matches its recomputation",
                      err <= bound if math.isfinite(err) else False,
                      stored=float(stored), recomputed=recomputed, error=err, bound=bound)


def _check_number(report: CheckReport, name: str, stored, recomputed: float,
                  rtol: float = 1e-6, atol: float = 0.0) -> bool:
    """A stored derived number (an eigenvalue, a threshold) against its recomputation."""
    try:
        st = float(stored)
    except (TypeError, ValueError):
        return report.add(f"stored {name} is a number", False, stored=repr(stored))
    err = abs(st - float(recomputed))
    return report.add(f"stored {name} matches its recomputation",
                      err <= rtol * abs(float(recomputed)) + atol, stored=st,
                      recomputed=float(recomputed), error=err)


def _optional(conv):
    return lambda v: None if v is None else conv(v)


def _points(v) -> tuple:
    return tuple(_layers_from_list(p, "points") for p in v)


_READERS = {
    "theta": lambda v: _layers_from_list(v, "theta"),
    "points": _points,
    "curve": _optional(_points),
    "values": lambda v: tuple(float(x) for x in v),
    "ts": _optional(lambda v: tuple(float(x) for x in v)),
    "taylor_order": _optional(int),
    "taylor_coefficient": _optional(float),
    "rank": _optional(int),
    "r": _optional(int),
    "critical": _optional(bool),
    "details": lambda v: dict(v or {}),
}


class _CertificateBase:
    """Shared ``verify`` and ``from_dict`` (fields read back by name, numbers as float), and the
    short ``str`` / ``_repr_html_`` (:mod:`dlnscape.report.summary`; each subclass takes
    ``__repr__`` too, since ``@dataclass`` would write its own)."""

    def _summary(self) -> Summary:
        rows: list = [("kind", self.kind), ("method", self.method), ("L(θ)", self.value)]
        for label, name in (("sense", "sense"), ("arithmetic", "arithmetic"),
                            ("λ_min", "lambda_min"), ("zero threshold", "threshold"),
                            ("rank W", "rank"), ("r", "r"), ("global value", "global_value"),
                            ("tolerance", "tol"), ("Taylor order", "taylor_order"),
                            ("Taylor coefficient", "taylor_coefficient")):
            v = getattr(self, name, None)
            if v is not None:
                rows.append((label, v))
        pts = getattr(self, "points", ())
        if pts:
            d = [_dist(p, self.theta) for p in pts]
            dv = [v - self.value for v in self.values]
            rows.append(("points", f"{len(pts)}, distances {max(d):.3g} → {min(d):.3g}"))
            rows.append(("L(θ_k) − L(θ)", f"{min(dv):.3g} … {max(dv):.3g}"))
        return Summary(f"{type(self).__name__}: {self.summary()}", tuple(rows),
                       brief=("kind", "method", "L(θ)", "points"))

    __str__ = summary_str
    _repr_html_ = summary_html_method

    def check(self, landscape: Landscape, theta=None, tol=None) -> CheckReport:  # pragma: no cover
        raise NotImplementedError

    def verify(self, landscape: Landscape, theta=None, tol=None) -> bool:
        """True iff every recomputed check passes (see ``check``). Data that do not fit the
        landscape fail a check; anything else that goes wrong inside is raised, never turned
        into False (a crash must not pass as a refuted certificate)."""
        return self.check(landscape, theta, tol).ok

    @classmethod
    def from_dict(cls, d: dict):
        """Inverse of ``to_dict()``; :class:`CertificateError` names a missing field."""
        kw = {}
        for f in fields(cls):
            if f.name in d:
                v = d[f.name]
                read = _READERS.get(f.name)
                if read is not None:
                    kw[f.name] = read(v)
                elif f.type in ("float",):
                    kw[f.name] = float(v)
                else:
                    kw[f.name] = str(v) if isinstance(v, str) else v
            elif f.default is MISSING and f.default_factory is MISSING:
                raise CertificateError(
                    f"{cls.kind} certificate: missing field {f.name!r}"
                )
        try:
            return cls(**kw)
        except (TypeError, ValueError) as e:
            raise CertificateError(f"{cls.kind} certificate: {e}") from None


# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class EscapeCertificate(_CertificateBase):
    """Points ``θ_k → θ`` with ``L(θ_k) < L(θ)`` (``sense="descent"``) or ``>`` (``"ascent"``).

    ``method`` records how they were found: ``negative_curvature`` (a Hessian eigenvector),
    ``taylor`` (a straight line along a Hessian-kernel direction whose lowest non-vanishing
    Taylor order is odd, or even with a negative coefficient), ``quartic_curve`` /
    ``polynomial_curve`` (a curved escape ``θ + tθ_1 + t²θ_2``), ``fiber_move`` (a move inside
    the fiber μ⁻¹(W) to a non-critical point, then a gradient step: Trager et al. 2020, Prop 9),
    ``gradient`` (a non-critical point), ``ball_search`` (numerical minimisation over shrinking
    balls). ``critical`` states whether θ is claimed critical (checked by ``verify``).
    """

    theta: Point
    value: float
    points: tuple[Point, ...]
    values: tuple[float, ...]
    method: str
    sense: str = "descent"
    curve: tuple[Point, ...] | None = None
    ts: tuple[float, ...] | None = None
    taylor_order: int | None = None
    taylor_coefficient: float | None = None
    critical: bool | None = None
    arithmetic: str = "float"
    details: dict = field(default_factory=dict)

    kind = "escape"
    __repr__ = summary_repr

    @property
    def sign(self) -> float:
        return 1.0 if self.sense == "descent" else -1.0

    @property
    def distances(self) -> list[float]:
        return [_dist(p, self.theta) for p in self.points]

    def check(self, landscape: Landscape, theta=None, tol=None) -> CheckReport:
        """Recompute everything; return each test with its numbers.

        What a passing check proves (README, "What is certified"): every stored point p_k has
        ``L(p_k) < L(θ) − ‖∇L(θ)‖·‖p_k − θ‖ − margin`` (``>`` … ``+`` for an ascent), evaluated
        in ball arithmetic on the exact dyadic data; ``margin = tol.margin_rtol`` × the value
        scale at θ. So θ is not a local minimum of the loss tilted by its own residual gradient,
        ``L − ⟨∇L(θ), · − θ⟩`` (for which θ is exactly critical), at the stored scales — a
        residual gradient or a rounding residue can never pass. ``critical=False``
        certificates (non-critical points) need a proven strict decrease only. With
        ``arithmetic="exact"``, θ must be exactly critical (proven) and the decrease is exact.
        """
        tol = as_tolerances(tol)
        rep = CheckReport()
        if not rep.add("sense is descent or ascent", self.sense in ("descent", "ascent"),
                       sense=self.sense):
            return rep
        rep.add("method is known", self.method in ESCAPE_METHODS, method=self.method)
        if self.method == "fiber_move":
            rep.add("fiber moves are loss-preserving only without a regularizer (R is not "
                    "constant on fibers of F)", not landscape.regularized)
        rep.add("arithmetic is float, exact or curvature",
                self.arithmetic in ("float", "exact", "curvature"), arithmetic=self.arithmetic)
        base = _check_point_and_value(rep, landscape, self, theta, self.critical, tol)
        if base is None:
            return rep
        if self.arithmetic == "curvature":
            self._check_curvature(rep, landscape, base, tol)
            return rep
        n = len(self.points)
        rep.add("enough points", n >= MIN_POINTS and len(self.values) == n, n_points=n,
                n_values=len(self.values), minimum=MIN_POINTS)
        pts = []
        for k, p in enumerate(self.points):
            try:
                pts.append(landscape.model.check(p, f"certificate.points[{k}]"))
            except DlnscapeError as e:
                rep.add(f"point {k} fits the architecture", False, error=str(e))
                return rep
        if self.arithmetic == "exact":
            self._check_exact(rep, landscape, base, pts, tol)
            return rep
        self._check_points(rep, landscape, base, pts, tol)
        if self.curve is not None:
            self._check_curve(rep, landscape, base, pts, tol)
        elif self.taylor_order is not None or self.ts is not None:
            rep.add("Taylor data come with a curve", False, taylor_order=self.taylor_order)
        self._check_details(rep, landscape, base)
        return rep

    def _check_curvature(self, rep: CheckReport, landscape: Landscape, base: _Base,
                         tol: Tolerances) -> None:
        """A second-order certificate (``arithmetic="curvature"``).

        Along the stored unit line u, ``uᵀ∇²L(θ)u`` is proven (ball arithmetic) below ``−τ``
        (above ``+τ`` for an ascent), τ the zero threshold of the spectrum of ∇²L(θ)
        (:func:`dlnscape.tolerances.hessian_zero_threshold`, raised with the relative gradient).
        What this proves: θ is an exact critical point of the tilted loss
        ``L − ⟨∇L(θ), · − θ⟩`` (a perturbation of L by a linear term of norm ‖∇L(θ)‖, reported
        by the check) with a proven direction of negative curvature — a strict saddle of that
        loss. It says nothing more about a critical point of L near θ: at strongly unbalanced
        points (a layer of norm ~1e-13 next to one of ~1e4) the third derivative can change the
        curvature by more than τ over the distance to it; the points-based certificate is then
        not available, and this one states exactly what is proven."""
        from dlnscape.architecture import pack
        from dlnscape.critical import interval as iv

        rep.add("a curvature certificate claims a critical point", self.critical is True,
                critical=self.critical)
        rep.add("a curvature certificate is along negative (positive) curvature",
                self.method == ("negative_curvature" if self.sign > 0 else "positive_curvature"),
                method=self.method)
        if not rep.add("ball arithmetic is available for this loss",
                       iv.supports_interval(landscape), loss=type(landscape.loss).__name__):
            return
        if not rep.add("a curvature certificate is a straight line",
                       self.curve is not None and len(self.curve) == 1 and not self.points):
            return
        try:
            u_layers = landscape.direction(self.curve[0], "certificate.curve[0]")
        except DlnscapeError as e:
            rep.add("curve fits the architecture", False, error=str(e))
            return
        u = pack(u_layers)
        nu2 = float(u @ u)
        th = base.theta
        if landscape.n_params <= 3000:
            eigs = np.linalg.eigvalsh(landscape.hessian(th))
        else:
            from dlnscape.landscape import hessian_extreme_eigenvalues

            eigs = np.array([hessian_extreme_eigenvalues(landscape, th, 1, w).values[0]
                             for w in ("smallest", "largest")])
        thr = hessian_zero_threshold(eigs, base.rel_grad, tol, n=landscape.n_params)
        c2 = iv.line_second_coefficient(landscape, th, u_layers)
        need = 0.5 * thr * nu2 * (1.0 + 1e-12)
        rep.add("uᵀ∇²L(θ)u is beyond the zero threshold with the certificate's sign "
                "(a violated second-order condition), proven in ball arithmetic",
                nu2 > 0 and iv.strictly_below(self.sign * c2, -need),
                c2=float(c2.mid()), c2_radius=float(c2.rad()), threshold=thr, u_norm2=nu2,
                tilt_norm_upper=iv.gradient_norm_upper(landscape, th))
        rep.add("stored order is 2", self.taylor_order == 2, stored_order=self.taylor_order)
        _check_number(rep, "second-order coefficient", self.taylor_coefficient,
                      float(c2.mid()), rtol=1e-6)
        self._check_details(rep, landscape, base)

    def _check_points(self, rep: CheckReport, landscape: Landscape, base: _Base, pts: list,
                      tol: Tolerances) -> None:
        from dlnscape.critical import interval as iv

        th = base.theta
        rigorous = iv.supports_interval(landscape)
        claims_critical = self.critical is True
        margin = escape_margin(base.scale, tol) if claims_critical else 0.0
        gup = 0.0
        if claims_critical:
            gup = iv.gradient_norm_upper(landscape, th) if rigorous else base.grad_norm
        rep.add("decreases are evaluated in ball arithmetic (python-flint arb)", True,
                rigorous=rigorous, loss=type(landscape.loss).__name__)
        dists = []
        for k, p in enumerate(pts):
            Lk = landscape.value(p)
            if k < len(self.values):
                _check_value(rep, f"L(theta_{k})", self.values[k], Lk, base, tol)
            what = "below" if self.sign > 0 else "above"
            if rigorous:
                d_ball = iv.distance_ball(p, th)
                s_up = iv.upper(d_ball)
                dists.append(float(d_ball.mid()))
                diff = iv.difference_ball(landscape, p, th)
                need = gup * s_up + margin
                ok = iv.strictly_below(self.sign * diff, -need)
                rep.add(f"point {k} is strictly {what} L(theta) beyond the residual "
                        "(‖∇L(θ)‖·distance + margin), proven in ball arithmetic", ok,
                        difference=float(diff.mid()), difference_radius=float(diff.rad()),
                        required=need, distance=s_up)
            else:
                s = _dist(p, th)
                dists.append(s)
                # no ball arithmetic for this loss: float64 with a rounding allowance of
                # 1e3·eps × the value scale on top of the residual and the margin
                need = gup * s + margin + 1e3 * np.finfo(float).eps * base.scale.value
                dL = Lk - base.value
                rep.add(f"point {k} is strictly {what} L(theta) beyond the residual "
                        "(float64 with a rounding allowance)", self.sign * dL < -need,
                        difference=dL, required=need, distance=s)
        self._check_distances(rep, dists)

    def _curve_and_ts(self, rep: CheckReport, landscape: Landscape, n: int):
        """The stored curve (validated) and its t's (one per point, positive, decreasing)."""
        try:
            curve = [landscape.direction(c, f"certificate.curve[{k}]")
                     for k, c in enumerate(self.curve)]
        except DlnscapeError as e:
            rep.add("curve fits the architecture", False, error=str(e))
            return None, None
        ts = list(self.ts or [])
        if not rep.add("one t per point, positive and decreasing",
                       len(ts) == n and all(t > 0 for t in ts)
                       and all(b < a for a, b in zip(ts, ts[1:], strict=False)), ts=ts):
            return None, None
        return curve, ts

    @staticmethod
    def _check_distances(rep: CheckReport, dists: list[float]) -> None:
        shrinking = all(b < a for a, b in zip(dists, dists[1:], strict=False)) and (
            bool(dists) and dists[-1] > 0.0)
        rep.add("distances strictly decrease", shrinking, distances=dists)
        if dists:
            rep.add("distances shrink overall",
                    dists[-1] * MIN_SHRINK <= dists[0] * (1.0 + SHRINK_RTOL),
                    ratio=(dists[0] / dists[-1]) if dists[-1] > 0 else math.inf,
                    required=MIN_SHRINK)

    def _check_exact(self, rep: CheckReport, landscape: Landscape, base: _Base, pts: list,
                     tol: Tolerances) -> None:
        """Exact rational check: θ exactly critical, ``L(θ(t_k)) < L(θ)`` with no rounding."""
        from dlnscape.critical import interval as iv
        from dlnscape.critical.exact import exact_curve_point, exact_value, fr, supports_exact

        th = base.theta
        if not rep.add("exact arithmetic is available for this loss",
                       supports_exact(landscape) and self.curve is not None,
                       loss=type(landscape.loss).__name__):
            return
        if self.critical is not False:
            rep.add("theta is exactly critical (exact gradient zero, proven without rounding)",
                    iv.is_exactly_critical(landscape, th))
        curve, ts = self._curve_and_ts(rep, landscape, len(pts))
        if curve is None:
            return
        exact0 = [fr(W) for W in th]
        L0 = exact_value(landscape, exact0)
        scale = _norm(th) + sum(_norm(c) for c in curve)
        dists = []
        for k, (p, t) in enumerate(zip(pts, ts, strict=True)):
            ex = exact_curve_point(th, curve, t)
            diff = [np.asarray(e - z, dtype=np.float64) for e, z in zip(ex, exact0, strict=True)]
            dists.append(float(math.sqrt(sum(float(np.sum(d * d)) for d in diff))))
            approx = tuple(np.asarray(e, dtype=np.float64) for e in ex)
            err = _dist(p, approx)
            rep.add(f"point {k} is the stored curve at t_{k}", err <= 1e-12 * scale, error=err)
            dL = exact_value(landscape, ex) - L0
            _check_value(rep, f"L(theta_{k}) (exact)",
                         self.values[k] if k < len(self.values) else math.nan, float(L0 + dL),
                         base, tol)
            diffs = self.details.get("exact_differences")
            if diffs is not None:
                stored = float(diffs[k]) if k < len(diffs) else math.nan
                rep.add(f"stored exact difference {k} matches",
                        abs(stored - float(dL)) <= 1e-9 * abs(float(dL)),
                        stored=stored, recomputed=float(dL))
            rep.add(f"point {k} is strictly {'below' if self.sign > 0 else 'above'} L(theta) "
                    "(exact rational arithmetic)", self.sign * dL < 0, difference=float(dL),
                    distance=dists[-1])
        self._check_distances(rep, dists)
        if self.taylor_order is not None:
            from dlnscape.critical.exact import exact_curve_taylor, exact_leading

            k, ck = exact_leading(exact_curve_taylor(landscape, th, curve))
            cks = self.sign * float(ck)
            stored = self.sign * float(self.taylor_coefficient or 0.0)
            rep.add("lowest non-vanishing Taylor order recomputed exactly",
                    k == self.taylor_order, stored_order=self.taylor_order, recomputed_order=k)
            rep.add("its exact coefficient is negative (a decrease for all small t)",
                    k is not None and cks < 0 and abs(cks - stored) <= 1e-6 * abs(cks),
                    recomputed=cks, stored=stored)

    def _check_curve(self, rep: CheckReport, landscape: Landscape, base: _Base, pts: list,
                     tol: Tolerances) -> None:
        th = base.theta
        curve, ts = self._curve_and_ts(rep, landscape, len(pts))
        if curve is None:
            return
        scale = _norm(th) + sum(_norm(c) for c in curve)
        err = max(_dist(p, point_on_curve(th, curve, t)) for p, t in zip(pts, ts, strict=True))
        rep.add("points lie on the stored curve", err <= 1e-12 * scale, error=err)
        if self.taylor_order is not None:
            self._check_taylor(rep, landscape, th, curve, ts[0], tol)

    def _check_taylor(self, rep: CheckReport, landscape: Landscape, th: Point, curve, t1: float,
                      tol: Tolerances) -> None:
        """The stored leading Taylor term: recomputed, of order ≥ 2 at a critical point (the
        first-order term is the residual), the lower terms negligible at the stored t_1."""
        from dlnscape.critical.polynomial import curve_taylor

        order = None if landscape.is_polynomial else int(self.taylor_order)
        c = self.sign * curve_taylor(landscape, th, curve, order)
        start = 2 if self.critical else 1
        k, ck, thr = leading_taylor(c, t1, start, tol.taylor_rtol)
        rep.add("lowest non-vanishing Taylor order recomputed (terms compared at t_1; order ≥ 2 "
                "at a critical point)", k == self.taylor_order and k is not None and k >= start,
                stored_order=self.taylor_order, recomputed_order=k, coefficients=c.tolist(),
                t1=t1)
        stored = self.sign * float(self.taylor_coefficient or 0.0)
        rep.add("its coefficient is negative and matches the stored one",
                k is not None and ck < 0 and abs(ck - stored) <= 1e-6 * abs(ck),
                recomputed=ck, stored=stored)

    def _check_details(self, rep: CheckReport, landscape: Landscape, base: _Base) -> None:
        """Stored curvature numbers are recomputed: ``uᵀ∇²L(θ)u`` along the stored line u."""
        lam = self.details.get("curvature", self.details.get("eigenvalue"))
        if lam is None or self.curve is None or len(self.curve) != 1:
            return
        from dlnscape.architecture import pack

        u = pack(self.curve[0])
        nu = float(u @ u)
        if nu == 0.0:
            rep.add("curve direction is non-zero", False)
            return
        q = float(u @ landscape.hvp_flat(base.theta, u)) / nu
        _check_number(rep, "curvature uᵀ∇²L(θ)u/‖u‖²", lam, q, rtol=1e-6,
                      atol=1e-9 * abs(q))

    def summary(self) -> str:
        if self.arithmetic == "curvature":
            return (f"escape ({self.sense}, {self.method}, second order): uᵀ∇²L(θ)u = "
                    f"{self.details.get('curvature', float('nan')):.3g} along the stored line, "
                    "proven beyond the Hessian's zero threshold in ball arithmetic")
        d = self.distances
        s = (f"escape ({self.sense}, {self.method}): {len(self.points)} points, distances "
             f"{d[0]:.3g} → {d[-1]:.3g}, L − L(θ) from {self.values[0] - self.value:.3g} to "
             f"{self.values[-1] - self.value:.3g}")
        if self.taylor_order is not None:
            s += f"; leading Taylor term {self.taylor_coefficient:.3g}·t^{self.taylor_order}"
        return s

    def to_dict(self) -> dict:
        return {
            "kind": self.kind,
            "method": self.method,
            "sense": self.sense,
            "theta": _layers_to_list(self.theta),
            "value": float(self.value),
            "points": [_layers_to_list(p) for p in self.points],
            "values": [float(v) for v in self.values],
            "curve": None if self.curve is None else [_layers_to_list(c) for c in self.curve],
            "ts": None if self.ts is None else [float(t) for t in self.ts],
            "taylor_order": self.taylor_order,
            "taylor_coefficient": self.taylor_coefficient,
            "critical": self.critical,
            "arithmetic": self.arithmetic,
            "distances": self.distances,
            "details": self.details,
        }



# ---------------------------------------------------------------------------------------------
def hessian_evidence(landscape: Landscape, theta: Point, rel_grad: float, sign: float = 1.0,
                     tol: Tolerances = DEFAULT_TOLERANCES) -> dict:
    """The dense spectrum of the balanced ``sign·D∇²L(θ)D`` (D = ‖W_k‖ per layer,
    :func:`dlnscape.tolerances.balance_scales`: same inertia as ∇²L by Sylvester's law, and
    invariant under balanced rescaling) with its zero threshold
    (:func:`dlnscape.tolerances.hessian_zero_threshold`) and inertia."""
    from dlnscape.tolerances import balance_scales

    D = balance_scales(landscape, theta)
    eigs = sign * np.linalg.eigvalsh(D[:, None] * landscape.hessian(theta) * D[None, :])
    eigs.sort()
    thr = hessian_zero_threshold(eigs, rel_grad, tol)
    return {"lambda_min": float(eigs[0]), "threshold": thr,
            "inertia": [int(np.sum(eigs < -thr)), int(np.sum(np.abs(eigs) <= thr)),
                        int(np.sum(eigs > thr))]}


def convex_quadratic_evidence(landscape: Landscape, theta: Point,
                              tol: Tolerances = DEFAULT_TOLERANCES) -> dict:
    """Whether L is a strictly convex quadratic with θ its minimiser up to the value tolerance.

    When L is a polynomial of degree ≤ 2 in θ (``Landscape.degree``; e.g. one linear layer
    with a quadratic loss and a HadamardL2 regularizer), ``L(θ + d) = L(θ) + gᵀd + ½dᵀHd``
    exactly with a constant H. If H is positive definite (beyond the zero threshold of its
    balanced spectrum) L is strictly convex, its unique minimiser is ``θ − H⁻¹g`` and
    ``min L = L(θ) − ½gᵀH⁻¹g``; ``ok`` when θ is critical and that gap is within
    :func:`~dlnscape.tolerances.value_tolerance`. Used where the image-based oracle does not
    apply (regularized landscapes)."""
    out: dict[str, Any] = {"ok": False, "quadratic": False, "critical": False,
                           "positive_definite": False, "lambda_min": None, "threshold": None,
                           "global_value": None, "tol": None, "reason": ""}
    deg = landscape.degree
    if deg is None or deg > 2:
        out["reason"] = (f"L is not a polynomial of degree ≤ 2 (degree {deg}), so no convexity "
                         "argument applies")
        return out
    out["quadratic"] = True
    if landscape.n_params > 3000 or landscape.hessian_bytes() > landscape.memory_budget:
        out["reason"] = "the dense Hessian is too large for the convexity argument"
        out["quadratic"] = False
        return out
    rel, _, sc = relative_gradient_at(landscape, theta)
    out["critical"] = rel <= tol.critical_rtol
    ev = hessian_evidence(landscape, theta, rel, 1.0, tol)
    out["lambda_min"], out["threshold"] = ev["lambda_min"], ev["threshold"]
    out["positive_definite"] = ev["inertia"][0] == 0 and ev["inertia"][1] == 0
    if not out["positive_definite"]:
        out["reason"] = (f"L is quadratic but its Hessian is not positive definite (inertia "
                         f"{tuple(ev['inertia'])})")
        return out
    H = landscape.hessian(theta)
    g = landscape.grad_flat(theta)
    gap = 0.5 * float(g @ np.linalg.solve(H, g))
    L0 = landscape.value(theta)
    out["global_value"] = L0 - gap
    out["tol"] = value_tolerance(sc, tol)
    if not out["critical"]:
        out["reason"] = f"θ is not critical (relative gradient {rel:.3g})"
        return out
    out["ok"] = abs(gap) <= out["tol"]
    if not out["ok"]:
        out["reason"] = (f"L(θ) is {gap:.3g} above the convex minimum, beyond the tolerance "
                         f"{out['tol']:.2g}")
    return out


def output_rank(landscape: Landscape, theta: Point, W: np.ndarray | None = None):
    """The rank decision of ``F(θ)`` as a *computed* matrix: singular values below the rounding
    level of the terms F(θ) was computed from (``Π‖W_j‖`` for a product; the model's
    ``scale().output_size`` in general) carry no information
    (:func:`dlnscape.linalg.computed_rank`), so a product with singular values (1.02, 9e-9,
    4e-12) of large factors is not "rank 3"."""
    from dlnscape.linalg import computed_rank, product_rank

    W = landscape.model.forward(theta) if W is None else W
    if landscape.model.linear_network is not None:
        return product_rank(W, theta)
    return computed_rank(W, landscape.model.scale(theta).output_size)


def pure_point_evidence(landscape: Landscape, theta: Point, sign: float = 1.0,
                        tol: Tolerances = DEFAULT_TOLERANCES) -> dict:
    """Every number behind the pure-point proof (Trager et al. 2020, Thm 4 and Prop 6):
    the rank decision of W, the rank of dμ(θ) when it is affordable, stationarity of l on M_r
    (Hofflin 2023, Cor 3.1) relative to the loss's gradient scale, and the spectrum of the
    Riemannian Hessian of ``sign·l`` on the rank-r stratum with its zero threshold."""
    from dlnscape.geometry.manifold import (
        is_stationary_on_Mr,
        riemannian_hessian,
        stratum_frame,
    )

    img = landscape.model.image
    if img is None:
        return {"image": None, "reason": landscape.model.image_reason, "rank": None,
                "r": None, "rank_gap": None, "rank_ambiguous": True, "singular_values": []}
    W = landscape.model.forward(theta)
    dec = output_rank(landscape, theta, W)
    out: dict[str, Any] = {"image": img.to_dict(), "rank": dec.rank, "r": img.r,
                           "rank_gap": dec.gap, "rank_ambiguous": dec.ambiguous,
                           "singular_values": dec.singular_values.tolist()}
    if dec.rank != img.r or dec.ambiguous:
        return out
    m, n = img.end_to_end_shape
    # for a linear network rank W = r already implies a maximal-rank dμ (Trager et al. 2020,
    # Thm 4); any other model must show it, or the submersion argument does not apply
    out["jacobian_required"] = landscape.model.linear_network is None
    if landscape.n_params * m * n <= 4_000_000:
        jr = numerical_rank(landscape.model.jacobian(theta))
        out["jacobian_rank"] = jr.rank
        out["jacobian_rank_expected"] = img.r * (m + n - img.r)
        out["jacobian_ambiguous"] = jr.ambiguous
    loss = landscape.loss
    G = loss.grad(W)
    st = is_stationary_on_Mr(G, W, img.r, tol=tol.stationarity_rtol,
                             scale=loss.magnitude(W).gradient)
    out["stationary"] = st.stationary
    out["stationarity_residuals"] = st.residuals
    out["stationarity_reason"] = st.reason
    frame = stratum_frame(W, rank=img.r)
    HR = sign * riemannian_hessian(loss, W, frame)
    eigs = np.linalg.eigvalsh(HR) if HR.size else np.zeros(0)
    thr = hessian_zero_threshold(eigs, 0.0, tol) if eigs.size else 0.0
    out["stratum_dimension"] = int(eigs.size)
    out["riemannian_lambda_min"] = float(eigs[0]) if eigs.size else math.inf
    out["riemannian_threshold"] = thr
    out["riemannian_inertia"] = [int(np.sum(eigs < -thr)), int(np.sum(np.abs(eigs) <= thr)),
                                 int(np.sum(eigs > thr))]
    return out


@dataclass(frozen=True, eq=False)
class LocalMinimumCertificate(_CertificateBase):
    """A proof that θ is a (strict-in-function-space) local minimum, or maximum.

    ``method="positive_definite_hessian"``: θ critical and ``λ_min(∇²L(θ)) > 0`` beyond the
    zero threshold of :func:`dlnscape.tolerances.hessian_zero_threshold`.

    ``method="pure_riemannian"`` (Trager et al. 2020, Prop 6 with Thm 4): θ critical,
    ``rank W = r`` with an unambiguous gap (so ``dμ(θ)`` has maximal rank ``r(d_h + d_0 − r)``:
    μ is a local submersion onto ``M_r``, hence locally open, Nouiehed–Razaviyayn Lem 10),
    ``W`` stationary on ``M_r`` (Hofflin 2023, Cor 3.1) and the Riemannian Hessian of ``l`` on
    the rank-r stratum positive definite: W is a strict local minimum of ``l|M_r``, and since
    μ maps a neighbourhood of θ into ``M_r``, ``L(θ') = l(μ(θ')) ≥ l(W) = L(θ)`` near θ
    (Nouiehed–Razaviyayn Obs 1 for the converse direction).

    Every stored number (``lambda_min``, ``threshold``, ``rank``, ``r``, the numbers in
    ``details``) is recomputed by ``check``.
    """

    theta: Point
    value: float
    method: str
    lambda_min: float
    threshold: float
    sense: str = "minimum"
    rank: int | None = None
    r: int | None = None
    details: dict = field(default_factory=dict)

    kind = "local_minimum"
    __repr__ = summary_repr

    @property
    def sign(self) -> float:
        return 1.0 if self.sense == "minimum" else -1.0

    def check(self, landscape: Landscape, theta=None, tol=None) -> CheckReport:
        tol = as_tolerances(tol)
        rep = CheckReport()
        if not rep.add("method is known",
                       self.method in ("positive_definite_hessian", "pure_riemannian")
                       and self.sense in ("minimum", "maximum"), method=self.method,
                       sense=self.sense):
            return rep
        base = _check_point_and_value(rep, landscape, self, theta, True, tol)
        if base is None:
            return rep
        th = base.theta
        if self.method == "positive_definite_hessian":
            ev = hessian_evidence(landscape, th, base.rel_grad, self.sign, tol)
            lam, thr = ev["lambda_min"], ev["threshold"]
            rep.add("Hessian is positive definite" if self.sign > 0
                    else "Hessian is negative definite", lam > thr, lambda_min=lam,
                    threshold=thr)
            _check_number(rep, "smallest eigenvalue", self.lambda_min, lam, atol=thr)
            _check_number(rep, "zero threshold", self.threshold, thr)
            rep.add("no rank fields for a Hessian proof", self.rank is None and self.r is None,
                    rank=self.rank, r=self.r)
            self._check_details(rep, {"inertia": ev["inertia"]}, landscape)
            return rep
        if not rep.add("the landscape is not regularized (the pure-point proof is about l on "
                       "M_r, not l ∘ F + R)", not landscape.regularized):
            return rep
        ev = pure_point_evidence(landscape, th, self.sign, tol)
        if not rep.add("the model declares its image M_r", ev["image"] is not None,
                       reason=ev.get("reason")):
            return rep
        r = ev["r"]
        rep.add("rank W = r, unambiguous", ev["rank"] == r and not ev["rank_ambiguous"],
                rank=ev["rank"], r=r, gap=ev["rank_gap"],
                singular_values=ev["singular_values"])
        rep.add("stored rank and r match", self.rank == ev["rank"] and self.r == r,
                stored_rank=self.rank, stored_r=self.r, rank=ev["rank"], r=r)
        if "riemannian_lambda_min" not in ev:
            return rep
        if ev.get("jacobian_required"):
            rep.add("dF(θ) has been ranked (required for a model other than μ_d)",
                    "jacobian_rank" in ev)
        if "jacobian_rank" in ev:
            rep.add("dF(θ) has maximal rank r(d_h + d_0 − r): F is a local submersion onto "
                    "M_r, hence locally open onto it (Trager et al. 2020, Thm 4 for μ_d)",
                    ev["jacobian_rank"] == ev["jacobian_rank_expected"]
                    and not ev["jacobian_ambiguous"], jacobian_rank=ev["jacobian_rank"],
                    expected=ev["jacobian_rank_expected"])
        rep.add("W is stationary on M_r (Hofflin 2023, Cor 3.1)", ev["stationary"] is True,
                residuals=ev["stationarity_residuals"], tol=tol.stationarity_rtol)
        lam, thr = ev["riemannian_lambda_min"], ev["riemannian_threshold"]
        rep.add("Riemannian Hessian of l on M_r is positive definite" if self.sign > 0
                else "Riemannian Hessian of l on M_r is negative definite",
                lam > thr, lambda_min=lam, threshold=thr, dimension=ev["stratum_dimension"])
        _check_number(rep, "smallest eigenvalue", self.lambda_min, lam, atol=thr)
        _check_number(rep, "zero threshold", self.threshold, thr)
        self._check_details(rep, {"riemannian_inertia": ev["riemannian_inertia"],
                                  "stratum_dimension": ev["stratum_dimension"]}, landscape)
        return rep

    def _check_details(self, rep: CheckReport, recomputed: dict, landscape=None) -> None:
        known = set(recomputed) | {"locally_open"}
        extra = sorted(set(self.details) - known)
        rep.add("details hold only re-checked fields", not extra, unknown=extra)
        for k, v in recomputed.items():
            if k in self.details:
                rep.add(f"stored {k} matches its recomputation", self.details[k] == v,
                        stored=self.details[k], recomputed=v)
        if "locally_open" in self.details:
            from dlnscape.geometry import is_locally_open

            if not rep.add("local openness is a statement about μ_d (a LinearNetwork)",
                           landscape is not None
                           and landscape.model.linear_network is not None):
                return

            op = is_locally_open(self.theta)
            st = self.details["locally_open"] or {}
            rep.add("stored local openness matches its recomputation",
                    st.get("is_open") == op.is_open and st.get("theorem") == op.theorem,
                    stored=st, recomputed={"is_open": op.is_open, "theorem": op.theorem})

    def summary(self) -> str:
        what = "Hessian" if self.method == "positive_definite_hessian" else \
            "Riemannian Hessian of l on M_r (pure point, rank W = r)"
        return (f"local {self.sense} ({self.method}): smallest eigenvalue of the {what} "
                f"{self.sign * self.lambda_min:.3g} (threshold {self.threshold:.2g})")

    def to_dict(self) -> dict:
        return {
            "kind": self.kind,
            "method": self.method,
            "sense": self.sense,
            "theta": _layers_to_list(self.theta),
            "value": float(self.value),
            "lambda_min": float(self.lambda_min),
            "threshold": float(self.threshold),
            "rank": self.rank,
            "r": self.r,
            "details": self.details,
        }



# ---------------------------------------------------------------------------------------------
def global_tolerance(gm, scale: PointScale, tol: Tolerances = DEFAULT_TOLERANCES) -> float:
    """How close ``L(θ)`` must be to the oracle's value: its own bound, or ``global_rtol`` ×
    the value scale at θ, whichever is larger (both relative to the problem's units)."""
    return max(float(gm.tol), value_tolerance(scale, tol))


@dataclass(frozen=True)
class GlobalOracle:
    """The global-minimum oracle classification may use for a landscape.

    ``relaxed=False``: the model declares its image M_r and ``minimum`` is ``min_{M_r} l``
    (both "= minimum ⇒ global" and "> minimum ⇒ not global" hold). ``relaxed=True``: the model
    declares no image, so ``minimum`` is the minimum of l over *all* matrices of the output
    shape — a lower bound for every model: attaining it (with ∇l = 0 there) proves global
    minimality, being above it proves nothing."""

    minimum: Any
    image: Any
    relaxed: bool
    reason: str = ""


def global_oracle(landscape: Landscape) -> GlobalOracle:
    """The declared oracle, or the unconstrained relaxation (see :class:`GlobalOracle`)."""
    from dlnscape.models.base import DeterminantalImage

    model = landscape.model
    img = model.image
    if landscape.regularized:
        return GlobalOracle(None, img, img is None,
                            "regularized landscape: min l over the image of F (Eckart–Young, "
                            "Trager et al. 2020 §3.3) is not the global minimum of l ∘ F + R")
    try:
        if img is not None:
            gm, why = model.global_minimum_report(landscape.loss)
            return GlobalOracle(gm, img, False, why or "")
        m, n = model.output_shape
        full = DeterminantalImage(m, n, min(m, n))
        from dlnscape.functional.global_minimum import global_minimum_report

        rep = global_minimum_report(landscape.loss, full.as_architecture())
        why = (f"{model.image_reason}; the unconstrained minimum of l over all {m}×{n} "
               "matrices is only a lower bound"
               + ("" if rep.minimum is not None else f" and is unavailable ({rep.reason})"))
        return GlobalOracle(rep.minimum, full, True, why)
    except DlnscapeError as e:
        return GlobalOracle(None, img, img is None, f"global minimum oracle failed: {e}")


@dataclass(frozen=True, eq=False)
class GlobalMinimumCertificate(_CertificateBase):
    """``L(θ)`` equals ``min_{M_r} l`` within ``tol`` (Trager et al. 2020, §3.3 and Thm 12;
    Nouiehed–Razaviyayn Lem 7 for rank-deficient X; Kawaguchi 2016, Thm 2.3).

    ``verify`` recomputes ``L(θ)`` and calls ``dlnscape.functional.global_minimum`` afresh; the
    stored ``global_value`` is only compared with the recomputed one.
    """

    theta: Point
    value: float
    global_value: float
    tol: float
    method: str
    details: dict = field(default_factory=dict)

    kind = "global_minimum"
    __repr__ = summary_repr

    def check(self, landscape: Landscape, theta=None, tol=None) -> CheckReport:
        tol = as_tolerances(tol)
        rep = CheckReport()
        base = _check_point_and_value(rep, landscape, self, theta, None, tol)
        if base is None:
            return rep
        th, L0 = base.theta, base.value
        if self.method == "convex_quadratic":
            self._check_convex(rep, landscape, base, tol)
            return rep
        oracle = global_oracle(landscape)
        gm, img = oracle.minimum, oracle.image
        rep.add("the certificate names the oracle kind (declared image or unconstrained "
                "lower bound)", bool(self.details.get("relaxed", False)) == oracle.relaxed,
                stored=self.details.get("relaxed", False), recomputed=oracle.relaxed)
        if not rep.add("an independent global minimum exists", gm is not None,
                       reason=oracle.reason):
            return rep
        gv = float(gm.value)
        gtol = global_tolerance(gm, base.scale, tol)
        rep.add("oracle certified", bool(getattr(gm, "certified", True)), method=gm.method)
        rep.add("stored method is the oracle's", self.method == gm.method, stored=self.method,
                recomputed=gm.method)
        _check_value(rep, "global minimum value", self.global_value, gv, base, tol)
        lW = float(landscape.loss.value(gm.W))
        rep.add("the oracle's minimiser attains its value", abs(lW - gv) <= gtol,
                l_at_minimiser=lW, value=gv, tol=gtol)
        rk = numerical_rank(np.asarray(gm.W))
        rep.add("the oracle's minimiser lies in M_r", rk.rank <= img.r, rank=rk.rank, r=img.r)
        rep.add("L(theta) equals the global minimum value (relative to the value scale)",
                abs(L0 - gv) <= gtol, value=L0, global_value=gv, difference=L0 - gv, tol=gtol)
        from dlnscape.geometry.manifold import is_stationary_on_Mr

        W = landscape.model.forward(th)
        st = is_stationary_on_Mr(landscape.loss.grad(W), W, img.r,
                                 tol=tol.stationarity_rtol,
                                 scale=landscape.loss.magnitude(W).gradient)
        rep.add("W is stationary on M_r, as every minimiser of l on M_r is (Hofflin 2023, "
                "Lem 3.2)", st.stationary is True, residuals=st.residuals, tol=st.tol)
        _check_number(rep, "tolerance", self.tol, gtol)
        return rep

    def _check_convex(self, rep: CheckReport, landscape: Landscape, base: _Base,
                      tol: Tolerances) -> None:
        """``method="convex_quadratic"``: L is a polynomial of degree ≤ 2 in θ (so
        ``L(θ + d) = L(θ) + gᵀd + ½dᵀHd`` exactly, H constant), H is positive definite
        (recomputed), and ``L(θ) − min L = ½gᵀH⁻¹g`` is within the value tolerance."""
        ev = convex_quadratic_evidence(landscape, base.theta, tol)
        rep.add("L is a polynomial of degree ≤ 2 in θ (constant Hessian)", ev["quadratic"],
                degree=landscape.degree)
        if not ev["quadratic"]:
            return
        rep.add("θ is critical", ev["critical"], relative_gradient=base.rel_grad,
                rtol=tol.critical_rtol)
        rep.add("the Hessian is positive definite (L is strictly convex)", ev["positive_definite"],
                lambda_min=ev["lambda_min"], threshold=ev["threshold"])
        if not ev["positive_definite"]:
            return
        gv = ev["global_value"]
        _check_value(rep, "global minimum value", self.global_value, gv, base, tol)
        rep.add("L(theta) equals the minimum L(θ) − ½gᵀH⁻¹g (relative to the value scale)",
                abs(base.value - gv) <= ev["tol"], value=base.value, global_value=gv,
                difference=base.value - gv, tol=ev["tol"])
        _check_number(rep, "tolerance", self.tol, ev["tol"])
        rep.add("details hold only re-checked fields", set(self.details) <= {"lambda_min"},
                unknown=sorted(set(self.details) - {"lambda_min"}))
        if "lambda_min" in self.details:
            _check_number(rep, "smallest Hessian eigenvalue", self.details["lambda_min"],
                          ev["lambda_min"], atol=ev["threshold"])

    def summary(self) -> str:
        if self.method == "convex_quadratic":
            return (f"global minimum (convex_quadratic): L is a strictly convex quadratic, "
                    f"L(θ) − min L = {self.value - self.global_value:.3g} within tolerance "
                    f"{self.tol:.2g}")
        return (f"global minimum ({self.method}): L(θ) − min l|M_r = "
                f"{self.value - self.global_value:.3g} within tolerance {self.tol:.2g}")

    def to_dict(self) -> dict:
        return {
            "kind": self.kind,
            "method": self.method,
            "theta": _layers_to_list(self.theta),
            "value": float(self.value),
            "global_value": float(self.global_value),
            "tol": float(self.tol),
            "details": self.details,
        }



Certificate = EscapeCertificate | LocalMinimumCertificate | GlobalMinimumCertificate

_KINDS = {
    "escape": EscapeCertificate,
    "local_minimum": LocalMinimumCertificate,
    "global_minimum": GlobalMinimumCertificate,
}


#: the certificates (kind, sense) that together prove each verdict
REQUIRED = {
    "global_minimum": {("global_minimum", None)},
    "local_minimum": {("local_minimum", "minimum")},
    "local_maximum": {("local_minimum", "maximum")},
    "strict_saddle": {("escape", "descent"), ("escape", "ascent")},
    "degenerate_saddle": {("escape", "descent"), ("escape", "ascent")},
    "not_critical": {("escape", "descent")},
    "undetermined": set(),
}


def certificate_kinds(certs) -> set:
    """``{(kind, sense)}`` of a list of certificates (sense None for the global one)."""
    return {(c.kind, getattr(c, "sense", None) if c.kind != "global_minimum" else None)
            for c in certs}


def check_verdict(landscape: Landscape, theta, verdict: str, certs: Sequence,
                  tol=None, dense_max_params: int = 3000) -> CheckReport:
    """Re-check every certificate about ``theta`` and that together they prove ``verdict``.

    The one check behind ``Classification.verify`` and ``dlnscape verify``: each certificate
    must verify from scratch; the set of certificates must be the one the verdict needs
    (:data:`REQUIRED`); a strict saddle needs a descent along negative curvature; a degenerate
    saddle needs ∇²L(θ) ⪰ 0 (recomputed); every escape at a claimed critical point must claim
    criticality (so a non-critical point is never passed off as a saddle), and the
    not-critical verdict must come with a non-critical escape.
    """
    tol = as_tolerances(tol)
    rep = CheckReport()
    if not rep.add("verdict is known", verdict in REQUIRED, verdict=verdict):
        return rep
    certs = list(certs)
    for i, c in enumerate(certs):
        sub = c.check(landscape, theta, tol)
        rep.add(f"certificate {i}: {c.kind} ({getattr(c, 'method', '')}) verifies", sub.ok,
                index=i, failures=sub.failures)
    kinds = certificate_kinds(certs)
    rep.add("certificates support the verdict", REQUIRED[verdict] <= kinds, verdict=verdict,
            have=sorted(map(str, kinds)))
    escapes = [c for c in certs if c.kind == "escape"]
    if verdict == "not_critical":
        rep.add("the escape is at a point claimed non-critical",
                all(c.critical is False for c in escapes), critical=[c.critical for c in escapes])
    elif escapes:
        rep.add("every escape claims a critical point", all(c.critical is True for c in escapes),
                critical=[c.critical for c in escapes])
    if verdict == "strict_saddle":
        rep.add("the descent is along negative curvature (a strict saddle)",
                any(c.sense == "descent" and c.method == "negative_curvature" for c in escapes),
                methods=[c.method for c in escapes])
    if verdict == "degenerate_saddle":
        th = landscape.model.check(theta, "theta")
        rel = relative_gradient_at(landscape, th)[0]
        if landscape.n_params <= dense_max_params:
            ev = hessian_evidence(landscape, th, rel, 1.0, tol)
            rep.add("∇²L(θ) has no negative eigenvalue (a degenerate saddle)",
                    ev["inertia"][0] == 0, lambda_min=ev["lambda_min"],
                    threshold=ev["threshold"])
        else:
            from dlnscape.landscape import hessian_extreme_eigenvalues

            lo = hessian_extreme_eigenvalues(landscape, th, 1, "smallest")
            hi = hessian_extreme_eigenvalues(landscape, th, 1, "largest")
            thr = hessian_zero_threshold(np.array([lo.values[0], hi.values[0]]), rel, tol,
                                         n=landscape.n_params)
            rep.add("∇²L(θ) has no negative eigenvalue (a degenerate saddle; Lanczos)",
                    float(lo.values[0]) >= -thr, lambda_min=float(lo.values[0]), threshold=thr)
    return rep


def certificate_from_dict(d: dict) -> Certificate:
    """Rebuild any certificate from its ``to_dict()`` (dispatch on ``d["kind"]``)."""
    if not isinstance(d, dict) or "kind" not in d:
        raise CertificateError("certificate: expected a dictionary with a 'kind' field")
    cls = _KINDS.get(d["kind"])
    if cls is None:
        raise CertificateError(
            f"certificate.kind: expected one of {sorted(_KINDS)}, got {d['kind']!r}"
        )
    return cls.from_dict(d)

