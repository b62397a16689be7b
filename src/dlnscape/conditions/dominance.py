"""Gradient dominance near global minimizers: Zhou & Liang 2018, Thm 1–3 (catalog T-003-Thm1,
T-003-Thm2, T-003-Thm3, T-003-Def-GD), the theoretical constants and radii, and their
empirical counterparts.

The inequality (T-003-Def-GD) is ``L(θ) − L* ≤ λ ‖∇L(θ)‖²`` on a neighbourhood of a global
minimizer θ*. The text's constants (its loss ½‖e‖²; the package's SquaredLoss is the same,
other normalisations are converted by :mod:`dlnscape.conditions.setting`):

* **Thm 1** (square deep linear network, m = d): ``τ = ½ min_k η_min(W_k*)``; on
  ``{‖W_k − W_k*‖ < τ ∀k}`` (spectral norms) ``λ_h = (2lτ^{2(l−1)}η_min²(X))⁻¹``. The proof goes
  through the pointwise constant (eq (40)) ``λ_h(W) = (2Σ_k η_min²(W_{k−1}⋯W_1X)
  η_min²(W_l⋯W_{k+1}))⁻¹``, valid at every full-rank W (:func:`pointwise_constant`).
* **Thm 2** (residual network, full-rank A*): ``τ = ½ min_k η_min(W_k*)``,
  ``τ̃ = ½ min_{k,q} η_min(A_kq*)``, τ̂ such that ``‖A_kq − A_kq*‖ < τ̂ ∀k,q`` implies
  ``‖W_k − W_k*‖ < τ ∀k``; on ``{‖A_kq − A_kq*‖ < min(τ̂, τ̃)}``
  ``λ_f = (2lrτ̃^{2(r−1)}τ^{2(l−1)}η_min²(X))⁻¹``; pointwise: eqs (49)–(50). τ̂ is found as the
  catalog asks, by bisection on sampled perturbations (``tau_hat``); ``tau_hat_certified`` is a
  proven value from ``‖Π_q(A_q + Δ_q) − Π_q A_q‖ ≤ Π_q(‖A_q‖ + t) − Π_q‖A_q‖`` (every term of
  the expansion with a Δ is bounded by the product of the norms), so
  ``tau_hat_certified ≤ (best τ̂) ≤ tau_hat`` up to sampling.
* **Thm 3** (one hidden layer, m = d, range σ = R): ``τ = ½η_min(σ(W_1*X))``; on
  ``{W : ‖σ(W_1X) − σ(W_1*X)‖ ≤ τ}`` (W_2 free) ``λ_g = (2τ²)⁻¹``; pointwise (the proof's
  intermediate) ``(2η_min²(σ(W_1X)))⁻¹``.

η_min is the smallest non-zero singular value in the text; at the full-rank points where the
bounds are claimed it is σ_min (:func:`~dlnscape.conditions.setting.sigma_min`), and the
pointwise constants are +∞ at rank-deficient points, where the text claims nothing.

Besides the text's constants this module reports the *sharp* pointwise constant
``λ♯(θ) = (2 σ_{d²}(G(θ))²)⁻¹`` (G the error Jacobian; :func:`sharp_pointwise_constant`): since
``∇L = c Gᵀvec(e)`` and e lies in the d²-dimensional range of G, it is the supremum of
``(L − L*)/‖∇L‖²`` over the errors at θ, so ``ratio(θ) ≤ λ♯(θ) ≤ λ_text(θ) ≤ λ``.

Extension (stated where used): the theorems assume m = d (L* = 0). For the linear and residual
networks with m > d the same proofs bound ``L − L*`` (``e(θ*)Xᵀ = 0``, so ``∇L`` only sees the
excess ``e − e*``, whose rows lie in the row space of X); ``hypotheses["m = d"]`` is then False.

Empirical supremum (:func:`estimate_gradient_dominance`): random points in the neighbourhood
(half on its boundary, half inside) and an adversarial maximisation of the ratio (L-BFGS-B from
the worst samples and from the worst direction at θ*, on a smooth map onto the open
neighbourhood, exact gradient of the ratio through Hessian-vector products). A point where
the inequality fails beyond what rounding can explain is a violation, returned with the point
and its numbers.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np

from dlnscape.architecture import Point, pack
from dlnscape.conditions.setting import (
    EPS,
    ZhouLiangProblem,
    blocks,
    chain,
    check_global,
    error,
    error_jacobian,
    error_size,
    sigma_min,
    unit_matrices,
    zhou_liang_problem,
)
from dlnscape.errors import DlnscapeError
from dlnscape.report.summary import Summary, summary_html_method, summary_repr
from dlnscape.validate import check_rng

#: a ratio is "resolved" when its relative rounding error is below this (else it is skipped)
RESOLVED_RTOL = 1e-3
#: a resolved ratio above λ·(1 + VIOLATION_RTOL + 10·rounding) is a violation
VIOLATION_RTOL = 1e-9
#: the open balls of the theorems are sampled at this fraction of their radius at most
OPEN = 1.0 - 1e-9
#: the adversarial search's optimizer (scipy.optimize.minimize method, unconstrained)
_METHOD = "BFGS"

THEOREMS = {
    "linear": ("Zhou & Liang 2018, Thm 1", "T-003-Thm1"),
    "residual": ("Zhou & Liang 2018, Thm 2", "T-003-Thm2"),
    "one_hidden": ("Zhou & Liang 2018, Thm 3", "T-003-Thm3"),
}


def _jsonable_point(theta) -> list:
    return [np.asarray(B).tolist() for B in theta]


# ==============================================================================================
# pointwise constants
# ==============================================================================================
def _text_pointwise(problem: ZhouLiangProblem, theta: Point) -> float:
    """The pointwise constant of the text's proof for the text's loss (½‖e‖²): eq (40),
    eqs (49)–(50) or the Thm 3 intermediate; +∞ at a rank-deficient point."""
    d, X = problem.d, problem.X
    if problem.kind == "one_hidden":
        eta = sigma_min(problem.sigma.value(theta[0] @ X))
        return math.inf if eta == 0.0 else 1.0 / (2.0 * eta * eta)
    units = blocks(problem, theta)
    Ws = unit_matrices(problem, theta)
    if any(sigma_min(W) == 0.0 for W in Ws):
        return math.inf
    total = 0.0
    for k in range(len(Ws)):
        left = sigma_min(chain(Ws[:k], d) @ X)
        right = sigma_min(chain(Ws[k + 1:], d))
        outer = (left * right) ** 2
        if problem.kind == "linear":
            total += outer
            continue
        A = units[k]
        if any(sigma_min(a) == 0.0 for a in A):
            return math.inf
        for q in range(len(A)):
            lo = sigma_min(chain(A[:q], d))
            hi = sigma_min(chain(A[q + 1:], d))
            total += outer * (lo * hi) ** 2
    return math.inf if total == 0.0 else 1.0 / (2.0 * total)


def pointwise_constant(landscape, theta) -> float:
    """The pointwise gradient-dominance constant of Zhou & Liang's proofs at θ, for the
    landscape's loss: Thm 1 proof eq (40) ``(2Σ_k η²(W_{<k}X)η²(W_{>k}))⁻¹`` (linear), Thm 2
    proof eqs (49)–(50) (residual), Thm 3 proof ``(2η²(σ(W_1X)))⁻¹`` (one-hidden), divided by
    the loss factor c (``L = c·½‖e‖²``). +∞ where a factor is rank deficient (the text claims
    the bound at full-rank points only)."""
    p = zhou_liang_problem(landscape)
    theta = landscape.point(theta)
    return _text_pointwise(p, theta) / p.loss_factor


def _sharp(problem: ZhouLiangProblem, landscape, theta: Point) -> float:
    s = np.linalg.svd(error_jacobian(problem, landscape, theta), compute_uv=False)
    k = problem.d * problem.d
    sk = float(s[k - 1]) if s.size >= k else 0.0
    if sk <= 1e-12 * float(s[0]):
        return math.inf
    return 1.0 / (2.0 * sk * sk) / problem.loss_factor


def sharp_pointwise_constant(landscape, theta) -> float:
    """``λ♯(θ) = (2σ_{d²}(G(θ))²)⁻¹ / c``: the supremum of ``(L − L*)/‖∇L‖²`` over all errors
    e in the range of the error Jacobian G at θ (module docstring); the text's pointwise
    constants are upper bounds of it (``η_min(G_k)²`` summed ≤ ``λ_min(Σ_k G_kG_kᵀ)``)."""
    p = zhou_liang_problem(landscape)
    return _sharp(p, landscape, landscape.point(theta))


# ==============================================================================================
# the theoretical bound
# ==============================================================================================
@dataclass(frozen=True)
class DominanceBound:
    """The constant and neighbourhood of Zhou & Liang's Thm 1 / 2 / 3 at θ*.

    ``lam`` is for the landscape's loss L (``lam_text / loss_factor``); ``radius`` and
    ``neighbourhood`` say where the theorem claims ``L − L* ≤ lam‖∇L‖²``. Residual only:
    ``tau_tilde``, ``tau_hat`` (bisection on sampled perturbations), ``tau_hat_certified``
    (proven), ``radius_certified = min(tau_hat_certified, tau_tilde)``."""

    theorem: str
    catalog_id: str
    kind: str
    lam: float
    lam_text: float
    tau: float
    radius: float
    neighbourhood: str
    eta_min_X: float
    L_star: float
    pointwise_at_star: float
    sharp_at_star: float
    problem: ZhouLiangProblem
    theta_star: Point = field(repr=False)
    tau_tilde: float | None = None
    tau_hat: float | None = None
    tau_hat_certified: float | None = None
    radius_certified: float | None = None
    vacuous: bool = False
    notes: tuple[str, ...] = ()

    @property
    def hypotheses(self) -> dict:
        return dict(self.problem.hypotheses)

    def to_dict(self) -> dict:
        return {"theorem": self.theorem, "catalog_id": self.catalog_id, "kind": self.kind,
                "lam": self.lam, "lam_text": self.lam_text, "tau": self.tau,
                "tau_tilde": self.tau_tilde, "tau_hat": self.tau_hat,
                "tau_hat_certified": self.tau_hat_certified, "radius": self.radius,
                "radius_certified": self.radius_certified, "neighbourhood": self.neighbourhood,
                "eta_min_X": self.eta_min_X, "L_star": self.L_star,
                "pointwise_at_star": self.pointwise_at_star,
                "sharp_at_star": self.sharp_at_star, "vacuous": self.vacuous,
                "problem": self.problem.to_dict(), "notes": list(self.notes)}

    def _summary(self) -> Summary:
        return Summary(str(self), (
            ("theorem", f"{self.theorem} ({self.catalog_id}, {self.kind})"), ("λ", self.lam),
            ("λ as printed", self.lam_text), ("τ", self.tau), ("radius", self.radius),
            ("certified radius", self.radius_certified), ("neighbourhood", self.neighbourhood),
            ("η_min(X)", self.eta_min_X), ("L*", self.L_star), ("vacuous", self.vacuous)),
            brief=("λ", "radius", "vacuous"))

    __repr__ = summary_repr
    _repr_html_ = summary_html_method

    def __str__(self) -> str:
        return (f"{self.theorem}: λ = {self.lam:.4g} on {self.neighbourhood} "
                f"(radius {self.radius:.4g})")


def _unit_spectral(M: np.ndarray) -> np.ndarray:
    n = float(np.linalg.norm(M, 2))
    return M / n if n > 0 else M


def _random_orthogonal(gen: np.random.Generator, d: int) -> np.ndarray:
    Q, R = np.linalg.qr(gen.standard_normal((d, d)))
    return Q * np.sign(np.diag(R))


def _perturbation_directions(gen: np.random.Generator, star_blocks: list[np.ndarray],
                             n: int) -> np.ndarray:
    """``n`` perturbations of unit spectral norm per block (shape n × blocks × d × d), mixing
    random orthogonal matrices, normalised Gaussians, ±A*/‖A*‖ and ±(top singular pair of A*);
    the first sample is +A*/‖A*‖ in every block (the radial direction that saturates the
    product bound when the factors are aligned)."""
    nb = len(star_blocks)
    d = star_blocks[0].shape[0]
    out = np.empty((n, nb, d, d))
    aligned = [_unit_spectral(A) for A in star_blocks]
    tops = []
    for A in star_blocks:
        U, _, Vt = np.linalg.svd(A)
        tops.append(np.outer(U[:, 0], Vt[0]))
    for i in range(n):
        for b in range(nb):
            kind = 0 if i == 0 else int(gen.integers(4))
            if i == 0 or kind == 2:
                D = aligned[b] * (1.0 if i == 0 else gen.choice([-1.0, 1.0]))
            elif kind == 0:
                D = _random_orthogonal(gen, d)
            elif kind == 1:
                D = _unit_spectral(gen.standard_normal((d, d)))
            else:
                D = tops[b] * gen.choice([-1.0, 1.0])
            out[i, b] = D
    return out


def _unit_deviation(star: list[list[np.ndarray]], D: np.ndarray, t: float) -> float:
    """``max over samples and units k of ‖Π_q(A*_kq + tD_kq) − Π_q A*_kq‖₂``."""
    n = D.shape[0]
    worst = 0.0
    b = 0
    for unit in star:
        P = None
        P0 = chain(unit, unit[0].shape[0])
        for q, A in enumerate(unit):
            M = A[None] + t * D[:, b + q]
            P = M if P is None else M @ P
        b += len(unit)
        dev = np.linalg.norm(P - P0[None], ord=2, axis=(1, 2))
        worst = max(worst, float(np.max(dev)) if n else 0.0)
    return worst


def _tau_hat_certified(star: list[list[np.ndarray]], tau: float) -> float:
    """Largest t with ``Π_q(a_q + t) − Π_q a_q ≤ τ`` in every unit (``a_q = ‖A*_kq‖₂``)."""
    best = math.inf
    for unit in star:
        a = np.array([np.linalg.norm(A, 2) for A in unit])
        p0 = float(np.prod(a))

        def grow(t: float, a=a, p0=p0) -> float:
            return float(np.prod(a + t)) - p0

        hi = 1.0
        while grow(hi) < tau:
            hi *= 2.0
        lo = 0.0
        for _ in range(200):
            mid = 0.5 * (lo + hi)
            if grow(mid) < tau:
                lo = mid
            else:
                hi = mid
            if hi - lo <= 1e-15 * hi:
                break
        best = min(best, lo)
    return best


def _tau_hat_sampled(star: list[list[np.ndarray]], tau: float, start: float,
                     gen: np.random.Generator, n_samples: int) -> float:
    """Bisection for the largest t at which every sampled perturbation of spectral size t per
    block keeps ``‖W_k − W_k*‖ < τ`` (T-003-Thm2: "pick τ̂ sufficiently small", found as the
    catalog asks, check 53). ``start`` is a value known to work (the certified τ̂)."""
    flat = [A for unit in star for A in unit]
    D = _perturbation_directions(gen, flat, n_samples)
    lo = start
    hi = max(2.0 * start, 1e-300)
    for _ in range(200):
        if _unit_deviation(star, D, hi) >= tau:
            break
        lo, hi = hi, 2.0 * hi
    else:  # pragma: no cover - the product always grows eventually
        return math.inf
    for _ in range(100):
        mid = 0.5 * (lo + hi)
        if _unit_deviation(star, D, mid) < tau:
            lo = mid
        else:
            hi = mid
        if hi - lo <= 1e-10 * hi:
            break
    return lo


def gradient_dominance_bound(landscape, theta_star, *, rng=0,
                             n_tau_hat_samples: int = 256) -> DominanceBound:
    """The theoretical gradient-dominance constant and radius of Zhou & Liang 2018 at a global
    minimizer θ* (catalog T-003-Thm1 / Thm2 / Thm3; module docstring), dispatching on the
    landscape's model: square :class:`~dlnscape.LinearNetwork` → Thm 1 (λ_h, τ);
    :class:`~dlnscape.models.residual.ResidualLinearNetwork` → Thm 2 (λ_f, τ, τ̃, τ̂);
    :class:`~dlnscape.models.one_hidden.OneHiddenLayerNetwork` → Thm 3 (λ_g, τ). Also the
    pointwise constant of the proofs (eq (40), (49)–(50)) and the sharp one at θ*.

    ``rng`` (a seed or Generator; default 0, reproducible) seeds the sampled perturbations of
    the τ̂ bisection (residual only)."""
    p = zhou_liang_problem(landscape)
    theta, _ = check_global(p, landscape, theta_star)
    if not isinstance(n_tau_hat_samples, (int, np.integer)) or n_tau_hat_samples < 1:
        raise DlnscapeError(f"n_tau_hat_samples: expected a positive integer, got "
                            f"{n_tau_hat_samples!r}")
    gen = check_rng(rng)
    theorem, cid = THEOREMS[p.kind]
    eta_X = sigma_min(p.X)
    c = p.loss_factor
    notes = [p.conversion]
    if not p.hypotheses.get("m = d", True):
        notes.append("m > d: the text assumes m = d (L* = 0); the same proof bounds L − L* "
                     "(e(θ*)Xᵀ = 0), an extension of the theorem")
    kw: dict = {}
    if p.kind == "linear":
        tau = 0.5 * min(sigma_min(W) for W in theta)
        l = p.l
        lam_text = _inv(2.0 * l * tau ** (2 * (l - 1)) * eta_X ** 2)
        radius = tau
        nb = "{θ : ‖W_k − W_k*‖₂ < τ for all k} (spectral norm per layer)"
        vacuous = tau == 0.0
    elif p.kind == "residual":
        star = blocks(p, theta)
        Ws = unit_matrices(p, theta)
        tau = 0.5 * min(sigma_min(W) for W in Ws)
        tau_t = 0.5 * min(sigma_min(A) for A in theta)
        l, r = p.l, p.r
        lam_text = _inv(2.0 * l * r * tau_t ** (2 * (r - 1)) * tau ** (2 * (l - 1)) * eta_X ** 2)
        cert = _tau_hat_certified(star, tau) if tau > 0 else 0.0
        hat = _tau_hat_sampled(star, tau, cert, gen, int(n_tau_hat_samples)) if tau > 0 else 0.0
        radius = min(hat, tau_t)
        kw = {"tau_tilde": tau_t, "tau_hat": hat, "tau_hat_certified": cert,
              "radius_certified": min(cert, tau_t)}
        nb = "{A : ‖A_kq − A_kq*‖₂ < min(τ̂, τ̃) for all k, q} (spectral norm per block)"
        vacuous = radius == 0.0 or tau == 0.0
        notes.append("τ̂ by bisection on sampled perturbations (catalog check 53); "
                     "tau_hat_certified is proven by the product bound Π(‖A*‖ + t) − Π‖A*‖")
        if r == 1:
            notes.append("r = 1: τ̃ enters λ_f with exponent 0 and the proof does not use it; "
                         "the text's radius min(τ̂, τ̃) still does")
        if tau_t == 0.0:
            notes.append("A* is not full rank (τ̃ = 0): Thm 2's neighbourhood is empty")
    else:
        A_star = p.sigma.value(theta[0] @ p.X)
        tau = 0.5 * sigma_min(A_star)
        lam_text = _inv(2.0 * tau * tau)
        radius = tau
        nb = "{W : ‖σ(W_1X) − σ(W_1*X)‖₂ ≤ τ} (W_2 free)"
        vacuous = tau == 0.0
    return DominanceBound(
        theorem=theorem, catalog_id=cid, kind=p.kind, lam=lam_text / c, lam_text=lam_text,
        tau=float(tau), radius=float(radius), neighbourhood=nb, eta_min_X=eta_X,
        L_star=p.L_star, pointwise_at_star=_text_pointwise(p, theta) / c,
        sharp_at_star=_sharp(p, landscape, theta), problem=p, theta_star=theta,
        vacuous=bool(vacuous), notes=tuple(notes), **kw)


def _inv(x: float) -> float:
    return math.inf if x == 0.0 else 1.0 / x


# ==============================================================================================
# the empirical supremum
# ==============================================================================================
@dataclass(frozen=True)
class RatioPoint:
    """``(L − L*)/‖∇L‖²`` at one point, with what it is compared against.

    ``rounding``: the relative rounding error of the ratio (a point with rounding ≥
    RESOLVED_RTOL is not evidence either way); ``pointwise``: the text's pointwise constant
    (eq (40) / (49)–(50) / Thm 3) there; ``sharp``: λ♯ there (computed for reported points only);
    ``in_proof_region``: the proof's premise ``‖W_k − W_k*‖ < τ ∀k`` holds (residual; True
    otherwise)."""

    theta: Point
    source: str
    excess: float
    grad_norm_sq: float
    ratio: float
    rounding: float
    pointwise: float
    lam: float
    sharp: float | None = None
    in_proof_region: bool = True

    @property
    def resolved(self) -> bool:
        return self.rounding < RESOLVED_RTOL

    @property
    def violates(self) -> bool:
        return self.resolved and self.ratio > self.lam * (1.0 + VIOLATION_RTOL
                                                          + 10.0 * self.rounding)

    @property
    def violates_pointwise(self) -> bool:
        return self.resolved and self.ratio > self.pointwise * (1.0 + VIOLATION_RTOL
                                                                + 10.0 * self.rounding)

    def to_dict(self, with_point: bool = True) -> dict:
        d = {"source": self.source, "excess": self.excess, "grad_norm_sq": self.grad_norm_sq,
             "ratio": self.ratio, "lam": self.lam, "ratio_over_lam": self.ratio / self.lam
             if self.lam > 0 else math.inf, "rounding": self.rounding,
             "pointwise": self.pointwise, "sharp": self.sharp,
             "in_proof_region": self.in_proof_region, "violates": self.violates}
        if with_point:
            d["theta"] = _jsonable_point(self.theta)
        return d


@dataclass(frozen=True)
class DominanceEstimate:
    """The empirical supremum of ``(L − L*)/‖∇L‖²`` on the theorem's neighbourhood (of
    ``radius``), against the theoretical constant.

    ``sup`` = max(``sup_sampled``, ``sup_adversarial``) over resolved points;
    ``ratio_to_theory = sup / lam_theory`` (≤ 1 when the theorem holds: how loose it is);
    ``holds``: no violation of ``L − L* ≤ lam‖∇L‖²`` at any resolved point (``lam`` is the
    theoretical λ unless overridden); ``violations``: the worst violating points (a finding);
    ``pointwise_holds``: the ratio is below the text's pointwise constant at every resolved
    point; ``pointwise_max``: the largest pointwise constant met (the Weyl step of the proofs
    says it is ≤ λ inside the neighbourhood)."""

    bound: DominanceBound
    radius: float
    lam: float
    lam_overridden: bool
    n_samples: int
    n_resolved: int
    n_unresolved: int
    sup_sampled: float
    sup_adversarial: float | None
    worst: RatioPoint | None
    violations: tuple[RatioPoint, ...]
    n_violations: int
    pointwise_holds: bool
    n_pointwise_violations: int
    pointwise_max: float
    adversarial_runs: tuple[dict, ...]
    seconds: float

    @property
    def lam_theory(self) -> float:
        return self.bound.lam

    @property
    def sup(self) -> float:
        return max(self.sup_sampled, self.sup_adversarial or 0.0)

    @property
    def ratio_to_theory(self) -> float:
        return self.sup / self.lam_theory if self.lam_theory > 0 else math.inf

    @property
    def holds(self) -> bool:
        return self.n_violations == 0

    @property
    def finding(self) -> str | None:
        """A sentence describing a violation of the theorem's inequality, or None."""
        if self.holds or self.lam_overridden:
            return None
        v = self.violations[0]
        return (f"{self.bound.theorem} ({self.bound.catalog_id}) violated: at a point "
                f"{'inside' if v.in_proof_region else 'outside'} the proof's region, "
                f"(L − L*)/‖∇L‖² = {v.ratio:.6g} > λ = {v.lam:.6g} "
                f"(L − L* = {v.excess:.3g}, ‖∇L‖² = {v.grad_norm_sq:.3g})")

    def to_dict(self) -> dict:
        return {"bound": self.bound.to_dict(), "radius": self.radius, "lam": self.lam,
                "lam_theory": self.lam_theory, "lam_overridden": self.lam_overridden,
                "n_samples": self.n_samples, "n_resolved": self.n_resolved,
                "n_unresolved": self.n_unresolved, "sup_sampled": self.sup_sampled,
                "sup_adversarial": self.sup_adversarial, "sup": self.sup,
                "ratio_to_theory": self.ratio_to_theory, "holds": self.holds,
                "finding": self.finding,
                "worst": None if self.worst is None else self.worst.to_dict(),
                "n_violations": self.n_violations,
                "violations": [v.to_dict() for v in self.violations],
                "pointwise_holds": self.pointwise_holds,
                "n_pointwise_violations": self.n_pointwise_violations,
                "pointwise_max": self.pointwise_max,
                "adversarial_runs": list(self.adversarial_runs), "seconds": self.seconds}

    def _summary(self) -> Summary:
        return Summary(str(self), (
            ("theorem", self.bound.theorem), ("sup (L − L*)/‖∇L‖²", self.sup),
            ("λ (theory)", self.lam_theory), ("ratio to theory", self.ratio_to_theory),
            ("holds", self.holds), ("violations", self.n_violations),
            ("resolved points", f"{self.n_resolved} of {self.n_samples} "
                                f"({self.n_unresolved} unresolved)"),
            ("radius", self.radius), ("pointwise holds", self.pointwise_holds),
            ("seconds", self.seconds)), brief=("sup (L − L*)/‖∇L‖²", "λ (theory)", "holds"))

    __repr__ = summary_repr
    _repr_html_ = summary_html_method

    def __str__(self) -> str:
        return (f"{self.bound.theorem}: sup (L − L*)/‖∇L‖² = {self.sup:.4g} vs λ = "
                f"{self.lam_theory:.4g} (ratio {self.ratio_to_theory:.3g}); "
                f"{'holds' if self.holds else f'{self.n_violations} violation(s)'} on "
                f"{self.n_resolved} resolved points")


