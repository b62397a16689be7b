"""Kawaguchi 2016, "Deep learning without poor local minima" (NeurIPS 2016): its formulas in its own
conventions and its proof machinery, evaluated literally so that each can be compared with the
package's oracles (``Landscape.grad`` / ``.hessian``, ``global_minimum``, ``classify``).

Conventions of the text (catalog IDs T-002-Model, T-002-Notation4.1), kept here:

* ``H`` hidden layers, ``h = H + 1`` layers ``W_1 … W_{H+1}``, ``W_k ∈ R^{d_k × d_{k−1}}``,
  ``d_0 = d_x``, ``d_{H+1} = d_y``. A point is the package's tuple ``(W_1, …, W_{H+1})``, input
  side first: the text's layer indices are the package's (1-based) ones.
* ``vec`` stacks columns; the text differentiates with respect to ``vec(W_kᵀ)``, which is the
  **row-major** flattening of ``W_k`` — the package's packing of layer k. Numerator layout:
  ``D_{vec(W_kᵀ)} f ∈ R^{d_out × d_k d_{k−1}}``; the gradient of Lem 4.1 is the column
  ``(D_{vec(W_kᵀ)} L̄)ᵀ``.
* The block matrix of Lem 4.3 lists ``W_{H+1}`` first (the package packs ``W_1`` first):
  :func:`text_block_permutation` converts (``H_text = H_pkg[perm][:, perm]``).
* ``r = (Ŷ − Y)ᵀ ∈ R^{m × d_y}``, ``C = W_{H+1}⋯W_2``, ``A_k = W_{H+1}⋯W_{k+1}``,
  ``B_k = W_{k−1}⋯W_2`` (Lem 4.3/4.4/4.6), and ``W_k⋯W_{k'} = I_{d_k}`` when ``k < k'``.
  **App. B redefines** ``B_k = W_{k−1}⋯W_1`` (:func:`appb_rank_raising_step` uses that one).
* ``L̄ = ½‖Ŷ − Y‖_F²``: the package's :class:`~dlnscape.losses.SquaredLoss` (same ½).
* ``Σ = YXᵀ(XXᵀ)⁻¹XYᵀ = UΛUᵀ`` with ``Λ_11 > … > Λ_{d_y d_y}``; here ``Q = YXᵀ(XXᵀ)⁻¹`` (the
  least-squares matrix), so ``Σ = Q XXᵀ Qᵀ``; ``p = min(d_1..d_H)``, ``p̄ = rank C``,
  ``p̂ = min(p, d_y)``. Index sets ``I`` are returned 0-based (``text_I`` is 1-based).

OCR and typos (the catalog's reconstruction is what is evaluated; where the printed text differs
it is said at the function): Lem 4.2 prints ``(CᵀC)^{-1}`` where the proof needs any generalized
inverse ``(CᵀC)^−`` (the literal inverse does not exist when ``rank C < d_1``); App. A.4 writes the
first term as ``CᵀA_k ⊗ B_kW_1X`` (the wrong shape; the statement's ``X(W_{k−1}⋯W_1X)ᵀ`` is
meant) and ``I_{d_y}`` for ``I_{d_x}``; App. D prints ``W_1 = [w w w]``, ``W_2 = [1 1 w]ᵀ``
(then ``W_3W_2W_1`` is 3 × 3, not the scalar ``2w² + w³``; the catalog transposes both).

Findings (each function returns its evidence; the tests assert the true property):

* **C.1 / Cor 2.4 proof** (also ``tests/critical/test_seed_examples.py``): "every element of the
  Hessian is zero if ``W_H = ⋯ = W_1 = 0``" is contradicted by the text's own Lem 4.3 for
  ``H = 2``: the ``(W_2, W_1)`` block is ``[I_{d_1} ⊗ X][I ⊗ (rW_3)_{·,t}]_t ≠ 0`` when
  ``W_3 ≠ 0``, and Lem 4.4's conclusion fails there, so the Hessian is indefinite
  (:func:`c1_hessian_blocks`). For ``H ≥ 3`` the claim holds.
* **§2.3** "the Hessian of L̄ is Lipschitz continuous": false for every ``H ≥ 1``; along a ray
  ``θ = tθ_0`` the quadratic form ``θ_0ᵀ∇²L̄(tθ_0)θ_0`` is a polynomial of degree ``2H`` in t, so
  the Lipschitz ratio is unbounded; :func:`lipschitz_counterexample` certifies a pair above any
  given K in exact rational arithmetic. (Local Lipschitz continuity, which the argument needs,
  holds: the constant on a ball of radius R grows like ``R^{2H−1}``.)
* **App. B, Case III** (proof of Thm 2.3(ii)): the perturbation ``M_ptb`` "consisting of
  ``v̄_1 … v̄_{p̂−p̄'}`` for the first rows and 0 for the rest" does not raise
  ``rank(W̃_kB_k)`` to ``p̂`` when the first rows of the lower block are among the independent
  rows ``b``; it must go into the dependent rows ``v_i`` (as footnote 6 does for k = 1).
  :func:`appb_rank_raising_step` with ``placement="literal"`` returns the instance. Also, the
  concluding "rank(W_{H+1}⋯W_1) ≥ p̂" cannot hold: the perturbations leave the product unchanged.
* **C.1** ``½(tr YYᵀ ± Σ_{k≤p}Λ_kk)`` for ``±U_pU_pᵀQ`` is wrong for ``−`` (``+3Σ``; tested in
  ``tests/functional/test_squared_and_global.py``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from dlnscape.architecture import Architecture, Point, check_point, end_to_end
from dlnscape.errors import DlnscapeError, LossError, MemoryBudgetError, PointError, ShapeError
from dlnscape.linalg import (
    PRODUCT_SAFETY,
    RankDecision,
    computed_rank,
    default_rtol,
    numerical_rank,
)

#: default relative threshold for "this residual vanishes" (residuals are relative to the scale
#: of the terms they are made of, see each function)
RESIDUAL_RTOL = 1e-8
#: largest Kronecker matrix the literal formulas build (entries)
MAX_KRON_ENTRIES = 20_000_000


# ============================================================================================
# inputs and the text's notation
# ============================================================================================
def _data(X, Y) -> tuple[np.ndarray, np.ndarray]:
    out = []
    for name, a in (("X", X), ("Y", Y)):
        arr = np.asarray(a)
        if arr.dtype == object or not (np.issubdtype(arr.dtype, np.floating)
                                        or np.issubdtype(arr.dtype, np.integer)):
            raise LossError(f"{name}: expected a real numeric matrix, got dtype {arr.dtype}")
        arr = arr.astype(np.float64)
        if arr.ndim != 2 or arr.size == 0:
            raise LossError(f"{name}: expected a non-empty 2-d array, got shape {arr.shape}")
        if not np.all(np.isfinite(arr)):
            raise LossError(f"{name}: expected finite entries")
        out.append(arr)
    X, Y = out
    if X.shape[1] != Y.shape[1]:
        raise LossError(f"Y: expected {X.shape[1]} columns (one per column of X), got {Y.shape}")
    return X, Y


def _point(theta, X: np.ndarray, Y: np.ndarray) -> tuple[Point, tuple[int, ...]]:
    """Validate ``theta`` (widths from its shapes) against the data; errors name the argument."""
    if isinstance(theta, np.ndarray) and theta.ndim == 1:
        raise PointError("theta: expected a tuple (W_1, …, W_{H+1}); got a flat vector — "
                         "use dlnscape.unpack(arch, vector) first")
    try:
        layers = [np.asarray(W) for W in theta]
    except TypeError:
        raise PointError(f"theta: expected a tuple of matrices, got {type(theta).__name__}"
                         ) from None
    if not layers or any(W.ndim != 2 for W in layers):
        raise PointError("theta: expected a non-empty tuple of 2-d matrices (W_1, …, W_{H+1})")
    widths = [layers[0].shape[1]] + [W.shape[0] for W in layers]
    for i, W in enumerate(layers[1:], start=2):
        if W.shape[1] != widths[i - 1]:
            raise PointError(f"theta[{i - 1}] (W_{i}): expected {widths[i - 1]} columns, "
                             f"got shape {W.shape}")
    try:
        theta = check_point(Architecture(widths), layers)
    except DlnscapeError as e:
        raise PointError(f"theta: {e}") from None
    if X.shape[0] != widths[0]:
        raise ShapeError(f"X: expected d_x = {widths[0]} rows (W_1 has {widths[0]} columns), "
                         f"got shape {X.shape}")
    if Y.shape[0] != widths[-1]:
        raise ShapeError(f"Y: expected d_y = {widths[-1]} rows (W_{{H+1}} has {widths[-1]} "
                         f"rows), got shape {Y.shape}")
    return theta, tuple(widths)


def _layer(k, h: int, lo: int, name: str = "k") -> int:
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not lo <= k <= h:
        raise DlnscapeError(f"{name}: expected an integer layer index in [{lo}, {h}], got {k!r}")
    return int(k)


def _prod(theta: Point, widths: Sequence[int], hi: int, lo: int) -> np.ndarray:
    """``W_hi ⋯ W_lo`` (1-based); ``I_{d_hi}`` when ``hi < lo`` (T-002-Notation4.1)."""
    if hi < lo:
        return np.eye(widths[hi])
    M = theta[lo - 1]
    for i in range(lo + 1, hi + 1):
        M = theta[i - 1] @ M
    return M


def _vec(M: np.ndarray) -> np.ndarray:
    """The text's vec: columns stacked (column-major)."""
    return np.asarray(M).reshape(-1, order="F")


