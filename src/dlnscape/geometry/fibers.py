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
from dlnscape.geometry._common import point_and_arch, product_rank
from dlnscape.linalg import RankDecision, numerical_rank


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
        gen = np.random.default_rng(rng)
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
    if det_sign is not None and np.sign(np.linalg.det(G)) != det_sign:
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
    gen = np.random.default_rng(rng)
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
    gen = np.random.default_rng(rng)
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
