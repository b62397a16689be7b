"""Local openness of matrix multiplication (two factors) and of the product map μ onto M_r.

Two factors ``M(A, B) = A B`` with ``A ∈ R^{m×k}``, ``B ∈ R^{k×n}`` (Nouiehed–Razaviyayn (001)
notation ``W_1 = A``, ``W_2 = B``; Hofflin (000) Thm 3.5 / Behrends: ``S_0 = A``, ``T_0 = B``):

* ``k ≥ min(m, n)``: openness in the full space ``R^{m×n}`` (001 Prop 4 = 000 Thm 3.5):
  (2) ∃Ã: ÃB = 0, A + Ã full row rank, or ∃B̃: AB̃ = 0, B + B̃ full column rank;
  (3) ``dim(N(A) ∩ C(B)) ≤ k − m`` or ``n − (rk B − dim(N(A) ∩ C(B))) ≤ k − rk A``.
* ``k < min(m, n)``: openness relative to the range ``M_k`` (001 Thm 5): not open if
  ``rk A ≠ rk B``; otherwise equivalent: i) ∃Ã: ÃB = 0, A + Ã full column rank; ii) ∃B̃:
  AB̃ = 0, B + B̃ full row rank; iii) ``N(A) ∩ C(B) = {0}``; iv) ``N(Bᵀ) ∩ C(Aᵀ) = {0}``;
  v) open. Equivalent form (LKB Prop 3.6(i) = 000 Prop 2.2(i)): ``rk A = rk B = rk AB``.

Every condition is computed on its own (the existence conditions constructively, with the
perturbation returned and verified); they must agree, and a disagreement is reported as a
finding.

For h factors, :func:`is_locally_open` decides from the theorems that apply (001 Lem 10,
004 Thm 4, the two-factor theorems exactly for h = 2) plus two composition facts proved in the
docstring of :func:`is_locally_open`; :func:`layerwise_openness_test` is 000 Cor 3.2's
criterion, kept separate and compared, never assumed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from dlnscape.architecture import Architecture, prefix_products, suffix_products
from dlnscape.errors import ShapeError
from dlnscape.geometry._common import point_and_arch, subspace_rtol
from dlnscape.geometry.differential import is_submersion
from dlnscape.geometry.ranks import rank_profile
from dlnscape.linalg import (
    RankDecision,
    intersection_dimension,
    null_space,
    numerical_rank,
    product_rank,
    range_basis,
)
from dlnscape.validate import check_rng


# --------------------------------------------------------------------------------------------
# two factors
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Construction:
    """An explicit perturbation for an existence condition, with its verification."""

    name: str
    exists: bool
    perturbation: np.ndarray | None
    annihilation_residual: float | None  # ‖Ã B‖ or ‖A B̃‖ (relative)
    achieved_rank: RankDecision | None
    target_rank: int
    reason: str

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "exists": self.exists,
            "perturbation": None if self.perturbation is None else self.perturbation.tolist(),
            "annihilation_residual": self.annihilation_residual,
            "achieved_rank": None if self.achieved_rank is None else self.achieved_rank.to_dict(),
            "target_rank": self.target_rank,
            "reason": self.reason,
        }


def _construct_left(A: np.ndarray, B: np.ndarray, target: int, name: str, rtol) -> Construction:
    """Ã = X Nᵀ (N: left kernel of B, so ÃB = 0) maximising rk(A + Ã); success iff = target.

    In the orthonormal basis (Q, N) of R^k (Q spans C(B)), ``A + Ã = [AQ | AN + X]``; with
    ``Y = AN + X`` free, the largest rank is ``rk(AQ) + (k − rk B)`` (capped by the size);
    Y is filled with a basis of ``Col(AQ)^⊥`` and X = Y − AN.
    """
    m, k = A.shape
    Q, qdec = range_basis(B, rtol)
    N = null_space(B.T, rtol)[0]
    P = A @ Q
    pdec = product_rank(P, (Q, A), rtol)  # rounding-aware: P is a computed product
    Up = np.linalg.svd(P, full_matrices=True)[0] if P.size else np.eye(m)
    C = Up[:, pdec.rank :]  # complement of Col(AQ) in R^m
    Y = np.zeros((m, N.shape[1]))
    q = min(N.shape[1], C.shape[1])
    Y[:, :q] = C[:, :q]
    X = Y - A @ N
    At = X @ N.T
    new = A + At
    dec = numerical_rank(new, rtol)
    res = float(np.linalg.norm(At @ B)) / (1.0 + float(np.linalg.norm(At)) * float(
        np.linalg.norm(B)))
    bound = min(m, k, pdec.rank + N.shape[1])
    ok = dec.rank == target
    why = (f"max rank over the allowed perturbations is rk(AQ) + (k − rk B) = {pdec.rank} + "
           f"{N.shape[1]}, capped at {min(m, k)}: {bound}; constructed rank {dec.rank}, "
           f"needed {target}")
    return Construction(name, ok, At, res, dec, target, why)


def _construct_right(A: np.ndarray, B: np.ndarray, target: int, name: str, rtol) -> Construction:
    """B̃ = N_A Z (N_A = ker A, so AB̃ = 0) maximising rk(B + B̃); the transpose of the left one."""
    c = _construct_left(B.T, A.T, target, name, rtol)
    pert = None if c.perturbation is None else c.perturbation.T
    why = c.reason.replace("rk(AQ)", "rk(BᵀR)").replace("rk B", "rk A") + " (transposed)"
    return Construction(name, c.exists, pert, c.annihilation_residual, c.achieved_rank,
                        target, why)


@dataclass(frozen=True)
class ProductOpenness:
    """Local openness of ``(A, B) ↦ AB`` at (A, B), every condition of the texts computed."""

    is_open: bool | None
    case: str  # "full space (001 Prop 4 / 000 Thm 3.5)" or "range M_k (001 Thm 5)"
    shapes: tuple[int, int, int]  # (m, k, n)
    ranks: dict[str, RankDecision]
    intersection_dim: RankDecision  # dim(N(A) ∩ C(B)) in its rank field
    intersection_dim_fact: int  # rk B − rk AB (000 Fact-rankAB)
    conditions: dict[str, bool]
    constructions: dict[str, Construction]
    agree: bool
    findings: list[str]
    reason: str
    ambiguous: bool

    def to_dict(self) -> dict:
        return {
            "is_open": self.is_open,
            "case": self.case,
            "shapes": list(self.shapes),
            "ranks": {k: v.to_dict() for k, v in self.ranks.items()},
            "intersection_dim": self.intersection_dim.to_dict(),
            "intersection_dim_fact": self.intersection_dim_fact,
            "conditions": self.conditions,
            "constructions": {k: v.to_dict() for k, v in self.constructions.items()},
            "agree": self.agree,
            "findings": self.findings,
            "reason": self.reason,
            "ambiguous": self.ambiguous,
        }


def _pair_data(A: np.ndarray, B: np.ndarray, rtol):
    ra = numerical_rank(A, rtol)
    rb = numerical_rank(B, rtol)
    rab = product_rank(A @ B, (B, A), rtol)
    srt = subspace_rtol((ra, rb, rab), (A.shape[1], 2 * A.shape[1]), rtol)
    NA = null_space(A, rtol)[0]
    CB = range_basis(B, rtol)[0]
    t2 = intersection_dimension(NA, CB, srt)
    NBt = null_space(B.T, rtol)[0]
    CAt = range_basis(A.T, rtol)[0]
    t2_dual = intersection_dimension(NBt, CAt, srt)
    return ra, rb, rab, t2, t2_dual


def behrends_condition(A: np.ndarray, B: np.ndarray, rtol: float | None = None) -> dict:
    """000 Thm 3.5 (ii) / 001 Prop 4 (3) for openness of (S, T) ↦ ST in the *full* space at
    (S_0, T_0) = (A, B): ``t_2 ≤ k − m`` or ``n − t_1 ≤ k − s`` (s = rk A, t = rk B,
    t_2 = dim(C(B) ∩ N(A)), t_1 = t − t_2). Returns the numbers and the boolean."""
    m, k = A.shape
    n = B.shape[1]
    ra, rb, rab, t2, _ = _pair_data(A, B, rtol)
    t1 = rb.rank - t2.rank
    first = t2.rank <= k - m
    second = n - t1 <= k - ra.rank
    return {
        "s": ra.rank, "t": rb.rank, "t1": t1, "t2": t2.rank, "m": m, "k": k, "n": n,
        "t2_le_k_minus_m": first, "n_minus_t1_le_k_minus_s": second, "holds": first or second,
        "ambiguous": ra.ambiguous or rb.ambiguous or rab.ambiguous or t2.ambiguous,
    }


def is_locally_open_product(
    A: np.ndarray, B: np.ndarray, rtol: float | None = None
) -> ProductOpenness:
    """Local openness of ``M(A, B) = AB`` at (A, B), in R^{m×n} when k ≥ min(m, n)
    (001 Prop 4) and relative to its range M_k when k < min(m, n) (001 Thm 5).

    Every equivalent condition the texts list is computed separately (intersection dimensions
    from principal angles, rank identities, constructive existence conditions) and returned;
    ``agree`` is False, with a line in ``findings``, if any two that the texts call
    equivalent disagree.
    """
    A = np.asarray(A, dtype=np.float64)
    B = np.asarray(B, dtype=np.float64)
    if A.ndim != 2 or B.ndim != 2 or A.shape[1] != B.shape[0]:
        raise ShapeError(
            f"A, B: expected A (m×k) and B (k×n) with matching inner size, got {A.shape} and "
            f"{B.shape}"
        )
    m, k = A.shape
    n = B.shape[1]
    ra, rb, rab, t2, t2_dual = _pair_data(A, B, rtol)
    fact = rb.rank - rab.rank
    ranks = {"A": ra, "B": rb, "AB": rab}
    ambiguous = any(d.ambiguous for d in (ra, rb, rab, t2, t2_dual))
    findings: list[str] = []
    if fact != t2.rank:
        findings.append(
            f"000 Fact-rankAB: rk B − rk AB = {fact} but dim(N(A) ∩ C(B)) = {t2.rank}"
        )
    conds: dict[str, bool] = {}
    cons: dict[str, Construction] = {}
    if k >= min(m, n):
        case = "full space (001 Prop 4 / 000 Thm 3.5)"
        c1 = _construct_left(A, B, m, "(2a) Ã: ÃB = 0, A + Ã full row rank", rtol)
        c2 = _construct_right(A, B, n, "(2b) B̃: AB̃ = 0, B + B̃ full column rank", rtol)
        cons = {"2a": c1, "2b": c2}
        conds["2_exists"] = c1.exists or c2.exists
        conds["3a_dim_int_le_k_minus_m"] = t2.rank <= k - m
        conds["3b_n_minus_t1_le_k_minus_rkA"] = n - (rb.rank - t2.rank) <= k - ra.rank
        conds["3"] = conds["3a_dim_int_le_k_minus_m"] or conds["3b_n_minus_t1_le_k_minus_rkA"]
        # the same two alternatives, one by one: (2a) ⟺ (3a), (2b) ⟺ (3b)
        pairs = [("2_exists", "3")]
        if c1.exists != conds["3a_dim_int_le_k_minus_m"]:
            findings.append(f"(2a) constructed = {c1.exists} but (3a) = "
                            f"{conds['3a_dim_int_le_k_minus_m']}")
        if c2.exists != conds["3b_n_minus_t1_le_k_minus_rkA"]:
            findings.append(f"(2b) constructed = {c2.exists} but (3b) = "
                            f"{conds['3b_n_minus_t1_le_k_minus_rkA']}")
        verdict = conds["3"]
        reason = ("Prop 4: open in R^{m×n} ⟺ (2) ⟺ (3); "
                  f"dim(N(A)∩C(B)) = {t2.rank}, rk A = {ra.rank}, rk B = {rb.rank}, "
                  f"(m, k, n) = {(m, k, n)}")
    else:
        case = "range M_k (001 Thm 5)"
        c1 = _construct_left(A, B, k, "i) Ã: ÃB = 0, A + Ã full column rank", rtol)
        c2 = _construct_right(A, B, k, "ii) B̃: AB̃ = 0, B + B̃ full row rank", rtol)
        cons = {"i": c1, "ii": c2}
        conds["ranks_equal"] = ra.rank == rb.rank
        conds["i"] = c1.exists
        conds["ii"] = c2.exists
        conds["iii"] = t2.rank == 0
        conds["iv"] = t2_dual.rank == 0
        conds["lkb_rkA_eq_rkB_eq_rkAB"] = ra.rank == rb.rank == rab.rank
        pairs = [("i", "iii"), ("ii", "iv")]
        if conds["ranks_equal"]:
            pairs += [("i", "ii"), ("iii", "iv"), ("iii", "lkb_rkA_eq_rkB_eq_rkAB")]
        verdict = conds["ranks_equal"] and conds["iii"]
        if verdict != conds["lkb_rkA_eq_rkB_eq_rkAB"]:
            findings.append(f"Thm 5 verdict {verdict} but LKB Prop 3.6(i) form "
                            f"{conds['lkb_rkA_eq_rkB_eq_rkAB']}")
        reason = (
            f"Thm 5: rk A = {ra.rank}, rk B = {rb.rank}"
            + ("" if conds["ranks_equal"] else " differ ⇒ not open in M_k")
            + f"; dim(N(A)∩C(B)) = {t2.rank}, dim(N(Bᵀ)∩C(Aᵀ)) = {t2_dual.rank}"
        )
    for a, b in pairs:
        if conds[a] != conds[b]:
            findings.append(f"conditions {a} = {conds[a]} and {b} = {conds[b]} disagree")
    agree = not findings
    if ambiguous:
        reason += "; a rank decision is ambiguous, so undetermined"
    return ProductOpenness(
        None if ambiguous else verdict, case, (m, k, n), ranks, t2, fact, conds, cons, agree,
        findings, reason, ambiguous,
    )


# --------------------------------------------------------------------------------------------
# h factors
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class OpennessResult:
    """Local openness of μ at θ onto its image M_r, with the theorem that decided it."""

    is_open: bool | None
    theorem: str
    evidence: dict
    steps: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"is_open": self.is_open, "theorem": self.theorem, "evidence": self.evidence,
                "steps": self.steps}


def is_locally_open(theta: Sequence[np.ndarray], rtol: float | None = None) -> OpennessResult:
    """Is μ locally open at θ onto its image M_r (in the sense of 001 §2 / 000 Def 2.7)?

    Decided, in this order, by what can be proved:

    1. ``rk W = r`` (non-degenerate) ⇒ open (001 Lem 10).
    2. dμ(θ) of maximal rank (004 Thm 4) ⇒ μ is a local submersion onto M_r ⇒ open.
    3. h = 1: μ is the identity. h = 2: the two-factor theorems decide exactly (001 Prop 4 if
       d_1 ≥ min(d_0, d_2), 001 Thm 5 otherwise).
    4. For a split p ∈ [h−1] with ``min(d_0, d_p, d_h) = r``, write ``μ = M(W_{>p}, W_{≤p})``.
       (a) *Necessity* (continuity): ``μ(B_ε(θ)) ⊆ M(B_ε'(W_{>p}) × B_ε'(W_{≤p}))`` with
       ε' → 0 as ε → 0, and M's range is M_r, so if μ is open at θ then M is open at
       (W_{>p}, W_{≤p}) in its range; a two-factor "not open" therefore proves "not open".
       (b) *Sufficiency* (composition, as in 001 Lem 10's proof): if both sub-chains are
       filling (their images are full matrix spaces), both are open at their points
       (recursively) and M is open at (W_{>p}, W_{≤p}), then μ is open.
    5. Otherwise undetermined (``is_open = None``). Any ambiguous rank decision used also gives
       None.
    """
    theta, arch = point_and_arch(theta)
    memo: dict[tuple[int, int], tuple[bool | None, str, list[str]]] = {}

    def decide(lo: int, hi: int) -> tuple[bool | None, str, list[str]]:
        if (lo, hi) in memo:
            return memo[(lo, hi)]
        sub = theta[lo:hi]
        widths = arch.widths[lo : hi + 1]
        sarch = Architecture(widths)
        tag = f"layers {lo + 1}..{hi} (widths {list(widths)})"
        steps: list[str] = []
        prof = rank_profile(sub, rtol)
        if hi - lo == 1:
            out = (True, "h = 1: μ is the identity map", [f"{tag}: a single layer is open"])
            memo[(lo, hi)] = out
            return out
        if prof.ambiguous:
            out = (None, "undetermined: ambiguous rank decision",
                   [f"{tag}: a rank decision is ambiguous"])
            memo[(lo, hi)] = out
            return out
        if prof.rank == sarch.r:
            out = (True, "001 Lem 10 (non-degenerate ⇒ locally open)",
                   [f"{tag}: rk W = {prof.rank} = r"])
            memo[(lo, hi)] = out
            return out
        sub_res = is_submersion(sub, rtol, profile=prof)
        if sub_res.is_submersion:
            out = (True, "004 Thm 4 (maximal-rank differential ⇒ submersion ⇒ open)",
                   [f"{tag}: rk dμ = {sub_res.differential.rank} = dim M_r"])
            memo[(lo, hi)] = out
            return out
        steps.append(f"{tag}: rk W = {prof.rank} < r = {sarch.r}, not a submersion")
        P = prefix_products(sub)
        S = suffix_products(sub)
        h = hi - lo
        if h == 2:
            pr = is_locally_open_product(sub[1], sub[0], rtol)
            steps.append(f"{tag}: two factors, {pr.case}: {pr.reason}")
            out = (pr.is_open, f"two-factor theorem, {pr.case}", steps)
            memo[(lo, hi)] = out
            return out
        candidates = []
        for p in range(1, h):
            if min(widths[0], widths[p], widths[-1]) != sarch.r:
                continue
            pr = is_locally_open_product(S[p], P[p], rtol)
            steps.append(f"{tag}: split at p = {lo + p}: M(W_>p, W_≤p) {pr.case}: {pr.reason}")
            if pr.is_open is False:
                out = (False, "necessity through a split (continuity) + " + pr.case, steps)
                memo[(lo, hi)] = out
                return out
            candidates.append((p, pr))
        for p, pr in candidates:
            if pr.is_open is not True:
                continue
            up_f = Architecture(widths[p:]).filling
            low_f = Architecture(widths[: p + 1]).filling
            if not (up_f and low_f):
                continue
            up = decide(lo + p, hi)
            low = decide(lo, lo + p)
            steps += up[2] + low[2]
            if up[0] is True and low[0] is True:
                out = (True, "composition through a split (001 Lem 10's argument) + " + pr.case,
                       steps)
                memo[(lo, hi)] = out
                return out
        out = (None, "undetermined: no theorem applies", steps)
        memo[(lo, hi)] = out
        return out

    verdict, theorem, steps = decide(0, arch.h)
    prof = rank_profile(theta, rtol)
    evidence = {
        "rank_W": prof.rank,
        "r": arch.r,
        "filling": arch.filling,
        "degenerate": prof.degenerate,
        "ambiguous": prof.ambiguous,
        "singular_values_W": prof.end_to_end.singular_values.tolist(),
        "gap_W": prof.end_to_end.gap,
    }
    return OpennessResult(verdict, theorem, evidence, steps)


@dataclass(frozen=True)
class LayerwiseOpenness:
    """000 Cor 3.2's layer-by-layer criterion at θ, compared with :func:`is_locally_open`."""

    criterion_holds: bool | None
    per_layer: list[dict]
    openness: OpennessResult
    agrees_with_openness: bool | None  # None when either side is undetermined
    note: str

    def to_dict(self) -> dict:
        return {
            "criterion_holds": self.criterion_holds,
            "per_layer": self.per_layer,
            "openness": self.openness.to_dict(),
            "agrees_with_openness": self.agrees_with_openness,
            "note": self.note,
        }


def layerwise_openness_test(
    theta: Sequence[np.ndarray], rtol: float | None = None
) -> LayerwiseOpenness:
    """Hofflin 2023 Cor 3.2: "φ is local⟹local ⟺ for all k ∈ [h−1]:
    dim(im W_{k,-} ∩ ker W_{k+1}) ≤ d_k − d_{k+1}, or
    d_0 − rk W_{k,-} + dim(im W_{k,-} ∩ ker W_{k+1}) ≤ d_k − rk W_{k+1}" (the "+" reconstructed,
    catalog T-000-Cor3.2). Each k is Behrends' full-space condition for (W_{k+1}, W_{k,-}), and
    the existence form is built constructively too. The result is compared with
    :func:`is_locally_open` (openness onto M_r); the two are NOT assumed equivalent.
    """
    theta, arch = point_and_arch(theta)
    P = prefix_products(theta)
    rows = []
    amb = False
    for k in range(1, arch.h):
        S0, T0 = theta[k], P[k]
        b = behrends_condition(S0, T0, rtol)
        pr = is_locally_open_product(S0, T0, rtol) if S0.shape[1] >= min(
            S0.shape[0], T0.shape[1]) else None
        exist = None
        if pr is not None:
            exist = pr.conditions.get("2_exists")
        else:
            c1 = _construct_left(S0, T0, S0.shape[0], "(iii) S", rtol)
            c2 = _construct_right(S0, T0, T0.shape[1], "(iii) T", rtol)
            exist = c1.exists or c2.exists
        amb = amb or b["ambiguous"]
        rows.append({
            "k": k,
            "dim_im_Wk-_cap_ker_Wk+1": b["t2"],
            "rank_Wk-": b["t"],
            "rank_Wk+1": b["s"],
            "first": b["t2_le_k_minus_m"],
            "second": b["n_minus_t1_le_k_minus_s"],
            "holds": b["holds"],
            "existence_form": exist,
            "ambiguous": b["ambiguous"],
        })
    crit = all(r["holds"] for r in rows)
    op = is_locally_open(theta, rtol)
    verdict = None if amb else crit
    agree = None if (verdict is None or op.is_open is None) else (verdict == op.is_open)
    note = ("Cor 3.2 composes full-space (Behrends) openness layer by layer; openness onto "
            "M_r (001 Thm 5) is weaker in the non-filling case, so the two may differ")
    return LayerwiseOpenness(verdict, rows, op, agree, note)


# --------------------------------------------------------------------------------------------
# numerical probe (evidence only)
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class OpennessProbe:
    """Empirical openness evidence: for targets T ∈ M_r at distance ≈ δ from W, the smallest
    found ‖θ' − θ‖ with μ(θ') = T. Evidence, never proof (catalog Gaps 3)."""

    radii: list[float]
    needed: list[list[float]]  # per radius: ‖θ' − θ‖ of the preimage found (inf: not solved)
    residuals: list[list[float]]
    eps: float
    reached_within_eps: list[float]  # fraction of targets per radius
    failures: list[dict]
    slope: float | None  # log-log slope of the median needed distance against δ
    evidence_only: bool = True
    note: str = ("evidence only: targets are sampled and preimages found by local least "
                 "squares started at θ; a failure may be the solver's, a success says nothing "
                 "about other targets")

    def to_dict(self) -> dict:
        return {
            "radii": self.radii, "needed": self.needed, "residuals": self.residuals,
            "eps": self.eps, "reached_within_eps": self.reached_within_eps,
            "failures": self.failures, "slope": self.slope,
            "evidence_only": self.evidence_only, "note": self.note,
        }


def _truncate(M: np.ndarray, r: int) -> np.ndarray:
    U, s, Vt = np.linalg.svd(M, full_matrices=False)
    return (U[:, :r] * s[:r]) @ Vt[:r]


def _gauss_newton(fun, jac, x0, max_iter: int = 50, tol: float = 1e-12):
    """Gauss–Newton with minimum-norm steps (lstsq) and backtracking, from x0.

    Minimum-norm steps keep the iterate close to x0, so the distance found approximates the
    smallest perturbation reaching the target (exactly so to first order at a submersion).
    """
    x = x0.copy()
    r = fun(x)
    nr = float(np.linalg.norm(r))
    for _ in range(max_iter):
        if nr <= tol:
            break
        step = np.linalg.lstsq(jac(x), -r, rcond=None)[0]
        t = 1.0
        while t > 1e-6:
            xn = x + t * step
            rn = fun(xn)
            if np.linalg.norm(rn) < nr:
                break
            t *= 0.5
        else:
            break
        x, r, nr = xn, rn, float(np.linalg.norm(rn))
    return x, nr


def probe_local_openness(
    theta: Sequence[np.ndarray],
    eps: float = 1e-1,
    n_targets: int = 5,
    rng: np.random.Generator | int | None = None,
    *,
    radii: Sequence[float] = (1e-1, 1e-2, 1e-3, 1e-4),
    targets: Sequence[np.ndarray] | None = None,
    tol: float = 1e-10,
    max_nfev: int = 200,
) -> OpennessProbe:
    """Sample targets in M_r near W at radii δ, solve for preimages by least squares from θ.

    Targets: ``[W + δ Z]_r`` (best rank-r approximation, so in M_r) with Z Gaussian of unit
    Frobenius norm, or ``targets`` given as unit directions Z. For each, Gauss–Newton with
    minimum-norm steps from θ' = θ (then ``scipy.optimize.least_squares`` if it stalls) solves
    μ(θ') = T; the result records ‖θ' − θ‖ (the ε needed) and the residual. A target counts
    as reached within ε if the residual is below ``tol·(1+‖T‖)`` and ‖θ' − θ‖ ≤ eps.
    Returns the δ ↦ needed-ε curve and the failures.
    """
    from scipy.optimize import least_squares

    from dlnscape.architecture import pack, unpack
    from dlnscape.models.linear import LinearNetwork

    theta, arch = point_and_arch(theta)
    gen = check_rng(rng)
    net = LinearNetwork(arch)
    W = net.forward(theta)
    x0 = pack(theta)
    dirs = []
    if targets is not None:
        for Z in targets:
            Z = np.asarray(Z, dtype=np.float64)
            dirs.append(Z / np.linalg.norm(Z))
    else:
        for _ in range(n_targets):
            Z = gen.standard_normal(W.shape)
            dirs.append(Z / np.linalg.norm(Z))
    needed, resid, reached, failures = [], [], [], []
    for delta in radii:
        nd, rs, ok = [], [], 0
        for j, Z in enumerate(dirs):
            T = _truncate(W + delta * Z, arch.r)

            def fun(x, T=T):
                return (net.forward(unpack(arch, x)) - T).ravel()

            def jac(x):
                return net.jacobian(unpack(arch, x))

            x, res = _gauss_newton(fun, jac, x0, max_iter=50, tol=tol * (1 + np.linalg.norm(T)))
            if res > tol * (1.0 + np.linalg.norm(T)):
                sol = least_squares(fun, x0, jac=jac, method="trf", xtol=1e-15, ftol=1e-15,
                                    gtol=1e-15, max_nfev=max_nfev)
                r2 = float(np.linalg.norm(fun(sol.x)))
                if r2 < res:
                    x, res = sol.x, r2
            dist = float(np.linalg.norm(x - x0))
            solved = res <= tol * (1.0 + np.linalg.norm(T))
            nd.append(dist if solved else float("inf"))
            rs.append(res)
            good = solved and dist <= eps
            ok += good
            if not good:
                failures.append({"delta": float(delta), "target": j, "distance": dist,
                                 "residual": res})
        needed.append(nd)
        resid.append(rs)
        reached.append(ok / max(len(dirs), 1))
    slope = None
    med = [float(np.median(x)) for x in needed]
    if len(radii) >= 2 and all(0 < m < np.inf for m in med):
        slope = float(np.polyfit(np.log(radii), np.log(med), 1)[0])
    return OpennessProbe(list(map(float, radii)), needed, resid, float(eps), reached, failures,
                         slope)
