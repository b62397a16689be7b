"""Normalized linear networks ν_d (Trager, Kohn & Bruna 2020, §3.4, eq (6)) and the maps p, q of
their Proposition 14.

The model (input side first, Frobenius norms)::

    ν_d(W_1, …, W_h) = W_h · (W_{h-1}/‖W_{h-1}‖) ⋯ (W_1/‖W_1‖),

defined on ``Ω = {W_i ≠ 0 for i = 1, …, h − 1}`` (the last layer W_h is not normalized). It is the
plain product μ_d of the *normalized* point: ``ν_d = μ_d ∘ p`` with

* ``p(W_1, …, W_h) = (W_1/‖W_1‖, …, W_{h-1}/‖W_{h-1}‖, W_h)`` and
* ``q(W_1, …, W_h) = (W_1/‖W_1‖, …, W_{h-1}/‖W_{h-1}‖, W_h·‖W_{h-1}‖⋯‖W_1‖)``

(Trager et al. 2020, proof of Prop 14, written there output side first). Both map Ω onto
``N = {‖W_i‖ = 1, i < h}``, ``q ∘ p = p`` and ``μ_d = ν_d ∘ q`` on Ω, so ``L' = L ∘ p`` and
``L = L' ∘ q`` for ``L = l ∘ μ_d`` and ``L' = l ∘ ν_d``: Prop 14 states
``{ν_d(θ') : θ' ∈ Crit(L')} = {μ_d(θ) : θ ∈ Crit(L) ∩ Ω}``, through the two assertions
``θ' ∈ Crit(L') ⟺ p(θ') ∈ Crit(L)`` and ``θ ∈ Crit(L) ∩ Ω ⟺ q(θ) ∈ Crit(L')``.

Derivatives (closed forms; the second derivative of F uses the JAX default). With
``Ŵ_i = W_i/‖W_i‖`` the differential of the normalization is the projection
``dŴ_i[Ẇ_i] = (Ẇ_i − Ŵ_i⟨Ŵ_i, Ẇ_i⟩)/‖W_i‖`` (self-adjoint), so

* ``dν[θ̇] = dμ(p(θ))[dp(θ)[θ̇]]`` and ``dν(θ)ᵀ[G] = dp(θ)[dμ(p(θ))ᵀ[G]]`` (blockwise),
* ``‖∂ν/∂W_h‖ ≤ Π_{i<h}‖Ŵ_i‖ = 1`` and ``‖∂ν/∂W_i‖ ≤ ‖W_h‖/‖W_i‖`` for i < h (products of
  unit-norm factors, Frobenius norms bounding operator norms), which is :meth:`scale`: ν is
  0-homogeneous in each W_i (i < h), and both ``‖∇_{W_i}L'‖`` and this bound scale by ``1/s``
  under ``W_i → sW_i``, so the relative criticality test is invariant under that rescaling.

The image of ν_d is that of μ_d: the matrices of rank ≤ r = min widths (``M_r``; a point of μ_d
with a zero hidden layer has W = 0 = ν_d(p(θ̃)) for any θ̃ ∈ Ω with W̃_h = 0), so the
Eckart–Young / closed-form global-minimum oracles of :mod:`dlnscape.functional` apply.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from dlnscape.architecture import Architecture, Point
from dlnscape.errors import PointError
from dlnscape.models.base import DeterminantalImage, ModelScale, Parametrization
from dlnscape.models.linear import ArchitectureBlocks, LinearNetwork


def _norms(theta: Sequence[np.ndarray]) -> list[float]:
    return [float(np.linalg.norm(W)) for W in theta]


def _check_omega(theta: Sequence[np.ndarray], name: str) -> None:
    """Raise :class:`PointError` naming the first normalized layer (i < h) that is zero."""
    for i, W in enumerate(theta[:-1]):
        if not np.any(W):
            raise PointError(
                f"{name}[{i}] (W_{i + 1}): the normalized network ν_d(W_1, …, W_h) = "
                f"W_h·(W_{{h-1}}/‖W_{{h-1}}‖)⋯(W_1/‖W_1‖) is defined on Ω = {{W_i ≠ 0 for "
                f"i < h}} (Trager et al. 2020, §3.4); W_{i + 1} is the zero matrix")


def normalize_point(theta: Sequence[np.ndarray], name: str = "theta") -> Point:
    """``p(θ) = (W_1/‖W_1‖, …, W_{h-1}/‖W_{h-1}‖, W_h)`` (Trager et al. 2020, proof of Prop 14):
    a normalized-network point θ' ↦ the plain point whose product is ``ν_d(θ')``."""
    theta = tuple(np.asarray(W, dtype=np.float64) for W in theta)
    _check_omega(theta, name)
    return tuple(W / np.linalg.norm(W) for W in theta[:-1]) + (theta[-1],)


def absorb_norms(theta: Sequence[np.ndarray], name: str = "theta") -> Point:
    """``q(θ) = (W_1/‖W_1‖, …, W_{h-1}/‖W_{h-1}‖, W_h·Π_{i<h}‖W_i‖)`` (Trager et al. 2020,
    proof of Prop 14): a plain point θ ∈ Ω ↦ a normalized-network point with
    ``ν_d(q(θ)) = μ_d(θ)``."""
    theta = tuple(np.asarray(W, dtype=np.float64) for W in theta)
    _check_omega(theta, name)
    norms = _norms(theta[:-1])
    return tuple(W / n for W, n in zip(theta[:-1], norms, strict=True)) + (
        theta[-1] * float(np.prod(norms)),)


#: the maps of Trager et al. 2020, Prop 14, under the names the text uses
p_map = normalize_point
q_map = absorb_norms


@dataclass(frozen=True, eq=False)
class NormalizedLinearNetwork(ArchitectureBlocks, Parametrization):
    """ν_d for an :class:`Architecture` (Trager et al. 2020, §3.4, eq (6)); see the module
    docstring. Not polynomial (F is 0-homogeneous in W_1, …, W_{h-1}); image ``M_r``."""

    arch: Architecture

    def __post_init__(self) -> None:
        if not isinstance(self.arch, Architecture):
            object.__setattr__(self, "arch", Architecture(self.arch))

    def __repr__(self) -> str:
        return f"NormalizedLinearNetwork({list(self.arch.widths)})"

    # -- layout: ArchitectureBlocks (W_1, …, W_h) --------------------------------------------

    def check_domain(self, theta: Point, name: str = "theta") -> None:
        """Ω = {W_i ≠ 0, i < h}: a zero normalized layer is named in the error (points only;
        ``Landscape.direction`` does not hold tangent vectors to Ω)."""
        _check_omega(theta, name)

    # -- forward and first order -------------------------------------------------------------
    @property
    def plain(self) -> LinearNetwork:
        """μ_d on the same architecture (ν_d = μ_d ∘ p)."""
        return LinearNetwork(self.arch)

    def jax_forward(self, theta):
        from dlnscape.jax_support import jnp

        W = theta[0] / jnp.sqrt(jnp.sum(theta[0] ** 2)) if len(theta) > 1 else theta[0]
        for i in range(1, len(theta)):
            Wi = theta[i]
            if i < len(theta) - 1:
                Wi = Wi / jnp.sqrt(jnp.sum(Wi ** 2))
            W = Wi @ W
        return W

    def forward(self, theta: Point) -> np.ndarray:
        """``W_h ⋯ W_1 / Π_{i<h}‖W_i‖`` (one product, one scalar)."""
        W = theta[0]
        for Wi in theta[1:]:
            W = Wi @ W
        return W / float(np.prod(_norms(theta[:-1])))

    @staticmethod
    def _dp(theta: Point, dtheta: Sequence[np.ndarray]) -> Point:
        """``dp(θ)[θ̇]``: ``(Ẇ_i − Ŵ_i⟨Ŵ_i, Ẇ_i⟩)/‖W_i‖`` for i < h, ``Ẇ_h`` (self-adjoint)."""
        out = []
        for W, dW in zip(theta[:-1], dtheta[:-1], strict=True):
            n = float(np.linalg.norm(W))
            U = W / n
            out.append((dW - U * float(np.sum(U * dW))) / n)
        out.append(np.asarray(dtheta[-1], dtype=np.float64))
        return tuple(out)

    def pushforward(self, theta: Point, dtheta: Point) -> np.ndarray:
        """``dν(θ)[θ̇] = dμ(p(θ))[dp(θ)[θ̇]]``."""
        return self.plain.pushforward(normalize_point(theta), self._dp(theta, dtheta))

    def pullback(self, theta: Point, G: np.ndarray) -> Point:
        """``dν(θ)ᵀ[G] = dp(θ)[dμ(p(θ))ᵀ[G]]`` (dp is self-adjoint)."""
        return self._dp(theta, self.plain.pullback(normalize_point(theta), G))

    # -- scales ----------------------------------------------------------------------------------
    def scale(self, theta: Point) -> ModelScale:
        """``‖ν(θ)‖ ≤ ‖W_h‖`` (terms: W_h times unit-norm factors), ``‖∂ν/∂W_h‖ ≤ 1`` and
        ``‖∂ν/∂W_i‖ ≤ ‖W_h‖/‖W_i‖`` for i < h (module docstring)."""
        norms = _norms(theta)
        top = norms[-1]
        factors = tuple(top / n for n in norms[:-1]) + (1.0,)
        return ModelScale(top, factors, tuple(norms))

    def balance_scales(self, theta: Point) -> np.ndarray:
        """``D = ‖W_i‖/‖W_h‖`` on layer i < h, 1 on W_h: ``D∇²L'D`` is unchanged by the
        rescalings ``W_i → s_iW_i`` (i < h) that leave ν fixed (the Hessian transforms as
        ``S⁻¹∇²L'S⁻¹``, D as ``SD``), and D makes the Jacobian blocks ``∂ν/∂W_k · D_k`` all of
        size ≤ 1 (:meth:`scale`). Sylvester: same inertia as ∇²L'. A zero W_h gives D = 1."""
        norms = _norms(theta)
        top = norms[-1]
        rel = [n / top if top > 0 else 1.0 for n in norms[:-1]] + [1.0]
        return np.concatenate([np.full(W.size, s) for W, s in zip(theta, rel, strict=True)])

    # -- declared structure ------------------------------------------------------------------
    @property
    def image(self) -> DeterminantalImage:
        m, n = self.arch.end_to_end_shape
        return DeterminantalImage(m, n, self.arch.r)

    def nonsmooth_reason(self, theta: Point) -> str | None:
        """ν_d is smooth (real-analytic) on Ω, the whole domain :meth:`check_domain` admits."""
        return None

    def to_dict(self) -> dict:
        return {"model": "normalized", "widths": list(self.arch.widths)}
