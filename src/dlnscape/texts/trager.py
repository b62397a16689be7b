"""Trager, Kohn & Bruna 2020 (ICLR), "Pure and spurious critical points: a geometric study
of linear networks": the catalog entries not covered elsewhere, in the text's own conventions.

* **T-004-Prop7** — θ ∈ Crit(L) with rk W = e ≤ r ⟹ W ∈ Crit(l|M_e):
  :func:`prop7_check` (the check at one point) and :func:`embed_critical_point` (critical points
  of a wider network with rank-deficient W, by zero padding a narrower network's).
* **T-004-Cor8** — l smooth and convex, d_h = 1: every critical θ has W = 0 or is a global
  minimum: :func:`cor8_experiment` (multistart GD and Newton, every end point classified).
* **T-004-Lem31/Cor32** — the Hessian of L(A, B) = ‖AB − Σ‖² at the text's factorisation of Σ_I,
  in the text's variable order: :func:`eq15_17_hessian` (the second derivatives (15)–(17) at any
  (A, B)), :func:`lem31_blocks` (Lemma 31 / Cor 32's closed-form D, M, N, Δ), :func:`lem31_check`
  (both against ``Landscape.hessian``), :func:`text_order_permutation`.
* **T-004-Fig2** — the ellipse's ED problem: :func:`ellipse_ed_polynomial`,
  :func:`ellipse_ed_discriminant` (the ED discriminant, factored exactly, against Lamé's evolute
  :func:`lame_evolute`), :func:`ellipse_real_critical_count` (exact, Sturm),
  :func:`ellipse_critical_count_by_angle` (independent, numerical), :func:`caustic_rule`,
  :func:`ellipse_caustic_figure` (the PNG).
* **T-004-A2-ED** — the ED discriminant of M_r as a sum of squares: :func:`disc_2x2_sos`
  (the catalog's two-square identity), :func:`symmetric_discriminant_sos` (a Cauchy–Binet sum of
  squares for every n), :func:`sos_zero_set_codimension_2x2`, :func:`ed_real_counts_on_segment`
  (the real count of critical points on M_r is constant, = C(m, r)).

Conventions: points are ``(W_1, …, W_h)``, input side first (the package's); the text writes
``θ = (W_h, …, W_1)``. Index sets ``I`` are 0-based tuples (the text's are 1-based). Symbolic
identities are checked with python-flint's exact multivariate polynomials (``fmpz_mpoly``):
sympy is not a dependency of dlnscape.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import flint
import numpy as np

from dlnscape.architecture import Architecture, check_point, random_point
from dlnscape.errors import ArchitectureError, DlnscapeError, PointError, ShapeError
from dlnscape.geometry.manifold import StationarityOnMr, is_stationary_on_Mr
from dlnscape.tolerances import DEFAULT_TOLERANCES, Tolerances, relative_gradient_at

# ============================================================================================
# T-004-Prop7: critical points of L lie over critical points of l on the smaller variety M_e
# ============================================================================================


@dataclass(frozen=True)
class Prop7Check:
    """Trager et al. 2020, Prop 7 (T-004-Prop7) at one point.

    ``holds`` is the implication "θ critical ⟹ W ∈ Crit(l|M_e)" (None when θ is not critical,
    a rank decision is ambiguous, or θ's residual gradient is too large, at this conditioning,
    to resolve stationarity on M_e — see ``residual_bound``).

    * ``tangent_residual``: ‖P_{T_W M_e} ∇l(W)‖ / g_l(W) (orthonormal basis B of T_W M_e,
      004 App. A.1); ``stationarity_Me`` is the same property by Hofflin's Cor 3.1 with r := e
      (∇l(W)ᵀW = 0 = ∇l(W)Wᵀ).
    * ``residual_bound``: Prop 7 made quantitative. Im dμ(θ) ⊇ T_W M_e (Thm 4) means B = J C
      for C = J⁺B (J the Jacobian of μ), so Bᵀvec ∇l(W) = Cᵀ Jᵀ vec ∇l(W) = Cᵀ∇L(θ) and
      ‖P_T ∇l(W)‖ ≤ ‖C‖₂ ‖∇L(θ)‖: this bound over g_l(W). ``bound_holds``: the measured
      residual is within it (plus rounding); ``containment_residual`` = ‖JC − B‖/‖B‖ checks
      Thm 4's containment at θ — above ``CONTAINMENT_RTOL`` the least-squares C is not a
      preimage (J's singular values on those directions are below rounding) and neither
      ``bound_holds`` nor ``holds`` is decided.
    * ``stationary_on_Mr``: the stronger property on the network's own M_r (for e < r it needs
      ∇l(W) = 0), for contrast: Prop 7 does not claim it, and Prop 9 says it fails at every
      critical point of that kind that is not a critical point of l.
    """

    critical: bool
    relative_gradient: float
    layer_relative_gradients: tuple[float, ...]
    rank_W: int
    r: int
    rank_gap: float
    stationarity_Me: StationarityOnMr | None  # None for e = 0 (M_0 = {0}: vacuous)
    tangent_residual: float
    residual_bound: float
    bound_holds: bool | None  # None when the containment is not resolved numerically
    containment_residual: float
    stationary_on_Mr: bool | None
    holds: bool | None
    reason: str

    def to_dict(self) -> dict:
        return {
            "claim": "T-004-Prop7",
            "critical": self.critical,
            "relative_gradient": self.relative_gradient,
            "layer_relative_gradients": list(self.layer_relative_gradients),
            "rank_W": self.rank_W,
            "r": self.r,
            "rank_gap": self.rank_gap,
            "stationarity_Me": None if self.stationarity_Me is None
            else self.stationarity_Me.to_dict(),
            "tangent_residual": self.tangent_residual,
            "residual_bound": self.residual_bound,
            "bound_holds": self.bound_holds,
            "containment_residual": self.containment_residual,
            "stationary_on_Mr": self.stationary_on_Mr,
            "holds": self.holds,
            "reason": self.reason,
        }


CONTAINMENT_RTOL = 1e-8  # ‖JC − B‖/‖B‖ above this: Thm 4's containment not resolved at θ


def prop7_check(landscape, theta: Sequence[np.ndarray], *,
                tol: Tolerances = DEFAULT_TOLERANCES) -> Prop7Check:
    """Check Trager et al. 2020, Prop 7 (T-004-Prop7) at ``theta``: if θ ∈ Crit(L) and
    rk W = e ≤ r, then W is a critical point of l restricted to M_e.

    Critical means that *every* per-layer relative gradient ‖∇_{W_k}L‖/γ_k
    (:func:`dlnscape.tolerances.layer_relative_gradients`) is at most ``tol.critical_rtol``.
    Departure from the package's aggregated criterion (:func:`relative_gradient_at`, also
    reported): a Newton end point such as ‖W_1‖ = 1.7e-7, ‖W_2‖ = 5e-42, ‖W_3‖ = 3.3 has an
    aggregated relative gradient of 1e-17 but per-layer ones of 0.07 and 0.18 — it approximates
    the critical point with W_2 = 0 (where W = 0), not a critical point over its own rank-1 W.
    The rank e of W = μ(θ) is :func:`dlnscape.geometry.rank_profile`'s decision (relative to the
    factors' product of norms, so a W that vanishes by cancellation has rank 0); stationarity
    on M_e is relative to the loss's gradient scale (``tol.stationarity_rtol``). A θ critical
    to ρ whose W is barely above the rank cut (‖W‖ ≈ 1e-11 next to factors of norm 1–25) has
    ‖C‖₂ ≈ 1e11: its residual gradient then allows tangent residuals of 1e-6, and ``holds`` is
    None there (``bound_holds`` still says whether the quantitative form holds).
    """
    from dlnscape.geometry.differential import jacobian
    from dlnscape.geometry.manifold import tangent_space
    from dlnscape.geometry.ranks import rank_profile
    from dlnscape.tolerances import EPS, layer_relative_gradients, point_scale

    theta = check_point(landscape.arch, theta)
    rel, gnorm, _ = relative_gradient_at(landscape, theta)
    layer_rel = tuple(float(x) for x in layer_relative_gradients(landscape.grad(theta),
                                                                 point_scale(landscape, theta)))
    critical = max(layer_rel) <= tol.critical_rtol
    prof = rank_profile(theta)
    e, r = int(prof.rank), int(landscape.arch.r)
    W = landscape.model.forward(theta)
    G = landscape.loss.grad(W)
    m, n = W.shape
    gscale = float(landscape.loss.magnitude(W, float(np.prod([np.linalg.norm(w, 2)
                                                              for w in theta]))).gradient)

    def over_g(x: float) -> float:
        return x / gscale if gscale > 0 else (0.0 if x == 0 else math.inf)

    st_e = None
    tangent_residual = bound = containment = 0.0
    if e > 0:  # M_0 = {0}: its tangent space is {0}, every l is stationary there
        st_e = is_stationary_on_Mr(G, W, e, tol=tol.stationarity_rtol, scale=gscale)
        B = tangent_space(W, rank=e).basis.reshape(-1, m * n).T  # (mn, dim), orthonormal
        tangent_residual = over_g(float(np.linalg.norm(B.T @ G.ravel())))
        J = jacobian(theta)
        C = np.linalg.lstsq(J, B, rcond=None)[0]
        containment = float(np.linalg.norm(J @ C - B) / np.linalg.norm(B))
        bound = over_g(float(np.linalg.norm(C, 2)) * gnorm)
    rounding = 100.0 * (m + n) * EPS * over_g(float(np.linalg.norm(G)))
    resolved = containment <= CONTAINMENT_RTOL
    bound_holds = (tangent_residual <= 2.0 * bound + rounding) if resolved else None
    st_r = is_stationary_on_Mr(G, W, r, tol=tol.stationarity_rtol, scale=gscale).stationary
    if not critical:
        holds = None
        why = (f"θ is not critical (largest per-layer relative gradient {max(layer_rel):.3g}, "
               f"aggregated {rel:.3g}): Prop 7 says nothing")
    elif prof.end_to_end.ambiguous or (st_e is not None and st_e.stationary is None):
        holds, why = None, f"the rank of W is ambiguous (gap {prof.end_to_end.gap:.3g})"
    elif e == 0:
        holds, why = True, "θ critical with W = 0: W ∈ M_0 = {0}, critical there trivially"
    elif not resolved:
        holds = None
        why = (f"θ critical, rk W = {e}, but Im dμ(θ) ⊇ T_W M_{e} is not resolved in float64 "
               f"(‖JJ⁺B − B‖/‖B‖ = {containment:.3g}): W is numerically on a smaller stratum")
    elif bound > tol.stationarity_rtol:
        holds = None
        why = (f"θ critical, rk W = {e}, but its residual gradient allows a tangent residual up "
               f"to {bound:.3g} > {tol.stationarity_rtol:.1g} at this conditioning (‖J⁺B‖ large: "
               f"W is small next to its factors); measured {tangent_residual:.3g}, within the "
               f"bound: {bound_holds}")
    else:
        holds = bool(st_e.stationary) and tangent_residual <= tol.stationarity_rtol
        why = (f"θ critical, rk W = {e} (r = {r}); W is {'' if holds else 'NOT '}stationary on "
               f"M_{e} (Cor 3.1 residuals {st_e.residuals}, tangent residual "
               f"{tangent_residual:.3g}, bound {bound:.3g})")
        if e < r:
            why += f"; stationary on M_r = M_{r}: {st_r}"
    return Prop7Check(bool(critical), float(rel), layer_rel, e, r, float(prof.end_to_end.gap),
                      st_e, float(tangent_residual), float(bound), bound_holds,
                      float(containment), st_r, holds, why)


def embed_critical_point(theta_narrow: Sequence[np.ndarray], arch_wide) -> tuple[np.ndarray, ...]:
    """Zero-pad a point of a narrower network into a wider one with the same d_0 and d_h.

    Each ``W_i`` (``e_i × e_{i−1}``) becomes the top-left block of a ``d_i × d_{i−1}`` zero
    matrix. Not from the text: a device to produce critical points with rk W < r for
    T-004-Prop7. The product is unchanged, and a critical point stays critical:
    ``∇_{W_i}L = W_{>i}ᵀ ∇l(W) W_{<i}ᵀ`` (000 Lem 3.1); the padded rows of it are rows of
    ``W_{>i}ᵀ`` that vanish (padded columns of ``W_{i+1}``), the padded columns are columns of
    ``W_{<i}ᵀ`` that vanish (padded rows of ``W_{i−1}``), and the top-left block is the narrow
    network's gradient.
    """
    arch_wide = arch_wide if isinstance(arch_wide, Architecture) else Architecture(arch_wide)
    theta_narrow = tuple(np.asarray(W, dtype=np.float64) for W in theta_narrow)
    if len(theta_narrow) != arch_wide.h:
        raise PointError(f"theta_narrow: expected {arch_wide.h} layers, got {len(theta_narrow)}")
    out = []
    for i, (W, shape) in enumerate(zip(theta_narrow, arch_wide.shapes, strict=True)):
        if W.ndim != 2 or W.shape[0] > shape[0] or W.shape[1] > shape[1]:
            raise PointError(f"theta_narrow: layer {i + 1} has shape {W.shape}, which does not fit "
                             f"into {shape}")
        if i > 0 and W.shape[1] != theta_narrow[i - 1].shape[0]:
            raise PointError(f"theta_narrow: layers {i} and {i + 1} do not chain")
        Z = np.zeros(shape)
        Z[: W.shape[0], : W.shape[1]] = W
        out.append(Z)
    if theta_narrow[0].shape[1] != arch_wide.widths[0] or \
            theta_narrow[-1].shape[0] != arch_wide.widths[-1]:
        raise PointError("theta_narrow: input and output widths must equal arch_wide's d_0, d_h")
    return tuple(out)


# ============================================================================================
# T-004-Cor8: d_h = 1 and convex l — every critical point has W = 0 or is a global minimum
# ============================================================================================


@dataclass(frozen=True)
class Cor8EndPoint:
    """One multistart end point, with the evidence Cor 8 is judged on.

    ``category``:

    * "global": ``dlnscape.classify`` certifies a global minimum (a pure critical point);
    * "W=0": the end point is, or lies within ``snap_distance`` (relative to its largest layer)
      of, a critical point with W = 0 exactly (spurious when ∇l(0) ≠ 0) — ``snapped_layer`` is
      the layer set to 0 (None when W = 0 already, e.g. by cancellation);
    * "not_critical": the run did not reach a critical point;
    * "unexplained": critical, W ≠ 0, not certified global and no W = 0 critical point nearby —
      a candidate counterexample to Cor 8 (none was found).

    ``verdict`` is ``dlnscape.classify``'s verdict on the point the category refers to (the
    snapped one when a layer was snapped), ``verdict_raw`` on the end point itself;
    ``layer_relative_gradients`` are ‖∇_{W_k}L‖/γ_k (:mod:`dlnscape.tolerances`).
    """

    method: str
    init_scale: float
    converged: bool
    value: float
    relative_gradient: float
    layer_relative_gradients: tuple[float, ...]
    layer_norms: tuple[float, ...]
    snapped_layer: int | None
    snap_distance: float
    rank_W: int
    verdict: str
    verdict_raw: str
    critical_type: str
    category: str

    def to_dict(self) -> dict:
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in self.__dict__.items()}


@dataclass(frozen=True)
class Cor8Experiment:
    """Trager et al. 2020, Cor 8 (T-004-Cor8) on multistart end points."""

    widths: tuple[int, ...]
    loss: str
    global_value: float | None
    value_at_zero: float
    grad_norm_at_zero: float
    points: tuple[Cor8EndPoint, ...]
    counts: dict[str, int] = field(default_factory=dict)
    fractions: dict[str, float] = field(default_factory=dict)
    purity: dict[str, int] = field(default_factory=dict)
    below_zero_level_all_global: bool = True

    @property
    def unexplained(self) -> tuple[Cor8EndPoint, ...]:
        return tuple(p for p in self.points if p.category == "unexplained")

    @property
    def agrees(self) -> bool:
        """No end point contradicts Cor 8."""
        return not self.unexplained

    def to_dict(self) -> dict:
        return {
            "claim": "T-004-Cor8",
            "widths": list(self.widths),
            "loss": self.loss,
            "global_value": self.global_value,
            "value_at_zero": self.value_at_zero,
            "grad_norm_at_zero": self.grad_norm_at_zero,
            "counts": dict(self.counts),
            "fractions": dict(self.fractions),
            "purity": dict(self.purity),
            "below_zero_level_all_global": self.below_zero_level_all_global,
            "agrees": self.agrees,
            "points": [p.to_dict() for p in self.points],
        }


SNAP_RTOL = 1e-4  # = sqrt(critical_rtol): how small (relative) a layer may be to be snapped


def snap_smallest_layer(theta: Sequence[np.ndarray]
                        ) -> tuple[tuple[np.ndarray, ...], int, float]:
    """θ with its smallest layer set to exactly 0, the (1-based) layer and ‖W_k‖/max_j‖W_j‖.

    Newton runs towards the critical families with W = 0 (e.g. {W_h = 0, W_{<h}ᵀ ⊥ ∇l(0)ᵀ})
    end at a layer of size 1e-8…1e-32 next to layers of size 1–1000: numerically critical in
    the Euclidean metric, but not in the per-layer relative sense (‖∇_{W_1}L‖/γ_1 = O(1)
    there). The critical point they approximate has that layer exactly 0.
    """
    norms = [float(np.linalg.norm(W)) for W in theta]
    k = int(np.argmin(norms))
    big = max(norms)
    out = tuple(np.zeros_like(W) if j == k else np.array(W, dtype=np.float64)
                for j, W in enumerate(theta))
    return out, k + 1, (norms[k] / big if big > 0 else 0.0)


def _cor8_end_point(landscape, theta, method, scale, converged, rng, tol, budget
                    ) -> Cor8EndPoint:
    from dlnscape.critical import classify
    from dlnscape.geometry.pure import critical_type
    from dlnscape.geometry.ranks import rank_profile
    from dlnscape.tolerances import layer_relative_gradients, point_scale

    theta = tuple(np.asarray(W, dtype=np.float64) for W in theta)
    raw = classify(landscape, theta, rng=rng, budget=budget, tol=tol)
    rel, _, _ = relative_gradient_at(landscape, theta)
    layer_rel = tuple(layer_relative_gradients(landscape.grad(theta),
                                               point_scale(landscape, theta)))
    e = int(rank_profile(theta).rank)
    used, res, snapped, dist = theta, raw, None, 0.0
    if raw.verdict == "global_minimum":
        cat = "global"
    elif e == 0 and rel <= tol.critical_rtol:
        cat = "W=0"
    else:
        cand, k, d = snap_smallest_layer(theta)
        rel_s, _, _ = relative_gradient_at(landscape, cand)
        if d <= SNAP_RTOL and rel_s <= tol.critical_rtol:
            used, snapped, dist, cat = cand, k, d, "W=0"
            res = classify(landscape, cand, rng=rng, budget=budget, tol=tol)
            e = 0
        elif rel > tol.critical_rtol:
            cat = "not_critical"
        else:
            cat = "unexplained"
    ct = critical_type(landscape, used).kind if cat != "not_critical" else "not_critical"
    return Cor8EndPoint(method, float(scale), bool(converged), float(landscape.value(used)),
                        float(rel), layer_rel, tuple(float(np.linalg.norm(W)) for W in theta),
                        snapped, float(dist), e, str(res.verdict), str(raw.verdict), ct, cat)


def cor8_experiment(loss, arch, *, n_starts: int = 6, methods: Sequence[str] = ("gd", "newton"),
                    init_scales: Sequence[float] = (1.0, 1e-2), rng=0,
                    tol: Tolerances = DEFAULT_TOLERANCES, budget=None) -> Cor8Experiment:
    """Reproduce Trager et al. 2020, Cor 8 (T-004-Cor8) at small size.

    The text: l smooth and convex, d_h = 1, θ ∈ Crit(L) ⟹ W = μ(θ) = 0 or θ is a global
    minimum (via Prop 7: rk W = 1 makes W critical on M_1 = R^{1×d_0}∖{0}, open, so ∇l(W) = 0).
    For every method in ``methods`` (``dlnscape.find_critical_point``: "gd" finds minima,
    "newton" also saddles) and every init scale (multiplying the package's default Gaussian
    scale), ``n_starts`` runs; every end point is classified with ``dlnscape.classify`` (the
    raw end point and, when it approximates a critical point with a zero layer, that point, see
    :func:`snap_smallest_layer`) and typed pure/spurious (``dlnscape.critical_type``, 004
    Def 1). ``fractions`` are over all end points.
    """
    from dlnscape.critical import find_critical_point
    from dlnscape.functional import global_minimum
    from dlnscape.landscape import Landscape
    from dlnscape.models.linear import LinearNetwork

    arch = arch if isinstance(arch, Architecture) else Architecture(arch)
    if arch.widths[-1] != 1:
        raise ArchitectureError(f"arch: Cor 8 needs d_h = 1, got widths {arch.widths}")
    if not isinstance(n_starts, int) or n_starts < 1:
        raise DlnscapeError(f"n_starts: expected an integer ≥ 1, got {n_starts!r}")
    for m in methods:
        if m not in ("gd", "newton", "trust-region"):
            raise DlnscapeError(f"methods: unknown method {m!r}")
    gen = np.random.default_rng(rng)
    L = Landscape(LinearNetwork(arch), loss)
    gm = global_minimum(loss, arch)
    gm_value = None if gm is None else float(gm.value)
    W0 = np.zeros(arch.end_to_end_shape)
    points = []
    for method in methods:
        for s in init_scales:
            for _ in range(n_starts):
                th0 = tuple(float(s) * W for W in random_point(arch, gen))
                run = find_critical_point(L, th0, method)
                points.append(_cor8_end_point(L, run.theta, method, s, run.converged, gen, tol,
                                              budget))
    cats = ("global", "W=0", "not_critical", "unexplained")
    counts = {c: sum(p.category == c for p in points) for c in cats}
    n = max(1, len(points))
    fractions = {c: counts[c] / n for c in cats}
    purity = {k: sum(p.critical_type == k for p in points)
              for k in ("pure", "spurious", "not_critical", "undetermined")}
    v0 = float(loss.value(W0))
    below = all(p.category == "global" for p in points
                if p.category != "not_critical" and p.value < v0 * (1 - 1e-9))
    return Cor8Experiment(tuple(arch.widths), type(loss).__name__, gm_value, v0,
                          float(np.linalg.norm(loss.grad(W0))), tuple(points), counts,
                          fractions, purity, below)


# ============================================================================================
# T-004-A7 Eq 15–17, T-004-Lem31/Cor32: the Hessian of ‖AB − Σ‖² at the text's point
# ============================================================================================


def _check_I(I, m: int) -> tuple[int, ...]:
    try:
        I = tuple(int(i) for i in I)
    except TypeError as exc:
        raise DlnscapeError(f"I: expected a tuple of 0-based indices, got {I!r}") from exc
    if len(set(I)) != len(I) or not I or any(i < 0 or i >= m for i in I):
        raise DlnscapeError(f"I: expected distinct indices in 0..{m - 1}, got {I!r}")
    return tuple(sorted(I))


def _check_sigma(sigma) -> np.ndarray:
    s = np.asarray(sigma, dtype=np.float64)
    if s.ndim != 1 or s.size == 0 or not np.all(np.isfinite(s)):
        raise ShapeError(f"sigma: expected a non-empty finite 1-d array, got shape {s.shape}")
    return s


def text_point(sigma, dy: int, dx: int, I) -> tuple[np.ndarray, np.ndarray]:
    """The factorisation (A_0, B_0) of Σ_I chosen in 004 App. A.7 (T-004-A7-Eq15–17).

    With i_1 > … > i_r the elements of I in *decreasing* order, column j of A_0 is e_{i_j} and
    row j of B_0 is σ_{i_j} e_{i_j}ᵀ, so A_0B_0 = Σ_I, A_0ᵀA_0 = I_r, B_0B_0ᵀ = diag(σ_{i_j}²).
    ``sigma`` are the diagonal entries of Σ ∈ R^{d_y×d_x} (m = min(d_y, d_x) of them); I is
    0-based. Returns (A_0, B_0) with A_0 ∈ R^{d_y×r}, B_0 ∈ R^{r×d_x}.
    """
    s = _check_sigma(sigma)
    m = min(dy, dx)
    if s.size != m:
        raise ShapeError(f"sigma: expected min(dy, dx) = {m} values, got {s.size}")
    dec = sorted(_check_I(I, m), reverse=True)
    r = len(dec)
    A = np.zeros((dy, r))
    B = np.zeros((r, dx))
    for j, i in enumerate(dec):
        A[i, j] = 1.0
        B[j, i] = s[i]
    return A, B


def sigma_matrix(sigma, dy: int, dx: int) -> np.ndarray:
    """Σ ∈ R^{d_y×d_x} with diagonal ``sigma``."""
    s = _check_sigma(sigma)
    S = np.zeros((dy, dx))
    S[np.arange(s.size), np.arange(s.size)] = s
    return S


def text_order_permutation(dy: int, dx: int, r: int) -> np.ndarray:
    """``perm`` with ``H_text = H_pkg[np.ix_(perm, perm)]`` (T-004-A7-Eq15–17).

    The text orders a_11..a_1r, a_21.., … (A row-major), then b_11..b_r1, b_12.., … (B
    column-major). dlnscape packs θ = (W_1, W_2) = (B, A), each row-major, B first.
    ``perm[text index] = packed index``.
    """
    perm = np.empty(r * (dy + dx), dtype=int)
    for i in range(dy):
        for j in range(r):
            perm[i * r + j] = r * dx + i * r + j  # a_ij
    for l_ in range(dx):
        for k in range(r):
            perm[r * dy + l_ * r + k] = k * dx + l_  # b_kl
    return perm


def eq15_17_hessian(A: np.ndarray, B: np.ndarray, Q0: np.ndarray) -> np.ndarray:
    """Hessian of L(A, B) = ‖AB − Q0‖² (no ½) from the text's second derivatives (15)–(17),
    004 App. A.7 (T-004-A7-Eq15–17), in the text's variable order
    (:func:`text_order_permutation`). The text writes Σ for Q0; the formulas hold for any Q0.

    (15) ∂²L/∂a_ij∂a_kl = 2[BBᵀ]_jl if i = k, else 0;
    (16) ∂²L/∂b_ij∂b_kl = 2[AᵀA]_ik if j = l, else 0;
    (17) ∂²L/∂a_ij∂b_kl = 2a_ik b_jl, plus 2[AB − Q0]_il when j = k.
    """
    A = np.asarray(A, dtype=np.float64)
    B = np.asarray(B, dtype=np.float64)
    Q0 = np.asarray(Q0, dtype=np.float64)
    dy, r = A.shape
    if B.ndim != 2 or B.shape[0] != r or Q0.shape != (dy, B.shape[1]):
        raise ShapeError(f"A, B, Q0: expected (d_y×r, r×d_x, d_y×d_x), got "
                         f"{A.shape}, {B.shape}, {Q0.shape}")
    dx = B.shape[1]
    R = A @ B - Q0
    na, nb = dy * r, r * dx
    H = np.zeros((na + nb, na + nb))
    BBt, AtA = B @ B.T, A.T @ A

    def ia(i, j):
        return i * r + j

    def ib(k, l_):
        return na + l_ * r + k

    for i, j, l_ in itertools.product(range(dy), range(r), range(r)):
        H[ia(i, j), ia(i, l_)] = 2 * BBt[j, l_]  # (15)
    for i, k, j in itertools.product(range(r), range(r), range(dx)):
        H[ib(i, j), ib(k, j)] = 2 * AtA[i, k]  # (16)
    for i, j, k, l_ in itertools.product(range(dy), range(r), range(r), range(dx)):
        v = 2 * A[i, k] * B[j, l_] + (2 * R[i, l_] if j == k else 0.0)  # (17)
        H[ia(i, j), ib(k, l_)] = v
        H[ib(k, l_), ia(i, j)] = v
    return H


@dataclass(frozen=True)
class Lem31Blocks:
    """The text's closed forms at (A_0, B_0) (T-004-Lem31/Cor32): H = [[D, M], [Mᵀ, N]] with
    D = diag(2σ_{i_j}²), N = 2I, M from Lemma 31, and Cor 32's diagonal of Δ = MMᵀ."""

    D: np.ndarray
    M: np.ndarray
    N: np.ndarray
    delta_diag: np.ndarray

    @property
    def H(self) -> np.ndarray:
        return np.block([[self.D, self.M], [self.M.T, self.N]])

    def to_dict(self) -> dict:
        return {"D": self.D.tolist(), "M": self.M.tolist(), "N": self.N.tolist(),
                "delta_diag": self.delta_diag.tolist()}


