"""Polynomial systems in monomial form (vectorised evaluation) and Smale's α-theory.

α-theory (Smale 1986; Blum–Cucker–Shub–Smale, *Complexity and Real Computation*, Ch. 8;
Hauenstein–Sottile 2012, *alphaCertified*): for a square polynomial system f and a point x with
``Df(x)`` invertible, let

    β(f, x) = ‖Df(x)⁻¹ f(x)‖,   γ(f, x) = sup_{k≥2} ‖Df(x)⁻¹ D^k f(x) / k!‖^{1/(k−1)},
    α = β γ.

If ``α < α0 = (13 − 3√17)/4 ≈ 0.1577``, x is an approximate zero: Newton's iterates converge
quadratically to a zero ζ with ``‖x − ζ‖ ≤ 2β(f, x)``. Our systems are cubic, so the sup is over
k = 2, 3 only, and we bound each operator norm of the symmetric multilinear map by the Frobenius
norm of its coefficient tensor (Cauchy–Schwarz), which can only increase γ (a valid bound).

* Distinct zeros: if ``‖x_i − x_j‖ > 2(β_i + β_j)`` the associated zeros differ.
* Non-real zero: if ``‖Im x‖ > 2β(x)`` the ball around x holds no real point.
* Real zero (conjugate symmetry): for a real system ζ̄ is a zero whenever ζ is, and it lies in
  ``B(x̄, 2β(x))``; if that ball meets the ball of no other point of a *complete* certified
  list, ζ̄ can only be ζ itself, so ζ is real.

Arithmetic is float64 with an explicit bound on the rounding error of ``f(x)`` added to β
(``(M+1)·u·Σ|c_m||x^m|`` per equation); the matrix inverse is computed in floating point, so
this is a floating-point certificate, not an interval-arithmetic proof.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

ALPHA0 = (13.0 - 3.0 * np.sqrt(17.0)) / 4.0
_EPS = float(np.finfo(np.float64).eps)
_DERIV_TABLES: dict = {}


@dataclass
class PolySystem:
    """``f_e(x) = Σ_m coef[e, m] x^{exps[m]}``, vectorised over a batch of points."""

    exps: np.ndarray  # (M, N) int
    coef: np.ndarray  # (E, M) float or complex, or (K, E, M) for a parametric family

    def __post_init__(self) -> None:
        self.exps = np.asarray(self.exps, dtype=np.int64)
        M, N = self.exps.shape
        self.N = N
        self.M = M
        self.dmax = int(self.exps.max()) if M else 0
        # first derivatives: exponents and factors, stacked after the monomials themselves
        e1 = [self.exps]
        f1 = [np.ones(M)]
        for j in range(N):
            e = self.exps.copy()
            f = e[:, j].astype(np.float64)
            e[:, j] = np.maximum(e[:, j] - 1, 0)
            e1.append(e)
            f1.append(f)
        self._E1 = np.concatenate(e1)  # ((N+1) M, N)
        self._F1 = np.concatenate(f1)

    # -- construction ---------------------------------------------------------------------
    @classmethod
    def from_polys(cls, polys: list[dict], nvars: int, dtype=np.complex128) -> PolySystem:
        keys = sorted({e for p in polys for e in p})
        if not keys:
            keys = [(0,) * nvars]
        idx = {e: i for i, e in enumerate(keys)}
        first = next((c for p in polys for c in p.values()), 0)
        if isinstance(first, np.ndarray):  # parametric: coefficients are vectors
            K = first.shape[0]
            coef = np.zeros((K, len(polys), len(keys)))
            for e_i, p in enumerate(polys):
                for e, c in p.items():
                    coef[:, e_i, idx[e]] = c
        else:
            coef = np.zeros((len(polys), len(keys)), dtype=dtype)
            for e_i, p in enumerate(polys):
                for e, c in p.items():
                    coef[e_i, idx[e]] = complex(c) if dtype == np.complex128 else float(c)
        return cls(np.array(keys, dtype=np.int64).reshape(len(keys), nvars), coef)

    def specialize(self, p: np.ndarray) -> PolySystem:
        """Coefficients ``Σ_k p_k coef[k]`` of a parametric family."""
        return PolySystem(self.exps, np.tensordot(p, self.coef, axes=(0, 0)))

    # -- evaluation -----------------------------------------------------------------------
    def _powers(self, X: np.ndarray) -> np.ndarray:
        P = X.shape[0]
        pw = np.ones((P, self.N, self.dmax + 1), dtype=X.dtype)
        for d in range(1, self.dmax + 1):
            pw[:, :, d] = pw[:, :, d - 1] * X
        return pw

    def _monos(self, pw: np.ndarray, E: np.ndarray) -> np.ndarray:
        out = pw[:, 0, E[:, 0]]
        for j in range(1, self.N):
            out = out * pw[:, j, E[:, j]]
        return out

    def monomials_and_derivatives(self, X: np.ndarray) -> np.ndarray:
        """``(P, N+1, M)``: monomials, then their partial derivatives ∂_j."""
        pw = self._powers(X)
        mono = self._monos(pw, self._E1) * self._F1
        return mono.reshape(X.shape[0], self.N + 1, self.M)

    def eval(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``f(X)`` (P, E) and the Jacobian (P, E, N) for a specialised system."""
        X = np.atleast_2d(X)
        md = self.monomials_and_derivatives(X.astype(np.result_type(X, self.coef)))
        V = md @ self.coef.T  # (P, N+1, E)
        return V[:, 0, :], np.swapaxes(V[:, 1:, :], 1, 2)

    def rounding_bound(self, X: np.ndarray) -> np.ndarray:
        """Bound on the float rounding error of ``f(X)``, per equation, (P, E)."""
        pw = self._powers(np.abs(X))
        mono = self._monos(pw, self.exps)
        return (self.M + 2 * self.dmax + 2) * _EPS * (mono @ np.abs(self.coef).T)

    def _derivative_tables(self, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Exponents and factors of all k-th partial derivatives of the monomials (cached)."""
        key = (self.exps.tobytes(), self.exps.shape, k)
        if key not in _DERIV_TABLES:
            Es, Fs = [], []
            for js in itertools.product(range(self.N), repeat=k):
                e = self.exps.copy()
                fac = np.ones(self.M)
                for j in js:
                    fac = fac * e[:, j]
                    e[:, j] = np.maximum(e[:, j] - 1, 0)
                Es.append(e)
                Fs.append(fac)
            _DERIV_TABLES[key] = (np.concatenate(Es), np.concatenate(Fs))
        return _DERIV_TABLES[key]

    def higher_derivatives(self, X: np.ndarray) -> list[np.ndarray]:
        """``[D²f/2, D³f/6, ...]`` as tensors (P, E, N, ..., N) up to the degree."""
        X = np.atleast_2d(X).astype(np.result_type(X, self.coef))
        pw = self._powers(X)
        out = []
        N, P = self.N, X.shape[0]
        for k in range(2, self.dmax + 1):
            Ek, Fk = self._derivative_tables(k)
            T = (self._monos(pw, Ek) * Fk).reshape(P, N**k, self.M)
            D = T @ self.coef.T  # (P, N^k, E)
            D = np.moveaxis(D, 2, 1).reshape((P, self.coef.shape[0]) + (N,) * k)
            out.append(D / float(np.prod(range(1, k + 1))))
        return out

    def newton(self, X: np.ndarray, iters: int = 3) -> np.ndarray:
        X = np.array(X, dtype=np.result_type(X, self.coef), copy=True)
        for _ in range(iters):
            F, J = self.eval(X)
            try:
                X = X - np.linalg.solve(J, F[..., None])[..., 0]
            except np.linalg.LinAlgError:
                break
        return X


@dataclass
class AlphaData:
    """α, β, γ at each of a batch of points (vectors of length P)."""

    alpha: np.ndarray
    beta: np.ndarray
    gamma: np.ndarray

    @property
    def certified(self) -> np.ndarray:
        return self.alpha < ALPHA0

    @property
    def radius(self) -> np.ndarray:
        """``‖x − ζ‖ ≤ 2β``: the ball that holds the associated zero."""
        return 2.0 * self.beta


def alpha_data(system: PolySystem, X: np.ndarray) -> AlphaData:
    """β, a γ bound and α at the points X (P, N) of a square system (see module doc)."""
    X = np.atleast_2d(X)
    F, J = system.eval(X)
    err = system.rounding_bound(X)
    P = X.shape[0]
    beta = np.full(P, np.inf)
    gamma = np.full(P, np.inf)
    ok = np.isfinite(J).all(axis=(1, 2)) & np.isfinite(F).all(axis=1)
    if ok.any():
        Jo = J[ok]
        cond = np.linalg.cond(Jo)
        good = cond < 1e13
        idx = np.flatnonzero(ok)[good]
        if idx.size:
            Jinv = np.linalg.inv(J[idx])
            nJinv = np.linalg.norm(Jinv, ord=2, axis=(1, 2)) * (1.0 + 1e-12)
            step = np.einsum("pij,pj->pi", Jinv, F[idx])
            beta[idx] = np.linalg.norm(step, axis=1) + nJinv * np.linalg.norm(err[idx], axis=1)
            g = np.zeros(idx.size)
            for k, D in enumerate(system.higher_derivatives(X[idx]), start=2):
                JD = np.einsum("pie,pe...->pi...", Jinv, D)
                nrm = np.sqrt(np.sum(np.abs(JD) ** 2, axis=tuple(range(1, JD.ndim))))
                g = np.maximum(g, nrm ** (1.0 / (k - 1)))
            gamma[idx] = g * (1.0 + 1e-12)
    return AlphaData(beta * gamma, beta, gamma)


def recheck_alpha(system: PolySystem, x: np.ndarray) -> dict:
    """Independent re-check of an α-certificate for one stored point (recomputed from x)."""
    d = alpha_data(system, np.asarray(x)[None])
    return {
        "alpha": float(d.alpha[0]),
        "beta": float(d.beta[0]),
        "gamma": float(d.gamma[0]),
        "approximate_zero": bool(d.alpha[0] < ALPHA0),
    }


@dataclass
class SolutionCertificate:
    """Certificate for a list of points as distinct zeros of a real square system."""

    alpha: np.ndarray
    beta: np.ndarray
    gamma: np.ndarray
    all_approximate_zeros: bool
    distinct: bool
    min_separation_ratio: float  # min ‖x_i − x_j‖ / (2(β_i + β_j))
    real: np.ndarray  # bool: proven real (conjugate-symmetry argument, list complete)
    nonreal: np.ndarray  # bool: proven non-real (‖Im x‖ > 2β)

    @property
    def reality_decided(self) -> bool:
        return bool(np.all(self.real ^ self.nonreal))

    def to_dict(self) -> dict:
        return {
            "alpha_max": float(np.max(self.alpha)) if self.alpha.size else 0.0,
            "beta_max": float(np.max(self.beta)) if self.beta.size else 0.0,
            "gamma_max": float(np.max(self.gamma)) if self.gamma.size else 0.0,
            **verdict_fields(self),
        }


def verdict_fields(cert) -> dict:
    """The α-theory verdict shared by the single-chart and the mixed-chart certificates."""
    return {
        "alpha0": float(ALPHA0),
        "all_approximate_zeros": cert.all_approximate_zeros,
        "distinct": cert.distinct,
        "min_separation_ratio": cert.min_separation_ratio,
        "n_proven_real": int(cert.real.sum()),
        "n_proven_nonreal": int(cert.nonreal.sum()),
        "reality_decided": cert.reality_decided,
    }


def certify_solutions(system: PolySystem, X: np.ndarray) -> SolutionCertificate:
    """α-certify each point, their distinctness, and which associated zeros are real.

    The real-zero argument assumes the list is complete (all zeros of the system); the caller
    proves completeness (generic root count reached) before using ``real``.
    """
    X = np.atleast_2d(np.asarray(X, dtype=np.complex128))
    P = X.shape[0]
    ad = alpha_data(system, X)
    rad = ad.radius
    all_ok = bool(np.all(ad.certified))
    if P > 1:
        dist = np.linalg.norm(X[:, None, :] - X[None, :, :], axis=2)
        sep = dist / (rad[:, None] + rad[None, :] + 1e-300)
        np.fill_diagonal(sep, np.inf)
        min_sep = float(sep.min())
    else:
        min_sep = float("inf")
    distinct = bool(min_sep > 1.0)
    imag = np.linalg.norm(X.imag, axis=1)
    nonreal = ad.certified & (imag > rad)
    real = np.zeros(P, dtype=bool)
    real_system = not (np.iscomplexobj(system.coef) and np.any(system.coef.imag != 0))
    if real_system and all_ok:
        # conjugate symmetry: ζ̄_i is a zero and lies in B(x̄_i, 2β_i); if that ball meets no
        # other point's ball, ζ̄_i = ζ_i (the list being complete), so ζ_i is real
        dc = np.linalg.norm(np.conj(X)[:, None, :] - X[None, :, :], axis=2)
        clear = dc > rad[:, None] + rad[None, :]
        np.fill_diagonal(clear, True)
        real = ad.certified & clear.all(axis=1)
    return SolutionCertificate(ad.alpha, ad.beta, ad.gamma, all_ok, distinct, min_sep, real,
                               nonreal)
