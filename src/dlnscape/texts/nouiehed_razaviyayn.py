"""Nouiehed & Razaviyayn 2018, "Learning deep models: critical points and local openness":
the examples, lemmas and proof constructions that the rest of dlnscape does not already cover,
executable and compared with independent oracles in ``tests/texts/test_nouiehed_razaviyayn*.py``.

* Ex 2 (T-001-Ex2): ``(w² − 1)²`` through the open map ``w ↦ w²`` (:func:`example2`,
  :func:`example2_openness_radius`).
* Lem B13 (T-001-LemB13): a row basis with bounded coefficients, by the proof's own induction
  or by maximal volume, in exact rational arithmetic (:func:`lemma_b13_row_basis`).
* Lem B17 (T-001-LemB17): the zero blocks of ``W_2V`` and ``UᵀW_1`` (:func:`lemma_b17_check`).
* Prop B18 (T-001-PropB18): the proof's explicit δ(ε) (:func:`prop_b18_delta`), its explicit
  preimage of a target (:func:`prop_b18_construction`), and the lower bound on the perturbation
  that every preimage of a rank-increasing target needs (:func:`openness_lower_bound`,
  :func:`rank_increasing_target`) — the evidence against the §3 remark "δ = O(ε)".
* Thm 8 / Cor 9 (T-001-Thm8, T-001-Cor9): the App. A.1/A.2 second-order direction (A, B, α)
  at a degenerate point of a two-layer network, for any loss (:func:`thm8_second_order_escape`,
  :func:`cor9_check`), plus degenerate critical points made by padding a hidden layer
  (:func:`pad_hidden_layer`).
* Lem C19 (T-001-LemC19): the rank-one directions of App. C and the order of the first
  non-vanishing derivative along them (:func:`lemma_c19_directions`).
* Thm 12(b) (T-001-Thm12): the reduction of App. C — merge adjacent layers where Prop 4 makes
  the product open, then Lem 7 / Thm 8 / Lem 19 (:func:`thm12b_reduction`).

Layer order: dlnscape's ``theta = (W_1, …, W_h)`` (input first), which is also the text's
indexing ``W_h ⋯ W_1``. The text writes the two-layer network as ``(W_2, W_1)``; here it is
``theta = (W_1, W_2)``. Norms are Frobenius (the text's §1 convention) unless stated.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction

import flint
import numpy as np
import scipy.linalg as sla

from dlnscape.architecture import Architecture, Point, as_float_matrix, end_to_end
from dlnscape.errors import DlnscapeError, PointError, ShapeError
from dlnscape.landscape import Landscape
from dlnscape.linalg import null_space, numerical_rank, range_basis
from dlnscape.losses import DistanceLoss, SquaredLoss
from dlnscape.models.linear import LinearNetwork
from dlnscape.texts.hofflin import rational_array, rational_nullspace, rational_rank
from dlnscape.tolerances import DEFAULT_TOLERANCES, relative_gradient_at

__all__ = [
    "Cor9Check",
    "Example2",
    "LemmaB13Basis",
    "LemmaB17Check",
    "LemmaC19Directions",
    "MergeStep",
    "OpennessLowerBound",
    "PropB18Construction",
    "PropB18Delta",
    "Thm12bReduction",
    "Thm8Escape",
    "cor9_check",
    "example2",
    "example2_openness_radius",
    "lemma_b13_row_basis",
    "lemma_b17_check",
    "lemma_c19_directions",
    "openness_lower_bound",
    "pad_hidden_layer",
    "prop_b18_construction",
    "prop_b18_delta",
    "rank_increasing_target",
    "thm12b_reduction",
    "thm8_second_order_escape",
]

EPS = float(np.finfo(np.float64).eps)


def _fr(x) -> Fraction:
    """An exact Fraction from a float, int, Fraction or flint.fmpq."""
    if isinstance(x, flint.fmpq):
        return Fraction(int(x.p), int(x.q))
    if isinstance(x, (int, np.integer, Fraction)):
        return Fraction(x)
    return Fraction(float(x))


def _qfloat(arr: np.ndarray) -> np.ndarray:
    return np.array([float(_fr(x)) for x in arr.reshape(-1)], dtype=np.float64).reshape(arr.shape)


# ---------------------------------------------------------------------------------------------
# Ex 2: (w² − 1)² and the open map w ↦ w²
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Example2:
    """Ex 2 of Nouiehed–Razaviyayn (T-001-Ex2): the critical points of ``g(w) = (w² − 1)²``,
    their kind, their images ``z = w²`` and the auxiliary problem ``min_{z ≥ 0} (z − 1)²``.

    ``taylor[w]``: the exact coefficients of ``g(w + t)`` (Landscape.taylor of the network
    ``(w_1, w_2) ↦ (w_2w_1 − 1)²`` along the diagonal direction (1, 1)); ``kinds[w]`` from the
    first non-zero coefficient beyond the constant."""

    critical_points: tuple[Fraction, ...]
    taylor: dict
    kinds: dict
    images: dict
    auxiliary_minimiser: Fraction
    auxiliary_minimum: Fraction

    def to_dict(self) -> dict:
        return {"critical_points": [str(w) for w in self.critical_points],
                "taylor": {str(k): [str(c) for c in v] for k, v in self.taylor.items()},
                "kinds": {str(k): v for k, v in self.kinds.items()},
                "images": {str(k): str(v) for k, v in self.images.items()},
                "auxiliary_minimiser": str(self.auxiliary_minimiser),
                "auxiliary_minimum": str(self.auxiliary_minimum)}


def _example2_landscape() -> Landscape:
    # DistanceLoss has no ½: l(W) = (W − 1)², so L(w, w) = (w² − 1)² is exactly problem (7)
    return Landscape(LinearNetwork(Architecture((1, 1, 1))), DistanceLoss(np.ones((1, 1))))


def example2() -> Example2:
    """Nouiehed & Razaviyayn, Ex 2 (T-001-Ex2): problem (7) ``min_w (w² − 1)²`` and its auxiliary
    problem (8) ``min_{z ≥ 0} (z − 1)²``.

    ``g(w) = L(w, w)`` for the two-layer scalar network with ``l(W) = (W − 1)²``
    (DistanceLoss, no ½). The critical points are the real roots of ``g'`` (the cubic from the
    exact Taylor coefficients of ``g`` at 0), rounded to rationals and then verified exactly
    (``g'(w) = 0`` in Fractions); each is classified by the first non-zero Taylor coefficient of
    ``g(w + t)``: even order and positive ⇒ strict local minimum, even and negative ⇒ strict
    local maximum. The auxiliary problem is convex: its minimiser is ``z = 1``."""
    L = _example2_landscape()
    one = (np.ones((1, 1)), np.ones((1, 1)))

    def g_taylor(w: Fraction) -> tuple[Fraction, ...]:
        th = (np.full((1, 1), float(w)), np.full((1, 1), float(w)))
        return tuple(Fraction(float(c)) for c in L.taylor(th, one))

    c0 = g_taylor(Fraction(0))  # g(t) = Σ c_k t^k, degree 4
    dcoef = [k * c0[k] for k in range(1, len(c0))]  # g'(t) = Σ k c_k t^{k-1}
    roots = np.roots([float(c) for c in dcoef[::-1]])
    crit = []
    for z in roots:
        if abs(z.imag) > 1e-9:
            continue
        w = Fraction(round(z.real * 2**20), 2**20).limit_denominator(2**10)
        if sum(c * w ** (k) for k, c in enumerate(dcoef)) != 0:
            raise DlnscapeError(f"example2: root {z} does not verify")  # pragma: no cover
        crit.append(w)
    crit = sorted(set(crit))
    taylor, kinds, images = {}, {}, {}
    for w in crit:
        c = g_taylor(w)
        taylor[w] = c
        k = next(i for i in range(1, len(c)) if c[i] != 0)
        if k % 2:
            kinds[w] = "saddle (odd order)"
        else:
            kinds[w] = "strict local minimum" if c[k] > 0 else "strict local maximum"
        images[w] = w * w
    return Example2(tuple(crit), taylor, kinds, images, Fraction(1), Fraction(0))


def example2_openness_radius(w_bar, eps) -> Fraction:
    """The largest δ with ``B_δ(w̄²) ∩ [0, ∞) ⊆ F(B_ε(w̄))`` for ``F(w) = w²`` (Ex 2's "F is an
    open mapping in its range", Nouiehed–Razaviyayn §2 definition of local openness), exactly:
    ``F((w̄ − ε, w̄ + ε))`` is ``[0, max²)`` when the interval contains 0 and ``(min², max²)``
    otherwise. A positive value for every ε > 0 is local openness at w̄ in the range [0, ∞)."""
    w, e = _fr(w_bar), _fr(eps)
    if e <= 0:
        raise ShapeError(f"eps: expected a positive number, got {eps!r}")
    a, b = w - e, w + e
    z = w * w
    hi = max(a * a, b * b)
    if a < 0 < b:
        lo_gap = None  # the image starts at 0, which is the boundary of the range [0, ∞)
    else:
        lo_gap = z - min(a * a, b * b)
    up = hi - z
    return up if lo_gap is None else min(up, lo_gap)


# ---------------------------------------------------------------------------------------------
# Lem B13: a row basis with bounded coefficients
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class LemmaB13Basis:
    """Lem B13 (T-001-LemB13): rows ``B`` of V (0-based, increasing) and ``A`` with
    ``V_{Bᶜ} = A V_B`` exactly; ``max_abs = ‖A‖_max`` against the lemma's ``2^{m−r−1}``.

    ``method``: "proof" (the induction of the proof: rows added one at a time, swapped into the
    basis when a coefficient exceeds ``2^{c−r−1}``, coefficients updated by the proof's
    formulas) or "maxvol" (a basis of maximal |det| on a column basis: ``‖A‖_max ≤ 1``, by
    Cramer's rule). ``updates_match_direct_solve``: the proof's update formulas agree exactly
    with solving for the coefficients in the final basis."""

    rank: int
    basis: tuple[int, ...]
    A: np.ndarray
    A_exact: tuple[tuple[Fraction, ...], ...]
    max_abs: Fraction
    bound: int
    residual_zero: bool
    method: str
    swaps: int
    updates_match_direct_solve: bool | None

    def to_dict(self) -> dict:
        return {"rank": self.rank, "basis": list(self.basis), "A": self.A.tolist(),
                "max_abs": str(self.max_abs), "bound": self.bound,
                "residual_zero": self.residual_zero, "method": self.method,
                "swaps": self.swaps, "updates_match_direct_solve": self.updates_match_direct_solve}


def _coefficients(VB: np.ndarray, v: np.ndarray) -> list[Fraction]:
    """Exact a with ``v = Σ a_i VB[i]`` (VB: r independent rows)."""
    r = VB.shape[0]
    if r == 0:
        return []
    M = flint.fmpq_mat(VB.shape[1], r, [VB[i, j] for j in range(VB.shape[1]) for i in range(r)])
    # choose r independent equations (pivot rows of Mᵀ's columns): rref of VB gives pivot columns
    R, rank = flint.fmpq_mat(r, VB.shape[1], list(VB.reshape(-1))).rref()
    cols, row = [], 0
    for j in range(VB.shape[1]):
        if row < rank and R[row, j] != 0:
            cols.append(j)
            row += 1
    S = flint.fmpq_mat(r, r, [M[c, i] for c in cols for i in range(r)])
    rhs = flint.fmpq_mat(r, 1, [v[c] for c in cols])
    a = S.solve(rhs)
    return [_fr(a[i, 0]) for i in range(r)]


def lemma_b13_row_basis(V, method: str = "proof", max_subsets: int = 20_000) -> LemmaB13Basis:
    """Nouiehed & Razaviyayn, Lem B13 (T-001-LemB13): for ``V ∈ R^{m×n}`` of rank ``r < m`` an
    index set B (|B| = r) and ``A ∈ R^{(m−r)×r}`` with ``V_{Bᶜ} = A V_B`` and
    ``‖A‖_max ≤ 2^{m−r−1}``. V is read as exact rationals (ranks over Q).

    ``method="proof"``: the proof's induction. Rows are ordered so that the first r
    independent rows come first (its "without loss of generality B = {1, …, r}"); row c
    (c = r+1, …, m) gets its coefficients a in the current basis; if ``max|a| > 2^{c−r−1}`` the
    row i* of the largest |a| leaves the basis and row c enters, and every earlier non-basis
    row is updated by the proof's formulas ``ā_{j,i} = a_{j,i} − a_{j,i*}a_{c,i}/a_{c,i*}``,
    ``ā_{j,c} = a_{j,i*}/a_{c,i*}`` (the printed "a_{j,m+1}" in one denominator is a typo for
    ``a_{m+1,i*}``). ``method="maxvol"``: exhaustive search (at most ``max_subsets`` r-subsets)
    for the largest ``|det V[B, C]|`` on a column basis C."""
    Vq = rational_array(as_float_matrix(V, "V"), "V")
    m, n = Vq.shape
    r = rational_rank(flint.fmpq_mat(m, n, list(Vq.reshape(-1))))
    if r >= m:
        raise ShapeError(f"V: Lem B13 needs rank V < m; got rank {r} with m = {m} rows")
    if method not in ("proof", "maxvol"):
        raise DlnscapeError(f"method: expected 'proof' or 'maxvol', got {method!r}")
    if method == "maxvol":
        R, rank = flint.fmpq_mat(m, n, list(Vq.reshape(-1))).rref()
        cols, row = [], 0
        for j in range(n):
            if row < rank and R[row, j] != 0:
                cols.append(j)
                row += 1
        best, bestB = Fraction(-1), None
        count = math.comb(m, r)
        if count > max_subsets:
            raise DlnscapeError(f"max_subsets: maxvol would try C({m}, {r}) = {count} subsets")
        for B in itertools.combinations(range(m), r):
            d = abs(_fr(flint.fmpq_mat(r, r, [Vq[i, j] for i in B for j in cols]).det())) \
                if r else Fraction(1)
            if d > best:
                best, bestB = d, B
        basis = list(bestB)
        swaps, match = 0, None
        coeffs = {j: _coefficients(Vq[basis], Vq[j]) for j in range(m) if j not in basis}
    else:
        basis = []
        for j in range(m):  # first r independent rows, in order
            trial = basis + [j]
            if rational_rank(flint.fmpq_mat(len(trial), n, list(Vq[trial].reshape(-1)))) \
                    == len(trial):
                basis = trial
            if len(basis) == r:
                break
        rest = [j for j in range(m) if j not in basis]
        coeffs: dict[int, list[Fraction]] = {}
        swaps = 0
        for c, j in enumerate(rest, start=r + 1):  # j is the c-th row processed
            a = _coefficients(Vq[basis], Vq[j])
            thr = Fraction(2) ** (c - r - 1)
            if not a or max(abs(x) for x in a) <= thr:
                coeffs[j] = a
                continue
            istar = max(range(r), key=lambda i: abs(a[i]))
            piv = a[istar]
            for jj, aj in coeffs.items():  # the proof's update formulas
                new = [aj[i] - aj[istar] * a[i] / piv for i in range(r)]
                new[istar] = aj[istar] / piv  # the new basis row j sits at position istar
                coeffs[jj] = new
            old = basis[istar]
            out = [-a[i] / piv for i in range(r)]
            out[istar] = 1 / piv
            coeffs[old] = out
            basis[istar] = j
            swaps += 1
        direct = {jj: _coefficients(Vq[basis], Vq[jj]) for jj in coeffs}
        match = all(direct[jj] == coeffs[jj] for jj in coeffs)
    order = sorted(range(r), key=lambda i: basis[i])
    B = tuple(basis[i] for i in order)
    Bc = [j for j in range(m) if j not in B]
    A_exact = tuple(tuple(coeffs[j][i] for i in order) for j in Bc)
    resid = all(
        all(_fr(Vq[j, col]) == sum((A_exact[t][i] * _fr(Vq[B[i], col]) for i in range(r)),
                                   Fraction(0)) for col in range(n))
        for t, j in enumerate(Bc))
    mx = max((abs(x) for row_ in A_exact for x in row_), default=Fraction(0))
    A = np.array([[float(x) for x in row_] for row_ in A_exact], dtype=np.float64).reshape(
        m - r, r)
    return LemmaB13Basis(r, B, A, A_exact, mx, 2 ** (m - r - 1), resid, method, swaps, match)


# ---------------------------------------------------------------------------------------------
# Lem B17 and Prop B18: openness of two factors in the range M_k
# ---------------------------------------------------------------------------------------------
def _pair(W1, W2) -> tuple[np.ndarray, np.ndarray, int, int, int]:
    A = as_float_matrix(W1, "W1")
    B = as_float_matrix(W2, "W2")
    if A.shape[1] != B.shape[0]:
        raise ShapeError(f"W2: expected {A.shape[1]} rows (the columns of W1), got {B.shape}")
    m, k = A.shape
    n = B.shape[1]
    if not k < min(m, n):
        raise ShapeError(f"W1, W2: Lem B17 / Prop B18 need k < min(m, n); got (m, k, n) = "
                         f"{(m, k, n)}")
    return A, B, m, k, n


@dataclass(frozen=True)
class LemmaB17Check:
    """Lem B17 (T-001-LemB17) at (W1, W2): hypotheses i), ii) of Thm 5 (constructed, from
    :func:`dlnscape.is_locally_open_product`) and the conclusions ``rank W1 = rank W2``,
    ``(W2V)_{:, r+1:n} = 0`` and ``(UᵀW1)_{r+1:m, :} = 0`` as relative residuals against
    ``tol`` (rounding of the SVD of W1W2, which grows like σ_1/σ_r)."""

    hypothesis_i: bool
    hypothesis_ii: bool
    ranks: tuple[int, int, int]  # rank W1, rank W2, rank W1W2
    residual_W2V: float
    residual_UtW1: float
    tol: float
    conclusion_holds: bool
    ambiguous: bool

    def to_dict(self) -> dict:
        return {"hypothesis_i": self.hypothesis_i, "hypothesis_ii": self.hypothesis_ii,
                "ranks": list(self.ranks), "residual_W2V": self.residual_W2V,
                "residual_UtW1": self.residual_UtW1, "tol": self.tol,
                "conclusion_holds": self.conclusion_holds, "ambiguous": self.ambiguous}


def lemma_b17_check(W1, W2) -> LemmaB17Check:
    """Nouiehed & Razaviyayn, Lem B17 (T-001-LemB17), for ``W1 ∈ R^{m×k}``, ``W2 ∈ R^{k×n}`` with
    ``k < min(m, n)``: if i) and ii) of Thm 5 hold then ``rank W1 = rank W2``,
    ``(W2V)_{:, r+1:n} = 0`` and ``(UᵀW1)_{r+1:m, :} = 0`` with ``W1W2 = UΣVᵀ``, r = rank W1W2.
    Departure: the text prints the last block as ``(UᵀW1)_{r+1:n,:}``; UᵀW1 has m rows, so the
    block is ``r+1:m`` (catalog [reconstructed]). The conclusions are returned whether or not
    the hypotheses hold, so that the tests can see them fail without the hypotheses."""
    from dlnscape.geometry.openness import is_locally_open_product

    A, B, m, k, n = _pair(W1, W2)
    po = is_locally_open_product(A, B)
    P = A @ B
    U, s, Vt = np.linalg.svd(P)
    r = po.ranks["AB"].rank
    res_v = float(np.linalg.norm((B @ Vt.T)[:, r:])) / max(float(np.linalg.norm(B)), 1e-300)
    res_u = float(np.linalg.norm((U.T @ A)[r:, :])) / max(float(np.linalg.norm(A)), 1e-300)
    cond = float(s[0] / s[r - 1]) if r else 1.0
    nA, nB = float(np.linalg.norm(A, 2)), float(np.linalg.norm(B, 2))
    tol = 1e3 * EPS * max(m, n, k) * cond * (1.0 + nA * nB / max(float(s[0]) if r else 1.0,
                                                                  1e-300))
    ranks = (po.ranks["A"].rank, po.ranks["B"].rank, r)
    holds = ranks[0] == ranks[1] and res_v <= tol and res_u <= tol
    return LemmaB17Check(bool(po.conditions["i"]), bool(po.conditions["ii"]), ranks, res_v,
                         res_u, tol, bool(holds), bool(po.ambiguous))


@dataclass(frozen=True)
class PropB18Delta:
    """The explicit δ(ε) at the end of the proof of Prop B18 (T-001-PropB18):
    ``δ = min{ε/(1 + max{‖(W̄_2¹ + W̃_2¹)⁻¹‖, √2·C(2 + 2K)/σ_min}), σ_min/2}`` with
    ``K = n2ⁿ``, ``C = ‖W̄_2¹‖``, σ_min the smallest non-zero singular value of W1W2 and
    ``W̃_2¹ = ε/(n2^{n+1})·[0 | w̃¹ … w̃^{k−r}]`` (w̃ an orthonormal basis of N(W̄_1))."""

    m: int
    k: int
    n: int
    r: int
    eps: float
    K: float
    sigma_min: float | None
    C: float
    inv_norm: float
    delta: float
    applicable: bool
    reason: str

    def to_dict(self) -> dict:
        return {"m": self.m, "k": self.k, "n": self.n, "r": self.r, "eps": self.eps,
                "K": self.K, "sigma_min": self.sigma_min, "C": self.C,
                "inv_norm": self.inv_norm, "delta": self.delta, "applicable": self.applicable,
                "reason": self.reason}


def _rotated(A: np.ndarray, B: np.ndarray):
    """SVD frame of the product (Lem B14/B15): W̄_1 = UᵀW_1, W̄_2 = W_2V, Σ = UᵀW_1W_2V."""
    U, s, Vt = np.linalg.svd(A @ B)
    V = Vt.T
    return U, V, U.T @ A, B @ V, U.T @ (A @ B) @ V


def prop_b18_delta(W1, W2, eps: float) -> PropB18Delta:
    """Nouiehed & Razaviyayn, Prop B18 (T-001-PropB18): the proof's δ(ε) at an open pair
    (i) and ii) of Thm 5; ``applicable`` False otherwise, with the reason).

    Departures (stated where made): norms Frobenius as in the text; for r = 0 (W1W2 = 0) the
    terms with σ_min are dropped (Σ_{:,1:r} is empty, the bound on Ā_1 is vacuous) and δ is
    ``ε/(1 + ‖(W̃_2¹)⁻¹‖)``; the columns r+1..k of W̄_2, zero by Lem B17, are set to 0 in
    ``W̄_2¹``."""
    A, B, m, k, n = _pair(W1, W2)
    e = float(eps)
    if not (e > 0 and math.isfinite(e)):
        raise ShapeError(f"eps: expected a positive number, got {eps!r}")
    chk = lemma_b17_check(A, B)
    r = chk.ranks[2]
    K = float(n) * 2.0 ** n
    if not (chk.hypothesis_i and chk.hypothesis_ii):
        return PropB18Delta(m, k, n, r, e, K, None, 0.0, math.inf, 0.0, False,
                            "i) and ii) do not both hold: not locally open (Prop B18)")
    U, V, W1b, W2b, S = _rotated(A, B)
    sv = np.linalg.svd(S[:, :r], compute_uv=False) if r else np.zeros(0)
    smin = float(sv[-1]) if r else None
    Nw = null_space(W1b)[0][:, : k - r]  # orthonormal basis of N(W̄_1), dim k − r
    W21 = np.zeros((k, k))
    W21[:, :r] = W2b[:, :r]
    Wt = np.zeros((k, k))
    Wt[:, r:] = e / (n * 2.0 ** (n + 1)) * Nw
    M = W21 + Wt
    inv_norm = float(np.linalg.norm(np.linalg.inv(M)))
    C = float(np.linalg.norm(W21))
    if r:
        t = max(inv_norm, math.sqrt(2.0) * C * (2 + 2 * K) / smin)
        delta = min(e / (1 + t), smin / 2)
    else:
        delta = e / (1 + inv_norm)
    return PropB18Delta(m, k, n, r, e, K, smin, C, inv_norm, float(delta), True,
                        "i) and ii) hold (Lem B17: rank W1 = rank W2 = rank W1W2 = "
                        f"{r}); δ from the proof's last display")


@dataclass(frozen=True)
class PropB18Construction:
    """The proof's preimage of a target: ``(W1 + Δ1)(W2 + Δ2) = target`` with
    ``Δ1 = U W̄_1⁰``, ``Δ2 = W̄_2⁰ Vᵀ`` (T-001-PropB18, eq. (29)); ``within_eps``: both
    ``‖Δ1‖, ‖Δ2‖ ≤ ε``. ``coefficient_norm`` is ‖Ā‖ and ``coefficient_bound`` the text's
    ``n2^{n−r̃−1}`` (r̃ = rank of the target)."""

    distance: float
    delta1: np.ndarray
    delta2: np.ndarray
    norm1: float
    norm2: float
    residual: float
    within_eps: bool
    columns: tuple[int, ...]
    coefficient_norm: float
    coefficient_bound: float
    eps: float

    def to_dict(self) -> dict:
        return {"distance": self.distance, "delta1": self.delta1.tolist(),
                "delta2": self.delta2.tolist(), "norm1": self.norm1, "norm2": self.norm2,
                "residual": self.residual, "within_eps": self.within_eps,
                "columns": list(self.columns), "coefficient_norm": self.coefficient_norm,
                "coefficient_bound": self.coefficient_bound, "eps": self.eps}


def prop_b18_construction(W1, W2, target, eps: float) -> PropB18Construction:
    """Nouiehed & Razaviyayn, Prop B18, "if" direction (T-001-PropB18): the explicit preimage
    (29) of a target ``Σ̃ = UᵀTV`` of rank ≤ k near ``Σ = W̄_1W̄_2``.

    Columns: the first r stay (the proof shows they must be in the basis for small δ); k − r
    more are chosen by pivoted QR on the part of the other columns outside their span, so that
    the first k columns span the target's column space; ``Ā = [Ā_1; Ā_2]`` solves
    ``Σ̃_{:,sel} Ā = Σ̃_{:,rest}`` (minimum norm). Then ``W̄_1⁰ = [R¹ | R²](W̄_2¹ + W̃_2¹)⁻¹`` and
    ``W̄_2⁰ = [W̃_2¹ | (W̄_2¹ + W̃_2¹)Ā]``, with W̃_2¹ as in :class:`PropB18Delta`. Departure: the
    last n − k columns of W̄_2 are zero by Lem B17 only up to rounding; they are subtracted from
    ``W̄_2⁰`` so that (29) holds to rounding. Raises if the pair is not open or the target has
    rank > k."""
    A, B, m, k, n = _pair(W1, W2)
    T = as_float_matrix(target, "target", (m, n))
    e = float(eps)
    if not (e > 0 and math.isfinite(e)):
        raise ShapeError(f"eps: expected a positive number, got {eps!r}")
    chk = lemma_b17_check(A, B)
    if not (chk.hypothesis_i and chk.hypothesis_ii):
        raise PointError("W1, W2: i) and ii) of Thm 5 do not both hold; Prop B18 constructs "
                         "preimages only at open pairs")
    r = chk.ranks[2]
    tdec = numerical_rank(T)
    if tdec.rank > k:
        raise ShapeError(f"target: rank {tdec.rank} > k = {k}, so it is not in the range M_k")
    U, V, W1b, W2b, S = _rotated(A, B)
    St = U.T @ T @ V
    first = list(range(r))
    others = [j for j in range(n) if j >= r]
    Q = np.linalg.qr(St[:, :r])[0] if r else np.zeros((m, 0))
    resid = St[:, others] - Q @ (Q.T @ St[:, others])
    piv = sla.qr(resid, pivoting=True)[2] if others else np.zeros(0, dtype=int)
    extra = [others[p] for p in piv[: k - r]]
    sel = first + extra
    rest = [j for j in range(n) if j not in sel]
    Abar = np.linalg.lstsq(St[:, sel], St[:, rest], rcond=None)[0]
    Nw = null_space(W1b)[0][:, : k - r]
    W21 = W2b[:, sel]
    Wt = np.zeros((k, k))
    Wt[:, r:] = e / (n * 2.0 ** (n + 1)) * Nw
    M = W21 + Wt
    R12 = St[:, sel] - S[:, sel]
    W10 = R12 @ np.linalg.inv(M)
    W20 = np.zeros((k, n))
    W20[:, sel] = Wt
    W20[:, rest] = M @ Abar - W2b[:, rest]
    d1, d2 = U @ W10, W20 @ V.T
    P = (A + d1) @ (B + d2)
    res = float(np.linalg.norm(P - T)) / max(float(np.linalg.norm(T)), 1e-300)
    n1, n2 = float(np.linalg.norm(d1)), float(np.linalg.norm(d2))
    rt = tdec.rank
    return PropB18Construction(float(np.linalg.norm(T - A @ B)), d1, d2, n1, n2, res,
                               n1 <= e and n2 <= e, tuple(sel), float(np.linalg.norm(Abar)),
                               float(n) * 2.0 ** (n - rt - 1), e)


@dataclass(frozen=True)
class OpennessLowerBound:
    """For any ``(Δ1, Δ2)`` with ``(W1 + Δ1)(W2 + Δ2) = T``:
    ``P⊥(T − W1W2)Q⊥ = P⊥Δ1Δ2Q⊥`` (``P⊥``, ``Q⊥`` the projectors onto ``C(W1)^⊥``,
    ``R(W2)^⊥``), so ``max(‖Δ1‖, ‖Δ2‖) ≥ ‖P⊥(T − W1W2)Q⊥‖_2^{1/2}`` = ``needed_eps``."""

    projected_norm: float
    needed_eps: float

    def to_dict(self) -> dict:
        return {"projected_norm": self.projected_norm, "needed_eps": self.needed_eps}


def openness_lower_bound(W1, W2, target) -> OpennessLowerBound:
    """The perturbation every preimage of ``target`` needs (a proof, not a search): with
    ``Δ = T − W1W2 = Δ1W2 + W1Δ2 + Δ1Δ2``, ``P⊥Δ1W2 Q⊥ = 0`` and ``P⊥W1Δ2Q⊥ = 0``, hence
    ``‖P⊥ΔQ⊥‖_2 = ‖P⊥Δ1Δ2Q⊥‖_2 ≤ ‖Δ1‖_2‖Δ2‖_2 ≤ max(‖Δ1‖, ‖Δ2‖)²``. Evidence about the §3
    remark of Nouiehed & Razaviyayn ("for any locally open pair, given ε, the chosen δ is of
    order ε", T-001-Sec3-Perturbation): at a pair with ``rank W1W2 < k`` the rank-increasing
    targets of :func:`rank_increasing_target` at distance δ need ``ε ≥ √δ``, so no δ of order ε
    works as ε → 0 (δ ≤ ε² is forced)."""
    A = as_float_matrix(W1, "W1")
    B = as_float_matrix(W2, "W2")
    if A.shape[1] != B.shape[0]:
        raise ShapeError(f"W2: expected {A.shape[1]} rows (the columns of W1), got {B.shape}")
    T = as_float_matrix(target, "target", (A.shape[0], B.shape[1]))
    Ca = range_basis(A)[0]
    Rb = range_basis(B.T)[0]
    D = T - A @ B
    D = D - Ca @ (Ca.T @ D)
    D = D - (D @ Rb) @ Rb.T
    pn = float(np.linalg.norm(D, 2)) if D.size else 0.0
    return OpennessLowerBound(pn, math.sqrt(pn))


def rank_increasing_target(W1, W2, delta: float) -> np.ndarray:
    """``T = W1W2 + δ u vᵀ`` with unit ``u ⊥ C(W1)``, ``v ⊥ R(W2)``: at distance δ from W1W2,
    of rank ``rank W1W2 + 1`` (in the range M_k when ``rank W1W2 < k``)."""
    A = as_float_matrix(W1, "W1")
    B = as_float_matrix(W2, "W2")
    if A.shape[1] != B.shape[0]:
        raise ShapeError(f"W2: expected {A.shape[1]} rows (the columns of W1), got {B.shape}")
    Nu = null_space(A.T)[0]
    Nv = null_space(B)[0]
    if Nu.shape[1] == 0 or Nv.shape[1] == 0:
        raise ShapeError("W1, W2: C(W1) or R(W2) is the whole space; no rank-increasing target")
    return A @ B + float(delta) * np.outer(Nu[:, 0], Nv[:, 0])


# ---------------------------------------------------------------------------------------------
# Thm 8 / Cor 9: the App. A.1 / A.2 second-order direction
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Thm8Escape:
    """The direction of App. A.1 (squared loss) / A.2 (any loss) at a two-layer point.

    ``case``: "b ∈ N(W2)" (``B_{:,i} = αb``, ``A_{j,:} = bᵀ``) or "a ∈ N(W1ᵀ)"
    (``A_{j,:} = αaᵀ``, ``B_{:,i} = a``); ``(j, i)`` the entry of ``G = ∇l(W)`` used (for the
    squared loss ``G = ΔXᵀ`` and ``G_{ji} = ⟨X_{i,:}, Δ_{j,:}⟩``). Along ``θ + t(B, A)``:
    ``d²/dt² L = constant + α·slope`` with ``slope = 2‖b‖²G_{ji}`` (the text prints
    ``α‖b‖²⟨X_{i,:}, Δ_{j,:}⟩ + c``, without the 2) and ``constant = ∇²l(W)[AW1 + W2B]``, which
    does not depend on α. ``slope_taylor``/``constant`` are measured with Landscape.taylor;
    ``second_derivative`` is ``2·c_2`` at the chosen α (``−|slope|``)."""

    applicable: bool
    degenerate: bool | None
    critical: bool
    relative_gradient: float
    gradient_zero: bool
    case: str
    i: int | None
    j: int | None
    G_ji: float
    vector: np.ndarray | None
    alpha: float
    direction: Point | None
    constant: float
    slope: float
    slope_taylor: float
    second_derivative: float
    hessian_quadratic_form: float
    reason: str

    def to_dict(self) -> dict:
        return {"applicable": self.applicable, "degenerate": self.degenerate,
                "critical": self.critical, "relative_gradient": self.relative_gradient,
                "gradient_zero": self.gradient_zero, "case": self.case, "i": self.i,
                "j": self.j, "G_ji": self.G_ji,
                "vector": None if self.vector is None else self.vector.tolist(),
                "alpha": self.alpha,
                "direction": None if self.direction is None else [d.tolist()
                                                                  for d in self.direction],
                "constant": self.constant, "slope": self.slope,
                "slope_taylor": self.slope_taylor,
                "second_derivative": self.second_derivative,
                "hessian_quadratic_form": self.hessian_quadratic_form, "reason": self.reason}


def _two_layer(landscape: Landscape, theta) -> Point:
    if not isinstance(landscape, Landscape) or not isinstance(landscape.model, LinearNetwork):
        raise DlnscapeError("landscape: expected a Landscape of a dlnscape LinearNetwork")
    th = landscape.point(theta)
    if len(th) != 2:
        raise PointError(f"theta: Thm 8 / Cor 9 are about two layers; got {len(th)}")
    return th


def _gradient_zero(landscape: Landscape, W: np.ndarray, G: np.ndarray) -> bool:
    scale = float(landscape.loss.magnitude(W).gradient)
    return float(np.linalg.norm(G)) <= DEFAULT_TOLERANCES.critical_rtol * scale


def thm8_second_order_escape(landscape: Landscape, theta) -> Thm8Escape:
    """Nouiehed & Razaviyayn, Thm 8 (App. A.1) and Cor 9 (App. A.2) (T-001-Thm8, T-001-Cor9):
    at a degenerate two-layer point (``rank W2W1 < min(d_0, d_1, d_2)``) either ``∇l(W) = 0``
    (then a global minimum for a convex l) or the direction (B, A) built from a null vector
    gives a negative second derivative for a suitable α: a second-order saddle if θ is
    critical. Any loss of dlnscape (squared for Thm 8; logistic, Huber, … for Cor 9).

    Departures: the case list of A.1 is OCR-damaged ("b ∈ N(W̄_2)" twice); it is read as
    "d_2 < d_1 ⇒ N(W̄_2) ≠ {0}; d_0 < d_1 ⇒ N(W̄_1ᵀ) ≠ {0}; otherwise the rank-deficient
    factor", i.e. b ∈ N(W̄_2) if non-trivial, else a ∈ N(W̄_1ᵀ). (j, i) is the largest |G_{ji}|
    (the text takes any non-zero one). α is ``−(constant + |slope|)/slope``."""
    from dlnscape.geometry.ranks import rank_profile

    W1, W2 = _two_layer(landscape, theta)
    rel = float(relative_gradient_at(landscape, (W1, W2))[0])
    critical = rel <= DEFAULT_TOLERANCES.critical_rtol
    prof = rank_profile((W1, W2))
    degenerate = None if prof.ambiguous else bool(prof.degenerate)
    W = W2 @ W1
    G = landscape.loss.grad(W)
    zero = _gradient_zero(landscape, W, G)

    def out(applicable, case="", i=None, j=None, gji=0.0, vec=None, alpha=0.0, direction=None,
            const=0.0, slope=0.0, slope_t=0.0, d2=0.0, hq=0.0, reason=""):
        return Thm8Escape(applicable, degenerate, critical, rel, zero, case, i, j, gji, vec,
                          alpha, direction, const, slope, slope_t, d2, hq, reason)

    if degenerate is not True:
        return out(False, reason="not degenerate (rank W = min d_i): Thm 8 uses Lem 10 + Obs 1 "
                                 "+ Lem 7 there" if degenerate is False else
                   "the rank decision is ambiguous")
    if zero:
        return out(True, reason="∇l(W) = 0: a global minimum when l is convex (A.1/A.2)")
    j, i = np.unravel_index(int(np.argmax(np.abs(G))), G.shape)
    j, i = int(j), int(i)
    nb = null_space(W2)[0]
    na = null_space(W1.T)[0]
    d2_, d1_ = W2.shape
    d0 = W1.shape[1]
    A = np.zeros((d2_, d1_))
    Bm = np.zeros((d1_, d0))
    if nb.shape[1]:
        case, v = "b ∈ N(W2)", nb[:, 0]

        def direction(alpha: float) -> Point:
            Bd = Bm.copy()
            Bd[:, i] = alpha * v
            Ad = A.copy()
            Ad[j, :] = v
            return (Bd, Ad)
    elif na.shape[1]:
        case, v = "a ∈ N(W1ᵀ)", na[:, 0]

        def direction(alpha: float) -> Point:
            Ad = A.copy()
            Ad[j, :] = alpha * v
            Bd = Bm.copy()
            Bd[:, i] = v
            return (Bd, Ad)
    else:  # pragma: no cover - impossible at a degenerate point (proved in A.1)
        return out(False, reason="N(W2) = N(W1ᵀ) = {0} at a degenerate point: impossible")
    slope = 2.0 * float(v @ v) * float(G[j, i])
    th = (W1, W2)
    const = 2.0 * float(landscape.taylor(th, direction(0.0), 2)[2])
    slope_t = 2.0 * float(landscape.taylor(th, direction(1.0), 2)[2]) - const
    alpha = -(const + abs(slope)) / slope
    dirn = direction(alpha)
    d2 = 2.0 * float(landscape.taylor(th, dirn, 2)[2])
    vflat = landscape.pack(dirn)
    hq = float(vflat @ landscape.hvp_flat(th, vflat))
    return out(True, case, i, j, float(G[j, i]), v, float(alpha), dirn, const, slope, slope_t,
               d2, hq, f"{case}; G_ji = {G[j, i]:.6g} ≠ 0; second derivative {d2:.6g} < 0 at "
                       f"α = {alpha:.6g}")


def pad_hidden_layer(theta, k: int, new_width: int) -> Point:
    """θ with hidden width ``d_k`` raised to ``new_width`` by zero rows of ``W_k`` and zero
    columns of ``W_{k+1}`` (1 ≤ k ≤ h − 1, text indexing). The product is unchanged, and the
    padded point is critical iff θ is (the new gradient entries are products with the zero
    blocks), so a critical point of a narrower network becomes a *degenerate* critical point
    of the wider one when ``rank W < min(new widths)``: the instances for Cor 9."""
    th = tuple(as_float_matrix(W, f"theta[{i}]") for i, W in enumerate(theta))
    h = len(th)
    if not (isinstance(k, (int, np.integer)) and 1 <= k <= h - 1):
        raise ShapeError(f"k: expected a hidden layer 1 ≤ k ≤ {h - 1}, got {k!r}")
    d = th[k - 1].shape[0]
    if not (isinstance(new_width, (int, np.integer)) and new_width >= d):
        raise ShapeError(f"new_width: expected an integer ≥ d_k = {d}, got {new_width!r}")
    Wk = np.zeros((new_width, th[k - 1].shape[1]))
    Wk[:d] = th[k - 1]
    Wn = np.zeros((th[k].shape[0], new_width))
    Wn[:, :d] = th[k]
    out = list(th)
    out[k - 1], out[k] = Wk, Wn
    return tuple(out)


@dataclass(frozen=True)
class Cor9Check:
    """Cor 9 (T-001-Cor9) at one point: ``conclusion`` is what the corollary predicts
    ("global minimum" when ∇l(W) = 0, "second-order saddle" otherwise, for degenerate critical
    points); ``verdict`` and ``hessian_negative`` (number of negative Hessian eigenvalues) are
    what dlnscape's classify finds independently. ``agrees``: for a saddle, the App. A.2
    direction has a negative second derivative, the Hessian a negative eigenvalue and the
    verdict is not a minimum (``undetermined`` is allowed: classify could not *certify* the
    escape, which is not a disagreement); for ∇l(W) = 0, no negative curvature."""

    critical: bool
    degenerate: bool | None
    conclusion: str
    verdict: str
    hessian_negative: int | None
    agrees: bool | None
    escape: Thm8Escape

    def to_dict(self) -> dict:
        return {"critical": self.critical, "degenerate": self.degenerate,
                "conclusion": self.conclusion, "verdict": self.verdict,
                "hessian_negative": self.hessian_negative, "agrees": self.agrees,
                "escape": self.escape.to_dict()}


def cor9_check(landscape: Landscape, theta, rng=0) -> Cor9Check:
    """Nouiehed & Razaviyayn, Cor 9 (T-001-Cor9): "with the square loss replaced by a general
    convex loss, every degenerate critical point is either a global minimum or a second order
    saddle". At θ: the App. A.2 direction (:func:`thm8_second_order_escape`) and, independently,
    :func:`dlnscape.classify` (Hessian eigenvalues and certificates). For ∇l(W) = 0 the
    corollary's "global minimum" is the convexity argument (W minimises l over all matrices);
    agreement then means classify finds no negative curvature (its oracle may not know the
    minimum of a loss it does not model, e.g. Huber)."""
    from dlnscape.critical import classify

    esc = thm8_second_order_escape(landscape, theta)
    res = classify(landscape, landscape.point(theta), rng=rng)
    verdict = str(res.verdict.value if hasattr(res.verdict, "value") else res.verdict)
    nneg = None if res.hessian is None else int(res.hessian.n_negative)
    minimum = verdict in ("global_minimum", "local_minimum")
    if not esc.critical:
        return Cor9Check(False, esc.degenerate, "not critical", verdict, nneg, None, esc)
    if esc.degenerate is not True:
        return Cor9Check(True, esc.degenerate, "not degenerate (Cor 9 says nothing)", verdict,
                         nneg, None, esc)
    if esc.gradient_zero:
        ok = verdict not in ("strict_saddle", "degenerate_saddle", "local_maximum") and not nneg
        return Cor9Check(True, True, "global minimum", verdict, nneg, bool(ok), esc)
    ok = esc.second_derivative < 0 and bool(nneg) and not minimum
    return Cor9Check(True, True, "second-order saddle", verdict, nneg, bool(ok), esc)


# ---------------------------------------------------------------------------------------------
# Lem C19: rank-one directions and the order of the first non-vanishing derivative
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class LemmaC19Directions:
    """Lem C19's descent directions (App. C, T-001-LemC19) at a degenerate point.

    ``half``: "N(W_h) ≠ {0}" (the printed construction) or "N(W_1ᵀ) ≠ {0}" (its mirror image,
    run on the transposed network). ``K`` the set 𝒦 (text indices of the half used), ``k_star``
    its maximum (2 when 𝒦 = ∅: case b). Along ``θ + tĀ``:
    ``g(t) = l(W + t^s P1 + t^{s+1} P2)`` with ``s = h − k* + 1``, so the first non-zero
    derivative has order s or s + 1 (``predicted_orders``). ``taylor``: Landscape.taylor at the
    chosen α's; ``order``/``leading``: its first non-zero coefficient beyond the constant;
    ``exact_taylor``: the same coefficients recomputed in exact rationals (squared loss);
    ``products_vanish``: the text's (34) (``W̄_{k+1}Ā_k = 0``, ``Ā_kW̄_{k−1}⋯W̄_2 = 0``), exactly."""

    applicable: bool
    reason: str
    half: str = ""
    K: tuple[int, ...] = ()
    k_star: int | None = None
    i: int | None = None
    j: int | None = None
    s: int | None = None
    alpha_h: float = 0.0
    alpha_1: float = 0.0
    direction: Point | None = None
    P1: np.ndarray | None = None
    P2: np.ndarray | None = None
    c_constant: Fraction | None = None
    taylor: np.ndarray | None = None
    exact_taylor: tuple[Fraction, ...] | None = None
    order: int | None = None
    leading: float = 0.0
    descent: bool = False
    products_vanish: bool | None = None
    gradient_zero: bool = False
    predicted_orders: tuple[int, int] | None = None
    hypotheses: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"applicable": self.applicable, "reason": self.reason, "half": self.half,
                "K": list(self.K), "k_star": self.k_star, "i": self.i, "j": self.j,
                "s": self.s, "alpha_h": self.alpha_h, "alpha_1": self.alpha_1,
                "direction": None if self.direction is None else [d.tolist()
                                                                  for d in self.direction],
                "P1": None if self.P1 is None else self.P1.tolist(),
                "P2": None if self.P2 is None else self.P2.tolist(),
                "c_constant": None if self.c_constant is None else str(self.c_constant),
                "taylor": None if self.taylor is None else self.taylor.tolist(),
                "exact_taylor": None if self.exact_taylor is None
                else [str(c) for c in self.exact_taylor],
                "order": self.order, "leading": self.leading, "descent": self.descent,
                "products_vanish": self.products_vanish, "gradient_zero": self.gradient_zero,
                "predicted_orders": None if self.predicted_orders is None
                else list(self.predicted_orders), "hypotheses": self.hypotheses}


