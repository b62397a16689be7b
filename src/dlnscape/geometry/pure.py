"""Pure and spurious critical points (Trager et al. 2020, Def 1 / Lem 2 / Prop 9).

θ ∈ Crit(L) is *pure* if W = μ(θ) is a critical point of l restricted to the image M_r,
*spurious* otherwise. Stationarity of l on M_r at W is decided with Hofflin's Lemma 3.2 /
Cor 3.1 (:func:`dlnscape.geometry.manifold.is_stationary_on_Mr`): ``∇l(W)ᵀW = 0 = ∇l(W)Wᵀ``
when rk W = r, ``∇l(W) = 0`` when rk W < r.

Def 1 read literally needs W to be a *smooth* point of M_r; in the non-filling case the points
with rk W < r are singular, so every critical θ over them would be spurious. ``kind`` uses the
stationarity reading (a singular W with ∇l(W) = 0 is "pure"); ``kind_literal`` reports the
literal reading; both are returned.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from dlnscape.architecture import check_point, unpack
from dlnscape.geometry.differential import differential_rank
from dlnscape.geometry.manifold import StationarityOnMr, is_stationary_on_Mr
from dlnscape.geometry.ranks import rank_profile
from dlnscape.tolerances import (
    DEFAULT_TOLERANCES,
    layer_relative_gradients,
    point_scale,
    relative_gradient_at,
)


@dataclass(frozen=True)
class CriticalType:
    """The pure/spurious verdict at θ with the evidence behind it."""

    kind: str  # "pure" | "spurious" | "not_critical" | "undetermined"
    kind_literal: str  # Def 1 read literally (singular W ⇒ never pure)
    value: float
    grad_norm: float
    relative_grad_norm: float
    critical_tol: float
    rank_W: int
    r: int
    smooth_point: bool  # W is a smooth point of M_r (rk W = r, or filling)
    differential_rank: int
    max_differential_rank: int
    stationarity: StationarityOnMr
    loss_grad_norm: float  # ‖∇l(W)‖
    reason: str
    saddle_by_prop9: bool  # spurious with rk W < r and ∇l(W) ≠ 0: a saddle (004 Prop 9)

    def to_dict(self) -> dict:
        return {
            "kind": self.kind,
            "kind_literal": self.kind_literal,
            "definition": "Trager et al. 2020, Def 1 (stationarity: Hofflin 2023 Lem 3.2/Cor 3.1)",
            "value": self.value,
            "grad_norm": self.grad_norm,
            "relative_grad_norm": self.relative_grad_norm,
            "critical_tol": self.critical_tol,
            "rank_W": self.rank_W,
            "r": self.r,
            "smooth_point": self.smooth_point,
            "differential_rank": self.differential_rank,
            "max_differential_rank": self.max_differential_rank,
            "stationarity": self.stationarity.to_dict(),
            "loss_grad_norm": self.loss_grad_norm,
            "reason": self.reason,
            "saddle_by_prop9": self.saddle_by_prop9,
        }


def critical_type(
    landscape,
    theta: Sequence[np.ndarray],
    *,
    critical_tol: float = DEFAULT_TOLERANCES.critical_rtol,
    stationarity_tol: float = DEFAULT_TOLERANCES.stationarity_rtol,
    rtol: float | None = None,
    profile=None,
) -> CriticalType:
    """Classify θ as "pure", "spurious", "not_critical" or "undetermined" (004 Def 1).

    ``profile``: θ's :func:`rank_profile` when the caller already has it (same ``rtol``).

    Critical means a relative gradient (:func:`dlnscape.tolerances.relative_gradient_at`) at
    most ``critical_tol``; stationarity on M_r is relative to the loss's gradient scale.
    "undetermined" when a rank decision the verdict depends on is ambiguous.
    A regularized landscape is refused: Def 1 is about ``l ∘ μ``, and ``l ∘ μ + R`` is no
    function of ``μ(θ)`` (classify it with :func:`dlnscape.classify`).
    """
    reg = getattr(landscape, "regularizer", None)
    if reg is not None and not reg.is_zero:
        from dlnscape.errors import DlnscapeError

        raise DlnscapeError(
            "landscape: the pure/spurious type (Trager et al. 2020, Def 1) is about l ∘ μ, but "
            f"this landscape has a regularizer ({type(reg).__name__}) that is not a function of "
            "μ(θ); use dlnscape.classify for a certified verdict of l ∘ μ + R")
    arch = landscape.arch
    if isinstance(theta, np.ndarray) and theta.ndim == 1:
        theta = unpack(arch, theta)
    theta = check_point(arch, theta)
    value = float(landscape.value(theta))
    rel, gn, _ = relative_gradient_at(landscape, theta)
    prof = rank_profile(theta, rtol) if profile is None else profile
    W = landscape.model.forward(theta)
    G = landscape.loss.grad(W)
    st = is_stationary_on_Mr(G, W, arch.r, tol=stationarity_tol, rtol=rtol,
                             scale=landscape.loss.magnitude(W).gradient)
    diff = differential_rank(theta, rtol, prof)
    smooth = arch.filling or prof.rank == arch.r
    lgn = float(np.linalg.norm(G))
    prop9 = False
    if rel > critical_tol:
        kind = literal = "not_critical"
        why = f"relative gradient {rel:.3g} > {critical_tol:.1g}: not critical"
    elif st.stationary is None or prof.end_to_end.ambiguous:
        kind = literal = "undetermined"
        why = f"critical, but the rank of W is ambiguous (gap {prof.end_to_end.gap:.3g})"
    elif st.stationary:
        kind = "pure"
        literal = "pure" if smooth else "spurious"
        why = f"critical and W is stationary on M_r ({st.reason})"
        if not smooth:
            why += "; W is a singular point of M_r, so Def 1 read literally says spurious"
    else:
        kind = literal = "spurious"
        why = f"critical but W is not stationary on M_r ({st.reason})"
        if prof.rank < arch.r and lgn > 0:
            prop9 = True
            why += "; rk W < r and ∇l(W) ≠ 0, so θ is a saddle (004 Prop 9 / Lem 2)"
    if diff.maximal and kind == "spurious":
        # Def 1 (b) is a statement about exact critical points: at a strongly unbalanced point
        # (a layer of norm 1e-31 next to one of 28) the aggregate criticality can be tiny while
        # a layer's own gradient is far above its floor — such a point is no counterexample
        layer_rel = max(layer_relative_gradients(landscape.grad(theta),
                                                 point_scale(landscape, theta)), default=0.0)
        if layer_rel <= critical_tol:
            why += ("; NOTE: dμ has maximal rank, where 004 Def 1 (b) says a critical point is "
                    "pure — a disagreement to report")
        else:
            kind = literal = "undetermined"
            why += (f"; dμ has maximal rank, but a layer's own relative gradient is {layer_rel:.3g}"
                    f" > {critical_tol:.1g} (an unbalanced, only approximately critical point), "
                    "so Def 1 (b) cannot be tested here")
    return CriticalType(
        kind, literal, value, gn, rel, critical_tol, prof.rank, arch.r, smooth, diff.rank,
        diff.max_rank, st, lgn, why, prop9,
    )
