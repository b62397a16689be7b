"""The differential of μ: its rank by formula (004 Lemma 3), the explicit Jacobian, submersions.

* ``dμ(θ)[Ẇ] = Σ_i W_{>i} Ẇ_i W_{<i}`` (004 eq. (4)); its image is
  ``Σ_i Col(W_{>i}) ⊗ Row(W_{<i})`` (eq. (5)).
* Lemma 3: ``rk dμ(θ) = Σ_{i=1}^h rk(W_{>i}) rk(W_{<i}) − Σ_{i=1}^{h-1} rk(W_{>i}) rk(W_{<i+1})``.
* Theorem 4: filling (r = min(d_0, d_h)): rank = d_h d_0 ⟺ ∀i ∈ [h−1]: rk W_{>i} = d_h or
  rk W_{<i+1} = d_0; non-filling: rank = r(d_h + d_0 − r) ⟺ rk W = r; always
  ``Im dμ(θ) ⊇ T_W M_e`` for e = rk W (Prop 16).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from dlnscape.architecture import Architecture, prefix_products, suffix_products
from dlnscape.errors import MemoryBudgetError
from dlnscape.geometry._common import point_and_arch, subspace_rtol
from dlnscape.geometry.manifold import stratum_frame, tangent_basis
from dlnscape.geometry.ranks import RankProfile, rank_profile
from dlnscape.linalg import RankDecision, intersection_dimension, numerical_rank, range_basis
from dlnscape.models.linear import LinearNetwork

#: dense Jacobians (and their SVD) above this many bytes are refused
JACOBIAN_MEMORY_BUDGET = 1024**3


def max_differential_rank(arch: Architecture) -> int:
    """``dim M_r``: ``d_h d_0`` (filling) or ``r (d_h + d_0 − r)`` (non-filling) (004 §2.2)."""
    m, n, r = arch.d_out, arch.d_in, arch.r
    return r * (m + n - r)


@dataclass(frozen=True)
class DifferentialRank:
    """``rk dμ(θ)`` by Trager et al. 2020 Lemma 3, with the ranks it is made of."""

    rank: int
    plus_terms: tuple[int, ...]  # rk(W_{>i}) rk(W_{<i}), i = 1..h
    minus_terms: tuple[int, ...]  # rk(W_{>i}) rk(W_{<i+1}), i = 1..h-1
    max_rank: int  # dim M_r
    ambiguous: bool
    profile: RankProfile

    @property
    def maximal(self) -> bool:
        return self.rank == self.max_rank

    def to_dict(self) -> dict:
        return {
            "rank": self.rank,
            "formula": "Trager et al. 2020, Lemma 3",
            "plus_terms": list(self.plus_terms),
            "minus_terms": list(self.minus_terms),
            "max_rank": self.max_rank,
            "maximal": self.maximal,
            "ambiguous": self.ambiguous,
        }


def differential_rank(
    theta: Sequence[np.ndarray], rtol: float | None = None, profile: RankProfile | None = None
) -> DifferentialRank:
    """``rk dμ(θ)`` from the ranks of the partial products (Trager et al. 2020, Lemma 3)."""
    prof = rank_profile(theta, rtol) if profile is None else profile
    h = prof.arch.h
    plus = tuple(prof.W_greater(i).rank * prof.W_less(i).rank for i in range(1, h + 1))
    minus = tuple(prof.W_greater(i).rank * prof.W_less(i + 1).rank for i in range(1, h))
    return DifferentialRank(
        sum(plus) - sum(minus), plus, minus, max_differential_rank(prof.arch), prof.ambiguous, prof
    )


def jacobian_bytes(arch: Architecture) -> int:
    """Memory of the dense Jacobian (d_h d_0 × P) plus its SVD workspace, in bytes."""
    m, n = arch.end_to_end_shape
    P = arch.n_params
    return 8 * (3 * m * n * P + min(m * n, P) ** 2)


def jacobian(
    theta: Sequence[np.ndarray], memory_budget: int = JACOBIAN_MEMORY_BUDGET
) -> np.ndarray:
    """Explicit matrix of dμ(θ): packed θ (W_1 first, row-major) → row-major vec(W).

    Shape ``(d_h d_0, P)``; built by :meth:`LinearNetwork.jacobian`.
    """
    theta, arch = point_and_arch(theta)
    need = 8 * arch.d_out * arch.d_in * arch.n_params * 2
    if need > memory_budget:
        raise MemoryBudgetError(
            f"jacobian: the dense {arch.d_out * arch.d_in}×{arch.n_params} Jacobian needs about "
            f"{need / 1024**3:.2f} GiB, above the budget of {memory_budget / 1024**3:.2f} GiB; "
            f"use differential_rank(theta) (Lemma 3) or differential_image_basis(theta)"
        )
    return LinearNetwork(arch).jacobian(theta)


def jacobian_rank(
    theta: Sequence[np.ndarray],
    rtol: float | None = None,
    memory_budget: int = JACOBIAN_MEMORY_BUDGET,
) -> RankDecision:
    """Numerical rank of the explicit Jacobian (SVD, :func:`dlnscape.linalg.numerical_rank`)."""
    theta, arch = point_and_arch(theta)
    need = jacobian_bytes(arch)
    if need > memory_budget:
        raise MemoryBudgetError(
            f"jacobian_rank: the SVD of the {arch.d_out * arch.d_in}×{arch.n_params} Jacobian "
            f"needs about {need / 1024**3:.2f} GiB, above the budget of "
            f"{memory_budget / 1024**3:.2f} GiB; use differential_rank(theta) (Lemma 3)"
        )
    return numerical_rank(jacobian(theta, memory_budget), rtol)


def differential_image_basis(
    theta: Sequence[np.ndarray], rtol: float | None = None
) -> tuple[np.ndarray, RankDecision]:
    """Orthonormal basis (columns, row-major vec) of ``Im dμ(θ) = Σ_i Col(W_{>i}) ⊗ Row(W_{<i})``.

    004 eq. (5). Built from column/row-space bases of the partial products (never the
    Jacobian); returns the basis and the rank decision of the stacked spanning set.
    """
    theta, arch = point_and_arch(theta)
    P = prefix_products(theta)
    S = suffix_products(theta)
    blocks = []
    for i in range(1, arch.h + 1):
        C, _ = range_basis(S[i], rtol)  # Col(W_{>i}) ⊂ R^{d_h}
        R, _ = range_basis(P[i - 1].T, rtol)  # Row(W_{<i}) ⊂ R^{d_0}
        if C.shape[1] and R.shape[1]:
            blocks.append(np.einsum("ia,jb->ijab", C, R).reshape(C.shape[0] * R.shape[0], -1))
    if not blocks:
        m, n = arch.end_to_end_shape
        return np.zeros((m * n, 0)), numerical_rank(np.zeros((m * n, 1)))
    return range_basis(np.hstack(blocks), rtol)


@dataclass(frozen=True)
class SubmersionResult:
    """Trager et al. 2020 Thm 4 at θ: is dμ(θ) of maximal rank dim M_r (a local submersion)?"""

    is_submersion: bool | None  # None: a rank decision it depends on is ambiguous
    case: str  # "filling" or "non-filling"
    max_rank: int
    criterion: bool  # the rank criterion of Thm 4 for this case
    criterion_detail: list[dict]
    differential: DifferentialRank
    jacobian: RankDecision | None  # when computed
    agree: bool  # criterion ⟺ (formula rank == max) [⟺ Jacobian rank == max]
    reason: str

    def to_dict(self) -> dict:
        return {
            "is_submersion": self.is_submersion,
            "theorem": "Trager et al. 2020, Thm 4 (Props 17, 18)",
            "case": self.case,
            "max_rank": self.max_rank,
            "criterion": self.criterion,
            "criterion_detail": self.criterion_detail,
            "differential_rank": self.differential.to_dict(),
            "jacobian_rank": None if self.jacobian is None else self.jacobian.to_dict(),
            "agree": self.agree,
            "reason": self.reason,
        }


def is_submersion(
    theta: Sequence[np.ndarray],
    rtol: float | None = None,
    *,
    check_jacobian: bool = False,
    profile: RankProfile | None = None,
) -> SubmersionResult:
    """Local submersion test of μ at θ by Thm 4's criteria (filling and non-filling).

    The criterion, the Lemma 3 rank and (with ``check_jacobian``) the SVD rank of the Jacobian
    are computed independently; ``agree`` says whether they tell the same; a disagreement is a
    finding (the theorem, the formula or the tolerance is wrong there).
    """
    prof = rank_profile(theta, rtol) if profile is None else profile
    arch = prof.arch
    diff = differential_rank(theta, rtol, prof)
    mx = diff.max_rank
    detail: list[dict] = []
    if arch.filling:
        case = "filling"
        for i in range(1, arch.h):
            a = prof.W_greater(i).rank == arch.d_out
            b = prof.W_less(i + 1).rank == arch.d_in
            detail.append({"i": i, "rk_W_gt_i": prof.W_greater(i).rank,
                           "rk_W_lt_i+1": prof.W_less(i + 1).rank, "holds": bool(a or b)})
        crit = all(d["holds"] for d in detail)
        why = ("filling: maximal rank d_h·d_0 ⟺ ∀i∈[h−1]: rk W_>i = d_h or rk W_<i+1 = d_0")
    else:
        case = "non-filling"
        crit = prof.rank == arch.r
        detail.append({"rank_W": prof.rank, "r": arch.r, "holds": crit})
        why = "non-filling: maximal rank r(d_h+d_0−r) ⟺ rk W = r"
    jac = jacobian_rank(theta, rtol) if check_jacobian else None
    agree = crit == diff.maximal and (jac is None or (jac.rank == mx) == crit)
    ambiguous = prof.ambiguous or (jac is not None and jac.ambiguous)
    verdict: bool | None = None if ambiguous else crit
    if ambiguous:
        why += "; a rank decision is ambiguous, so undetermined"
    if not agree:
        why += (f"; DISAGREEMENT: criterion {crit}, Lemma 3 rank {diff.rank}"
                + ("" if jac is None else f", Jacobian rank {jac.rank}") + f", max {mx}")
    return SubmersionResult(verdict, case, mx, crit, detail, diff, jac, agree, why)


@dataclass(frozen=True)
class TangentContainment:
    """Thm 4 (last statement) / Prop 16: ``Im dμ(θ) ⊇ T_W M_e`` with e = rk W."""

    contains: bool | None
    e: int
    tangent_dim: int  # e (d_h + d_0 − e)
    image_dim: int
    intersection: RankDecision  # dim(Im dμ ∩ T_W M_e) in its rank field
    equal: bool | None  # Im dμ(θ) == T_W M_e (the Prop 16 situation)
    reason: str

    def to_dict(self) -> dict:
        return {
            "contains": self.contains,
            "theorem": "Trager et al. 2020, Thm 4 (last statement), Prop 16",
            "e": self.e,
            "tangent_dim": self.tangent_dim,
            "image_dim": self.image_dim,
            "intersection": self.intersection.to_dict(),
            "equal": self.equal,
            "reason": self.reason,
        }


def image_contains_tangent_space(
    theta: Sequence[np.ndarray], rtol: float | None = None
) -> TangentContainment:
    """Does ``Im dμ(θ)`` contain ``T_W M_e`` (e = rk W)? Computed, not assumed (Thm 4)."""
    theta, arch = point_and_arch(theta)
    prof = rank_profile(theta, rtol)
    W = prefix_products(theta)[-1]
    e = prof.rank
    frame = stratum_frame(W, rank=e)
    T = tangent_basis(frame)
    Tm = T.reshape(T.shape[0], W.size).T  # (mn, dim)
    B, bdec = differential_image_basis(theta, rtol)
    tdim = Tm.shape[1]
    decs = [*prof.prefix, *prof.suffix, prof.end_to_end]
    inter = intersection_dimension(B, Tm, subspace_rtol(decs, (W.size, B.shape[1] + tdim), rtol))
    contains = inter.rank == tdim
    equal = contains and B.shape[1] == tdim
    amb = prof.ambiguous or inter.ambiguous or bdec.ambiguous
    why = (f"dim(Im dμ ∩ T_W M_{e}) = {inter.rank}, dim T_W M_{e} = {tdim}, "
           f"dim Im dμ = {B.shape[1]}")
    if amb:
        why += "; a rank decision is ambiguous, so undetermined"
    return TangentContainment(
        None if amb else contains, e, tdim, B.shape[1], inter, None if amb else equal, why
    )


@dataclass(frozen=True)
class FiberTangent:
    """``ker dμ(θ)``: the tangent space of the fiber at a smooth point of it."""

    basis: np.ndarray  # (P, dim), orthonormal columns, packed order
    rank: RankDecision  # of the Jacobian

    @property
    def dim(self) -> int:
        return self.basis.shape[1]

    def to_dict(self) -> dict:
        return {"dim": self.dim, "jacobian_rank": self.rank.to_dict()}


def fiber_tangent_basis(theta: Sequence[np.ndarray], rtol: float | None = None) -> FiberTangent:
    """Orthonormal basis of ``ker dμ(θ)`` (packed coordinates) and the Jacobian rank decision."""
    from dlnscape.linalg import null_space

    K, dec = null_space(jacobian(theta), rtol)
    return FiberTangent(K, dec)
