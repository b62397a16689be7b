"""The regularity condition near global minimizers along restricted directions: Zhou & Liang
2018, Thm 4–6 (catalog T-003-Thm4, T-003-Thm5, T-003-Thm6, T-003-Def-RC; check 55).

The inequality (T-003-Def-RC, eqs (20), (23), (25)) at ``θ = θ* + w``:

    ⟨∇L(θ), w⟩ ≥ α‖∇L(θ)‖² + β‖w‖²,

claimed for every w satisfying the direction condition (19) ``‖G(θ*)w‖ ≥ δ‖w‖`` and
``‖w_k‖_F < ε(δ)`` for every block, with (the text's loss ½‖e‖², m = d):

* **Thm 4** (linear): ``ζ = 2 max_k‖W_k*‖``, ``α = γ/(lζ^{2(l−1)}‖X‖²)``;
* **Thm 5** (residual): also ``ζ̃ = 2 max_{k,q}‖A_kq*‖``,
  ``α = γ/(lr ζ̃^{2(r−1)} ζ^{2(l−1)}‖X‖²)``;
* **Thm 6** (one hidden layer): ``ζ = 2 max{‖σ(W_1*X)‖, ‖W_2*‖, ‖σ'(W_1*X)‖_∞}`` (‖·‖_∞ the
  largest entry in absolute value), ``α = γ/max{‖X‖²ζ⁴, ζ²}``;

and ``β = (1 − γ)δ²/2`` for any γ ∈ (0, 1); ‖·‖ is the spectral norm. G is the error Jacobian
(the text's G(W*), Q(A*), H(W*); here in packed coordinates,
:func:`~dlnscape.conditions.setting.error_jacobian`, which changes no norm). The text gives no
value of ε(δ); this module measures it.

Directions. With ``G = U S Vᵀ``: the row space of G (the right singular vectors of the non-zero
singular values) leaves out ker G, which contains the tangent of the GL orbit of θ* (a
direction there has ``‖Gw‖ = 0`` and never satisfies (19)). If ``δ ≤ η_min(G)`` every direction
of the row space satisfies (19) (the text's remark after Thm 4); if ``η_min < δ ≤ ‖G‖`` only
the directions with ``‖Gv‖ ≥ δ`` do (random row-space directions are filtered, and the boundary
direction ``cos φ v_1 + sin φ v_min`` with ``‖Gv‖ = δ`` is added); if ``δ > ‖G‖`` no direction
does and the theorem is vacuous (``vacuous = True``, nothing is scanned). Condition (19) also
admits directions with a component in ker G: ``include_kernel`` adds ``a·u + b·n`` (u in the
row space, n in ker G) with ``‖Gv‖ = δ‖v‖`` exactly, the most stringent admissible mix.

ε(δ). Along each unit direction v the inequality is evaluated at ``t ∈ ts`` (default
10 … 1e−6, two per decade: the catalog's 1e−1 … 1e−6 extended upwards, since the inequality
usually still holds at 1e−1); ``t_v`` is the largest t such that it holds at every scanned
``t' ≤ t``, and v supports ``ε ≤ t_v · max_k ‖v_k‖_F`` (the text's neighbourhood is per block,
Frobenius). ``epsilon`` is the minimum over the directions (None when some direction fails at
the smallest t: a candidate finding, returned with the point).

Normalisation: for ``L = c·(½‖e‖²)`` the inequality for L holds with ``α_L = α/c`` and
``β_L = c·β`` (δ stays the text's, defined by the G of ½‖e‖²); a SquaredLoss has c = 1.

Proof checks: ``grad_to_error_max`` is the largest ``‖∇h‖²/‖e‖²`` met (h the text's loss) at
the scanned points where the proofs' premise holds (``‖W_k‖ ≤ ζ``, ``‖A_kq‖ ≤ ζ̃``; Thm 6:
``‖σ(W_1X)‖, ‖W_2‖, ‖σ'(W_1X)‖_∞ ≤ ζ``), against the bound the proof uses: eq (69)
``lζ^{2(l−1)}‖X‖²`` (Thm 4), eq (79) ``lrζ̃^{2(r−1)}ζ^{2(l−1)}‖X‖²`` (Thm 5), and for Thm 6
the text's combined claim ``max{‖X‖²ζ⁴, ζ²}``. The proof of Thm 6 adds two bounds,
``‖∇_{W_1}g‖² ≤ ‖X‖²ζ⁴‖e‖²`` and ``‖∇_{W_2}g‖² ≤ ζ²‖e‖²``, whose sum is ``‖X‖²ζ⁴ + ζ²``
(≤ 2 max), not max: the printed step "‖e‖² ≥ max{…}⁻¹‖∇g‖²" does not follow from them
(``thm6_sum_bound`` is what does). The statement survives near W*, where ``‖W_2‖ ≈ ζ/2``
leaves a factor 4 of room (a gap in the proof, not a false theorem).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np

from dlnscape.architecture import pack
from dlnscape.conditions.setting import (
    EPS,
    ZhouLiangProblem,
    check_global,
    error,
    error_jacobian,
    error_size,
    unit_matrices,
    zhou_liang_problem,
)
from dlnscape.errors import DlnscapeError
from dlnscape.linalg import numerical_rank
from dlnscape.report.summary import Summary, summary_html_method, summary_repr
from dlnscape.validate import check_rng

#: default step sizes: the catalog's 1e−1 … 1e−6 (check 55), extended up to 10 so that the
#: step where the inequality stops holding is usually seen; two per decade
DEFAULT_TS = tuple(float(x) for x in np.logspace(1, -6, 15))

THEOREMS = {
    "linear": ("Zhou & Liang 2018, Thm 4", "T-003-Thm4"),
    "residual": ("Zhou & Liang 2018, Thm 5", "T-003-Thm5"),
    "one_hidden": ("Zhou & Liang 2018, Thm 6", "T-003-Thm6"),
}


@dataclass(frozen=True)
class RegularityConstants:
    """α, β, ζ (and ζ̃) of Zhou & Liang's Thm 4 / 5 / 6 at θ*, for δ and γ, with the spectrum
    of G(θ*) that decides which directions satisfy (19).

    ``alpha``/``beta`` are for the landscape's loss (``alpha_text/c``, ``c·beta_text``);
    ``vacuous``: δ > ‖G(θ*)‖, no direction satisfies (19); ``whole_row_space``: δ ≤ η_min(G),
    every row-space direction satisfies it."""

    theorem: str
    catalog_id: str
    kind: str
    delta: float
    gamma: float
    zeta: float
    zeta_tilde: float | None
    alpha: float
    beta: float
    alpha_text: float
    beta_text: float
    G_norm: float
    G_eta_min: float
    G_rank: int
    G_rank_gap: float
    kernel_dim: int
    vacuous: bool
    whole_row_space: bool
    grad_to_error_bound: float
    thm6_sum_bound: float | None
    problem: ZhouLiangProblem = field(repr=False)

    def to_dict(self) -> dict:
        return {"theorem": self.theorem, "catalog_id": self.catalog_id, "kind": self.kind,
                "delta": self.delta, "gamma": self.gamma, "zeta": self.zeta,
                "zeta_tilde": self.zeta_tilde, "alpha": self.alpha, "beta": self.beta,
                "alpha_text": self.alpha_text, "beta_text": self.beta_text,
                "G_norm": self.G_norm, "G_eta_min": self.G_eta_min, "G_rank": self.G_rank,
                "G_rank_gap": self.G_rank_gap, "kernel_dim": self.kernel_dim,
                "vacuous": self.vacuous, "whole_row_space": self.whole_row_space,
                "grad_to_error_bound": self.grad_to_error_bound,
                "thm6_sum_bound": self.thm6_sum_bound, "problem": self.problem.to_dict()}


@dataclass(frozen=True)
class DirectionScan:
    """The inequality along one unit direction v: ``margins[i] = (LHS − RHS)/(β‖w‖²)`` at
    ``w = ts[i]·v`` (≥ 0: holds), ``t_threshold`` (largest t with every smaller scanned t
    holding; None: fails at the smallest), ``epsilon`` (= t_threshold · max_k‖v_k‖_F)."""

    kind: str
    direction: np.ndarray
    gv_ratio: float
    holds: tuple[bool, ...]
    margins: tuple[float, ...]
    t_threshold: float | None
    epsilon: float | None
    saturated: bool

    def to_dict(self, with_direction: bool = False) -> dict:
        d = {"kind": self.kind, "gv_ratio": self.gv_ratio, "holds": list(self.holds),
             "margins": list(self.margins), "t_threshold": self.t_threshold,
             "epsilon": self.epsilon, "saturated": self.saturated}
        if with_direction:
            d["direction"] = self.direction.tolist()
        return d


@dataclass(frozen=True)
class RegularityEstimate:
    """The measured ε(δ) of Zhou & Liang's Thm 4 / 5 / 6 (module docstring).

    ``epsilon``: min over directions of the largest ε at which the inequality held at every
    smaller scanned step (None if vacuous or if some direction fails at the smallest step);
    ``saturated``: it held at every scanned step along every direction (ε is at least the
    largest scanned); ``failures``: directions failing at the smallest step, with the point (a
    candidate finding; with overridden α/β it is the expected detection);
    ``grad_to_error_max``: the largest ‖∇h‖²/‖e‖² met where the proof's premise ‖W_k‖ ≤ ζ
    holds, to compare with the proof's bound ``constants.grad_to_error_bound``."""

    constants: RegularityConstants
    ts: tuple[float, ...]
    scans: tuple[DirectionScan, ...]
    epsilon: float | None
    t_threshold: float | None
    saturated: bool
    failures: tuple[dict, ...]
    grad_to_error_max: float
    overridden: bool
    seconds: float

    @property
    def holds(self) -> bool:
        """The inequality held for all sufficiently small scanned steps along every
        direction."""
        return not self.constants.vacuous and not self.failures

    @property
    def finding(self) -> str | None:
        if self.holds or self.overridden or self.constants.vacuous:
            return None
        f = self.failures[0]
        return (f"{self.constants.theorem} ({self.constants.catalog_id}): the regularity "
                f"inequality fails at the smallest step t = {f['t']:.3g} along a direction "
                f"with ‖Gv‖/‖v‖ = {f['gv_ratio']:.4g} ≥ δ = {self.constants.delta:.4g} "
                f"(LHS {f['lhs']:.4g} < RHS {f['rhs']:.4g})")

    def to_dict(self) -> dict:
        return {"constants": self.constants.to_dict(), "ts": list(self.ts),
                "n_directions": len(self.scans), "scans": [s.to_dict() for s in self.scans],
                "epsilon": self.epsilon, "t_threshold": self.t_threshold,
                "saturated": self.saturated, "holds": self.holds, "finding": self.finding,
                "failures": list(self.failures), "grad_to_error_max": self.grad_to_error_max,
                "overridden": self.overridden, "seconds": self.seconds}

    def _summary(self) -> Summary:
        c = self.constants
        return Summary(str(self), (
            ("theorem", c.theorem), ("α", c.alpha), ("β", c.beta), ("δ", c.delta),
            ("vacuous", c.vacuous), ("measured ε(δ)", self.epsilon),
            ("saturated", self.saturated), ("holds", self.holds),
            ("directions", len(self.scans)), ("failures", len(self.failures)),
            ("seconds", self.seconds)), brief=("α", "β", "measured ε(δ)", "holds"))

    __repr__ = summary_repr
    _repr_html_ = summary_html_method

    def __str__(self) -> str:
        c = self.constants
        if c.vacuous:
            return f"{c.theorem}: vacuous (δ = {c.delta:.4g} > ‖G‖ = {c.G_norm:.4g})"
        eps = "none" if self.epsilon is None else f"{self.epsilon:.3g}" + \
            (" (saturated)" if self.saturated else "")
        return (f"{c.theorem}: α = {c.alpha:.4g}, β = {c.beta:.4g} (δ = {c.delta:.4g}); "
                f"measured ε(δ) = {eps} over {len(self.scans)} directions")