class _Evaluator:
    """The ratio, its rounding error and the proof's quantities at points near θ*."""

    def __init__(self, problem: ZhouLiangProblem, landscape, bound: DominanceBound,
                 lam: float) -> None:
        self.p = problem
        self.L = landscape
        self.model = landscape.model
        self.loss = landscape.loss
        self.bound = bound
        self.lam = lam
        self.star = bound.theta_star
        self.W_star = unit_matrices(problem, self.star) if problem.kind == "residual" else None

    def hvp(self, theta: Point, g: np.ndarray) -> np.ndarray:
        """``∇²L(θ)g`` (packed): the model's closed form when it has one; for a model whose
        curvature is the JAX default (e.g. the residual network, which would compile once per
        instance) a central difference of the exact gradient along g, step ``1e-5·(1 + ‖θ‖)``
        (relative error ~1e-10; it only steers the search, every reported ratio is exact)."""
        from dlnscape.models.base import Parametrization

        if type(self.model).curvature_pullback is not Parametrization.curvature_pullback \
                or type(self.model).hvp_operator is not Parametrization.hvp_operator:
            return pack(self.model.hvp_operator(theta, self.loss).apply(self.model.unpack(g)))
        ng = float(np.linalg.norm(g))
        if ng == 0.0:
            return np.zeros_like(g)
        x = pack(theta)
        h = 1e-5 * (1.0 + float(np.linalg.norm(x)))
        u = g / ng
        gp = pack(self.model.loss_grad(self.model.unpack(x + h * u), self.loss))
        gm = pack(self.model.loss_grad(self.model.unpack(x - h * u), self.loss))
        return (gp - gm) * (ng / (2.0 * h))

    def ratio_parts(self, theta: Point) -> tuple[float, np.ndarray, float, float]:
        """``(L − L*, ∇L packed, ‖∇L‖², rounding)``."""
        p = self.p
        value = self.model.loss_value(theta, self.loss)
        g = pack(self.model.loss_grad(theta, self.loss))
        excess = value - p.L_star
        e = error(p, self.L, theta)
        noise = 1e3 * EPS * (p.loss_factor * float(np.linalg.norm(e))
                             * error_size(p, theta) + abs(p.L_star))
        rounding = noise / excess if excess > 0 else math.inf
        return excess, g, float(g @ g), rounding

    def point(self, theta: Point, source: str, *, sharp: bool = False) -> RatioPoint:
        excess, _, gg, rounding = self.ratio_parts(theta)
        ratio = excess / gg if gg > 0 else (math.inf if excess > 0 else 0.0)
        pw = _text_pointwise(self.p, theta) / self.p.loss_factor
        inside = True
        if self.W_star is not None:
            Ws = unit_matrices(self.p, theta)
            inside = all(np.linalg.norm(W - W0, 2) < self.bound.tau
                         for W, W0 in zip(Ws, self.W_star, strict=True))
        sh = _sharp(self.p, self.L, theta) if sharp else None
        return RatioPoint(tuple(theta), source, float(excess), gg, float(ratio),
                          float(rounding), float(pw), self.lam, sh, bool(inside))