def _fro(M) -> float:
    return float(np.linalg.norm(M))


def _ratio(num: float, den: float) -> float:
    """``num/den`` with 0/0 = 0 and x/0 = ∞ (a zero scale demands an exact zero)."""
    if num == 0.0:
        return 0.0
    return num / den if den > 0 else math.inf


def _product_rank(P: np.ndarray, factors: Sequence[np.ndarray]) -> RankDecision:
    """Rank of a computed product (:func:`dlnscape.linalg.computed_rank` with terms
    ``Π‖F_j‖₂``; an empty product of factors has terms of size 1, as in the text's
    W_H⋯W_2 := I)."""
    scale = float(np.prod([np.linalg.norm(F, 2) for F in factors])) if len(factors) else 1.0
    return computed_rank(P, scale)


@dataclass(frozen=True)
class Notation:
    """The text's objects at a point (T-002-Notation4.1): ``r``, ``C``, ``A_k``, ``B_k``,
    ``P_k = W_{k−1}⋯W_1X``, ``Q = YXᵀ(XXᵀ)⁻¹`` (None when XXᵀ is singular)."""

    theta: Point
    widths: tuple[int, ...]
    X: np.ndarray
    Y: np.ndarray
    r: np.ndarray
    C: np.ndarray

    @property
    def H(self) -> int:
        return len(self.theta) - 1

    def prod(self, hi: int, lo: int) -> np.ndarray:
        return _prod(self.theta, self.widths, hi, lo)

    def A(self, k: int) -> np.ndarray:
        """``A_k = W_{H+1}⋯W_{k+1}`` (``I_{d_y}`` for k = H + 1)."""
        return self.prod(self.H + 1, k + 1)

    def B(self, k: int) -> np.ndarray:
        """``B_k = W_{k−1}⋯W_2`` of Lem 4.3/4.4 (``I_{d_1}`` for k = 2)."""
        return self.prod(k - 1, 2)

    def B_appendix(self, k: int) -> np.ndarray:
        """App. B's ``B_k = W_{k−1}⋯W_1`` (``I_{d_x}`` for k = 1)."""
        return self.prod(k - 1, 1)

    def P(self, k: int) -> np.ndarray:
        """``W_{k−1}⋯W_1X`` (X for k = 1)."""
        return self.prod(k - 1, 1) @ self.X

    def to_dict(self) -> dict:
        return {"widths": list(self.widths), "r": self.r.tolist(), "C": self.C.tolist()}


def notation(theta, X, Y) -> Notation:
    """The text's notation at ``theta`` for data ``X ∈ R^{d_x×m}``, ``Y ∈ R^{d_y×m}``."""
    X, Y = _data(X, Y)
    theta, widths = _point(theta, X, Y)
    r = (end_to_end(theta) @ X - Y).T
    C = _prod(theta, widths, len(theta), 2)
    return Notation(theta, widths, X, Y, r, C)


@dataclass(frozen=True)
class Spectrum:
    """``Q = YXᵀ(XXᵀ)⁻¹``, ``Σ = QXXᵀQᵀ = UΛUᵀ`` with the eigenvalues in decreasing order."""

    Q: np.ndarray
    Sigma: np.ndarray
    eigenvalues: np.ndarray
    U: np.ndarray

    def to_dict(self) -> dict:
        return {"Q": self.Q.tolist(), "eigenvalues": self.eigenvalues.tolist()}


def spectrum(X, Y) -> Spectrum:
    """Σ of T-002-Model and its eigendecomposition (XXᵀ must be invertible: ``LossError``)."""
    X, Y = _data(X, Y)
    G = X @ X.T
    dec = numerical_rank(G)
    if dec.rank < G.shape[0] or dec.ambiguous:
        raise LossError(f"X: XXᵀ must be invertible for Σ = YXᵀ(XXᵀ)⁻¹XYᵀ (numerical rank "
                        f"{dec.rank} of {G.shape[0]}, gap {dec.gap:.3g})")
    Q = np.linalg.solve(G, X @ Y.T).T
    S = Q @ G @ Q.T
    S = 0.5 * (S + S.T)
    lam, U = np.linalg.eigh(S)
    return Spectrum(Q, S, lam[::-1].copy(), U[:, ::-1].copy())


# ============================================================================================
# Lem 4.1 and Lem 4.3: gradient and Hessian blocks as Kronecker products
# ============================================================================================
def _kron_guard(*shapes: tuple[int, int]) -> None:
    n = 1
    for s in shapes:
        n *= s[0] * s[1]
    if n > MAX_KRON_ENTRIES:
        raise MemoryBudgetError(f"theta: the literal Kronecker formula needs {n} entries "
                                f"(> {MAX_KRON_ENTRIES}); use Landscape.grad / .hessian")


def lem41_gradient(theta, X, Y, k: int) -> np.ndarray:
    """Kawaguchi 2016, Lem 4.1 (T-002-Lem4.1), literally:
    ``(D_{vec(W_kᵀ)} L̄)ᵀ = (W_{H+1}⋯W_{k+1} ⊗ (W_{k−1}⋯W_1X)ᵀ)ᵀ vec(r)``.

    Returns the column of length ``d_k d_{k−1}`` indexed by ``vec(W_kᵀ)`` = row-major entries of
    ``W_k``: it equals ``Landscape.grad(theta)[k − 1].ravel()`` (no conversion but the
    reshape). The OCR and the catalog agree on this formula.
    """
    n = notation(theta, X, Y)
    k = _layer(k, n.H + 1, 1)
    A, P = n.A(k), n.P(k)
    _kron_guard(A.shape, P.T.shape)
    return np.kron(A, P.T).T @ _vec(n.r)


def lem41_gradients(theta, X, Y) -> tuple[np.ndarray, ...]:
    """:func:`lem41_gradient` for ``k = 1 … H + 1`` (W_1's first, like the package)."""
    h = len(tuple(theta))
    return tuple(lem41_gradient(theta, X, Y, k) for k in range(1, h + 1))


def lem43_diagonal_block(theta, X, Y, k: int) -> np.ndarray:
    """Kawaguchi 2016, Lem 4.3 (T-002-Lem4.3), diagonal block, literally:
    ``D_{vec(W_kᵀ)}(D_{vec(W_kᵀ)}L̄)ᵀ = (A_kᵀA_k) ⊗ (W_{k−1}⋯W_1X)(W_{k−1}⋯W_1X)ᵀ``."""
    n = notation(theta, X, Y)
    k = _layer(k, n.H + 1, 1)
    A, P = n.A(k), n.P(k)
    _kron_guard((A.shape[1],) * 2, (P.shape[0],) * 2)
    return np.kron(A.T @ A, P @ P.T)


def _second_term(left: np.ndarray, rA: np.ndarray, d_km1: int) -> np.ndarray:
    """``left · [I_{d_{k−1}} ⊗ (rA_k)_{·,1} ⋯ I_{d_{k−1}} ⊗ (rA_k)_{·,d_k}]`` (Lem 4.3)."""
    I = np.eye(d_km1)
    right = np.hstack([np.kron(I, rA[:, [t]]) for t in range(rA.shape[1])])
    return left @ right


def lem43_offdiagonal_block(theta, X, Y, k: int) -> np.ndarray:
    """Kawaguchi 2016, Lem 4.3 (T-002-Lem4.3), the blocks with W_1, literally: for
    ``k ∈ {2, …, H+1}``,
    ``D_{vec(W_kᵀ)}(D_{vec(W_1ᵀ)}L̄)ᵀ = (CᵀA_k ⊗ X(W_{k−1}⋯W_1X)ᵀ)
    + [B_kᵀ ⊗ X][I_{d_{k−1}} ⊗ (rA_k)_{·,1} ⋯ I_{d_{k−1}} ⊗ (rA_k)_{·,d_k}]``.

    Rows are W_1's entries, columns W_k's (both ``vec(Wᵀ)`` = row-major): it is the package
    Hessian's block ``H[W_1 rows, W_k columns]``. App. A.4 reprints the first term as
    ``CᵀA_k ⊗ B_kW_1X``, which has the wrong shape (a typo there); the statement is used.
    """
    n = notation(theta, X, Y)
    k = _layer(k, n.H + 1, 2)
    A, B, P = n.A(k), n.B(k), n.P(k)
    d_km1 = n.widths[k - 1]
    _kron_guard((n.widths[1], n.widths[k]), (n.widths[0], d_km1))
    _kron_guard(B.T.shape, n.X.shape)
    first = np.kron(n.C.T @ A, n.X @ P.T)
    return first + _second_term(np.kron(B.T, n.X), n.r @ A, d_km1)


