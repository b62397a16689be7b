"""Searches for escapes from a point: curves along which the loss strictly decreases (or increases).

Each search returns an :class:`~dlnscape.critical.certificates.EscapeCertificate` built from a
*polynomial curve* ``θ(t) = θ + tθ_1 + … + t^qθ_q`` whose exact Taylor expansion (polynomial
losses) has a negative lowest non-vanishing coefficient, together with explicit points on it.
Methods, in the order :func:`search_escape` tries them:

1. ``negative_curvature`` — an eigenvector of a negative Hessian eigenvalue (straight line).
2. ``taylor`` — straight lines along Hessian-kernel directions (basis vectors and random
   combinations): the lowest non-vanishing Taylor order is odd, or even with a negative
   coefficient (Hofflin 2023, Prop 2.1 and Def 2.4; Kawaguchi 2016, Cor 2.4 for the zero points).
3. ``fiber_move`` — a straight line ``θ + tD`` inside the fiber μ⁻¹(W) (rank-one moves of
   ``dlnscape.geometry.fiber_moves``, single and chained), on which L is constant, followed by
   descent: if ``∇L(θ + tD) = t^p g_p + O(t^{p+1})`` with ``g_p ≠ 0`` then the curve
   ``θ + tD − α t^p g_p`` has ``L − L(θ) = −α t^{2p}‖g_p‖² + …`` (Trager et al. 2020, Lem 2 and
   Prop 9: at a critical point with ``rk W < r`` and ``∇l(W) ≠ 0`` such moves exist). Not
   tried on a regularized landscape (``l ∘ F + R`` is not constant on fibers of F).
4. ``quartic_curve`` — curved escapes ``θ + tθ_1 + t²θ_2`` with ``θ_1`` in the Hessian kernel:
   the t⁴ coefficient ``c_4(θ_1) + ⟨g_2, θ_2⟩ + ½θ_2ᵀ∇²Lθ_2`` (``g_2 = ½∇³L[θ_1, θ_1, ·]``) is
   minimised over θ_2 (``θ_2 = −∇²L⁺ g_2``, or along the kernel part of ``g_2``).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from dlnscape.architecture import Point, pack
from dlnscape.critical.certificates import MIN_POINTS, EscapeCertificate, leading_taylor
from dlnscape.critical.polynomial import (
    curve_product,
    curve_taylor,
    flat_directions,
    gradient_series,
    pack_batch,
)
from dlnscape.errors import PointError
from dlnscape.landscape import Landscape
from dlnscape.tolerances import (
    DEFAULT_TOLERANCES,
    Tolerances,
    escape_margin,
    point_scale,
)
from dlnscape.validate import check_rng

#: an escape point must beat what verify() requires by this factor (verify evaluates in ball
#: arithmetic, so a small factor covers the float64 values the search sees)
SAFETY = 4.0
TAYLOR_RTOL = DEFAULT_TOLERANCES.taylor_rtol
#: number of points stored in an escape certificate
N_POINTS = 5
#: exact rational evaluation is used only up to this many parameters (it is slow)
EXACT_MAX_PARAMS = 400


@dataclass(frozen=True)
class EscapeBudget:
    """How hard :func:`search_escape` tries before answering "no escape found".

    ``directions``: straight lines tested in the Hessian kernel; ``curves``: kernel directions
    tried as the first-order term of curved escapes; ``fiber_moves``: rank-one fiber moves
    (single and chained) tried; ``seconds``: wall-clock cap for the whole search.
    """

    directions: int = 48
    curves: int = 24
    fiber_moves: int = 24
    seconds: float = 20.0

    def to_dict(self) -> dict:
        return {"directions": self.directions, "curves": self.curves,
                "fiber_moves": self.fiber_moves, "seconds": self.seconds}


def _taylor_order_cap(landscape: Landscape, q: int) -> int | None:
    """``None`` (whole polynomial) for polynomial losses, a finite order otherwise."""
    return None if landscape.is_polynomial else max(4, 2 * q * landscape.layout.h)


def certificate_on_curve(
    landscape: Landscape,
    theta: Point,
    curve: Sequence[Point],
    method: str,
    *,
    sense: str = "descent",
    value: float | None = None,
    critical: bool | None = None,
    details: dict | None = None,
    n_points: int = N_POINTS,
    order: int | None = None,
    tol: Tolerances = DEFAULT_TOLERANCES,
    facts: PointFacts | None = None,
) -> EscapeCertificate | None:
    """An escape certificate along ``θ(t) = θ + Σ t^k curve[k-1]``, or None if it does not escape.

    ``n_points`` consecutive values ``t = 2^{-j}`` are stored whose decrease (``sense="ascent"``:
    increase) beats what ``verify`` requires by ``SAFETY``: at a point claimed critical, the
    residual ``‖∇L(θ)‖·distance`` plus the margin (README, "What is certified"). The lowest
    Taylor term of order ≥ 2 (≥ 1 at a non-critical point) at the first stored t is recorded
    when it is a decrease. When θ is *exactly* critical (proven in exact arithmetic) and float64
    cannot resolve the decrease, the points are evaluated in exact rational arithmetic.
    ``facts``: the point's scale, gradient norm and exact criticality when the caller tries
    many curves at one θ (computed here otherwise).
    """
    facts = PointFacts(landscape, theta) if facts is None else facts
    sign = 1.0 if sense == "descent" else -1.0
    L0 = landscape.value(theta) if value is None else value
    if order is None or landscape.is_polynomial:
        order = _taylor_order_cap(landscape, len(curve))
    c = sign * curve_taylor(landscape, theta, curve, order)
    c[0] = 0.0
    start = 2 if critical else 1
    scale = facts.scale
    gnorm = facts.grad_norm if critical else 0.0
    margin = escape_margin(scale, tol) if critical else 0.0
    rounding = 1e3 * np.finfo(float).eps * scale.value
    from dlnscape.critical.certificates import point_on_curve  # same construction as verify

    ts: list[float] = []
    pts: list[Point] = []
    vals: list[float] = []
    prev_d = np.inf
    # t scans powers of two down from the size of θ (the units of θ, never an absolute 1) or,
    # when larger, from the length at which the curve's leading decrease c_k t^k reaches the
    # value scale (near θ = 0, ‖θ‖ is no length of the problem at all)
    nth = float(np.sqrt(sum(float(np.sum(W * W)) for W in theta)))
    lead = next((k for k in range(start, len(c)) if c[k] != 0.0), None)
    if critical and lead is not None and c[lead] < 0 and scale.value > 0:
        nth = max(nth, float((scale.value / abs(c[lead])) ** (1.0 / lead)))
    j0 = -int(np.round(np.log2(nth))) if nth > 0 else 0
    for j in range(j0, j0 + 64):
        t = 2.0 ** (-j)
        p = point_on_curve(theta, curve, t)
        try:
            v = landscape.value(p)
        except PointError:  # the curve left the model's domain at this t (e.g. W_i = 0)
            if ts:
                break
            continue
        d = float(np.sqrt(sum(np.sum((a - b) ** 2) for a, b in zip(p, theta, strict=True))))
        need = SAFETY * (2.0 * gnorm * d + margin + rounding)
        if sign * (v - L0) < -need and d < prev_d:
            ts.append(t)
            pts.append(p)
            vals.append(v)
            prev_d = d
            if len(ts) == n_points:
                break
        elif ts:
            break  # the run of working t's ended before n_points
    if len(ts) < min(n_points, MIN_POINTS):
        return _exact_certificate(landscape, theta, curve, method, sense, L0, critical, details,
                                  n_points, facts)
    k, ck, _ = leading_taylor(c, ts[0], start, tol.taylor_rtol)
    if k is None or ck >= 0:
        k, ck = None, None
    return EscapeCertificate(
        theta=tuple(theta), value=float(L0), points=tuple(pts), values=tuple(vals), method=method,
        sense=sense, curve=tuple(tuple(c_) for c_ in curve), ts=tuple(ts), taylor_order=k,
        taylor_coefficient=None if ck is None else sign * ck, critical=critical,
        details=dict(details or {}),
    )


class PointFacts:
    """What every curve tried at one θ needs, computed once and on demand: the problem's scales
    at θ, ‖∇L(θ)‖, and whether θ is exactly critical (which costs a high-precision gradient)."""

    def __init__(self, landscape: Landscape, theta: Point):
        self._L, self._theta = landscape, theta
        self._scale = self._gnorm = self._exact = None

    @property
    def scale(self):
        if self._scale is None:
            self._scale = point_scale(self._L, self._theta)
        return self._scale

    @property
    def grad_norm(self) -> float:
        if self._gnorm is None:
            self._gnorm = float(np.linalg.norm(self._L.grad_flat(self._theta)))
        return self._gnorm

    @property
    def exact_ok(self) -> bool:
        """Exact rational escapes only at points that are *exactly* critical: at any other
        float point a decrease below float resolution is the residual gradient, not an
        escape."""
        if self._exact is None:
            from dlnscape.critical.exact import supports_exact
            from dlnscape.critical.interval import is_exactly_critical

            self._exact = bool(supports_exact(self._L)
                               and self._L.n_params <= EXACT_MAX_PARAMS
                               and is_exactly_critical(self._L, self._theta))
        return self._exact


def _exact_certificate(landscape, theta, curve, method, sense, L0, critical, details,
                       n_points, facts: PointFacts) -> EscapeCertificate | None:
    """Points too close to θ for floating point: evaluate the decrease in exact arithmetic.

    The leading term ``c_k t^k`` dominates once ``|c_k| t^k > Σ_{j>k} |c_j| t^j``; start from
    ``t* = min_j (|c_k| / (2K|c_j|))^{1/(j−k)}`` and scan ``t = 2^{-j}`` with exact Fractions.
    """
    from dlnscape.critical.exact import (
        exact_curve_point,
        exact_curve_taylor,
        exact_leading,
        exact_value,
        fr,
        supports_exact,
    )

    # at a point claimed critical only an exactly critical θ may escape below float resolution
    # (otherwise the decrease is the residual gradient); a non-critical point needs only a
    # strict exact decrease
    if not (facts.exact_ok if critical else (critical is False and supports_exact(landscape)
                                             and landscape.n_params <= EXACT_MAX_PARAMS)):
        return None
    sign = 1.0 if sense == "descent" else -1.0
    ex = exact_curve_taylor(landscape, theta, curve)
    k, cke = exact_leading(ex)
    if k is None or sign * cke >= 0:
        return None
    c = sign * np.array([float(x) for x in ex])
    c[0] = 0.0
    ck = float(sign * cke)
    K = len(c) - 1
    tstar = 1.0
    for j in range(k + 1, K + 1):
        if c[j] != 0:
            tstar = min(tstar, (abs(ck) / (2 * K * abs(c[j]))) ** (1.0 / (j - k)))
    j0 = max(0, int(np.floor(-np.log2(tstar))) - 1)
    exact0 = [fr(W) for W in theta]
    E0 = exact_value(landscape, exact0)
    from dlnscape.critical.certificates import point_on_curve

    ts, pts, vals, diffs = [], [], [], []
    for j in range(j0, j0 + 40):
        t = 2.0 ** (-j)
        ex = exact_curve_point(theta, curve, t)
        dL = exact_value(landscape, ex) - E0
        if sign * dL < 0:
            ts.append(t)
            pts.append(point_on_curve(theta, curve, t))
            vals.append(float(E0 + dL))
            diffs.append(float(dL))
            if len(ts) == n_points:
                break
        elif ts:
            ts, pts, vals, diffs = [], [], [], []
    if len(ts) < n_points:
        return None
    det = dict(details or {})
    det["exact_differences"] = diffs
    return EscapeCertificate(
        theta=tuple(theta), value=float(L0), points=tuple(pts), values=tuple(vals), method=method,
        sense=sense, curve=tuple(tuple(c_) for c_ in curve), ts=tuple(ts), taylor_order=k,
        taylor_coefficient=sign * ck, critical=critical, arithmetic="exact", details=det,
    )


def _unit(v: np.ndarray) -> np.ndarray:
    n = float(np.linalg.norm(v))
    return v / n if n > 0 else v


class _Search:
    """State shared by the escape strategies at one point."""

    def __init__(self, landscape: Landscape, theta: Point, value: float, sense: str,
                 budget: EscapeBudget, rng: np.random.Generator, critical: bool | None,
                 tol: Tolerances = DEFAULT_TOLERANCES):
        self.L = landscape
        self.theta = theta
        self.value = value
        self.sense = sense
        self.sign = 1.0 if sense == "descent" else -1.0
        self.budget = budget
        self.rng = rng
        self.critical = critical
        self.tol = tol
        self.facts = PointFacts(landscape, theta)
        self.t0 = time.perf_counter()
        self.attempts: list[dict] = []

    def out_of_time(self) -> bool:
        return time.perf_counter() - self.t0 > self.budget.seconds

    def vec_to_point(self, v: np.ndarray) -> Point:
        return self.L.unpack(np.asarray(v, dtype=np.float64))

    def try_curve(
        self, curve_vecs: Sequence[np.ndarray], method: str, **details
    ) -> EscapeCertificate | None:
        curve = [self.vec_to_point(v) for v in curve_vecs]
        return certificate_on_curve(self.L, self.theta, curve, method, sense=self.sense,
                                    value=self.value, critical=self.critical, details=details,
                                    tol=self.tol, facts=self.facts)

    def line_order(self, u: np.ndarray) -> tuple[int | None, float, np.ndarray]:
        c = self.sign * curve_taylor(self.L, self.theta, [self.vec_to_point(u)],
                                     _taylor_order_cap(self.L, 1))
        c[0] = 0.0
        k, ck, _ = leading_taylor(c, 1.0, 2 if self.critical else 1, self.tol.taylor_rtol)
        return k, ck, c


def _negative_curvature(s: _Search, vec: np.ndarray, lam: float) -> EscapeCertificate | None:
    cert = s.try_curve([_unit(vec)], "negative_curvature", eigenvalue=float(lam))
    s.attempts.append({"method": "negative_curvature", "eigenvalue": float(lam),
                       "success": cert is not None})
    return cert


def _kernel_directions(s: _Search, K: np.ndarray, n: int) -> list[tuple[str, np.ndarray]]:
    """Random combinations first (they see every monomial), then the basis vectors."""
    k = K.shape[1]
    out: list[tuple[str, np.ndarray]] = []
    n_rand = min(n, max(4, n // 3))
    for _ in range(n_rand):
        out.append(("random kernel combination", _unit(K @ s.rng.standard_normal(k))))
    for i in range(min(k, n - n_rand)):
        out.append((f"kernel basis vector {i}", K[:, i].copy()))
    return out


def _taylor_lines(s: _Search, K: np.ndarray) -> EscapeCertificate | None:
    tried = 0
    orders: dict[int, int] = {}
    for label, u in _kernel_directions(s, K, s.budget.directions):
        if s.out_of_time():
            break
        tried += 1
        k, ck, _ = s.line_order(u)
        if k is None:
            continue
        orders[k] = orders.get(k, 0) + 1
        if k % 2 == 1 or ck < 0:
            if k % 2 == 1 and ck > 0:
                u = -u
            cert = s.try_curve([u], "taylor", direction=label, order=k,
                               parity="odd" if k % 2 else "even, negative coefficient")
            if cert is not None:
                s.attempts.append({"method": "taylor", "directions_tried": tried,
                                   "orders_seen": orders, "success": True})
                return cert
    s.attempts.append({"method": "taylor", "directions_tried": tried,
                       "orders_seen": {str(k): v for k, v in orders.items()}, "success": False})
    return None


def _gradient_along_line(s: _Search, D: np.ndarray, deg: int) -> list[np.ndarray]:
    U = flat_directions(s.L, D[:, None])
    series = gradient_series(s.L, s.theta, U, deg)
    return [pack_batch(g)[:, 0] for g in series]


def _descend_from_line(
    s: _Search, D: np.ndarray, method: str, **details
) -> EscapeCertificate | None:
    """Curve ``θ + tD − α t^p g_p`` where ``g_p`` is the first non-vanishing gradient term."""
    # the gradient along a line is a polynomial of degree < deg L (2h − 1 for a quadratic loss
    # of a linear network); a truncated series otherwise
    deg = s.L.degree if s.L.degree is not None else 2 * s.L.layout.h
    gs = _gradient_along_line(s, D, deg)
    # relative to the largest term of the series, never to an absolute 1
    scale = max(float(np.linalg.norm(g)) for g in gs[1:]) if len(gs) > 1 else 0.0
    p = next((j for j in range(1, len(gs))
              if scale > 0 and np.linalg.norm(gs[j]) > TAYLOR_RTOL * scale), None)
    if p is None:
        return None
    g = s.sign * gs[p]
    # the t^{2p} coefficient contains −α‖g‖² + ½α²·gᵀ∇²Lg: start from its minimiser
    gHg = s.sign * float(g @ s.L.hvp_flat(s.theta, g))
    alphas = [1.0, 0.1, 0.01, 1e-3]
    if gHg > 0:
        a_star = float(g @ g) / gHg
        alphas = [a_star, 0.5 * a_star, 0.1 * a_star] + alphas
    for alpha in alphas:
        curve = [D] + [np.zeros_like(D)] * (p - 1)
        curve[p - 1] = curve[p - 1] - alpha * g if p > 1 else D - alpha * g
        cert = s.try_curve(curve, method, gradient_order=p, alpha=alpha, **details)
        if cert is not None:
            return cert
    return None


def _is_fiber_line(s: _Search, D: np.ndarray) -> bool:
    Dp = s.vec_to_point(D)
    model = s.L.model
    coeffs = curve_product(s.L, s.theta, [Dp], _taylor_order_cap(s.L, 1) or 4)
    # the size of the terms of F(θ + tD) (for μ_d: products of the layer norms)
    moved = tuple(W + d for W, d in zip(s.theta, Dp, strict=True))
    scale = max(model.scale(s.theta).output_size, model.scale(moved).output_size)
    return all(float(np.linalg.norm(c)) <= 1e-12 * scale for c in coeffs[1:])


def _fiber_directions(s: _Search) -> list[tuple[str, np.ndarray]]:
    model = s.L.model
    seed = int(s.rng.integers(2**31))
    first = model.fiber_moves(s.theta, rng=seed, delta=1.0, per_kernel=2)
    if first is None:  # the model declares no fiber moves
        return []
    base = pack(s.theta)
    out: list[tuple[str, np.ndarray]] = []
    for mv in first:
        out.append((f"move W_{mv.layer} ({mv.side})", pack(mv.theta) - base))
    # chained moves: a second move at the moved point (kernels change after a move)
    for mv in first[: max(1, s.budget.fiber_moves // 4)]:
        for mv2 in model.fiber_moves(mv.theta, rng=seed + 1, delta=1.0) or ():
            if mv2.layer != mv.layer:
                out.append((f"moves W_{mv.layer} ({mv.side}) then W_{mv2.layer} ({mv2.side})",
                            pack(mv2.theta) - base))
    return out[: s.budget.fiber_moves]


def _fiber(s: _Search) -> EscapeCertificate | None:
    if s.L.regularized:
        # R is not constant on fibers of F (the GL orbit is no symmetry of l ∘ F + R): the
        # Trager et al. construction does not apply, so it is not tried
        s.attempts.append({"method": "fiber_move", "success": False,
                           "skipped": "regularized landscape: fiber moves change R"})
        return None
    tried = 0
    lines = 0
    for label, D in _fiber_directions(s):
        if s.out_of_time():
            break
        tried += 1
        D = _unit(D)
        if not _is_fiber_line(s, D):
            continue
        lines += 1
        cert = _descend_from_line(s, D, "fiber_move", move=label,
                                  source="Trager et al. 2020, Lem 2 and Prop 9")
        if cert is not None:
            s.attempts.append({"method": "fiber_move", "moves_tried": tried,
                               "exact_fiber_lines": lines, "success": True})
            return cert
    s.attempts.append({"method": "fiber_move", "moves_tried": tried, "exact_fiber_lines": lines,
                       "success": False})
    return None


def _quartic(s: _Search, K: np.ndarray, eigvals: np.ndarray | None, eigvecs: np.ndarray | None
             ) -> EscapeCertificate | None:
    tried = 0
    for label, u in _kernel_directions(s, K, s.budget.curves):
        if s.out_of_time():
            break
        tried += 1
        k, ck, _ = s.line_order(u)
        if k is not None and k <= 3:
            continue  # a line already decides (taylor strategy)
        gs = _gradient_along_line(s, u, 2)
        g2 = s.sign * gs[2]
        n2 = float(np.linalg.norm(g2))
        if n2 == 0.0 or n2 <= TAYLOR_RTOL * float(np.linalg.norm(gs[1])):
            continue
        candidates = []
        gK = K @ (K.T @ g2)
        nK = float(np.linalg.norm(gK))
        if nK > TAYLOR_RTOL * float(np.linalg.norm(g2)):
            candidates += [("kernel part of g2", -a * gK / nK) for a in (1.0, 10.0, 100.0)]
        if eigvals is not None and eigvecs is not None:
            thr = np.max(np.abs(eigvals)) * 1e-10
            keep = np.abs(eigvals) > thr
            V = eigvecs[:, keep]
            pinv = V @ ((V.T @ g2) / (s.sign * eigvals[keep]))
            candidates.append(("-H^+ g2", -pinv))
        for what, th2 in candidates:
            for sgn in (1.0, -1.0):
                cert = s.try_curve([sgn * u, th2], "quartic_curve", direction=label,
                                   second_order_term=what)
                if cert is not None:
                    s.attempts.append({"method": "quartic_curve", "directions_tried": tried,
                                       "success": True})
                    return cert
    s.attempts.append({"method": "quartic_curve", "directions_tried": tried, "success": False})
    return None


def search_escape(
    landscape: Landscape,
    theta: Point,
    *,
    sense: str = "descent",
    value: float | None = None,
    eigvals: np.ndarray | None = None,
    eigvecs: np.ndarray | None = None,
    threshold: float = 0.0,
    kernel: np.ndarray | None = None,
    critical: bool | None = True,
    budget: EscapeBudget | None = None,
    rng: np.random.Generator | int | None = None,
    tol: Tolerances | dict | None = None,
) -> tuple[EscapeCertificate | None, list[dict]]:
    """Try every method in turn; return the first certificate found and the log of attempts.

    ``eigvals``/``eigvecs``: Hessian eigenpairs (ascending) if already computed; ``kernel``: an
    orthonormal basis of the numerical Hessian kernel (columns, packed order); ``threshold``:
    the zero tolerance of the eigenvalues (``dlnscape.linalg.inertia``).
    """
    budget = budget or EscapeBudget()
    gen = check_rng(rng)
    L0 = landscape.value(theta) if value is None else float(value)
    from dlnscape.tolerances import as_tolerances

    s = _Search(landscape, theta, L0, sense, budget, gen, critical, as_tolerances(tol))
    sign = s.sign
    if eigvals is not None and eigvecs is not None and eigvals.size:
        e = sign * eigvals
        i = int(np.argmin(e))
        if e[i] < -threshold:
            cert = _negative_curvature(s, eigvecs[:, i], float(eigvals[i]))
            if cert is not None:
                return cert, s.attempts
    if kernel is None:
        kernel = np.zeros((landscape.n_params, 0))
    if kernel.shape[1]:
        cert = _taylor_lines(s, kernel)
        if cert is not None:
            return cert, s.attempts
    cert = _fiber(s)
    if cert is not None:
        return cert, s.attempts
    if kernel.shape[1]:
        cert = _quartic(s, kernel, eigvals, eigvecs)
        if cert is not None:
            return cert, s.attempts
    return None, s.attempts


def gradient_escape(landscape: Landscape, theta: Point, value: float | None = None,
                    sense: str = "descent", tol: Tolerances = DEFAULT_TOLERANCES
                    ) -> EscapeCertificate | None:
    """At a non-critical point: the line ``θ − t∇L(θ)`` (its t¹ coefficient is ``−‖∇L‖²``)."""
    g = landscape.grad_flat(theta)
    sign = 1.0 if sense == "descent" else -1.0
    m = float(np.max(np.abs(g))) if g.size else 0.0
    if m == 0.0:
        return None
    u = g / m  # scaled first: ‖g‖ of entries ~1e-200 underflows
    d = -sign * u / float(np.linalg.norm(u))
    return certificate_on_curve(landscape, theta, [landscape.unpack(d)], "gradient",
                                sense=sense, value=value, critical=False, tol=tol)


def curvature_certificate(landscape: Landscape, theta: Point, v: np.ndarray, sense: str = "descent",
                          value: float | None = None, tol: Tolerances = DEFAULT_TOLERANCES
                          ) -> EscapeCertificate | None:
    """A second-order escape (``arithmetic="curvature"``) along the unit line v: for negative
    curvature whose decrease is too small to beat the value-scale margin at any float distance
    (a saddle at resolution far below ‖θ‖), the violated second-order condition itself is the
    certificate, checked in ball arithmetic (see ``EscapeCertificate._check_curvature``)."""
    from dlnscape.critical import interval as iv

    if not iv.supports_interval(landscape):
        return None
    v = np.asarray(v, dtype=np.float64)
    v = v / np.linalg.norm(v)
    u = landscape.unpack(v)
    c2 = float(iv.line_second_coefficient(landscape, theta, u).mid())
    L0 = landscape.value(theta) if value is None else float(value)
    cert = EscapeCertificate(
        theta=tuple(theta), value=L0, points=(), values=(),
        method="negative_curvature" if sense == "descent" else "positive_curvature",
        sense=sense, curve=(u,), ts=None, taylor_order=2, taylor_coefficient=c2, critical=True,
        arithmetic="curvature", details={"curvature": float(v @ landscape.hvp_flat(theta, v))})
    return cert if cert.verify(landscape, tol=tol) else None