def lem31_blocks(sigma, dy: int, dx: int, I) -> Lem31Blocks:
    """D, M, N and diag Δ as Trager et al. 2020 state them (T-004-Lem31/Cor32, App. A.7).

    Rows ij of M (i ∈ [d_y], j ∈ [r], a_ij), columns kl (k ∈ [r], l ∈ [d_x], b_kl).
    Lemma 31: if i ∈ I, say i = i_k, the only non-zero entry of row ij is M_{ij, k i_j} = 2σ_{i_j};
    if i ∉ I it is M_{ij, j i} = −2σ_i. D_{ij,ij} = 2σ_{i_j}² (the OCR writes "2σ_i²"; (15) with
    B_0B_0ᵀ = diag(σ_{i_j}²) gives the subscript i_j). Cor 32: Δ_{ij,ij} = 4σ_{i_j}² if i ∈ I and
    4σ_i² if i ∉ I (the OCR prints "4σ_i²" twice; the subscripts are reconstructed, catalog
    T-004-Lem31/Cor32). The text assumes d_y ≤ d_x (WLOG); for d_y > d_x the rows i ≥ d_x have
    no σ_i and are built as the text's rule reads with σ_i := 0 (so they vanish).
    """
    s = _check_sigma(sigma)
    m = min(dy, dx)
    if s.size != m:
        raise ShapeError(f"sigma: expected min(dy, dx) = {m} values, got {s.size}")
    dec = sorted(_check_I(I, m), reverse=True)  # i_1 > … > i_r
    r = len(dec)
    pos = {i: k for k, i in enumerate(dec)}
    D = np.diag([2 * s[dec[j]] ** 2 for i in range(dy) for j in range(r)])
    N = 2 * np.eye(r * dx)
    M = np.zeros((dy * r, r * dx))
    delta = np.zeros(dy * r)
    for i in range(dy):
        for j in range(r):
            if i in pos:
                k = pos[i]
                M[i * r + j, dec[j] * r + k] = 2 * s[dec[j]]
                delta[i * r + j] = 4 * s[dec[j]] ** 2
            else:
                if i < m:  # column b_{j i}; rows i ≥ m (only when d_y > d_x) stay zero
                    M[i * r + j, i * r + j] = -2 * s[i]
                    delta[i * r + j] = 4 * s[i] ** 2
    return Lem31Blocks(D, M, N, delta)