def hessian_block(theta, X, Y, j: int, k: int) -> np.ndarray:
    """The block ``D_{vec(W_kᵀ)}(D_{vec(W_jᵀ)}L̄)ᵀ`` (rows W_j, columns W_k) for any j, k.

    j = k: Lem 4.3's diagonal block; j = 1 < k: Lem 4.3's off-diagonal block; k < j: the
    transpose of (k, j). **Not in the text** for 2 ≤ j < k (the text gives those "via the same
    proof" only for j = 1); our extension, derived as in App. A.3 with ``X`` replaced by
    ``P_j = W_{j−1}⋯W_1X`` and ``B_k`` by ``W_{k−1}⋯W_{j+1}``:
    ``A_jᵀA_k ⊗ P_jP_kᵀ + [(W_{k−1}⋯W_{j+1})ᵀ ⊗ P_j][I ⊗ (rA_k)_{·,t}]_t``; it reduces to the
    text's formula at j = 1 (tested).
    """
    n = notation(theta, X, Y)
    h = n.H + 1
    j, k = _layer(j, h, 1, "j"), _layer(k, h, 1)
    if j == k:
        return lem43_diagonal_block(n.theta, n.X, n.Y, k)
    if k < j:
        return hessian_block(n.theta, n.X, n.Y, k, j).T
    if j == 1:
        return lem43_offdiagonal_block(n.theta, n.X, n.Y, k)
    Aj, Ak, Pj, Pk = n.A(j), n.A(k), n.P(j), n.P(k)
    Bjk = n.prod(k - 1, j + 1)
    _kron_guard((Aj.shape[1], Ak.shape[1]), (Pj.shape[0], Pk.shape[0]))
    _kron_guard(Bjk.T.shape, Pj.shape)
    first = np.kron(Aj.T @ Ak, Pj @ Pk.T)
    return first + _second_term(np.kron(Bjk.T, Pj), n.r @ Ak, n.widths[k - 1])


def text_block_permutation(widths: Sequence[int]) -> np.ndarray:
    """``perm`` with ``H_text = H_pkg[perm][:, perm]``: the text lists ``W_{H+1}`` first, the
    package packs ``W_1`` first; inside a block both use ``vec(W_kᵀ)`` = row-major."""
    arch = Architecture(widths)
    o = arch.offsets
    return np.concatenate([np.arange(o[k - 1], o[k]) for k in range(arch.h, 0, -1)])


@dataclass(frozen=True)
class TextHessian:
    """The Hessian assembled from the blocks of Lem 4.3, in the text's order (W_{H+1} first)."""

    matrix: np.ndarray
    widths: tuple[int, ...]
    sources: dict  # (j, k) -> "Lem 4.3 diagonal" | "Lem 4.3 (k,1)" | "extension (not in text)"

    def package_order(self) -> np.ndarray:
        """The same matrix in the package's packed order (W_1 first)."""
        perm = text_block_permutation(self.widths)
        inv = np.empty_like(perm)
        inv[perm] = np.arange(perm.size)
        return self.matrix[inv][:, inv]

    def to_dict(self) -> dict:
        return {"matrix": self.matrix.tolist(), "widths": list(self.widths),
                "sources": {f"{j},{k}": s for (j, k), s in self.sources.items()}}


def lem43_hessian(theta, X, Y) -> TextHessian:
    """Kawaguchi 2016, Lem 4.3: the full block Hessian ``[D_{vec(W_kᵀ)}(D_{vec(W_jᵀ)}L̄)ᵀ]``
    with rows/columns ordered ``W_{H+1}, …, W_1`` as printed; blocks the text does not give in
    closed form come from :func:`hessian_block`'s extension (``sources`` says which)."""
    n = notation(theta, X, Y)
    h = n.H + 1
    sizes = {k: n.widths[k] * n.widths[k - 1] for k in range(1, h + 1)}
    start, off = {}, 0
    for k in range(h, 0, -1):
        start[k] = off
        off += sizes[k]
    M = np.zeros((off, off))
    sources = {}
    for j in range(1, h + 1):
        for k in range(j, h + 1):
            B = hessian_block(n.theta, n.X, n.Y, j, k)
            M[start[j]:start[j] + sizes[j], start[k]:start[k] + sizes[k]] = B
            M[start[k]:start[k] + sizes[k], start[j]:start[j] + sizes[j]] = B.T
            sources[(j, k)] = ("Lem 4.3 diagonal" if j == k else
                               "Lem 4.3 (k,1)" if j == 1 else "extension (not in text)")
    return TextHessian(M, n.widths, sources)


# ============================================================================================
# generalized inverses (App. A.7 and every "M^−" of the text)
# ============================================================================================
def ginverse(M: np.ndarray, rng: np.random.Generator | int | None = None,
             rtol: float | None = None, *, rank: RankDecision | None = None
             ) -> tuple[np.ndarray, RankDecision]:
    """A generalized inverse ``M^−`` (``MM^−M = M``) and the rank decision it rests on.

    ``rng=None``: the Moore–Penrose ``M^†`` (SVD truncated at the numerical rank, or at
    ``rank.rank`` when a decision is given, e.g. rank C for M = CᵀC); otherwise the random
    g-inverse ``M^† + Z − M^†MZMM^†`` (every g-inverse has this form, Zhang 2006 p. 41), with
    Gaussian Z. The text's statements hold "for any generalized inverse".
    """
    M = np.asarray(M, dtype=np.float64)
    if M.ndim != 2:
        raise ShapeError(f"M: expected a 2-d array, got shape {M.shape}")
    U, s, Vt = np.linalg.svd(M, full_matrices=False)
    dec = numerical_rank(M, rtol) if rank is None else rank
    k = dec.rank
    Mp = (Vt[:k].T / s[:k]) @ U[:, :k].T
    if rng is None:
        return Mp, dec
    Z = np.random.default_rng(rng).standard_normal(Mp.shape)
    return Mp + Z - Mp @ M @ Z @ M @ Mp, dec


def _projector(C: np.ndarray, dec: RankDecision) -> np.ndarray:
    """Orthogonal projector onto ``R(C)`` at the decided rank (= ``C(CᵀC)^−Cᵀ``)."""
    U = np.linalg.svd(C, full_matrices=False)[0][:, : dec.rank]
    return U @ U.T


# ============================================================================================
# Lem 4.2: representation at critical points
# ============================================================================================
@dataclass(frozen=True)
class Lem42Check:
    """Kawaguchi 2016, Lem 4.2 at a point: ``W_{H+1}⋯W_1`` against ``C(CᵀC)^−CᵀYXᵀ(XXᵀ)⁻¹``.

    Residuals are relative to ``‖Q‖`` (``Q = YXᵀ(XXᵀ)⁻¹``; both sides are bounded by it at a
    critical point). ``residual_pinv`` uses ``(CᵀC)^†``, ``residual_ginv`` a random g-inverse;
    ``literal_residual`` the printed ``(CᵀC)⁻¹`` (None when CᵀC is singular: rank C < d_1).
    ``eq2_residual``: App. A.2 eq. (2), ``W_1 = (CᵀC)^−CᵀQ + (I − (CᵀC)^−CᵀC)L`` is solvable for
    L iff ``(CᵀC)^−CᵀC(W_1 − (CᵀC)^−CᵀQ) = 0`` (relative to ``‖(CᵀC)^−Cᵀ‖‖Q‖``).

    ``gradient_term`` = ``‖(Cᵀ)^†∇_{W_1}L̄(XXᵀ)⁻¹‖/‖Q‖`` with the Lem 4.1 gradient (k = 1). The
    proof of Lem 4.2 made quantitative (our addition): at **every** point
    ``W − C(CᵀC)^†CᵀQ = (Cᵀ)^†∇_{W_1}L̄ (XXᵀ)⁻¹`` (``∇_{W_1}L̄ = Cᵀ(W − Q)XXᵀ`` and
    ``P_CW = W``), so the residual vanishes at critical points and, at a numerically critical
    one, is only as small as the gradient over ``σ_min(C)``: the lemma's premise is
    ``applicable`` when this term is below ``rtol``.
    """

    product: np.ndarray
    representation: np.ndarray
    residual_pinv: float
    residual_ginv: float | None
    literal_residual: float | None
    eq2_residual: float
    gradient_term: float
    C_rank: RankDecision
    rtol: float

    @property
    def applicable(self) -> bool:
        return self.gradient_term <= self.rtol and not self.C_rank.ambiguous

    @property
    def holds(self) -> bool | None:
        if self.C_rank.ambiguous:
            return None
        rs = [self.residual_pinv] + ([self.residual_ginv] if self.residual_ginv is not None
                                     else [])
        return max(rs) <= self.rtol

    def to_dict(self) -> dict:
        return {"product": self.product.tolist(), "representation": self.representation.tolist(),
                "residual_pinv": self.residual_pinv, "residual_ginv": self.residual_ginv,
                "literal_residual": self.literal_residual, "eq2_residual": self.eq2_residual,
                "gradient_term": self.gradient_term, "C_rank": self.C_rank.to_dict(),
                "rtol": self.rtol, "applicable": self.applicable, "holds": self.holds}


