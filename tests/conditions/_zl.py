"""Independent helpers for the Zhou & Liang (seed 003) tests: instances, the text's error
Jacobians built from the Kronecker formulas, losses and gradients written here from the
definitions (never by the code under test)."""

from __future__ import annotations

import numpy as np

import dlnscape as dl
from dlnscape.models.residual import ResidualLinearNetwork


def chain(mats, d):
    """``mats[-1] ⋯ mats[0]`` (identity when empty)."""
    out = np.eye(d)
    for M in mats:
        out = M @ out
    return out


def smin(M) -> float:
    return float(np.linalg.svd(M, compute_uv=False)[min(M.shape) - 1])


def spec(M) -> float:
    return float(np.linalg.norm(M, 2))


def invertible(rng, d, spread=0.5):
    """``I + spread·Gaussian/√d``: well conditioned."""
    return np.eye(d) + spread * rng.standard_normal((d, d)) / np.sqrt(d)


def data(rng, d, m):
    """X with singular values in [0.7, 1.5] (d × m), Y Gaussian."""
    U = np.linalg.qr(rng.standard_normal((d, d)))[0]
    V = np.linalg.qr(rng.standard_normal((m, d)))[0]
    return U @ np.diag(rng.uniform(0.7, 1.5, d)) @ V.T, rng.standard_normal((d, m))


def linear_instance(rng, d, l, m=None):
    """A square deep linear network with a zero-loss (m = d) or least-squares (m > d) global
    minimizer built here: W_2..W_l invertible, W_1 = (W_l⋯W_2)⁻¹·OLS."""
    m = d if m is None else m
    X, Y = data(rng, d, m)
    ols = np.linalg.lstsq(X.T, Y.T, rcond=None)[0].T
    rest = [invertible(rng, d) for _ in range(l - 1)]
    W1 = np.linalg.solve(chain(rest, d), ols)
    theta = (W1, *rest)
    L = dl.Landscape(dl.LinearNetwork(dl.Architecture([d] * (l + 1))), dl.SquaredLoss(X, Y))
    return L, theta, X, Y


def residual_instance(rng, d, l, r, spread=0.8):
    """A residual network with a full-rank zero-loss minimizer: random A*, Y = F(A*)X."""
    X, _ = data(rng, d, d)
    A = tuple(spread * invertible(rng, d, 1.0) for _ in range(l * r))
    F = np.eye(d)
    for k in range(l):
        F = (np.eye(d) + chain(A[k * r:(k + 1) * r], d)) @ F
    L = dl.Landscape(ResidualLinearNetwork(d, l, r), dl.SquaredLoss(X, F @ X))
    return L, A, X, F @ X


def one_hidden_instance(rng, d, sigma):
    """W_2σ(W_1X) with a zero-loss minimizer: random W*, Y = W_2*σ(W_1*X)."""
    from dlnscape.models.one_hidden import OneHiddenLayerNetwork

    X, _ = data(rng, d, d)
    W1, W2 = invertible(rng, d, 1.0), invertible(rng, d, 1.0)
    Y = W2 @ sigma.value(W1 @ X)
    L = dl.Landscape(OneHiddenLayerNetwork(X, sigma, d, d), dl.SquaredLoss(np.eye(d), Y))
    return L, (W1, W2), X, Y


# -- the text's Jacobians (column-major vec), written here -------------------------------------
def vec(M):
    return M.reshape(-1, order="F")


def G_text(theta, X):
    """[G_1, …, G_l], G_k = (W_{k−1}⋯W_1X)ᵀ ⊗ (W_l⋯W_{k+1}) (eq (9))."""
    d = X.shape[0]
    return np.hstack([np.kron((chain(theta[:k], d) @ X).T, chain(theta[k + 1:], d))
                      for k in range(len(theta))])


def Q_text(A, X, l, r):
    """[Q_11, …, Q_lr] (eq (12))."""
    d = X.shape[0]
    units = [A[k * r:(k + 1) * r] for k in range(l)]
    Ws = [np.eye(d) + chain(u, d) for u in units]
    cols = []
    for k in range(l):
        outer = np.kron((chain(Ws[:k], d) @ X).T, chain(Ws[k + 1:], d))
        for q in range(r):
            inner = np.kron(chain(units[k][:q], d).T, chain(units[k][q + 1:], d))
            cols.append(outer @ inner)
    return np.hstack(cols)


def H_text(theta, X, sigma):
    """H of eq (24): Hᵀ = [(X ⊗ I)diag(σ'(vec W_1X))(I ⊗ W_2ᵀ); σ(W_1X) ⊗ I]."""
    W1, W2 = theta
    d, m = X.shape
    Z = W1 @ X
    top = np.kron(X, np.eye(d)) @ np.diag(vec(sigma.derivative(Z))) @ np.kron(np.eye(m), W2.T)
    return np.vstack([top, np.kron(sigma.value(Z), np.eye(d))]).T


def text_to_packed(v_text, shapes):
    """A text-order vector (blocks column-major) as the package's packed vector."""
    out, off = [], 0
    for m, n in shapes:
        out.append(v_text[off:off + m * n].reshape((m, n), order="F").ravel())
        off += m * n
    return np.concatenate(out)


def sharp_limit(Jt):
    """``1/(2σ_{d²}(J)²)`` for a text-order Jacobian J (rows vec(e)): the limit of the ratio
    along the worst direction at a zero-loss minimizer."""
    s = np.linalg.svd(Jt, compute_uv=False)
    k = Jt.shape[0]
    return 1.0 / (2.0 * s[k - 1] ** 2)


# -- losses and gradients from the definitions ------------------------------------------------
def linear_value_grad(theta, X, Y):
    d = X.shape[0]
    e = chain(theta, d) @ X - Y
    grads = [chain(theta[k + 1:], d).T @ e @ (chain(theta[:k], d) @ X).T
             for k in range(len(theta))]
    return 0.5 * float(np.sum(e * e)), grads


def min_value(X, Y):
    ols = np.linalg.lstsq(X.T, Y.T, rcond=None)[0].T
    R = ols @ X - Y
    return 0.5 * float(np.sum(R * R))
