"""Numerical rank with evidence, null spaces, subspace intersections: the tolerance policy.

Policy: the numerical rank of A is the number of singular values above
``rtol · σ_max`` with ``rtol = factor · max(m, n) · eps``. Every decision returns the singular
values and the gap ``σ_k / σ_{k+1}`` at the cut; a decision whose gap is below
``AMBIGUOUS_GAP`` is *ambiguous*, and analyses that depend on it must answer "undetermined".
Criticality and every other threshold: :mod:`dlnscape.tolerances`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

EPS = float(np.finfo(np.float64).eps)
#: a rank cut whose gap σ_k/σ_{k+1} is below this is reported as ambiguous
AMBIGUOUS_GAP = 1e3


def default_rtol(shape: tuple[int, ...], factor: float = 1.0) -> float:
    return factor * max(shape + (1,)) * EPS


@dataclass(frozen=True)
class RankDecision:
    """A numerical rank with the evidence behind it."""

    rank: int
    singular_values: np.ndarray
    threshold: float
    gap: float  # σ_rank / σ_{rank+1}; σ_min / threshold at full rank; inf for the zero matrix
    ambiguous: bool

    def to_dict(self) -> dict:
        return {
            "rank": self.rank,
            "singular_values": self.singular_values.tolist(),
            "threshold": self.threshold,
            "gap": self.gap,
            "ambiguous": self.ambiguous,
        }


def _decide(s: np.ndarray, shape: tuple[int, ...], rtol: float | None, atol: float) -> RankDecision:
    smax = float(s[0]) if s.size else 0.0
    rtol = default_rtol(shape) if rtol is None else rtol
    thr = max(rtol * smax, atol)
    rank = int(np.sum(s > thr))
    if s.size == 0:
        gap = np.inf
    elif rank == 0:
        gap = np.inf if smax == 0.0 else max(thr, 1e-300) / smax
    elif rank == s.size:
        gap = float(s[-1] / thr) if thr > 0 else np.inf  # distance of σ_min above the cut
    else:
        gap = float(s[rank - 1] / s[rank]) if s[rank] > 0 else np.inf
    return RankDecision(rank, s, thr, gap, bool(gap < AMBIGUOUS_GAP))


def numerical_rank(A: np.ndarray, rtol: float | None = None, atol: float = 0.0) -> RankDecision:
    """Rank of ``A`` with singular values, threshold and gap (see module docstring).

    For the zero matrix (σ_max = 0) the rank is 0 and the gap infinite.
    """
    A = np.asarray(A, dtype=np.float64)
    if A.ndim != 2:
        raise ValueError(f"A: expected a 2-d array, got shape {A.shape}")
    s = np.linalg.svd(A, compute_uv=False) if A.size else np.zeros(0)
    return _decide(s, A.shape, rtol, atol)


def null_space(A: np.ndarray, rtol: float | None = None) -> tuple[np.ndarray, RankDecision]:
    """Orthonormal basis of ``ker A`` (columns) and the rank decision it rests on."""
    A = np.asarray(A, dtype=np.float64)
    if A.size == 0:
        return np.eye(A.shape[1]), _decide(np.zeros(0), A.shape, rtol, 0.0)
    _, s, Vt = np.linalg.svd(A, full_matrices=True)
    dec = _decide(s, A.shape, rtol, 0.0)
    return Vt[dec.rank :].T.copy(), dec


def range_basis(A: np.ndarray, rtol: float | None = None) -> tuple[np.ndarray, RankDecision]:
    """Orthonormal basis of the column space of ``A`` and its rank decision."""
    A = np.asarray(A, dtype=np.float64)
    if A.size == 0:
        return np.zeros((A.shape[0], 0)), _decide(np.zeros(0), A.shape, rtol, 0.0)
    U, s, _ = np.linalg.svd(A, full_matrices=False)
    dec = _decide(s, A.shape, rtol, 0.0)
    return U[:, : dec.rank].copy(), dec


def intersection_dimension(U: np.ndarray, V: np.ndarray, rtol: float | None = None) -> RankDecision:
    """``dim(span U ∩ span V)`` = dim U + dim V − rank[U | V], as a rank decision on [U | V].

    The returned decision's ``rank`` field holds the *intersection dimension*; its singular
    values are those of ``[U | V]`` (U and V given with orthonormal columns).
    """
    U = np.asarray(U, dtype=np.float64)
    V = np.asarray(V, dtype=np.float64)
    if U.shape[1] == 0 or V.shape[1] == 0:
        return RankDecision(0, np.zeros(0), 0.0, np.inf, False)
    dec = numerical_rank(np.hstack([U, V]), rtol)
    dim = U.shape[1] + V.shape[1] - dec.rank
    return RankDecision(dim, dec.singular_values, dec.threshold, dec.gap, dec.ambiguous)


def inertia(eigenvalues: np.ndarray, scale: float | None = None, rtol: float | None = None):
    """(n_negative, n_zero, n_positive) with zero meaning ``|λ| ≤ rtol · max(|λ_max|, scale)``."""
    ev = np.asarray(eigenvalues, dtype=np.float64)
    big = max(float(np.max(np.abs(ev))) if ev.size else 0.0, scale or 0.0, 1e-300)
    thr = (default_rtol((ev.size,), 1e2) if rtol is None else rtol) * big
    return int(np.sum(ev < -thr)), int(np.sum(np.abs(ev) <= thr)), int(np.sum(ev > thr)), thr


#: the absolute cut for computed matrices sits this far above their rounding level
PRODUCT_SAFETY = 1000.0


def computed_rank(A: np.ndarray, terms: float, rtol: float | None = None) -> RankDecision:
    """Numerical rank of a *computed* matrix whose entries are sums of terms of size ``terms``
    (for a product ``F_k ⋯ F_1``: ``Π‖F_j‖₂``; for a model's output: its
    :class:`~dlnscape.models.base.ModelScale` ``output_size``).

    Besides the relative cut of the tolerance policy, an absolute cut
    ``PRODUCT_SAFETY · default_rtol(shape) · terms`` is used: the rounding error of the computed
    matrix is of the order ``eps · terms`` (and bounds, by Weyl, how far its singular values
    move), so singular values below it carry no information; the safety factor puts that noise
    well below the cut, so that an exactly rank-deficient matrix is decided with a clear gap,
    while a singular value within a few thousand times the noise is reported as ambiguous.
    """
    A = np.asarray(A, dtype=np.float64)
    if A.size == 0:
        return numerical_rank(A, rtol)
    return numerical_rank(A, rtol, atol=PRODUCT_SAFETY * default_rtol(A.shape) * float(terms))


def product_rank(product: np.ndarray, factors, rtol: float | None = None) -> RankDecision:
    """:func:`computed_rank` of a computed product ``F_k ⋯ F_1`` with terms ``Π‖F_j‖₂``;
    identity factors (fewer than two factors) use the plain policy."""
    if len(factors) <= 1 or np.asarray(product).size == 0:
        return numerical_rank(product, rtol)
    scale = 1.0
    for F in factors:
        scale *= float(np.linalg.norm(F, 2)) if np.asarray(F).size else 0.0
    return computed_rank(product, scale, rtol)