def _sample_points(problem: ZhouLiangProblem, bound: DominanceBound, radius: float, n: int,
                   gen: np.random.Generator, w2_radius: float) -> list[Point]:
    star = bound.theta_star
    d = problem.d
    out: list[Point] = []
    if problem.kind in ("linear", "residual"):
        for i in range(n):
            boundary = i % 2 == 0
            pts = []
            for B in star:
                D = (_random_orthogonal(gen, d) if gen.random() < 0.5
                     else _unit_spectral(gen.standard_normal((d, d))))
                f = OPEN if boundary else float(gen.random()) * OPEN
                pts.append(B + radius * f * D)
            out.append(tuple(pts))
        return out
    W1s, W2s = star
    X = problem.X
    A_star = problem.sigma.value(W1s @ X)
    Xinv = np.linalg.inv(X)
    for i in range(n):
        boundary = i % 2 == 0
        D = (_random_orthogonal(gen, d) if gen.random() < 0.5
             else _unit_spectral(gen.standard_normal((d, d))))
        f = 1.0 if boundary else float(gen.random())
        A = A_star + radius * f * D
        W1 = problem.sigma.inverse(A) @ Xinv
        # σ⁻¹ and X⁻¹ are computed in floats: keep the point only if it is in the set
        if np.linalg.norm(problem.sigma.value(W1 @ X) - A_star, 2) > radius:
            W1 = problem.sigma.inverse(A_star + radius * f * (1 - 1e-9) * D) @ Xinv
            if np.linalg.norm(problem.sigma.value(W1 @ X) - A_star, 2) > radius:
                continue
        D2 = _unit_spectral(gen.standard_normal((d, d)))
        W2 = W2s + w2_radius * float(gen.random()) * D2
        out.append((W1, W2))
    return out