def _qprod(layers: Sequence[np.ndarray], a: int, b: int, dim: int) -> np.ndarray:
    """``W_a ⋯ W_b`` (text indices, a ≥ b) as an exact object array; ``I_dim`` if a < b."""
    out = None
    for k in range(b, a + 1):
        out = layers[k - 1] if out is None else layers[k - 1] @ out
    if out is None:
        out = np.empty((dim, dim), dtype=object)
        for p, q in itertools.product(range(dim), range(dim)):
            out[p, q] = flint.fmpq(int(p == q))
    return out


def _qmat(arr: np.ndarray) -> flint.fmpq_mat:
    m, n = arr.shape
    return flint.fmpq_mat(m, n, list(arr.reshape(-1)))


def _integral(v: np.ndarray) -> np.ndarray:
    """A rational vector scaled to coprime integers (direction vectors may be rescaled)."""
    den = 1
    for x in v:
        den = den * int(x.q) // math.gcd(den, int(x.q))
    ints = [int(x.p) * (den // int(x.q)) for x in v]
    g = 0
    for x in ints:
        g = math.gcd(g, abs(x))
    g = g or 1
    out = np.empty(len(v), dtype=object)
    out[:] = [flint.fmpq(x // g) for x in ints]
    return out


def _nonorthogonal_pair(P: np.ndarray, N: np.ndarray):
    """Basis vectors p (column of P), b (column of N) with ``pᵀb ≠ 0``, or None (orthogonal)."""
    for a in range(P.shape[1]):
        for c in range(N.shape[1]):
            if sum((x * y for x, y in zip(P[:, a], N[:, c], strict=True)), flint.fmpq(0)) != 0:
                return _integral(P[:, a]), _integral(N[:, c])
    return None


def _exact_taylor_squared(loss: SquaredLoss, theta: Point, direction: Point
                          ) -> tuple[Fraction, ...]:
    """Coefficients of ``½‖Π(W_k + tA_k)X − Y‖²`` in exact Fractions (an independent check)."""
    X = np.array([[_fr(x) for x in row] for row in loss.X], dtype=object)
    Y = np.array([[_fr(x) for x in row] for row in loss.Y], dtype=object)
    poly = [X]  # coefficient list of the running product applied to X
    for W, A in zip(theta, direction, strict=True):
        Wq = np.array([[_fr(x) for x in row] for row in W], dtype=object)
        Aq = np.array([[_fr(x) for x in row] for row in A], dtype=object)
        new = [Wq @ poly[0]]
        for t in range(1, len(poly)):
            new.append(Wq @ poly[t] + Aq @ poly[t - 1])
        new.append(Aq @ poly[-1])
        poly = new
    poly[0] = poly[0] - Y
    deg = 2 * (len(poly) - 1)
    out = [Fraction(0)] * (deg + 1)
    for a, b in itertools.product(range(len(poly)), repeat=2):
        out[a + b] += sum((x * y for x, y in zip(poly[a].reshape(-1), poly[b].reshape(-1),
                                                  strict=True)), Fraction(0)) / 2
    return tuple(out)


def _c19_half(layers, G: np.ndarray):
    """The printed construction (N(W_h) ≠ {0} half) on exact layers; None if not applicable.

    Returns (K, k*, (j, i), vector data) with every vector exact and integral."""
    h = len(layers)
    d = [layers[0].shape[1]] + [W.shape[0] for W in layers]
    K = []
    pairs = {}
    for k in range(3, h + 1):
        Nk = rational_nullspace(_qmat(layers[k - 1]))  # N(W_k) ⊂ Q^{d_{k-1}}
        Pk = rational_nullspace(_qmat(_qprod(layers, k - 1, 2, d[1]).T))  # N((W_{k-1}⋯W_2)ᵀ)
        pr = _nonorthogonal_pair(Pk, Nk) if Nk.shape[1] and Pk.shape[1] else None
        if pr is None:
            K.append(k)
        else:
            pairs[k] = pr
    kstar = max(K) if K else 2
    if kstar >= 3:
        Nk = rational_nullspace(_qmat(layers[kstar - 1]))
        Mp = _qprod(layers, kstar - 1, 2, d[1])
        # b ∈ N(W_{k*}) ∩ C(W_{k*-1}⋯W_2): solve N x = M y
        stack = np.concatenate([Nk, -Mp], axis=1)
        ns = rational_nullspace(_qmat(stack)) if Nk.shape[1] else np.empty((0, 0), dtype=object)
        found = None
        for c in range(ns.shape[1]):
            x = ns[: Nk.shape[1], c]
            b = Nk @ x
            if any(t != 0 for t in b):
                found = (b, ns[Nk.shape[1]:, c])
                break
        if found is None:
            return None, K, kstar, "N(W_k*) ∩ C(W_{k*-1}⋯W_2) = {0}: no b (N(W_h) = {0}?)"
        b, b1 = found
        scale = _integral(b)
        # rescale b and b1 together (b1 = y with M y = b)
        ratio = scale[0] / b[0] if b[0] != 0 else next(
            scale[t] / b[t] for t in range(len(b)) if b[t] != 0)
        b = scale
        b1 = np.array([ratio * t for t in b1], dtype=object)
    else:
        N2 = rational_nullspace(_qmat(layers[1])) if h >= 2 else None
        if N2 is None or N2.shape[1] == 0:
            return None, K, kstar, "N(W_2) = {0}: case b needs a null vector of W_2"
        b = _integral(N2[:, 0])
        b1 = b
    j, i = np.unravel_index(int(np.argmax(np.abs(G))), G.shape)
    return (b, b1, pairs), K, kstar, (int(j), int(i))


def _c19_directions(layers, d, data, kstar, j, i, alpha_h, alpha_1) -> list[np.ndarray]:
    b, b1, pairs = data
    h = len(layers)
    dirs = []
    for k in range(1, h + 1):
        A = np.empty((d[k], d[k - 1]), dtype=object)
        A.reshape(-1)[:] = [flint.fmpq(0)] * A.size
        dirs.append(A)
    if kstar == h:
        for c in range(d[h - 1]):
            dirs[h - 1][j, c] = alpha_h * b[c]
    else:
        p_h = pairs[h][0]
        for c in range(d[h - 1]):
            dirs[h - 1][j, c] = alpha_h * p_h[c]
        for k in range(kstar + 1, h):  # Ā_k = b_k p_kᵀ, b_k from the pair at k + 1
            bk, pk = pairs[k + 1][1], pairs[k][0]
            dirs[k - 1] = np.outer(bk, pk)
        dirs[kstar - 1] = np.outer(pairs[kstar + 1][1], b)
    for r_ in range(d[1]):
        dirs[0][r_, i] = alpha_1 * b1[r_]
    return dirs


def lemma_c19_directions(landscape: Landscape, theta) -> LemmaC19Directions:
    """Nouiehed & Razaviyayn, Lem C19 (App. C, T-001-LemC19): at a degenerate point with
    ``N(W̄_i), N(W̄_iᵀ) ≠ {0}`` for 2 ≤ i ≤ h − 1 and ``N(W̄_h) ≠ {0}`` or ``N(W̄_1ᵀ) ≠ {0}``, the
    rank-one directions Ā and the order of the first non-zero derivative of
    ``g(t) = L(θ + tĀ)``: ``h − k* + 1`` or ``h − k* + 2`` (the text's claim), with a negative
    coefficient (descent) unless ``∇l(W) = 0`` (global, by convexity).

    Everything is exact: θ is read as rationals; null spaces, 𝒦 (orthogonality ⟺ no pair of
    basis vectors with ``pᵀb ≠ 0``), b ∈ N(W̄_{k*}) ∩ C(W̄_{k*−1}⋯W̄_2) and b_1 are computed over
    Q and scaled to integers, so on integer points the directions are integer matrices and the
    low-order Taylor coefficients vanish exactly. (j, i) is the largest |∇l(W)_{ji}|. α_h = ±1
    makes the order-s coefficient negative when it is non-zero; otherwise α_h = 1 and α_1 a
    power of two making the order-(s+1) coefficient negative (its slope in α_1 is
    ``α_h·c·∇l(W)_{ji}``, ``c = Π p_kᵀb_{k−1} · bᵀb``, checked against Landscape.taylor).

    Departures: (a) when k* = h the printed definitions of Ā_h collide (Ā_h as the row
    ``α_hp_hᵀ`` and as ``Ā_{k*} = b_{k*}bᵀ``); we read ``(Ā_h)_{j,:} = α_h bᵀ`` (for h = 2 this
    is exactly App. A.1's direction); (b) the N(W̄_1ᵀ) half is run as the printed half on the
    transposed network ``(W_hᵀ, …, W_1ᵀ)`` (k ↦ h + 1 − k maps its 𝒦, k*, p_k, b_k onto the
    printed ones) and mapped back; (c) for s ≥ 2 the order-(s+1) derivative has no ``h(·)`` term
    (it appears only for s = 1, where 2s = s + 1). Works for any loss (the remark after the
    proof: "a general convex and differentiable function"); for a non-polynomial loss the
    Taylor coefficients come from JAX Taylor mode up to order s + 2."""
    if not isinstance(landscape, Landscape) or not isinstance(landscape.model, LinearNetwork):
        raise DlnscapeError("landscape: expected a Landscape of a dlnscape LinearNetwork")
    th = landscape.point(theta)
    h = len(th)
    layers = [rational_array(W, f"theta[{k}]") for k, W in enumerate(th)]
    d = [th[0].shape[1]] + [W.shape[0] for W in th]
    ranks = [rational_rank(_qmat(W)) for W in layers]
    prod_rank = rational_rank(_qmat(_qprod(layers, h, 1, d[0])))
    hyp = {
        "degenerate": prod_rank < min(d),
        "interior_null_spaces": all(ranks[i - 1] < d[i - 1] and ranks[i - 1] < d[i]
                                    for i in range(2, h)),
        "N(W_h) != 0": ranks[h - 1] < d[h - 1],
        "N(W_1^T) != 0": ranks[0] < d[1],
    }
    if not (hyp["degenerate"] and hyp["interior_null_spaces"]
            and (hyp["N(W_h) != 0"] or hyp["N(W_1^T) != 0"])):
        return LemmaC19Directions(False, f"hypotheses of Lem C19 fail: {hyp}", hypotheses=hyp)
    W = end_to_end(th)
    G = landscape.loss.grad(W)
    zero = _gradient_zero(landscape, W, G)
    if zero:
        return LemmaC19Directions(True, "∇l(W) = 0: a global minimum for a convex l",
                                  gradient_zero=True, hypotheses=hyp)
    transposed = not hyp["N(W_h) != 0"]
    work = [W_.T.copy() for W_ in layers[::-1]] if transposed else layers
    dw = [work[0].shape[1]] + [W_.shape[0] for W_ in work]
    Gw = G.T if transposed else G
    data, K, kstar, ji = _c19_half(work, Gw)
    half = "N(W_1^T) != 0 (transposed)" if transposed else "N(W_h) != 0"
    if data is None:
        return LemmaC19Directions(False, ji, half, tuple(K), kstar, hypotheses=hyp)
    j, i = ji
    s = h - kstar + 1

    def build(ah, a1) -> Point:
        dirs = _c19_directions(work, dw, data, kstar, j, i, flint.fmpq(ah.numerator,
                                                                       ah.denominator),
                               flint.fmpq(a1.numerator, a1.denominator))
        fl = [_qfloat(A) for A in dirs]
        if transposed:
            fl = [A.T.copy() for A in fl[::-1]]
        return tuple(fl)

    poly = landscape.is_polynomial
    order_needed = None if poly else s + 2

    def coeffs(direction: Point) -> np.ndarray:
        c = landscape.taylor(th, direction, order_needed)
        return np.asarray(c, dtype=np.float64)

    one, zero_f = Fraction(1), Fraction(0)
    c_first = coeffs(build(one, zero_f))
    scale = max(float(np.max(np.abs(c_first))), 1e-300)
    thr = DEFAULT_TOLERANCES.taylor_rtol * scale
    if abs(c_first[s]) > thr:
        ah, a1 = (-one if c_first[s] > 0 else one), zero_f
    else:
        ah = one
        c0 = coeffs(build(one, zero_f))[s + 1]
        slope = coeffs(build(one, one))[s + 1] - c0
        if abs(slope) <= thr:
            return LemmaC19Directions(False, "the order-(s+1) coefficient does not depend on "
                                             "α_1 (c·∇l_ji = 0?)", half, tuple(K), kstar,
                                      hypotheses=hyp)
        e = math.ceil(math.log2((abs(c0) + abs(slope)) / abs(slope)))
        a1 = Fraction(-1 if slope > 0 else 1) * (Fraction(2) ** max(e, 0))
    direction = build(ah, a1)
    c = coeffs(direction)
    nz = [k for k in range(1, len(c)) if abs(c[k]) > thr]
    order = nz[0] if nz else None
    lead = float(c[order]) if order is not None else 0.0
    descent = order is not None and (lead < 0 or order % 2 == 1)
    exact = None
    if isinstance(landscape.loss, SquaredLoss):
        exact = _exact_taylor_squared(landscape.loss, th, direction)
        nze = [k for k in range(1, len(exact)) if exact[k] != 0]
        if nze:
            order = nze[0]
            lead = float(exact[order])
            descent = lead < 0 or order % 2 == 1
    # (34): W̄_{k+1}Ā_k = 0 (k* ≤ k ≤ h−1) and Ā_k W̄_{k−1}⋯W̄_2 = 0 (k*+1 ≤ k ≤ h), exactly
    dq = [rational_array(A) for A in (direction[::-1] if transposed else direction)]
    if transposed:
        dq = [A.T.copy() for A in dq]
    vanish = all(not np.any(work[k] @ dq[k - 1] != 0) for k in range(max(kstar, 1), h)) and all(
        not np.any(dq[k - 1] @ _qprod(work, k - 1, 2, dw[1]) != 0) for k in range(kstar + 1, h + 1))
    # P1 = Ā_h⋯Ā_{k*} W̄_{k*-1}⋯W̄_1, P2 = Ā_h⋯Ā_{k*} W̄_{k*-1}⋯W̄_2 Ā_1 (in the half's frame)
    top = None
    for k in range(kstar, h + 1):
        top = dq[k - 1] if top is None else dq[k - 1] @ top
    P1 = top @ _qprod(work, kstar - 1, 1, dw[0])
    P2 = top @ _qprod(work, kstar - 1, 2, dw[1]) @ dq[0]
    P1f, P2f = _qfloat(P1), _qfloat(P2)
    if transposed:
        P1f, P2f = P1f.T.copy(), P2f.T.copy()
    b, _, pairs = data
    cconst = Fraction(1)
    for k in range(kstar + 1, h + 1):
        p, bb = pairs[k]
        cconst *= _fr(sum((x * y for x, y in zip(p, bb, strict=True)), flint.fmpq(0)))
    cconst *= _fr(sum((x * x for x in b), flint.fmpq(0)))
    return LemmaC19Directions(
        True, f"{half}; 𝒦 = {K}; k* = {kstar}; s = h − k* + 1 = {s}", half, tuple(K), kstar,
        i, j, s, float(ah), float(a1), direction, P1f, P2f, cconst, c, exact, order, lead,
        bool(descent), bool(vanish), False, (s, s + 1), hyp)


# ---------------------------------------------------------------------------------------------
# Thm 12(b): the reduction of App. C
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class MergeStep:
    """One replacement of App. C: ``rule`` "column" (W_i full column rank, 1 ≤ i ≤ h − 1:
    (W_{i+1}, W_i) → W_{i+1}W_i, open by Prop 4 with B̃ = 0) or "row" (W_i full row rank,
    2 ≤ i ≤ h: (W_i, W_{i−1}) → W_iW_{i−1}, open by Prop 4 with Ã = 0); ``i`` in the text's
    indexing of the network it was applied to."""

    rule: str
    i: int
    widths_before: tuple[int, ...]
    widths_after: tuple[int, ...]

    def to_dict(self) -> dict:
        return {"rule": self.rule, "i": self.i, "widths_before": list(self.widths_before),
                "widths_after": list(self.widths_after)}


@dataclass(frozen=True)
class Thm12bReduction:
    """The reduction of App. C (proof of Thm 12(b), T-001-Thm12) applied to θ.

    ``case``: "a" when ``d_{p2*} < min(d_0, d_h)``, else "b". ``steps``: the merges, exhaustively
    (ranks exact over Q). ``lemma``: "Lem 7" (h' = 1), "Thm 8" (h' = 2), "Lem 19" (h' ≥ 3 and its
    hypotheses hold) or None (no lemma of the text applies). ``text_implication``: for h' ≥ 3,
    the printed step "if d'_{h'} > d'_{h'−1} and d'_0 > d'_1 then d_{p2*} < min(d_h, d_0)"
    evaluated on this instance (None when its premise is false). ``conclusion``: "global
    minimum", "not a local minimum" (what the deciding lemma proves for the merged point,
    transferred back by Obs 1 and the openness of each merge) or "undecided by the text"."""

    widths: tuple[int, ...]
    case: str
    steps: tuple[MergeStep, ...]
    merged_widths: tuple[int, ...]
    merged_theta: Point
    critical: bool
    merged_critical: bool
    lemma: str | None
    conclusion: str
    text_implication: bool | None
    detail: object
    reason: str

    def to_dict(self) -> dict:
        det = self.detail.to_dict() if hasattr(self.detail, "to_dict") else self.detail
        return {"widths": list(self.widths), "case": self.case,
                "steps": [s.to_dict() for s in self.steps],
                "merged_widths": list(self.merged_widths),
                "merged_theta": [W.tolist() for W in self.merged_theta],
                "critical": self.critical, "merged_critical": self.merged_critical,
                "lemma": self.lemma, "conclusion": self.conclusion,
                "text_implication": self.text_implication, "detail": det,
                "reason": self.reason}


def _thm12_case(d: Sequence[int]) -> str:
    order = sorted(range(len(d)), key=lambda t: (d[t], t))
    return "a" if d[order[1]] < min(d[0], d[-1]) else "b"


def _merge_once(th: list[np.ndarray]):
    h = len(th)
    for i in range(1, h + 1):
        W = th[i - 1]
        rk = rational_rank(_qmat(rational_array(W, f"W_{i}")))
        if i <= h - 1 and rk == W.shape[1]:  # full column rank
            new = th[: i - 1] + [th[i] @ th[i - 1]] + th[i + 1:]
            return new, "column", i
        if i >= 2 and rk == W.shape[0]:  # full row rank
            new = th[: i - 2] + [th[i - 1] @ th[i - 2]] + th[i:]
            return new, "row", i
    return None


def thm12b_reduction(landscape: Landscape, theta) -> Thm12bReduction:
    """Nouiehed & Razaviyayn, Thm 12(b) (App. C, T-001-Thm12): "if d_{p2*} ≥ min(d_h, d_0), every
    local minimum of (30) is global", by its proof: replace ``W̄_{i+1}W̄_i`` by one matrix while
    some W̄_i (1 ≤ i ≤ h−1) has full column rank or some W̄_i (2 ≤ i ≤ h) full row rank (Prop 4
    + Obs 1: a local minimum stays a local minimum), then decide the merged point by Lem 7
    (h' = 1), Thm 8 (h' = 2: :func:`thm8_second_order_escape` at degenerate points; Lem 10 +
    Obs 1 + Lem 7 at non-degenerate ones, i.e. compare with the global minimum) or Lem 19
    (h' ≥ 3: :func:`lemma_c19_directions`).

    Returns which lemma decided and what it proves; the merged landscape has the same loss
    (the end-to-end product and the value are unchanged; criticality transfers because the
    merged factor's gradient is the original one times a full-rank factor). Ranks are exact
    (θ read as rationals). A point for which no lemma applies gets ``lemma=None`` and the
    conclusion "undecided by the text" — a gap of the proof, not a counterexample to the
    theorem (compare with :func:`dlnscape.classify`)."""
    from dlnscape.functional import global_minimum

    if not isinstance(landscape, Landscape) or not isinstance(landscape.model, LinearNetwork):
        raise DlnscapeError("landscape: expected a Landscape of a dlnscape LinearNetwork")
    th0 = landscape.point(theta)
    d = tuple([th0[0].shape[1]] + [W.shape[0] for W in th0])
    case = _thm12_case(d)
    critical = relative_gradient_at(landscape, th0)[0] <= DEFAULT_TOLERANCES.critical_rtol
    cur = list(th0)
    steps = []
    while len(cur) > 1:
        m = _merge_once(cur)
        if m is None:
            break
        new, rule, i = m
        before = tuple([cur[0].shape[1]] + [W.shape[0] for W in cur])
        after = tuple([new[0].shape[1]] + [W.shape[0] for W in new])
        steps.append(MergeStep(rule, i, before, after))
        cur = new
    dm = tuple([cur[0].shape[1]] + [W.shape[0] for W in cur])
    merged = tuple(cur)
    mland = Landscape(LinearNetwork(Architecture(dm)), landscape.loss)
    mcrit = relative_gradient_at(mland, merged)[0] <= DEFAULT_TOLERANCES.critical_rtol
    hp = len(merged)

    def done(lemma, conclusion, implication, detail, reason):
        return Thm12bReduction(d, case, tuple(steps), dm, merged, bool(critical), bool(mcrit),
                               lemma, conclusion, implication, detail, reason)

    if not critical:
        return done(None, "not critical", None, None, "θ is not a critical point")
    if hp == 1:
        return done("Lem 7", "global minimum", None, None,
                    "h' = 1: the merged problem min l(Z) is unconstrained and convex; a "
                    "critical point is a global minimum (Lem 7)")
    if hp == 2:
        esc = thm8_second_order_escape(mland, merged)
        if esc.degenerate:
            if esc.gradient_zero:
                return done("Thm 8", "global minimum", None, esc,
                            "h' = 2, degenerate, ∇l(W) = 0: global (convexity)")
            return done("Thm 8", "not a local minimum", None, esc,
                        "h' = 2, degenerate: App. A.1 gives negative curvature")
        gm = global_minimum(landscape.loss, Architecture(d))
        v = landscape.value(th0)
        if gm is None:
            return done("Thm 8", "undecided by the text", None, esc,
                        "h' = 2, non-degenerate, but no closed-form global minimum")
        tol = 1e-9 * max(float(landscape.loss.magnitude(end_to_end(th0)).value), 1e-300)
        if abs(v - gm.value) <= tol:
            return done("Thm 8", "global minimum", None, esc,
                        "h' = 2, non-degenerate, value = global minimum (Lem 10 + Obs 1 + "
                        "Lem 7)")
        return done("Thm 8", "not a local minimum", None, esc,
                    f"h' = 2, non-degenerate: a local minimum would be global (Lem 10 + Obs 1 "
                    f"+ Lem 7), but L = {v:.6g} > min = {gm.value:.6g}")
    premise = dm[-1] > dm[-2] and dm[0] > dm[1]
    implication = (case == "a") if premise else None
    c19 = lemma_c19_directions(mland, merged)
    if not c19.applicable:
        return done(None, "undecided by the text", implication, c19,
                    f"h' = {hp} ≥ 3 and Lem C19 does not apply ({c19.reason})")
    if c19.gradient_zero:
        return done("Lem 19", "global minimum", implication, c19, "∇l(W) = 0: global")
    if c19.descent:
        return done("Lem 19", "not a local minimum", implication, c19,
                    f"Lem C19 descent of order {c19.order} on the merged point")
    return done("Lem 19", "undecided by the text", implication, c19,  # pragma: no cover
                "Lem C19 directions gave no descent")
