"""Global minima of ``L = l ∘ μ`` computed in function space (``min_{W ∈ M_r} l(W)``).

The image of μ is ``M_r`` (Trager et al. 2020, §2.2), so ``min_θ L(θ) = min_{W∈M_r} l(W)``:

* SquaredLoss, any X and Y: Eckart–Young after the reduction of 004 §3.3 / 001 Lem 7
  (:func:`~dlnscape.functional.squared.squared_loss_critical_points`); value
  ``½(‖Y‖² − Σ_{i≤r} σ_i(Y V_k)²)``. For full-row-rank X, ``σ_i(YV_k)² = λ_i(Σ)`` with
  ``Σ = YXᵀ(XXᵀ)^{-1}XYᵀ`` (Kawaguchi 2016 / Zhou & Liang 2018 notation).
* DistanceLoss: φᵀφ = c·I → ``c Σ_{i>r} σ_i(Q0)²`` (Eckart–Young); filling architecture and any
  φ → 0 at ``W = Q0``.
* LinearQuadraticLoss: c > 0 → complete the square; c = 0, A = 0 → 0; otherwise unbounded.
* LogisticLoss (convex) with a filling architecture: convex optimisation (scipy Newton-CG);
  with ``ridge > 0`` the gap is certified by strong convexity, ``f(W) − f* ≤ ‖∇f(W)‖²/(2·ridge)``.
* anything else: ``None`` with the reason in :func:`global_minimum_report`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from dlnscape.architecture import Architecture
from dlnscape.errors import ArchitectureError, LossError
from dlnscape.linalg import EPS
from dlnscape.losses import DistanceLoss, LinearQuadraticLoss, LogisticLoss, Loss, SquaredLoss

from .eckart_young import CLUSTER_RTOL
from .squared import direct_function_space, scalar_metric


@dataclass(frozen=True)
class GlobalMinimum:
    """``min_{W ∈ M_r} l(W)`` with a minimizer in function space.

    ``tol`` bounds ``|value − true minimum|``: rounding-level for closed forms (the larger of a
    floating-point bound and the disagreement between the closed-form value and ``l(W)``), the
    strong-convexity gap bound for optimisation. ``certified`` is False for estimates.
    """

    value: float
    W: np.ndarray
    method: str
    tol: float
    certified: bool
    details: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {
            "value": self.value,
            "W": self.W.tolist(),
            "method": self.method,
            "tol": self.tol,
            "certified": self.certified,
            "details": self.details,
        }


@dataclass(frozen=True)
class GlobalMinimumReport:
    """The answer with its status: ``attained``, ``unbounded`` or ``unknown`` (and why)."""

    status: str
    minimum: GlobalMinimum | None
    reason: str
    infimum: float | None = None

    def to_dict(self) -> dict:
        return {
            "status": self.status,
            "minimum": None if self.minimum is None else self.minimum.to_dict(),
            "reason": self.reason,
            "infimum": self.infimum,
        }


def as_architecture(arch) -> Architecture:
    if isinstance(arch, Architecture):
        return arch
    if hasattr(arch, "arch"):
        return arch.arch
    try:
        return Architecture(arch)
    except ArchitectureError:
        raise ArchitectureError(
            f"arch: expected an Architecture (or widths), got {arch!r}"
        ) from None


def _closed(loss: Loss, value: float, W: np.ndarray, method: str, details: dict) -> GlobalMinimum:
    direct = float(loss.value(W))
    # relative to the size of the terms (never 1 + |value|: absolute when the data are small)
    scale = abs(value) + abs(details.get("scale_hint", 0.0))
    tol = max(abs(direct - value), 1e3 * EPS * scale)
    details = {k: v for k, v in details.items() if k != "scale_hint"}
    details["value_direct"] = direct
    return GlobalMinimum(value, W, method, tol, True, details)


def _non_unique_reason(dp, g) -> str:
    parts = [f"σ = {f.sigma:.6g} repeated ×{len(f.indices)} across the rank cut (σ_r = σ_r+1): "
             f"any {f.chosen}-dimensional subspace of its singular space gives a minimiser, a "
             f"Gr({f.chosen}, {len(f.indices)}) (Trager et al. 2020, Thm 28)" for f in g.free]
    red = dp.reduction
    if red is not None and red.k < red.d0:
        parts.append(f"X has rank {red.k} < d_0 = {red.d0}: W + N U_⊥ᵀ with Col(N) ⊆ Col(W) "
                     f"is a minimiser too (Nouiehed & Razaviyayn Lem 7)")
    return (f"the global minimiser is not unique (a {g.dimension}-dimensional set): "
            + "; ".join(parts))


def global_minimum_report(loss: Loss, arch) -> GlobalMinimumReport:
    """Global minimum of ``L = l ∘ μ_arch`` with a status and a reason (module docstring)."""
    a = as_architecture(arch)
    if not isinstance(loss, Loss):
        raise LossError(f"loss: expected a dlnscape Loss, got {type(loss).__name__}")
    loss.check_shape(a.end_to_end_shape)
    r = a.r
    if isinstance(loss, (SquaredLoss, LinearQuadraticLoss)) or (
        isinstance(loss, DistanceLoss) and scalar_metric(loss) is not None
    ):
        if isinstance(loss, LinearQuadraticLoss) and loss.c <= 0:
            if loss.c == 0 and not np.any(loss.A):
                W = np.zeros(loss.shape)
                return GlobalMinimumReport(
                    "attained",
                    GlobalMinimum(0.0, W, "constant loss (A = 0, c = 0)", 0.0, True, {}),
                    "l ≡ 0: every W is a global minimizer",
                )
            if loss.c == 0:
                why = (f"c = 0 and A ≠ 0: l(W) = ⟨A, W⟩ is linear and unbounded below on M_{r} "
                       f"(along W = −t·u₁v₁ᵀ, the top singular pair of A, l = −t·σ₁(A) → −∞)")
            else:
                why = (f"c = {loss.c} < 0: l is concave and unbounded below on M_{r} "
                       f"(along any rank-one ray W = tE, l ~ (c/2)t²‖E‖² → −∞)")
            return GlobalMinimumReport("unbounded", None, why, -np.inf)
        # the top-r subset directly (Eckart–Young): no enumeration of the C(m, r) points
        dp = direct_function_space(loss, r, CLUSTER_RTOL)
        g = dp.point(None)
        sv = dp.ctx.s if dp.ctx is not None else np.zeros(1)
        if isinstance(loss, SquaredLoss):
            value = 0.5 * (float(np.vdot(loss.Y, loss.Y)) - float(np.sum(sv[:r] ** 2)))
            method = ("closed form: Eckart–Young on Q̄ = Y V_k after the SVD reduction of X "
                      "(Trager et al. 2020 §3.3; Nouiehed & Razaviyayn Lem 7)")
            details = {"singular_values_Q": sv.tolist(), "rank_X": dp.reduction.X_rank.rank,
                       "scale_hint": float(np.vdot(loss.Y, loss.Y))}
        else:
            value = g.value
            method = ("closed form: Eckart–Young (Trager et al. 2020, Thm 12/28)"
                      if isinstance(loss, DistanceLoss) else
                      "closed form: complete the square, then Eckart–Young")
            details = {"singular_values_target": sv.tolist(),
                       "scale": dp.scale, "constant": dp.constant,
                       "scale_hint": dp.scale * float(np.vdot(dp.target, dp.target))
                       + abs(dp.constant)}
        # as before: True only when no critical component has positive dimension (a
        # conservative flag: False whenever any positive singular value repeats)
        details["unique_minimizer"] = bool(g.dimension == 0 and dp.finite)
        # the precise statement: the set of global minimisers has this dimension (0 iff unique).
        # σ_r = σ_{r+1} leaves a Grassmannian of minimisers (Thm 28); a rank-deficient X adds
        # the linear family W + N U_⊥ᵀ (Lem 7); both are counted in g.dimension.
        details["minimizer_set_dimension"] = int(g.dimension)
        details["repeated_sigma_r"] = bool(
            dp.ctx is not None and not dp.ctx.degenerate and any(
                0 < len(set(g.I) & set(c.indices)) < c.multiplicity for c in dp.ctx.positive))
        if g.dimension > 0:
            details["non_unique_reason"] = _non_unique_reason(dp, g)
        return GlobalMinimumReport("attained", _closed(loss, value, g.W, method, details),
                                   "closed form")
    if isinstance(loss, DistanceLoss):
        if a.filling:
            W = loss.Q0.copy()
            return GlobalMinimumReport(
                "attained",
                GlobalMinimum(0.0, W, "filling architecture: l ≥ 0 and l(Q0) = 0", 0.0, True, {}),
                "filling: M_r is the whole space",
            )
        from dlnscape.linalg import numerical_rank

        dec = numerical_rank(loss.Q0)
        if dec.rank <= r and not dec.ambiguous:
            # l ≥ 0 and Q0 ∈ M_r: the minimum is 0 at W = Q0 (up to Q0's own rounding: its
            # best rank-r approximation Q_r has l(Q_r) ≤ ‖φ‖²Σ_{i>r}σ_i(Q0)²)
            tail = float(np.sum(dec.singular_values[r:] ** 2))
            p2 = 1.0 if loss.phi is None else float(np.linalg.norm(loss.phi)) ** 2
            W = loss.Q0.copy()
            return GlobalMinimumReport(
                "attained",
                GlobalMinimum(0.0, W, f"rank Q0 = {dec.rank} ≤ r = {r}: l ≥ 0 and l(Q0) = 0",
                              p2 * tail, True, {"rank_Q0": dec.rank, "gap": dec.gap}),
                "the target lies in M_r",
            )
        return GlobalMinimumReport(
            "unknown", None,
            "DistanceLoss with a general metric φᵀφ on a non-filling architecture: no closed form "
            "(Trager et al. 2020, Ex 13: up to 39 complex critical points for 3×3 rank one, "
            "several local minima); enumerate with dlnscape.algebraic.critical_points_on_Mr",
        )
    if isinstance(loss, LogisticLoss):
        if not a.filling:
            return GlobalMinimumReport(
                "unknown", None,
                "convex loss on a non-filling architecture: M_r is not convex and non-global "
                "local minima may exist (Trager et al. 2020, Table 1 / Prop 10); no certified "
                "global minimum",
            )
        return _convex_filling(loss)
    return GlobalMinimumReport(
        "unknown", None,
        f"{type(loss).__name__}: convexity is not known to dlnscape, so no global minimum is "
        f"claimed",
    )


def _convex_filling(loss: LogisticLoss) -> GlobalMinimumReport:
    from scipy.optimize import minimize

    shape = loss.shape
    n = shape[0] * shape[1]

    def f(x):
        return loss.value(x.reshape(shape))

    def g(x):
        return loss.grad(x.reshape(shape)).ravel()

    def hp(x, v):
        return loss.hvp(x.reshape(shape), v.reshape(shape)).ravel()

    def hess(x):
        H = loss.hessian_matrix(x.reshape(shape))
        return 0.5 * (H + H.T)

    method = (f"convex optimisation (scipy {'trust-exact' if n <= 1500 else 'trust-krylov'}), "
              f"filling architecture")
    if n <= 1500:
        res = minimize(f, np.zeros(n), jac=g, hess=hess, method="trust-exact",
                       options={"gtol": 1e-13, "maxiter": 500})
    else:
        res = minimize(f, np.zeros(n), jac=g, hessp=hp, method="trust-krylov",
                       options={"gtol": 1e-13, "maxiter": 500})
    x = res.x
    W = x.reshape(shape)
    gn = float(np.linalg.norm(g(x)))
    value = float(f(x))
    if loss.ridge > 0:
        tol = gn**2 / (2 * loss.ridge) + 1e3 * EPS * (1 + abs(value))
        return GlobalMinimumReport(
            "attained",
            GlobalMinimum(value, W, method,
                          tol, True, {"grad_norm": gn, "strong_convexity": loss.ridge,
                                      "iterations": int(res.nit),
                                      "bound": "f(W) − f* ≤ ‖∇f‖²/(2·ridge)"}),
            "filling + convex: every critical point of l is global (Trager et al. 2020, Prop 10)",
        )
    H = np.stack([hp(x, e) for e in np.eye(n)])
    lam = float(np.linalg.eigvalsh(0.5 * (H + H.T))[0])
    if lam <= 1e-10 or gn > 1e-8:
        return GlobalMinimumReport(
            "unknown", None,
            f"logistic loss without ridge: the optimiser stopped at ‖∇f‖ = {gn:.3g} with smallest "
            f"Hessian eigenvalue {lam:.3g}; the minimum may not be attained (separable data), "
            f"infimum estimate {value:.6g}",
            value,
        )
    tol = gn**2 / (2 * lam) + 1e3 * EPS * (1 + abs(value))
    return GlobalMinimumReport(
        "attained",
        GlobalMinimum(value, W, method,
                      tol, False, {"grad_norm": gn, "hessian_min_eig": lam,
                                   "bound": "‖∇f‖²/(2 λ_min(∇²f(W))), local estimate"}),
        "filling + convex; no ridge, so the tolerance is a local (uncertified) estimate",
    )


def global_minimum(loss: Loss, arch) -> GlobalMinimum | None:
    """``min_θ l(μ(θ)) = min_{W∈M_r} l(W)`` and a minimizer ``W``, or None when unknown/unbounded.

    See :func:`global_minimum_report` for the reason behind a ``None``.
    """
    return global_minimum_report(loss, arch).minimum
