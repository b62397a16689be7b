"""Fibers μ⁻¹(W) of the product map: factorizations, exact moves inside a fiber, GL action.

* :func:`factorize` — a point θ with ``μ(θ) = W`` (Trager et al. 2020 (004), Prop 16).
* :func:`fiber_moves` — finite moves that keep μ fixed. They are all one mechanism, a rank-one
  update of one layer through a kernel of a partial product:

  - *prefix side*: ``W_k ← W_k + δ v wᵀ`` with ``wᵀ W_{<k} = 0``. Every prefix product
    ``W_j ⋯ W_1`` is unchanged, so μ is. This is Hofflin's (000) Claim 3.1 perturbation
    (``W̃_k = Ŵ_k + δ_k w_k û_{k-1}ᵀ`` with ``Ŵ_{k-1,-}ᵀ û_{k-1} = 0``) and Zhang's move in
    the proof of 004 Prop 9 (``W̃_{i+1} = W_{i+1} + ε v_{i+1} w_iᵀ``, ``w_iᵀ W_i ⋯ W_1 = 0``).
  - *suffix side*: ``W_k ← W_k + δ v wᵀ`` with ``W_{>k} v = 0``. Every suffix product is
    unchanged (the transposed move; Nouiehed–Razaviyayn (001) Lem C19's directions
    ``Ā_k = b_k p_kᵀ`` with ``b_k`` in a null space, and Kawaguchi (002) App B's perturbations
    of the same kind).

  The move is linear in δ, so the whole segment δ ∈ [0, δ_max] lies in the fiber: moves are
  finite, not infinitesimal.
* :func:`random_fiber_point` — the GL action ``W_i ← G_i W_i G_{i-1}⁻¹`` (004 eq. (11)).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from dlnscape.architecture import (
    Architecture,
    Point,
    end_to_end,
    prefix_products,
    suffix_products,
)
from dlnscape.errors import DlnscapeError, ShapeError
from dlnscape.geometry._common import point_and_arch
from dlnscape.linalg import RankDecision, numerical_rank, product_rank
from dlnscape.validate import check_rng


def fiber_residual(theta: Sequence[np.ndarray], W: np.ndarray) -> float:
    """``‖μ(θ) − W‖_F / (1 + ‖W‖_F)``: how far θ is from the fiber of ``W``."""
    W = np.asarray(W, dtype=np.float64)
    return float(np.linalg.norm(end_to_end(theta) - W)) / (1.0 + float(np.linalg.norm(W)))


# --------------------------------------------------------------------------------------------
# factorize (004 Prop 16)
# --------------------------------------------------------------------------------------------
def factorize(
    W: np.ndarray,
    arch: Architecture | Sequence[int],
    rng: np.random.Generator | int | None = None,
    *,
    construction: str = "prop16",
    rtol: float | None = None,
) -> Point:
    """A point θ with ``μ(θ) = W`` up to rounding (Trager et al. 2020, Prop 16).

    With ``W = U Vᵀ`` (``U = U_e Σ_e^{1/2}``, ``V = V_e Σ_e^{1/2}`` from a thin SVD, e = rank W):
    ``W_1 = [V | 0]ᵀ``, ``W_h = [U | 0]``, ``W_i = [[I_e, 0], [0, 0]]`` for 1 < i < h. At this
    point every partial product has rank e and ``Im dμ(θ) = T_W M_e`` exactly (Prop 16).

    ``construction="prop16_printed"`` follows the text literally: U and V get r columns and the
    middle blocks are ``I_r``; the choice the text leaves open (columns e+1..r of U and V with
    ``U_extra V_extraᵀ = 0``) is sampled: ``U_extra`` Gaussian (from ``rng``), ``V_extra = 0``.
    ``rng`` given with the default construction: the result is moved by a random GL action
    (:func:`random_fiber_point`), giving a generic point of the same GL orbit.

    Raises :class:`ShapeError` if ``W`` is not ``d_h × d_0`` or has rank above ``r``.
    """
    arch = arch if isinstance(arch, Architecture) else Architecture(arch)
    W = np.asarray(W, dtype=np.float64)
    if W.shape != arch.end_to_end_shape:
        raise ShapeError(f"W: expected shape {arch.end_to_end_shape} for {arch!r}, got {W.shape}")
    if not np.all(np.isfinite(W)):
        raise ShapeError("W: expected finite entries")
    if construction not in ("prop16", "prop16_printed"):
        raise DlnscapeError(
            f"construction: expected 'prop16' or 'prop16_printed', got {construction!r}"
        )
    dec = numerical_rank(W, rtol)
    e, r = dec.rank, arch.r
    if e > r:
        raise ShapeError(
            f"W: has numerical rank {e} > r = {r} = min widths of {arch!r}, so it is not in "
            f"the image M_r of μ (singular values {np.round(dec.singular_values, 6).tolist()})"
        )
    Uf, s, Vt = np.linalg.svd(W, full_matrices=False)
    U = Uf[:, :e] * np.sqrt(s[:e])
    V = Vt[:e].T * np.sqrt(s[:e])
    c = e
    if construction == "prop16_printed":
        c = r
        gen = check_rng(rng)
        U = np.hstack([U, gen.standard_normal((W.shape[0], r - e))])
        V = np.hstack([V, np.zeros((W.shape[1], r - e))])
    h = arch.h
    out = []
    for i, (m, n) in enumerate(arch.shapes, start=1):
        Wi = np.zeros((m, n))
        if h == 1:
            Wi = W.copy()
        elif i == 1:
            Wi[:c, :] = V.T
        elif i == h:
            Wi[:, :c] = U
        else:
            Wi[:c, :c] = np.eye(c)
        out.append(Wi)
    theta = tuple(out)
    if rng is not None and construction == "prop16":
        theta = random_fiber_point(theta, rng)
    return theta


# --------------------------------------------------------------------------------------------
# the GL action (004 eq. (11))
# --------------------------------------------------------------------------------------------
def random_gl(d: int, rng: np.random.Generator, det_sign: int | None = None,
              cond: float = 4.0) -> np.ndarray:
    """A random well-conditioned ``G ∈ GL(d)``: ``Q₁ diag(s) Q₂`` with s in [1/√cond, √cond].

    ``det_sign`` = ±1 fixes the sign of det G; None leaves it random.
    """
    Q1, _ = np.linalg.qr(rng.standard_normal((d, d)))
    Q2, _ = np.linalg.qr(rng.standard_normal((d, d)))
    s = np.exp(rng.uniform(-0.5, 0.5, d) * np.log(cond))
    G = (Q1 * s) @ Q2
    want = det_sign if det_sign is not None else rng.choice([-1, 1])
    if np.sign(np.linalg.det(G)) != want:  # Householder QR fixes det Q, so choose it here
        G[:, 0] = -G[:, 0]
    return G


def gl_act(theta: Sequence[np.ndarray], Gs: Sequence[np.ndarray]) -> Point:
    """``(G_1 W_1, G_2 W_2 G_1⁻¹, …, W_h G_{h-1}⁻¹)`` for ``Gs = (G_1, …, G_{h-1})``."""
    h = len(theta)
    if len(Gs) != h - 1:
        raise ShapeError(f"Gs: expected {h - 1} matrices (one per hidden layer), got {len(Gs)}")
    out = []
    for i, W in enumerate(theta):
        Wn = W
        if i < h - 1:
            Wn = Gs[i] @ Wn
        if i > 0:
            Wn = np.linalg.solve(Gs[i - 1].T, Wn.T).T
        out.append(Wn)
    return tuple(out)


def random_fiber_point(
    theta: Sequence[np.ndarray],
    rng: np.random.Generator | int | None = None,
    *,
    det_signs: Sequence[int] | None = None,
    cond: float = 4.0,
    return_action: bool = False,
):
    """A random point of θ's GL orbit inside its fiber (004 eq. (11)); μ is unchanged.

    ``G_i ∈ GL(d_i)`` for the hidden layers, condition number ≤ ``cond``; ``det_signs`` fixes
    the sign of each ``det G_i`` (then the component label of :func:`fiber_component_label`
    changes by exactly these signs at bottleneck layers). ``return_action=True`` also returns
    the ``G_i``.
    """
    theta, arch = point_and_arch(theta)
    gen = check_rng(rng)
    if det_signs is not None and len(det_signs) != arch.h - 1:
        raise ShapeError(f"det_signs: expected {arch.h - 1} signs, got {len(det_signs)}")
    Gs = [
        random_gl(arch.widths[i], gen, None if det_signs is None else int(det_signs[i - 1]), cond)
        for i in range(1, arch.h)
    ]
    out = gl_act(theta, Gs)
    return (out, tuple(Gs)) if return_action else out


# --------------------------------------------------------------------------------------------
# rank-one moves through kernels: one mechanism
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class FiberMove:
    """One rank-one move ``W_k ← W_k + δ v wᵀ`` inside the fiber, with its evidence."""

    theta: Point  # the moved point
    layer: int  # k, 1-based
    side: str  # "prefix" (wᵀ W_{<k} = 0) or "suffix" (W_{>k} v = 0)
    v: np.ndarray
    w: np.ndarray
    delta: float
    kernel: RankDecision  # the rank decision the kernel rests on
    kernel_dim: int
    residual: float  # ‖μ(θ') − μ(θ)‖ / (1 + ‖μ(θ)‖)
    distance: float  # ‖θ' − θ‖ = |δ| ‖v‖ ‖w‖
    description: str
    sources: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict:
        return {
            "layer": self.layer,
            "side": self.side,
            "v": self.v.tolist(),
            "w": self.w.tolist(),
            "delta": self.delta,
            "kernel": self.kernel.to_dict(),
            "kernel_dim": self.kernel_dim,
            "residual": self.residual,
            "distance": self.distance,
            "description": self.description,
            "sources": list(self.sources),
        }


_PREFIX_SOURCES = ("Hofflin 2023 Claim 3.1", "Trager et al. 2020 Prop 9 (Zhang's move)")
_SUFFIX_SOURCES = ("Nouiehed-Razaviyayn Lem C19", "Kawaguchi 2016 App B")


def fiber_kernel(theta: Point, layer: int, side: str, rtol: float | None = None):
    """Orthonormal basis of the kernel a move at ``layer`` may use, and its rank decision.

    prefix: ``ker W_{<k}ᵀ ⊆ R^{d_{k-1}}``, the left kernel of ``W_{k-1} ⋯ W_1`` (for k = 1
    the prefix is ``I_{d_0}``, whose left kernel is {0}); suffix: ``ker W_{>k} ⊆ R^{d_k}``
    (for k = h the suffix is ``I_{d_h}``).
    """
    h = len(theta)
    if not 1 <= layer <= h:
        raise DlnscapeError(f"layer: expected an integer in [1, {h}], got {layer!r}")
    if side == "prefix":
        P = prefix_products(theta)[layer - 1]
        dec = product_rank(P, theta[: layer - 1], rtol)
        _, s, Ut = np.linalg.svd(P.T, full_matrices=True)  # kernel of Pᵀ
        return Ut[dec.rank :].T.copy(), dec
    if side == "suffix":
        S = suffix_products(theta)[layer]
        dec = product_rank(S, theta[layer:], rtol)
        _, s, Vt = np.linalg.svd(S, full_matrices=True)
        return Vt[dec.rank :].T.copy(), dec
    raise DlnscapeError(f"side: expected 'prefix' or 'suffix', got {side!r}")


def fiber_move(
    theta: Sequence[np.ndarray],
    layer: int,
    side: str,
    delta: float = 1e-3,
    *,
    v: np.ndarray | None = None,
    w: np.ndarray | None = None,
    rng: np.random.Generator | int | None = None,
    rtol: float | None = None,
) -> FiberMove:
    """One move ``W_k ← W_k + δ v wᵀ`` that keeps μ fixed (see the module docstring).

    For ``side="prefix"``, ``w`` must lie in ``ker W_{<k}ᵀ`` (default: a random unit vector of
    it) and ``v ∈ R^{d_k}`` is free (default: random unit). For ``side="suffix"``, ``v`` must
    lie in ``ker W_{>k}`` and ``w ∈ R^{d_{k-1}}`` is free. A given kernel vector is projected
    onto the numerical kernel. Raises :class:`DlnscapeError` if the kernel is trivial.
    """
    theta, arch = point_and_arch(theta)
    gen = check_rng(rng)
    K, dec = fiber_kernel(theta, layer, side, rtol)
    if K.shape[1] == 0:
        where = f"ker W_<{layer}ᵀ" if side == "prefix" else f"ker W_>{layer}"
        raise DlnscapeError(
            f"layer {layer}, side {side!r}: {where} is trivial (rank decision {dec.rank}, gap "
            f"{dec.gap:.3g}), so there is no rank-one move there"
        )
    m, n = arch.shapes[layer - 1]

    def unit(x):
        return x / np.linalg.norm(x)

    def in_kernel(x, name):
        x = np.asarray(x, dtype=np.float64).ravel()
        x = K @ (K.T @ x)
        if np.linalg.norm(x) == 0:
            raise DlnscapeError(f"{name}: has no component in the kernel of layer {layer}")
        return unit(x)

    if side == "prefix":
        w = in_kernel(w, "w") if w is not None else unit(K @ gen.standard_normal(K.shape[1]))
        v = unit(np.asarray(v, float).ravel()) if v is not None else unit(gen.standard_normal(m))
        what = (f"W_{layer} += δ·v·wᵀ with wᵀ·W_<{layer} = 0: w in the left kernel of the "
                f"prefix product W_{layer - 1}⋯W_1 (dim {K.shape[1]}); all prefix products fixed")
        sources = _PREFIX_SOURCES
    else:
        v = in_kernel(v, "v") if v is not None else unit(K @ gen.standard_normal(K.shape[1]))
        w = unit(np.asarray(w, float).ravel()) if w is not None else unit(gen.standard_normal(n))
        what = (f"W_{layer} += δ·v·wᵀ with W_>{layer}·v = 0: v in the kernel of the suffix "
                f"product W_{arch.h}⋯W_{layer + 1} (dim {K.shape[1]}); all suffix products fixed")
        sources = _SUFFIX_SOURCES
    if v.shape != (m,) or w.shape != (n,):
        raise ShapeError(f"v, w: expected lengths {m} and {n}, got {v.shape} and {w.shape}")
    new = list(theta)
    new[layer - 1] = theta[layer - 1] + float(delta) * np.outer(v, w)
    new = tuple(new)
    W = end_to_end(theta)
    return FiberMove(
        new, layer, side, v, w, float(delta), dec, K.shape[1], fiber_residual(new, W),
        abs(float(delta)), what, sources,
    )


def fiber_moves(
    theta: Sequence[np.ndarray],
    rng: np.random.Generator | int | None = None,
    *,
    delta: float = 1e-3,
    sides: Sequence[str] = ("prefix", "suffix"),
    layers: Sequence[int] | None = None,
    per_kernel: int = 1,
    include_ambiguous: bool = False,
    rtol: float | None = None,
) -> list[FiberMove]:
    """Every available rank-one fiber move at θ: ``per_kernel`` random moves per (layer, side).

    Moves through a kernel whose rank decision is ambiguous are skipped unless
    ``include_ambiguous`` (their residual then shows how far from the fiber they land).
    Moves can be chained: call again on ``move.theta`` (kernels change after a suffix move
    for the prefix side and vice versa; a prefix move keeps every prefix kernel).
    """
    theta, arch = point_and_arch(theta)
    gen = np.random.default_rng(0 if rng is None else rng)
    out: list[FiberMove] = []
    for side in sides:
        for k in layers if layers is not None else range(1, arch.h + 1):
            K, dec = fiber_kernel(theta, k, side, rtol)
            if K.shape[1] == 0 or (dec.ambiguous and not include_ambiguous):
                continue
            for _ in range(per_kernel):
                out.append(fiber_move(theta, k, side, delta, rng=gen, rtol=rtol))
    return out


# --------------------------------------------------------------------------------------------
# components of a fiber (004 Thm 5, Props 22–26)
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class FiberComponents:
    """Number of path-connected components of μ⁻¹(W) (Trager et al. 2020, Thm 5)."""

    count: int | None  # 2^b if rk W = r, 1 if rk W < r; None when the rank is ambiguous
    b: int
    bottlenecks: tuple[int, ...]
    rank: RankDecision
    r: int
    reason: str

    def to_dict(self) -> dict:
        return {"count": self.count, "b": self.b, "bottlenecks": list(self.bottlenecks),
                "rank": self.rank.to_dict(), "r": self.r, "reason": self.reason,
                "theorem": "Trager et al. 2020, Thm 5"}


def fiber_components(
    W: np.ndarray, arch: Architecture | Sequence[int], rtol: float | None = None
) -> FiberComponents:
    """``2^b`` components if rk W = r (b = #hidden layers of width r), else 1 (004 Thm 5)."""
    arch = arch if isinstance(arch, Architecture) else Architecture(arch)
    W = np.asarray(W, dtype=np.float64)
    if W.shape != arch.end_to_end_shape:
        raise ShapeError(f"W: expected shape {arch.end_to_end_shape} for {arch!r}, got {W.shape}")
    dec = numerical_rank(W, rtol)
    b = len(arch.bottlenecks)
    if dec.rank > arch.r:
        raise ShapeError(f"W: rank {dec.rank} > r = {arch.r}: the fiber is empty")
    if dec.ambiguous:
        return FiberComponents(None, b, arch.bottlenecks, dec, arch.r,
                               f"rank decision ambiguous (gap {dec.gap:.3g}): undetermined")
    if dec.rank == arch.r:
        return FiberComponents(2**b, b, arch.bottlenecks, dec, arch.r,
                               f"rk W = r = {arch.r}: 2^b with b = {b} bottleneck(s) "
                               f"{list(arch.bottlenecks)}")
    return FiberComponents(1, b, arch.bottlenecks, dec, arch.r,
                           f"rk W = {dec.rank} < r = {arch.r}: path-connected")


def label_columns(W: np.ndarray, r: int) -> np.ndarray:
    """r columns of W with rank r, chosen by QR with column pivoting (the label's C)."""
    from scipy.linalg import qr

    _, _, piv = qr(np.asarray(W, dtype=np.float64), pivoting=True, mode="economic")
    return np.sort(piv[:r])


@dataclass(frozen=True)
class FiberLabel:
    """004 Thm 5 / Prop 22: ``s(θ) = (sign det (W_{i_j} ⋯ W_1)[:, C])_j`` over the bottlenecks."""

    signs: tuple[int, ...] | None  # None when rk W < r (one component) or undecidable
    dets: tuple[float, ...]
    columns: tuple[int, ...]
    bottlenecks: tuple[int, ...]
    reason: str

    def to_dict(self) -> dict:
        return {"signs": None if self.signs is None else list(self.signs),
                "dets": list(self.dets), "columns": list(self.columns),
                "bottlenecks": list(self.bottlenecks), "reason": self.reason}


def fiber_component_label(
    theta: Sequence[np.ndarray], columns: Sequence[int] | None = None, rtol: float | None = None
) -> FiberLabel:
    """The sign vector identifying θ's component of μ⁻¹(W) when rk W = r (004 Thm 5).

    ``columns`` (C, r column indices with rk W[:, C] = r) defaults to a pivoted-QR choice from
    W; pass the same C to compare points of one fiber. Under the GL action the label flips by
    ``sign det G_{i_j}`` at each bottleneck, so it separates the 2^b components.
    """
    theta, arch = point_and_arch(theta)
    P = prefix_products(theta)
    W = P[-1]
    r = arch.r
    dec = product_rank(W, theta, rtol)
    bn = arch.bottlenecks
    if dec.rank < r or dec.ambiguous:
        why = ("rk W < r: the fiber is path-connected, no label" if dec.rank < r
               else f"rank decision ambiguous (gap {dec.gap:.3g})")
        return FiberLabel(None, (), (), bn, why)
    C = label_columns(W, r) if columns is None else np.asarray(columns, dtype=int)
    dets = tuple(float(np.linalg.det(P[i][:, C])) for i in bn)
    cdec = numerical_rank(W[:, C], rtol)
    if cdec.rank < r or cdec.ambiguous:
        return FiberLabel(None, dets, tuple(int(c) for c in C), bn,
                          f"columns {list(C)} of W do not have a clear rank r")
    return FiberLabel(tuple(int(np.sign(d)) for d in dets), dets, tuple(int(c) for c in C), bn,
                      f"signs of det (W_i⋯W_1)[:, C] at bottlenecks {list(bn)}, C = {list(C)}")


# --------------------------------------------------------------------------------------------
# explicit paths inside a fiber
# --------------------------------------------------------------------------------------------
def _so_log(Q: np.ndarray) -> np.ndarray:
    """A real skew-symmetric L with expm(L) = Q for Q ∈ SO(d) (real Schur form of Q)."""
    from scipy.linalg import schur

    T, Z = schur(Q, output="real")
    d = Q.shape[0]
    A = np.zeros((d, d))
    i = 0
    minus = []
    while i < d:
        if i + 1 < d and abs(T[i + 1, i]) > 1e-12:
            phi = np.arctan2(T[i + 1, i], T[i, i])
            A[i, i + 1], A[i + 1, i] = -phi, phi
            i += 2
        else:
            if T[i, i] < 0:
                minus.append(i)
            i += 1
    if len(minus) % 2:
        raise DlnscapeError("internal: an orthogonal matrix with det −1 has no real logarithm")
    for a, b in zip(minus[::2], minus[1::2], strict=True):
        A[a, b], A[b, a] = -np.pi, np.pi
    return Z @ A @ Z.T


def glplus_path(G: np.ndarray):
    """A continuous path t ↦ G(t) in GL⁺(d) from I (t = 0) to G (t = 1); needs det G > 0.

    ``G = QR`` (R with positive diagonal, so Q ∈ SO(d)); ``G(t) = expm(t log Q) · (I + t(R − I))``.
    """
    from scipy.linalg import expm

    if np.linalg.det(G) <= 0:
        raise DlnscapeError("G: expected det G > 0 for a path in GL⁺ from the identity")
    Q, R = np.linalg.qr(G)
    D = np.sign(np.diag(R))
    D[D == 0] = 1.0
    Q, R = Q * D, D[:, None] * R
    L = _so_log(Q)
    eye = np.eye(G.shape[0])
    return lambda t: expm(t * L) @ (eye + t * (R - eye))


@dataclass
class FiberPath:
    """A continuous path inside one fiber, as a list of segments ``s: [0, 1] → θ``.

    ``point(t)`` for t ∈ [0, 1] (the segments are traversed in order, each over an equal share
    of [0, 1]); ``max_residual`` is the largest fiber residual over the checked grid.
    """

    segments: list
    descriptions: list[str]
    W: np.ndarray
    max_residual: float = np.nan
    checked_points: int = 0

    def point(self, t: float) -> Point:
        n = len(self.segments)
        if n == 0:
            raise DlnscapeError("empty path")
        t = min(max(float(t), 0.0), 1.0)
        j = min(int(t * n), n - 1)
        return self.segments[j](t * n - j)

    def check(self, n_per_segment: int = 50) -> float:
        """Evaluate the fiber residual on ``n_per_segment`` points of every segment."""
        worst = 0.0
        for seg in self.segments:
            for t in np.linspace(0.0, 1.0, n_per_segment):
                worst = max(worst, fiber_residual(seg(t), self.W))
        self.max_residual = worst
        self.checked_points = n_per_segment * len(self.segments)
        return worst

    def to_dict(self) -> dict:
        return {"segments": self.descriptions, "max_residual": self.max_residual,
                "checked_points": self.checked_points}


def _straight(a: Point, b: Point):
    return lambda t: tuple((1 - t) * x + t * y for x, y in zip(a, b, strict=True))


def _proj_onto_cols(M: np.ndarray, rtol) -> np.ndarray:
    """Orthogonal projector onto the column space of M (rank by the tolerance policy)."""
    from dlnscape.linalg import range_basis

    B, _ = range_basis(M, rtol)
    return B @ B.T


def _reduce_prefix(theta: Point, rtol) -> Point:
    """W_k ← W_k Π_{Col(W_{<k})} for k ≥ 2: removes every part on a prefix left kernel.

    The straight segment to the result keeps every prefix product, hence μ (prefix moves).
    """
    P = prefix_products(theta)
    return (theta[0],) + tuple(
        theta[k] @ _proj_onto_cols(P[k], rtol) for k in range(1, len(theta))
    )


def _reduce_suffix(theta: Point, rtol) -> Point:
    """W_k ← Π_{Row(W_{>k})} W_k for k ≤ h−1 (suffix moves): keeps every suffix product."""
    S = suffix_products(theta)
    h = len(theta)
    return tuple(_proj_onto_cols(S[k + 1].T, rtol) @ theta[k] for k in range(h - 1)) + (
        theta[-1],
    )


def _canonical_action(theta: Point, V: np.ndarray, e: int) -> list[np.ndarray]:
    """G_k ∈ GL⁺(d_k) with G_k (W_k⋯W_1) = [D_k; 0] Vᵀ at a reduced point (every prefix
    product of rank e with row space Row(Vᵀ)). D_k = I_e, except at a layer with d_k = e
    (a bottleneck when e = r) where det G_k > 0 forces D_k = diag(±1, 1, …, 1): the sign
    is the component label there (004 Prop 22)."""
    P = prefix_products(theta)
    h = len(theta)
    Gs = []
    VtV = V.T @ V
    for k in range(1, h):
        F = np.linalg.solve(VtV, (P[k] @ V).T).T  # P[k] = F Vᵀ, F is d_k × e, injective
        if F.shape[0] > e:
            G = np.linalg.inv(np.hstack([F, null_space_cols(F)]))
            if np.linalg.det(G) < 0:  # flip a direction outside Col(F): G F is unchanged
                G[-1, :] = -G[-1, :]
        else:
            G = np.linalg.inv(F)
            if np.linalg.det(G) < 0:
                G[0, :] = -G[0, :]
        Gs.append(G)
    return Gs


def null_space_cols(F: np.ndarray) -> np.ndarray:
    """Orthonormal basis of Col(F)^⊥ (F injective)."""
    Uf, _, _ = np.linalg.svd(F, full_matrices=True)
    return Uf[:, F.shape[1]:]


def _path_to_canonical(theta: Point, W: np.ndarray, e: int, V: np.ndarray, rtol):
    """Segments (callables on [0,1]) from θ to the canonical point over W, with descriptions."""
    segs, desc = [], []
    a = theta
    b = _reduce_prefix(a, rtol)
    segs.append(_straight(a, b))
    desc.append("straight segment: drop every layer's part on the left kernel of its prefix "
                "product (prefix rank-one moves; all prefix products fixed)")
    c = _reduce_suffix(b, rtol)
    segs.append(_straight(b, c))
    desc.append("straight segment: drop every layer's part on the kernel of its suffix product "
                "(suffix rank-one moves; all suffix products fixed)")
    d = _reduce_prefix(c, rtol)
    segs.append(_straight(c, d))
    desc.append("straight segment: prefix reduction again; now every partial product has "
                "rank e = rk W")
    Gs = _canonical_action(d, V, e)
    paths = [glplus_path(G) for G in Gs]
    segs.append(lambda t, d=d, paths=paths: gl_act(d, [p(t) for p in paths]))
    desc.append("GL⁺ action path t ↦ (G_k(t)) from I to G_k with G_k W_{≤k} = [I_e; 0]Vᵀ "
                "(det G_k > 0 is possible because d_k > e at every hidden layer)")
    f = gl_act(d, Gs)
    g = _reduce_prefix(f, rtol)
    segs.append(_straight(f, g))
    desc.append("straight segment: prefix reduction onto the canonical point "
                "([Vᵀ;0], diag(I_e,0), …, [U, 0]) of 004 Prop 16")
    return segs, desc, g


def fiber_path(
    theta0: Sequence[np.ndarray],
    theta1: Sequence[np.ndarray],
    *,
    rtol: float | None = None,
    n_check: int = 50,
) -> FiberPath:
    """An explicit continuous path from θ0 to θ1 inside μ⁻¹(W) (004 Thm 5, Prop 25).

    Built from exact fiber moves only: straight segments of rank-one kernel moves (prefix and
    suffix reductions, :func:`fiber_moves`' mechanism) and GL⁺ action paths, meeting at the
    canonical point of 004 Prop 16. The sign freedom that needs rk W < r: every hidden layer
    has d_k ≥ r > e, so each G_k can be chosen with positive determinant. The path is checked
    on ``n_check`` points per segment (``max_residual``).

    With rk W = r and bottlenecks, a path exists only between points with the same component
    label; the same construction then works (the bottleneck G_k keep their determinant sign).
    Raises :class:`DlnscapeError` if the points are not in one fiber, or in different
    components.
    """
    theta0, arch = point_and_arch(theta0, name="theta0")
    theta1, _ = point_and_arch(theta1, arch, name="theta1")
    W = end_to_end(theta0)
    res = fiber_residual(theta1, W)
    if res > 1e-10:
        raise DlnscapeError(f"theta1: not in the fiber of μ(theta0) (residual {res:.3g})")
    dec = numerical_rank(W, rtol)
    if dec.ambiguous:
        raise DlnscapeError(f"W: rank decision ambiguous (gap {dec.gap:.3g}); no path built")
    e = dec.rank
    if e >= arch.r and arch.h > 1 and arch.bottlenecks:
        C = label_columns(W, arch.r)
        l0 = fiber_component_label(theta0, C, rtol).signs
        l1 = fiber_component_label(theta1, C, rtol).signs
        if l0 is None or l1 is None or l0 != l1:
            raise DlnscapeError(
                f"theta0, theta1: rk W = r and their component labels differ ({l0} vs {l1}); "
                f"they lie in different components of the fiber (004 Thm 5, Cor 23), so no "
                f"path exists"
            )
    if arch.h == 1:
        return FiberPath([lambda t: theta0], ["h = 1: the fiber is a point"], W)
    Uf, s, Vt = np.linalg.svd(W, full_matrices=False)
    V = Vt[:e].T * np.sqrt(s[:e])
    s0, d0, end0 = _path_to_canonical(theta0, W, e, V, rtol)
    s1, d1, end1 = _path_to_canonical(theta1, W, e, V, rtol)
    gap = max(float(np.linalg.norm(x - y)) for x, y in zip(end0, end1, strict=True))
    segs = list(s0)
    desc = list(d0)
    if gap > 0:
        segs.append(_straight(end0, end1))
        desc.append(f"straight segment between the two canonical points (they differ by "
                    f"{gap:.2e}, rounding only)")
    segs += [(lambda t, f=f: f(1 - t)) for f in reversed(s1)]
    desc += ["reverse: " + x for x in reversed(d1)]
    path = FiberPath(segs, desc, W)
    path.check(n_check)
    return path


# --------------------------------------------------------------------------------------------
# the tangent space of the GL orbit (004 eq. (11)), an orthonormal basis in packed order
# --------------------------------------------------------------------------------------------
def orbit_tangent_basis(theta: Sequence[np.ndarray], *, as_operator: bool = False,
                        rtol: float | None = None):
    """An orthonormal basis of the tangent space at θ of its GL orbit, in packed order.

    The group ``GL(d_1) × ⋯ × GL(d_{h-1})`` acts by ``W_i ↦ G_i W_i G_{i-1}⁻¹`` and μ is
    constant on orbits, which lie in the fibers μ⁻¹(W) (Trager et al. 2020 (004), eq. (11) and
    §4, the fiber/GL-action description behind Prop 16 and Thm 5). Differentiating at
    ``G = I``: for each hidden layer i and ``E ∈ R^{d_i×d_i}`` the tangent vector ``ξ_E`` has
    ``δW_i = E W_i``, ``δW_{i+1} = −W_{i+1} E`` and zero elsewhere. At a critical point of
    ``L = l ∘ μ`` the whole orbit is critical with the same value, so these directions lie in
    ``ker ∇²L`` (indeed, differentiating ``⟨∇L(θ), ξ_E(θ)⟩ = 0`` gives
    ``∇²L ξ_E = −ξ_Eᵀ ∇L``: exactly zero at a critical point, O(‖∇L‖) near one).

    Returns a ``P × q`` array with orthonormal columns (packed order: W_1 first, each layer
    row-major, as :func:`dlnscape.architecture.pack`), q = the orbit's dimension at θ
    (``Σ d_i²`` minus the isotropy). Directions at rounding level are dropped: singular
    values ``σ ≤ rtol·σ_max`` of ``E ↦ ξ_E`` (h > 2), Gram eigenvalues ``σ² ≤ rtol·σ²_max``
    (h = 2, where they come from ``eigh`` with error ~ε·σ²_max); ``rtol = 1e2·max(P, q)·ε``.

    One hidden layer (h = 2): the Gram operator of ``E ↦ ξ_E`` is ``E ↦ E A + B E`` with
    ``A = W_1W_1ᵀ``, ``B = W_2ᵀW_2``; it is diagonal on ``E_jk = b_j a_kᵀ`` (eigenvectors of B
    and A) with eigenvalues ``β_j + α_k``, so ``ξ_{E_jk}/√(β_j + α_k)`` is orthonormal in
    closed form. ``as_operator=True`` then returns the same basis as a matrix-free
    ``scipy.sparse.linalg.LinearOperator`` (``Q z`` and ``Qᵀ v`` in O(d_1²(d_0 + d_2)) each,
    never P × q memory) — use it to deflate large Hessians. For h > 2 the basis comes from an
    SVD of the P × Σd_i² generator matrix (dense; the operator form wraps it).
    """
    from scipy.sparse.linalg import LinearOperator

    theta, arch = point_and_arch(theta)
    h, P = arch.h, arch.n_params
    widths = arch.widths
    q_full = sum(widths[i] ** 2 for i in range(1, h))
    if rtol is None:
        rtol = 1e2 * max(P, q_full, 1) * float(np.finfo(np.float64).eps)
    if not (isinstance(rtol, (int, float)) and 0 < rtol < 1):
        raise DlnscapeError(f"rtol: expected a number in (0, 1), got {rtol!r}")
    offs = arch.offsets
    if h == 1:
        Q = np.zeros((P, 0))
        return LinearOperator((P, 0), matvec=lambda z: np.zeros(P),
                              rmatvec=lambda v: np.zeros(0), dtype=np.float64) \
            if as_operator else Q
    if h == 2:
        W1, W2 = theta
        alpha, Pa = np.linalg.eigh(W1 @ W1.T)
        beta, Pb = np.linalg.eigh(W2.T @ W2)
        lam = np.clip(beta[:, None] + alpha[None, :], 0.0, None)  # (j, k)
        lam_max = float(lam.max()) if lam.size else 0.0
        keep = lam > rtol * lam_max if lam_max > 0 else np.zeros_like(lam, bool)
        jj, kk = np.nonzero(keep)
        sig = np.sqrt(lam[jj, kk])
        q = int(jj.size)
        d0, d1, d2 = widths
        A1 = W1.T @ Pa  # d0 × d1: column k is W_1ᵀ a_k
        C2 = W2 @ Pb  # d2 × d1: column j is W_2 b_j
        if not as_operator:
            Q = np.empty((P, q))
            # ξ(b_j a_kᵀ): δW_1 = b_j (W_1ᵀ a_k)ᵀ, δW_2 = −(W_2 b_j) a_kᵀ, both row-major
            Q[offs[0]:offs[1]] = np.einsum("aq,bq->abq", Pb[:, jj], A1[:, kk]).reshape(
                d1 * d0, q)
            Q[offs[1]:offs[2]] = -np.einsum("aq,bq->abq", C2[:, jj], Pa[:, kk]).reshape(
                d2 * d1, q)
            Q /= sig
            return Q

        def matvec(z):
            z = np.asarray(z, dtype=np.float64).reshape(-1)
            Z = np.zeros((d1, d1))
            Z[jj, kk] = z / sig
            F = Pb @ Z @ Pa.T
            return np.concatenate([(F @ W1).ravel(), (-(W2 @ F)).ravel()])

        def rmatvec(v):
            v = np.asarray(v, dtype=np.float64).reshape(-1)
            V1 = v[offs[0]:offs[1]].reshape(d1, d0)
            V2 = v[offs[1]:offs[2]].reshape(d2, d1)
            M = V1 @ W1.T - W2.T @ V2
            return (Pb.T @ M @ Pa)[jj, kk] / sig

        return LinearOperator((P, q), matvec=matvec, rmatvec=rmatvec, dtype=np.float64)
    # h > 2: the generator matrix, then an SVD
    cols = []
    for i in range(1, h):  # hidden layer i (1-based): W_i = theta[i-1], W_{i+1} = theta[i]
        d = widths[i]
        Wi, Wn = theta[i - 1], theta[i]
        block = np.zeros((P, d, d))
        eye = np.eye(d)
        # δW_i = E_ab W_i: row a of δW_i is row b of W_i
        block[offs[i - 1]:offs[i]] = np.einsum("xa,bc->xcab", eye, Wi).reshape(
            d * Wi.shape[1], d, d)
        # δW_{i+1} = −W_{i+1} E_ab: column b of δW_{i+1} is −column a of W_{i+1}
        block[offs[i]:offs[i + 1]] = -np.einsum("ya,xb->yxab", Wn, eye).reshape(
            Wn.shape[0] * d, d, d)
        cols.append(block.reshape(P, d * d))
    T = np.hstack(cols)
    U, s, _ = np.linalg.svd(T, full_matrices=False)
    keep = s > rtol * s[0] if s.size and s[0] > 0 else np.zeros(s.size, bool)
    Q = np.ascontiguousarray(U[:, keep])
    if not as_operator:
        return Q
    return LinearOperator((P, Q.shape[1]), matvec=lambda z: Q @ np.ravel(z),
                          rmatvec=lambda v: Q.T @ np.ravel(v), dtype=np.float64)