def lem42_representation(theta, X, Y, *, rng: np.random.Generator | int | None = None,
                         rtol: float = RESIDUAL_RTOL) -> Lem42Check:
    """Kawaguchi 2016, Lem 4.2 (T-002-Lem4.2): at a critical point
    ``W_{H+1}⋯W_1 = C(CᵀC)^−CᵀYXᵀ(XXᵀ)⁻¹`` for any generalized inverse (the catalog's
    reading; the OCR prints ``(CᵀC)^{-1}``, evaluated as ``literal_residual``).

    ``rng``: also evaluate with a random g-inverse (:func:`ginverse`); the Moore–Penrose one is
    always used. Needs XXᵀ invertible (``LossError`` otherwise). See :class:`Lem42Check`.
    """
    n = notation(theta, X, Y)
    sp = spectrum(n.X, n.Y)
    C = n.C
    CtC = C.T @ C
    W = end_to_end(n.theta)
    qn = _fro(sp.Q)
    dec = _product_rank(C, n.theta[1:])
    G, _ = ginverse(CtC, rank=dec)
    R = C @ G @ C.T @ sp.Q
    res_p = _ratio(_fro(W - R), qn)
    res_g = None
    if rng is not None:
        Gr, _ = ginverse(CtC, rng, rank=dec)
        res_g = _ratio(_fro(W - C @ Gr @ C.T @ sp.Q), qn)
    lit = None
    if dec.rank == CtC.shape[0] and not dec.ambiguous:
        lit = _ratio(_fro(W - C @ np.linalg.solve(CtC, C.T @ sp.Q)), qn)
    GCt = G @ C.T
    eq2 = _ratio(_fro(GCt @ C @ (n.theta[0] - GCt @ sp.Q)), _fro(GCt) * qn)
    g1 = lem41_gradient(n.theta, n.X, n.Y, 1).reshape(n.theta[0].shape)  # vec(W_1ᵀ): row-major
    Ct_pinv = ginverse(C.T, rank=dec)[0]
    gt = _ratio(_fro(Ct_pinv @ np.linalg.solve(n.X @ n.X.T, g1.T).T), qn)
    return Lem42Check(W, R, res_p, res_g, lit, eq2, gt, dec, float(rtol))


# ============================================================================================
# the eigenvector structure of R(C) at critical points (used in App. A.6 and App. B)
# ============================================================================================
@dataclass(frozen=True)
class EigenspaceOfC:
    """``R(C)`` against Σ's eigenvectors: at a critical point ``(I − P_C)ΣP_C = 0`` (R(C) is
    Σ-invariant), so with distinct eigenvalues ``R(C) = R(U_I)`` for one index set I.

    ``I`` are the i with ``‖P_Cu_i‖² > ½`` (0-based; ``text_I`` 1-based); ``invariance_residual``
    = ``‖(I − P_C)ΣP_C‖/‖Σ‖``; ``subspace_residual`` = ``‖P_C − U_IU_Iᵀ‖``; ``weights`` the
    ``‖P_Cu_i‖²`` (each 0 or 1 when R(C) is spanned by eigenvectors)."""

    I: tuple[int, ...]
    weights: np.ndarray
    invariance_residual: float
    subspace_residual: float
    C_rank: RankDecision

    @property
    def text_I(self) -> tuple[int, ...]:
        return tuple(i + 1 for i in self.I)

    @property
    def is_top(self) -> bool:
        """``I = {1, …, p̄}``: the p̄ largest eigenvalues (``U_I = U_p̄``)."""
        return self.I == tuple(range(len(self.I)))

    def to_dict(self) -> dict:
        return {"I": list(self.I), "text_I": list(self.text_I), "weights": self.weights.tolist(),
                "invariance_residual": self.invariance_residual,
                "subspace_residual": self.subspace_residual, "is_top": self.is_top,
                "C_rank": self.C_rank.to_dict()}


def eigenspace_of_C(theta, X, Y) -> EigenspaceOfC:
    """Which eigenvectors of Σ span ``R(C)`` (App. A.6: "R(C) = R(U_{I_p̄})")."""
    n = notation(theta, X, Y)
    sp = spectrum(n.X, n.Y)
    dec = _product_rank(n.C, n.theta[1:])
    P = _projector(n.C, dec)
    w = np.einsum("ij,ij->j", sp.U, P @ sp.U)
    I = tuple(int(i) for i in np.flatnonzero(w > 0.5))
    UI = sp.U[:, list(I)]
    inv = _ratio(_fro(P @ sp.Sigma - P @ sp.Sigma @ P), _fro(sp.Sigma))
    return EigenspaceOfC(I, w, inv, _fro(P - UI @ UI.T), dec)


# ============================================================================================
# Lem 4.4, Cor 4.5, Lem 4.6: semidefinite necessary conditions
# ============================================================================================
@dataclass(frozen=True)
class Lem44Term:
    """Lem 4.4 and Cor 4.5 for one k ∈ {2, …, H+1}.

    * ``inclusion_residual`` = ``‖(I − P_{R(CᵀC)})B_kᵀ‖/‖B_k‖`` (``R(B_kᵀ) ⊆ R(CᵀC)``);
    * ``xra_residual`` = ``‖XrA_k‖/(‖X‖‖r‖Π_{j>k}‖W_j‖)`` (``XrW_{H+1}⋯W_{k+1} = 0``;
      ``‖A_k‖ = ‖I_{d_y}‖`` for k = H + 1);
    * ``schur_residual`` = ``‖(I − H_11H_11^†)H_1k‖/‖H_1k‖``: the range condition the proof
      derives from the principal submatrix (``R(H_1k) ⊆ R(H_11)``) with the Lem 4.3 blocks;
    * Cor 4.5: ``rank(W_{H+1}⋯W_k) ≥ rank(B_k)`` (ranks with their gaps) or XrA_k = 0.
    """

    k: int
    inclusion_residual: float
    xra_residual: float
    schur_residual: float
    suffix_rank: RankDecision  # rank(W_{H+1}⋯W_k)
    B_rank: RankDecision  # rank(B_k) = rank(W_{k−1}⋯W_2)
    rtol: float

    @property
    def inclusion(self) -> bool:
        return self.inclusion_residual <= self.rtol

    @property
    def xra_zero(self) -> bool:
        return self.xra_residual <= self.rtol

    @property
    def holds(self) -> bool:
        """Lem 4.4's conclusion for this k."""
        return self.inclusion or self.xra_zero

    @property
    def cor45_holds(self) -> bool | None:
        if self.xra_zero:
            return True
        if self.suffix_rank.ambiguous or self.B_rank.ambiguous:
            return None
        return self.suffix_rank.rank >= self.B_rank.rank

    def to_dict(self) -> dict:
        return {"k": self.k, "inclusion_residual": self.inclusion_residual,
                "xra_residual": self.xra_residual, "schur_residual": self.schur_residual,
                "suffix_rank": self.suffix_rank.to_dict(), "B_rank": self.B_rank.to_dict(),
                "inclusion": self.inclusion, "xra_zero": self.xra_zero, "holds": self.holds,
                "cor45_holds": self.cor45_holds, "rtol": self.rtol}


@dataclass(frozen=True)
class Lem44Check:
    """Lem 4.4 / Cor 4.5 for every k; ``holds``: all k satisfy Lem 4.4's conclusion."""

    terms: tuple[Lem44Term, ...]
    CtC_rank: RankDecision

    @property
    def holds(self) -> bool:
        return all(t.holds for t in self.terms)

    @property
    def cor45_holds(self) -> bool | None:
        vals = [t.cor45_holds for t in self.terms]
        return None if None in vals else all(vals)

    def failing(self) -> tuple[int, ...]:
        return tuple(t.k for t in self.terms if not t.holds)

    def to_dict(self) -> dict:
        return {"terms": [t.to_dict() for t in self.terms], "holds": self.holds,
                "cor45_holds": self.cor45_holds, "CtC_rank": self.CtC_rank.to_dict()}


def lem44_conditions(theta, X, Y, *, rtol: float = RESIDUAL_RTOL) -> Lem44Check:
    """Kawaguchi 2016, Lem 4.4 and Cor 4.5 (T-002-Lem4.4, T-002-Cor4.5): if ∇²L̄ ⪰ 0 or ⪯ 0 at
    a critical point then, for every k ∈ {2, …, H+1}, ``R((W_{k−1}⋯W_2)ᵀ) ⊆ R(CᵀC)`` or
    ``XrW_{H+1}⋯W_{k+1} = 0`` (and hence ``rank(W_{H+1}⋯W_k) ≥ rank(W_{k−1}⋯W_2)`` or the
    same). Evaluates the conclusion (not the hypothesis) with the numbers behind it."""
    n = notation(theta, X, Y)
    h = n.H + 1
    dec = _product_rank(n.C, n.theta[1:])
    P = _projector(n.C.T, dec)  # R(CᵀC) = R(Cᵀ)
    H11 = lem43_diagonal_block(n.theta, n.X, n.Y, 1)
    H11p, _ = ginverse(H11)
    terms = []
    for k in range(2, h + 1):
        B, A = n.B(k), n.A(k)
        inc = _ratio(_fro(B.T - P @ B.T), _fro(B))
        # scale: the factors' norms (A_k itself can be small by cancellation)
        a_scale = float(np.prod([_fro(W) for W in n.theta[k:]])) if k < h else _fro(A)
        xra = _ratio(_fro(n.X @ n.r @ A), _fro(n.X) * _fro(n.r) * a_scale)
        H1k = lem43_offdiagonal_block(n.theta, n.X, n.Y, k)
        sch = _ratio(_fro(H1k - H11 @ (H11p @ H1k)), _fro(H1k))
        suffix = n.prod(h, k)
        terms.append(Lem44Term(k, inc, xra, sch, _product_rank(suffix, n.theta[k - 1:]),
                               _product_rank(B, n.theta[1:k - 1]), float(rtol)))
    return Lem44Check(tuple(terms), dec)


