"""THE tolerance policy: every threshold is relative to a scale that the problem defines.

A verdict must not depend on the units of the data (the policy of this module): scaling X, Y,
Q0, φ, A, … by any a > 0, multiplying the loss by c > 0, acting on the hidden layers by GL, or
rescaling the layers in a balanced way must not change it. So no threshold here is absolute:

* **criticality** — ``‖∇L‖ ≤ critical_rtol · ‖γ‖`` (the per-layer terms aggregated) with
  ``γ_k = Π_{j≠k} ‖W_j‖ · g_l(W)``, where ``g_l(W)`` is the size of the terms that make up
  ``∇l(W)`` (:meth:`dlnscape.losses.Loss.magnitude`). ``∇_{W_k}L = W_{>k}ᵀ ∇l(W) W_{<k}ᵀ``
  (Hofflin 2023, Lem 3.1), so γ_k is the size of what is summed to compute it: the ratio is
  invariant under scaling the data or the loss, and under balanced rescaling
  ``W_k → s_k W_k, Π s_k = 1`` (both sides scale by 1/s_k). A zero scale demands an exact zero.
  With a regularizer R (``Landscape(..., regularizer=...)``) the size of the terms of
  ``∇_{W_k}R`` (``‖2Λ_k²∘W_k‖`` for HadamardL2) is added to γ_k and R(θ) to the value scale;
  balanced rescaling is then no symmetry of L, so that invariance no longer applies.
* **values** (global minimum, escape margins) — relative to ``v_l(W)``, the size of the terms of
  ``l(W)`` (never ``1 + |L|``, which is absolute when |L| < 1).
* **Hessian eigenvalues** — zero when ``|λ| ≤ max(hessian_rtol, gradient_eig_factor · ρ) ·
  max|λ|`` with ρ the relative gradient: a point critical only up to ρ cannot resolve
  eigenvalues below that fraction of the spectrum's scale.
* **stationarity on M_r** (Hofflin 2023, Lem 3.2 / Cor 3.1) — ``‖∇l(W)ᵀW‖, ‖∇l(W)Wᵀ‖`` relative
  to ``g_l(W)‖W‖``, and ``‖∇l(W)‖`` relative to ``g_l(W)`` when rank W < r.
* **ranks** — singular values relative to σ_max (:mod:`dlnscape.linalg`), with the gap.

One :class:`Tolerances` object holds every constant; ``classify``, the certificates and the
geometry entry points accept it as ``tol=``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields

import numpy as np

from dlnscape.errors import DlnscapeError

EPS = float(np.finfo(np.float64).eps)


@dataclass(frozen=True)
class Tolerances:
    """Every relative threshold of dlnscape, with its documented default.

    * ``critical_rtol`` (1e-8): relative gradient (module docstring) at or below which a point
      counts as critical.
    * ``stationarity_rtol`` (1e-8): relative residual of stationarity on M_r.
    * ``global_rtol`` (1e-9): ``|L(θ) − min l|`` relative to the value scale for "global".
    * ``value_rtol`` (1e-9): agreement of a stored number with its recomputation.
    * ``margin_rtol`` (1e-11): an escape's decrease must exceed this fraction of the value scale,
      on top of what the residual gradient can explain.
    * ``taylor_rtol`` (1e-9): a Taylor term counts as vanishing below this fraction of the
      leading one (evaluated at the certificate's own t).
    * ``hessian_rtol`` (None → ``100 · P · eps``): zero threshold of Hessian eigenvalues,
      relative to the largest |λ|.
    * ``gradient_eig_factor`` (100): the zero threshold is raised to this multiple of the
      relative gradient.
    * ``newton_rtol`` (1e-6): a point that passes the gradient test is still not critical when
      its Newton step (on the Hessian's non-kernel part, balanced coordinates) exceeds this
      fraction of θ's own length.
    """

    critical_rtol: float = 1e-8
    stationarity_rtol: float = 1e-8
    global_rtol: float = 1e-9
    value_rtol: float = 1e-9
    margin_rtol: float = 1e-11
    taylor_rtol: float = 1e-9
    hessian_rtol: float | None = None
    gradient_eig_factor: float = 100.0
    newton_rtol: float = 1e-6

    def __post_init__(self) -> None:
        for f in fields(self):
            v = getattr(self, f.name)
            if v is None and f.name == "hessian_rtol":
                continue
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) \
                    or v <= 0:
                raise DlnscapeError(f"tol.{f.name}: expected a finite number > 0, got {v!r}")

    def hessian_rel(self, n: int) -> float:
        return 100.0 * max(n, 1) * EPS if self.hessian_rtol is None else float(self.hessian_rtol)

    def to_dict(self) -> dict:
        return asdict(self)


DEFAULT_TOLERANCES = Tolerances()


def as_tolerances(tol: Tolerances | dict | None) -> Tolerances:
    """``None`` → the defaults; a dict → ``Tolerances(**tol)``; errors name the field."""
    if tol is None:
        return DEFAULT_TOLERANCES
    if isinstance(tol, Tolerances):
        return tol
    if isinstance(tol, dict):
        names = {f.name for f in fields(Tolerances)}
        bad = sorted(set(tol) - names)
        if bad:
            raise DlnscapeError(f"tol: unknown field(s) {bad}; expected some of {sorted(names)}")
        return Tolerances(**tol)
    raise DlnscapeError(f"tol: expected a Tolerances, a dict of its fields or None, got {tol!r}")


@dataclass(frozen=True)
class PointScale:
    """The scales that the problem defines at θ (module docstring)."""

    value: float  # v_l(W): size of the terms of l(W)
    loss_gradient: float  # g_l(W): size of the terms of ∇l(W)
    layers: tuple[float, ...]  # γ_k = Π_{j≠k}‖W_j‖ · g_l(W)
    layer_norms: tuple[float, ...]

    def to_dict(self) -> dict:
        return {"value": self.value, "loss_gradient": self.loss_gradient,
                "layers": list(self.layers), "layer_norms": list(self.layer_norms)}


def point_scale(landscape, theta: Sequence[np.ndarray]) -> PointScale:
    """:class:`PointScale` of ``landscape`` at ``theta`` (a tuple of parameter blocks).

    The model says how large the terms of F(θ) are and bounds ``‖∂F/∂θ_k‖``
    (:meth:`~dlnscape.models.Parametrization.scale`; for a linear network ``Π‖W_j‖`` and
    ``Π_{j≠k}‖W_j‖``), so ``γ_k = ‖∂F/∂θ_k‖ · g_l``."""
    ms = landscape.model.scale(theta)
    W = landscape.model.forward(theta)
    # F(θ) was computed from terms of size ms.output_size (its rounding error is relative to it)
    mag = landscape.loss.magnitude(W, float(ms.output_size))
    layers = tuple(f * float(mag.gradient) for f in ms.block_factors)
    value = float(mag.value)
    reg = getattr(landscape, "regularizer", None)
    if reg is not None:
        # L = l(F(θ)) + R(θ): the terms of R and of ∇_{θ_k}R add to the sizes of the terms
        # summed (so the criticality and value tests stay relative to what is computed)
        r_value, r_layers = reg.scale(tuple(theta))
        value += float(r_value)
        layers = tuple(a + float(b) for a, b in zip(layers, r_layers, strict=True))
    return PointScale(value, float(mag.gradient), layers, tuple(ms.block_norms))


def safe_norm(a) -> float:
    """Frobenius norm without underflow (entries of 1e-200 square to 0 in float64): the array
    is scaled by its largest entry first."""
    a = np.asarray(a, dtype=np.float64)
    m = float(np.max(np.abs(a))) if a.size else 0.0
    if m == 0.0 or not math.isfinite(m):
        return m
    return m * float(np.linalg.norm(a / m))


def layer_relative_gradients(grads: Sequence[np.ndarray], scale: PointScale) -> list[float]:
    """``‖∇_{W_k}L‖ / γ_k`` per layer (0/0 = 0, x/0 = ∞): each is invariant under balanced
    rescaling ``W_k → s_k W_k`` (Π s_k = 1), where both sides scale by 1/s_k."""
    out = []
    for g, s in zip(grads, scale.layers, strict=True):
        n = safe_norm(g)
        out.append(0.0 if n == 0.0 else (n / s if s > 0 else math.inf))
    return out


def relative_gradient(grads: Sequence[np.ndarray], scale: PointScale) -> float:
    """``‖∇L‖ / ‖γ‖ = (Σ_k ‖∇_{W_k}L‖²)^{1/2} / (Σ_k γ_k²)^{1/2}`` (0/0 = 0, x/0 = ∞): the
    criticality measure.

    Each γ_k bounds the terms that make up ``∇_{W_k}L``, so the ratio is the gradient against
    its own rounding floor, in the Euclidean metric of θ in which escapes are measured (an
    escape's decrease must beat ``‖∇L(θ)‖·distance``). It lies between the smallest and the
    largest per-layer ratio ``‖∇_{W_k}L‖/γ_k`` (those are exactly invariant under balanced
    rescaling; the aggregate is at every critical point, where all of them are at rounding
    level)."""
    nums = np.array([safe_norm(g) for g in grads])
    dens = np.array([float(s) for s in scale.layers])
    if not np.any(nums):
        return 0.0
    if not np.any(dens):
        return math.inf
    # ‖nums‖/‖dens‖ with both scaled by their largest entry (no underflow of the squares)
    a, b = float(np.max(nums)), float(np.max(dens))
    return (a / b) * float(np.linalg.norm(nums / a) / np.linalg.norm(dens / b))


def relative_gradient_at(landscape, theta) -> tuple[float, float, PointScale]:
    """``(relative gradient, ‖∇L‖, scale)`` at θ."""
    theta = landscape.point(theta)
    grads = landscape.grad(theta)
    sc = point_scale(landscape, theta)
    gn = safe_norm(np.concatenate([np.ravel(g) for g in grads]))
    return relative_gradient(grads, sc), gn, sc


def hessian_zero_threshold(eigs: np.ndarray, rel_grad: float = 0.0,
                           tol: Tolerances = DEFAULT_TOLERANCES, n: int | None = None) -> float:
    """Eigenvalues with ``|λ| ≤`` this count as zero (module docstring)."""
    ev = np.asarray(eigs, dtype=np.float64)
    big = float(np.max(np.abs(ev))) if ev.size else 0.0
    n = ev.size if n is None else n
    return big * max(tol.hessian_rel(n), tol.gradient_eig_factor * float(rel_grad))


def balance_scales(landscape, theta: Sequence[np.ndarray]) -> np.ndarray:
    """Per-parameter scaling D (packed order) on which Hessian eigenvalues are decided
    (``D∇²L D``: the same inertia as ∇²L by Sylvester's law). The model declares it
    (:meth:`~dlnscape.models.Parametrization.balance_scales`): ``‖W_k‖`` per layer for a linear
    network, so that decisions are invariant under balanced rescaling; ones otherwise. With a
    regularizer, balanced rescaling is no symmetry of L any more; D is still a positive scaling,
    so the inertia of ``D∇²L D`` is that of ∇²L (Sylvester) and nothing else is assumed."""
    return landscape.model.balance_scales(tuple(theta))


def value_tolerance(scale: PointScale, tol: Tolerances = DEFAULT_TOLERANCES) -> float:
    """``global_rtol`` × the value scale: how close to the global minimum value is "equal"."""
    return tol.global_rtol * scale.value


def escape_margin(scale: PointScale, tol: Tolerances = DEFAULT_TOLERANCES) -> float:
    """The decrease an escape point must show beyond the residual: ``margin_rtol`` × value scale."""
    return tol.margin_rtol * scale.value