@dataclass(frozen=True)
class Lem31Check:
    """T-004-Lem31/Cor32 against ``Landscape.hessian`` at the text's point."""

    dy: int
    dx: int
    I: tuple[int, ...]
    eq15_17_error: float  # ‖H_(15–17) − H_pkg‖ / ‖H_pkg‖
    lemma31_error: float  # ‖H_Lem31 − H_pkg‖ / ‖H_pkg‖
    one_nonzero_per_row: bool  # Lemma 31's structure, read off H_pkg's M block
    delta_offdiag: float  # ‖offdiag(MMᵀ)‖ / ‖MMᵀ‖ with M from H_pkg
    cor32_error: float  # max |diag(MMᵀ) − Cor 32| / max |diag(MMᵀ)|
    agrees: bool

    def to_dict(self) -> dict:
        d = dict(self.__dict__)
        d["I"] = list(self.I)
        d["claim"] = "T-004-Lem31/Cor32"
        return d


def lem31_check(sigma, dy: int, dx: int, I, *, rtol: float = 1e-12) -> Lem31Check:
    """Compare the text's Hessian (eqs. (15)–(17) and Lemma 31 / Cor 32's closed forms) with the
    package's dense Hessian of ``DistanceLoss(Σ)`` (= ‖W − Σ‖², the text's normalisation) at
    the text's point (:func:`text_point`), after :func:`text_order_permutation`.

    ``rtol`` is relative to ‖H‖ (the entries are exact small-integer combinations of σ's, so
    agreement is at rounding level)."""
    from dlnscape.landscape import Landscape
    from dlnscape.losses import DistanceLoss
    from dlnscape.models.linear import LinearNetwork

    s = _check_sigma(sigma)
    A0, B0 = text_point(s, dy, dx, I)
    r = A0.shape[1]
    Sig = sigma_matrix(s, dy, dx)
    land = Landscape(LinearNetwork(Architecture([dx, r, dy])), DistanceLoss(Sig))
    perm = text_order_permutation(dy, dx, r)
    Hp = land.hessian((B0, A0))[np.ix_(perm, perm)]
    nH = float(np.linalg.norm(Hp))
    e1 = float(np.linalg.norm(eq15_17_hessian(A0, B0, Sig) - Hp)) / nH
    blocks = lem31_blocks(s, dy, dx, I)
    e2 = float(np.linalg.norm(blocks.H - Hp)) / nH
    na = dy * r
    M = Hp[:na, na:]
    cut = rtol * nH
    one = bool(np.all(np.sum(np.abs(M) > cut, axis=1) == 1))
    Dl = M @ M.T
    off = Dl - np.diag(np.diag(Dl))
    nD = float(np.linalg.norm(Dl))
    offr = float(np.linalg.norm(off)) / nD if nD > 0 else 0.0
    dd = np.diag(Dl)
    big = float(np.max(np.abs(dd))) if dd.size else 0.0
    e3 = float(np.max(np.abs(dd - blocks.delta_diag))) / big if big > 0 else 0.0
    ok = max(e1, e2, offr, e3) <= rtol and one
    return Lem31Check(dy, dx, _check_I(I, min(dy, dx)), e1, e2, one, offr, e3, bool(ok))