def _spec(M: np.ndarray) -> float:
    return float(np.linalg.norm(M, 2))


def regularity_constants(landscape, theta_star, delta: float | None = None,
                         gamma: float = 0.5) -> RegularityConstants:
    """α, β and ζ (ζ̃) of Zhou & Liang 2018 Thm 4 / 5 / 6 at the global minimizer θ*, and the
    spectrum of G(θ*) (module docstring). ``delta`` defaults to η_min(G(θ*)) (the text's remark:
    then every direction ⟂ ker G qualifies); ``gamma`` ∈ (0, 1)."""
    p = zhou_liang_problem(landscape)
    theta, _ = check_global(p, landscape, theta_star)
    if not p.square_data:
        raise DlnscapeError(
            f"landscape.loss: Zhou & Liang Thm 4–6 assume m = d (e(θ*) = 0, ∇²L(θ*) = GᵀG); "
            f"got d = {p.d}, m = {p.m}")
    if isinstance(gamma, bool) or not isinstance(gamma, (int, float, np.floating)) \
            or not 0.0 < float(gamma) < 1.0:
        raise DlnscapeError(f"gamma: expected a number in (0, 1), got {gamma!r}")
    gamma = float(gamma)
    J = error_jacobian(p, landscape, theta)
    dec = numerical_rank(J)
    s = dec.singular_values
    rank = dec.rank
    G_norm = float(s[0]) if s.size else 0.0
    eta = float(s[rank - 1]) if rank else 0.0
    if delta is None:
        delta = eta
    if isinstance(delta, bool) or not isinstance(delta, (int, float, np.floating)) \
            or not (np.isfinite(delta) and delta > 0):
        raise DlnscapeError(f"delta: expected a finite positive number, got {delta!r}")
    delta = float(delta)
    theorem, cid = THEOREMS[p.kind]
    nX = _spec(p.X)
    zt = None
    sum_bound = None
    l, r = p.l, p.r
    if p.kind == "linear":
        zeta = 2.0 * max(_spec(W) for W in theta)
        bound = l * zeta ** (2 * (l - 1)) * nX ** 2
    elif p.kind == "residual":
        zeta = 2.0 * max(_spec(W) for W in unit_matrices(p, theta))
        zt = 2.0 * max(_spec(A) for A in theta)
        bound = l * r * zt ** (2 * (r - 1)) * zeta ** (2 * (l - 1)) * nX ** 2
    else:
        W1, W2 = theta
        Z = W1 @ p.X
        zeta = 2.0 * max(_spec(p.sigma.value(Z)), _spec(W2),
                         float(np.max(np.abs(p.sigma.derivative(Z)))))
        bound = max(nX ** 2 * zeta ** 4, zeta ** 2)
        sum_bound = nX ** 2 * zeta ** 4 + zeta ** 2
    alpha_text = gamma / bound
    beta_text = (1.0 - gamma) * delta ** 2 / 2.0
    c = p.loss_factor
    P = J.shape[1]
    return RegularityConstants(
        theorem=theorem, catalog_id=cid, kind=p.kind, delta=delta, gamma=gamma,
        zeta=float(zeta), zeta_tilde=None if zt is None else float(zt), alpha=alpha_text / c,
        beta=beta_text * c, alpha_text=alpha_text, beta_text=beta_text, G_norm=G_norm,
        G_eta_min=eta, G_rank=int(rank), G_rank_gap=float(dec.gap), kernel_dim=int(P - rank),
        vacuous=bool(delta > G_norm), whole_row_space=bool(delta <= eta),
        grad_to_error_bound=float(bound),
        thm6_sum_bound=None if sum_bound is None else float(sum_bound), problem=p)