def _in_set(ev: _Evaluator, theta: Point, radius: float, w2_radius: float) -> bool:
    p, star = ev.p, ev.star
    if p.kind == "one_hidden":
        A_star = p.sigma.value(star[0] @ p.X)
        ok1 = np.linalg.norm(p.sigma.value(theta[0] @ p.X) - A_star, 2) <= radius
        return bool(ok1 and np.linalg.norm(theta[1] - star[1], 2) <= w2_radius)
    return all(np.linalg.norm(B - S, 2) < radius for B, S in zip(theta, star, strict=True))


def _spectral_starts(ev: _Evaluator, radius: float, w2_radius: float) -> list[Point]:
    """Starts along the worst direction at θ*: ``θ* + 0.95ρ·v`` and ``θ* − 0.5ρ·v`` (scaled
    into the neighbourhood) with v the right singular vector of the smallest non-zero singular
    value of G(θ*) (along it the ratio tends to λ♯(θ*) as the step goes to 0)."""
    p, model = ev.p, ev.model
    J = error_jacobian(p, ev.L, ev.star)
    _, s, Vt = np.linalg.svd(J)
    k = p.d * p.d
    if s.size < k:
        return []
    v = model.unpack(Vt[k - 1])
    if p.kind == "one_hidden":
        size = float(np.linalg.norm(p.sigma.derivative(ev.star[0] @ p.X) * (v[0] @ p.X), 2))
        size = max(size, float(np.linalg.norm(v[1], 2)) * radius / max(w2_radius, 1e-300))
    else:
        size = max(float(np.linalg.norm(B, 2)) for B in v)
    out = []
    for f, sign in ((0.95, 1.0), (0.5, -1.0)):
        step = sign * f * radius / size
        for _ in range(60):
            theta = tuple(S + step * B for S, B in zip(ev.star, v, strict=True))
            if _in_set(ev, theta, radius, w2_radius):
                out.append(theta)
                break
            step *= 0.5
    return out