def cor33_roots(sigma, dy: int, dx: int, I) -> np.ndarray:
    """The roots of the characteristic polynomial (18) (T-004-Cor33) as printed, sorted:
    (t−2)^{r|d_x−d_y|} t^{r²} Π_{k∈I}(t − 2(σ_k²+1))^r Π_{i∈[m]∖I} Π_{j∈I}
    (t² − 2t(σ_j²+1) + 4(σ_j² − σ_i²))."""
    s = _check_sigma(sigma)
    m = min(dy, dx)
    I = _check_I(I, m)
    r = len(I)
    roots = [2.0] * (r * abs(dx - dy)) + [0.0] * (r * r)
    for k in I:
        roots += [2 * (s[k] ** 2 + 1)] * r
    for i in sorted(set(range(m)) - set(I)):
        for j in I:
            x, y = s[j] ** 2, s[i] ** 2
            disc = math.sqrt((x - 1) ** 2 + 4 * y)  # Lemma 34's roots (x+1) ± √((x−1)² + 4y)
            roots += [x + 1 - disc, x + 1 + disc]
    return np.sort(np.array(roots))


# ============================================================================================
# T-004-Fig2: the ellipse, its ED polynomial, the ED discriminant (caustic = evolute)
# ============================================================================================


def _q(x) -> Fraction:
    """Exact rational value of a number (a float is converted exactly)."""
    if isinstance(x, Fraction):
        return x
    if isinstance(x, (int, np.integer)):
        return Fraction(int(x))
    xf = float(x)
    if not math.isfinite(xf):
        raise DlnscapeError(f"expected a finite number, got {x!r}")
    return Fraction(xf)