def _in_zeta_region(const: RegularityConstants, theta) -> bool:
    """The premise of the proofs' gradient bounds (69), (79) and Thm 6's: ``‖W_k‖ ≤ ζ``
    (and ``‖A_kq‖ ≤ ζ̃``; one-hidden: ``‖σ(W_1X)‖, ‖W_2‖, ‖σ'(W_1X)‖_∞ ≤ ζ``)."""
    p = const.problem
    if p.kind == "one_hidden":
        Z = theta[0] @ p.X
        return max(_spec(p.sigma.value(Z)), _spec(theta[1]),
                   float(np.max(np.abs(p.sigma.derivative(Z))))) <= const.zeta
    ok = all(_spec(W) <= const.zeta for W in unit_matrices(p, theta))
    if p.kind == "residual":
        ok = ok and all(_spec(A) <= const.zeta_tilde for A in theta)
    return ok


def _directions(J: np.ndarray, rank: int, delta: float, n: int, gen: np.random.Generator,
                include_kernel: bool) -> list[tuple[str, np.ndarray]]:
    """Unit directions (packed) satisfying ``‖Jv‖ ≥ δ‖v‖`` (module docstring)."""
    _, s, Vt = np.linalg.svd(J)
    V = Vt.T
    row, ker = V[:, :rank], V[:, rank:]
    sr = s[:rank]
    out: list[tuple[str, np.ndarray]] = []
    if sr[-1] >= delta:
        out.append(("eta_min", row[:, -1].copy()))
    else:
        # the boundary of the admissible cone inside the row space: cos φ v_1 + sin φ v_min
        c2 = (delta ** 2 - sr[-1] ** 2) / (sr[0] ** 2 - sr[-1] ** 2) if sr[0] > sr[-1] else 1.0
        v = math.sqrt(c2) * row[:, 0] + math.sqrt(max(1.0 - c2, 0.0)) * row[:, -1]
        out.append(("cone_boundary", v / np.linalg.norm(v)))
    out.append(("top", row[:, 0].copy()))
    tries = 0
    n_row = max(1, n // 2) if include_kernel and ker.shape[1] else n
    while sum(k == "row_space" for k, _ in out) < n_row and tries < 100 * n:
        tries += 1
        v = row @ gen.standard_normal(rank)
        v /= np.linalg.norm(v)
        if np.linalg.norm(J @ v) >= delta:
            out.append(("row_space", v))
    if include_kernel and ker.shape[1]:
        tries = 0
        while sum(k == "with_kernel" for k, _ in out) < n - n_row and tries < 100 * n:
            tries += 1
            u = row @ gen.standard_normal(rank)
            u /= np.linalg.norm(u)
            gu = float(np.linalg.norm(J @ u))
            if gu < delta:
                continue
            w = ker @ gen.standard_normal(ker.shape[1])
            w /= np.linalg.norm(w)
            b = math.sqrt(max(gu * gu / (delta * delta) - 1.0, 0.0)) * (1.0 - 1e-9)
            v = u + b * w
            out.append(("with_kernel", v / np.linalg.norm(v)))
    return out


def estimate_regularity(landscape, theta_star, delta: float | None = None, *,
                        gamma: float = 0.5, n_directions: int = 16,
                        ts=DEFAULT_TS, rng=0, include_kernel: bool = True,
                        alpha: float | None = None, beta: float | None = None
                        ) -> RegularityEstimate:
    """The regularity condition of Zhou & Liang 2018 Thm 4 / 5 / 6 at θ* (catalog check 55):
    directions satisfying (19) (row space of G(θ*), its admissible boundary, and mixes with
    ker G when ``include_kernel``), the inequality ``⟨∇L, w⟩ ≥ α‖∇L‖² + β‖w‖²`` at ``w = t·v``
    for ``t ∈ ts``, and the largest ε(δ) at which it holds (module docstring). ``alpha`` /
    ``beta`` override the theorem's (for the landscape's loss), e.g. to see a failure found when
    β is too large. ``rng``: seed or Generator of the random directions (default 0)."""
    t0 = time.perf_counter()
    const = regularity_constants(landscape, theta_star, delta, gamma)
    p = const.problem
    theta_star = landscape.point(theta_star, "theta_star")
    ts = tuple(sorted((float(t) for t in ts), reverse=True))
    if not ts or any(not (np.isfinite(t) and t > 0) for t in ts):
        raise DlnscapeError(f"ts: expected positive finite step sizes, got {ts!r}")
    if not isinstance(n_directions, (int, np.integer)) or isinstance(n_directions, bool) \
            or n_directions < 1:
        raise DlnscapeError(f"n_directions: expected a positive integer, got {n_directions!r}")
    for name, v in (("alpha", alpha), ("beta", beta)):
        if v is not None and not (np.isfinite(v) and v >= 0):
            raise DlnscapeError(f"{name}: expected a finite number ≥ 0, got {v!r}")
    a = const.alpha if alpha is None else float(alpha)
    b = const.beta if beta is None else float(beta)
    overridden = alpha is not None or beta is not None
    if const.vacuous:
        return RegularityEstimate(const, ts, (), None, None, False, (), 0.0, overridden,
                                  time.perf_counter() - t0)
    gen = check_rng(rng)
    J = error_jacobian(p, landscape, theta_star)
    dirs = _directions(J, const.G_rank, const.delta, int(n_directions), gen, include_kernel)
    model, loss = landscape.model, landscape.loss
    c = p.loss_factor
    scans: list[DirectionScan] = []
    failures: list[dict] = []
    g2e = 0.0
    Jnorm = const.G_norm
    x_star = pack(theta_star)
    for kind, v in dirs:
        vb = model.unpack(v)
        vmax = max(float(np.linalg.norm(B)) for B in vb)
        holds, margins = [], []
        for t in ts:
            theta = model.unpack(x_star + t * v)
            g = pack(model.loss_grad(theta, loss))
            w2 = t * t  # ‖w‖² (v is a unit vector)
            lhs = float(g @ (t * v))
            rhs = a * float(g @ g) + b * w2
            e = error(p, landscape, theta)
            ee = float(np.vdot(e, e))
            if ee > 0 and _in_zeta_region(const, theta):
                g2e = max(g2e, float(g @ g) / (c * c) / ee)
            noise = 1e3 * EPS * c * error_size(p, theta) * Jnorm * t
            ok = lhs >= rhs - noise
            holds.append(bool(ok))
            margins.append((lhs - rhs) / (b * w2) if b > 0 else (lhs - rhs))
            if not ok and t == ts[-1]:
                failures.append({"kind": kind, "t": t, "lhs": lhs, "rhs": rhs,
                                 "gv_ratio": float(np.linalg.norm(J @ v)),
                                 "theta": [B.tolist() for B in theta]})
        thr = None
        for i in range(len(ts) - 1, -1, -1):  # from the smallest t up
            if not holds[i]:
                break
            thr = ts[i]
        scans.append(DirectionScan(kind, v, float(np.linalg.norm(J @ v)), tuple(holds),
                                   tuple(margins), thr, None if thr is None else thr * vmax,
                                   bool(all(holds))))
    eps = None if any(s.epsilon is None for s in scans) else min(s.epsilon for s in scans)
    tthr = None if eps is None else min(s.t_threshold for s in scans)
    return RegularityEstimate(const, ts, tuple(scans), eps, tthr,
                              bool(scans) and all(s.saturated for s in scans), tuple(failures),
                              float(g2e), overridden, time.perf_counter() - t0)

