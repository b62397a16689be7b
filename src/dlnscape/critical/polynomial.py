"""Exact polynomial expansions used by classification and its certificates.

* :func:`curve_taylor` — the Taylor coefficients of ``L(θ(t))`` along a *polynomial curve*
  ``θ(t) = θ + tθ_1 + t²θ_2 + … + t^qθ_q``. Each layer is a matrix polynomial, so ``μ(θ(t))`` is a
  matrix polynomial of degree ``q·h`` and, for a polynomial loss, ``L(θ(t))`` is an exact
  polynomial in t (README, "The landscape"; the straight-line case is ``Landscape.taylor``).
* :func:`gradient_series` — coefficients of ``∇L(θ + sU)`` in s, batched over directions ``U``.
  Coefficient 1 is ``∇²L(θ)[U]`` and coefficient 2 is ``½∇³L(θ)[U, U, ·]``: the third-order
  contraction behind the cubic-form test of Hofflin 2023, Prop 2.1(iii) and the quartic curve test.

Both include the landscape's regularizer, if any (``R(θ(t))`` exactly; ``∇R(θ + sU)``).
"""

from __future__ import annotations

import math
import weakref
from collections.abc import Sequence

import numpy as np

from dlnscape.architecture import Point
from dlnscape.landscape import Landscape
from dlnscape.models.base import TruncatedPolynomialRing


def _polymul(A: list[np.ndarray], B: list[np.ndarray], deg: int | None = None) -> list[np.ndarray]:
    """Product of two matrix polynomials given by coefficient lists (``A[k] @ B[j]`` terms)."""
    return TruncatedPolynomialRing(deg).mul(A, B)


def curve_product(landscape: Landscape, theta: Point, curve: Sequence[Point],
                  order: int | None = None) -> list[np.ndarray]:
    """Coefficients of ``F(θ(t))`` on the curve ``θ(t) = θ + Σ_k t^k θ_k``: the exact matrix
    polynomial for a polynomial model (degree ``q·deg F``), the Taylor series up to ``order``
    otherwise (``Parametrization.curve_coefficients``)."""
    model = landscape.model
    return model.curve_coefficients(theta, curve,
                                    None if model.polynomial_degree is not None else order)


def curve_taylor(
    landscape: Landscape, theta: Point, curve: Sequence[Point], order: int | None = None
) -> np.ndarray:
    """Exact coefficients ``c_0..c_K`` of ``L(θ + tθ_1 + … + t^qθ_q)``.

    For a polynomial landscape of degree p the whole polynomial (K = p·q) is returned when
    ``order`` is None; non-polynomial losses or models need ``order`` and use JAX Taylor mode.
    """
    if order is None:
        if not landscape.is_polynomial:
            raise ValueError("order: required for a non-polynomial loss or model")
        order = int(landscape.degree) * max(1, len(curve))
    coeffs = curve_product(landscape, theta, curve, int(order))
    if not landscape.loss.is_polynomial:
        fn = _cached(landscape.loss, ("taylor", len(coeffs), int(order)), _make_jet_taylor)
        c = np.asarray(fn(tuple(coeffs)), dtype=np.float64)
    else:
        c = np.asarray(landscape.loss.taylor(coeffs, int(order)), dtype=np.float64)
    reg = landscape.regularizer
    if reg is None:
        return c
    # + R(θ(t)): exact (a polynomial of degree 2q for HadamardL2), truncated at ``order``
    r = np.asarray(reg.curve_taylor(theta, curve, int(order)), dtype=np.float64)
    out = np.zeros(max(len(c), len(r)))
    out[: len(c)] += c
    out[: len(r)] += r
    return out


_JAX_CACHE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _cached(loss, key, make):
    """A jitted JAX function per (loss object, key), so that repeated calls do not retrace."""
    per_loss = _JAX_CACHE.setdefault(loss, {})
    if key not in per_loss:
        per_loss[key] = make(loss, *key[1:])
    return per_loss[key]


def _make_jet_taylor(loss, ncoef: int, order: int):
    """jit of ``coeffs ↦ Taylor coefficients of t ↦ l(Σ_k coeffs[k] t^k)`` (jet; derivatives
    divided by k!)."""
    from jax.experimental import jet

    from dlnscape.jax_support import jax, jnp

    def taylor(cs):
        def g(t):
            W = cs[0]
            for k in range(1, ncoef):
                W = W + cs[k] * t**k
            return loss.jax_value(W)

        c0 = g(jnp.asarray(0.0))
        if order == 0:
            return jnp.stack([c0])
        series = [jnp.asarray(1.0)] + [jnp.asarray(0.0)] * (order - 1)
        _, derivs = jet.jet(g, (jnp.asarray(0.0),), (series,))
        return jnp.stack([c0] + [derivs[k - 1] / math.factorial(k) for k in range(1, order + 1)])

    return jax.jit(taylor)


def _series_products(theta: Point, U: Sequence[np.ndarray], deg: int):
    """Batched prefix/suffix products of the layers ``W_i + sU_i`` truncated at degree ``deg``.

    ``U[i]`` has shape ``(B, d_i, d_{i-1})``. Returns lists ``P[k]`` (= W_k⋯W_1, P[0] = I) and
    ``S[k]`` (= W_h⋯W_{k+1}, S[h] = I) of coefficient lists, each coefficient batched.
    """
    h = len(theta)
    B = U[0].shape[0]
    d0 = theta[0].shape[1]
    dh = theta[-1].shape[0]
    layers = [[np.broadcast_to(theta[i], (B,) + theta[i].shape), U[i]] for i in range(h)]
    eye0 = np.broadcast_to(np.eye(d0), (B, d0, d0))
    P = [[eye0]]
    for i in range(h):
        P.append(_polymul(layers[i], P[-1], deg))
    S: list[list[np.ndarray]] = [[]] * (h + 1)
    S[h] = [np.broadcast_to(np.eye(dh), (B, dh, dh))]
    for i in range(h - 1, -1, -1):
        S[i] = _polymul(S[i + 1], layers[i], deg)
    return P, S


