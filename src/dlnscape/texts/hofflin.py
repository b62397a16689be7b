"""Hofflin 2023 (EPFL report), "local ⟹ 1" for the matrix-multiplication lift: the report's cone
definitions and the peeling step of its Prop 3.1 proof, executable.

* Def 2.1 (T-000-Def2.1): membership in the polar cone ``K° = {y : ⟨y, x⟩ ≤ 0 ∀x ∈ K}`` of a
  cone given by generators (:func:`polar_cone_contains`), the "≥ 0" dual of Def 2.3(iii)
  (:func:`dual_cone_contains`), and the convexity of K° (:func:`polar_cone_convex_combination`).
* Def 2.2 (T-000-Def2.2): the tangent (Bouligand) cone of ``M_≤r`` at a point of rank s ≤ r,
  ``T = T_X M_s + {N ∈ Col(X)^⊥ ⊗ Row(X)^⊥ : rank N ≤ r − s}`` (catalog's "Computable"), as a
  membership test (:func:`tangent_cone_contains`, float with rank evidence or exact rational),
  an explicit curve in ``M_≤r`` realising each member (:func:`tangent_cone_curve`), the
  distance characterisation ``d ∈ T ⟺ lim dist(X + τd, M_≤r)/τ = 0`` (Rockafellar–Wets 6.2;
  :func:`tangent_cone_distance_ratios`) and the polar of T (:func:`tangent_cone_polar_witness`).
* Claim 3.2 (T-000-Claim3.2): the peeling argument, in exact rational arithmetic
  (:func:`claim32_peeling`) and as polynomial identities (:func:`peeling_identity_residuals`).

Exact arithmetic: a float64 is a dyadic rational, so a float input defines exact rational data;
``rational_matrix`` converts it, and ranks and null spaces are then computed over Q with
python-flint (``fmpq_mat``). These helpers are public because the 001 module uses them too.

Notation: the report's ``W_{k,-} = W_k ⋯ W_1`` and ``W_{k,+} = W_L ⋯ W_k``; points are dlnscape
tuples ``(W_1, …, W_L)``, input side first.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

import flint
import numpy as np

from dlnscape.architecture import as_float_matrix
from dlnscape.errors import DlnscapeError, PointError, ShapeError
from dlnscape.linalg import AMBIGUOUS_GAP, numerical_rank

__all__ = [
    "PeelingCheck",
    "PolarConvexity",
    "PolarMembership",
    "TangentConeMembership",
    "TangentCurve",
    "TangentDistanceRatios",
    "claim32_peeling",
    "dual_cone_contains",
    "peeling_identity_residuals",
    "polar_cone_contains",
    "polar_cone_convex_combination",
    "rational_array",
    "rational_matrix",
    "rational_nullspace",
    "rational_rank",
    "tangent_cone_contains",
    "tangent_cone_curve",
    "tangent_cone_distance_ratios",
    "tangent_cone_polar_witness",
]


# ---------------------------------------------------------------------------------------------
# exact rational helpers
# ---------------------------------------------------------------------------------------------
def _fmpq(x) -> flint.fmpq:
    if isinstance(x, flint.fmpq):
        return x
    if isinstance(x, (int, np.integer)):
        return flint.fmpq(int(x))
    f = Fraction(x) if isinstance(x, Fraction) else Fraction(float(x))
    return flint.fmpq(f.numerator, f.denominator)


def rational_array(A, name: str = "A") -> np.ndarray:
    """``A`` (floats, ints or Fractions) as a numpy object array of exact ``flint.fmpq``.

    A float64 is converted to the dyadic rational it stores, so nothing is rounded."""
    arr = np.asarray(A, dtype=object) if not isinstance(A, np.ndarray) else A
    if arr.dtype != object:
        arr = np.asarray(as_float_matrix(arr, name, ndim=arr.ndim), dtype=np.float64)
    out = np.empty(arr.shape, dtype=object)
    flat = out.reshape(-1)
    for i, x in enumerate(np.asarray(arr, dtype=object).reshape(-1)):
        try:
            flat[i] = _fmpq(x)
        except (TypeError, ValueError, OverflowError):
            raise ShapeError(f"{name}: expected finite real numbers, got {x!r}") from None
    return out


def rational_matrix(A, name: str = "A") -> flint.fmpq_mat:
    """A 2-d array as an exact ``flint.fmpq_mat`` (see :func:`rational_array`)."""
    arr = rational_array(A, name)
    if arr.ndim != 2:
        raise ShapeError(f"{name}: expected a 2-d array, got shape {arr.shape}")
    m, n = arr.shape
    return flint.fmpq_mat(m, n, list(arr.reshape(-1)))


def _as_fmpq_mat(A, name: str) -> flint.fmpq_mat:
    return A if isinstance(A, flint.fmpq_mat) else rational_matrix(A, name)


def rational_rank(A, name: str = "A") -> int:
    """Exact rank over Q."""
    M = _as_fmpq_mat(A, name)
    if M.nrows() == 0 or M.ncols() == 0:
        return 0
    return int(M.rank())


def rational_nullspace(A, name: str = "A") -> np.ndarray:
    """An exact basis of ``ker A`` over Q: an object array of shape (n, dim ker A), from the
    reduced row echelon form (one basis vector per free column)."""
    M = _as_fmpq_mat(A, name)
    m, n = M.nrows(), M.ncols()
    if m == 0:
        out = np.empty((n, n), dtype=object)
        for i, j in itertools.product(range(n), range(n)):
            out[i, j] = flint.fmpq(int(i == j))
        return out
    R, rank = M.rref()
    pivots: list[int] = []
    row = 0
    for j in range(n):
        if row < rank and R[row, j] != 0:
            pivots.append(j)
            row += 1
    free = [j for j in range(n) if j not in pivots]
    out = np.empty((n, len(free)), dtype=object)
    for c, f in enumerate(free):
        for i in range(n):
            out[i, c] = flint.fmpq(0)
        out[f, c] = flint.fmpq(1)
        for r_i, p in enumerate(pivots):
            out[p, c] = -R[r_i, f]
    return out


def _qmat(arr: np.ndarray) -> flint.fmpq_mat:
    m, n = arr.shape
    return flint.fmpq_mat(m, n, list(arr.reshape(-1)))


def _qzeros(shape) -> np.ndarray:
    out = np.empty(shape, dtype=object)
    out.reshape(-1)[:] = [flint.fmpq(0)] * int(np.prod(shape))
    return out


def _qeye(n: int) -> np.ndarray:
    out = _qzeros((n, n))
    for i in range(n):
        out[i, i] = flint.fmpq(1)
    return out


def _to_float(arr: np.ndarray) -> np.ndarray:
    return np.array([float(Fraction(int(x.p), int(x.q))) for x in arr.reshape(-1)],
                    dtype=np.float64).reshape(arr.shape)


def _fraction(x: flint.fmpq) -> Fraction:
    return Fraction(int(x.p), int(x.q))


# ---------------------------------------------------------------------------------------------
# Def 2.1: polar and dual cones
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PolarMembership:
    """``y ∈ K°`` (or ``K*``) for ``K`` generated by the rows ``g_i`` of ``generators``.

    ``K`` may be the union of the rays ``{t g_i : t ≥ 0}`` (a non-convex cone) or their conic
    hull: both have the same polar, ``{y : ⟨g_i, y⟩ ≤ 0 ∀i}``. ``extreme_inner`` is
    ``max_i ⟨g_i, y⟩`` (polar) or ``min_i ⟨g_i, y⟩`` (dual), exact; ``witness`` a generator
    that violates the condition (None when y is a member)."""

    contains: bool
    extreme_inner: Fraction
    witness: int | None
    convention: str

    def to_dict(self) -> dict:
        return {"contains": self.contains, "extreme_inner": str(self.extreme_inner),
                "witness": self.witness, "convention": self.convention}


def _generators(generators, y) -> tuple[np.ndarray, np.ndarray]:
    G = rational_array(generators, "generators")
    v = rational_array(y, "y")
    if G.ndim != 2 or G.shape[0] == 0:
        raise ShapeError(f"generators: expected a non-empty 2-d array (one generator per row), "
                         f"got shape {G.shape}")
    if v.ndim != 1 or v.shape[0] != G.shape[1]:
        raise ShapeError(f"y: expected a vector of length {G.shape[1]} (the generators' "
                         f"dimension), got shape {v.shape}")
    return G, v


def polar_cone_contains(generators, y) -> PolarMembership:
    """Hofflin 2023, Def 2.1 (T-000-Def2.1, citing Ruszczyński Def 2.23): ``y ∈ K°`` iff
    ``⟨y, x⟩ ≤ 0`` for every ``x ∈ K``; for K generated by the rows of ``generators`` this is
    ``max_i ⟨g_i, y⟩ ≤ 0`` (a point of K is ``Σ t_i g_i`` with ``t_i ≥ 0``). Exact rational.

    Departure: the report calls this set the *dual* cone; its formula is the polar cone
    (catalog caveat). :func:`dual_cone_contains` is the "≥ 0" dual of Def 2.3(iii)."""
    G, v = _generators(generators, y)
    inner = [sum((g * x for g, x in zip(row, v, strict=True)), flint.fmpq(0)) for row in G]
    i = int(np.argmax([_fraction(t) for t in inner]))
    top = _fraction(inner[i])
    return PolarMembership(top <= 0, top, None if top <= 0 else i, "polar: <g, y> <= 0")


def dual_cone_contains(generators, y) -> PolarMembership:
    """The dual cone ``K* = {y : ⟨y, x⟩ ≥ 0 ∀x ∈ K} = −K°`` of Def 2.3(iii) (Hofflin 2023,
    T-000-Def2.3): ``y ∈ K*`` iff ``−y ∈ K°``. Exact rational."""
    G, v = _generators(generators, y)
    res = polar_cone_contains(G, -v)
    return PolarMembership(res.contains, -res.extreme_inner, res.witness, "dual: <g, y> >= 0")


@dataclass(frozen=True)
class PolarConvexity:
    """A convex combination ``Σ λ_j y_j`` of members of K° and its exact inner products with
    the generators: all ≤ 0, since each is ``Σ λ_j ⟨g_i, y_j⟩`` with ``λ_j ≥ 0``."""

    members: bool  # every y_j is in K°
    combination: tuple[Fraction, ...]
    inner_products: tuple[Fraction, ...]
    in_polar: bool

    def to_dict(self) -> dict:
        return {"members": self.members, "combination": [str(x) for x in self.combination],
                "inner_products": [str(x) for x in self.inner_products],
                "in_polar": self.in_polar}


def polar_cone_convex_combination(generators, ys, weights) -> PolarConvexity:
    """Evidence about the sentence after Hofflin 2023, Def 2.1 (T-000-Def2.1): "both the polar
    and dual cones are closed cones, although they are not necessarily convex". The polar cone
    is always closed *and convex* (an intersection of closed half-spaces ``{y : ⟨x, y⟩ ≤ 0}``,
    x ∈ K, for any K, convex or not; Ruszczyński's Lemma 2.25 states both). Here, exactly: the
    convex combination of the members ``ys`` with ``weights`` (≥ 0, summing to 1) and whether
    it lies in K°. Bad weights raise :class:`ShapeError` naming ``weights``."""
    lam = [Fraction(w) if isinstance(w, (int, Fraction)) else Fraction(float(w)) for w in weights]
    Y = list(ys)
    if len(lam) != len(Y) or not Y:
        raise ShapeError(f"weights: expected one weight per member ({len(Y)}), got {len(lam)}")
    if any(w < 0 for w in lam) or sum(lam) != 1:
        raise ShapeError(f"weights: expected non-negative numbers summing to 1, got {weights!r}")
    members = all(polar_cone_contains(generators, y).contains for y in Y)
    vs = [rational_array(y, "ys") for y in Y]
    comb = sum((_fmpq(w) * v for w, v in zip(lam, vs, strict=True)), _qzeros(vs[0].shape))
    G, _ = _generators(generators, vs[0])
    inner = tuple(_fraction(sum((g * x for g, x in zip(row, comb, strict=True)),
                                flint.fmpq(0))) for row in G)
    return PolarConvexity(members, tuple(_fraction(x) for x in comb), inner,
                          all(t <= 0 for t in inner))


# ---------------------------------------------------------------------------------------------
# Def 2.2: the tangent cone of M_≤r
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class TangentConeMembership:
    """``D ∈ T_X M_≤r`` decided by the rank of the normal block ``P⊥ D Q⊥`` (``P⊥``, ``Q⊥`` the
    projectors onto ``Col(X)^⊥`` and ``Row(X)^⊥``): member iff that rank is ≤ ``r − s``.

    ``contains`` is None when a float rank decision is ambiguous. ``exact``: ranks over Q."""

    contains: bool | None
    s: int
    r: int
    normal_block_rank: int
    allowed_rank: int
    exact: bool
    evidence: dict
    reason: str

    def to_dict(self) -> dict:
        return {"contains": self.contains, "s": self.s, "r": self.r,
                "normal_block_rank": self.normal_block_rank, "allowed_rank": self.allowed_rank,
                "exact": self.exact, "evidence": self.evidence, "reason": self.reason}


def _check_rank_arg(r, X: np.ndarray) -> int:
    if isinstance(r, bool) or not isinstance(r, (int, np.integer)) or r < 0:
        raise ShapeError(f"r: expected a non-negative integer, got {r!r}")
    return int(r)


def _XD(X, D) -> tuple[np.ndarray, np.ndarray]:
    X = as_float_matrix(X, "X")
    D = as_float_matrix(D, "D")
    if D.shape != X.shape:
        raise ShapeError(f"D: expected the shape of X {X.shape}, got {D.shape}")
    return X, D


def _float_frames(X: np.ndarray, rtol: float | None):
    dec = numerical_rank(X, rtol)
    U, _, Vt = np.linalg.svd(X)
    s = dec.rank
    return dec, U[:, :s], U[:, s:], Vt[:s].T, Vt[s:].T


def _rational_projector_perp(B: flint.fmpq_mat, n: int) -> np.ndarray:
    """``I − B(BᵀB)⁻¹Bᵀ`` exactly (B with independent columns; the identity if B is empty)."""
    if B.ncols() == 0:
        return _qeye(n)
    Bt = B.transpose()
    P = B * (Bt * B).inv() * Bt
    out = _qeye(n)
    for i, j in itertools.product(range(n), range(n)):
        out[i, j] = out[i, j] - P[i, j]
    return out


def _rational_column_basis(M: flint.fmpq_mat) -> flint.fmpq_mat:
    R, rank = M.rref()
    cols, row = [], 0
    for j in range(M.ncols()):
        if row < rank and R[row, j] != 0:
            cols.append(j)
            row += 1
    m = M.nrows()
    return flint.fmpq_mat(m, len(cols), [M[i, j] for i in range(m) for j in cols])


def tangent_cone_contains(X, D, r: int, *, exact: bool = False,
                          rtol: float | None = None) -> TangentConeMembership:
    """Hofflin 2023, Def 2.2 (T-000-Def2.2, citing Ruszczyński Def 3.11), for the set
    ``M_≤r`` of ``m × n`` matrices of rank ≤ r at ``X`` of rank ``s ≤ r``: the catalog's
    description ``T_X M_≤r = T_X M_s + {N ∈ Col(X)^⊥ ⊗ Row(X)^⊥ : rank N ≤ r − s}``, i.e.
    ``D ∈ T`` iff ``rank(P⊥ D Q⊥) ≤ r − s`` (``D − P⊥DQ⊥ ∈ T_X M_s`` always).

    ``exact=True``: X and D are read as exact rationals and the ranks computed over Q
    (projectors ``I − B(BᵀB)⁻¹Bᵀ`` on rational bases); otherwise float SVD ranks with the
    gap evidence of :mod:`dlnscape.linalg` (an ambiguous gap gives ``contains=None``).
    For ``s = r`` this is the tangent space ``T_X M_r`` (the report: "if X is an embedded
    submanifold near x the tangent cone is the tangent space"). ``X`` of rank > r raises."""
    X, D = _XD(X, D)
    r = _check_rank_arg(r, X)
    m, n = X.shape
    if exact:
        QX = rational_matrix(X, "X")
        s = rational_rank(QX)
        if s > r:
            raise PointError(f"X: rank {s} exceeds r = {r}, so X is not in M_≤r")
        Pp = _rational_projector_perp(_rational_column_basis(QX), m)
        Qp = _rational_projector_perp(_rational_column_basis(QX.transpose()), n)
        N = _qmat(Pp) * rational_matrix(D, "D") * _qmat(Qp)
        k = rational_rank(N)
        ev = {"rank_X": s, "normal_block_rank_exact": k}
        return TangentConeMembership(k <= r - s, s, r, k, r - s, True, ev,
                                     f"rank(P⊥DQ⊥) = {k} vs r − s = {r - s} (exact over Q)")
    dec, U, Up, V, Vp = _float_frames(X, rtol)
    s = dec.rank
    if s > r:
        raise PointError(f"X: rank {s} exceeds r = {r}, so X is not in M_≤r")
    E = Up.T @ D @ Vp
    scale = max(float(np.linalg.norm(D)), 1e-300)
    # the normal block is computed from D (size ‖D‖): singular values below 1e3·eps·max(m, n)·‖D‖
    # are rounding; one within a factor AMBIGUOUS_GAP above that cut cannot be decided
    cut = (rtol or 1e3 * np.finfo(float).eps * max(m, n)) * scale
    edec = numerical_rank(E, atol=cut)
    ev = {"rank_X": dec.to_dict(), "normal_block": edec.to_dict()}
    sv = edec.singular_values
    ambiguous = dec.ambiguous or bool(np.any((sv > cut) & (sv < AMBIGUOUS_GAP * cut)))
    contains = None if ambiguous else edec.rank <= r - s
    why = f"rank(P⊥DQ⊥) = {edec.rank} vs r − s = {r - s}"
    if ambiguous:
        why += "; a rank gap is ambiguous, so undetermined"
    return TangentConeMembership(contains, s, r, edec.rank, r - s, False, ev, why)


@dataclass(frozen=True)
class TangentCurve:
    """``γ(t) = X + tD + t²C`` with ``rank γ(t) ≤ r`` for every t: a curve in ``M_≤r`` through X
    with ``γ'(0) = D`` (Def 2.2: "γ'(0) ∈ K_x X for every differentiable curve γ in X")."""

    X: np.ndarray
    D: np.ndarray
    C: np.ndarray
    r: int

    def __call__(self, t: float) -> np.ndarray:
        return self.X + t * self.D + (t * t) * self.C

    def to_dict(self) -> dict:
        return {"X": self.X.tolist(), "D": self.D.tolist(), "C": self.C.tolist(), "r": self.r}


def tangent_cone_curve(X, D, r: int, rtol: float | None = None) -> TangentCurve:
    """An explicit curve in ``M_≤r`` realising a member D of ``T_X M_≤r`` (Hofflin 2023,
    Def 2.2, T-000-Def2.2): with ``X = L Rᵀ`` (``L = U S``, ``R = V``, rank s), write
    ``D = (L̇Rᵀ + LṘᵀ) + P Qᵀ`` where ``Ṙ = DᵀU S⁻¹``, ``L̇ = P⊥DV`` and ``PQᵀ = P⊥DQ⊥`` (rank
    ≤ r − s); then ``γ(t) = (L + tL̇)(R + tṘ)ᵀ + t PQᵀ = X + tD + t² L̇Ṙᵀ`` has rank ≤ r.
    Raises :class:`ShapeError` (naming D) when D is not in the cone."""
    X, D = _XD(X, D)
    r = _check_rank_arg(r, X)
    mem = tangent_cone_contains(X, D, r, rtol=rtol)
    if mem.contains is not True:
        raise ShapeError(f"D: not in the tangent cone of M_≤{r} at X ({mem.reason})")
    dec, U, _, V, _ = _float_frames(X, rtol)
    s = dec.rank
    S = dec.singular_values[:s]
    Rdot = D.T @ U / S if s else np.zeros((X.shape[1], 0))
    Ldot = (D - U @ (U.T @ D)) @ V
    return TangentCurve(X, D, Ldot @ Rdot.T, r)


@dataclass(frozen=True)
class TangentDistanceRatios:
    """``dist(X + τD, M_≤r)/τ`` for the given τ (Eckart–Young: the root of the sum of the
    squared singular values beyond the r-th) and the predicted limit
    ``(Σ_{j > r−s} σ_j(P⊥DQ⊥)²)^{1/2}``, which is 0 exactly for members of the cone."""

    taus: tuple[float, ...]
    ratios: tuple[float, ...]
    predicted_limit: float

    def to_dict(self) -> dict:
        return {"taus": list(self.taus), "ratios": list(self.ratios),
                "predicted_limit": self.predicted_limit}


def tangent_cone_distance_ratios(X, D, r: int, taus: Sequence[float] = (1e-2, 1e-3, 1e-4, 1e-5),
                                 rtol: float | None = None) -> TangentDistanceRatios:
    """The distance characterisation of the Bouligand cone of Def 2.2 (Hofflin 2023,
    T-000-Def2.2; Rockafellar–Wets Ex. 6.2): ``D ∈ T_X M_≤r`` iff
    ``liminf_{τ↓0} dist(X + τD, M_≤r)/τ = 0``. The distance is computed from the SVD of
    ``X + τD`` alone (an oracle independent of the formula in :func:`tangent_cone_contains`);
    the predicted limit comes from the normal block ``P⊥DQ⊥`` (perturbation of the singular
    values of ``X + τD``: the n − s small ones are ``τσ_j(P⊥DQ⊥) + O(τ²)``)."""
    X, D = _XD(X, D)
    r = _check_rank_arg(r, X)
    ts = tuple(float(t) for t in taus)
    if not ts or any(not (t > 0) for t in ts):
        raise ShapeError(f"taus: expected positive step sizes, got {taus!r}")
    out = []
    for t in ts:
        sv = np.linalg.svd(X + t * D, compute_uv=False)
        out.append(float(np.sqrt(np.sum(sv[r:] ** 2))) / t)
    dec, _, Up, _, Vp = _float_frames(X, rtol)
    e = np.linalg.svd(Up.T @ D @ Vp, compute_uv=False)
    k = r - dec.rank
    return TangentDistanceRatios(ts, tuple(out), float(np.sqrt(np.sum(e[k:] ** 2))))


def tangent_cone_polar_witness(X, r: int, Y, rtol: float | None = None) -> np.ndarray | None:
    """A member D of ``T_X M_≤r`` with ``⟨Y, D⟩ > 0`` (so Y is not in the polar cone of Def 2.1
    applied to Def 2.2's cone), or None when no such D exists, i.e. when Y is in the polar.

    T is symmetric (D ↦ −D), so its polar is the orthogonal complement of its span. When
    s < r the span is everything (``T_X M_s`` plus every rank-one matrix of
    ``Col(X)^⊥ ⊗ Row(X)^⊥``), so the polar is {0} and every stationary point of rank < r has
    ``∇f = 0`` — Hofflin's Lemma 3.2, second case; when s = r the polar is the normal space
    ``Col(X)^⊥ ⊗ Row(X)^⊥`` (Lemma 3.2, first case). Witness: the tangent-space part
    ``D = P_T Y`` if nonzero, else the top singular pair of the normal part (allowed when
    ``r − s ≥ 1``). Zero is decided against ``1e3·eps·‖Y‖`` (relative)."""
    X = as_float_matrix(X, "X")
    Y = as_float_matrix(Y, "Y", X.shape)
    r = _check_rank_arg(r, X)
    dec, U, Up, V, Vp = _float_frames(X, rtol)
    s = dec.rank
    if s > r:
        raise PointError(f"X: rank {s} exceeds r = {r}, so X is not in M_≤r")
    thr = 1e3 * np.finfo(float).eps * max(X.shape) * float(np.linalg.norm(Y))
    N = Up @ (Up.T @ Y @ Vp) @ Vp.T
    T = Y - N
    if float(np.linalg.norm(T)) > thr:
        return T
    if s < r and float(np.linalg.norm(N)) > thr:
        u, sv, vt = np.linalg.svd(N)
        return sv[0] * np.outer(u[:, 0], vt[0])
    return None


# ---------------------------------------------------------------------------------------------
# Claim 3.2: the peeling argument
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PeelingCheck:
    """The peeling argument of Hofflin 2023, Claim 3.2 at θ̂, in exact rational arithmetic.

    Over the finite family of Claim 3.1 perturbations ``W̃_k = Ŵ_k + δ_k w_k û_{k-1}ᵀ`` (k > k2)
    with ``δ_k ∈ {0, δ}`` and ``w_k`` a standard basis vector (unit, as the claim asks):

    * ``dim_hypothesis`` = dim of {G : (22)–(24) hold at every W̃ of the family}, i.e. of the
      gradients ∇f(Ŵ) for which every W̃ is 1-critical (what "every W̃ is a local minimiser"
      gives the proof);
    * ``dim_claim`` = dim of {G : ``Gᵀ W̃_{k2+1,+} = 0`` at every W̃} — (25);
    * ``claim_holds``: the first space lies in the second (Claim 3.2's implication);
    * ``peeling_forces_zero``: the second space is {0} (the peeling that follows the claim);
    * ``dim_unperturbed``: the first space for θ̂ alone (no perturbation) — when it is > 0 while
      ``dim_hypothesis`` is 0, the perturbations of Claim 3.1 are what forces ∇f(Ŵ) = 0.

    A finite family gives *larger* spaces than all admissible (w, δ), so ``dim_hypothesis = 0``
    proves ∇f(Ŵ) = 0 for every f that makes all perturbations critical (Prop 3.1(ii))."""

    widths: tuple[int, ...]
    k1: int | None
    k2: int | None
    rank: int
    d_min: int
    condition_ii: bool
    n_choices: int
    dim_unperturbed: int
    dim_hypothesis: int
    dim_claim: int
    hypothesis_basis: tuple[np.ndarray, ...]
    u_hats: tuple[np.ndarray, ...]  # û_k for k = k2..L−1 (exact rationals, as floats)
    claim_holds: bool
    peeling_forces_zero: bool
    reason: str

    def to_dict(self) -> dict:
        return {"widths": list(self.widths), "k1": self.k1, "k2": self.k2, "rank": self.rank,
                "d_min": self.d_min, "condition_ii": self.condition_ii,
                "n_choices": self.n_choices, "dim_unperturbed": self.dim_unperturbed,
                "dim_hypothesis": self.dim_hypothesis,
                "dim_claim": self.dim_claim,
                "hypothesis_basis": [b.tolist() for b in self.hypothesis_basis],
                "u_hats": [u.tolist() for u in self.u_hats],
                "claim_holds": self.claim_holds,
                "peeling_forces_zero": self.peeling_forces_zero, "reason": self.reason}


def _exact_point(theta) -> tuple[list[np.ndarray], tuple[int, ...]]:
    layers = [rational_array(as_float_matrix(W, f"theta[{i}]"), f"theta[{i}]")
              for i, W in enumerate(theta)]
    if len(layers) < 2:
        raise PointError(f"theta: expected at least 2 layers, got {len(layers)}")
    for i in range(1, len(layers)):
        if layers[i].shape[1] != layers[i - 1].shape[0]:
            raise PointError(f"theta[{i}]: expected {layers[i - 1].shape[0]} columns (the rows "
                             f"of theta[{i - 1}]), got shape {layers[i].shape}")
    widths = (layers[0].shape[1],) + tuple(W.shape[0] for W in layers)
    return layers, widths


def _prefixes(layers: Sequence[np.ndarray]) -> list[np.ndarray]:
    out = [_qeye(layers[0].shape[1])]
    for W in layers:
        out.append(W @ out[-1])
    return out


def _suffixes(layers: Sequence[np.ndarray]) -> list[np.ndarray]:
    """``S[k] = W_L ⋯ W_k`` (the report's ``W_{k,+}``) for k = 1..L+1 (``S[L+1] = I``)."""
    L = len(layers)
    S: list[np.ndarray] = [np.empty(0, dtype=object)] * (L + 2)
    S[L + 1] = _qeye(layers[-1].shape[0])
    for k in range(L, 0, -1):
        S[k] = S[k + 1] @ layers[k - 1]
    return S


def _kron_rows(M1: np.ndarray, M2: np.ndarray) -> list[list[flint.fmpq]]:
    """Rows of the matrix of ``G ↦ M1 G M2`` on row-major vec(G): ``M1 ⊗ M2ᵀ``."""
    rows = []
    for a in range(M1.shape[0]):
        for b in range(M2.shape[1]):
            rows.append([M1[a, i] * M2[j, b] for i in range(M1.shape[1])
                         for j in range(M2.shape[0])])
    return rows


def _solution_space(rows: list[list[flint.fmpq]], n: int) -> np.ndarray:
    if not rows:
        return rational_nullspace(flint.fmpq_mat(0, n, []))
    M = flint.fmpq_mat(len(rows), n, [x for row in rows for x in row])
    return rational_nullspace(M)


def claim32_peeling(theta, *, delta: Fraction = Fraction(1, 1024),
                    max_choices: int = 4096) -> PeelingCheck:
    """Hofflin 2023, Claim 3.2 and the peeling that completes Prop 3.1(ii) (T-000-Claim3.2),
    executed exactly at θ̂ = ``theta`` (floats read as exact dyadic rationals).

    k1, k2 and the ranks are exact (over Q). For k ≥ k2, ``û_k`` is an exact basis vector of
    ``ker(Ŵ_{k,-}ᵀ)``. Departure: û_k is not normalised (a unit vector is irrational in
    general); the proof uses ‖û‖ = 1 only to bound ``‖W̃_k − Ŵ_k‖ = δ_k‖û‖``, and the
    identities below are homogeneous in û. The family of perturbations, the two solution spaces
    and the flags are described in :class:`PeelingCheck`; every product ``W̃_{k,±}`` is
    recomputed from the perturbed layers (the fiber invariance (18) is not assumed).
    ``max_choices`` bounds the family size Π_{k>k2}(1 + d_k) (raises beyond it)."""
    layers, widths = _exact_point(theta)
    L = len(layers)
    P = _prefixes(layers)
    ranks = [rational_rank(_qmat(p)) for p in P[1:]]  # rank W_{k,-}, k = 1..L
    rank = ranks[-1]
    d_min = min(widths)
    d0 = widths[0]
    k1 = next((k for k in range(1, L + 1) if ranks[k - 1] < d0), None)
    k2 = next((k for k in range(1, L + 1) if ranks[k - 1] == rank), None)
    ker_prev = L >= 2 and ranks[L - 2] < d0  # ker(Ŵ_{L-1,-}) ≠ {0}
    cond_ii = bool(ker_prev and rank < d_min and k1 is not None and k1 == k2)
    if k2 is None or k2 >= L:
        return PeelingCheck(widths, k1, k2, rank, d_min, cond_ii, 0, -1, -1, -1, (), (), False,
                            False, f"k2 = {k2}: no perturbed layers (k2 ≥ L), nothing to peel")
    u = {}
    for k in range(k2, L):
        ns = rational_nullspace(_qmat(P[k].T))  # ker(Ŵ_{k,-}ᵀ) ⊂ Q^{d_k}
        if ns.shape[1] == 0:
            return PeelingCheck(widths, k1, k2, rank, d_min, cond_ii, 0, -1, -1, -1, (), (),
                                False, False,
                                f"ker(Ŵ_{{{k},-}}ᵀ) = {{0}}: no û_{k} (rank Ŵ = d_min?)")
        u[k] = ns[:, 0]
    levels = list(range(k2 + 1, L + 1))
    n_choices = int(np.prod([1 + widths[k] for k in levels]))
    if n_choices > max_choices:
        raise DlnscapeError(f"max_choices: the family has {n_choices} members > {max_choices}")
    dq = _fmpq(delta)
    options = []
    for k in levels:
        opts = [None] + list(range(widths[k]))
        options.append(opts)
    nG = widths[-1] * d0
    hyp_rows: list[list[flint.fmpq]] = []
    claim_rows: list[list[flint.fmpq]] = []
    S0 = _suffixes(layers)
    base_rows = [row for k in range(1, L + 1) for row in _kron_rows(S0[k + 1].T, P[k - 1].T)]
    dim0 = _solution_space(base_rows, nG).shape[1]
    for choice in itertools.product(*options):
        Wt = list(layers)
        for k, c in zip(levels, choice, strict=True):
            if c is not None:
                w = _qzeros((widths[k], 1))
                w[c, 0] = flint.fmpq(1)
                Wt[k - 1] = layers[k - 1] + dq * (w @ u[k - 1][None, :])
        Pt = _prefixes(Wt)
        St = _suffixes(Wt)
        for k in range(1, L + 1):  # ∇_{W_k} g = W̃_{k+1,+}ᵀ G W̃_{k-1,-}ᵀ  (Lemma 3.1)
            hyp_rows += _kron_rows(St[k + 1].T, Pt[k - 1].T)
        # (25): Gᵀ W̃_{k2+1,+} = 0, i.e. W̃_{k2+1,+}ᵀ G = 0
        claim_rows += _kron_rows(St[k2 + 1].T, _qeye(d0))
    H = _solution_space(hyp_rows, nG)
    C = _solution_space(claim_rows, nG)
    Cm = flint.fmpq_mat(len(claim_rows), nG, [x for row in claim_rows for x in row])
    inside = all(
        all(x == 0 for x in (Cm * flint.fmpq_mat(nG, 1, list(H[:, j]))).entries())
        for j in range(H.shape[1]))
    basis = tuple(_to_float(H[:, j].reshape(widths[-1], d0)) for j in range(H.shape[1]))
    why = (f"k1 = {k1}, k2 = {k2}, rank Ŵ = {rank}, d_min = {d_min}; "
           f"{n_choices} perturbations; dim {{G: (22)–(24) at θ̂}} = {dim0}, "
           f"dim {{G: (22)–(24) at every W̃}} = {H.shape[1]}, "
           f"dim {{G: (25)}} = {C.shape[1]}")
    uh = tuple(_to_float(u[k]) for k in range(k2, L))
    return PeelingCheck(widths, k1, k2, rank, d_min, cond_ii, n_choices, dim0, H.shape[1],
                        C.shape[1], basis, uh, bool(inside), C.shape[1] == 0, why)


def _times(M: np.ndarray, c) -> np.ndarray:
    """Entrywise ``c·M`` for an object array (a symbolic scalar would be broadcast wrongly)."""
    out = np.empty(M.shape, dtype=object)
    out.reshape(-1)[:] = [x * c for x in M.reshape(-1)]
    return out


def peeling_identity_residuals(widths: Sequence[int], k2: int) -> dict[str, int]:
    """The algebra of Hofflin 2023, Claim 3.1/3.2 (T-000-Claim3.2) as polynomial identities in
    generic symbolic matrices (python-flint ``fmpq_mpoly`` over Q), for the architecture
    ``widths`` (d_0..d_L) and a given k2 (1 ≤ k2 ≤ L − 1). Returns, per identity, the number
    of non-zero entries of ``lhs − rhs`` (0 means the identity holds symbolically):

    * ``"fiber_step"`` (20): ``W̃_{k2+1} Ŵ_{k2,-} = Ŵ_{k2+1,-} + δ w (ûᵀ Ŵ_{k2,-})`` — the
      induction step of (19) before ``ûᵀŴ_{k2,-} = 0`` is used;
    * ``"subtract_25_27"``: ``Gᵀ W̃_{k2+1,+} − Gᵀ W̃_{k2+2,+} Ŵ_{k2+1} = δ Gᵀ W̃_{k2+2,+} w ûᵀ``
      (the subtraction of (27) from (25); the report cites "(26)" for (27));
    * ``"peel_28"``: ``(Gᵀ W̃_{k2+2,+} δ w ûᵀ) û = δ (ûᵀû) Gᵀ W̃_{k2+2,+} w`` — (28) before
      dividing by ``δ ûᵀû``.

    The layers above k2+1 are generic symbolic matrices (they may carry their own
    perturbations)."""
    d = [int(x) for x in widths]
    L = len(d) - 1
    if L < 2 or not (1 <= int(k2) <= L - 1):
        raise ShapeError(f"k2: expected 1 ≤ k2 ≤ L − 1 = {L - 1}, got {k2!r}")
    k2 = int(k2)
    names: list[str] = []
    shapes: dict[str, tuple[int, int]] = {"G": (d[L], d[0]), "w": (d[k2 + 1], 1),
                                          "u": (d[k2], 1), "Pm": (d[k2], d[0])}
    for k in range(k2 + 1, L + 1):
        shapes[f"W{k}"] = (d[k], d[k - 1])
    for key, (a, b) in shapes.items():
        names += [f"{key}_{i}_{j}" for i in range(a) for j in range(b)]
    names.append("delta")
    ctx = flint.fmpq_mpoly_ctx.get(tuple(names), "lex")
    gens = dict(zip(names, ctx.gens(), strict=True))

    def sym(key: str) -> np.ndarray:
        a, b = shapes[key]
        out = np.empty((a, b), dtype=object)
        for i, j in itertools.product(range(a), range(b)):
            out[i, j] = gens[f"{key}_{i}_{j}"]
        return out

    G, w, uu, Pm, dl = sym("G"), sym("w"), sym("u"), sym("Pm"), gens["delta"]
    W = {k: sym(f"W{k}") for k in range(k2 + 1, L + 1)}
    Wt1 = W[k2 + 1] + _times(w @ uu.T, dl)
    upper = None  # W̃_{k2+2,+} = W_L ⋯ W_{k2+2}
    for k in range(L, k2 + 1, -1):
        upper = W[k] if upper is None else upper @ W[k]
    if upper is None:
        upper = np.empty((d[L], d[L]), dtype=object)
        for i, j in itertools.product(range(d[L]), range(d[L])):
            upper[i, j] = ctx.constant(int(i == j))

    def nonzero(M: np.ndarray) -> int:
        return int(sum(1 for x in M.reshape(-1) if x != 0))

    fiber = Wt1 @ Pm - (W[k2 + 1] @ Pm + _times(w @ (uu.T @ Pm), dl))
    subtract = G.T @ (upper @ Wt1) - G.T @ upper @ W[k2 + 1] - _times(G.T @ upper @ w @ uu.T,
                                                                       dl)
    lhs28 = (G.T @ upper @ _times(w @ uu.T, dl)) @ uu
    rhs28 = _times(G.T @ upper @ w, dl * (uu.T @ uu)[0, 0])
    return {"fiber_step": nonzero(fiber), "subtract_25_27": nonzero(subtract),
            "peel_28": nonzero(lhs28 - rhs28)}
