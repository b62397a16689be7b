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
PREDICTOR_TARGET = 3e-3
_TARGET = PREDICTOR_TARGET


def power_products(X: np.ndarray, E: np.ndarray, dmax: int) -> np.ndarray:
    """``X^E`` (P, M) for exponent rows E (M, N), by a table of powers and N gathers."""
    P, N = X.shape
    pw = np.ones((P, N, dmax + 1), dtype=X.dtype)
    for d in range(1, dmax + 1):
        pw[:, :, d] = pw[:, :, d - 1] * X
    out = np.ones((P, E.shape[0]), dtype=X.dtype)
    for j in range(N):
        if E[:, j].any():
            out *= pw[:, j, E[:, j]]
    return out


class SparseEvaluator:
    """``f(x)`` and ``∂f/∂x`` of the members of a family, with sparse coefficient matrices.

    The critical equations of deep linear networks have coefficient tables that are > 99 %
    zeros; here ``f = C · x^E`` and ``J = S(C) · x^{E'}`` with ``E'`` the distinct exponents
    of the first derivatives and ``S(C)`` the sparse matrix of ``C[e, m]·a_{m,j}`` (a the
    exponent), so an evaluation costs the non-zeros, not ``E × M × N``.
    """

    def __init__(self, family: PolySystem) -> None:
        from scipy import sparse

        self.sparse = sparse
        self.fam = family
        exps = family.exps
        M, N = exps.shape
        self.N = N
        coef = family.coef if family.coef.ndim == 3 else family.coef[None]
        self.E = coef.shape[1]
        nz = np.any(coef != 0, axis=0)  # (E, M)
        self.dmax = int(exps.max()) if M else 0
        e_idx, m_idx = np.nonzero(nz)
        self.e_idx, self.m_idx = e_idx, m_idx
        # derivative monomials
        rows, keys = [], {}
        tri_e, tri_m, tri_j, tri_d, tri_f = [], [], [], [], []
        for e, m in zip(e_idx, m_idx, strict=True):
            for j in np.flatnonzero(exps[m] > 0):
                ex = exps[m].copy()
                ex[j] -= 1
                key = ex.tobytes()
                if key not in keys:
                    keys[key] = len(rows)
                    rows.append(ex)
                tri_e.append(e)
                tri_m.append(m)
                tri_j.append(j)
                tri_d.append(keys[key])
                tri_f.append(float(exps[m, j]))
        self.Ed = np.array(rows, dtype=np.int64).reshape(len(rows), N)
        self.tri = (np.array(tri_e, np.int64), np.array(tri_m, np.int64),
                    np.array(tri_j, np.int64), np.array(tri_d, np.int64),
                    np.array(tri_f))

    def prepare(self, C: np.ndarray):
        """``Cᵀ`` and ``S(C)ᵀ`` (sparse, or dense when small) for one coefficient matrix C."""
        sp = self.sparse
        M = self.fam.exps.shape[0]
        Cs = sp.csr_matrix((C[self.e_idx, self.m_idx], (self.e_idx, self.m_idx)),
                           shape=(self.E, M))
        te, tm, tj, td, tf = self.tri
        S = sp.csr_matrix((C[te, tm] * tf, (td, te * self.N + tj)),
                          shape=(max(self.Ed.shape[0], 1), self.E * self.N))
        CsT, ST = Cs.T.tocsr(), S.T.tocsr()
        # small tables: dense products (sparse dispatch costs more than it saves)
        if CsT.shape[0] * CsT.shape[1] + ST.shape[0] * ST.shape[1] <= 60_000:
            return Cs.T.toarray(), S.toarray()  # (M, E) and (M', E·N): right factors
        return CsT, ST

    def monomials(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        mono = power_products(X, self.fam.exps, self.dmax)
        dmono = (power_products(X, self.Ed, self.dmax) if self.Ed.shape[0]
                 else np.zeros((X.shape[0], 1), dtype=X.dtype))
        return mono, dmono

    def apply(self, mono: np.ndarray, dmono: np.ndarray, prepared) -> tuple[np.ndarray,
                                                                            np.ndarray]:
        CsT, ST = prepared  # transposed: mono @ Cᵀ as (C mono ᵀ)ᵀ keeps sparse on the left
        if isinstance(CsT, np.ndarray):
            return mono @ CsT, (dmono @ ST).reshape(mono.shape[0], self.E, self.N)
        F = (CsT.T @ mono.T).T
        J = (ST.T @ dmono.T).T.reshape(mono.shape[0], self.E, self.N)
        return np.asarray(F), np.asarray(J)



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


def predict_correct(x, tt, hh, vel, residual_and_jacobian, residual):
    """One step of the trackers: an RK4 predictor on ``ẋ = vel(x, t)`` over ``hh``, then a
    Newton step and a chord step (the Newton Jacobian frozen: it still contracts like n1², so
    the acceptance test holds). Returns ``(x_new, t_new, n1, n2)`` with the two corrections'
    relative sizes (inf when a Jacobian is singular: the step is then rejected)."""
    with np.errstate(all="ignore"):
        try:
            k1 = vel(x, tt)
            k2 = vel(x + 0.5 * hh[:, None] * k1, tt + 0.5 * hh)
            k3 = vel(x + 0.5 * hh[:, None] * k2, tt + 0.5 * hh)
            k4 = vel(x + hh[:, None] * k3, tt + hh)
            xp = x + (hh[:, None] / 6.0) * (k1 + 2 * k2 + 2 * k3 + k4)
            tn = np.where(tt + hh >= 1.0 - 1e-13, 1.0, tt + hh)
            scale = 1.0 + np.linalg.norm(xp, axis=1)
            F, J = residual_and_jacobian(xp, tn)
            Jinv = np.linalg.inv(J)
            d1 = (Jinv @ F[..., None])[..., 0]
            xp = xp - d1
            d2 = (Jinv @ residual(xp, tn)[..., None])[..., 0]
            xp = xp - d2
            return (xp, tn, np.linalg.norm(d1, axis=1) / scale,
                    np.linalg.norm(d2, axis=1) / scale)
        except np.linalg.LinAlgError:
            inf = np.full(x.shape[0], np.inf)
            return x, tt, inf, inf


def accept_and_adapt(act, xp, tn, n1, n2, X, t, h, succ, failed, ok, *, tol: float,
                     hmax: float, hmin: float) -> np.ndarray:
    """The corrector's acceptance test and the step-size rule shared by the trackers (updates
    ``X, t, h, succ, failed, ok`` in place for the active paths ``act``; returns the accepted
    mask). Accept a small first correction whose second one is at noise level or shows
    quadratic contraction (a guard against jumping to a neighbouring path); grow the step
    from the predictor error n1 ∝ h⁵ (RK4) towards ``_TARGET``, halve it on a rejection, and
    fail a path whose step falls below ``hmin``."""
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
    ok[ia[t[ia] >= 1.0]] = True
    return good


def evaluator(family: PolySystem) -> SparseEvaluator:
    """The family's :class:`SparseEvaluator` (built once, kept with the family)."""
    ev = family._plans.get("sparse_evaluator")
    if ev is None:
        ev = family._plans["sparse_evaluator"] = SparseEvaluator(family)
    return ev


def newton(family: PolySystem, X: np.ndarray, C: np.ndarray, iters: int = 4
           ) -> tuple[np.ndarray, np.ndarray]:
    """Newton's method at coefficients C (E, M); returns the points and the last step's
    relative size (``‖dx‖/(1 + ‖x‖)``, inf where the Jacobian is singular)."""
    X = np.array(X, dtype=complex, copy=True)
    rel = np.full(X.shape[0], np.inf)
    if X.shape[0] == 0:
        return X, rel
    ev = evaluator(family)
    prep = ev.prepare(np.asarray(C, dtype=complex))
    with np.errstate(all="ignore"):
        for _ in range(iters):
            F, J = ev.apply(*ev.monomials(X), prep)
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

    ``pa``, ``pb``, ``c`` are parameter vectors (K,). A path fails when its step falls below
    ``hmin`` or ``‖x‖`` exceeds ``blowup`` (a path going to infinity at a non-generic target).
    """
    X = np.array(np.atleast_2d(X0), dtype=complex, copy=True)
    P = X.shape[0]
    t = np.zeros(P)
    h = np.full(P, h0)
    ok = np.zeros(P, dtype=bool)
    failed = np.zeros(P, dtype=bool)
    succ = np.zeros(P, dtype=int)
    it = steps = 0
    if P == 0:
        return SegmentResult(X, ok, 0, 0)
    ev = evaluator(family)
    Ca = coefficients(family, pa)
    Cb = coefficients(family, pb)
    parts = [ev.prepare(Ca), ev.prepare(Cb - Ca)]
    if c is not None:
        parts.append(ev.prepare(coefficients(family, c)))

    def fjt(x, ts, want_t=True):
        """f, ∂f/∂x at (x, t) and ∂f/∂t (per path t)."""
        mono, dmono = ev.monomials(x)
        vals = [ev.apply(mono, dmono, q) for q in parts]
        s1 = ts[:, None]
        F = vals[0][0] + s1 * vals[1][0]
        J = vals[0][1] + s1[:, :, None] * vals[1][1]
        Ht = vals[1][0] if want_t else None
        if c is not None:
            s2 = (ts * (1 - ts))[:, None]
            F = F + s2 * vals[2][0]
            J = J + s2[:, :, None] * vals[2][1]
            if want_t:
                Ht = Ht + (1 - 2 * ts)[:, None] * vals[2][0]
        return F, J, Ht

    def vel(x, ts):
        _F, J, Ht = fjt(x, ts)
        return -np.linalg.solve(J, Ht[..., None])[..., 0]

    while True:
        act = np.flatnonzero(~ok & ~failed)
        if act.size == 0 or it >= max_iter:
            break
        it += 1
        x = X[act]
        tt = t[act]
        hh = np.minimum(h[act], 1.0 - tt)
        xp, tn, n1, n2 = predict_correct(
            x, tt, hh, vel, lambda xx, ts: fjt(xx, ts, want_t=False)[:2],
            lambda xx, ts: fjt(xx, ts, want_t=False)[0])
        good = accept_and_adapt(act, xp, tn, n1, n2, X, t, h, succ, failed, ok, tol=tol,
                                hmax=hmax, hmin=hmin)
        ia = act[good]
        big = ia[np.linalg.norm(X[ia], axis=1) > blowup]
        failed[big] = True
        ok[big] = False
        steps += int(good.sum())
    return SegmentResult(X, ok & ~failed, steps, it)