def _check_ab(a, b) -> tuple[Fraction, Fraction]:
    try:
        A, B = _q(a), _q(b)
    except DlnscapeError as exc:
        raise DlnscapeError(f"a, b: {exc}") from exc
    if A <= 0 or B <= 0:
        raise DlnscapeError(f"a, b: expected semi-axes > 0, got {a!r}, {b!r}")
    return A, B


def _check_u(u) -> tuple[Fraction, Fraction]:
    arr = np.asarray(u, dtype=object).ravel() if not isinstance(u, np.ndarray) else u.ravel()
    if len(arr) != 2:
        raise ShapeError(f"u: expected a point of R², got {u!r}")
    try:
        return _q(arr[0]), _q(arr[1])
    except DlnscapeError as exc:
        raise DlnscapeError(f"u: {exc}") from exc


def ellipse_ed_polynomial(a, b, u) -> list[Fraction]:
    """Coefficients (constant first) of the ED polynomial in the Lagrange multiplier λ for
    the distance from u to the ellipse x²/a² + y²/b² = 1 (T-004-Fig2, exact rationals).

    Lagrange: (p − u) + λ(x/a², y/b²) = 0 gives x = u_1a²/(a²+λ), y = u_2b²/(b²+λ), and the
    constraint becomes q(λ) = u_1²a²(b²+λ)² + u_2²b²(a²+λ)² − (a²+λ)²(b²+λ)² = 0 (degree 4:
    the ED degree of an ellipse is 4). For a circle (a = b) the factor (a²+λ)² carries no
    critical point (x, y are undefined there) and is divided out: q = a²|u|² − (a²+λ)² (ED
    degree 2). Off the axes (u_1u_2 ≠ 0) λ ↦ (x, y) is injective, so distinct real roots are
    distinct real critical points.
    """
    a_, b_ = _check_ab(a, b)
    u1, u2 = _check_u(u)
    A, B = a_ * a_, b_ * b_
    if A == B:
        return [A * (u1 * u1 + u2 * u2) - A * A, -2 * A, Fraction(-1)]
    qa = flint.fmpq_poly([_fq(A), 1])
    qb = flint.fmpq_poly([_fq(B), 1])
    q = _fq(u1 * u1 * A) * qb * qb + _fq(u2 * u2 * B) * qa * qa - qa * qa * qb * qb
    return [Fraction(int(c.p), int(c.q)) for c in q.coeffs()]


def _fq(x: Fraction) -> flint.fmpq:
    return flint.fmpq(x.numerator, x.denominator)


def _sturm_count(coeffs: Sequence[Fraction]) -> int:
    """Number of distinct real roots of a rational polynomial (Sturm's theorem, exact)."""
    p = flint.fmpq_poly([_fq(Fraction(c)) for c in coeffs])
    if p.degree() < 1:
        return 0
    p = p / p.gcd(p.derivative()) if p.gcd(p.derivative()).degree() > 0 else p
    seq = [p, p.derivative()]
    while seq[-1].degree() > 0:
        rem = -(seq[-2] % seq[-1])
        if rem.is_zero():
            break
        seq.append(rem)

    def changes(signs):
        s = [x for x in signs if x != 0]
        return sum(1 for u, v in zip(s, s[1:], strict=False) if u * v < 0)

    def lc(f):
        return f.coeffs()[-1]

    at_pinf = [1 if lc(f) > 0 else -1 for f in seq]
    at_minf = [(1 if lc(f) > 0 else -1) * (-1) ** f.degree() for f in seq]
    return changes(at_minf) - changes(at_pinf)


@dataclass(frozen=True)
class EllipseCriticalPoints:
    """Real critical points of h_u(p) = ‖p − u‖² on the ellipse (T-004-Fig2)."""

    a: float
    b: float
    u: tuple[float, float]
    n_real: int  # exact (Sturm)
    n_real_flint: int  # exact, independently (flint's certified complex root isolation)
    degree: int  # ED degree: 4 (ellipse), 2 (circle)
    points: tuple[tuple[float, float], ...]
    discriminant_sign: int  # sign of disc_λ q(λ) at u (0 on the caustic)

    def to_dict(self) -> dict:
        return {"claim": "T-004-Fig2", "a": self.a, "b": self.b, "u": list(self.u),
                "n_real": self.n_real, "n_real_flint": self.n_real_flint, "degree": self.degree,
                "points": [list(p) for p in self.points],
                "discriminant_sign": self.discriminant_sign}