def _squash(Z: np.ndarray, rho: float):
    """``Δ = ρ tanh(‖Z‖₂)/‖Z‖₂ · Z`` (so ``‖Δ‖₂ = ρ tanh‖Z‖₂ < ρ``) and the map from
    ``∂f/∂Δ`` to ``∂f/∂Z``: ``φG + φ'(s)⟨G, Z⟩uvᵀ`` with ``s = ‖Z‖₂``, ``φ(s) = ρ tanh(s)/s``."""
    U, sv, Vt = np.linalg.svd(Z)
    s1 = float(sv[0])
    if s1 < 1e-12:
        return rho * Z, (lambda G: rho * G)
    th = math.tanh(s1)
    phi = rho * th / s1
    dphi = rho * (s1 * (1.0 - th * th) - th) / (s1 * s1)
    uv = np.outer(U[:, 0], Vt[0])
    return phi * Z, (lambda G: phi * G + dphi * float(np.vdot(G, Z)) * uv)


def _unsquash(D: np.ndarray, rho: float) -> np.ndarray:
    """A Z with ``_squash(Z, ρ) = D`` (``‖D‖₂ < ρ``; clipped just inside)."""
    n = float(np.linalg.norm(D, 2))
    if n == 0.0:
        return np.zeros_like(D)
    f = min(n / rho, 1.0 - 1e-9)
    return D * (math.atanh(f) / n)


