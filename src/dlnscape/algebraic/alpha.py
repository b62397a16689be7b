"""Polynomial systems in monomial form (vectorised evaluation) and Smale's α-theory, proven.

α-theory (Smale 1986, "Newton's method estimates from data at one point"; Blum–Cucker–Shub–
Smale, *Complexity and Real Computation*, 1998, Ch. 8, Thm 2; Hauenstein–Sottile 2012,
*alphaCertified*, Thm 2.1): for a square polynomial system f and a point x with ``Df(x)``
invertible, let

    β(f, x) = ‖Df(x)⁻¹ f(x)‖,   γ(f, x) = sup_{k≥2} ‖Df(x)⁻¹ D^k f(x) / k!‖^{1/(k−1)},
    α = β γ.

If ``α < α0 = (13 − 3√17)/4 ≈ 0.1577`` (the smaller root of ``2α² − 13α + 2 = 0``), x is an
approximate zero: Newton's iterates converge quadratically to a zero ζ with
``‖x − ζ‖ ≤ 2β(f, x)``. For a polynomial system of total degree d the sup is over
k = 2..d (``D^k f = 0`` for k > d); each operator norm of the symmetric multilinear map
``Df(x)⁻¹ D^k f(x)/k!`` is bounded by the Frobenius norm of its coefficient tensor
(Cauchy–Schwarz), which can only increase γ (a valid bound; Hauenstein–Sottile §3 use the
same kind of bound). Neither β nor γ changes when f is replaced by ``S f`` for an invertible
constant matrix S, so the zeros of an integer system and of any rescaling of it have the
same certificates.

* Distinct zeros: if ``‖x_i − x_j‖ > 2(β_i + β_j)`` the associated zeros differ.
* Non-real zero: if ``‖Im x‖ > 2β(x)`` the ball around x holds no real point.
* Real zero (conjugate symmetry): for a real system ζ̄ is a zero whenever ζ is, and it lies in
  ``B(x̄, 2β(x))``; if that ball meets the ball of no other point of a *complete* certified
  list (as many distinct zeros as the system has), ζ̄ can only be ζ itself, so ζ is real.

What is proven (:func:`certify_solutions`): a vectorised float64 pass (the Newton steps β
and the ball tests on them; :func:`alpha_data` gives the full float α) is only a *filter*;
every point reported certified has passed :func:`rigorous_alpha_data`, which
evaluates f, Df, the Taylor coefficients ``D^k f(x)/k!`` (all k = 2..d), an enclosure of
``Df(x)⁻¹`` (``acb_mat.inv``), β and the γ bound in ball (interval) arithmetic with
python-flint (Arb: Johansson 2017, IEEE Trans. Comput. 66(8)), at the exact float point x and
with the exact (integer or rational) coefficients of the system, and compares the *upper* end
of the α enclosure with the lower end of an enclosure of α0. The ball tests (distinctness,
non-reality, reality) use those upper bounds of β and proven lower bounds of the distances
between the stored float points (floating-point error analysis of the float norms, Higham,
*Accuracy and Stability of Numerical Algorithms*, 2nd ed. 2002, §3.1: a sum of n rounded terms
has relative error at most γ_n = nu/(1 − nu) in modulus, u = 2⁻⁵³).
"""

from __future__ import annotations

import itertools
import math
import time
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

#: α0 = (13 − 3√17)/4 (BCSS 1998, Ch. 8, Thm 2), as a float (for display and the float filter)
ALPHA0 = (13.0 - 3.0 * np.sqrt(17.0)) / 4.0
#: working precision (bits) of the ball arithmetic of the rigorous α-test
RIGOROUS_PREC = 64
#: unit roundoff of float64 (round to nearest)
UNIT_ROUNDOFF = float(np.finfo(np.float64).eps) / 2.0
_U = UNIT_ROUNDOFF
_TINY = 1e-290  # below this a float norm may have underflowed: no lower bound claimed
_DERIV_TABLES: dict = {}
_TAYLOR_TABLES: dict = {}


def alpha0_enclosure(prec: int = RIGOROUS_PREC):
    """A ball (``flint.arb``) containing α0 = (13 − 3√17)/4."""
    import flint

    with flint.ctx.workprec(prec):
        return (13 - 3 * flint.arb(17).sqrt()) / 4


def _integer_valued(a: np.ndarray) -> bool:
    return bool(np.all(np.isfinite(a)) and np.all(a == np.round(a))
                and (a.size == 0 or np.max(np.abs(a)) < 2.0**52))