@dataclass(frozen=True)
class Lem46Check:
    """Kawaguchi 2016, Lem 4.6 at a point: ``C(CᵀC)^−Cᵀ = U_p̄U_p̄ᵀ`` or ``Xr = 0``.

    ``projector_residual`` = ``‖C(CᵀC)^†Cᵀ − U_p̄U_p̄ᵀ‖`` (projectors: dimensionless);
    ``xr_residual`` = ``‖Xr‖/(‖X‖‖r‖)``; ``eigenspace``: which eigenvectors span R(C)
    (Lem 4.6 ⟺ they are the top p̄ ones, or Xr = 0). The text's ``p̄ ∈ {1, …}`` excludes
    C = 0; there ``U_0U_0ᵀ = 0 = C(CᵀC)^−Cᵀ`` and the conclusion holds trivially."""

    p_bar: RankDecision
    projector_residual: float
    xr_residual: float
    eigenspace: EigenspaceOfC
    rtol: float

    @property
    def projector_equal(self) -> bool:
        return self.projector_residual <= self.rtol

    @property
    def xr_zero(self) -> bool:
        return self.xr_residual <= self.rtol

    @property
    def holds(self) -> bool | None:
        if self.p_bar.ambiguous:
            return None
        return self.projector_equal or self.xr_zero

    def to_dict(self) -> dict:
        return {"p_bar": self.p_bar.to_dict(), "projector_residual": self.projector_residual,
                "xr_residual": self.xr_residual, "eigenspace": self.eigenspace.to_dict(),
                "projector_equal": self.projector_equal, "xr_zero": self.xr_zero,
                "holds": self.holds, "rtol": self.rtol}


def lem46_condition(theta, X, Y, *, rtol: float = RESIDUAL_RTOL) -> Lem46Check:
    """Kawaguchi 2016, Lem 4.6 (T-002-Lem4.6): if ∇²L̄ ⪰ 0 at a critical point then
    ``C(CᵀC)^−Cᵀ = U_p̄U_p̄ᵀ`` (p̄ = rank C) or ``Xr = 0``. Evaluates the conclusion (the
    projector ``C(CᵀC)^†Cᵀ`` is formed from C's SVD at its decided rank)."""
    n = notation(theta, X, Y)
    es = eigenspace_of_C(n.theta, n.X, n.Y)
    sp = spectrum(n.X, n.Y)
    P = _projector(n.C, es.C_rank)
    Up = sp.U[:, : es.C_rank.rank]
    xr = _ratio(_fro(n.X @ n.r), _fro(n.X) * _fro(n.r))
    return Lem46Check(es.C_rank, _fro(P - Up @ Up.T), xr, es, float(rtol))


# ============================================================================================
# Thm 2.3: hypotheses and the global minimum value
# ============================================================================================
@dataclass(frozen=True)
class Thm23Hypotheses:
    """Thm 2.3's data assumptions: XXᵀ and XYᵀ of full rank, ``d_y ≤ d_x``, Σ with ``d_y``
    distinct eigenvalues (``min_gap`` = smallest ``(λ_i − λ_{i+1})/λ_1``)."""

    XXt_rank: RankDecision
    XYt_rank: RankDecision
    dy_le_dx: bool
    eigenvalues: np.ndarray
    min_gap: float

    @property
    def holds(self) -> bool | None:
        if self.XXt_rank.ambiguous or self.XYt_rank.ambiguous:
            return None
        full = (self.XXt_rank.rank == self.XXt_rank.singular_values.size
                and self.XYt_rank.rank == self.XYt_rank.singular_values.size)
        return bool(full and self.dy_le_dx and self.min_gap > default_rtol(
            (self.eigenvalues.size,), 1e3))

    def to_dict(self) -> dict:
        return {"XXt_rank": self.XXt_rank.to_dict(), "XYt_rank": self.XYt_rank.to_dict(),
                "dy_le_dx": self.dy_le_dx, "eigenvalues": self.eigenvalues.tolist(),
                "min_gap": self.min_gap, "holds": self.holds}


def thm23_hypotheses(X, Y) -> Thm23Hypotheses:
    """Kawaguchi 2016, Thm 2.3's assumptions on the data (T-002-Thm2.3)."""
    X, Y = _data(X, Y)
    G = X @ X.T
    dG = numerical_rank(G)
    dXY = numerical_rank(X @ Y.T)
    if dG.rank < G.shape[0]:
        return Thm23Hypotheses(dG, dXY, Y.shape[0] <= X.shape[0], np.zeros(0), 0.0)
    lam = spectrum(X, Y).eigenvalues
    gap = float(np.min(-np.diff(lam)) / lam[0]) if lam.size > 1 and lam[0] > 0 else (
        math.inf if lam.size == 1 else 0.0)
    return Thm23Hypotheses(dG, dXY, Y.shape[0] <= X.shape[0], lam, gap)


@dataclass(frozen=True)
class Thm23Minimum:
    """Thm 2.3 / C.1: ``L* = ½(tr YYᵀ − Σ_{k≤p̂} λ_k(Σ))``, attained by ``U_p̂U_p̂ᵀQ``."""

    value: float
    product: np.ndarray
    p: int
    p_hat: int
    eigenvalues: np.ndarray

    def to_dict(self) -> dict:
        return {"value": self.value, "product": self.product.tolist(), "p": self.p,
                "p_hat": self.p_hat, "eigenvalues": self.eigenvalues.tolist()}


def thm23_global_minimum(X, Y, widths: Sequence[int]) -> Thm23Minimum:
    """Kawaguchi 2016, Thm 2.3 with App. B/C.1 (T-002-Thm2.3): the global minimum value
    ``½(tr(YYᵀ) − Σ_{k=1}^{min(p,d_y)} λ_k(Σ))`` and the product ``U_p̂U_p̂ᵀYXᵀ(XXᵀ)⁻¹``
    (p = smallest hidden width; ``widths = (d_x, d_1, …, d_H, d_y)``, H ≥ 1)."""
    X, Y = _data(X, Y)
    arch = Architecture(widths)
    if arch.h < 2:
        raise DlnscapeError(f"widths: expected at least one hidden layer (H ≥ 1), got {widths}")
    if arch.d_in != X.shape[0] or arch.d_out != Y.shape[0]:
        raise ShapeError(f"widths: expected d_x = {X.shape[0]} first and d_y = {Y.shape[0]} "
                         f"last, got {list(arch.widths)}")
    sp = spectrum(X, Y)
    p = min(arch.widths[1:-1])
    ph = min(p, Y.shape[0])
    Up = sp.U[:, :ph]
    val = 0.5 * (float(np.vdot(Y, Y)) - float(np.sum(sp.eigenvalues[:ph])))
    return Thm23Minimum(val, Up @ Up.T @ sp.Q, p, ph, sp.eigenvalues)


# ============================================================================================
# App. B (Case III): the rank-raising, loss-preserving perturbation
# ============================================================================================
@dataclass(frozen=True)
class RankRaisingStep:
    """One step ``W̃_k = W_k + εG_k^{-1}[0; M]B_k^†``, ``M = M_ptb(B_kᵀB_k)^†B_kᵀB_k`` of App. B
    (eq. (9) ff.; footnote 6 for k = 1), with its evidence.

    ``rank_before``/``rank_after``: ``rank(W_k⋯W_1)``; the text claims ``rank_after ≥ p̂``.
    ``loss_change``: ``|L̄(θ̃) − L̄(θ)|`` relative to the size of its terms
    ``½‖Ŷ‖² + ½‖Y‖²``; ``product_change``: ``‖μ(θ̃) − μ(θ)‖/‖μ(θ)‖``; ``kernel_residual``:
    ``‖A_kG_k^{-1}[0; M_ptb]‖/(‖A_k‖‖M_ptb‖)`` (the move lies in ker A_k);
    ``hypothesis_residual``: ``‖P_{R(A_k)} − U_p̄U_p̄ᵀ‖`` (the text's ``A_k = [U_p̄ 0]G_k``);
    ``placement``: where ``v̄_i`` go: ``"dependent_rows"`` (rows v_i that are not among the
    independent rows b, as footnote 6 says) or ``"literal"`` (the first rows of the lower
    block, as printed for M_ptb in the inductive step).
    """

    theta: Point
    k: int
    eps: float
    p_bar: int
    p_hat: int
    rank_before: RankDecision
    rank_after: RankDecision
    loss_before: float
    loss_after: float
    loss_change: float
    product_change: float
    kernel_residual: float
    hypothesis_residual: float
    placement: str
    G: np.ndarray
    M_ptb: np.ndarray
    rows_perturbed: tuple[int, ...]
    distance: float

    @property
    def raised(self) -> bool:
        return self.rank_after.rank >= self.p_hat and not self.rank_after.ambiguous

    def to_dict(self) -> dict:
        return {"k": self.k, "eps": self.eps, "p_bar": self.p_bar, "p_hat": self.p_hat,
                "rank_before": self.rank_before.to_dict(),
                "rank_after": self.rank_after.to_dict(), "raised": self.raised,
                "loss_before": self.loss_before, "loss_after": self.loss_after,
                "loss_change": self.loss_change, "product_change": self.product_change,
                "kernel_residual": self.kernel_residual,
                "hypothesis_residual": self.hypothesis_residual, "placement": self.placement,
                "G": self.G.tolist(), "M_ptb": self.M_ptb.tolist(),
                "rows_perturbed": list(self.rows_perturbed), "distance": self.distance,
                "theta": [W.tolist() for W in self.theta]}