def ellipse_real_critical_count(a, b, u) -> EllipseCriticalPoints:
    """Count, exactly, the real critical points of ‖p − u‖² on x²/a² + y²/b² = 1 (T-004-Fig2).

    The count is the number of distinct real roots of :func:`ellipse_ed_polynomial` (Sturm),
    re-counted with flint's certified root isolation; the points are x = u_1a²/(a²+λ),
    y = u_2b²/(b²+λ) in float64. Needs u_1u_2 ≠ 0 for an ellipse (on an axis the polynomial
    degenerates: raises); a circle needs u ≠ 0 (its centre is equidistant from every point).
    """
    a_, b_ = _check_ab(a, b)
    u1, u2 = _check_u(u)
    if a_ != b_ and u1 * u2 == 0:
        raise DlnscapeError("u: on an axis of the ellipse the ED polynomial degenerates "
                            "(λ = −a² or −b² carries a pair of points); pick u_1u_2 ≠ 0")
    if a_ == b_ and u1 == 0 and u2 == 0:
        raise DlnscapeError("u: the centre of a circle: every point of it is critical")
    coeffs = ellipse_ed_polynomial(a_, b_, (u1, u2))
    n = _sturm_count(coeffs)
    den = math.lcm(*[c.denominator for c in coeffs])
    zp = flint.fmpz_poly([int(c * den) for c in coeffs])
    sqf = zp // zp.gcd(zp.derivative()) if zp.gcd(zp.derivative()).degree() > 0 else zp
    roots = sqf.complex_roots()
    real = [float(rt.real.mid()) for rt, _ in roots if isinstance(rt, flint.arb)
            or rt.imag == 0]
    if a_ == b_:  # the circle: p = ±a·u/‖u‖ (λ = −a² ± a‖u‖)
        nu = math.hypot(float(u1), float(u2))
        base = (float(a_) * float(u1) / nu, float(a_) * float(u2) / nu)
        pts = (base, (-base[0], -base[1]))
    else:
        A, B = float(a_) ** 2, float(b_) ** 2
        pts = tuple((float(u1) * A / (A + lam), float(u2) * B / (B + lam))
                    for lam in sorted(real))
    disc = flint.fmpq_poly([_fq(c) for c in coeffs]).discriminant()  # of this q(λ)
    sign = 0 if disc == 0 else (1 if disc > 0 else -1)
    return EllipseCriticalPoints(float(a_), float(b_), (float(u1), float(u2)), n, len(real),
                                 len(coeffs) - 1, pts, sign)


def ellipse_critical_count_by_angle(a: float, b: float, u, n_grid: int = 20000) -> int:
    """Independent numerical count (T-004-Fig2): sign changes of d/dt ‖p(t) − u‖² on a periodic
    grid of the parametrisation p(t) = (a cos t, b sin t), where
    ½ d/dt = (b² − a²) sin t cos t + a u_1 sin t − b u_2 cos t. Evidence only (two critical
    points closer than the grid spacing are missed)."""
    u = np.asarray(u, dtype=np.float64).ravel()
    if u.size != 2:
        raise ShapeError(f"u: expected a point of R², got {u!r}")
    t = np.linspace(0.0, 2 * np.pi, int(n_grid), endpoint=False)
    g = (b * b - a * a) * np.sin(t) * np.cos(t) + a * u[0] * np.sin(t) - b * u[1] * np.cos(t)
    s = np.sign(g)
    return int(np.sum(s * np.roll(s, -1) < 0))


def caustic_rule(a, b, u) -> int:
    """The catalog's rule for Fig 2 (T-004-Fig2): 4 real critical points iff
    (a|u_1|)^{2/3} + (b|u_2|)^{2/3} < |a² − b²|^{2/3} (inside Lamé's evolute), else 2."""
    a, b = float(a), float(b)
    u = np.asarray(u, dtype=np.float64).ravel()
    lhs = (a * abs(u[0])) ** (2 / 3) + (b * abs(u[1])) ** (2 / 3)
    return 4 if lhs < abs(a * a - b * b) ** (2 / 3) else 2


def lame_evolute(a, b, u) -> Fraction:
    """The evolute of the ellipse as a polynomial (exact): with c² = a² − b²,
    E(u) = (a²u_1² + b²u_2² − c⁴)³ + 27a²b²c⁴u_1²u_2² (zero set: (au_1)^{2/3} + (bu_2)^{2/3} =
    |c²|^{2/3}, the text's "diamond"); E < 0 inside. Classical (Salmon, Higher plane curves),
    used as the independent closed form for :func:`ellipse_ed_discriminant`."""
    a_, b_ = _check_ab(a, b)
    u1, u2 = _check_u(u)
    A, B = a_ * a_, b_ * b_
    c2 = A - B
    return (A * u1 * u1 + B * u2 * u2 - c2 * c2) ** 3 + 27 * A * B * c2 * c2 * u1 * u1 * u2 * u2


@dataclass(frozen=True)
class EDDiscriminant:
    """The discriminant in λ of the ellipse's ED polynomial, as an exact polynomial in
    (u_1, u_2, A = a², B = b²), with its factorisation (T-004-Fig2, T-004-A2-ED)."""

    poly: object  # flint.fmpz_mpoly in (u1, u2, A, B)
    constant: int
    factors: tuple[tuple[str, int], ...]
    caustic: object  # the factor of degree 6 in (u1, u2)

    def evaluate(self, a, b, u) -> Fraction:
        a_, b_ = _check_ab(a, b)
        u1, u2 = _check_u(u)
        return _eval_mpoly(self.poly, (u1, u2, a_ * a_, b_ * b_))

    def caustic_value(self, a, b, u) -> Fraction:
        a_, b_ = _check_ab(a, b)
        u1, u2 = _check_u(u)
        return _eval_mpoly(self.caustic, (u1, u2, a_ * a_, b_ * b_))

    def to_dict(self) -> dict:
        return {"claim": "T-004-Fig2", "variables": ["u1", "u2", "A=a^2", "B=b^2"],
                "discriminant": str(self.poly), "constant": self.constant,
                "factors": [[f, k] for f, k in self.factors], "caustic": str(self.caustic)}


def _eval_mpoly(p, values: Sequence[Fraction]) -> Fraction:
    total = Fraction(0)
    for exps, c in zip(p.monoms(), p.coeffs(), strict=True):
        term = Fraction(int(c))
        for v, e in zip(values, exps, strict=True):
            if int(e):
                term *= v ** int(e)
        total += term
    return total


def _ed_ring():
    return flint.fmpz_mpoly_ctx.get(("lam", "u1", "u2", "A", "B"), "lex")


def ellipse_ed_discriminant() -> EDDiscriminant:
    """The ED discriminant of the ellipse x²/a² + y²/b² = 1 (T-004-Fig2, T-004-A2-ED): the
    discriminant in λ of q(λ) (:func:`ellipse_ed_polynomial`), exact, factored by flint.

    Its factors are −16·A·B·(A − B)²·u_1²·u_2² times a sextic in (u_1, u_2) — the caustic (it
    equals :func:`lame_evolute`, checked in the tests). Since q has degree 4 with real
    coefficients, disc > 0 ⟺ 4 or 0 real roots and disc < 0 ⟺ 2; the continuous h_u on the
    compact ellipse always has ≥ 2 critical points, so disc > 0 ⟺ 4. The u_1²u_2² factor marks
    the axes, where q degenerates; (A − B)² makes it vanish identically for a circle (the ED
    degree drops to 2).
    """
    R = _ed_ring()
    lam, u1, u2, A, B = R.gens()
    qa, qb = A + lam, B + lam
    q = u1 ** 2 * A * qb ** 2 + u2 ** 2 * B * qa ** 2 - qa ** 2 * qb ** 2
    d = q.discriminant("lam")
    R2 = flint.fmpz_mpoly_ctx.get(("u1", "u2", "A", "B"), "lex")
    d2 = _drop_first_var(d, R2)
    const, facs = d2.factor()
    sextic = [f for f, _k in facs if int(f.degrees()[0]) == 6]  # degree 6 in u_1
    if len(sextic) != 1:  # pragma: no cover - flint's factorisation is deterministic
        raise DlnscapeError("ellipse_ed_discriminant: expected one sextic factor")
    caustic = sextic[0]
    return EDDiscriminant(d2, int(const), tuple((str(f), int(k)) for f, k in facs), caustic)


def _drop_first_var(p, ctx):
    """Move a polynomial with no λ into the ring (u1, u2, A, B)."""
    terms = {}
    for exps, c in zip(p.monoms(), p.coeffs(), strict=True):
        if exps[0] != 0:
            raise DlnscapeError("internal: the discriminant still depends on λ")
        terms[tuple(exps[1:])] = c
    return ctx.from_dict(terms)