def _sigma_inverse(sigma, A: np.ndarray, S0: np.ndarray) -> np.ndarray:
    """σ⁻¹(A) for a strictly monotone σ: the activation's closed form for the ReLU family;
    for a smooth σ, Newton's method warm-started at ``S0`` (the previous preimage; the search
    moves A a little at a time), falling back to the activation's own inverse (bisection) when
    Newton does not converge to ``|σ(S) − A| ≤ 4 eps (|A| + 1)``."""
    if sigma.kinks or sigma.smooth is not True:
        return sigma.inverse(A)
    S = np.array(S0, dtype=np.float64)
    tol = 4.0 * EPS * (np.abs(A) + 1.0)
    for _ in range(30):
        r = sigma.value(S) - A
        if np.all(np.abs(r) <= tol):
            return S
        dS = sigma.derivative(S)
        if not np.all(dS > 0):
            break
        S = S - r / dS
    return sigma.inverse(A)


def _adversarial(ev: _Evaluator, start: Point, radius: float, w2_radius: float,
                 maxiter: int) -> tuple[RatioPoint | None, dict]:
    """Maximise the ratio from ``start`` inside the neighbourhood: L-BFGS-B on an unconstrained
    variable Z mapped into the open ball by :func:`_squash` per block (linear, residual: the
    blocks' displacements; one-hidden: ``σ(W_1X) − σ(W_1*X)`` and ``W_2 − W_2*``, with
    ``W_1 = σ⁻¹(A)X⁻¹``). The gradient of the ratio is exact:
    ``(∇L·‖∇L‖² − (L − L*)·2∇²L∇L)/‖∇L‖⁴`` (an HVP), chained through the maps. Returns the best
    resolved point evaluated that lies in the neighbourhood."""
    from scipy.optimize import minimize

    p, model, star = ev.p, ev.model, ev.star
    shapes = [B.shape for B in star]
    sizes = [int(np.prod(sh)) for sh in shapes]
    offs = np.cumsum([0] + sizes)
    X = p.X
    best: dict = {"ratio": -math.inf, "theta": None}
    if p.kind == "one_hidden":
        if p.sigma.strictly_monotone is not True:
            return None, {"start_ratio": None, "nit": 0, "success": False, "end_ratio": None,
                          "message": f"σ = {p.sigma.name} is not strictly monotone: no "
                                     "adversarial search (σ⁻¹ is not a smooth map)"}
        A_star = p.sigma.value(star[0] @ X)
        Xinv = np.linalg.inv(X)
        rhos = [radius, w2_radius]
        D0 = [p.sigma.value(start[0] @ X) - A_star, start[1] - star[1]]
    else:
        rhos = [radius] * len(star)
        D0 = [B - S for B, S in zip(start, star, strict=True)]

    def split(z):
        return [z[offs[i]:offs[i + 1]].reshape(shapes[i]) for i in range(len(shapes))]

    last = {"S": star[0] @ X if p.kind == "one_hidden" else None}

    def theta_of(z):
        parts = [_squash(Z, rho) for Z, rho in zip(split(z), rhos, strict=True)]
        if p.kind == "one_hidden":
            (DA, bA), (D2, b2) = parts
            S = _sigma_inverse(p.sigma, A_star + DA, last["S"])
            last["S"] = S
            theta = (S @ Xinv, star[1] + D2)

            def back(G):
                GA = (G[0] @ Xinv.T) / p.sigma.derivative(S)
                return np.concatenate([bA(GA).ravel(), b2(G[1]).ravel()])
        else:
            theta = tuple(S + D for S, (D, _) in zip(star, parts, strict=True))

            def back(G):
                return np.concatenate([b(Gi).ravel() for (_, b), Gi in
                                       zip(parts, G, strict=True)])
        return theta, back

    def fun(z):
        theta, back = theta_of(z)
        excess, g, gg, rounding = ev.ratio_parts(theta)
        if gg <= 0 or not np.isfinite(gg):
            return 0.0, np.zeros_like(z)
        ratio = excess / gg
        if rounding < RESOLVED_RTOL and ratio > best["ratio"] and \
                _in_set(ev, theta, radius, w2_radius):
            best["ratio"], best["theta"] = ratio, theta
        Hg = ev.hvp(theta, g)
        grad = model.unpack((g * gg - excess * 2.0 * Hg) / (gg * gg))
        return -ratio, -back(grad)

    z0 = np.concatenate([_unsquash(D, rho).ravel() for D, rho in zip(D0, rhos, strict=True)])
    start_ratio = ev.point(start, "start").ratio
    try:
        res = minimize(fun, z0, jac=True, method=_METHOD,
                       options={"maxiter": int(maxiter), "gtol": 1e-12})
        info = {"start_ratio": start_ratio, "nit": int(res.nit), "success": bool(res.success),
                "message": str(res.message)}
    except (ValueError, np.linalg.LinAlgError) as e:  # pragma: no cover - scipy failure
        info = {"start_ratio": start_ratio, "nit": 0, "success": False, "message": str(e)}
    if best["theta"] is None:
        return None, {**info, "end_ratio": None}
    pt = ev.point(best["theta"], "adversarial", sharp=True)
    return pt, {**info, "end_ratio": pt.ratio}