def _independent_rows(T: np.ndarray, first: int) -> list[int]:
    """Greedy: the first ``first`` rows, then every row that raises the rank (the text's b's)."""
    chosen = list(range(first))
    for i in range(first, T.shape[0]):
        trial = T[chosen + [i]]
        dec = numerical_rank(trial, atol=PRODUCT_SAFETY * default_rtol(T.shape) * _fro(T))
        if dec.rank == len(chosen) + 1 and not dec.ambiguous:
            chosen.append(i)
    return chosen


def _loss(theta: Point, X: np.ndarray, Y: np.ndarray) -> tuple[float, float]:
    Yh = end_to_end(theta) @ X
    R = Yh - Y
    return 0.5 * float(np.vdot(R, R)), 0.5 * (float(np.vdot(Yh, Yh)) + float(np.vdot(Y, Y)))


def appb_rank_raising_step(theta, X, Y, k: int, eps: float = 1e-3, *,
                           G: np.ndarray | None = None, placement: str = "dependent_rows",
                           rng: np.random.Generator | int | None = 0) -> RankRaisingStep:
    """Kawaguchi 2016, App. B, Case III (T-002-Sec4.3/AppB): the perturbation of W_k that keeps
    L̄ and raises ``rank(W_k⋯W_1)`` to at least ``p̂ = min(p, d_y)``.

    ``A_k = W_{H+1}⋯W_{k+1} = [U_p̄ 0]G_k`` (App. B's hypothesis R(A_k) = R(U_p̄), reported as
    ``hypothesis_residual``; the construction itself only needs ``rank A_k = p̄``):
    ``G_k = [U_p̄ᵀA_k; Nᵀ]`` with N an orthonormal basis of ker A_k, or the ``G`` given (it must
    satisfy ``A_k = [U_p̄ 0]G``). With App. B's ``B_k = W_{k−1}⋯W_1`` (``I_{d_x}`` for k = 1)
    the lower rows of ``G_kW_kB_k`` are sorted into independent ones (b) and the rest (v), and
    ``p̂ − p̄'`` vectors ``v̄_i ∈ R(B_kᵀB_k)`` completing the b's (random, ``rng``) form
    ``M_ptb``, placed per ``placement`` (see :class:`RankRaisingStep`).
    ``p̄`` is ``rank A_k`` here (the text's ``rank C``; equal under its hypothesis).
    """
    if placement not in ("dependent_rows", "literal"):
        raise DlnscapeError(f"placement: expected 'dependent_rows' or 'literal', got "
                            f"{placement!r}")
    if not (isinstance(eps, (int, float)) and math.isfinite(eps) and eps > 0):
        raise DlnscapeError(f"eps: expected a finite number > 0, got {eps!r}")
    n = notation(theta, X, Y)
    h = n.H + 1
    if h < 2:
        raise PointError("theta: App. B needs at least one hidden layer (H ≥ 1)")
    k = _layer(k, h, 1)
    sp = spectrum(n.X, n.Y)
    A, B = n.A(k), n.B_appendix(k)
    dk = n.widths[k]
    decA = _product_rank(A, n.theta[k:])
    pb = decA.rank
    p_hat = min(min(n.widths[1:-1]), n.widths[-1])
    Up = sp.U[:, :pb]
    UA = np.linalg.svd(A, full_matrices=False)[0][:, :pb]
    hyp = _fro(UA @ UA.T - Up @ Up.T)
    if G is None:
        N = np.linalg.svd(A)[2][pb:].T  # ker A_k
        G = np.vstack([Up.T @ A, N.T])
    else:
        G = np.asarray(G, dtype=np.float64)
        if G.shape != (dk, dk):
            raise ShapeError(f"G: expected shape {(dk, dk)}, got {G.shape}")
        lhs = np.hstack([Up, np.zeros((A.shape[0], dk - pb))]) @ G
        if _fro(lhs - A) > RESIDUAL_RTOL * max(_fro(A), 1e-300) or \
                numerical_rank(G).rank < dk:
            raise DlnscapeError("G: expected an invertible G_k with A_k = [U_p̄ 0]G_k")
    Gi = np.linalg.inv(G)
    T = G @ n.theta[k - 1] @ B  # = [U_p̄ᵀQ-part; lower rows]
    before = _product_rank(n.theta[k - 1] @ B, n.theta[:k])
    chosen = _independent_rows(T, pb)
    p_prime = len(chosen)
    need = max(p_hat - p_prime, 0)
    BtB = B.T @ B
    basis = np.linalg.svd(B, full_matrices=False)[2][: _product_rank(B, n.theta[:k - 1]).rank]
    gen = np.random.default_rng(rng)
    vbar = np.zeros((need, T.shape[1]))
    span = T[chosen]
    for i in range(need):  # v̄_i ∈ R(B_kᵀB_k) = row space of B_k, independent of span
        for _ in range(20):
            cand = gen.standard_normal(basis.shape[0]) @ basis
            trial = np.vstack([span, cand])
            if numerical_rank(trial).rank == trial.shape[0]:
                break
        vbar[i] = cand
        span = np.vstack([span, cand])
    lower = [i for i in range(pb, dk)]
    if placement == "dependent_rows":
        rows = [i for i in lower if i not in chosen][:need]
    else:
        rows = lower[:need]
    M_ptb = np.zeros((dk - pb, T.shape[1]))
    for v, i in zip(vbar, rows, strict=False):
        M_ptb[i - pb] = v
    Mfull = M_ptb @ ginverse(BtB)[0] @ BtB
    D = Gi @ np.vstack([np.zeros((pb, T.shape[1])), Mfull]) @ ginverse(B)[0]
    new = list(n.theta)
    new[k - 1] = n.theta[k - 1] + float(eps) * D
    new = tuple(new)
    after = _product_rank(new[k - 1] @ B, new[:k])
    l0, s0 = _loss(n.theta, n.X, n.Y)
    l1, s1 = _loss(new, n.X, n.Y)
    W0, W1 = end_to_end(n.theta), end_to_end(new)
    ker = _ratio(_fro(A @ Gi @ np.vstack([np.zeros((pb, T.shape[1])), M_ptb])),
                 _fro(A) * _fro(M_ptb))
    return RankRaisingStep(new, k, float(eps), pb, p_hat, before, after, l0, l1,
                           _ratio(abs(l1 - l0), max(s0, s1)), _ratio(_fro(W1 - W0), _fro(W0)),
                           ker, hyp, placement, G, M_ptb, tuple(rows),
                           float(eps) * _fro(D))


# ============================================================================================
# C.1: the Hessian at W_H = … = W_1 = 0 from the text's own Lem 4.3
# ============================================================================================
@dataclass(frozen=True)
class C1Evidence:
    """The blocks of :func:`lem43_hessian` at a C.1 point and Lem 4.4's conclusion there.

    ``block_norms[(j, k)]`` = ``‖block‖_F`` (rows W_j, columns W_k); ``nonzero`` lists the
    non-zero blocks; ``lem44``: if it fails, the Hessian is neither PSD nor NSD (Lem 4.4)."""

    H: int
    block_norms: dict
    nonzero: tuple[tuple[int, int], ...]
    hessian_norm: float
    lem44: Lem44Check
    eigenvalue_min: float
    eigenvalue_max: float

    @property
    def hessian_is_zero(self) -> bool:
        return not self.nonzero

    def to_dict(self) -> dict:
        return {"H": self.H, "block_norms": {f"{j},{k}": v for (j, k), v in
                                              self.block_norms.items()},
                "nonzero": [list(p) for p in self.nonzero], "hessian_norm": self.hessian_norm,
                "lem44": self.lem44.to_dict(), "eigenvalue_min": self.eigenvalue_min,
                "eigenvalue_max": self.eigenvalue_max, "hessian_is_zero": self.hessian_is_zero}


def c1_hessian_blocks(theta, X, Y) -> C1Evidence:
    """Kawaguchi 2016, App. C.1 (T-002-Cor2.4): "from the proof of Lemma 4.3, every diagonal and
    off-diagonal element of the Hessian is zero if W_H = ⋯ = W_1 = 0" — evaluated with the
    text's own block formulas (:func:`lem43_hessian`) at ``theta`` (which must have
    ``W_1 = … = W_H = 0``; ``W_{H+1}`` arbitrary). Finding: false for H = 2, W_3 ≠ 0."""
    n = notation(theta, X, Y)
    if any(np.any(W) for W in n.theta[:-1]):
        raise PointError("theta: expected W_1 = … = W_H = 0 (the points of App. C.1)")
    th = lem43_hessian(n.theta, n.X, n.Y)
    h = n.H + 1
    norms = {(j, k): _fro(hessian_block(n.theta, n.X, n.Y, j, k))
             for j in range(1, h + 1) for k in range(j, h + 1)}
    ev = np.linalg.eigvalsh(th.matrix)
    return C1Evidence(n.H, norms, tuple(p for p, v in norms.items() if v != 0.0),
                      _fro(th.matrix), lem44_conditions(n.theta, n.X, n.Y),
                      float(ev[0]), float(ev[-1]))