def gradient_series(landscape: Landscape, theta: Point, U: Sequence[np.ndarray], deg: int = 2):
    """Coefficients ``g_0..g_deg`` of ``∇L(θ + sU)`` for a batch of directions.

    ``U`` is a per-layer tuple of arrays of shape ``(B, d_i, d_{i-1})``; the result is a list
    over degrees of per-layer tuples of shape ``(B, d_i, d_{i-1})``. Exact for losses of degree
    ≤ 2 (their gradient is affine in W); other losses go through JAX (:func:`_jax_series`).
    A regularizer's series (``2Λ²θ``, ``2Λ²U`` for :class:`~dlnscape.HadamardL2`) is added.
    """
    out = _loss_gradient_series(landscape, theta, U, deg)
    reg = landscape.regularizer
    if reg is None:
        return out
    rs = reg.gradient_series(theta, U, deg)
    return [tuple(np.asarray(a) + b for a, b in zip(o, r, strict=True))
            for o, r in zip(out, rs, strict=True)]


def _loss_gradient_series(landscape: Landscape, theta: Point, U: Sequence[np.ndarray],
                          deg: int = 2):
    """The ``l ∘ F`` part of :func:`gradient_series`."""
    loss = landscape.loss
    if not (loss.is_polynomial and loss.degree <= 2) or landscape.model.linear_network is None:
        return _jax_series(landscape, theta, U, deg)
    h = len(theta)
    P, S = _series_products(theta, U, deg + 0)
    mu = P[h]  # μ(θ + sU) coefficients, batched
    B = U[0].shape[0]
    W0 = theta_end = mu[0][0]
    G = [np.broadcast_to(loss.grad(theta_end), (B,) + W0.shape)]
    for k in range(1, min(deg, len(mu) - 1) + 1):
        G.append(loss.hessian_apply(theta_end, np.ascontiguousarray(mu[k])))
    out = []
    for d in range(deg + 1):
        layer_terms = []
        for k in range(h):
            acc = None
            Sk, Pk = S[k + 1], P[k]
            for a in range(min(d, len(Sk) - 1) + 1):
                for b in range(min(d - a, len(G) - 1) + 1):
                    c = d - a - b
                    if c >= len(Pk):
                        continue
                    term = np.swapaxes(Sk[a], -1, -2) @ G[b] @ np.swapaxes(Pk[c], -1, -2)
                    acc = term if acc is None else acc + term
            if acc is None:
                acc = np.zeros((B,) + theta[k].shape)
            layer_terms.append(np.asarray(acc))
        out.append(tuple(layer_terms))
    return out


def _jax_series(landscape: Landscape, theta: Point, U: Sequence[np.ndarray], deg: int):
    """``∇L(θ + sU)`` coefficients by nested JVPs in JAX (non-quadratic losses, models other
    than the linear network), jitted once per (loss, model, degree)."""
    from dlnscape.jax_support import jnp

    fn = _cached(landscape.loss, ("series", landscape.model, deg), _make_series)
    B = U[0].shape[0]
    Bp = 1 << max(0, (B - 1).bit_length())  # pad the batch to a power of two: few recompiles
    Up = tuple(jnp.asarray(np.concatenate([Ui, np.zeros((Bp - B,) + Ui.shape[1:])]))
               for Ui in U)
    res = fn(tuple(jnp.asarray(W) for W in theta), Up)
    return [tuple(np.asarray(v)[:B] / math.factorial(d) for v in res[d])
            for d in range(deg + 1)]


def _make_series(loss, model, deg: int):
    from dlnscape.jax_support import jax, jnp

    def L(th):
        return loss.jax_value(model.jax_forward(th))

    grad = jax.grad(L)

    def directional(th0, u):
        def g(s):
            return grad(tuple(w + s * du for w, du in zip(th0, u, strict=True)))

        outs = [g(0.0)]
        f = g
        for _ in range(deg):
            f = (lambda prev: lambda s: jax.jvp(prev, (s,), (jnp.asarray(1.0),))[1])(f)
            outs.append(f(0.0))
        return outs

    return jax.jit(jax.vmap(directional, in_axes=(None, 0)))


def flat_directions(landscape: Landscape, V: np.ndarray) -> tuple[np.ndarray, ...]:
    """Columns of ``V`` (P × B, packed order) as per-layer batches ``(B, d_i, d_{i-1})``."""
    lay = landscape.layout
    o = lay.offsets
    Vt = np.asarray(V, dtype=np.float64).T
    return tuple(
        np.ascontiguousarray(Vt[:, o[i] : o[i + 1]]).reshape((Vt.shape[0],) + tuple(lay.shapes[i]))
        for i in range(lay.h)
    )


def pack_batch(layers: Sequence[np.ndarray]) -> np.ndarray:
    """Inverse of :func:`flat_directions`: per-layer batches → P × B matrix."""
    B = layers[0].shape[0]
    return np.concatenate([np.reshape(x, (B, -1)) for x in layers], axis=1).T


def third_contraction(landscape: Landscape, theta: Point, V: np.ndarray) -> np.ndarray:
    """``∇³L(θ)[v, v, ·]`` for every column v of ``V`` (P × B): returns P × B."""
    U = flat_directions(landscape, V)
    series = gradient_series(landscape, theta, U, 2)
    return 2.0 * pack_batch(series[2])
