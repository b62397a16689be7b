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
  value of ``l`` on ``M_r`` (``dlnscape.functional.global_minimum``) within a stated tolerance.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import MISSING, dataclass, field, fields
from typing import Any

import numpy as np

from dlnscape.architecture import Point, check_point, end_to_end
from dlnscape.errors import DlnscapeError
from dlnscape.landscape import Landscape
from dlnscape.linalg import CRITICAL_RTOL, inertia, numerical_rank, relative_gradient_norm

#: a stored value must agree with its recomputation to this relative accuracy
VALUE_RTOL = 1e-9
#: a decrease counts only if it exceeds this multiple of (1 + |L(θ)|): far above rounding error
MARGIN_RTOL = 1e-11
#: a Taylor coefficient counts as non-vanishing above this multiple of the largest coefficient
TAYLOR_RTOL = 1e-9
#: tolerance added to the oracle's own tolerance when comparing with the global minimum value
GLOBAL_RTOL = 1e-9
#: minimal number of escape points, and how much the distances must shrink overall
MIN_POINTS = 3
MIN_SHRINK = 4.0


class CertificateError(DlnscapeError, ValueError):
    """A certificate file or dictionary that cannot be read."""


def escape_margin(value: float) -> float:
    """The decrease an escape point must show: ``MARGIN_RTOL · (1 + |L(θ)|)``."""
    return MARGIN_RTOL * (1.0 + abs(float(value)))


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


def _point_on_curve(theta: Point, curve: Sequence[Point], t: float) -> Point:
    out = [np.array(W, dtype=np.float64, copy=True) for W in theta]
    for k, c in enumerate(curve, start=1):
        for i in range(len(out)):
            out[i] = out[i] + (t**k) * c[i]
    return tuple(out)


def leading_taylor(
    coeffs: np.ndarray, rtol: float = TAYLOR_RTOL
) -> tuple[int | None, float, float]:
    """Lowest order k ≥ 1 whose coefficient exceeds ``rtol · max(1, max_j |c_j|)``.

    Returns ``(k, c_k, tol)``; ``k`` is None when every coefficient of order ≥ 1 vanishes.
    """
    c = np.asarray(coeffs, dtype=np.float64)
    tol = rtol * max(1.0, float(np.max(np.abs(c))) if c.size else 0.0)
    for k in range(1, c.size):
        if abs(c[k]) > tol:
            return k, float(c[k]), tol
    return None, 0.0, tol


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
        stored = check_point(landscape.arch, stored, "certificate.theta")
    except DlnscapeError as e:
        report.add("theta fits the architecture", False, error=str(e))
        return None
    if theta is not None:
        try:
            given = check_point(landscape.arch, theta, "theta")
        except DlnscapeError as e:
            report.add("theta given to verify fits the architecture", False, error=str(e))
            return None
        d = _dist(given, stored)
        report.add("certificate is about the given theta", d == 0.0, distance=d)
    return stored


def _check_point_and_value(report: CheckReport, landscape: Landscape, cert, theta,
                           critical: bool | None) -> tuple[Point, float] | None:
    """The checks every certificate starts with: its θ (and the θ given to verify), ``L(θ)``
    recomputed against the stored value, and criticality when the certificate claims it."""
    th = _check_theta(report, landscape, cert.theta, theta)
    if th is None:
        return None
    L0 = landscape.value(th)
    _check_value(report, "L(theta)", cert.value, L0)
    if critical is not None:
        _check_critical(report, landscape, th, L0, critical)
    return th, L0


def _check_value(report: CheckReport, name: str, stored: float, recomputed: float) -> bool:
    err = abs(float(stored) - recomputed)
    return report.add(
        f"stored {name} matches its recomputation", err <= VALUE_RTOL * (1.0 + abs(recomputed)),
        stored=float(stored), recomputed=recomputed, error=err,
    )