# ============================================================================================
# §2.3: "the Hessian of L̄ is Lipschitz continuous"
# ============================================================================================
def _q(x: float) -> Fraction:
    return Fraction(float(x))


def _qmat(M: np.ndarray) -> list[list[Fraction]]:
    return [[_q(x) for x in row] for row in np.asarray(M, dtype=np.float64)]


def _qmul(A: list[list[Fraction]], B: list[list[Fraction]]) -> list[list[Fraction]]:
    Bt = list(zip(*B, strict=True))
    return [[sum((a * b for a, b in zip(row, col, strict=True)), Fraction(0)) for col in Bt]
            for row in A]


def _qdot(A: list[list[Fraction]], B: list[list[Fraction]]) -> Fraction:
    return sum((a * b for ra, rb in zip(A, B, strict=True) for a, b in zip(ra, rb, strict=True)),
               Fraction(0))


@dataclass(frozen=True)
class RayPolynomial:
    """``q(t) = θ_0ᵀ∇²L̄(tθ_0)θ_0`` exactly: with ``a = ‖μ(θ_0)X‖²``, ``b = ⟨μ(θ_0)X, Y⟩`` and
    h = H + 1 layers, ``L̄(τθ_0) = ½aτ^{2h} − bτ^h + ½‖Y‖²``, so
    ``q(t) = h(2h−1)a t^{2h−2} − h(h−1)b t^{h−2}`` (coefficients in ``coefficients[i]`` of t^i)."""

    h: int
    a: Fraction
    b: Fraction
    theta_norm_sq: Fraction
    coefficients: tuple[Fraction, ...]

    def __call__(self, t) -> Fraction:
        t = Fraction(t)
        return sum((c * t ** i for i, c in enumerate(self.coefficients)), Fraction(0))

    @property
    def degree(self) -> int:
        nz = [i for i, c in enumerate(self.coefficients) if c != 0]
        return nz[-1] if nz else -1

    def to_dict(self) -> dict:
        return {"h": self.h, "a": str(self.a), "b": str(self.b),
                "theta_norm_sq": str(self.theta_norm_sq),
                "coefficients": [str(c) for c in self.coefficients], "degree": self.degree}


def ray_polynomial(X, Y, theta0) -> RayPolynomial:
    """:class:`RayPolynomial` in exact rational arithmetic (floats are exact rationals)."""
    Xd, Yd = _data(X, Y)
    theta0, widths = _point(theta0, Xd, Yd)
    h = len(theta0)
    M = _qmat(theta0[0])
    for W in theta0[1:]:
        M = _qmul(_qmat(W), M)
    Z = _qmul(M, _qmat(Xd))
    a = _qdot(Z, Z)
    b = _qdot(Z, _qmat(Yd))
    ns = sum((_qdot(_qmat(W), _qmat(W)) for W in theta0), Fraction(0))
    coef = [Fraction(0)] * (2 * h - 1)
    coef[2 * h - 2] += h * (2 * h - 1) * a
    if h >= 2:
        coef[h - 2] -= h * (h - 1) * b
    return RayPolynomial(h, a, b, ns, tuple(coef))


@dataclass(frozen=True)
class LipschitzCounterexample:
    """A certified pair ``θ = tθ_0``, ``θ' = t'θ_0`` with
    ``‖∇²L̄(θ) − ∇²L̄(θ')‖₂ / ‖θ − θ'‖ > K``.

    Proof: ``‖M‖₂ ≥ |vᵀMv|/‖v‖²`` with ``v = θ_0``, so the ratio is at least
    ``ρ = |q(t) − q(t')| / (|t − t'| ‖θ_0‖³)``; certified ``ρ > K`` iff
    ``(q(t) − q(t'))² > K²(t − t')²‖θ_0‖⁶`` — exact rationals (``certificate`` holds both
    sides). Since ``deg q = 2H ≥ 2`` with a non-zero leading coefficient, ρ is unbounded along
    the ray: no K is a Lipschitz constant of ∇²L̄."""

    K: float
    t: Fraction
    t2: Fraction
    ratio_lower_bound: float
    certified: bool
    polynomial: RayPolynomial
    certificate: tuple[Fraction, Fraction]  # (lhs, rhs) of the squared inequality

    def to_dict(self) -> dict:
        return {"K": self.K, "t": str(self.t), "t2": str(self.t2),
                "ratio_lower_bound": self.ratio_lower_bound, "certified": self.certified,
                "polynomial": self.polynomial.to_dict(),
                "certificate": [str(self.certificate[0]), str(self.certificate[1])]}


def lipschitz_counterexample(X, Y, theta0, K: float, *, max_doublings: int = 200
                             ) -> LipschitzCounterexample:
    """Kawaguchi 2016, §2.3 (T-002-Sec2.3-remarks (a)): "the Hessian of L̄(W) is Lipschitz
    continuous". A certified counterexample for the constant ``K``: ``t = 2^j`` (smallest j),
    ``t' = t + 1`` (see :class:`LipschitzCounterexample`). Needs ``μ(θ_0)X ≠ 0`` and H ≥ 1
    (for one layer the Hessian is constant and the claim is true: ``DlnscapeError``)."""
    if not (isinstance(K, (int, float)) and math.isfinite(K) and K >= 0):
        raise DlnscapeError(f"K: expected a finite number ≥ 0, got {K!r}")
    q = ray_polynomial(X, Y, theta0)
    if q.h < 2:
        raise DlnscapeError("theta0: one layer (H = 0): ∇²L̄ is constant, hence Lipschitz")
    if q.a == 0:
        raise DlnscapeError("theta0: μ(θ_0)X = 0, so q has no growing term along this ray")
    Kq = Fraction(K)
    for j in range(max_doublings + 1):
        t = Fraction(2) ** j
        t2 = t + 1
        lhs = (q(t) - q(t2)) ** 2
        rhs = Kq * Kq * (t - t2) ** 2 * q.theta_norm_sq ** 3
        if lhs > rhs:
            rho = abs(float(q(t) - q(t2))) / (float(abs(t - t2)) * float(q.theta_norm_sq) ** 1.5)
            return LipschitzCounterexample(float(K), t, t2, rho, True, q, (lhs, rhs))
    raise DlnscapeError(  # pragma: no cover - q has degree ≥ 2 with a positive leading term
        f"max_doublings: no pair found up to t = 2^{max_doublings}")


def hessian_lipschitz_ratio(landscape, theta, theta2) -> float:
    """``‖∇²L(θ) − ∇²L(θ')‖₂ / ‖θ − θ'‖`` from the package's dense Hessians (float64): the
    local Lipschitz ratio that §2.3's remark is about."""
    H1 = landscape.hessian(theta)
    H2 = landscape.hessian(theta2)
    d = np.linalg.norm(landscape.pack(theta) - landscape.pack(theta2))
    if d == 0:
        raise DlnscapeError("theta2: expected a point different from theta")
    return float(np.linalg.norm(H1 - H2, 2) / d)


# ============================================================================================
# App. D: the 2w² + w³ example and the collapsed representation
# ============================================================================================
@dataclass(frozen=True)
class AppDExample:
    """App. D's f(w) = W_3W_2W_1 with W_1 = [w, w, w]ᵀ, W_2 = [1, 1, w], W_3 = w (the catalog's
    reconstruction; exact polynomial arithmetic, python-flint ``fmpq_poly``).

    ``coefficients`` of f (t^0 first); ``f_prime_0``, ``f_second_0``, ``f_minus_3``; the text's
    claims: f = 2w² + w³, a local minimum at 0 (f'(0) = 0, f''(0) > 0) that is not global
    (f(−3) = −9 < f(0)); ``surjective``: odd degree (f represents every real, like g(a) = a);
    ``unbounded_below``: f has no global minimum at all. ``printed_shape``: the shape of
    W_3W_2W_1 with the matrices as printed (W_1 = [w w w], W_2 = [1 1 w]ᵀ): (3, 3), not a
    scalar — the OCR's W_1 and W_2 are transposed."""

    coefficients: tuple[Fraction, ...]
    f_prime_0: Fraction
    f_second_0: Fraction
    f_0: Fraction
    f_minus_3: Fraction
    surjective: bool
    unbounded_below: bool
    printed_shape: tuple[int, int]

    @property
    def strict_local_minimum_at_0(self) -> bool:
        return self.f_prime_0 == 0 and self.f_second_0 > 0

    def to_dict(self) -> dict:
        return {"coefficients": [str(c) for c in self.coefficients],
                "f_prime_0": str(self.f_prime_0), "f_second_0": str(self.f_second_0),
                "f_0": str(self.f_0), "f_minus_3": str(self.f_minus_3),
                "surjective": self.surjective, "unbounded_below": self.unbounded_below,
                "printed_shape": list(self.printed_shape),
                "strict_local_minimum_at_0": self.strict_local_minimum_at_0}