@dataclass
class PolySystem:
    """``f_e(x) = Σ_m coef[e, m] x^{exps[m]}``, vectorised over a batch of points.

    ``exact`` (optional, shape (E, M)): exact coefficients (Python ``int``/``Fraction`` or
    int64) of a system ``S f`` with the same zeros (S an invertible constant matrix, e.g. the
    float system scaled back to integers); the rigorous α-test certifies that system. When it
    is None, the float coefficients ``coef`` themselves are taken as exact.
    """

    exps: np.ndarray  # (M, N) int
    coef: np.ndarray  # (E, M) float or complex, or (K, E, M) for a parametric family
    exact: np.ndarray | None = None
    _plans: dict = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.exps = np.asarray(self.exps, dtype=np.int64)
        M, N = self.exps.shape
        self.N = N
        self.M = M
        self.dmax = int(self.exps.max()) if M else 0  # largest exponent of one variable
        self.degree = int(self.exps.sum(axis=1).max()) if M else 0  # total degree
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
    def from_polys(cls, polys: list[dict], nvars: int, dtype=np.complex128,
                   exact: bool = False) -> PolySystem:
        """From dict polynomials; ``exact=True`` keeps the (int/Fraction) coefficients exactly
        in ``exact`` as well (the system the rigorous α-test certifies)."""
        keys = sorted({e for p in polys for e in p})
        if not keys:
            keys = [(0,) * nvars]
        idx = {e: i for i, e in enumerate(keys)}
        first = next((c for p in polys for c in p.values()), 0)
        ex = None
        if isinstance(first, np.ndarray):  # parametric: coefficients are vectors
            K = first.shape[0]
            coef = np.zeros((K, len(polys), len(keys)))
            for e_i, p in enumerate(polys):
                for e, c in p.items():
                    coef[:, e_i, idx[e]] = c
        else:
            coef = np.zeros((len(polys), len(keys)), dtype=dtype)
            if exact:
                ex = np.zeros((len(polys), len(keys)), dtype=object)
            for e_i, p in enumerate(polys):
                for e, c in p.items():
                    coef[e_i, idx[e]] = complex(c) if dtype == np.complex128 else float(c)
                    if exact:
                        if not isinstance(c, (int, np.integer, Fraction)):
                            raise TypeError(
                                f"exact=True: expected int/Fraction coefficients, got {c!r}")
                        ex[e_i, idx[e]] = Fraction(c) if isinstance(c, Fraction) else int(c)
        return cls(np.array(keys, dtype=np.int64).reshape(len(keys), nvars), coef, ex)

    def specialize(self, p: np.ndarray, exact_p: np.ndarray | None = None) -> PolySystem:
        """Coefficients ``Σ_k p_k coef[k]`` of a parametric family. ``exact_p``: an exact
        (integer, object or int64) parameter vector proportional to ``p``; the specialised
        system then carries its exact coefficients ``Σ_k exact_p_k coef[k]``."""
        out = PolySystem(self.exps, np.tensordot(p, self.coef, axes=(0, 0)))
        if exact_p is not None:
            out.exact = self._exact_combination(exact_p)
        return out

    def _exact_combination(self, q) -> np.ndarray:
        fam = self.coef
        if "integer_family" not in self._plans:
            self._plans["integer_family"] = _integer_valued(fam)
        if not self._plans["integer_family"]:
            raise ValueError("exact specialisation needs an integer-valued family")
        q = np.asarray(q, dtype=object)
        qi = np.empty(q.shape, dtype=object)
        for i, v in enumerate(q):
            if isinstance(v, (int, np.integer)):
                qi[i] = int(v)
            elif isinstance(v, Fraction) and v.denominator == 1:
                qi[i] = v.numerator
            else:
                raise ValueError("exact_p: expected integer entries (scale by a common "
                                 f"denominator), got {v!r}")
        famax = float(np.max(np.abs(fam))) if fam.size else 0.0
        qmax = float(max((abs(int(v)) for v in qi), default=0))
        if qmax * famax * fam.shape[0] < 2.0**62:  # int64 is exact: no partial sum overflows
            return np.tensordot(qi.astype(np.int64), fam.astype(np.int64), axes=(0, 0))
        famo = fam.astype(np.int64).astype(object)
        return np.tensordot(qi, famo, axes=(0, 0))

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
        """``[D²f/2!, D³f/3!, ..., D^d f/d!]`` as full tensors (P, E, N, ..., N), d the total
        degree (reference implementation; :meth:`taylor_coefficients` is the compact form)."""
        X = np.atleast_2d(X).astype(np.result_type(X, self.coef))
        pw = self._powers(X)
        out = []
        N, P = self.N, X.shape[0]
        for k in range(2, self.degree + 1):
            Ek, Fk = self._derivative_tables(k)
            T = (self._monos(pw, Ek) * Fk).reshape(P, N**k, self.M)
            D = T @ self.coef.T  # (P, N^k, E)
            D = np.moveaxis(D, 2, 1).reshape((P, self.coef.shape[0]) + (N,) * k)
            out.append(D / float(math.factorial(k)))
        return out

    def taylor_tables(self, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Multi-indices ``b`` (|b| = k) that occur, and for ``(b, m)`` the exponent
        ``a_m − b`` and factor ``binom(a_m, b)`` (0 when b ≰ a_m), and the Frobenius weights
        ``b!/k!``: ``D^k f(x)/k! [h^k] = Σ_b c_b h^b`` with
        ``c_b = Σ_m coef_m binom(a_m, b) x^{a_m − b}`` and
        ``‖D^k f(x)/k!‖_F² = Σ_b (b!/k!) |c_b|²`` (cached)."""
        key = (self.exps.tobytes(), self.exps.shape, k)
        if key not in _TAYLOR_TABLES:
            bs = sorted({b for a in map(tuple, self.exps)
                         for b in _sub_indices(a, k)}, reverse=True)
            B = np.array(bs, dtype=np.int64).reshape(len(bs), self.N)
            E = np.empty((len(bs), self.M, self.N), dtype=np.int64)
            F = np.zeros((len(bs), self.M))
            for i, b in enumerate(B):
                d = self.exps - b
                ok = (d >= 0).all(axis=1)
                E[i] = np.maximum(d, 0)
                F[i] = np.where(ok, np.prod([[math.comb(int(a), int(c)) if a >= c else 0
                                              for a, c in zip(row, b, strict=True)]
                                             for row in self.exps], axis=1), 0)
            w = np.array([np.prod([math.factorial(int(c)) for c in b]) / math.factorial(k)
                          for b in B]) if len(bs) else np.zeros(0)
            _TAYLOR_TABLES[key] = (B, E.reshape(-1, self.N), F.reshape(-1), w)
        return _TAYLOR_TABLES[key]

    def taylor_coefficients(self, X: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """``(C, w)``: ``C[p, e, b]`` the coefficients of ``D^k f_e(x_p)/k!`` on the
        multi-indices of :meth:`taylor_tables` and ``w`` their Frobenius weights."""
        X = np.atleast_2d(X).astype(np.result_type(X, self.coef))
        B, Ek, Fk, w = self.taylor_tables(k)
        pw = self._powers(X)
        T = (self._monos(pw, Ek) * Fk).reshape(X.shape[0], len(B), self.M)
        return np.swapaxes(T @ self.coef.T, 1, 2), w

    def level_is_constant(self, k: int) -> bool:
        """True when ``D^k f/k!`` does not depend on x (every ``a_m − b`` is 0 where used)."""
        _B, Ek, Fk, _w = self.taylor_tables(k)
        return bool(np.all(Ek[Fk != 0] == 0))

    def newton(self, X: np.ndarray, iters: int = 3) -> np.ndarray:
        X = np.array(X, dtype=np.result_type(X, self.coef), copy=True)
        for _ in range(iters):
            F, J = self.eval(X)
            try:
                X = X - np.linalg.solve(J, F[..., None])[..., 0]
            except np.linalg.LinAlgError:
                break
        return X

    # -- exact coefficients -----------------------------------------------------------------
    def exact_coefficients(self) -> np.ndarray:
        """The coefficients certified by the rigorous α-test (see the class doc)."""
        if self.exact is not None:
            return np.asarray(self.exact)
        if self.coef.ndim != 2:
            raise ValueError("a parametric family has no coefficients: specialise it first")
        return self.coef

    def is_real(self) -> bool:
        c = self.exact_coefficients()
        if c.dtype == object:
            return not any(isinstance(v, complex) and v.imag != 0 for v in c.ravel())
        return not (np.iscomplexobj(c) and np.any(c.imag != 0))


def _sub_indices(a: tuple[int, ...], k: int):
    """All multi-indices b ≤ a with |b| = k."""
    for b in itertools.product(*[range(min(ai, k) + 1) for ai in a]):
        if sum(b) == k:
            yield b


@dataclass
class AlphaData:
    """α, β, γ at each of a batch of points (vectors of length P).

    ``rigorous``: the numbers are upper bounds proven in ball arithmetic and ``approximate``
    holds the proven verdict ``α < α0``; otherwise they are float64 estimates (a filter)."""

    alpha: np.ndarray
    beta: np.ndarray
    gamma: np.ndarray
    rigorous: bool = False
    approximate: np.ndarray | None = None
    seconds: float = 0.0

    @property
    def certified(self) -> np.ndarray:
        if self.approximate is not None:
            return self.approximate
        return self.alpha < ALPHA0

    @property
    def radius(self) -> np.ndarray:
        """``‖x − ζ‖ ≤ 2β``: the ball that holds the associated zero."""
        return 2.0 * self.beta


def _check_points(system: PolySystem, X: np.ndarray) -> np.ndarray:
    """X as a (P, N) array for a square system; bad input raises (never a silent False)."""
    from dlnscape.errors import ShapeError

    X = np.atleast_2d(np.asarray(X))
    if X.ndim != 2 or X.shape[1] != system.N:
        raise ShapeError(f"X: expected points of shape (P, {system.N}), got {X.shape}")
    E = system.coef.shape[-2] if system.coef.ndim >= 2 else 0
    if system.coef.ndim != 2 or E != system.N:
        raise ShapeError(f"system: expected a square specialised system (N equations in N "
                         f"unknowns), got coefficients of shape {system.coef.shape}")
    return X


def alpha_data(system: PolySystem, X: np.ndarray) -> AlphaData:
    """Float64 estimates of β, the γ bound (all k = 2..total degree) and α at the points X
    (P, N): the vectorised *filter* before :func:`rigorous_alpha_data` (see module doc)."""
    X = _check_points(system, X)
    F, J = system.eval(X)
    P = X.shape[0]
    beta = np.full(P, np.inf)
    gamma = np.full(P, np.inf)
    ok = np.isfinite(J).all(axis=(1, 2)) & np.isfinite(F).all(axis=1)
    if ok.any():
        Jo = J[ok]
        with np.errstate(all="ignore"):
            cond = np.linalg.cond(Jo)
        good = cond < 1e13
        idx = np.flatnonzero(ok)[good]
        if idx.size:
            Jinv = np.linalg.inv(J[idx])
            step = np.einsum("pij,pj->pi", Jinv, F[idx])
            beta[idx] = np.linalg.norm(step, axis=1)
            g = np.zeros(idx.size)
            for k in range(2, system.degree + 1):
                if system.level_is_constant(k):  # e.g. the top degree: one evaluation
                    C, w = system.taylor_coefficients(X[idx[:1]], k)
                else:
                    C, w = system.taylor_coefficients(X[idx], k)  # (p, E, nb)
                JC = Jinv @ C
                nrm = np.sqrt(np.einsum("pib,b->p", np.abs(JC) ** 2, w))
                g = np.maximum(g, nrm ** (1.0 / (k - 1)))
            gamma[idx] = g
    with np.errstate(invalid="ignore"):
        alpha = beta * gamma
    alpha = np.where(np.isnan(alpha), np.inf, alpha)
    return AlphaData(alpha, beta, gamma)


def _beta_filter(system: PolySystem, X: np.ndarray) -> AlphaData:
    """Float64 Newton steps β = ‖Df⁻¹ f‖ only (γ, α left at 0/unknown): the cheap filter
    in front of the proven test."""
    F, J = system.eval(X)
    P = X.shape[0]
    beta = np.full(P, np.inf)
    ok = np.isfinite(J).all(axis=(1, 2)) & np.isfinite(F).all(axis=1)
    if ok.any():
        try:
            beta[ok] = np.linalg.norm(np.linalg.solve(J[ok], F[ok][..., None])[..., 0], axis=1)
        except np.linalg.LinAlgError:
            for i in np.flatnonzero(ok):
                try:
                    beta[i] = np.linalg.norm(np.linalg.solve(J[i], F[i]))
                except np.linalg.LinAlgError:
                    pass
    fin = np.isfinite(beta)
    return AlphaData(np.where(fin, 0.0, np.inf), beta, np.zeros(P), False, fin)


# ------------------------------------------------------------------------------------------
# the rigorous α-test (ball arithmetic, python-flint)
def _to_flint_scalar(v):
    import flint

    if isinstance(v, Fraction):
        return flint.fmpq(v.numerator, v.denominator)
    if isinstance(v, (int, np.integer)):
        return int(v)
    if isinstance(v, (complex, np.complexfloating)):
        return flint.acb(float(v.real), float(v.imag))
    return float(v)


class _Structure:
    """Per monomial support (cached): the sub-monomials ``a_m − b`` and, per level
    k = 0..d, the integer tensor ``S_k[m, b, u] = binom(a_m, b)`` where ``a_m − b`` is
    sub-monomial u, so that ``C_k(x)[e, b] = Σ_{m,u} coef[e, m] S_k[m, b, u] x^u``."""

    def __init__(self, exps: np.ndarray, degree: int, tables) -> None:
        M, N = exps.shape
        subs_set = {tuple(int(v) for v in a) for a in exps}
        raw = []
        for k in range(0, degree + 1):
            if k == 0:
                B = np.zeros((1, N), dtype=np.int64)
            elif k == 1:
                B = np.eye(N, dtype=np.int64)
            else:
                B = tables(k)[0]
            ent = []
            for bi, b in enumerate(B):
                for m, a in enumerate(exps):
                    dlt = a - b
                    if (dlt >= 0).all():
                        fac = math.prod(math.comb(int(x), int(y)) for x, y in zip(a, b,
                                                                                   strict=True))
                        s = tuple(int(v) for v in dlt)
                        subs_set.add(s)
                        ent.append((m, bi, s, fac))
            raw.append((B, ent))
        # close under "remove one factor" so each sub-monomial is a parent times a variable
        todo = list(subs_set)
        while todo:
            e = todo.pop()
            if sum(e) == 0:
                continue
            j = next(i for i, v in enumerate(e) if v > 0)
            q = list(e)
            q[j] -= 1
            q = tuple(q)
            if q not in subs_set:
                subs_set.add(q)
                todo.append(q)
        self.subs = sorted(subs_set, key=lambda e: (sum(e), e))
        sidx = {e: i for i, e in enumerate(self.subs)}
        self.parent = []
        for e in self.subs:
            if sum(e) == 0:
                self.parent.append(None)
                continue
            j = next(i for i, v in enumerate(e) if v > 0)
            q = list(e)
            q[j] -= 1
            self.parent.append((sidx[tuple(q)], j))
        self.levels = []  # (B, column ids into subs, S (M, nb, U_k) int64, constant?)
        for B, ent in raw:
            cols = sorted({s for (_m, _bi, s, _f) in ent}, key=lambda e: sidx[e])
            cidx = {s: i for i, s in enumerate(cols)}
            S = np.zeros((M, len(B), max(len(cols), 1)), dtype=np.int64)
            for m, bi, s, fac in ent:
                S[m, bi, cidx[s]] += fac
            self.levels.append((B, [sidx[s] for s in cols], S,
                                cols == [tuple([0] * N)] or not cols))


_STRUCTURES: dict = {}


@dataclass
class _RigorousPlan:
    """Per system: for each level k, ``L_k`` (E·nb_k × U_k) with ``C_k(x) = L_k · u_k(x)``,
    or the evaluated constant level; ``grams[k] = Σ_b (b!/k!) c_b c_bᴴ`` for constant
    levels k ≥ 2 (``b!/k!`` the Frobenius weights of :meth:`PolySystem.taylor_tables`)."""

    st: _Structure
    mats: list  # per level: acb_mat L_k or None
    const: dict  # k -> acb_mat (E × nb_k) (levels 0, 1 only)
    grams: dict  # k ≥ 2 -> acb_mat E × E
    wsqrt: dict  # k ≥ 2 -> [sqrt(b!/k!)] (arb)
    quads: dict  # k ≥ 2 (non-constant) -> L_kᴴ L_k (U_k × U_k)
    E: int


def _exact_matrix(coefs: np.ndarray, S: np.ndarray) -> np.ndarray:
    """``coefs (E, M) · S (M, nb·U)`` exactly: int64 when provably no overflow, else Python
    objects (ints/Fractions; floats converted to Fractions, complex split)."""
    M = S.shape[0]
    S2 = S.reshape(M, -1)
    if coefs.dtype != object and np.issubdtype(coefs.dtype, np.integer):
        bound = float(np.max(np.abs(coefs), initial=0)) * float(np.max(np.abs(S2), initial=0)) \
            * M
        if bound < 2.0**62:
            return coefs.astype(np.int64) @ S2
    if coefs.dtype == object:
        co = coefs
    elif np.iscomplexobj(coefs):
        co = np.vectorize(lambda z: (Fraction(float(z.real)), Fraction(float(z.imag))),
                          otypes=[object])(coefs)
        re = np.vectorize(lambda t: t[0], otypes=[object])(co)
        im = np.vectorize(lambda t: t[1], otypes=[object])(co)
        return (re @ S2.astype(object), im @ S2.astype(object))
    elif np.issubdtype(coefs.dtype, np.integer):
        co = coefs.astype(object)
    else:
        co = np.vectorize(lambda z: Fraction(float(z)), otypes=[object])(coefs)
    return co @ S2.astype(object)


def _flint_entries(L, scales=None) -> list:
    """Flat list of flint scalars of an exact matrix (or a (re, im) pair), rows scaled by
    ``scales`` (arb) when given."""
    import flint

    if isinstance(L, tuple):
        re, im = L
        vals = [flint.acb(flint.arb(_to_flint_scalar(a)), flint.arb(_to_flint_scalar(b)))
                for a, b in zip(re.ravel().tolist(), im.ravel().tolist(), strict=True)]
        ncol = re.shape[1]
    else:
        vals = L.ravel().tolist()  # int64 → Python ints (exact); objects converted below
        if L.dtype == object:
            vals = [_to_flint_scalar(v) for v in vals]
        ncol = L.shape[1]
    if scales is not None:
        vals = [v * scales[i // ncol] for i, v in enumerate(vals)]
    return vals


def _plan(system: PolySystem, prec: int) -> _RigorousPlan:
    import flint

    key = ("rigorous", prec)
    if key in system._plans:
        return system._plans[key]
    skey = (system.exps.tobytes(), system.exps.shape)
    if skey not in _STRUCTURES:
        _STRUCTURES[skey] = _Structure(system.exps, system.degree, system.taylor_tables)
    st = _STRUCTURES[skey]
    coefs = system.exact_coefficients()
    if coefs.dtype != object and not np.all(np.isfinite(coefs)):
        raise ValueError("system: the coefficients are not all finite")
    E = coefs.shape[0]
    mats, const, grams, wsqrt, quads = [], {}, {}, {}, {}
    with flint.ctx.workprec(prec):
        for k, (B, _col_ids, S, is_const) in enumerate(st.levels):
            nb = len(B)
            L = _exact_matrix(coefs, S)  # (E, nb·U)
            U = S.shape[2]
            if isinstance(L, tuple):
                L = tuple(v.reshape(E * nb, U) for v in L)
            else:
                L = L.reshape(E * nb, U)
            if k >= 2:
                wsqrt[k] = [(flint.arb(math.prod(math.factorial(int(c)) for c in b))
                             / math.factorial(k)).sqrt() for b in B]  # sqrt(b!/k!)
            if is_const:  # u ≡ 1: evaluate once
                scales = [wsqrt[k][i % nb] for i in range(E * nb)] if k >= 2 else None
                Ck = _reshape(flint.acb_mat(E * nb, U, _flint_entries(L, scales)), E, nb)
                if k >= 2:
                    grams[k] = Ck * Ck.conjugate().transpose()
                else:
                    const[k] = Ck
                mats.append(None)
            else:  # unweighted: the weights b!/k! ≤ 1 are applied where the bound needs them
                Lm = flint.acb_mat(E * nb, U, _flint_entries(L))
                mats.append(Lm)
                if k >= 2:  # ‖C_k(x)‖_F² = u_kᴴ (L_kᴴ L_k) u_k
                    quads[k] = Lm.conjugate().transpose() * Lm
    plan = _RigorousPlan(st, mats, const, grams, wsqrt, quads, E)
    system._plans[key] = plan
    return plan


def _reshape(col, rows: int, cols: int):
    import flint

    return flint.acb_mat(rows, cols, col.entries())


def _scale_columns(Mx, scales):
    import flint

    ent = Mx.entries()
    nc = Mx.ncols()
    return flint.acb_mat(Mx.nrows(), nc, [v * scales[i % nc] for i, v in enumerate(ent)])


def _up(a) -> float:
    """A float ≥ every point of the real ball ``a`` (inf when unbounded)."""
    if not a.is_finite():
        return math.inf
    return float(np.nextafter(float(a.upper()), np.inf))


def rigorous_alpha_data(system: PolySystem, X: np.ndarray,
                        prec: int = RIGOROUS_PREC) -> AlphaData:
    """Proven upper bounds of β, γ and α at the float points X (P, N) of the exact system
    (``system.exact_coefficients()``), in ball arithmetic (python-flint ``acb``/``acb_mat``):
    f(x), Df(x) and ``D^k f(x)/k!`` (k = 2..d) are enclosed at the exact float point x,
    ``Df(x)⁻¹`` is enclosed by ``acb_mat.inv``, β² = ‖Df⁻¹f‖², and the Frobenius bound
    ``‖Df⁻¹ D^k f/k!‖_F² = trace(Df⁻ᴴ Df⁻¹ Γ_k)`` with ``Γ_k = Σ_b (b!/k!) c_b c_bᴴ``
    (or the cruder ``‖Df⁻¹‖_F² ‖D^k f/k!‖_F²`` first, when it already proves α < α0).
    ``approximate[p]`` is True only when ``upper(α) < lower(α0)`` is proven. A point where
    Df(x) is not provably invertible gets β = γ = α = inf (not certified)."""
    import flint

    t0 = time.perf_counter()
    X = _check_points(system, np.asarray(X, dtype=np.complex128))
    P = X.shape[0]
    plan = _plan(system, prec)
    st = plan.st
    alpha = np.full(P, np.inf)
    beta = np.full(P, np.inf)
    gamma = np.full(P, np.inf)
    approx = np.zeros(P, dtype=bool)
    E, d = plan.E, system.degree
    nbs = [len(lv[0]) for lv in st.levels]
    with flint.ctx.workprec(prec):
        a0 = (13 - 3 * flint.arb(17).sqrt()) / 4
        zero = flint.arb(0)
        for p in range(P):
            x = X[p]
            if not np.all(np.isfinite(x)):
                continue
            xs = [flint.acb(float(v.real), float(v.imag)) for v in x]
            u = []
            for par in st.parent:
                u.append(flint.acb(1) if par is None else u[par[0]] * xs[par[1]])
            C, Us = {}, {}
            for k, Lm in enumerate(plan.mats):
                if Lm is None:
                    continue
                col_ids = st.levels[k][1]
                uk = flint.acb_mat(len(col_ids), 1, [u[i] for i in col_ids])
                if k <= 1:
                    C[k] = _reshape(Lm * uk, E, nbs[k]) if k == 1 else Lm * uk  # J: E × N
                else:
                    Us[k] = uk  # C_k = L_k u_k only if the contracted bound is needed
            f = C[0] if 0 in C else plan.const[0]
            J = C[1] if 1 in C else plan.const[1]
            try:
                Ji = J.inv()
            except ZeroDivisionError:  # Df(x) not provably invertible: no certificate
                continue
            v = Ji * f
            b2 = (v.conjugate().transpose() * v)[0, 0].real
            b_up = flint.arb(b2.upper()).sqrt()
            K = Ji.conjugate().transpose() * Ji  # trace(Ji Γ Jiᴴ) = trace(K Γ)
            nJi2 = None
            g_up = zero
            for contracted in (False, True):
                # first the cheap bound ‖Df⁻¹ C‖_F ≤ ‖Df⁻¹‖_F ‖C‖_F for the levels that
                # depend on x (a vector norm, no reshaping); the contracted Frobenius bound
                # only when the cheap one does not prove α < α0
                g_up = zero
                for k in range(2, d + 1):
                    if k in plan.grams:
                        t = (K * plan.grams[k]).trace().real
                    elif contracted:
                        Cs = _scale_columns(_reshape(plan.mats[k] * Us[k], E, nbs[k]),
                                            plan.wsqrt[k])
                        t = (K * (Cs * Cs.conjugate().transpose())).trace().real
                    else:  # Σ_b (b!/k!)|c_b|² ≤ Σ_b |c_b|²: the weights are ≤ 1
                        if nJi2 is None:
                            nJi2 = K.trace().real
                        uk = Us[k]
                        t = nJi2 * (uk.conjugate().transpose() * plan.quads[k] * uk)[0, 0].real
                    t_up = flint.arb(t.upper())
                    if t_up > 0:
                        gk = t_up.root(2 * (k - 1))
                        g_up = max(g_up, flint.arb(gk.upper()))
                a_up = b_up * g_up
                if a_up < a0 or all(k in plan.grams for k in range(2, d + 1)):
                    break
            beta[p] = _up(b_up)
            gamma[p] = _up(g_up)
            alpha[p] = _up(a_up)
            approx[p] = bool(a_up < a0)
    return AlphaData(alpha, beta, gamma, True, approx, time.perf_counter() - t0)


def recheck_alpha(system: PolySystem, x: np.ndarray) -> dict:
    """Independent re-check of an α-certificate for one stored point: proven upper bounds
    recomputed from x in ball arithmetic (:func:`rigorous_alpha_data`)."""
    d = rigorous_alpha_data(system, np.asarray(x)[None])
    return {
        "alpha": float(d.alpha[0]),
        "beta": float(d.beta[0]),
        "gamma": float(d.gamma[0]),
        "approximate_zero": bool(d.certified[0]),
        "rigorous": True,
    }


# ------------------------------------------------------------------------------------------
# proven bounds on distances between stored float points (Higham 2002, §3.1)
def _norm_factor(ncomplex: int) -> float:
    """Relative error bound of a float64 2-norm of ``ncomplex`` complex entries (each
    entry a rounded difference at most): 2n squares summed, one square root, with slack."""
    return (2 * ncomplex + 8) * _U


def norm_lower(V: np.ndarray) -> np.ndarray:
    """Proven lower bounds of ‖v‖ for the rows of a float array (last axis)."""
    V = np.asarray(V)
    n = np.linalg.norm(V, axis=-1)
    lo = n * (1.0 - _norm_factor(V.shape[-1]))
    return np.where(n > _TINY, lo, 0.0)


def norm_upper(V: np.ndarray) -> np.ndarray:
    """Proven upper bounds of ‖v‖ for the rows of a float array (last axis)."""
    V = np.asarray(V)
    n = np.linalg.norm(V, axis=-1)
    return n * (1.0 + _norm_factor(V.shape[-1])) + _TINY


def distance_lower(X: np.ndarray, Y: np.ndarray) -> np.ndarray:
    """Proven lower bounds of ‖x_i − y_j‖ (P, Q) for exact float points X (P, K), Y (Q, K)
    (the rounding of the differences is inside the bound of :func:`_norm_factor`)."""
    D = np.linalg.norm(X[:, None, :] - Y[None, :, :], axis=2)
    lo = D * (1.0 - _norm_factor(X.shape[1]))
    return np.where(D > _TINY, lo, 0.0)


def _sum_upper(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Upper bound of a + b for nonnegative floats (one rounding)."""
    return (a + b) * (1.0 + 2 * _U)


def pair_conjugates(X: np.ndarray, rtol: float = 1e-6) -> tuple[np.ndarray, np.ndarray]:
    """Make approximate conjugate pairs exact: ``x_j := conj(x_i)`` (i < j) when x_j is the
    nearest point to conj(x_i) and vice versa, closer than ``rtol``·(1 + ‖x‖), and neither is
    (nearly) real.
    Returns the new points and ``partner`` (j for i, i for j, −1 otherwise). For a real
    system the α-data of conj(x) equal those of x, so only one of a pair is evaluated; the
    claims about the returned points are then checked as usual."""
    X = np.array(X, dtype=np.complex128, copy=True)
    P = X.shape[0]
    partner = np.full(P, -1)
    if P < 2:
        return X, partner
    with np.errstate(all="ignore"):
        D = np.linalg.norm(np.conj(X)[:, None, :] - X[None, :, :], axis=2)
    D = np.where(np.isfinite(D), D, np.inf)
    np.fill_diagonal(D, np.inf)
    nn = np.argmin(D, axis=1)
    Xf = np.where(np.isfinite(X), X, 0)
    scale = 1.0 + np.linalg.norm(Xf, axis=1)
    nonreal = np.linalg.norm(Xf.imag, axis=1) > rtol * scale  # real points stay as they are
    for i in range(P):
        j = nn[i]
        if j > i and nn[j] == i and D[i, j] < rtol * scale[i] and nonreal[i] and \
                nonreal[j] and partner[i] < 0 and partner[j] < 0:
            X[j] = np.conj(X[i])
            partner[i], partner[j] = j, i
    return X, partner


@dataclass
class SolutionCertificate:
    """Certificate for a list of points as distinct zeros of a real square system.

    ``rigorous``: the α-data are proven bounds (ball arithmetic) and every flag below was
    decided from them; when False (the float filter failed somewhere) no flag is a proof and
    at least one of ``all_approximate_zeros``/``distinct`` is False."""

    alpha: np.ndarray
    beta: np.ndarray
    gamma: np.ndarray
    all_approximate_zeros: bool
    distinct: bool
    min_separation_ratio: float  # min lower(‖x_i − x_j‖) / upper(2(β_i + β_j))
    real: np.ndarray  # bool: proven real (conjugate-symmetry argument, list complete)
    nonreal: np.ndarray  # bool: proven non-real (‖Im x‖ > 2β)
    rigorous: bool = False
    complete: bool = False  # the list has as many distinct zeros as the system has
    X: np.ndarray | None = None  # the points certified (conjugate pairs made exact)
    seconds_rigorous: float = 0.0
    n_rigorous_evaluations: int = 0
    float_filter_passed: bool = False

    @property
    def reality_decided(self) -> bool:
        return bool(np.all(self.real ^ self.nonreal))

    @property
    def proven(self) -> bool:
        """All points proven approximate zeros of distinct zeros, reality of each proven."""
        return bool(self.rigorous and self.all_approximate_zeros and self.distinct
                    and self.reality_decided)

    def to_dict(self) -> dict:
        return {
            "alpha_max": float(np.max(self.alpha)) if self.alpha.size else 0.0,
            "beta_max": float(np.max(self.beta)) if self.beta.size else 0.0,
            "gamma_max": float(np.max(self.gamma)) if self.gamma.size else 0.0,
            **verdict_fields(self),
            "complete": self.complete,
            "seconds_rigorous": self.seconds_rigorous,
            "n_rigorous_evaluations": self.n_rigorous_evaluations,
        }


def verdict_fields(cert) -> dict:
    """The α-theory verdict shared by the single-chart and the mixed-chart certificates."""
    return {
        "alpha0": float(ALPHA0),
        "arithmetic": (f"ball arithmetic (python-flint acb, {RIGOROUS_PREC} bits), all "
                       f"derivative orders" if cert.rigorous else "float64 filter only"),
        "rigorous": cert.rigorous,
        "all_approximate_zeros": cert.all_approximate_zeros,
        "distinct": cert.distinct,
        "min_separation_ratio": cert.min_separation_ratio,
        "n_proven_real": int(cert.real.sum()),
        "n_proven_nonreal": int(cert.nonreal.sum()),
        "reality_decided": cert.reality_decided,
    }


def ball_verdicts(points: np.ndarray, radius: np.ndarray, ok: np.ndarray,
                  complete_count: int | None, real_system: bool
                  ) -> tuple[bool, float, np.ndarray, np.ndarray, bool]:
    """The ball tests on exact float ``points`` (P, K) with proven radii ``radius`` (upper
    bounds of ‖point − zero‖) and the proven α-verdicts ``ok``: distinctness, non-reality,
    and reality by conjugate symmetry when the list is complete (``P == complete_count``,
    all approximate zeros, distinct). Returns (distinct, min ratio, real, nonreal, complete)."""
    P = points.shape[0]
    if P > 1:
        lo = distance_lower(points, points)
        rr = _sum_upper(radius[:, None], radius[None, :])
        with np.errstate(divide="ignore", invalid="ignore"):
            sep = np.where(rr > 0, lo / rr, np.inf)
        np.fill_diagonal(sep, np.inf)
        sep = np.where(np.isnan(sep), 0.0, sep)
        min_sep = float(sep.min())
        distinct = bool(np.all(lo[~np.eye(P, dtype=bool)] > rr[~np.eye(P, dtype=bool)]))
    else:
        min_sep = float("inf")
        distinct = True
    distinct = distinct and bool(np.all(np.isfinite(radius)))
    nonreal = ok & (norm_lower(points.imag) > radius)
    real = np.zeros(P, dtype=bool)
    complete = bool(complete_count is not None and P == complete_count and ok.all()
                    and distinct)
    if real_system and complete:
        # conjugate symmetry: ζ̄_i is a zero and lies in B(x̄_i, 2β_i); if that ball meets no
        # other point's ball, ζ̄_i = ζ_i (the list being complete), so ζ_i is real
        dc = distance_lower(np.conj(points), points)
        clear = dc > _sum_upper(radius[:, None], radius[None, :])
        np.fill_diagonal(clear, True)
        real = ok & clear.all(axis=1) & ~nonreal
    return distinct, min_sep, real, nonreal, complete


def certify_solutions(system: PolySystem, X: np.ndarray, n_zeros: int | None = None,
                      rigorous: bool = True) -> SolutionCertificate:
    """α-certify each point, their distinctness, and which associated zeros are real.

    ``n_zeros``: the number of zeros the system has (at most), e.g. the generic root count
    of a parametric family (Morgan–Sommese) or msolve's exact count. The real-zero argument
    needs the list to be complete, so reality is decided only when ``len(X) == n_zeros`` and
    all points are certified distinct approximate zeros; with ``n_zeros=None`` no point is
    proven real. The float pass filters; only when it passes are all points certified in
    ball arithmetic (``rigorous=False`` stops after the filter: nothing is then proven).
    Approximate conjugate pairs are made exact first (:func:`pair_conjugates`); the returned
    certificate holds the points it is about (``X``).
    """
    X = _check_points(system, np.asarray(X, dtype=np.complex128))
    P = X.shape[0]
    real_system = system.is_real()
    partner = np.full(P, -1)
    if real_system:
        X, partner = pair_conjugates(X)
    with np.errstate(all="ignore"):
        # the filter: float α (rigorous=False: all that is computed), or only the Newton
        # steps β (finite, balls disjoint) before the proven test, which decides α itself
        fl = alpha_data(system, X) if not rigorous else _beta_filter(system, X)
    fl_ok = fl.certified
    f_distinct, f_sep, _r, _n, _c = ball_verdicts(X, 2.0 * fl.beta, fl_ok, None, real_system)
    passed = bool(fl_ok.all()) and f_distinct
    if rigorous and not passed:  # report the float α-data of the failure (nothing proven)
        with np.errstate(all="ignore"):
            fl = alpha_data(system, X)
        fl_ok = fl.certified
        f_distinct, f_sep, _r, _n, _c = ball_verdicts(X, 2.0 * fl.beta, fl_ok, None,
                                                      real_system)
    if not (rigorous and passed):
        return SolutionCertificate(fl.alpha, fl.beta, fl.gamma, bool(fl_ok.all()),
                                   f_distinct, f_sep, np.zeros(P, bool), np.zeros(P, bool),
                                   False, False, X, 0.0, 0, passed)
    reps = np.flatnonzero((partner < 0) | (partner > np.arange(P)))
    rd = rigorous_alpha_data(system, X[reps])
    alpha = np.full(P, np.inf)
    beta = np.full(P, np.inf)
    gamma = np.full(P, np.inf)
    ok = np.zeros(P, dtype=bool)
    alpha[reps], beta[reps], gamma[reps], ok[reps] = rd.alpha, rd.beta, rd.gamma, rd.certified
    twins = np.flatnonzero((partner >= 0) & (partner < np.arange(P)))
    src = partner[twins]  # x_twin = conj(x_src) exactly: same α-data for a real system
    alpha[twins], beta[twins], gamma[twins], ok[twins] = (alpha[src], beta[src], gamma[src],
                                                          ok[src])
    radius = 2.0 * beta  # exact doubling of an upper bound
    distinct, min_sep, real, nonreal, complete = ball_verdicts(X, radius, ok, n_zeros,
                                                               real_system)
    return SolutionCertificate(alpha, beta, gamma, bool(ok.all()), distinct, min_sep, real,
                               nonreal, True, complete, X, rd.seconds, int(reps.size), True)
