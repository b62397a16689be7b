"""Exact rational evaluation of quadratic losses on points of polynomial curves.

Every float64 is a dyadic rational, so the stored data (θ, the curve coefficients θ_k, the
parameters t = 2^{-j}, and the loss data X, Y, Q0, φ, A, c, W0) define *exact* points
``θ(t) = θ + Σ t^k θ_k`` and exact loss values. When a decrease is too small to be seen in
floating point (a curved escape whose leading Taylor coefficient is tiny next to the following
ones), escape certificates are checked with these exact values instead: no rounding at all.
A regularizer ``HadamardL2`` is included (``Σ (λw)²`` of dyadic λ and w is exact).
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

import numpy as np

from dlnscape.losses import DistanceLoss, LinearQuadraticLoss, Loss, SquaredLoss
from dlnscape.models.base import Ring, TruncatedPolynomialRing, curve_layers

_EXACT_TYPES = (SquaredLoss, DistanceLoss, LinearQuadraticLoss)


def supports_exact(landscape) -> bool:
    """True for the built-in quadratic losses (exact types, not subclasses) on a model that
    runs in exact arithmetic (``ball_arithmetic``: a polynomial program of products and sums),
    with a regularizer, if any, that declares it (``HadamardL2``: ``Σ (λw)²`` is exact)."""
    reg = getattr(landscape, "regularizer", None)
    return (type(landscape.loss) in _EXACT_TYPES and bool(landscape.model.ball_arithmetic)
            and (reg is None or bool(reg.ball_arithmetic)))


def _exact_reg_terms(landscape, theta: Sequence[np.ndarray], blocks: Sequence[np.ndarray]):
    """``Λ_i ∘ B_i`` as Fraction arrays (B_i Fraction arrays of θ's block shapes), or None."""
    reg = getattr(landscape, "regularizer", None)
    if reg is None:
        return None
    return [fr(L) * B for L, B in zip(reg.lambda_arrays(theta), blocks, strict=True)]


class FractionRing(Ring):
    """Matrices of exact Fractions (numpy object arrays)."""

    def lift(self, A):
        return fr(A)

    def mul(self, A, B):
        return A @ B

    def add(self, A, B):
        return A + B

    def eye(self, n):
        return fr(np.eye(n))

    def transpose(self, A):
        return A.T


def fr(a) -> np.ndarray:
    """A float array as an object array of exact Fractions."""
    arr = np.asarray(a, dtype=np.float64)
    out = np.empty(arr.shape, dtype=object)
    flat = out.reshape(-1)
    for i, x in enumerate(arr.reshape(-1)):
        flat[i] = Fraction(float(x))
    return out


def _dot(a: np.ndarray, b: np.ndarray) -> Fraction:
    return sum((x * y for x, y in zip(a.reshape(-1), b.reshape(-1), strict=True)), Fraction(0))


def exact_loss(loss: Loss, W: np.ndarray) -> Fraction:
    """``l(W)`` in exact rational arithmetic (``W`` an object array of Fractions)."""
    if type(loss) is SquaredLoss:
        R = W @ fr(loss.X) - fr(loss.Y)
        return Fraction(1, 2) * _dot(R, R)
    if type(loss) is DistanceLoss:
        D = (W - fr(loss.Q0)).reshape(-1)
        if loss.phi is not None:
            D = fr(loss.phi) @ D
        return _dot(D, D)
    if type(loss) is LinearQuadraticLoss:
        D = W - fr(loss.W0)
        return _dot(fr(loss.A), W) + Fraction(1, 2) * Fraction(float(loss.c)) * _dot(D, D)
    raise TypeError(f"no exact evaluation for {type(loss).__name__}")


def exact_curve_point(theta: Sequence[np.ndarray], curve: Sequence[Sequence[np.ndarray]],
                      t: float) -> list[np.ndarray]:
    """``θ + Σ_k t^k θ_k`` with Fractions (``t`` given as a float, read exactly)."""
    tt = Fraction(float(t))
    out = [fr(W) for W in theta]
    for k, c in enumerate(curve, start=1):
        tk = tt**k
        for i in range(len(out)):
            out[i] = out[i] + fr(c[i]) * tk
    return out


def exact_value(landscape, blocks: Sequence[np.ndarray]) -> Fraction:
    """``L(θ) = l(F(θ))`` exactly (blocks as Fraction object arrays), F run in exact
    arithmetic by the model's ``ring_forward``."""
    v = exact_loss(landscape.loss, landscape.model.ring_forward(list(blocks), FractionRing()))
    S = _exact_reg_terms(landscape, blocks, blocks)
    if S is not None:  # + R = Σ (λw)², exactly
        v += sum((_dot(s, s) for s in S), Fraction(0))
    return v


def exact_curve_taylor(landscape, theta: Sequence[np.ndarray],
                       curve: Sequence[Sequence[np.ndarray]]) -> list[Fraction]:
    """All coefficients of the polynomial ``L(θ + Σ_k t^k θ_k)`` in exact arithmetic."""
    loss = landscape.loss
    ring = TruncatedPolynomialRing(None, FractionRing())
    mu = landscape.model.ring_forward(curve_layers(theta, curve, FractionRing()), ring)
    if type(loss) is SquaredLoss:
        R = [m @ fr(loss.X) for m in mu]
        R[0] = R[0] - fr(loss.Y)
        half = Fraction(1, 2)
        lin = None
    elif type(loss) is DistanceLoss:
        R = [m.reshape(-1) for m in mu]
        R[0] = R[0] - fr(loss.Q0).reshape(-1)
        if loss.phi is not None:
            ph = fr(loss.phi)
            R = [ph @ r for r in R]
        half = Fraction(1)
        lin = None
    elif type(loss) is LinearQuadraticLoss:
        R = list(mu)
        R[0] = R[0] - fr(loss.W0)
        half = Fraction(1, 2) * Fraction(float(loss.c))
        A = fr(loss.A)
        lin = [_dot(A, m) for m in mu]
    else:
        raise TypeError(f"no exact evaluation for {type(loss).__name__}")
    K = len(R) - 1
    out = [Fraction(0)] * (2 * K + 1)
    for i in range(K + 1):
        for j in range(K + 1):
            out[i + j] += half * _dot(R[i], R[j])
    if lin is not None:
        for i, v in enumerate(lin):
            out[i] += v
    if getattr(landscape, "regularizer", None) is not None:
        # + R(θ + Σ t^k θ_k) = Σ_{a,b} t^{a+b} ⟨Λ∘C_a, Λ∘C_b⟩ (C_0 = θ, C_k = θ_k), exactly
        C = [[fr(W) for W in theta]] + [[fr(D) for D in c] for c in curve]
        S = [_exact_reg_terms(landscape, theta, blocks) for blocks in C]
        q = len(curve)
        if len(out) < 2 * q + 1:
            out += [Fraction(0)] * (2 * q + 1 - len(out))
        for a in range(q + 1):
            for b in range(q + 1):
                out[a + b] += sum((_dot(x, y) for x, y in zip(S[a], S[b], strict=True)),
                                  Fraction(0))
    return out


def exact_leading(coeffs: Sequence[Fraction]) -> tuple[int | None, Fraction]:
    """Lowest order k ≥ 1 with a non-zero exact coefficient."""
    for k in range(1, len(coeffs)):
        if coeffs[k] != 0:
            return k, coeffs[k]
    return None, Fraction(0)