def _poly_matmul(A: list[list], B: list[list]) -> list[list]:
    from flint import fmpq_poly

    return [[sum((A[i][t] * B[t][j] for t in range(len(B))), fmpq_poly(0))
             for j in range(len(B[0]))] for i in range(len(A))]


def appd_example() -> AppDExample:
    """Kawaguchi 2016, App. D (T-002-AppD), exactly."""
    from flint import fmpq, fmpq_poly

    w, one = fmpq_poly([0, 1]), fmpq_poly([1])
    W1 = [[w], [w], [w]]  # 3 × 1
    W2 = [[one, one, w]]  # 1 × 3
    W3 = [[w]]
    f = _poly_matmul(W3, _poly_matmul(W2, W1))[0][0]
    # as printed: W_2 = [1 1 w]ᵀ (3 × 1) times W_1 = [w w w] (1 × 3), times the scalar W_3 = w
    printed = [[w * x for x in row] for row in _poly_matmul([[one], [one], [w]], [[w, w, w]])]
    coeffs = tuple(Fraction(int(c.p), int(c.q)) for c in f.coeffs())
    d1, d2 = f.derivative(), f.derivative().derivative()

    def ev(p, x) -> Fraction:
        v = p(fmpq(x))
        return Fraction(int(v.p), int(v.q))

    deg = f.degree()
    lead = Fraction(int(f.leading_coefficient().p), int(f.leading_coefficient().q))
    return AppDExample(coeffs, ev(d1, 0), ev(d2, 0), ev(f, 0), ev(f, -3), deg % 2 == 1,
                       deg % 2 == 1 or (deg > 0 and lead < 0), (len(printed), len(printed[0])))


@dataclass(frozen=True)
class CollapseCheck:
    """App. D, second part: with ``A = W_{H+1}⋯W_{i+1}``, ``B = W_i⋯W_1``, ``C = W_{H+1}⋯W_2``,
    at a critical point ``AB = C(CᵀC)^−CᵀQ`` (Lem 4.2) while the 1-hidden-layer form
    ``AB = A(AᵀA)^−AᵀQ`` need not hold unless i = 1 (residuals relative to ‖Q‖)."""

    i: int
    residual_C: float
    residual_A: float
    rank_A: RankDecision
    rank_C: RankDecision

    def to_dict(self) -> dict:
        return {"i": self.i, "residual_C": self.residual_C, "residual_A": self.residual_A,
                "rank_A": self.rank_A.to_dict(), "rank_C": self.rank_C.to_dict()}


def appd_collapse_check(theta, X, Y, i: int) -> CollapseCheck:
    """Kawaguchi 2016, App. D: the collapsed representation at layer ``i ∈ {1, …, H}``."""
    n = notation(theta, X, Y)
    i = _layer(i, n.H, 1, "i")
    sp = spectrum(n.X, n.Y)
    A = n.prod(n.H + 1, i + 1)
    W = end_to_end(n.theta)
    dA, dC = _product_rank(A, n.theta[i:]), _product_rank(n.C, n.theta[1:])
    qn = _fro(sp.Q)
    return CollapseCheck(i, _ratio(_fro(W - _projector(n.C, dC) @ sp.Q), qn),
                         _ratio(_fro(W - _projector(A, dA) @ sp.Q), qn), dA, dC)


# ============================================================================================
# App. A.7: generalized inverse of a Kronecker product, exactly
# ============================================================================================
def exact_matrix(M):
    """``M`` as a python-flint ``fmpq_mat`` (ints, Fractions and floats converted exactly)."""
    from flint import fmpq, fmpq_mat

    if isinstance(M, fmpq_mat):
        return M
    rows = [[fmpq(x.numerator, x.denominator) if isinstance(x, Fraction) else
             fmpq(*Fraction(x).as_integer_ratio()) for x in row] for row in np.asarray(
                 M, dtype=object).tolist()]
    return fmpq_mat(rows)


def exact_kron(A, B):
    """The Kronecker product of two ``fmpq_mat`` (or anything :func:`exact_matrix` takes)."""
    from flint import fmpq_mat

    A, B = exact_matrix(A), exact_matrix(B)

    m, n, p, q = A.nrows(), A.ncols(), B.nrows(), B.ncols()
    out = fmpq_mat(m * p, n * q)
    for i in range(m):
        for j in range(n):
            a = A[i, j]
            for s in range(p):
                for t in range(q):
                    out[i * p + s, j * q + t] = a * B[s, t]
    return out


def exact_pinv(M):
    """Moore–Penrose inverse over Q by a full-rank factorisation ``M = FG`` (F = pivot columns,
    G = non-zero rows of rref): ``M^† = Gᵀ(GGᵀ)⁻¹(FᵀF)⁻¹Fᵀ``."""
    from flint import fmpq_mat

    M = exact_matrix(M)
    R, rank = M.rref()
    m, n = M.nrows(), M.ncols()
    if rank == 0:
        return fmpq_mat(n, m)
    piv = []
    for i in range(rank):
        piv.append(next(j for j in range(n) if R[i, j] != 0))
    F = fmpq_mat([[M[i, j] for j in piv] for i in range(m)])
    G = fmpq_mat([[R[i, j] for j in range(n)] for i in range(rank)])
    Gt, Ft = G.transpose(), F.transpose()
    return Gt * (G * Gt).inv() * (Ft * F).inv() * Ft


@dataclass(frozen=True)
class KroneckerGinverseCheck:
    """App. A.7 in exact rational arithmetic: ``(A ⊗ B)(A^− ⊗ B^−)(A ⊗ B) = A ⊗ B`` for the given
    g-inverses; the four Penrose conditions for ``A^† ⊗ B^†``; ``(A ⊗ B)^† = A^† ⊗ B^†`` with
    the left side computed directly (:func:`exact_pinv` of the Kronecker product)."""

    ginverse_ok: bool
    penrose: tuple[bool, bool, bool, bool]
    pinv_equal: bool
    ranks: tuple[int, int, int]  # rank A, rank B, rank A⊗B

    @property
    def holds(self) -> bool:
        return self.ginverse_ok and all(self.penrose) and self.pinv_equal

    def to_dict(self) -> dict:
        return {"ginverse_ok": self.ginverse_ok, "penrose": list(self.penrose),
                "pinv_equal": self.pinv_equal, "ranks": list(self.ranks), "holds": self.holds}


def exact_ginverse(M, Z) -> object:
    """The g-inverse ``M^† + Z − M^†MZMM^†`` over Q (any Z of the transposed shape)."""
    M, Z = exact_matrix(M), exact_matrix(Z)
    Mp = exact_pinv(M)
    return Mp + Z - Mp * M * Z * M * Mp


def kronecker_ginverse_identity(A, B, A_minus=None, B_minus=None) -> KroneckerGinverseCheck:
    """Kawaguchi 2016, App. A.7 (T-002-AppA7), exactly (python-flint ``fmpq_mat``; float
    entries are converted exactly). ``A_minus``/``B_minus``: g-inverses to test (default the
    Moore–Penrose ones)."""
    A, B = exact_matrix(A), exact_matrix(B)
    Am = exact_pinv(A) if A_minus is None else exact_matrix(A_minus)
    Bm = exact_pinv(B) if B_minus is None else exact_matrix(B_minus)
    if (Am.nrows(), Am.ncols()) != (A.ncols(), A.nrows()):
        raise ShapeError(f"A_minus: expected shape {(A.ncols(), A.nrows())}")
    if (Bm.nrows(), Bm.ncols()) != (B.ncols(), B.nrows()):
        raise ShapeError(f"B_minus: expected shape {(B.ncols(), B.nrows())}")
    K = exact_kron(A, B)
    gok = K * exact_kron(Am, Bm) * K == K
    Kp = exact_kron(exact_pinv(A), exact_pinv(B))
    pen = (K * Kp * K == K, Kp * K * Kp == Kp, (K * Kp).transpose() == K * Kp,
           (Kp * K).transpose() == Kp * K)
    return KroneckerGinverseCheck(bool(gok), tuple(bool(x) for x in pen),
                                  bool(exact_pinv(K) == Kp), (A.rank(), B.rank(), K.rank()))


__all__ = [
    "AppDExample", "C1Evidence", "CollapseCheck", "EigenspaceOfC", "KroneckerGinverseCheck",
    "Lem42Check", "Lem44Check", "Lem44Term", "Lem46Check", "LipschitzCounterexample",
    "Notation", "RankRaisingStep", "RayPolynomial", "Spectrum", "TextHessian",
    "Thm23Hypotheses", "Thm23Minimum", "appb_rank_raising_step", "appd_collapse_check",
    "appd_example", "c1_hessian_blocks", "eigenspace_of_C", "exact_ginverse", "exact_pinv",
    "exact_kron", "exact_matrix", "ginverse", "hessian_block", "hessian_lipschitz_ratio",
    "kronecker_ginverse_identity",
    "lem41_gradient", "lem41_gradients", "lem42_representation", "lem43_diagonal_block",
    "lem43_hessian", "lem43_offdiagonal_block", "lem44_conditions", "lem46_condition",
    "lipschitz_counterexample", "notation", "ray_polynomial", "spectrum",
    "text_block_permutation", "thm23_global_minimum", "thm23_hypotheses",
]