def estimate_gradient_dominance(landscape, theta_star, radius: float | None = None,
                                rng=0, n_samples: int = 1000, *, lam: float | None = None,
                                adversarial: bool = True, n_starts: int = 3,
                                maxiter: int = 200, w2_radius: float | None = None,
                                bound: DominanceBound | None = None,
                                max_reported: int = 5) -> DominanceEstimate:
    """The empirical supremum of ``(L − L*)/‖∇L‖²`` on the neighbourhood of Zhou & Liang's
    Thm 1 / 2 / 3 (T-003-Def-GD, catalog checks 51, 53, 54), from ``n_samples`` random points
    (half on the boundary, half inside) and, with ``adversarial``, L-BFGS-B maximisations inside
    the neighbourhood from the ``n_starts`` worst samples and from θ* ± s·(the worst direction
    of G(θ*)) (at most ``maxiter`` iterations each); compared with the theoretical
    λ (:func:`gradient_dominance_bound`) and with the pointwise constant of the proof at every
    point.

    ``radius``: the neighbourhood's radius in its own norm (default: the theorem's; for Thm 3
    it is the radius of ``‖σ(W_1X) − σ(W_1*X)‖₂``, W_2 being searched in
    ``‖W_2 − W_2*‖₂ ≤ w2_radius``, default ``‖W_2*‖₂``: the text leaves W_2 free).
    ``lam``: test the inequality with another constant (e.g. a deliberately small one, to see
    violations found); the result's ``ratio_to_theory`` is always against the theory's λ.
    ``rng``: a seed or Generator for the samples (default 0, reproducible)."""
    t0 = time.perf_counter()
    if bound is None:
        bound = gradient_dominance_bound(landscape, theta_star, rng=rng)
    elif not isinstance(bound, DominanceBound) or not np.array_equal(
            pack(bound.theta_star), pack(landscape.point(theta_star, "theta_star"))):
        raise DlnscapeError("bound: expected the DominanceBound of this landscape at this "
                            "theta_star (gradient_dominance_bound(landscape, theta_star))")
    p = bound.problem
    if not isinstance(n_samples, (int, np.integer)) or isinstance(n_samples, bool) \
            or n_samples < 1:
        raise DlnscapeError(f"n_samples: expected a positive integer, got {n_samples!r}")
    if not isinstance(n_starts, (int, np.integer)) or n_starts < 0:
        raise DlnscapeError(f"n_starts: expected a non-negative integer, got {n_starts!r}")
    if radius is None:
        radius = bound.radius
    if not (isinstance(radius, (int, float, np.floating)) and np.isfinite(radius)
            and radius >= 0):
        raise DlnscapeError(f"radius: expected a finite number ≥ 0, got {radius!r}")
    radius = float(radius)
    if lam is not None and not (np.isfinite(lam) and lam > 0):
        raise DlnscapeError(f"lam: expected a finite positive number, got {lam!r}")
    lam_used = bound.lam if lam is None else float(lam)
    if p.kind == "one_hidden":
        w2_radius = float(np.linalg.norm(bound.theta_star[1], 2)) if w2_radius is None \
            else float(w2_radius)
        if not (np.isfinite(w2_radius) and w2_radius >= 0):
            raise DlnscapeError(f"w2_radius: expected a finite number ≥ 0, got {w2_radius!r}")
    else:
        w2_radius = 0.0
    gen = check_rng(rng)
    ev = _Evaluator(p, landscape, bound, lam_used)
    points = [ev.point(th, "sample") for th in
              _sample_points(p, bound, radius, int(n_samples), gen, w2_radius)] \
        if radius > 0 else []
    resolved = [pt for pt in points if pt.resolved]
    sup_s = max((pt.ratio for pt in resolved), default=0.0)
    adv_pts: list[RatioPoint] = []
    runs: list[dict] = []
    if adversarial and radius > 0 and n_starts > 0:
        starts = [q.theta for q in sorted(resolved, key=lambda q: -q.ratio)[:int(n_starts)]]
        starts += _spectral_starts(ev, radius, w2_radius)
        for s in starts:
            pt, info = _adversarial(ev, s, radius, w2_radius, maxiter)
            runs.append(info)
            if pt is not None:
                adv_pts.append(pt)
    sup_a = max((pt.ratio for pt in adv_pts if pt.resolved), default=None) if adversarial \
        else None
    every = resolved + [pt for pt in adv_pts if pt.resolved]
    viol = sorted((pt for pt in every if pt.violates), key=lambda q: -q.ratio / q.lam)
    pw_viol = [pt for pt in every if pt.violates_pointwise]
    worst = max(every, key=lambda q: q.ratio, default=None)
    if worst is not None and worst.sharp is None:
        worst = ev.point(worst.theta, worst.source, sharp=True)
    reported = tuple(v if v.sharp is not None else ev.point(v.theta, v.source, sharp=True)
                     for v in viol[:max_reported])
    return DominanceEstimate(
        bound=bound, radius=radius, lam=lam_used, lam_overridden=lam is not None,
        n_samples=len(points), n_resolved=len(every), n_unresolved=len(points) - len(resolved),
        sup_sampled=float(sup_s), sup_adversarial=None if sup_a is None else float(sup_a),
        worst=worst, violations=reported, n_violations=len(viol),
        pointwise_holds=not pw_viol, n_pointwise_violations=len(pw_viol),
        pointwise_max=max((pt.pointwise for pt in every), default=0.0),
        adversarial_runs=tuple(runs), seconds=time.perf_counter() - t0)
