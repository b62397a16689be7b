"""Rigorous enclosures (python-flint ``arb`` balls) of losses, gradients and distances.

Every float64 is a dyadic rational, so a stored point θ and the loss data define exact real
numbers; ``arb_mat`` evaluates ``L(θ) = l(W_h ⋯ W_1)``, ``∇L(θ)`` and ``‖θ' − θ‖`` as balls
that are guaranteed to contain the exact values (FLINT's ball arithmetic: every operation adds
its own rounding bound to the radius). Certificates compare the *ends* of these balls, so a
claimed decrease is proven, not estimated. At ``EXACT_PREC`` bits the products of doubles that
make up a quadratic loss are computed without any rounding at all (radius 0): a zero ball is then
an exact zero, which is how exact criticality is recognised.

Supported: the built-in quadratic losses (squared, distance, linear-quadratic), plus a
regularizer that declares ``ball_arithmetic`` (``HadamardL2``: ``Σ (λw)²`` and its gradient
``2λ²w`` on the exact dyadic λ and w), on a model that declares ``ball_arithmetic`` (F as a
program of matrix products and sums, ``ring_forward`` and ``ring_pullback``, run here in an
``arb_mat`` ring); :func:`supports_interval` says when.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from flint import arb, arb_mat, ctx

from dlnscape.losses import DistanceLoss, LinearQuadraticLoss, Loss, SquaredLoss
from dlnscape.models.base import Ring, TruncatedPolynomialRing, curve_layers

#: working precision of the ball evaluations (bits)
PREC = 128
_TYPES = (SquaredLoss, DistanceLoss, LinearQuadraticLoss)


def supports_interval(landscape) -> bool:
    """True for the built-in quadratic losses (exact types) on a model with
    ``ball_arithmetic`` (and a regularizer, if any, that declares it: HadamardL2)."""
    reg = getattr(landscape, "regularizer", None)
    return (type(landscape.loss) in _TYPES and bool(landscape.model.ball_arithmetic)
            and (reg is None or bool(reg.ball_arithmetic)))


def _reg_ball(landscape, theta: Sequence[np.ndarray]) -> arb:
    """A ball containing the exact ``R(θ) = Σ (λ w)²`` (0 without a regularizer)."""
    reg = getattr(landscape, "regularizer", None)
    s = arb(0)
    if reg is None:
        return s
    for L, W in zip(reg.lambda_arrays(theta), theta, strict=True):
        for lam, w in zip(np.ravel(L).tolist(), np.ravel(W).tolist(), strict=True):
            if lam != 0.0 and w != 0.0:
                x = arb(lam) * arb(w)
                s += x * x
    return s


def _reg_grad_ball(landscape, theta: Sequence[np.ndarray], i: int, g: arb_mat) -> arb_mat:
    """``g + 2Λ_i²∘W_i`` (the regularizer's gradient of block i added to the ball ``g``)."""
    reg = getattr(landscape, "regularizer", None)
    if reg is None:
        return g
    L = np.ravel(reg.lambda_arrays(theta)[i]).tolist()
    W = np.ravel(theta[i]).tolist()
    entries = [e + 2 * arb(lam) * arb(lam) * arb(w) for e, lam, w in
               zip(g.entries(), L, W, strict=True)]
    return arb_mat(g.nrows(), g.ncols(), entries)


class BallRing(Ring):
    """``arb_mat`` matrices (at the caller's working precision)."""

    def lift(self, A):
        return _am(A)

    def mul(self, A, B):
        return A * B

    def add(self, A, B):
        return A + B

    def eye(self, n):
        return _am(np.eye(n))

    def transpose(self, A):
        return A.transpose()


def exact_prec(theta: Sequence[np.ndarray]) -> int:
    """Bits enough to evaluate the product and a quadratic loss of doubles without rounding."""
    return 64 * (2 * len(theta) + 6) + 2200


def _am(A: np.ndarray) -> arb_mat:
    A = np.asarray(A, dtype=np.float64)
    if A.ndim == 1:
        A = A[:, None]
    m, n = A.shape
    return arb_mat(m, n, A.ravel().tolist())


def _dot(A: arb_mat, B: arb_mat) -> arb:
    a, b = A.entries(), B.entries()
    if not a:
        return arb(0)
    return (arb_mat(1, len(a), a) * arb_mat(len(b), 1, b))[0, 0]


def _row_vec(A: arb_mat) -> arb_mat:
    e = A.entries()
    return arb_mat(len(e), 1, e)


def _loss(loss: Loss, W: arb_mat) -> arb:
    if type(loss) is SquaredLoss:
        R = W * _am(loss.X) - _am(loss.Y)
        return _dot(R, R) / 2
    if type(loss) is DistanceLoss:
        D = _row_vec(W - _am(loss.Q0))
        if loss.phi is not None:
            D = _am(loss.phi) * D
        return _dot(D, D)
    if type(loss) is LinearQuadraticLoss:
        D = W - _am(loss.W0)
        return _dot(_am(loss.A), W) + arb(float(loss.c)) * _dot(D, D) / 2
    raise TypeError(f"no interval evaluation for {type(loss).__name__}")


def _loss_grad(loss: Loss, W: arb_mat) -> arb_mat:
    if type(loss) is SquaredLoss:
        return (W * _am(loss.X) - _am(loss.Y)) * _am(loss.X).transpose()
    if type(loss) is DistanceLoss:
        D = _row_vec(W - _am(loss.Q0))
        if loss.phi is not None:
            ph = _am(loss.phi)
            D = ph.transpose() * (ph * D)
        m, n = loss.Q0.shape
        return arb_mat(m, n, [2 * x for x in D.entries()])
    if type(loss) is LinearQuadraticLoss:
        return _am(loss.A) + arb(float(loss.c)) * (W - _am(loss.W0))
    raise TypeError(f"no interval evaluation for {type(loss).__name__}")


def _forward(landscape, theta: Sequence[np.ndarray]) -> arb_mat:
    ring = BallRing()
    return landscape.model.ring_forward([ring.lift(W) for W in theta], ring)


def value_ball(landscape, theta: Sequence[np.ndarray], prec: int = PREC) -> arb:
    """A ball containing the exact ``L(θ)``."""
    with ctx.workprec(prec):
        return _loss(landscape.loss, _forward(landscape, theta)) + _reg_ball(landscape, theta)


def difference_ball(landscape, p: Sequence[np.ndarray], theta: Sequence[np.ndarray],
                    prec: int = PREC) -> arb:
    """A ball containing the exact ``L(p) − L(θ)``."""
    with ctx.workprec(prec):
        a = _loss(landscape.loss, _forward(landscape, p)) + _reg_ball(landscape, p)
        b = _loss(landscape.loss, _forward(landscape, theta)) + _reg_ball(landscape, theta)
        return a - b


def gradient_balls(landscape, theta: Sequence[np.ndarray], prec: int = PREC) -> list[arb_mat]:
    """Balls containing the exact per-block gradient ``dF(θ)ᵀ∇l(F(θ))`` (the model's
    ``ring_pullback``; for μ_d ``W_{>k}ᵀ ∇l(W) W_{<k}ᵀ``, Hofflin 2023, Lem 3.1)."""
    with ctx.workprec(prec):
        ring = BallRing()
        blocks = [ring.lift(W) for W in theta]
        G = _loss_grad(landscape.loss, landscape.model.ring_forward(blocks, ring))
        out = list(landscape.model.ring_pullback(blocks, G, ring))
        return [_reg_grad_ball(landscape, theta, i, g) for i, g in enumerate(out)]


def gradient_norm_upper(landscape, theta: Sequence[np.ndarray], prec: int = PREC) -> float:
    """A float ≥ the exact ``‖∇L(θ)‖``."""
    with ctx.workprec(prec):
        s = arb(0)
        for g in gradient_balls(landscape, theta, prec):
            s += _dot(g, g)
        return upper(s.sqrt())


def is_exactly_critical(landscape, theta: Sequence[np.ndarray]) -> bool:
    """True iff the exact gradient at the (dyadic) point θ is zero, proven without rounding."""
    prec = exact_prec(theta)
    with ctx.workprec(prec):
        for g in gradient_balls(landscape, theta, prec):
            for x in g.entries():
                if not (x.is_exact() and x.is_zero()):
                    return False
    return True


def distance_ball(p: Sequence[np.ndarray], theta: Sequence[np.ndarray], prec: int = PREC) -> arb:
    """A ball containing the exact ``‖p − θ‖``."""
    with ctx.workprec(prec):
        s = arb(0)
        for a, b in zip(p, theta, strict=True):
            D = _am(a) - _am(b)
            s += _dot(D, D)
        return s.sqrt()


def upper(x: arb) -> float:
    """A float ≥ every point of the ball ``x`` (rounded outward)."""
    u = x.upper()
    f = float(u)
    return float(np.nextafter(f, np.inf)) if arb(f) < u or not (arb(f) >= u) else f


def lower(x: arb) -> float:
    """A float ≤ every point of the ball ``x`` (rounded outward)."""
    lo = x.lower()
    f = float(lo)
    return float(np.nextafter(f, -np.inf)) if arb(f) > lo or not (arb(f) <= lo) else f


def strictly_below(x: arb, bound: float) -> bool:
    """True iff every point of ``x`` is ``< bound`` (so the exact value is)."""
    return bool(x < arb(float(bound)))


def line_second_coefficient(landscape, theta: Sequence[np.ndarray],
                            direction: Sequence[np.ndarray], prec: int = PREC) -> arb:
    """A ball containing the exact ``c_2 = ½ uᵀ∇²L(θ)u`` of ``L(θ + tu)`` (u = ``direction``):
    the t² coefficient of the loss of the matrix polynomial ``F(θ + tu)`` (the model's
    ``ring_forward`` in truncated polynomials over ``arb_mat``), truncated at degree 2, on the
    exact dyadic data."""
    loss = landscape.loss
    with ctx.workprec(prec):
        # + the t² coefficient of R(θ + tu) = Σ (λ u)² (HadamardL2), on the exact data
        c2_reg = _reg_ball(landscape, direction)
        ring = TruncatedPolynomialRing(2, BallRing())
        M = landscape.model.ring_forward(curve_layers(theta, [direction], BallRing()), ring)
        m, n = landscape.model.output_shape
        M = list(M) + [_am(np.zeros((m, n)))] * (3 - len(M))
        if type(loss) is SquaredLoss:
            X = _am(loss.X)
            R0, R1, R2 = M[0] * X - _am(loss.Y), M[1] * X, M[2] * X
            return _dot(R1, R1) / 2 + _dot(R0, R2) + c2_reg
        if type(loss) is DistanceLoss:
            D = [_row_vec(M[0] - _am(loss.Q0)), _row_vec(M[1]), _row_vec(M[2])]
            if loss.phi is not None:
                ph = _am(loss.phi)
                D = [ph * d for d in D]
            return _dot(D[1], D[1]) + 2 * _dot(D[0], D[2]) + c2_reg
        if type(loss) is LinearQuadraticLoss:
            c = arb(float(loss.c))
            return (_dot(_am(loss.A), M[2])
                    + c * (_dot(M[1], M[1]) / 2 + _dot(M[0] - _am(loss.W0), M[2])) + c2_reg)
        raise TypeError(f"no interval evaluation for {type(loss).__name__}")
