"""Global minimizers of the square deep linear network and of the linear residual network for
the squared loss, constructed as in Zhou & Liang 2018, Propositions 1 and 2.

Setting (Zhou & Liang §2): ``X, Y ∈ R^{d×m}``, ``Σ_XX = XXᵀ`` invertible, ``Σ_XY = XYᵀ``,
``Σ = Σ_XYᵀ Σ_XX⁻¹ Σ_XY`` and the losses

* ``h(W) = ½‖W_l ⋯ W_1 X − Y‖_F²`` (eq (1), all ``W_k ∈ R^{d×d}``),
* ``f(A) = ½‖(I + A_{lr}⋯A_{l1}) ⋯ (I + A_{1r}⋯A_{11}) X − Y‖_F²`` (eq (3)),

i.e. ``dlnscape.SquaredLoss(X, Y)`` on ``LinearNetwork([d]*(l+1))`` and on
:class:`~dlnscape.models.residual.ResidualLinearNetwork`. Points are input side first.

Prop 1 (eq (2)): ``W_l = U C_l``, ``W_k = C_{k+1}⁻¹ C_k`` (1 < k < l),
``W_1 = C_2⁻¹ Uᵀ Σ_XYᵀ Σ_XX⁻¹``, with ``C_2, …, C_l`` invertible and U the eigenvectors of Σ
(all d of them, so U is orthogonal and the product is ``Σ_XYᵀΣ_XX⁻¹ = YXᵀ(XXᵀ)⁻¹``, the
least-squares solution). The text states the minimum value as ``Tr(Σ_YY) − Σ_{i≤d} λ_i``; the
minimum of the ½-normalised h is **half** of that, ``½(Tr(Σ_YY) − Σ_i λ_i(Σ))``
(:func:`deep_linear_minimum_value`; the printed value is :func:`zhou_liang_stated_minimum`).
Because U is all of Σ's eigenvectors it is absorbed by C_l: the characterisation amounts to
"the product is the least-squares matrix", and every point with that product and invertible
``W_l, …, W_2`` has the form (2) with ``C_k = Uᵀ W_l ⋯ W_k`` (:func:`deep_linear_coordinates`).

Prop 2 (eq (4), m = d): ``A_{kr} = U_k C_{kr}``, ``A_{kq} = C_{k(q+1)}⁻¹ C_{kq}``,
``A_{k1} = C_{k2}⁻¹ U_kᵀ (W_k* − I)``, with the ``W_k*`` of Prop 1 (the text's ``Ĉ``), U_k the
eigenvectors of ``(W_k* − I)(W_k* − I)ᵀ`` and ``C_{k2}, …, C_{kr}`` invertible (the text prints
the range as ``C_{k2}, …, C_{kl}``; the form needs r − 1 of them). For r = 1, ``A_k = W_k* − I``.
The construction is a global minimizer whenever XXᵀ is invertible (m ≥ d): the residual
network's image is every d × d matrix, so its minimum is the least-squares value (0 for m = d).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from dlnscape.architecture import Point
from dlnscape.errors import DlnscapeError, LossError, PointError
from dlnscape.validate import check_rng

#: a matrix counts as invertible when its condition number is below this
COND_MAX = 1e10


def _data(X: object, Y: object) -> tuple[np.ndarray, np.ndarray]:
    Xa = np.asarray(X, dtype=np.float64)
    Ya = np.asarray(Y, dtype=np.float64)
    if Xa.ndim != 2 or Ya.ndim != 2:
        raise LossError(f"X, Y: expected 2-d arrays, got shapes {Xa.shape} and {Ya.shape}")
    if Xa.shape != Ya.shape:
        raise LossError(
            f"X, Y: Zhou & Liang's square networks need X and Y of the same shape d × m, got "
            f"X {Xa.shape} and Y {Ya.shape}")
    if not (np.all(np.isfinite(Xa)) and np.all(np.isfinite(Ya))):
        raise LossError("X, Y: expected finite entries")
    d, m = Xa.shape
    s = np.linalg.svd(Xa, compute_uv=False)
    if m < d or s[-1] <= s[0] / COND_MAX:
        raise LossError(
            f"X: Zhou & Liang (§2) assume Σ_XX = XXᵀ invertible; X ({d}×{m}) has singular "
            f"values {np.array2string(s, precision=3)} (need m ≥ d and rank d)")
    return Xa, Ya


def _depth(h: object, name: str) -> int:
    if isinstance(h, bool) or not isinstance(h, (int, np.integer)) or h < 1:
        raise DlnscapeError(f"{name}: expected a positive integer, got {h!r}")
    return int(h)


def _invertible(C: object, d: int, name: str) -> np.ndarray:
    Ca = np.asarray(C, dtype=np.float64)
    if Ca.shape != (d, d):
        raise PointError(f"{name}: expected a {d}×{d} matrix, got shape {Ca.shape}")
    if not np.all(np.isfinite(Ca)):
        raise PointError(f"{name}: expected finite entries")
    if np.linalg.cond(Ca) >= COND_MAX:
        raise PointError(f"{name}: expected an invertible matrix, got condition number "
                         f"{np.linalg.cond(Ca):.3g}")
    return Ca


def _matrices(C, count: int, d: int, name: str, gen: np.random.Generator) -> list[np.ndarray]:
    """``count`` invertible d×d matrices: given, or random (I + Gaussian/(2√d), well
    conditioned)."""
    if C is None:
        return [np.eye(d) + gen.standard_normal((d, d)) / (2.0 * np.sqrt(d))
                for _ in range(count)]
    Cs = list(C)
    if len(Cs) != count:
        raise PointError(f"{name}: expected {count} invertible {d}×{d} matrices, got {len(Cs)}")
    return [_invertible(c, d, f"{name}[{i}]") for i, c in enumerate(Cs)]


def least_squares_matrix(X: np.ndarray, Y: np.ndarray) -> np.ndarray:
    """``Σ_XYᵀ Σ_XX⁻¹ = YXᵀ(XXᵀ)⁻¹`` (the unique minimiser of ½‖ZX − Y‖² over all Z)."""
    X, Y = _data(X, Y)
    return np.linalg.solve(X @ X.T, X @ Y.T).T


def sigma_matrix(X: np.ndarray, Y: np.ndarray) -> np.ndarray:
    """``Σ = Σ_XYᵀ Σ_XX⁻¹ Σ_XY`` (Zhou & Liang §2), symmetrised."""
    X, Y = _data(X, Y)
    S = (X @ Y.T).T @ np.linalg.solve(X @ X.T, X @ Y.T)
    return 0.5 * (S + S.T)


def deep_linear_minimum_value(X: np.ndarray, Y: np.ndarray) -> float:
    """``min h = ½(Tr Σ_YY − Σ_i λ_i(Σ))``: the true global minimum of Zhou & Liang's h
    (eq (1), with its ½) for square layers and invertible XXᵀ."""
    X, Y = _data(X, Y)
    return 0.5 * (float(np.sum(Y * Y)) - float(np.sum(np.linalg.eigvalsh(sigma_matrix(X, Y)))))


def zhou_liang_stated_minimum(X: np.ndarray, Y: np.ndarray) -> float:
    """The minimum value as printed in Zhou & Liang, Prop 1: ``Tr(Σ_YY) − Σ_{i≤d} λ_i`` (twice
    the true minimum of the ½-normalised h; see :func:`deep_linear_minimum_value`)."""
    return 2.0 * deep_linear_minimum_value(X, Y)


def sigma_eigenvectors(X: np.ndarray, Y: np.ndarray) -> np.ndarray:
    """U: the eigenvectors of Σ as columns, eigenvalues in decreasing order (orthogonal)."""
    lam, U = np.linalg.eigh(sigma_matrix(X, Y))
    return U[:, np.argsort(lam)[::-1]]


def deep_linear_global_minimizer(
    X: np.ndarray,
    Y: np.ndarray,
    h: int,
    C: Sequence[np.ndarray] | None = None,
    rng: np.random.Generator | int | None = None,
) -> Point:
    """A global minimizer ``(W_1, …, W_h)`` of ``½‖W_h⋯W_1X − Y‖²`` (Zhou & Liang, Prop 1,
    eq (2)): ``W_h = U C_h``, ``W_k = C_{k+1}⁻¹C_k``, ``W_1 = C_2⁻¹UᵀΣ_XYᵀΣ_XX⁻¹``.

    ``C``: the h − 1 invertible matrices ``(C_2, …, C_h)``, in that order (None: random ones
    from ``rng``). For h = 1 the minimizer is the least-squares matrix itself."""
    X, Y = _data(X, Y)
    h = _depth(h, "h")
    d = X.shape[0]
    gen = check_rng(rng)
    Cs = _matrices(C, h - 1, d, "C", gen)
    ols = least_squares_matrix(X, Y)
    if h == 1:
        return (ols,)
    U = sigma_eigenvectors(X, Y)
    byk = {k: Cs[k - 2] for k in range(2, h + 1)}  # C_k
    W = [np.linalg.solve(byk[2], U.T @ ols)]  # W_1
    for k in range(2, h):
        W.append(np.linalg.solve(byk[k + 1], byk[k]))  # W_k = C_{k+1}⁻¹ C_k
    W.append(U @ byk[h])  # W_h
    return tuple(W)


@dataclass(frozen=True)
class DeepLinearCoordinates:
    """A global minimizer written in the form (2) of Zhou & Liang, Prop 1: the matrices
    ``C = (C_2, …, C_h)`` with ``C_k = Uᵀ W_h ⋯ W_k`` and the residual of each equation."""

    C: tuple[np.ndarray, ...]
    U: np.ndarray
    #: ``‖W_1 − C_2⁻¹UᵀΣ_XYᵀΣ_XX⁻¹‖`` relative to ‖W_1‖ (0 for h = 1: ‖W_1 − OLS‖/‖OLS‖)
    first_layer_residual: float
    #: the condition numbers of ``C_2, …, C_h`` (finite: the factors are invertible)
    conditions: tuple[float, ...]


def deep_linear_coordinates(theta: Sequence[np.ndarray], X: np.ndarray,
                            Y: np.ndarray) -> DeepLinearCoordinates:
    """The converse of :func:`deep_linear_global_minimizer`: read ``C_k = Uᵀ W_h ⋯ W_k`` off a
    point and measure how far ``W_1`` is from ``C_2⁻¹ Uᵀ Σ_XYᵀΣ_XX⁻¹`` (Zhou & Liang, Prop 1,
    "the global minimizers are exactly of this form": with these C_k the other equations of (2)
    hold identically, so the first-layer residual decides)."""
    X, Y = _data(X, Y)
    theta = tuple(np.asarray(W, dtype=np.float64) for W in theta)
    d = X.shape[0]
    for i, W in enumerate(theta):
        if W.shape != (d, d):
            raise PointError(f"theta[{i}] (W_{i + 1}): expected a {d}×{d} matrix, got shape "
                             f"{W.shape}")
    ols = least_squares_matrix(X, Y)
    h = len(theta)
    if h == 1:
        res = float(np.linalg.norm(theta[0] - ols) / max(np.linalg.norm(ols), 1e-300))
        return DeepLinearCoordinates((), np.eye(d), res, ())
    U = sigma_eigenvectors(X, Y)
    C = {}
    S = np.eye(d)
    for k in range(h, 1, -1):
        S = S @ theta[k - 1]  # W_h ⋯ W_k
        C[k] = U.T @ S
    target = np.linalg.lstsq(C[2], U.T @ ols, rcond=None)[0]
    res = float(np.linalg.norm(theta[0] - target) / max(np.linalg.norm(theta[0]), 1e-300))
    Cs = tuple(C[k] for k in range(2, h + 1))
    return DeepLinearCoordinates(Cs, U, res, tuple(float(np.linalg.cond(c)) for c in Cs))


def residual_global_minimizer(
    X: np.ndarray,
    Y: np.ndarray,
    units: int,
    layers_per_unit: int,
    C_hat: Sequence[np.ndarray] | None = None,
    C: Sequence[Sequence[np.ndarray]] | None = None,
    rng: np.random.Generator | int | None = None,
) -> Point:
    """A full-rank global minimizer ``(A_11, …, A_lr)`` of Zhou & Liang's residual loss (eq (3))
    by Prop 2, eq (4): the unit matrices ``W_k*`` of Prop 1 (``C_hat = (Ĉ_2, …, Ĉ_l)``), then
    each ``W_k* − I`` factored as ``A_{kr} = U_kC_{kr}``, ``A_{kq} = C_{k(q+1)}⁻¹C_{kq}``,
    ``A_{k1} = C_{k2}⁻¹U_kᵀ(W_k* − I)`` with U_k the eigenvectors of
    ``(W_k* − I)(W_k* − I)ᵀ``.

    ``C``: per unit, the r − 1 invertible matrices ``(C_{k2}, …, C_{kr})`` (None: random). Prop
    2 is about *full-rank* minimizers, so ``W_k* − I`` must be invertible: a PointError names the
    unit otherwise (choose another ``C_hat``)."""
    X, Y = _data(X, Y)
    units = _depth(units, "units")
    r = _depth(layers_per_unit, "layers_per_unit")
    d = X.shape[0]
    gen = check_rng(rng)
    Ws = deep_linear_global_minimizer(X, Y, units, C_hat, gen)
    if C is not None:
        C = list(C)
        if len(C) != units:
            raise PointError(f"C: expected {units} sequences (one per unit) of {r - 1} "
                             f"invertible matrices, got {len(C)}")
    out: list[np.ndarray] = []
    for k, Wk in enumerate(Ws):
        M = Wk - np.eye(d)
        if np.linalg.cond(M) >= COND_MAX:
            raise PointError(
                f"C_hat: W_{k + 1}* − I is singular (condition number {np.linalg.cond(M):.3g}), "
                "so no full-rank residual minimizer (Zhou & Liang, Prop 2) has this W*; choose "
                "other C_hat")
        if r == 1:
            out.append(M)
            continue
        _, Uk = np.linalg.eigh(M @ M.T)
        Ck = _matrices(None if C is None else C[k], r - 1, d, f"C[{k}]", gen)
        byq = {q: Ck[q - 2] for q in range(2, r + 1)}  # C_{kq}
        A = [np.linalg.solve(byq[2], Uk.T @ M)]  # A_{k1}
        for q in range(2, r):
            A.append(np.linalg.solve(byq[q + 1], byq[q]))  # A_{kq}
        A.append(Uk @ byq[r])  # A_{kr}
        out.extend(A)
    return tuple(out)
