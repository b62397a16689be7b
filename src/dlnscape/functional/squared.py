"""Function-space critical points of the losses that reduce to Eckart–Young.

* squared loss ``½‖WX − Y‖²`` (Trager et al. 2020, §3.3): with ``P = (XXᵀ)^{1/2}`` and
  ``Q0 = Y Xᵀ P^{-1}``, ``‖WX − Y‖² = ‖WP − Q0‖² + ‖Y‖² − ‖Q0‖²`` and ``W ↦ WP`` is a bijection
  of ``M_r``; when ``X`` is rank-deficient we first reduce by the SVD ``X = U_k S_k V_kᵀ``
  (Nouiehed & Razaviyayn, Lem 7 proof): ``‖WX − Y‖² = ‖W U_k S_k − Y V_k‖² + ‖Y(I − V_k V_kᵀ)‖²``.
  Both routes give the same reduced target ``Q̄ = Y V_k`` (for full-rank X, 004's
  ``Q0 = Q̄ U_kᵀ`` has the same singular values), so one code path covers both;
* ``DistanceLoss`` whose metric ``φᵀφ`` is a positive multiple of the identity;
* ``LinearQuadraticLoss`` with ``c > 0`` (complete the square: ``(c/2)‖W − (W0 − A/c)‖² + const``).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from dlnscape.errors import DlnscapeError, LossError, ShapeError
from dlnscape.functional.eckart_young import (
    CLUSTER_RTOL,
    MAX_COMPONENTS,
    EckartYoungContext,
    EckartYoungResult,
    EYCriticalPoint,
    eckart_young_context,
    eckart_young_critical_points,
)
from dlnscape.linalg import RankDecision, numerical_rank
from dlnscape.losses import DistanceLoss, LinearQuadraticLoss, Loss, SquaredLoss

#: a function-space critical point in the loss's own units: the same record as an
#: Eckart–Young point (``index``/``nullity`` of the Riemannian Hessian of ``l|M_r``)
FunctionSpacePoint = EYCriticalPoint


@dataclass(frozen=True)
class FunctionSpaceCriticalPoints:
    """All critical points of ``l|M_r`` for a loss that reduces to Eckart–Young.

    ``l(W) = scale · ‖T(W) − target‖² + constant`` with ``T`` linear (``W ↦ W U_k S_k`` for the
    squared loss, the identity otherwise); ``eckart_young`` is the result on ``target``.
    """

    loss_kind: str
    r: int
    scale: float
    constant: float
    target: np.ndarray
    eckart_young: EckartYoungResult
    points: tuple[FunctionSpacePoint, ...]
    finite: bool
    description: str
    x_rank: RankDecision | None = None
    P: np.ndarray | None = None  # 004 §3.3's (XXᵀ)^{1/2}, full-row-rank X only
    Q0: np.ndarray | None = None  # 004 §3.3's Y Xᵀ P^{-1}, full-row-rank X only
    extra: dict = field(default_factory=dict)

    @property
    def global_minimum(self) -> FunctionSpacePoint:
        return min(self.points, key=lambda p: p.value)

    def point(self, I) -> FunctionSpacePoint:
        ey = self.eckart_young.point(I)
        for p in self.points:
            if p.I == ey.I:
                return p
        raise DlnscapeError(f"I: no critical point with subset {tuple(I)}")  # pragma: no cover

    def to_dict(self) -> dict:
        return {
            "loss_kind": self.loss_kind,
            "r": self.r,
            "scale": self.scale,
            "constant": self.constant,
            "target": self.target.tolist(),
            "finite": self.finite,
            "description": self.description,
            "x_rank": None if self.x_rank is None else self.x_rank.to_dict(),
            "eckart_young": self.eckart_young.to_dict(),
            "points": [p.to_dict() for p in self.points],
        }


def _check_r(r) -> int:
    if isinstance(r, bool) or not isinstance(r, (int, np.integer)) or r < 0:
        raise ShapeError(f"r: expected a non-negative integer rank, got {r!r}")
    return int(r)


@dataclass(frozen=True)
class _SquaredReduction:
    """001 Lem 7 / 004 §3.3: ``½‖WX − Y‖² = ½‖W U_k S_k − Y V_k‖² + const`` (one SVD of X)."""

    X_rank: RankDecision
    k: int
    d0: int
    sx: np.ndarray
    Uk: np.ndarray
    Sk: np.ndarray
    Vk: np.ndarray
    target: np.ndarray
    const: float

    def lift_point(self, p: EYCriticalPoint) -> EYCriticalPoint:
        """``Z_I ↦ W_I = Z_I S_k^{-1} U_kᵀ`` in the loss's units, with the kernel family's
        dimension ``rank(W_I)·(d_0 − k)`` added to ``nullity``."""
        W = (p.W / self.Sk) @ self.Uk.T
        extra_null = len(p.I) * (self.d0 - self.k)  # len(I) = rank W_I
        return replace(p, W=W, value=0.5 * p.value + self.const, nullity=p.nullity + extra_null,
                       dimension=p.dimension + extra_null)


def _squared_reduction(loss: SquaredLoss, rtol: float | None) -> _SquaredReduction:
    X, Y = loss.X, loss.Y
    d0 = X.shape[0]
    Ux, sx, Vxt = np.linalg.svd(X, full_matrices=False) if X.size else (
        np.eye(d0), np.zeros(0), np.zeros((0, X.shape[1])))
    dec = numerical_rank(X, rtol)
    k = dec.rank
    Uk, Sk, Vk = Ux[:, :k], sx[:k], Vxt[:k].T
    target = Y @ Vk  # d_y × k
    const = 0.5 * (float(np.vdot(Y, Y)) - float(np.vdot(target, target)))
    return _SquaredReduction(dec, k, d0, sx, Uk, Sk, Vk, target, const)


def _x_zero_point(loss: SquaredLoss, const: float) -> EYCriticalPoint:
    return EYCriticalPoint((), np.zeros(loss.shape), const, 0, 0, 0, True)


def squared_loss_critical_points(
    loss: SquaredLoss, r: int, *, rtol: float | None = None, cluster_rtol: float = CLUSTER_RTOL,
    max_points: int = MAX_COMPONENTS,
) -> FunctionSpaceCriticalPoints:
    """Critical points of ``l(W) = ½‖WX − Y‖²`` on ``M_r`` with indices, any X and Y.

    Trager et al. 2020 §3.3 + Thm 12/28, with the SVD reduction of Nouiehed & Razaviyayn,
    Lem 7, when ``X`` is rank-deficient (``rank X = k < d_0``). Each listed point is
    ``W_I = Q̄_I S_k^{-1} U_kᵀ`` (zero on ``ker Xᵀ = span U_⊥``), value
    ``½(Σ_{i∉I} σ_i(Q̄)² + ‖Y‖² − ‖Q̄‖²)``, the index of Thm 12 (``W ↦ W U_k S_k`` is a linear
    bijection from ``{W : W U_⊥ = 0} ∩ M_r`` onto ``M_r`` of ``d_y × k`` matrices, preserving
    critical points and their indices).

    When ``k < d_0`` the loss is constant along ``W ↦ W + N U_⊥ᵀ``: each listed point lies in the
    linear family ``{W_I + N U_⊥ᵀ : Col(N) ⊆ Col(W_I)}`` of critical points (dimension
    ``rank(W_I)·(d_0 − k)``, added to ``nullity``), and further critical families exist whose
    ``W U_k``-part has rank ``s < r`` (see ``description``); the critical set is then infinite.

    Enumerative (refuses above ``max_points``, see
    :func:`~dlnscape.functional.eckart_young.eckart_young_critical_points`); one point without
    enumeration: :func:`function_space_critical_point`.
    """
    if not isinstance(loss, SquaredLoss):
        raise LossError(f"loss: expected a SquaredLoss, got {type(loss).__name__}")
    r = _check_r(r)
    X, Y = loss.X, loss.Y
    red = _squared_reduction(loss, rtol)
    d0, k, dec, sx, target, const = red.d0, red.k, red.X_rank, red.sx, red.target, red.const
    ey = eckart_young_critical_points(target, r, cluster_rtol=cluster_rtol,
                                      max_points=max_points) if k else None
    P = Q0 = None
    if k == d0:
        w, E = np.linalg.eigh(X @ X.T)
        P = (E * np.sqrt(np.clip(w, 0.0, None))) @ E.T
        Q0 = Y @ X.T @ np.linalg.inv(P)
    if ey is None:  # X = 0: the loss is constant
        pt = _x_zero_point(loss, const)
        desc = ("X = 0 (numerically): the loss is the constant ½‖Y‖² and every W in M_r is "
                "critical; W = 0 is listed as a representative.")
        ey = eckart_young_critical_points(np.zeros((Y.shape[0], 1)), r)
        return FunctionSpaceCriticalPoints(
            "squared", r, 0.5, const, np.zeros((Y.shape[0], 0)), ey, (pt,), False, desc, dec, P, Q0
        )
    pts = [red.lift_point(p) for p in ey.points]
    desc = ey.description
    if k < d0:
        desc = (f"X has rank {k} < d_0 = {d0} (singular values {sx.tolist()}): reduced by "
                f"X = U_k S_k V_kᵀ to ‖Z − Y V_k‖² with Z = W U_k S_k "
                f"(Nouiehed & Razaviyayn 2018, Lem 7). "
                f"Each listed W_I (zero on ker Xᵀ) lies in a {len(pts[0].I)}·{d0 - k}-dimensional "
                f"linear family W_I + N U_⊥ᵀ, Col(N) ⊆ Col(W_I), of critical points with the same "
                f"value; further critical families have a W U_k-part Z of rank s < r critical on "
                f"the reduced M_s with a kernel part of rank r − s orthogonal to the residual. "
                f"Reduced problem: " + desc)
    finite = ey.finite and k == d0
    return FunctionSpaceCriticalPoints(
        "squared", r, 0.5, const, target, ey, tuple(pts), finite, desc, dec, P, Q0,
        {"U_k": red.Uk, "S_k": red.Sk, "V_k": red.Vk},
    )


def scalar_metric(loss: DistanceLoss, rtol: float = 1e-12) -> float | None:
    """``c`` when ``φᵀφ = c·I`` (c > 0) to relative precision ``rtol``, else None."""
    G = loss.metric
    c = float(np.trace(G)) / G.shape[0]
    if c <= 0:
        return None
    if np.linalg.norm(G - c * np.eye(G.shape[0])) <= rtol * max(np.linalg.norm(G), 1e-300):
        return c
    return None


def _distance_form(loss: Loss) -> tuple[np.ndarray, float, float, str]:
    """``l(W) = scale·‖W − target‖² + const`` for the distance-type losses (or LossError)."""
    if isinstance(loss, DistanceLoss):
        c = scalar_metric(loss)
        if c is None:
            raise LossError(
                "loss: DistanceLoss with a metric φᵀφ that is not a multiple of the identity has "
                "no closed-form critical points (Trager et al. 2020, Ex 13); use "
                "dlnscape.algebraic.critical_points_on_Mr"
            )
        target, scale, const, kind = loss.Q0, c, 0.0, "distance"
    elif isinstance(loss, LinearQuadraticLoss):
        if loss.c <= 0:
            raise LossError(
                f"loss: LinearQuadraticLoss with c = {loss.c} ≤ 0 is not a distance function "
                f"(unbounded below on M_r unless A = 0 and c = 0); closed form needs c > 0"
            )
        target = loss.W0 - loss.A / loss.c
        scale = 0.5 * loss.c
        const = float(np.vdot(loss.A, loss.W0)) - float(np.vdot(loss.A, loss.A)) / (2 * loss.c)
        kind = "linear_quadratic"
    else:
        raise LossError(
            f"loss: {type(loss).__name__} has no closed-form critical points on M_r; supported: "
            f"SquaredLoss, DistanceLoss with φᵀφ = c·I, LinearQuadraticLoss with c > 0"
        )
    return target, scale, const, kind


def function_space_critical_points(
    loss: Loss, r: int, *, cluster_rtol: float = CLUSTER_RTOL, max_points: int = MAX_COMPONENTS
) -> FunctionSpaceCriticalPoints:
    """Critical points of ``l|M_r`` in closed form, for the losses that reduce to Eckart–Young.

    SquaredLoss (any X, Y), DistanceLoss with ``φᵀφ = c·I``, LinearQuadraticLoss with ``c > 0``.
    For a general φ use ``dlnscape.algebraic.critical_points_on_Mr``.

    This lists every component (``C(m, r)`` points for distinct singular values, Trager et al.
    2020 Thm 12) and refuses with a :class:`DlnscapeError` naming ``max_points`` when there are
    more than ``max_points`` (or their matrices exceed 2 GiB). One point, without enumeration:
    :func:`function_space_critical_point`.
    """
    r = _check_r(r)
    if isinstance(loss, SquaredLoss):
        return squared_loss_critical_points(loss, r, cluster_rtol=cluster_rtol,
                                            max_points=max_points)
    target, scale, const, kind = _distance_form(loss)
    ey = eckart_young_critical_points(target, r, cluster_rtol=cluster_rtol,
                                      max_points=max_points)
    pts = tuple(replace(p, value=scale * p.value + const) for p in ey.points)
    return FunctionSpaceCriticalPoints(
        kind, r, scale, const, target, ey, pts, ey.finite,
        f"l(W) = {scale:.6g}·‖W − target‖² + {const:.6g}; " + ey.description,
    )


@dataclass(frozen=True)
class DirectFunctionSpace:
    """The reduction of ``l`` to ``scale·‖Z − target‖² + constant`` and the target's SVD, from
    which single points are built without enumeration."""

    ctx: EckartYoungContext | None  # None when X = 0 (squared loss)
    scale: float
    constant: float
    target: np.ndarray
    reduction: _SquaredReduction | None = None
    zero_point: EYCriticalPoint | None = None

    @property
    def m(self) -> int:
        """Number of singular values of the target (1 for X = 0, as the enumeration has)."""
        return self.ctx.m if self.ctx is not None else 1

    @property
    def finite(self) -> bool:
        """As :attr:`FunctionSpaceCriticalPoints.finite` (without listing the points)."""
        if self.ctx is None:
            return False
        if self.reduction is not None and self.reduction.k < self.reduction.d0:
            return False
        return self.ctx.finite

    def point(self, I=None) -> FunctionSpacePoint:
        if self.ctx is None:
            if I is not None:
                raise DlnscapeError(
                    f"I: X = 0 (numerically): the only listed point is W = 0 (I = ()); got "
                    f"{tuple(I)}")
            return self.zero_point
        p = self.ctx.point(I)
        if self.reduction is not None:
            return self.reduction.lift_point(p)
        return replace(p, value=self.scale * p.value + self.constant)


def direct_function_space(loss: Loss, r: int,
                          cluster_rtol: float = CLUSTER_RTOL) -> DirectFunctionSpace:
    """Critical points on M_r of a squared or distance loss addressed one at a time (by subset
    of singular directions), without enumerating all of them."""
    r = _check_r(r)
    if isinstance(loss, SquaredLoss):
        red = _squared_reduction(loss, None)
        if red.k == 0:  # X = 0: the loss is constant; W = 0 is the representative
            return DirectFunctionSpace(None, 0.5, red.const, red.target, red,
                                       _x_zero_point(loss, red.const))
        return DirectFunctionSpace(eckart_young_context(red.target, r, cluster_rtol), 0.5,
                                   red.const, red.target, red)
    target, scale, const, _ = _distance_form(loss)
    return DirectFunctionSpace(eckart_young_context(target, r, cluster_rtol), scale, const, target)


def function_space_critical_point(
    loss: Loss, r: int, I=None, *, cluster_rtol: float = CLUSTER_RTOL
) -> FunctionSpacePoint:
    """One critical point of ``l|M_r`` in closed form, without enumerating the others.

    ``I = None``: the global minimum (the top-r subset, Eckart–Young; Trager et al. 2020,
    Thm 12 / Thm 28, §3.3 and Nouiehed & Razaviyayn Lem 7 for the squared loss); otherwise the
    point of the 0-based subset ``I`` (or its component's representative when singular values
    repeat). Identical to ``function_space_critical_points(loss, r).point(I)`` (and to its
    ``global_minimum`` for ``I = None``), at the cost of one SVD of the target.
    """
    return direct_function_space(loss, r, cluster_rtol).point(I)
