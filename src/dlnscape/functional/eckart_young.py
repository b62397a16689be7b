"""Critical points of ``h_{Q0}(W) = ‖W − Q0‖²`` on ``M_r`` with their indices (Eckart–Young).

Trager, Kohn & Bruna 2020 (docs/bibliography.md), Thm 12 / Thm 28 / Thm 30:

* if the singular values of ``Q0 = U Σ Vᵀ`` are distinct and positive, the critical points of
  ``h_{Q0}|M_r`` are the ``C(m, r)`` matrices ``Q_I = U Σ_I Vᵀ`` (``#I = r``), with value
  ``Σ_{i∉I} σ_i²`` and index ``#{(j, i) ∈ I × Iᶜ : j > i}``; ``Q_{1..r}`` is the unique local
  (and global) minimum;
* in general (Thm 28, ``Q0 ∉ M_r``) they are the ``U Σ_I Vᵀ`` over *all* SVDs of ``Q0`` with
  ``σ_i > 0`` for ``i ∈ I``. When a singular value is repeated, the SVD is not unique and the
  critical set is a union of smooth components: for a cluster of ``k`` equal singular values
  of which ``c`` are chosen (``0 < c < k``), the chosen ``c``-dimensional subspace of the
  cluster's left singular space is free (a Grassmannian ``Gr(c, k)``, dimension ``c(k − c)``).

Index and nullity in the general case come from the Riemannian Hessian at ``Q_I``: for every
pair ``(j ∈ I, i ∉ I)`` with ``i ≤ m`` the directions ``u_i v_jᵀ, u_j v_iᵀ`` carry the block
``2[[1, −σ_i/σ_j], [−σ_i/σ_j, 1]]`` with eigenvalues ``2(1 ± σ_i/σ_j)``; every other direction
has eigenvalue 2. Hence ``index = #{(j, i) : σ_i > σ_j}`` (which is Thm 12's count for distinct
values) and ``nullity = #{(j, i) : σ_i = σ_j}`` = the dimension of the component (Morse–Bott).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field

import numpy as np

from dlnscape.architecture import as_float_matrix
from dlnscape.errors import DlnscapeError, PointError, ShapeError
from dlnscape.linalg import EPS, RankDecision, numerical_rank

#: default relative tolerance under which two singular values count as equal
CLUSTER_RTOL = 1e-10
#: refuse to enumerate more components than this (C(m, r) grows fast)
MAX_COMPONENTS = 200_000
#: refuse to enumerate when the listed matrices would need more memory than this (bytes)
ENUMERATION_MEMORY_BYTES = 2 * 1024**3


@dataclass(frozen=True)
class SingularCluster:
    """Indices (0-based, into the decreasing singular values) sharing one singular value."""

    sigma: float
    indices: tuple[int, ...]

    @property
    def multiplicity(self) -> int:
        return len(self.indices)

    def to_dict(self) -> dict:
        return {"sigma": self.sigma, "indices": list(self.indices)}


@dataclass(frozen=True)
class FreeSubspace:
    """Within a cluster of equal singular values, ``chosen`` of the ``multiplicity`` are in I.

    The critical component contains every matrix obtained by replacing the chosen left
    singular vectors by an orthonormal basis of any ``chosen``-dimensional subspace ``S`` of
    ``span(left_basis)`` (and the right vectors by ``Q0ᵀ S / σ``): a Grassmannian
    ``Gr(chosen, multiplicity)`` of dimension ``chosen · (multiplicity − chosen)``.
    """

    sigma: float
    indices: tuple[int, ...]
    chosen: int
    left_basis: np.ndarray
    right_basis: np.ndarray

    @property
    def dimension(self) -> int:
        return self.chosen * (len(self.indices) - self.chosen)

    def to_dict(self) -> dict:
        return {
            "sigma": self.sigma,
            "indices": list(self.indices),
            "chosen": self.chosen,
            "grassmannian": f"Gr({self.chosen}, {len(self.indices)})",
            "dimension": self.dimension,
        }


@dataclass(frozen=True)
class EYCriticalPoint:
    """One critical point ``Q_I = U Σ_I Vᵀ`` (or the representative of a critical component).

    ``I`` holds 0-based indices into the decreasing singular values (the text's ``I`` minus 1).
    ``index`` is the number of negative eigenvalues of the Hessian of ``h_{Q0}|M_r`` in any
    local parametrization (Trager et al. 2020, Thm 12), ``nullity`` the number of zero ones
    (= ``dimension``, the component's dimension; 0 for an isolated point). ``smooth`` is False
    only for the special case ``rank Q0 < r`` where the global minimum ``Q0`` is a singular
    point of ``M_r``.
    """

    I: tuple[int, ...]
    W: np.ndarray
    value: float
    index: int
    nullity: int
    dimension: int
    is_global_minimum: bool
    free: tuple[FreeSubspace, ...] = ()
    smooth: bool = True

    @property
    def is_local_minimum(self) -> bool:
        return self.index == 0

    @property
    def text_I(self) -> tuple[int, ...]:
        """``I`` in the text's 1-based numbering."""
        return tuple(i + 1 for i in self.I)

    def to_dict(self) -> dict:
        return {
            "I": list(self.I),
            "I_1_based": list(self.text_I),
            "W": self.W.tolist(),
            "value": self.value,
            "index": self.index,
            "nullity": self.nullity,
            "dimension": self.dimension,
            "is_global_minimum": self.is_global_minimum,
            "is_local_minimum": self.is_local_minimum,
            "smooth": self.smooth,
            "free": [f.to_dict() for f in self.free],
        }


@dataclass(frozen=True)
class EckartYoungResult:
    """All critical points of ``‖W − Q0‖²`` on ``M_r`` (Trager et al. 2020, Thm 12 / Thm 28)."""

    r: int
    shape: tuple[int, int]
    singular_values: np.ndarray  # length m = min(shape), decreasing
    U: np.ndarray  # full left singular vectors (d_y × d_y)
    V: np.ndarray  # full right singular vectors (d_x × d_x)
    clusters: tuple[SingularCluster, ...]
    rank: RankDecision
    generic: bool  # distinct positive singular values: Thm 12 applies verbatim
    finite: bool
    points: tuple[EYCriticalPoint, ...]
    min_relative_gap: float  # smallest |σ_i − σ_{i+1}| / σ_1 between distinct clusters
    cluster_rtol: float
    description: str = field(default="")

    @property
    def n_points(self) -> int:
        return len(self.points)

    @property
    def global_minimum(self) -> EYCriticalPoint:
        return min(self.points, key=lambda p: p.value)

    @property
    def local_minima(self) -> tuple[EYCriticalPoint, ...]:
        return tuple(p for p in self.points if p.index == 0)

    def point(self, I) -> EYCriticalPoint:
        """The critical point (or component representative) for the 0-based subset ``I``."""
        key = tuple(sorted(int(i) for i in I))
        for p in self.points:
            if p.I == key:
                return p
        # a subset equivalent to a representative (same counts per cluster)
        counts = _cluster_counts(key, self.clusters)
        for p in self.points:
            if _cluster_counts(p.I, self.clusters) == counts:
                return p
        raise DlnscapeError(
            f"I: {key} is not a critical subset of size r={self.r} for these singular values "
            f"(indices must be distinct, in [0, {len(self.singular_values)}), with σ_i > 0)"
        )

    def to_dict(self) -> dict:
        return {
            "r": self.r,
            "shape": list(self.shape),
            "singular_values": self.singular_values.tolist(),
            "clusters": [c.to_dict() for c in self.clusters],
            "rank": self.rank.to_dict(),
            "generic": self.generic,
            "finite": self.finite,
            "min_relative_gap": self.min_relative_gap,
            "cluster_rtol": self.cluster_rtol,
            "description": self.description,
            "points": [p.to_dict() for p in self.points],
        }


def _cluster_counts(I: tuple[int, ...], clusters: tuple[SingularCluster, ...]) -> tuple[int, ...]:
    s = set(I)
    return tuple(len(s.intersection(c.indices)) for c in clusters)


def singular_clusters(s: np.ndarray, rtol: float = CLUSTER_RTOL) -> tuple[SingularCluster, ...]:
    """Group decreasing singular values into clusters of numerically equal values.

    Two neighbours are equal when ``σ_i − σ_{i+1} ≤ rtol · max(σ_1, tiny)``; values below
    ``rtol · σ_1`` are set to exactly 0 (a zero cluster).
    """
    s = np.asarray(s, dtype=np.float64)
    if s.size == 0:
        return ()
    scale = max(float(s[0]), 1e-300)
    thr = rtol * scale
    clusters: list[list[int]] = [[0]]
    for i in range(1, s.size):
        if s[clusters[-1][-1]] - s[i] <= thr:
            clusters[-1].append(i)
        else:
            clusters.append([i])
    out = []
    for c in clusters:
        val = float(np.mean(s[c]))
        if val <= thr:
            val = 0.0
        out.append(SingularCluster(val, tuple(c)))
    return tuple(out)


def _index_nullity(I: tuple[int, ...], s: np.ndarray, cid: np.ndarray) -> tuple[int, int]:
    """Negative and zero counts of the Riemannian Hessian at ``Q_I`` (module docstring)."""
    m = s.size
    Iset = set(I)
    neg = zero = 0
    for j in I:
        for i in range(m):
            if i in Iset:
                continue
            if cid[i] == cid[j]:
                zero += 1
            elif s[i] > s[j]:
                neg += 1
    return neg, zero


def thm12_index(I, m: int) -> int:
    """The index formula of Trager et al. 2020, Thm 12: ``#{(j, i) ∈ I × Iᶜ : j > i}``.

    ``I`` is a set of 0-based (or consistently 1-based) indices into ``{0..m-1}``.
    """
    Is = set(int(i) for i in I)
    return sum(1 for j in Is for i in range(m) if i not in Is and j > i)


@dataclass(frozen=True)
class EckartYoungContext:
    """Everything about ``Q0`` and ``r`` that does not depend on a subset (one SVD)."""

    Q0: np.ndarray
    r: int
    U: np.ndarray
    s: np.ndarray
    V: np.ndarray
    clusters: tuple[SingularCluster, ...]
    cid: np.ndarray
    s_clean: np.ndarray
    rank: RankDecision
    rank_q: int
    min_gap: float
    distinct_positive: bool
    cluster_rtol: float

    @property
    def m(self) -> int:
        return self.s.size

    @property
    def degenerate(self) -> bool:
        """``Q0 ∈ M_r`` (``r ≥ m`` or ``rank Q0 ≤ r``): one critical point, ``Q0`` itself."""
        return self.r >= self.m or self.rank_q <= self.r

    @property
    def positive(self) -> list[SingularCluster]:
        return [c for c in self.clusters if c.sigma > 0]

    @property
    def finite(self) -> bool:
        """Whether every critical component is a point. Outside the degenerate case a component
        with ``0 < k_c < multiplicity`` exists for every repeated positive cluster (``r < rank
        Q0`` leaves room for it), so this is "no repeated positive singular value"."""
        return self.degenerate or all(c.multiplicity == 1 for c in self.positive)

    def common(self) -> dict:
        dy, dx = self.Q0.shape
        return dict(
            r=self.r, shape=(dy, dx), singular_values=self.s, U=self.U, V=self.V,
            clusters=self.clusters, rank=self.rank, min_relative_gap=self.min_gap,
            cluster_rtol=self.cluster_rtol,
        )

    def Q_of(self, I: tuple[int, ...]) -> np.ndarray:
        idx = list(I)
        return (self.U[:, idx] * self.s[idx]) @ self.V[:, idx].T

    def degenerate_point(self) -> tuple[EYCriticalPoint, str]:
        r, m, rank_q = self.r, self.m, self.rank_q
        pt_I = tuple(range(rank_q))
        smooth = r >= m or rank_q == r
        pt = EYCriticalPoint(pt_I, self.Q0.copy(), 0.0, 0, 0, 0, True, (), smooth)
        if r >= m:
            why = (f"r = {r} ≥ min(shape) = {m}: M_r is the whole space, h is strictly convex and "
                   f"its only critical point is Q0 (value 0).")
        elif rank_q == r:
            why = (f"rank Q0 = {rank_q} = r: Q0 lies on the smooth part of M_r; it is the only "
                   f"critical point there (Thm 28's criterion Q0 − P ∈ Col(P)⊥⊗Row(P)⊥ forces "
                   f"P = Q0 when rank Q0 = rank P) and the global minimum (value 0).")
        else:
            why = (f"rank Q0 = {rank_q} < r = {r}: no rank-r matrix is critical (Q0 − P would be "
                   f"normal to P, giving rank Q0 ≥ r); Q0 itself is the global minimum, a "
                   f"singular point of M_r where ∇h = 0 (returned with smooth=False).")
        return pt, why

    def top_counts(self) -> tuple[int, ...]:
        """The composition of the global minimum: the top clusters greedily (the first one
        :func:`_compositions` yields)."""
        left, out = self.r, []
        for c in self.positive:
            k = min(c.multiplicity, left)
            out.append(k)
            left -= k
        return tuple(out)

    def point_of_counts(self, counts: tuple[int, ...], top: tuple[int, ...]) -> EYCriticalPoint:
        """The representative of the component with ``counts[c]`` indices from cluster c."""
        positive = self.positive
        U, V, s_clean = self.U, self.V, self.s_clean
        I = tuple(i for c, k in zip(positive, counts, strict=True) for i in c.indices[:k])
        neg, zero = _index_nullity(I, s_clean, self.cid)
        free = tuple(
            FreeSubspace(c.sigma, c.indices, k, U[:, list(c.indices)], V[:, list(c.indices)])
            for c, k in zip(positive, counts, strict=True)
            if 0 < k < c.multiplicity
        )
        dim = sum(f.dimension for f in free)
        value = float(np.sum(s_clean ** 2) - np.sum(s_clean[list(I)] ** 2))
        return EYCriticalPoint(I, self.Q_of(I), value, neg, zero, dim, counts == top, free)

    def point(self, I=None) -> EYCriticalPoint:
        """:func:`eckart_young_critical_point` on this context."""
        return _ey_point(self, I)


def eckart_young_context(Q0: np.ndarray, r: int, cluster_rtol: float) -> EckartYoungContext:
    Q0 = as_float_matrix(Q0, "Q0")
    if isinstance(r, bool) or not isinstance(r, (int, np.integer)) or r < 0:
        raise ShapeError(f"r: expected a non-negative integer rank, got {r!r}")
    r = int(r)
    if not (cluster_rtol > 0 and math.isfinite(cluster_rtol)):
        raise PointError(f"cluster_rtol: expected a positive finite number, got {cluster_rtol}")
    dy, dx = Q0.shape
    m = min(dy, dx)
    U, s, Vt = np.linalg.svd(Q0, full_matrices=True)
    V = Vt.T
    clusters = singular_clusters(s, cluster_rtol)
    cid = np.empty(m, dtype=int)
    for k, c in enumerate(clusters):
        cid[list(c.indices)] = k
    s_clean = np.array([clusters[cid[i]].sigma for i in range(m)]) if m else s
    dec = numerical_rank(Q0, rtol=max(cluster_rtol, 10 * max(dy, dx) * EPS))
    rank_q = int(np.sum(s_clean > 0))
    gaps = [
        (clusters[k].sigma - clusters[k + 1].sigma) / max(float(s[0]), 1e-300)
        for k in range(len(clusters) - 1)
    ]
    min_gap = float(min(gaps)) if gaps else math.inf
    distinct_positive = all(c.multiplicity == 1 and c.sigma > 0 for c in clusters)
    return EckartYoungContext(Q0, r, U, s, V, clusters, cid, s_clean, dec, rank_q, min_gap,
                      distinct_positive, cluster_rtol)


def _description(ctx: EckartYoungContext, n_points: int) -> str:
    m, r = ctx.m, ctx.r
    if ctx.distinct_positive:
        return (f"distinct positive singular values: exactly C({m}, {r}) = {math.comb(m, r)} "
                f"isolated critical points Q_I = U Σ_I Vᵀ (Thm 12); the unique local minimum is "
                f"I = {{1..{r}}} and it is global.")
    positive = ctx.positive
    zero_c = [c for c in ctx.clusters if c.sigma == 0]
    parts = []
    rep = [c for c in positive if c.multiplicity > 1]
    if rep:
        parts.append(
            "repeated singular values "
            + ", ".join(f"σ={c.sigma:.6g} (×{c.multiplicity}, indices {list(c.indices)})"
                        for c in rep)
            + ": choosing c of the k equal values leaves a free c-dimensional subspace of "
              "their left singular space (a Grassmannian Gr(c, k)), so those critical sets "
              "are positive-dimensional manifolds"
        )
    if zero_c:
        parts.append(
            f"zero singular values at indices {list(zero_c[0].indices)}: they can never be "
            f"in I (Q_I would have rank < r, a singular point of M_r)"
        )
    return (f"general Eckart–Young (Thm 28): {n_points} critical component(s), "
            f"one representative each; " + "; ".join(parts)
            + ". Index = #{(j∈I, i∉I): σ_i > σ_j}; nullity = #{σ_i = σ_j} = component "
              "dimension; all local minima are global.")


def count_critical_components(Q0: np.ndarray, r: int, *,
                              cluster_rtol: float = CLUSTER_RTOL) -> int:
    """How many critical components (points, for distinct σ) :func:`eckart_young_critical_points`
    would list: ``C(m, r)`` for distinct positive singular values (Trager et al. 2020, Thm 12),
    the number of per-cluster count vectors in general (Thm 28), 1 when ``Q0 ∈ M_r``."""
    ctx = eckart_young_context(Q0, r, cluster_rtol)
    if ctx.degenerate:
        return 1
    return _count_compositions([c.multiplicity for c in ctx.positive], ctx.r)


def eckart_young_critical_points(
    Q0: np.ndarray, r: int, *, cluster_rtol: float = CLUSTER_RTOL,
    max_points: int = MAX_COMPONENTS,
) -> EckartYoungResult:
    """All critical points of ``h(W) = ‖W − Q0‖²_F`` on the smooth part of ``M_r``, with indices.

    Trager et al. 2020, Thm 12 (distinct positive singular values: ``C(m, r)`` points
    ``U Σ_I Vᵀ``, index ``#{(j,i) ∈ I×Iᶜ : j > i}``) and its general form Thm 28 (repeated or
    zero singular values: components described by :class:`FreeSubspace`, one representative
    per component in ``points``). Special cases, described in ``description``:

    * ``r ≥ min(shape)`` (M_r is everything): the only critical point is ``Q0``;
    * ``rank Q0 = r``: the only critical point on the smooth part is ``Q0`` (value 0);
    * ``rank Q0 < r``: no critical point of rank r exists; ``Q0`` (a singular point of M_r,
      where ``∇h = 0``) is the global minimum and is returned with ``smooth=False``.

    This enumerates: it refuses (:class:`DlnscapeError` naming ``max_points``) when there are
    more than ``max_points`` components, or when their matrices would not fit in
    :data:`ENUMERATION_MEMORY_BYTES`. One point: :func:`eckart_young_critical_point`.
    """
    ctx = eckart_young_context(Q0, r, cluster_rtol)
    if isinstance(max_points, bool) or not isinstance(max_points, (int, np.integer)) \
            or max_points < 1:
        raise DlnscapeError(f"max_points: expected a positive integer, got {max_points!r}")
    common = ctx.common()
    if ctx.degenerate:  # -- Q0 already in M_r ----------------------------------------------
        pt, why = ctx.degenerate_point()
        return EckartYoungResult(
            **common, generic=ctx.distinct_positive, finite=True, points=(pt,), description=why
        )
    # -- Q0 ∉ M_r: Thm 28 ---------------------------------------------------------------------
    dy, dx = ctx.Q0.shape
    mults = [c.multiplicity for c in ctx.positive]
    n_comp = _count_compositions(mults, ctx.r)
    need = 8 * n_comp * dy * dx
    if n_comp > max_points or need > ENUMERATION_MEMORY_BYTES:
        raise DlnscapeError(
            f"max_points: the critical set of ‖W − Q0‖² on M_{ctx.r} has {n_comp} components "
            f"for a {dy}×{dx} Q0 (their matrices need {need / 1024**3:.3g} GiB), above the "
            f"limit of {max_points} points / {ENUMERATION_MEMORY_BYTES / 1024**3:.3g} GiB; "
            f"build single points with eckart_young_critical_point(Q0, r, I) (or "
            f"dlnscape.functional.critical_point_from_subset / global_minimum), or use a "
            f"smaller r or shape"
        )
    top = ctx.top_counts()
    points = [ctx.point_of_counts(counts, top) for counts in _compositions(mults, ctx.r)]
    min_value = float(np.sum(ctx.s_clean[ctx.r:] ** 2))
    assert abs(min(p.value for p in points) - min_value) <= 1e-9 * (1 + min_value)
    finite = all(p.dimension == 0 for p in points)
    return EckartYoungResult(
        **common, generic=ctx.distinct_positive, finite=finite, points=tuple(points),
        description=_description(ctx, len(points)),
    )


def _subset_counts(ctx: EckartYoungContext, I) -> tuple[int, ...]:
    """The per-positive-cluster counts of ``I`` when ``I`` names a critical component, with the
    same rule as :meth:`EckartYoungResult.point`; else a :class:`DlnscapeError` naming ``I``."""
    try:
        key = tuple(sorted(int(i) for i in I))
    except TypeError:
        raise DlnscapeError(f"I: expected a collection of 0-based indices, got {I!r}") from None
    counts = _cluster_counts(key, ctx.clusters)
    ok = (sum(counts) == ctx.r
          and all(k == 0 for c, k in zip(ctx.clusters, counts, strict=True) if c.sigma == 0))
    if not ok:
        raise DlnscapeError(
            f"I: {key} is not a critical subset of size r={ctx.r} for these singular values "
            f"(indices must be distinct, in [0, {ctx.m}), with σ_i > 0)"
        )
    return tuple(k for c, k in zip(ctx.clusters, counts, strict=True) if c.sigma > 0)


def eckart_young_critical_point(
    Q0: np.ndarray, r: int, I=None, *, cluster_rtol: float = CLUSTER_RTOL
) -> EYCriticalPoint:
    """One critical point of ``‖W − Q0‖²`` on ``M_r``, built directly (no enumeration).

    ``I = None`` gives the global minimum ``U Σ_{1..r} Vᵀ`` (Eckart–Young; Trager et al. 2020,
    Thm 12 / Thm 28: the top-r subset, all local minima global); otherwise the point (or the
    representative of the critical component, as :meth:`EckartYoungResult.point`) of the
    0-based subset ``I``, with Thm 12's index and the nullity/free subspaces of Thm 28. Equal
    to the matching entry of :func:`eckart_young_critical_points` — one SVD and O(r·m) work
    instead of ``C(m, r)`` points.

    When ``σ_r = σ_{r+1}`` the global minimiser is not unique: the returned representative
    has ``dimension > 0`` and ``free`` describes the Grassmannian of minimisers.
    """
    return eckart_young_context(Q0, r, cluster_rtol).point(I)


def _ey_point(ctx: EckartYoungContext, I) -> EYCriticalPoint:
    if ctx.degenerate:
        pt, _ = ctx.degenerate_point()
        if I is not None:
            try:
                key = tuple(sorted(int(i) for i in I))
            except TypeError:
                raise DlnscapeError(
                    f"I: expected a collection of 0-based indices, got {I!r}") from None
            if key != pt.I and _cluster_counts(key, ctx.clusters) != _cluster_counts(
                    pt.I, ctx.clusters):
                raise DlnscapeError(
                    f"I: {key} is not a critical subset of size r={ctx.r} for these singular "
                    f"values (Q0 ∈ M_r: the only critical point is Q0, I = {pt.I})"
                )
        return pt
    top = ctx.top_counts()
    counts = top if I is None else _subset_counts(ctx, I)
    return ctx.point_of_counts(counts, top)


def _compositions(mults: list[int], r: int):
    """Tuples ``(k_1, …)`` with ``0 ≤ k_c ≤ mults[c]`` and ``Σ k_c = r``, top clusters first."""
    if not mults:
        if r == 0:
            yield ()
        return
    rest_cap = sum(mults[1:])
    for k in range(min(mults[0], r), -1, -1):
        if r - k > rest_cap:
            break
        for tail in _compositions(mults[1:], r - k):
            yield (k, *tail)


def _count_compositions(mults: list[int], r: int) -> int:
    ways = [1] + [0] * r
    for mu in mults:
        new = [0] * (r + 1)
        for t in range(r + 1):
            if ways[t]:
                for k in range(min(mu, r - t) + 1):
                    new[t + k] += ways[t]
        ways = new
    return ways[r]


def eckart_young_escape_path(
    Q0: np.ndarray, I, j: int, alphas: np.ndarray | None = None
) -> dict:
    """The rotation path of Trager et al. 2020, Thm 28 (proof) from ``Q_I`` towards ``Q_{I'}``.

    ``i ∈ I`` is the index in I with the smallest singular value and ``j ∉ I`` an index with
    ``σ_j > σ_i``; ``u(α) = cos α u_i + sin α u_j`` (likewise v) and
    ``σ(α) = cos²α σ_i + sin²α σ_j``. Returns the grid of α and ``h(P_α)``; along a strict
    decrease the point ``Q_I`` is not a local minimum.
    """
    Q0 = as_float_matrix(Q0, "Q0")
    U, s, Vt = np.linalg.svd(Q0)
    I = sorted(int(t) for t in I)
    if j in I:
        raise DlnscapeError(f"j: expected an index outside I={I}, got {j}")
    i = min(I, key=lambda t: s[t])  # the smallest singular value in I
    if not s[j] > s[i]:
        raise DlnscapeError(
            f"j: expected σ_j > σ_i = {s[i]:.6g} for i = {i} ∈ I, got σ_j = {s[j]:.6g}"
        )
    alphas = np.linspace(0.0, np.pi / 2, 101) if alphas is None else np.asarray(alphas, float)
    keep = [t for t in I if t != i]
    base = (U[:, keep] * s[keep]) @ Vt[keep]
    vals = []
    for a in alphas:
        u = np.cos(a) * U[:, i] + np.sin(a) * U[:, j]
        v = np.cos(a) * Vt[i] + np.sin(a) * Vt[j]
        sig = np.cos(a) ** 2 * s[i] + np.sin(a) ** 2 * s[j]
        P = base + sig * np.outer(u, v)
        vals.append(float(np.sum((P - Q0) ** 2)))
    return {"i": i, "j": j, "alphas": alphas, "values": np.array(vals)}


def all_subsets(m: int, r: int) -> list[tuple[int, ...]]:
    """All 0-based subsets of ``{0..m-1}`` of size r (in lexicographic order)."""
    return list(itertools.combinations(range(m), r))
