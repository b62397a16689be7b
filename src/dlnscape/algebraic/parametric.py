"""Path tracking in a polynomial family that is linear in its parameters.

A :class:`~dlnscape.algebraic.alpha.PolySystem` with coefficients of shape ``(K, E, M)`` is
the family ``f(x; p) = Σ_k p_k f_k(x)``. :func:`track_segment` follows solutions of
``f(x; p(t)) = 0`` along ``p(t) = (1 − t) p_a + t p_b + t(1 − t) c`` from t = 0 to 1 (c a
complex bend, the "gamma trick" of Morgan–Sommese parameter homotopies; for complex generic
``p_a, p_b`` the straight segment, c = 0, already avoids the discriminant with probability
one). The tracker is the one of :mod:`dlnscape.algebraic.homotopy` in affine coordinates:
RK4 predictor on ``ẋ = −J⁻¹ ∂_t f``, a Newton step and a chord step as corrector, and the
same acceptance test and step-size rule (Sommese–Wampler 2005, §2.3). All paths of a call
are tracked together; the coefficients are contracted once per evaluation (``monomials ×
[C_a; C_b; C_c]``), so the cost per step is a few batched matrix products.

This tracker serves the systems that have no structured tracker: the monodromy loops of
:mod:`dlnscape.algebraic.monodromy` and the weight-space critical equations of
:mod:`dlnscape.algebraic.weight_space`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dlnscape.algebraic.alpha import PolySystem

#: predictor error (relative first Newton correction) the step control aims at
_TARGET = 3e-3


@dataclass
class SegmentResult:
    """Endpoints of one tracked segment."""

    X: np.ndarray  # (P, N) endpoints (garbage where not ok)
    ok: np.ndarray  # (P,) reached t = 1 with a converged corrector
    steps: int
    iterations: int


def coefficients(family: PolySystem, p: np.ndarray) -> np.ndarray:
    """``Σ_k p_k coef[k]`` (E, M) for a parameter vector ``p`` (K,)."""
    return np.tensordot(np.asarray(p, dtype=complex), family.coef, axes=(0, 0))


def evaluate(family: PolySystem, X: np.ndarray, C: np.ndarray) -> tuple[np.ndarray,
                                                                        np.ndarray]:
    """``f(X)`` (P, E) and the Jacobian (P, E, N) of the system with coefficients C (E, M)
    (or (P, E, M), one per point)."""
    md = family.monomials_and_derivatives(X)  # (P, N+1, M)
    V = md @ np.swapaxes(C, -1, -2) if C.ndim == 3 else md @ C.T  # (P, N+1, E)
    return V[:, 0, :], np.swapaxes(V[:, 1:, :], 1, 2)


def newton(family: PolySystem, X: np.ndarray, C: np.ndarray, iters: int = 4
           ) -> tuple[np.ndarray, np.ndarray]:
    """Newton's method at coefficients C; returns the points and the last step's relative
    size (``‖dx‖/(1 + ‖x‖)``, inf where the Jacobian is singular)."""
    X = np.array(X, dtype=complex, copy=True)
    rel = np.full(X.shape[0], np.inf)
    with np.errstate(all="ignore"):
        for _ in range(iters):
            F, J = evaluate(family, X, C)
            try:
                d = np.linalg.solve(J, F[..., None])[..., 0]
            except np.linalg.LinAlgError:
                d = np.stack([_solve_one(Ji, Fi) for Ji, Fi in zip(J, F, strict=True)])
            X = X - np.where(np.isfinite(d), d, 0)
            rel = np.where(np.isfinite(d).all(axis=1),
                           np.linalg.norm(d, axis=1) / (1 + np.linalg.norm(X, axis=1)), np.inf)
    return X, rel


def _solve_one(J: np.ndarray, F: np.ndarray) -> np.ndarray:
    try:
        return np.linalg.solve(J, F)
    except np.linalg.LinAlgError:
        return np.full(F.shape, np.nan + 0j)


def track_segment(family: PolySystem, X0: np.ndarray, pa: np.ndarray, pb: np.ndarray,
                  c: np.ndarray | None = None, *, h0: float = 0.05, hmax: float = 0.1,
                  hmin: float = 1e-8, tol: float = 1e-7, max_iter: int = 5000,
                  blowup: float = 1e8) -> SegmentResult:
    """Track the solutions ``X0`` of ``f(·; pa)`` to ``f(·; pb)`` along the (bent) segment.

    ``pa``, ``pb``, ``c`` are parameter vectors (K,), or ``pb`` per path (P, K). A path fails
    when its step falls below ``hmin`` or ``‖x‖`` exceeds ``blowup`` (a path going to infinity
    at a non-generic target).
    """
    X = np.array(np.atleast_2d(X0), dtype=complex, copy=True)
    P = X.shape[0]
    Ca = coefficients(family, pa)
    pb = np.asarray(pb, dtype=complex)
    Cb = coefficients(family, pb) if pb.ndim == 1 else np.einsum(
        "pk,kem->pem", pb, family.coef)
    Cc = coefficients(family, c) if c is not None else np.zeros_like(Ca)
    per_path = Cb.ndim == 3
    t = np.zeros(P)
    h = np.full(P, h0)
    ok = np.zeros(P, dtype=bool)
    failed = np.zeros(P, dtype=bool)
    succ = np.zeros(P, dtype=int)
    it = steps = 0
    if P == 0:
        return SegmentResult(X, ok, 0, 0)

    def coef_at(ts, idx):
        Cbi = Cb[idx] if per_path else Cb[None]
        s1 = ts[:, None, None]
        return Ca[None] + s1 * (Cbi - Ca[None]) + (s1 * (1 - s1)) * Cc[None]

    def dcoef(ts, idx):
        Cbi = Cb[idx] if per_path else Cb[None]
        return (Cbi - Ca[None]) + (1 - 2 * ts[:, None, None]) * Cc[None]

    def vel(x, ts, idx):
        md = family.monomials_and_derivatives(x)
        C = coef_at(ts, idx)
        V = md @ np.swapaxes(C, 1, 2)
        J = np.swapaxes(V[:, 1:, :], 1, 2)
        Ht = np.einsum("pm,pem->pe", md[:, 0, :], dcoef(ts, idx))
        return -np.linalg.solve(J, Ht[..., None])[..., 0]

    while True:
        act = np.flatnonzero(~ok & ~failed)
        if act.size == 0 or it >= max_iter:
            break
        it += 1
        x = X[act]
        tt = t[act]
        hh = np.minimum(h[act], 1.0 - tt)
        with np.errstate(all="ignore"):
            try:
                k1 = vel(x, tt, act)
                k2 = vel(x + 0.5 * hh[:, None] * k1, tt + 0.5 * hh, act)
                k3 = vel(x + 0.5 * hh[:, None] * k2, tt + 0.5 * hh, act)
                k4 = vel(x + hh[:, None] * k3, tt + hh, act)
                xp = x + (hh[:, None] / 6.0) * (k1 + 2 * k2 + 2 * k3 + k4)
                tn = np.where(tt + hh >= 1.0 - 1e-13, 1.0, tt + hh)
                scale = 1.0 + np.linalg.norm(xp, axis=1)
                Cn = coef_at(tn, act)
                F, J = evaluate(family, xp, Cn)
                Jinv = np.linalg.inv(J)
                d1 = (Jinv @ F[..., None])[..., 0]
                xp = xp - d1
                F2, _ = evaluate(family, xp, Cn)
                d2 = (Jinv @ F2[..., None])[..., 0]
                xp = xp - d2
                n1 = np.linalg.norm(d1, axis=1) / scale
                n2 = np.linalg.norm(d2, axis=1) / scale
            except np.linalg.LinAlgError:
                n1 = np.full(act.size, np.inf)
                n2 = n1
                xp = x
                tn = tt
        good = np.isfinite(n1) & (n1 < 1e-2) & (n2 < np.maximum(tol, 0.1 * n1))
        ia, ib = act[good], act[~good]
        X[ia] = xp[good]
        t[ia] = tn[good]
        fac = np.clip((_TARGET / np.maximum(n1[good], 1e-300)) ** 0.2, 0.5, 4.0)
        h[ia] = np.minimum(h[ia] * np.where(succ[ia] >= 1, fac, np.minimum(fac, 1.0)), hmax)
        succ[ia] += 1
        h[ib] *= 0.5
        succ[ib] = 0
        failed[ib[h[ib] < hmin]] = True
        big = ia[np.linalg.norm(X[ia], axis=1) > blowup]
        failed[big] = True
        ok[ia[t[ia] >= 1.0]] = True
        ok[big] = False
        steps += int(good.sum())
    return SegmentResult(X, ok & ~failed, steps, it)
