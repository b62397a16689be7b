"""The deep linear network μ_d(W_1, …, W_h) = W_h ⋯ W_1 and its derivatives.

First derivative (Laurent–von Brecht Lemma 1 / Hofflin Lemma 3.1):
``dμ[Ẇ] = Σ_k W_{>k} Ẇ_k W_{<k}``, with pullback ``∇_{W_k} = W_{>k}ᵀ G W_{<k}ᵀ``.
μ is multilinear, so its second derivative pairs distinct layers only:
``d²μ[Ẇ, Ẇ'] = Σ_{j≠i} W_{>j} Ẇ_j W_{j-1}⋯W_{i+1} Ẇ'_i W_{<i}`` (j > i, symmetrised).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from dlnscape.architecture import (
    Architecture,
    Point,
    check_point,
    end_to_end,
    prefix_products,
    suffix_products,
)


@dataclass(frozen=True)
class LinearNetwork:
    """μ_d for an :class:`Architecture` (Trager et al. 2020, §2)."""

    arch: Architecture

    def check(self, theta: Sequence[np.ndarray], name: str = "theta") -> Point:
        return check_point(self.arch, theta, name)

    def forward(self, theta: Point) -> np.ndarray:
        return end_to_end(theta)

    def pushforward(self, theta: Point, dtheta: Point) -> np.ndarray:
        """``dμ(θ)[θ̇] = Σ_k W_{>k} Ẇ_k W_{<k}``."""
        P = prefix_products(theta)
        S = suffix_products(theta)
        return sum(S[k + 1] @ dtheta[k] @ P[k] for k in range(len(theta)))

    def pullback(self, theta: Point, G: np.ndarray, P=None, S=None) -> Point:
        """``dμ(θ)ᵀ[G]``: per layer ``W_{>k}ᵀ G W_{<k}ᵀ``."""
        P = prefix_products(theta) if P is None else P
        S = suffix_products(theta) if S is None else S
        return tuple(S[k + 1].T @ G @ P[k].T for k in range(len(theta)))

    def curvature_pullback(self, theta: Point, dtheta: Point, G: np.ndarray, P=None, S=None):
        """``⟨G, d²μ(θ)[θ̇, ·]⟩`` as per-layer matrices, by differentiating the pullback.

        ``d/dt (W_{>k}ᵀ G W_{<k}ᵀ)`` with ``G`` fixed: ``Ẇ_{>k}ᵀ G W_{<k}ᵀ + W_{>k}ᵀ G Ẇ_{<k}ᵀ``.
        """
        h = len(theta)
        P = prefix_products(theta) if P is None else P
        S = suffix_products(theta) if S is None else S
        dP = [np.zeros_like(P[0])]
        for k in range(h):
            dP.append(dtheta[k] @ P[k] + theta[k] @ dP[k])
        dS: list[np.ndarray] = [np.empty(0)] * (h + 1)
        dS[h] = np.zeros_like(S[h])
        for k in range(h - 1, -1, -1):
            dS[k] = dS[k + 1] @ theta[k] + S[k + 1] @ dtheta[k]
        return tuple(
            dS[k + 1].T @ G @ P[k].T + S[k + 1].T @ G @ dP[k].T for k in range(h)
        ), (P, S, dP, dS)

    def jacobian_columns(self, theta: Point) -> np.ndarray:
        """``dμ(θ)[E]`` for every unit direction ``E`` in packed order: shape (P, d_h, d_0).

        Column ``(k, a, b)`` is the rank-one matrix ``W_{>k}[:, a] ⊗ W_{<k}[b, :]``.
        """
        P = prefix_products(theta)
        S = suffix_products(theta)
        blocks = [
            np.einsum("ia,bj->abij", S[k + 1], P[k]).reshape(-1, S[k + 1].shape[0], P[k].shape[1])
            for k in range(len(theta))
        ]
        return np.concatenate(blocks, axis=0)

    def jacobian(self, theta: Point) -> np.ndarray:
        """Matrix of dμ(θ) on packed θ → row-major vec(W): shape (d_h d_0, P)."""
        cols = self.jacobian_columns(theta)
        return cols.reshape(cols.shape[0], -1).T

    def curvature_matrix(self, theta: Point, G: np.ndarray) -> np.ndarray:
        """Dense ``⟨G, d²μ(θ)[·, ·]⟩`` on packed θ (P × P), assembled block by block.

        Block (j, i), j > i: entry ``[(a,b), (c,d)] = A[a, d] · M[b, c]`` with
        ``A = W_{>j}ᵀ G W_{<i}ᵀ`` and ``M = W_{j-1} ⋯ W_{i+1}``; diagonal blocks vanish.
        """
        h = len(theta)
        arch_shapes = [W.shape for W in theta]
        offs = np.concatenate([[0], np.cumsum([m * n for m, n in arch_shapes])])
        Ptot = int(offs[-1])
        out = np.zeros((Ptot, Ptot))
        P = prefix_products(theta)
        S = suffix_products(theta)
        for i in range(h):
            M = np.eye(theta[i].shape[0])  # W_{j-1} ⋯ W_{i+1} for j = i+1 (0-based layers)
            GPi = G @ P[i].T
            for j in range(i + 1, h):
                if j > i + 1:
                    M = theta[j - 1] @ M
                A = S[j + 1].T @ GPi
                block = np.einsum("ad,bc->abcd", A, M).reshape(
                    arch_shapes[j][0] * arch_shapes[j][1], arch_shapes[i][0] * arch_shapes[i][1]
                )
                out[offs[j] : offs[j + 1], offs[i] : offs[i + 1]] = block
                out[offs[i] : offs[i + 1], offs[j] : offs[j + 1]] = block.T
        return out

    def taylor_coefficients(self, theta: Point, dtheta: Point) -> list[np.ndarray]:
        """Matrix coefficients of ``μ(θ + tθ̇) = Π_i (W_i + tẆ_i)``: a polynomial of degree h."""
        coeffs = [theta[0], dtheta[0]]
        for W, dW in zip(theta[1:], dtheta[1:], strict=True):
            new = [W @ c for c in coeffs] + [np.zeros((W.shape[0], coeffs[0].shape[1]))]
            for k, c in enumerate(coeffs):
                new[k + 1] = new[k + 1] + dW @ c
            coeffs = new
        return coeffs