@dataclass(frozen=True)
class EllipseCausticFigure:
    """What :func:`ellipse_caustic_figure` drew and the agreement it measured."""

    path: Path
    a: float
    b: float
    n_samples: int
    counts: dict[int, int]
    rule_mismatches: int  # exact count ≠ the caustic rule (T-004-Fig2)
    discriminant_mismatches: int  # exact count ≠ (4 if disc > 0 else 2)
    circle_counts: dict[int, int]

    def to_dict(self) -> dict:
        return {"claim": "T-004-Fig2", "path": str(self.path), "a": self.a, "b": self.b,
                "n_samples": self.n_samples, "counts": dict(self.counts),
                "rule_mismatches": self.rule_mismatches,
                "discriminant_mismatches": self.discriminant_mismatches,
                "circle_counts": dict(self.circle_counts)}



def _sample_plane(gen, n: int, box: tuple[float, float], inner: tuple[float, float] | None = None
                  ) -> np.ndarray:
    """n uniform points in the box [−box_0, box_0] × [−box_1, box_1]; with ``inner``, half of
    them in that smaller box (so that the caustic's inside is sampled too)."""
    k = n // 2 if inner is not None else 0
    outer = gen.uniform(-1.0, 1.0, size=(n - k, 2)) * np.asarray(box)
    pts = outer if inner is None else np.vstack(
        [outer, gen.uniform(-1.0, 1.0, size=(k, 2)) * np.asarray(inner)])
    pts[pts == 0.0] = 1e-3 * max(box)  # keep off the axes (measure zero anyway)
    return pts


def ellipse_caustic_figure(path: str | Path, a: float, b: float, *, n_samples: int = 400,
                           rng=0, circle: bool = True) -> EllipseCausticFigure:
    """Trager et al. 2020, Fig. 2 (T-004-Fig2) as a PNG, written atomically.

    Left: the ellipse x²/a² + y²/b² = 1, its caustic (the evolute,
    ((a²−b²)/a cos³t, (b²−a²)/b sin³t)) and ``n_samples`` random points u coloured by their
    exact number of real critical points of ‖p − u‖² (:func:`ellipse_real_critical_count`);
    half of them are drawn in the caustic's bounding box.
    Right (``circle``): the circle of radius √(ab), whose caustic is its centre; every sample has
    2. The returned object counts the samples whose exact count disagrees with the caustic rule
    and with the sign of the ED discriminant.
    """

    a_, b_ = _check_ab(a, b)
    a, b = float(a_), float(b_)
    if not isinstance(n_samples, int) or n_samples < 1:
        raise DlnscapeError(f"n_samples: expected an integer ≥ 1, got {n_samples!r}")
    gen = np.random.default_rng(rng)
    c = abs(a * a - b * b)
    box = 1.25 * max(c / a, a), 1.25 * max(c / b, b)
    U = _sample_plane(gen, n_samples, box, (c / a, c / b) if c > 0 else None)
    disc = ellipse_ed_discriminant() if a != b else None
    counts, cols = {}, []
    rule_bad = disc_bad = 0
    for u in U:
        res = ellipse_real_critical_count(a_, b_, u)
        counts[res.n_real] = counts.get(res.n_real, 0) + 1
        cols.append(res.n_real)
        rule_bad += res.n_real != caustic_rule(a, b, u)
        if disc is not None:
            disc_bad += res.n_real != (4 if res.discriminant_sign > 0 else 2)
    from dlnscape.report.figures import pyplot, save_png

    plt = pyplot()
    ncol = 2 if circle else 1
    fig, axes = plt.subplots(1, ncol, figsize=(5.2 * ncol, 4.6), dpi=120, squeeze=False)
    ax = axes[0, 0]
    t = np.linspace(0, 2 * np.pi, 600)
    ax.plot(a * np.cos(t), b * np.sin(t), color="k", lw=1.4, label="ellipse V")
    ax.plot((a * a - b * b) / a * np.cos(t) ** 3, (b * b - a * a) / b * np.sin(t) ** 3,
            color="tab:red", lw=1.4, label="caustic (ED discriminant)")
    cols = np.array(cols)
    for k, colr in ((2, "tab:blue"), (4, "tab:orange")):
        sel = cols == k
        if sel.any():
            ax.scatter(U[sel, 0], U[sel, 1], s=8, color=colr, label=f"{k} real critical points "
                       f"({int(sel.sum())})")
    other = ~np.isin(cols, (2, 4))
    if other.any():
        ax.scatter(U[other, 0], U[other, 1], s=14, color="tab:green", marker="x", label="other")
    ax.set_aspect("equal")
    ax.set_title(f"ellipse a = {a:g}, b = {b:g}: ED degree 4")
    ax.legend(fontsize=7, loc="lower right", framealpha=0.9)
    ax.grid(alpha=0.3)
    circle_counts: dict[int, int] = {}
    if circle:
        ax2 = axes[0, 1]
        rad = math.sqrt(a * b)
        U2 = _sample_plane(gen, n_samples, (1.3 * rad, 1.3 * rad))
        for u in U2:
            n2 = ellipse_real_critical_count(Fraction(rad), Fraction(rad), u).n_real
            circle_counts[n2] = circle_counts.get(n2, 0) + 1
        ax2.plot(rad * np.cos(t), rad * np.sin(t), color="k", lw=1.4, label="circle")
        ax2.scatter(U2[:, 0], U2[:, 1], s=8, color="tab:blue",
                    label=f"2 real critical points ({circle_counts.get(2, 0)})")
        ax2.plot([0], [0], "o", color="tab:red", label="caustic = centre")
        ax2.set_aspect("equal")
        ax2.set_title(f"circle r = {rad:.3g}: ED degree 2")
        ax2.legend(fontsize=7, loc="lower right")
        ax2.grid(alpha=0.3)
    fig.suptitle("Trager et al. 2020, Fig. 2: real critical points of ‖p − u‖² on V", fontsize=9)
    fig.tight_layout()
    out = save_png(fig, path, plt)
    return EllipseCausticFigure(out, a, b, n_samples, counts, int(rule_bad), int(disc_bad),
                                circle_counts)


# ============================================================================================
# T-004-A2-ED: the ED discriminant of M_r is a sum of squares (real codimension 2)
# ============================================================================================


@dataclass(frozen=True)
class SOSIdentity:
    """An exact polynomial identity disc = Σ w_k s_k² (T-004-A2-ED)."""

    description: str
    discriminant: str
    n_squares: int
    weights: tuple[int, ...]
    holds: bool

    def to_dict(self) -> dict:
        return {"claim": "T-004-A2-ED", "description": self.description,
                "discriminant": self.discriminant, "n_squares": self.n_squares,
                "weights": list(self.weights), "holds": self.holds}


def _charpoly_disc(S, ctx_t):
    """disc_t det(tI − S) for a symbolic square matrix S (list of lists of mpolys over ctx_t,
    whose first variable is t): computed by flint's resultant-based discriminant."""
    n = len(S)
    t = ctx_t.gens()[0]
    Mt = [[(t if i == j else 0) - S[i][j] for j in range(n)] for i in range(n)]
    return _det(Mt).discriminant("t")


def _det(M):
    """Determinant by cofactor expansion (n ≤ 3 here): exact, no division."""
    n = len(M)
    if n == 1:
        return M[0][0]
    if n == 2:
        return M[0][0] * M[1][1] - M[0][1] * M[1][0]
    total = 0
    for j in range(n):
        minor = [row[:j] + row[j + 1:] for row in M[1:]]
        total = total + (-1) ** j * M[0][j] * _det(minor)
    return total


def disc_2x2_sos(*, broken: bool = False) -> SOSIdentity:
    """T-004-A2-ED for 2×2 matrices: disc(QQᵀ) = (q11² + q12² − q21² − q22²)² +
    4(q11q21 + q12q22)², exactly (flint ``fmpz_mpoly``).

    The left side is computed independently as the discriminant in t of det(tI − QQᵀ).
    ``broken=True`` checks a deliberately wrong right side (factor 2 instead of 4) — the
    identity must then fail (a test of the test).
    """
    R = flint.fmpz_mpoly_ctx.get(("t", "q11", "q12", "q21", "q22"), "lex")
    _, q11, q12, q21, q22 = R.gens()
    S = [[q11 ** 2 + q12 ** 2, q11 * q21 + q12 * q22], [q11 * q21 + q12 * q22, q21 ** 2 + q22 ** 2]]
    lhs = _charpoly_disc(S, R)
    w = 2 if broken else 4
    rhs = (q11 ** 2 + q12 ** 2 - q21 ** 2 - q22 ** 2) ** 2 + w * (q11 * q21 + q12 * q22) ** 2
    return SOSIdentity("disc(QQᵀ), Q ∈ R^{2×2}: the catalog's two squares", str(lhs), 2,
                       (1, w), bool(lhs == rhs))


