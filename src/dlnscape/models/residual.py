"""Linear residual networks (Zhou & Liang 2018, §2.2, eq (3)).

With ``l`` residual units of ``r`` layers each, all ``A_{kq} ∈ R^{d×d}``::

    F(A) = W_l ⋯ W_1,    W_k = I + A_{kr} ⋯ A_{k1},

and the squared loss of eq (3) is ``f(A) = ½‖F(A)X − Y‖_F²`` (``SquaredLoss(X, Y)``). A point is
the tuple of the A's, input side first: ``(A_11, …, A_1r, A_21, …, A_lr)``, named
``"A_11"``, … in error messages (packed in that order, each row-major).

Derivatives (compositions of the linear-network formulas, Zhou & Liang eqs (11)–(12) in
matrix form). Write ``W_{>k} = W_l ⋯ W_{k+1}``, ``W_{<k} = W_{k-1} ⋯ W_1`` and, inside unit
k, ``A_{k,>q} = A_{kr} ⋯ A_{k(q+1)}``, ``A_{k,<q} = A_{k(q-1)} ⋯ A_{k1}`` (identities at the
ends). Then

* ``dF[Ȧ] = Σ_k W_{>k} (Σ_q A_{k,>q} Ȧ_{kq} A_{k,<q}) W_{<k}``,
* ``∂F/∂A_{kq}ᵀ[G] = A_{k,>q}ᵀ (W_{>k}ᵀ G W_{<k}ᵀ) A_{k,<q}ᵀ`` (eq (12): ``Q_{kq}(A)ᵀ vec(e)``
  with ``Q_{kq} = [(W_{<k}X)ᵀ ⊗ W_{>k}]·[A_{k,<q}ᵀ ⊗ A_{k,>q}]``, column-major vec),

and the second derivative of F is left to the JAX default. F is a polynomial of degree ``l·r``
in the entries of the A's, written as a program of ``ring.eye``, ``ring.add`` and ``ring.mul``
(:meth:`ResidualLinearNetwork.ring_forward`), so exact-rational and ``arb``-ball certificates
and exact Taylor polynomials apply.

Image: every ``d × d`` matrix M is ``F`` of some point (unit 1: ``A_11 = M − I`` and every
other ``A_{1q} = I``; the other units ``A_{k1} = 0``), so the image is all of ``R^{d×d}``
(``DeterminantalImage(d, d, d)``) and the global minimum of the loss over all matrices is the
network's global minimum.

Sizes (for the relative criticality test). ``‖I‖_F = √d`` and Frobenius norms are
submultiplicative and bound operator norms, so the terms of ``W_k`` are of size at most
``ω_k = √d + Π_q‖A_{kq}‖``, the terms of F at most ``Π_k ω_k``, and the linear map ``∂F/∂A_{kq}``
(``Ȧ ↦ W_{>k} A_{k,>q} Ȧ A_{k,<q} W_{<k}``) has norm at most
``Π_{j≠k} ω_j · Π_{p≠q}‖A_{kp}‖``. Using the term sizes ω_j rather than ``‖W_j‖`` makes the bound
cover the rounding of ``I + A⋯A`` when the sum cancels.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from dlnscape.architecture import Point, positive_int
from dlnscape.models.base import DeterminantalImage, ModelScale, Parametrization


def _chain(mats: Sequence[np.ndarray], d: int) -> np.ndarray:
    """``mats[-1] ⋯ mats[0]`` (the identity for an empty list)."""
    if not mats:
        return np.eye(d)
    P = mats[0]
    for M in mats[1:]:
        P = M @ P
    return P


@dataclass(frozen=True, eq=False)
class ResidualLinearNetwork(Parametrization):
    """F(A) = Π_k (I + A_{kr} ⋯ A_{k1}) (Zhou & Liang 2018, eq (3)); see the module docstring.

    ``d``: width; ``units``: the number l of residual units; ``layers_per_unit``: r."""

    d: int
    units: int
    layers_per_unit: int
    polynomial_degree = None  # set per instance in __post_init__ (units · layers_per_unit)
    ball_arithmetic = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "d", positive_int(self.d, "d"))
        object.__setattr__(self, "units", positive_int(self.units, "units"))
        object.__setattr__(self, "layers_per_unit",
                           positive_int(self.layers_per_unit, "layers_per_unit"))
        object.__setattr__(self, "polynomial_degree", self.units * self.layers_per_unit)

    def __repr__(self) -> str:
        return (f"ResidualLinearNetwork(d={self.d}, units={self.units}, "
                f"layers_per_unit={self.layers_per_unit})")

    # -- layout ------------------------------------------------------------------------------
    @property
    def shapes(self) -> tuple[tuple[int, int], ...]:
        return ((self.d, self.d),) * (self.units * self.layers_per_unit)

    @property
    def output_shape(self) -> tuple[int, int]:
        return (self.d, self.d)

    @property
    def block_names(self) -> tuple[str, ...]:
        return tuple(f"A_{k}{q}" if self.units < 10 and self.layers_per_unit < 10
                     else f"A_{k},{q}"
                     for k in range(1, self.units + 1)
                     for q in range(1, self.layers_per_unit + 1))

    def unit_blocks(self, theta: Sequence[np.ndarray]) -> list[tuple[np.ndarray, ...]]:
        """θ split into the units: ``[(A_11, …, A_1r), …, (A_l1, …, A_lr)]``."""
        r = self.layers_per_unit
        return [tuple(theta[k * r:(k + 1) * r]) for k in range(self.units)]

    def unit_matrices(self, theta: Sequence[np.ndarray]) -> list[np.ndarray]:
        """``[W_1, …, W_l]`` with ``W_k = I + A_{kr} ⋯ A_{k1}``."""
        I = np.eye(self.d)
        return [I + _chain(list(A), self.d) for A in self.unit_blocks(theta)]

    # -- forward -----------------------------------------------------------------------------
    def jax_forward(self, theta):
        from dlnscape.jax_support import jnp

        r = self.layers_per_unit
        I = jnp.eye(self.d)
        F = None
        for k in range(self.units):
            P = theta[k * r]
            for q in range(1, r):
                P = theta[k * r + q] @ P
            Wk = I + P
            F = Wk if F is None else Wk @ F
        return F

    def forward(self, theta: Point) -> np.ndarray:
        return _chain(self.unit_matrices(theta), self.d)

    def ring_forward(self, blocks, ring):
        """F with ``ring.eye``/``ring.add``/``ring.mul`` only (exact, ball, polynomial rings)."""
        r = self.layers_per_unit
        F = None
        for k in range(self.units):
            P = blocks[k * r]
            for q in range(1, r):
                P = ring.mul(blocks[k * r + q], P)
            Wk = ring.add(ring.eye(self.d), P)
            F = Wk if F is None else ring.mul(Wk, F)
        return F

    def ring_pullback(self, blocks, G, ring):
        """``A_{k,>q}ᵀ (W_{>k}ᵀ G W_{<k}ᵀ) A_{k,<q}ᵀ`` per block (module docstring), with the
        ring's operations only."""
        r, l = self.layers_per_unit, self.units
        T = ring.transpose
        W = []
        for k in range(l):
            P = blocks[k * r]
            for q in range(1, r):
                P = ring.mul(blocks[k * r + q], P)
            W.append(ring.add(ring.eye(self.d), P))
        out = []
        for k in range(l):
            M = G
            for j in range(l - 1, k, -1):
                M = ring.mul(T(W[j]), M)
            for j in range(k):
                M = ring.mul(M, T(W[j]))
            for q in range(r):
                B = M
                for p in range(r - 1, q, -1):
                    B = ring.mul(T(blocks[k * r + p]), B)
                for p in range(q):
                    B = ring.mul(B, T(blocks[k * r + p]))
                out.append(B)
        return out

    # -- closed-form first order --------------------------------------------------------------
    def _prefix_suffix(self, mats: Sequence[np.ndarray]):
        """``pre[i] = mats[i-1] ⋯ mats[0]`` (pre[0] = I) and ``suf[i] = mats[-1] ⋯ mats[i]``
        (suf[len] = I)."""
        d = self.d
        pre = [np.eye(d)]
        for M in mats:
            pre.append(M @ pre[-1])
        suf = [np.eye(d)] * (len(mats) + 1)
        for i in range(len(mats) - 1, -1, -1):
            suf[i] = suf[i + 1] @ mats[i]
        return pre, suf

    def pushforward(self, theta: Point, dtheta: Point) -> np.ndarray:
        """``Σ_k W_{>k} (Σ_q A_{k,>q} Ȧ_{kq} A_{k,<q}) W_{<k}`` in one pass (tangent of the
        product of units, each the tangent of ``I + A_{kr} ⋯ A_{k1}``)."""
        F = np.eye(self.d)
        dF = np.zeros((self.d, self.d))
        for A, dA in zip(self.unit_blocks(theta), self.unit_blocks(dtheta), strict=True):
            P, dP = A[0], np.asarray(dA[0], dtype=np.float64)
            for Aq, dAq in zip(A[1:], dA[1:], strict=True):
                dP = dAq @ P + Aq @ dP
                P = Aq @ P
            Wk = np.eye(self.d) + P
            dF = dP @ F + Wk @ dF
            F = Wk @ F
        return dF

    def pullback(self, theta: Point, G: np.ndarray) -> Point:
        """``A_{k,>q}ᵀ (W_{>k}ᵀ G W_{<k}ᵀ) A_{k,<q}ᵀ`` per block (Zhou & Liang eq (12))."""
        units = self.unit_blocks(theta)
        Ws = [np.eye(self.d) + _chain(list(A), self.d) for A in units]
        preW, sufW = self._prefix_suffix(Ws)
        out: list[np.ndarray] = []
        for k, A in enumerate(units):
            M = sufW[k + 1].T @ G @ preW[k].T
            pre, suf = self._prefix_suffix(A)
            for q in range(len(A)):
                out.append(suf[q + 1].T @ M @ pre[q].T)
        return tuple(out)

    def jacobian(self, theta: Point) -> np.ndarray:
        """dF(θ) as a (d², P) matrix on packed θ → row-major vec(F): column (kq, a, b) is
        ``(W_{>k}A_{k,>q})[:, a] ⊗ (A_{k,<q}W_{<k})[b, :]``."""
        units = self.unit_blocks(theta)
        Ws = [np.eye(self.d) + _chain(list(A), self.d) for A in units]
        preW, sufW = self._prefix_suffix(Ws)
        cols = []
        d = self.d
        for k, A in enumerate(units):
            pre, suf = self._prefix_suffix(A)
            for q in range(len(A)):
                Lm = sufW[k + 1] @ suf[q + 1]
                Rm = pre[q] @ preW[k]
                cols.append(np.einsum("ia,bj->abij", Lm, Rm).reshape(d * d, d * d))
        return np.concatenate(cols, axis=0).T

    # -- scales ------------------------------------------------------------------------------
    def scale(self, theta: Point) -> ModelScale:
        """Term sizes ``ω_k = √d + Π_q‖A_{kq}‖``, output size ``Π_k ω_k`` and
        ``‖∂F/∂A_{kq}‖ ≤ Π_{j≠k} ω_j · Π_{p≠q}‖A_{kp}‖`` (module docstring)."""
        norms = [float(np.linalg.norm(A)) for A in theta]
        r = self.layers_per_unit
        unit_norms = [norms[k * r:(k + 1) * r] for k in range(self.units)]
        omega = [float(np.sqrt(self.d)) + float(np.prod(u)) for u in unit_norms]
        factors = []
        for k, u in enumerate(unit_norms):
            outer = float(np.prod([w for j, w in enumerate(omega) if j != k]))
            for q in range(r):
                factors.append(outer * float(np.prod([x for p, x in enumerate(u) if p != q])))
        return ModelScale(float(np.prod(omega)), tuple(factors), tuple(norms))

    def balance_scales(self, theta: Point) -> np.ndarray:
        """``D = ‖A_{kq}‖`` divided by the geometric mean of unit k's norms: under the
        rescalings ``A_{kq} → s_{kq}A_{kq}`` with ``Π_q s_{kq} = 1`` (which leave every W_k and so
        F fixed) the Hessian becomes ``S⁻¹∇²L S⁻¹`` and D becomes ``SD``, so ``D∇²L D`` is
        unchanged; Sylvester: same inertia as ∇²L. One layer per unit gives D = 1; a zero block
        gets its unit's geometric mean of the non-zero norms."""
        norms = np.array([float(np.linalg.norm(A)) for A in theta])
        r = self.layers_per_unit
        out = np.ones_like(norms)
        for k in range(self.units):
            u = norms[k * r:(k + 1) * r]
            pos = u[u > 0]
            if r == 1 or not pos.size:
                continue
            g = float(np.exp(np.mean(np.log(pos))))
            out[k * r:(k + 1) * r] = np.where(u > 0, u, g) / g
        return np.concatenate([np.full(A.size, s) for A, s in zip(theta, out, strict=True)])

    # -- declared structure ------------------------------------------------------------------
    @property
    def image(self) -> DeterminantalImage:
        """All ``d × d`` matrices (module docstring)."""
        return DeterminantalImage(self.d, self.d, self.d)

    def to_dict(self) -> dict:
        return {"model": "residual", "d": self.d, "units": self.units,
                "layers_per_unit": self.layers_per_unit}
