"""Polynomial critical equations of a quadratic loss on the rank-r stratum of M_r.

Every quadratic loss on ``W ∈ R^{m×n}`` has ``∇l(W) = c · mat(G vec(W) − g)`` with a symmetric
``G`` (row-major ``vec``) and a constant ``c > 0``; the critical points of l on the smooth part
of ``M_r`` (rank exactly r) are the ``W = A Bᵀ`` (A: m×r, B: n×r of full rank) with
``Rᵀ A = 0`` and ``R B = 0`` where ``R = mat(G vec W − g)`` (Trager et al. 2020, App. A.1:
the normal space at W is ``Col(W)^⊥ ⊗ Row(W)^⊥``).

Formulation (intrinsic, no affine chart on the coordinates of W): the column space of A is a
point of the Grassmannian written in a *random* integer basis ``T`` (m×m, invertible) in
reduced column-echelon form ``A = T M``. The main chart is the big cell ``M = [I_r; A']``
(``A'`` free); it misses only the critical points whose column space meets the random
subspace ``T·span(e_r..e_{m−1})`` non-transversally, and those lie in the smaller Schubert
cells, which :func:`cells` lists so that a solver can prove them empty. With ``C`` the
columns of ``T`` at the non-pivot rows, ``[A, C]`` is invertible, so ``R B = 0`` ⇔
``Aᵀ R B = 0`` (implied by ``Rᵀ A = 0``) and ``Cᵀ R B = 0``. The square system is therefore

    Rᵀ A = 0   (n·r equations),     Cᵀ R B = 0   ((m − r)·r equations)

in the ``(m − r)·r + n·r = dim M_r`` unknowns of the big cell. It is the gradient of
``l(A Bᵀ)`` in the chart, so its solutions with rank W = r are exactly the critical points
in the chart. We always put the smaller side first (``m ≤ n``, transposing if needed): then
``B = 0`` cannot solve ``Rᵀ A = 0`` for a generic G (no spurious W = 0 branch).

Polynomials are dicts ``{exponent tuple: coefficient}`` with exact ``int``/``Fraction``
coefficients (the msolve writer), or numpy-vector coefficients (a linear map from the
parameters ``(G, g)`` to the coefficients, used by the parameter homotopy).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from dlnscape.errors import LossError, ShapeError
from dlnscape.validate import check_rng

Poly = dict  # {tuple[int, ...]: coefficient}

FORMULATION_VERSION = "schubert-cells-v1"


# ------------------------------------------------------------------------------------------
# polynomial arithmetic on dicts (the expander)
def _nz(c) -> bool:
    if isinstance(c, np.ndarray):
        return bool(np.any(c != 0))
    return c != 0


def padd(p: Poly, q: Poly, scale=1) -> Poly:
    """``p + scale·q`` (new dict)."""
    out = dict(p)
    for e, c in q.items():
        v = out.get(e, 0) + scale * c
        if _nz(v):
            out[e] = v
        else:
            out.pop(e, None)
    return out


def pmul(p: Poly, q: Poly) -> Poly:
    """Product of two polynomials, fully expanded."""
    out: Poly = {}
    for e1, c1 in p.items():
        for e2, c2 in q.items():
            e = tuple(a + b for a, b in zip(e1, e2, strict=True))
            v = out.get(e, 0) + c1 * c2
            out[e] = v
    return {e: c for e, c in out.items() if _nz(c)}


def pscale(p: Poly, s) -> Poly:
    return {e: s * c for e, c in p.items() if _nz(s * c)}


def pvar(i: int, nvars: int) -> Poly:
    e = [0] * nvars
    e[i] = 1
    return {tuple(e): 1}


def pconst(c, nvars: int) -> Poly:
    return {(0,) * nvars: c} if _nz(c) else {}


def pdegree(p: Poly) -> int:
    return max((sum(e) for e in p), default=0)


def peval(p: Poly, x: np.ndarray) -> complex:
    return sum(c * np.prod([xi**k for xi, k in zip(x, e, strict=True)]) for e, c in p.items())


def to_integer_poly(p: Poly) -> Poly:
    """Scale an exact (int/Fraction) polynomial to coprime integer coefficients."""
    fr = {e: Fraction(c) for e, c in p.items()}
    den = 1
    for c in fr.values():
        den = den * c.denominator // math.gcd(den, c.denominator)
    ints = {e: int(c * den) for e, c in fr.items()}
    g = 0
    for c in ints.values():
        g = math.gcd(g, abs(c))
    g = g or 1
    return {e: c // g for e, c in ints.items() if c != 0}


# ------------------------------------------------------------------------------------------
# the quadratic data (G, g) of a loss, exactly
def _small_integer_array(a) -> np.ndarray | None:
    """``a`` as an int64 array when all entries are integers of modulus < 2^20, else None."""
    a = np.asarray(a, dtype=np.float64)
    if a.size and np.all(np.isfinite(a)) and np.all(a == np.round(a)) and np.max(
            np.abs(a)) < 2**20:
        return a.astype(np.int64)
    return None


def _exact_product(X, Y) -> np.ndarray:
    """``X @ Y`` exactly, as an object array (int64 BLAS-free fast path for small integers)."""
    Xi, Yi = _small_integer_array(X), _small_integer_array(Y)
    if Xi is not None and Yi is not None and Xi.shape[-1] < 2**20:
        return (Xi @ Yi).astype(object)  # |entries| < 2^20·2^20·2^20 < 2^63: exact
    return exact_fraction_array(X).dot(exact_fraction_array(Y))


def exact_fraction_array(a) -> np.ndarray:
    """Object array of exact ``Fraction`` values of a float array (floats are dyadic)."""
    a = np.asarray(a)
    out = np.empty(a.shape, dtype=object)
    for idx, v in np.ndenumerate(a):
        if isinstance(v, (int, np.integer)):
            out[idx] = Fraction(int(v))
        else:
            fv = float(v)
            if not math.isfinite(fv):
                raise LossError("loss data: expected finite entries, got a NaN or inf")
            out[idx] = Fraction(fv)
    return out


@dataclass(frozen=True)
class QuadraticData:
    """``∇l(W) ∝ mat(G vec_row(W) − g)``: exact ``G`` (N×N) and ``g`` (N) as Fractions."""

    shape: tuple[int, int]
    G: np.ndarray  # object array of Fraction
    g: np.ndarray  # object array of Fraction

    def as_float(self) -> tuple[np.ndarray, np.ndarray]:
        return self.G.astype(np.float64), self.g.astype(np.float64)


def quadratic_data(loss) -> QuadraticData:
    """Exact ``(G, g)`` for :class:`DistanceLoss` (``G = φᵀφ``, ``g = φᵀφ vec Q0``; Trager et
    al. 2020, Ex 13) and :class:`SquaredLoss` (``G = I ⊗ XXᵀ``, ``g = vec(YXᵀ)``, the reduction
    of 004 §3.3 without taking the square root)."""
    from dlnscape.losses import DistanceLoss, SquaredLoss

    if isinstance(loss, DistanceLoss):
        Q0 = exact_fraction_array(loss.Q0)
        m, n = Q0.shape
        N = m * n
        if loss.phi is None:
            G = np.empty((N, N), dtype=object)
            G[...] = Fraction(0)
            for i in range(N):
                G[i, i] = Fraction(1)
        else:
            G = _exact_product(loss.phi.T, loss.phi)
        g = G.dot(Q0.reshape(N))  # object arrays: exact (Python ints / Fractions)
        return QuadraticData((m, n), G, g)
    if isinstance(loss, SquaredLoss):
        X = exact_fraction_array(loss.X)
        Y = exact_fraction_array(loss.Y)
        m, n = Y.shape[0], X.shape[0]
        XXt = X.dot(X.T)
        G = np.empty((m * n, m * n), dtype=object)
        G[...] = Fraction(0)
        for i in range(m):
            G[i * n : (i + 1) * n, i * n : (i + 1) * n] = XXt
        g = Y.dot(X.T).reshape(m * n)
        return QuadraticData((m, n), G, g)
    raise LossError(
        "loss: expected a DistanceLoss or SquaredLoss (a quadratic loss), "
        f"got {type(loss).__name__}"
    )


def transpose_data(G: np.ndarray, g: np.ndarray, shape: tuple[int, int]):
    """``(G, g)`` for ``Wᵀ`` (row-major vec of the transpose)."""
    m, n = shape
    perm = np.arange(m * n).reshape(m, n).T.ravel()  # vec(Wᵀ)[k] = vec(W)[perm[k]]
    return G[np.ix_(perm, perm)], g[perm]


# ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Cell:
    """A Schubert cell of Gr(r, m) in reduced column-echelon form: pivot rows and free entries."""

    pivots: tuple[int, ...]
    free: tuple[tuple[int, int], ...]  # (row, column) of the free entries of M

    @property
    def is_big(self) -> bool:
        return self.pivots == tuple(range(len(self.pivots)))


def cells(m: int, r: int) -> list[Cell]:
    """All Schubert cells of Gr(r, m), the big cell first."""
    out = []
    for S in itertools.combinations(range(m), r):
        free = tuple(
            (i, k) for k in range(r) for i in range(m) if i not in S and i > S[k]
        )
        out.append(Cell(tuple(S), free))
    out.sort(key=lambda c: (not c.is_big, c.pivots))
    return out


@dataclass(frozen=True)
class Formulation:
    """The critical equations for shape ``(m, n)`` (``m ≤ n``, working orientation), rank r,
    basis ``T`` and Schubert cell."""

    m: int
    n: int
    r: int
    T: np.ndarray  # m × m integer, invertible
    cell: Cell
    transposed: bool = False
    _cache: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def nvars(self) -> int:
        return len(self.cell.free) + self.n * self.r

    @property
    def names(self) -> list[str]:
        return [f"a{i}_{k}" for i, k in self.cell.free] + [
            f"b{j}_{k}" for j in range(self.n) for k in range(self.r)
        ]

    def nonpivots(self) -> list[int]:
        return [i for i in range(self.m) if i not in self.cell.pivots]

    # numeric maps -----------------------------------------------------------------------
    def A_B(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``A = T M`` and ``B`` for a batch ``x`` of shape (..., nvars)."""
        x = np.asarray(x)
        nf = len(self.cell.free)
        M = np.zeros(x.shape[:-1] + (self.m, self.r), dtype=x.dtype)
        for k, p in enumerate(self.cell.pivots):
            M[..., p, k] = 1
        for idx, (i, k) in enumerate(self.cell.free):
            M[..., i, k] = x[..., idx]
        A = self.T.astype(x.dtype) @ M
        B = x[..., nf:].reshape(x.shape[:-1] + (self.n, self.r))
        return A, B

    def W_work(self, x: np.ndarray) -> np.ndarray:
        A, B = self.A_B(x)
        return A @ np.swapaxes(B, -1, -2)

    def W(self, x: np.ndarray) -> np.ndarray:
        """The matrix in the caller's orientation (transposed back when needed)."""
        Ww = self.W_work(x)
        return np.swapaxes(Ww, -1, -2) if self.transposed else Ww

    def x_from_W(self, W: np.ndarray) -> np.ndarray:
        """Chart coordinates of a rank-r W (working orientation) in the big cell."""
        W = np.asarray(W)
        Ww = W.T if self.transposed else W
        U, s, Vt = np.linalg.svd(Ww)
        Acol = U[:, : self.r] * s[: self.r]
        Mc = np.linalg.solve(self.T.astype(Ww.dtype), Acol)  # M g with g = Mc[:r]
        g = Mc[: self.r]
        M = Mc @ np.linalg.inv(g)
        A = self.T @ M
        B = np.linalg.lstsq(A, Ww, rcond=None)[0].T
        free = [M[i, k] for i, k in self.cell.free]  # the cell's order (column-major)
        return np.concatenate([np.asarray(free, dtype=M.dtype), B.ravel()])

    # symbolic system ----------------------------------------------------------------------
    def polynomials(self, G: np.ndarray, g: np.ndarray) -> list[Poly]:
        """The critical equations, expanded; coefficients follow the type of ``G``/``g``
        (Fractions → exact; numpy-vector coefficients → a linear map of the parameters)."""
        m, n, r = self.m, self.n, self.r
        nv = self.nvars
        nf = len(self.cell.free)
        Mp: list[list[Poly]] = [[{} for _ in range(r)] for _ in range(m)]
        for k, p in enumerate(self.cell.pivots):
            Mp[p][k] = pconst(1, nv)
        for idx, (i, k) in enumerate(self.cell.free):
            Mp[i][k] = pvar(idx, nv)
        T = [[int(v) for v in row] for row in self.T]
        A = [
            [
                {
                    e: c
                    for e, c in _lin_sum([(T[i][q], Mp[q][k]) for q in range(m)]).items()
                }
                for k in range(r)
            ]
            for i in range(m)
        ]
        B = [[pvar(nf + j * r + k, nv) for k in range(r)] for j in range(n)]
        Wp = [
            [_sum_polys([pmul(A[i][k], B[j][k]) for k in range(r)]) for j in range(n)]
            for i in range(m)
        ]
        flatW = [Wp[i][j] for i in range(m) for j in range(n)]
        R: list[list[Poly]] = [[{} for _ in range(n)] for _ in range(m)]
        for a in range(m):
            for b in range(n):
                row = a * n + b
                acc: Poly = {}
                for col in range(m * n):
                    c = G[row, col]
                    if _nz(c):
                        acc = padd(acc, pscale(flatW[col], c))
                acc = padd(acc, pconst(g[row], nv), -1)
                R[a][b] = acc
        eqs: list[Poly] = []
        for b in range(n):  # (Rᵀ A)[b, k]
            for k in range(r):
                eqs.append(_sum_polys([pmul(R[a][b], A[a][k]) for a in range(m)]))
        RB = [[_sum_polys([pmul(R[a][b], B[b][k]) for b in range(n)]) for k in range(r)]
              for a in range(m)]
        for q in self.nonpivots():  # (Cᵀ R B)[q, k], C = T[:, q]
            for k in range(r):
                eqs.append(_lin_sum([(T[a][q], RB[a][k]) for a in range(m)]))
        return eqs