def symmetric_discriminant_sos(n: int, *, broken: bool = False) -> SOSIdentity:
    """A sum-of-squares certificate for the discriminant of a symmetric n×n matrix S
    (T-004-A2-ED, for every n; n ≤ 3 is practical here).

    disc(S) = Π_{i<j}(λ_i − λ_j)² = det V Vᵀ (Vandermonde) = det[tr S^{i+j}]_{i,j<n} (Hankel of
    power sums) = det KᵀK with K = [vec S⁰ | … | vec S^{n−1}] (n² × n), because
    tr S^{i+j} = ⟨S^i, S^j⟩_F for symmetric S; Cauchy–Binet: det KᵀK = Σ_R det(K_R)² over the
    n-row subsets R (Ilyushechkin 1992; Parlett 2002). So disc(QQᵀ) ≥ 0 for every real Q, with
    equality iff two singular values coincide. Checked exactly against flint's discriminant of
    det(tI − S). ``broken=True`` drops one non-zero square (the identity must then fail).
    """
    if not isinstance(n, int) or n < 2 or n > 4:
        raise DlnscapeError(f"n: expected an integer in 2..4, got {n!r}")
    names = [f"s{i}{j}" for i in range(n) for j in range(i, n)]
    R = flint.fmpz_mpoly_ctx.get(("t", *names), "lex")
    gens = R.gens()[1:]
    idx = {}
    k = 0
    for i in range(n):
        for j in range(i, n):
            idx[(i, j)] = idx[(j, i)] = gens[k]
            k += 1
    S = [[idx[(i, j)] for j in range(n)] for i in range(n)]
    lhs = _charpoly_disc(S, R)
    powers = [[[R.from_dict({}) + (1 if i == j else 0) for j in range(n)] for i in range(n)]]
    for _ in range(1, n):
        P = powers[-1]
        powers.append([[sum((P[i][m] * S[m][j] for m in range(n)), R.from_dict({}))
                        for j in range(n)] for i in range(n)])
    K = [[powers[c][i][j] for c in range(n)] for i in range(n) for j in range(n)]  # n² × n
    squares = []
    for rows in itertools.combinations(range(n * n), n):
        d = _det([K[r_] for r_ in rows])
        if not d.is_zero():
            squares.append(d)
    if broken:
        squares = squares[1:]
    rhs = sum((s * s for s in squares), R.from_dict({}))
    return SOSIdentity(f"disc of a symmetric {n}×{n} matrix: Cauchy–Binet squares of det KᵀK",
                       str(lhs) if n == 2 else f"<{len(lhs)} terms>", len(squares),
                       tuple([1] * len(squares)), bool(lhs == rhs))


def sos_zero_set_codimension_2x2(Q) -> int:
    """Rank, in exact rationals, of the Jacobian of the two squares' bases
    f_1 = q11² + q12² − q21² − q22², f_2 = 2(q11q21 + q12q22) at a real zero Q of disc(QQᵀ)
    (T-004-A2-ED). Rank 2 at a zero ⟹ near Q the real zero set {f_1 = f_2 = 0} is a manifold
    of codimension 2 in R⁴, so it separates nothing (unlike the ellipse's caustic)."""
    Q = np.asarray(Q, dtype=object)
    if Q.shape != (2, 2):
        raise ShapeError(f"Q: expected a 2×2 matrix, got shape {Q.shape}")
    q11, q12, q21, q22 = (_q(x) for x in Q.ravel())
    f1 = q11 ** 2 + q12 ** 2 - q21 ** 2 - q22 ** 2
    f2 = 2 * (q11 * q21 + q12 * q22)
    if f1 != 0 or f2 != 0:
        raise DlnscapeError("Q: not a zero of disc(QQᵀ) (its singular values differ)")
    J = flint.fmpq_mat(2, 4, [_fq(x) for x in (2 * q11, 2 * q12, -2 * q21, -2 * q22,
                                              2 * q21, 2 * q22, 2 * q11, 2 * q12)])
    return int(J.rank())


@dataclass(frozen=True)
class SegmentCounts:
    """Real and complex critical-point counts of h_{Q(t)}|M_r along a segment (T-004-A2-ED)."""

    shape: tuple[int, int]
    r: int
    ts: tuple[float, ...]
    n_complex: tuple[int, ...]
    n_real: tuple[int, ...]
    disc_values: tuple[float, ...]  # disc(Q(t)Q(t)ᵀ), from the SOS (all ≥ 0)
    expected: int  # C(m, r), Thm 12

    @property
    def constant(self) -> bool:
        return set(self.n_real) == {self.expected} and set(self.n_complex) == {self.expected}

    def to_dict(self) -> dict:
        return {"claim": "T-004-A2-ED", "shape": list(self.shape), "r": self.r,
                "ts": list(self.ts), "n_complex": list(self.n_complex),
                "n_real": list(self.n_real), "disc_values": list(self.disc_values),
                "expected": self.expected, "constant": self.constant}


def ed_real_counts_on_segment(Q_start, Q_end, r: int, n_points: int = 5, *,
                              backend: str = "auto", rng=0) -> SegmentCounts:
    """Along Q(t) = (1−t)Q_start + tQ_end, count every complex critical point of ‖W − Q(t)‖² on
    M_r (``dlnscape.critical_points_on_Mr``, certified) and the real ones (T-004-A2-ED): the
    text's consequence of the codimension-2 discriminant is that the real count never changes,
    always C(m, r) = the ED degree (contrast: the ellipse's count jumps across the caustic)."""
    from dlnscape.algebraic import critical_points_on_Mr
    from dlnscape.losses import DistanceLoss

    Qa = np.asarray(Q_start, dtype=np.float64)
    Qb = np.asarray(Q_end, dtype=np.float64)
    if Qa.ndim != 2 or Qa.shape != Qb.shape:
        raise ShapeError(f"Q_start, Q_end: expected two matrices of one shape, got "
                         f"{Qa.shape}, {Qb.shape}")
    m = min(Qa.shape)
    if not isinstance(r, int) or not 1 <= r < m:
        raise DlnscapeError(f"r: expected an integer in 1..{m - 1}, got {r!r}")
    ts = tuple(float(t) for t in np.linspace(0.0, 1.0, int(n_points)))
    nc, nr, dv = [], [], []
    for t in ts:
        Q = (1 - t) * Qa + t * Qb
        res = critical_points_on_Mr(DistanceLoss(Q), r, backend=backend, rng=rng)
        nc.append(int(res.n_complex))
        nr.append(int(res.n_real))
        ev = np.linalg.eigvalsh(Q @ Q.T)
        dv.append(float(np.prod([(ev[i] - ev[j]) ** 2 for i in range(ev.size)
                                 for j in range(i + 1, ev.size)])))
    return SegmentCounts(Qa.shape, r, ts, tuple(nc), tuple(nr), tuple(dv), math.comb(m, r))


__all__ = [
    "Prop7Check", "prop7_check", "embed_critical_point", "CONTAINMENT_RTOL",
    "Cor8EndPoint", "Cor8Experiment", "cor8_experiment", "snap_smallest_layer", "SNAP_RTOL",
    "text_point", "sigma_matrix", "text_order_permutation", "eq15_17_hessian", "Lem31Blocks",
    "lem31_blocks", "Lem31Check", "lem31_check", "cor33_roots",
    "ellipse_ed_polynomial", "EllipseCriticalPoints", "ellipse_real_critical_count",
    "ellipse_critical_count_by_angle", "caustic_rule", "lame_evolute", "EDDiscriminant",
    "ellipse_ed_discriminant", "EllipseCausticFigure", "ellipse_caustic_figure",
    "SOSIdentity", "disc_2x2_sos", "symmetric_discriminant_sos", "sos_zero_set_codimension_2x2",
    "SegmentCounts", "ed_real_counts_on_segment",
]