def _check_critical(report: CheckReport, landscape: Landscape, theta: Point, value: float,
                    critical: bool) -> None:
    gn = float(np.linalg.norm(landscape.grad_flat(theta)))
    rel = relative_gradient_norm(gn, value)
    ok = rel <= CRITICAL_RTOL if critical else rel > CRITICAL_RTOL
    report.add("theta is critical" if critical else "theta is not critical", ok,
               gradient_norm=gn, relative_gradient_norm=rel, rtol=CRITICAL_RTOL)


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
    """Shared ``verify`` and ``from_dict`` (fields read back by name, numbers as float)."""

    def check(self, landscape: Landscape, theta=None) -> CheckReport:  # pragma: no cover
        raise NotImplementedError

    def verify(self, landscape: Landscape, theta=None) -> bool:
        """True iff every recomputed check passes (see ``check``); never raises on bad data."""
        try:
            return self.check(landscape, theta).ok
        except (DlnscapeError, ValueError, TypeError, IndexError):
            return False

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

    @property
    def sign(self) -> float:
        return 1.0 if self.sense == "descent" else -1.0

    @property
    def distances(self) -> list[float]:
        return [_dist(p, self.theta) for p in self.points]

    def check(self, landscape: Landscape, theta=None) -> CheckReport:
        """Recompute everything; return each test with its numbers."""
        rep = CheckReport()
        if not rep.add("sense is descent or ascent", self.sense in ("descent", "ascent"),
                       sense=self.sense):
            return rep
        base = _check_point_and_value(rep, landscape, self, theta, self.critical)
        if base is None:
            return rep
        th, L0 = base
        n = len(self.points)
        rep.add("enough points", n >= MIN_POINTS and len(self.values) == n, n_points=n,
                n_values=len(self.values), minimum=MIN_POINTS)
        if self.arithmetic == "exact":
            self._check_exact(rep, landscape, th)
            return rep
        margin = escape_margin(L0)
        pts = []
        for k, p in enumerate(self.points):
            try:
                pts.append(check_point(landscape.arch, p, f"certificate.points[{k}]"))
            except DlnscapeError as e:
                rep.add(f"point {k} fits the architecture", False, error=str(e))
                return rep
        dists = [_dist(p, th) for p in pts]
        for k, p in enumerate(pts):
            Lk = landscape.value(p)
            if k < len(self.values):
                _check_value(rep, f"L(theta_{k})", self.values[k], Lk)
            rep.add(f"point {k} is strictly {'below' if self.sign > 0 else 'above'} L(theta)",
                    self.sign * (Lk - L0) < -margin, difference=Lk - L0, margin=margin,
                    distance=dists[k])
        self._check_distances(rep, dists)
        if self.curve is not None:
            self._check_curve(rep, landscape, th, pts)
        return rep

    def _curve_and_ts(self, rep: CheckReport, landscape: Landscape, n: int):
        """The stored curve (validated) and its t's (one per point, positive, decreasing)."""
        try:
            curve = [check_point(landscape.arch, c, f"certificate.curve[{k}]")
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
            rep.add("distances shrink overall", dists[-1] * MIN_SHRINK <= dists[0],
                    ratio=(dists[0] / dists[-1]) if dists[-1] > 0 else math.inf,
                    required=MIN_SHRINK)

    def _check_exact(self, rep: CheckReport, landscape: Landscape, th: Point) -> None:
        """Exact rational check: ``L(θ(t_k)) < L(θ)`` with no rounding (``_exact``)."""
        from dlnscape.critical._exact import exact_curve_point, exact_value, fr, supports_exact

        if not rep.add("exact arithmetic is available for this loss",
                       supports_exact(landscape.loss) and self.curve is not None,
                       loss=type(landscape.loss).__name__):
            return
        try:
            pts = [check_point(landscape.arch, p, f"certificate.points[{k}]")
                   for k, p in enumerate(self.points)]
        except DlnscapeError as e:
            rep.add("points fit the architecture", False, error=str(e))
            return
        curve, ts = self._curve_and_ts(rep, landscape, len(pts))
        if curve is None:
            return
        exact0 = [fr(W) for W in th]
        L0 = exact_value(landscape.loss, exact0)
        scale = 1.0 + _norm(th) + sum(_norm(c) for c in curve)
        dists = []
        for k, (p, t) in enumerate(zip(pts, ts, strict=True)):
            ex = exact_curve_point(th, curve, t)
            diff = [np.asarray(e - z, dtype=np.float64) for e, z in zip(ex, exact0, strict=True)]
            dists.append(float(math.sqrt(sum(float(np.sum(d * d)) for d in diff))))
            approx = tuple(np.asarray(e, dtype=np.float64) for e in ex)
            err = _dist(p, approx)
            rep.add(f"point {k} is the stored curve at t_{k}", err <= 1e-12 * scale, error=err)
            dL = exact_value(landscape.loss, ex) - L0
            _check_value(rep, f"L(theta_{k}) (exact)",
                         self.values[k] if k < len(self.values) else math.nan, float(L0 + dL))
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
            from dlnscape.critical._exact import exact_curve_taylor, exact_leading

            k, ck = exact_leading(exact_curve_taylor(landscape.loss, th, curve))
            cks = self.sign * float(ck)
            stored = self.sign * float(self.taylor_coefficient or 0.0)
            rep.add("lowest non-vanishing Taylor order recomputed exactly",
                    k == self.taylor_order, stored_order=self.taylor_order, recomputed_order=k)
            rep.add("its exact coefficient is negative (a decrease for all small t)",
                    k is not None and cks < 0 and abs(cks - stored) <= 1e-6 * abs(cks),
                    recomputed=cks, stored=stored)

    def _check_curve(self, rep: CheckReport, landscape: Landscape, th: Point, pts: list) -> None:
        curve, ts = self._curve_and_ts(rep, landscape, len(pts))
        if curve is None:
            return
        scale = 1.0 + _norm(th) + sum(_norm(c) for c in curve)
        err = max(_dist(p, _point_on_curve(th, curve, t)) for p, t in zip(pts, ts, strict=True))
        rep.add("points lie on the stored curve", err <= 1e-12 * scale, error=err)
        if self.taylor_order is not None:
            self._check_taylor(rep, landscape, th, curve)

    def _check_taylor(self, rep: CheckReport, landscape: Landscape, th: Point, curve) -> None:
        from dlnscape.critical._poly import curve_taylor

        order = None if landscape.loss.is_polynomial else int(self.taylor_order)
        c = self.sign * curve_taylor(landscape, th, curve, order)
        c[0] = 0.0
        k, ck, tol = leading_taylor(c)
        rep.add("lowest non-vanishing Taylor order recomputed", k == self.taylor_order,
                stored_order=self.taylor_order, recomputed_order=k, coefficients=c.tolist(),
                tol=tol)
        stored = self.sign * float(self.taylor_coefficient or 0.0)
        rep.add("its coefficient is negative (a decrease for all small t)",
                k is not None and ck < -tol
                and abs(ck - stored) <= 1e-6 * abs(ck) + tol,
                recomputed=ck, stored=stored, tol=tol)


    def summary(self) -> str:
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
#: eigenvalues below this multiple of ‖∇L‖ are not resolvable at a point that is critical only
#: up to ‖∇L‖ (moving by δ ≈ ‖∇L‖/λ to the critical set shifts them by O(‖∇³L‖δ))
GRADIENT_EIG_FACTOR = 100.0


def hessian_zero_threshold(eigs: np.ndarray, gradient_norm: float = 0.0) -> float:
    """Eigenvalues with ``|λ| ≤`` this count as zero: ``linalg.inertia``'s threshold, raised to
    ``GRADIENT_EIG_FACTOR · ‖∇L‖``."""
    return max(inertia(eigs)[3], GRADIENT_EIG_FACTOR * float(gradient_norm))


def _hessian_threshold(eigs: np.ndarray, gradient_norm: float = 0.0) -> float:
    return hessian_zero_threshold(eigs, gradient_norm)


@dataclass(frozen=True, eq=False)
class LocalMinimumCertificate(_CertificateBase):
    """A proof that θ is a (strict-in-function-space) local minimum, or maximum.

    ``method="positive_definite_hessian"``: θ critical and ``λ_min(∇²L(θ)) > 0`` beyond the
    tolerance of ``dlnscape.linalg.inertia``.

    ``method="pure_riemannian"`` (Trager et al. 2020, Prop 6 with Thm 4): θ critical,
    ``rank W = r`` with an unambiguous gap (so ``dμ(θ)`` has maximal rank ``r(d_h + d_0 − r)``:
    μ is a local submersion onto ``M_r``, hence locally open, Nouiehed–Razaviyayn Lem 10),
    ``W`` stationary on ``M_r`` (Hofflin 2023, Cor 3.1) and the Riemannian Hessian of ``l`` on
    the rank-r stratum positive definite: W is a strict local minimum of ``l|M_r``, and since
    μ maps a neighbourhood of θ into ``M_r``, ``L(θ') = l(μ(θ')) ≥ l(W) = L(θ)`` near θ
    (Nouiehed–Razaviyayn Obs 1 for the converse direction).
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

    @property
    def sign(self) -> float:
        return 1.0 if self.sense == "minimum" else -1.0

    def check(self, landscape: Landscape, theta=None) -> CheckReport:
        rep = CheckReport()
        if not rep.add("method is known",
                       self.method in ("positive_definite_hessian", "pure_riemannian")
                       and self.sense in ("minimum", "maximum"), method=self.method,
                       sense=self.sense):
            return rep
        base = _check_point_and_value(rep, landscape, self, theta, True)
        if base is None:
            return rep
        th, L0 = base
        if self.method == "positive_definite_hessian":
            eigs = self.sign * np.linalg.eigvalsh(landscape.hessian(th))
            thr = _hessian_threshold(eigs, float(np.linalg.norm(landscape.grad_flat(th))))
            lam = float(eigs[0])
            rep.add("Hessian is positive definite" if self.sign > 0
                    else "Hessian is negative definite", lam > thr, lambda_min=lam,
                    threshold=thr)
            rep.add("stored smallest eigenvalue matches",
                    abs(lam - self.lambda_min) <= 1e-6 * abs(lam) + thr,
                    stored=self.lambda_min, recomputed=lam)
            return rep
        from dlnscape.geometry.manifold import (
            is_stationary_on_Mr,
            riemannian_hessian,
            stratum_frame,
        )

        arch = landscape.arch
        W = end_to_end(th)
        dec = numerical_rank(W)
        rep.add("rank W = r, unambiguous", dec.rank == arch.r and not dec.ambiguous
                and self.rank == arch.r, rank=dec.rank, r=arch.r, gap=dec.gap,
                singular_values=dec.singular_values.tolist())
        m, n = arch.end_to_end_shape
        P = arch.n_params
        if P * m * n <= 4_000_000:
            jr = numerical_rank(landscape.model.jacobian(th))
            want = arch.r * (m + n - arch.r)
            rep.add("dμ(θ) has maximal rank r(d_h + d_0 − r): μ locally open onto M_r "
                    "(Trager et al. 2020, Thm 4)", jr.rank == want and not jr.ambiguous,
                    jacobian_rank=jr.rank, expected=want, gap=jr.gap)
        loss = landscape.loss
        G = loss.grad(W)
        st = is_stationary_on_Mr(G, W, arch.r)
        rep.add("W is stationary on M_r (Hofflin 2023, Cor 3.1)", st.stationary is True,
                residuals=st.residuals, tol=st.tol)
        frame = stratum_frame(W, rank=arch.r)
        HR = self.sign * riemannian_hessian(loss, W, frame)
        eigs = np.linalg.eigvalsh(HR) if HR.size else np.zeros(0)
        thr = _hessian_threshold(eigs) if eigs.size else 0.0
        lam = float(eigs[0]) if eigs.size else math.inf
        rep.add("Riemannian Hessian of l on M_r is positive definite" if self.sign > 0
                else "Riemannian Hessian of l on M_r is negative definite",
                lam > thr, lambda_min=lam, threshold=thr, dimension=int(eigs.size))
        rep.add("stored smallest eigenvalue matches",
                abs(lam - self.lambda_min) <= 1e-6 * abs(lam) + thr,
                stored=self.lambda_min, recomputed=lam)
        return rep


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

    def check(self, landscape: Landscape, theta=None) -> CheckReport:
        rep = CheckReport()
        base = _check_point_and_value(rep, landscape, self, theta, None)
        if base is None:
            return rep
        th, L0 = base
        try:
            from dlnscape.functional import global_minimum
        except ImportError as e:  # pragma: no cover - functional is part of the package
            rep.add("global-minimum oracle available", False, error=str(e))
            return rep
        gm = global_minimum(landscape.loss, landscape.arch)
        if not rep.add("an independent global minimum exists", gm is not None):
            return rep
        gv = float(gm.value)
        tol = max(float(gm.tol), GLOBAL_RTOL * (1.0 + abs(gv)))
        rep.add("oracle certified", bool(getattr(gm, "certified", True)), method=gm.method)
        _check_value(rep, "global minimum value", self.global_value, gv)
        lW = float(landscape.loss.value(gm.W))
        rep.add("the oracle's minimiser attains its value", abs(lW - gv) <= tol,
                l_at_minimiser=lW, value=gv, tol=tol)
        rk = numerical_rank(np.asarray(gm.W))
        rep.add("the oracle's minimiser lies in M_r", rk.rank <= landscape.arch.r,
                rank=rk.rank, r=landscape.arch.r)
        rep.add("L(theta) equals the global minimum value", abs(L0 - gv) <= tol,
                value=L0, global_value=gv, difference=L0 - gv, tol=tol)
        from dlnscape.geometry.manifold import is_stationary_on_Mr

        W = end_to_end(th)
        st = is_stationary_on_Mr(landscape.loss.grad(W), W, landscape.arch.r)
        rep.add("W is stationary on M_r, as every minimiser of l on M_r is (Hofflin 2023, "
                "Lem 3.2)", st.stationary is True, residuals=st.residuals, tol=st.tol)
        rep.add("stored tolerance is not looser than the recomputed one",
                self.tol <= tol * (1 + 1e-9), stored=self.tol, recomputed=tol)
        return rep


    def summary(self) -> str:
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