def _lin_sum(terms) -> Poly:
    out: Poly = {}
    for c, p in terms:
        if c != 0 and p:
            out = padd(out, p, c)
    return out


def _sum_polys(ps) -> Poly:
    out: Poly = {}
    for p in ps:
        out = padd(out, p)
    return out


def random_basis(m: int, rng) -> np.ndarray:
    """A random integer m×m matrix with entries in {−3..3} and |det| ≥ 1 (the random chart)."""
    rng = check_rng(rng)
    while True:
        T = rng.integers(-3, 4, size=(m, m))
        if abs(round(np.linalg.det(T))) >= 1:
            return T.astype(np.int64)


def make_formulation(shape: tuple[int, int], r: int, rng=0, cell: Cell | None = None,
                     T: np.ndarray | None = None) -> Formulation:
    """The formulation for caller shape ``(m, n)`` and rank r (working orientation m ≤ n)."""
    m, n = (int(shape[0]), int(shape[1]))
    if m < 1 or n < 1:
        raise ShapeError(f"shape: expected two positive integers, got {shape}")
    if not (1 <= r < min(m, n)):
        raise ShapeError(
            f"r: expected 1 ≤ r < min(m, n) = {min(m, n)} (rank r = min(m,n) is the filling "
            f"case: l is then convex on an open set and has no rank constraint), got {r}"
        )
    transposed = m > n
    mw, nw = (n, m) if transposed else (m, n)
    T = random_basis(mw, rng) if T is None else np.asarray(T, dtype=np.int64)
    cell = cells(mw, r)[0] if cell is None else cell
    return Formulation(mw, nw, r, T, cell, transposed)


def working_data(form: Formulation, qd: QuadraticData):
    """``(G, g)`` in the working orientation of ``form``."""
    if form.transposed:
        return transpose_data(qd.G, qd.g, qd.shape)
    return qd.G, qd.g


def integer_system(form: Formulation, qd: QuadraticData) -> list[Poly]:
    """Exact integer polynomials of the critical equations (for msolve)."""
    G, g = working_data(form, qd)
    return [to_integer_poly(p) for p in form.polynomials(G, g)]
