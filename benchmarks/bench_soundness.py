"""Soundness of ``classify`` independently of the units of the data (issue 8's targets).

Part 1 — the same instances and points classified at data scales a ∈ {1e-6, 1, 1e6}. Squared
loss ½‖W_h⋯W_1X − Y‖² on Gaussian data, widths in 1..8, h ∈ {2, 3, 4}, P ≤ 300, n ≥ d_0 samples
(XXᵀ full rank). Scaling (``--mode``):

* ``y`` (default): Y ← aY and W_h ← aW_h, so L_a(θ_a) = a²L(θ); the end-to-end matrix and the
  last layer scale by a, the other layers do not (an unbalanced point of a scaled problem);
* ``xy``: X ← aX, Y ← aY, θ unchanged, so L_a(θ) = a²L(θ) (only loss and gradient scale);
* ``both``: the two, i.e. five classifications per point (scale 1 is shared).

Either map is a diffeomorphism of the weights with L_a ∘ D = a²L, so the type of every point is
the same at all scales (Sylvester's law of inertia for the Hessian): any verdict that changes
with a is wrong at some scale. Point families: ``subset`` (Eckart–Young critical points lifted to
weights, ``functional.critical_point_from_subset``), ``fiber`` (the same moved in the fiber,
``geometry.random_fiber_point`` then a ``geometry.fiber_moves`` move), ``zero`` (θ = 0, h ≥ 3),
``gd`` / ``newton`` (end points of ``find_critical_point``), ``noncritical`` (random points, and
critical points perturbed by a relative 1e-3..1e-2).

Ground truth, computed here with numpy and JAX and none of classify's logic:

* criticality — per layer, ρ_i = ‖∂L/∂W_i‖ / s_i with the natural bound
  s_i = (‖WX‖ + ‖Y‖)·‖X‖₂·Π_{j≠i}‖W_j‖₂ ≥ ‖∂L/∂W_i‖ (scale- and rescaling-covariant);
  critical iff max ρ_i ≤ 1e-11, not critical iff max ρ_i ≥ 1e-5; points in between are
  regenerated (unambiguous points only). The numpy gradient is cross-checked against
  ``jax.grad`` at every instance;
* global minimum — whitening (Trager et al. 2020 §3.3): L* = ½(‖Y‖² − Σ_{i≤r} σ_i(Q̄)²) with
  Q̄ = YXᵀ(XXᵀ)^{-1/2}; critical with (L − L*)/‖Y‖² ≤ 1e-10 → ``global_minimum``, ≥ 1e-6 → saddle;
* saddles — Kawaguchi 2016, Thm 2.3 (squared loss, XXᵀ and YXᵀ full rank, Σ with distinct
  eigenvalues — a.s. for Gaussian data; after whitening the problem is ½‖W_h⋯W_1' − Q̄‖², so the
  transposed case d_h > d_0 is covered too): every critical point that is not a global minimum is
  a saddle (neither a local minimum nor a local maximum). Strictness from the dense Hessian of
  ``jax.hessian`` at scale 1 (on a zero-padded flat parameter vector, one compile per depth):
  λ_min < −1e-6·max|λ| and, for the congruent balanced DHD (D = ‖W_i‖ per layer; Sylvester),
  λ_min(DHD) < −1e-6·s̃ with s̃ = ‖X‖(‖WX‖ + ‖Y‖ + ‖X‖Π)Π, Π = Π‖W_i‖ (the size of the terms
  the entries are computed from: a Hessian that is all rounding noise is not "strict") →
  ``strict_saddle`` if moreover the decrease ½λ_min t² along its eigenvector is observable in
  float64 (``curvature_drop``); λ_min ≥ −1e-11·max|λ| with max ρ_i ≤ 1e-13 → ``degenerate_saddle``;
  otherwise strictness unknown (either saddle verdict is right).

A verdict is *right* if it matches the truth, *undetermined* if "undetermined", *wrong*
otherwise (``local_minimum`` and ``local_maximum`` are always wrong here); a verdict whose
``res.verify(L)`` fails, or an exception, is wrong. Targets: 0 wrong and ≤ 2% undetermined at
every scale.

Part 2 — Newton-polished saddles: ``find_critical_point(L, θ0, "newton")`` from small random starts
on widths (4, 3, 3, 3), n = 12, kept when ‖∇L‖/(1 + |L|) ≤ 1e-13, the point is critical by ρ or ν,
and the JAX Hessian has ≥ 5 eigenvalues below −1e-6·max|λ|; target ≥ 98% certified
``strict_saddle``. Most of these are unbalanced (one layer ~1e4, the others ~1e-13): their truth
is "saddle" with strictness unknown (the curvature is below float resolution), reported apart.

Results: ``benchmarks/results/soundness.json``. Run:
``python benchmarks/bench_soundness.py [--quick] [--n N] [--newton K] [--mode y|xy|both]``;
reproduce one case: ``--case FAMILY SEED [--scale A]`` (prints the truth and classify's result;
Newton/GD end points are not bit-reproducible across processes, so every wrong or undetermined
example also stores its instance: ``--replay RESULTS_JSON`` re-classifies them all).
"""

# ruff: noqa: I001  (_util must be imported before numpy)
from __future__ import annotations

import _util

import argparse
import sys
import time
import traceback
from collections import Counter, defaultdict
from functools import cache
from pathlib import Path

import numpy as np

import dlnscape
from dlnscape import Architecture, Landscape, LinearNetwork, SquaredLoss
from dlnscape.critical import classify, find_critical_point
from dlnscape.functional import critical_point_from_subset, function_space_critical_points
from dlnscape.geometry import fiber_moves, random_fiber_point
from dlnscape.io import write_json_atomic

SCALES = (1e-6, 1.0, 1e6)
P_MAX = 300
D_MAX = 8  # widths in 1..D_MAX
N_MAX = 2 * D_MAX + 2  # samples n < N_MAX
TARGETS = {"wrong": 0, "undetermined_fraction": 0.02, "newton_strict_fraction": 0.98}

# ground-truth thresholds (scale-free; see the module docstring)
CRIT_MAX = 1e-11  # max ρ_i at a critical point ...
NEWTON_CRIT_MAX = 1e-13  # ... or the Newton step ν = ‖H⁺∇L‖/‖θ‖ at a critical point
NONCRIT_MIN = 1e-5  # max ρ_i and ν at a non-critical point
DEGEN_CRIT_MAX = 1e-13  # max ρ_i needed before a PSD Hessian is read as "degenerate"
GLOBAL_MAX = 1e-10  # (L − L*)/‖Y‖² at a global minimum
SADDLE_MIN = 1e-6  # (L − L*)/‖Y‖² at a saddle
STRICT_BELOW = -1e-6  # λ_min / max|λ| of a strict saddle, and of the balanced DHD / its scale
DEGEN_ABOVE = -1e-11  # λ_min / max|λ| of a degenerate saddle
NEWTON_MIN_NEG = 5
NEWTON_LEAD_REL = 1e-13  # ‖∇L‖/(1 + |L|) of a kept Newton saddle (besides ρ ≤ 1e-11 or ν ≤ 1e-13)
NEWTON_WIDTHS = (4, 3, 3, 3)

FAMILIES = {"subset": 0.25, "fiber": 0.2, "zero": 0.1, "gd": 0.15, "newton": 0.1,
            "noncritical": 0.2}
SADDLE_VERDICTS = ("strict_saddle", "degenerate_saddle")


# ----------------------------------------------------------------------------- ground truth
def _product(theta, upto=None):
    """W_k⋯W_1 for k = upto (all layers by default); the identity of size d_0 for k = 0."""
    Ws = theta if upto is None else theta[:upto]
    P = np.eye(theta[0].shape[1])
    for W in Ws:
        P = W @ P
    return P


def value_np(theta, X, Y) -> float:
    R = _product(theta) @ X - Y
    return 0.5 * float(np.vdot(R, R))


def grad_np(theta, X, Y) -> list[np.ndarray]:
    """∂L/∂W_i = (W_h⋯W_{i+1})ᵀ (WX − Y) Xᵀ (W_{i−1}⋯W_1)ᵀ, written out (no dlnscape code)."""
    h = len(theta)
    G = (_product(theta) @ X - Y) @ X.T
    out = []
    for i in range(h):
        left = np.eye(theta[i].shape[0])
        for W in theta[i + 1:]:
            left = W @ left
        right = _product(theta, i)
        out.append(left.T @ G @ right.T)
    return out


def rho_np(theta, X, Y) -> float:
    """max_i ‖∂L/∂W_i‖ / s_i (0/0 = 0), s_i = (‖WX‖ + ‖Y‖)‖X‖₂ Π_{j≠i}‖W_j‖₂."""
    g = grad_np(theta, X, Y)
    norms = [float(np.linalg.norm(W, 2)) if W.size else 0.0 for W in theta]
    base = (float(np.linalg.norm(_product(theta) @ X)) + float(np.linalg.norm(Y))) * float(
        np.linalg.norm(X, 2))
    worst = 0.0
    for i, gi in enumerate(g):
        gn = float(np.linalg.norm(gi))
        if gn == 0.0:
            continue
        s = base * float(np.prod([norms[j] for j in range(len(theta)) if j != i]))
        worst = max(worst, gn / s if s > 0 else np.inf)
    return worst


def global_min_np(X, Y, r: int) -> float:
    """L* = ½(‖Y‖² − Σ_{i≤r} σ_i(Q̄)²), Q̄ = Y Xᵀ (XXᵀ)^{-1/2} (XXᵀ full rank)."""
    lam, U = np.linalg.eigh(X @ X.T)
    if lam.min() <= 1e-10 * lam.max():
        raise ValueError("XXᵀ is not (numerically) of full rank")
    Qbar = Y @ X.T @ (U / np.sqrt(lam)) @ U.T
    s = np.linalg.svd(Qbar, compute_uv=False)
    return 0.5 * (float(np.vdot(Y, Y)) - float(np.sum(s[:r] ** 2)))


@cache
def _jax_fns(h: int):
    """jit-compiled value/grad/Hessian of ½‖W_h⋯W_1X − Y‖² on zero-padded D_MAX×D_MAX layers.

    With the padded weights, rows of X/Y and columns of both zero, the function restricted to
    the real coordinates is the real L, so its gradient/Hessian are the real blocks."""
    from dlnscape.jax_support import jax, jnp

    def f(x, X, Y):
        Z = X
        for i in range(h):
            Z = x[i * D_MAX * D_MAX:(i + 1) * D_MAX * D_MAX].reshape(D_MAX, D_MAX) @ Z
        R = Z - Y
        return 0.5 * jnp.sum(R * R)

    return jax.jit(jax.grad(f)), jax.jit(jax.hessian(f))


def _pad(theta, X, Y):
    h = len(theta)
    x = np.zeros(h * D_MAX * D_MAX)
    idx = []
    for i, W in enumerate(theta):
        a, b = W.shape
        block = np.zeros((D_MAX, D_MAX))
        block[:a, :b] = W
        x[i * D_MAX * D_MAX:(i + 1) * D_MAX * D_MAX] = block.ravel()
        ii, jj = np.meshgrid(np.arange(a), np.arange(b), indexing="ij")
        idx.append((i * D_MAX * D_MAX + ii * D_MAX + jj).ravel())
    Xp = np.zeros((D_MAX, N_MAX))
    Yp = np.zeros((D_MAX, N_MAX))
    Xp[:X.shape[0], :X.shape[1]] = X
    Yp[:Y.shape[0], :Y.shape[1]] = Y
    return x, np.concatenate(idx), Xp, Yp


def jax_grad_hessian(theta, X, Y) -> tuple[np.ndarray, np.ndarray]:
    """(flat gradient, dense Hessian) of L by JAX, in dlnscape's flat order (W_1 first,
    row-major)."""
    g_fn, h_fn = _jax_fns(len(theta))
    x, idx, Xp, Yp = _pad(theta, X, Y)
    g = np.asarray(g_fn(x, Xp, Yp))[idx]
    H = np.asarray(h_fn(x, Xp, Yp))[np.ix_(idx, idx)]
    return g, H


def newton_step_rel(theta, g: np.ndarray, H: np.ndarray) -> float:
    """ν = ‖H⁺∇L‖ / ‖θ‖: the minimum-norm Newton step to the nearby critical point, relative to
    the point (∞ when ∇L is not in the range of H; 0 when ∇L = 0)."""
    gn = float(np.linalg.norm(g))
    if gn == 0.0:
        return 0.0
    step = np.linalg.lstsq(H, g, rcond=1e-10)[0]
    if np.linalg.norm(H @ step - g) > 1e-3 * gn:
        return float("inf")
    tn = float(np.sqrt(sum(float(np.vdot(W, W)) for W in theta)))
    return float(np.linalg.norm(step)) / tn if tn > 0 else float("inf")


def balanced_lam_min_rel(theta, X, Y, H: np.ndarray) -> float | None:
    """λ_min(DHD) / s̃ with D = ‖W_i‖ on layer i's block (a congruence: same inertia, Sylvester)
    and s̃ = ‖X‖₂(‖WX‖ + ‖Y‖ + ‖X‖₂Π)Π, Π = Π_i‖W_i‖₂ — the size of the terms DHD is computed
    from, so invariant under layer rescaling. A max|λ|-relative test alone reads rounding noise
    as curvature when the whole Hessian is rounding-sized (e.g. a layer of norm 1e5 nearly
    orthogonal to YXᵀ next to layers of norm 1e-16). None when a layer is exactly zero."""
    norms = [float(np.linalg.norm(W, 2)) for W in theta]
    if min(norms) == 0.0:
        return None
    # in logarithms (Π can underflow): D = g·D' with g = Π^{1/h}, so
    # λ(DHD)/s̃ = λ(D'HD') / (‖X‖(‖WX‖ + ‖Y‖ + ‖X‖g^h) g^{h−2})
    h = len(theta)
    logs = np.log(norms)
    logg = float(np.mean(logs))
    xn = float(np.linalg.norm(X, 2))
    a = float(np.linalg.norm(_product(theta) @ X)) + float(np.linalg.norm(Y))
    d = np.concatenate([np.full(W.size, np.exp(lw - logg))
                        for W, lw in zip(theta, logs, strict=True)])
    lam = float(np.linalg.eigvalsh(d[:, None] * H * d[None, :])[0])
    if lam == 0.0:
        return 0.0
    log_st = np.log(xn) + np.log(a + xn * np.exp(min(h * logg, 700.0))) + (h - 2) * logg
    return float(np.sign(lam) * np.exp(np.log(abs(lam)) - log_st))


def curvature_drop(theta, X, Y, v: np.ndarray, lam: float, *, base_theta=None,
                   a: float = 1.0, mode: str = "y") -> dict:
    """Is the negative curvature λ along the unit eigenvector v observable in float64?

    Along θ + t·v (v mapped by the scaling: last layer × a in mode "y") for t = ‖θ‖·10^-k,
    k = 1..16, some t must give L(θ + tv) − L(θ) within 10% of ½λt² (so neither the residual
    gradient nor higher-order terms explain it) and far above rounding (1e-12·‖Y‖²). At points
    where every nearby critical point's curvature is below float resolution (e.g. layers of norm
    1e5 and 1e-13: a strict and a degenerate critical point both within rounding distance) no t
    qualifies, and strictness is then unknown."""
    base_theta = theta if base_theta is None else base_theta
    sizes = [W.size for W in base_theta]
    parts = np.split(v, np.cumsum(sizes)[:-1])
    dirs = [p.reshape(W.shape) for p, W in zip(parts, base_theta, strict=True)]
    if mode == "y" and a != 1.0:
        dirs[-1] = a * dirs[-1]
    L0 = value_np(theta, X, Y)
    y2 = float(np.vdot(Y, Y))
    base = max(float(np.sqrt(sum(float(np.vdot(W, W)) for W in base_theta))), 1.0)
    drops, ok = [], False
    for t in base * 10.0 ** -np.arange(1, 17):
        th = [W + t * D for W, D in zip(theta, dirs, strict=True)]
        d, q = (value_np(th, X, Y) - L0) / (a * a), 0.5 * lam * t * t
        drops.append((d, q))
        ok = ok or (d < 0 and abs(d - q) <= 0.1 * abs(q) and -d * a * a > 1e-12 * y2)
    return {"observable": ok, "decreases": [d for d, _ in drops],
            "predicted": [q for _, q in drops]}


def truth_of(theta, X, Y, r: int, *, newton: bool = True) -> dict:
    """The ground truth at (θ, X, Y): numpy gradient/value/L*, JAX Hessian (and gradient check).

    ``newton=False`` leaves out the Hessian and the Newton-step measure ν (not invariant under
    the unbalanced scaling of ``--mode y``): criticality by ρ alone, saddles not split."""
    rho = rho_np(theta, X, Y)
    L = value_np(theta, X, Y)
    Lstar = global_min_np(X, Y, r)
    gap = (L - Lstar) / float(np.vdot(Y, Y))
    if not newton:  # the scale-free numbers only (the truth itself comes from scale 1)
        t = ("not_critical" if rho >= NONCRIT_MIN else "ambiguous: gradient" if rho > CRIT_MAX
             else "global_minimum" if gap <= GLOBAL_MAX else "ambiguous: value"
             if gap < SADDLE_MIN else "saddle")
        return {"rho": rho, "nu": None, "L": L, "L_star": Lstar, "gap_rel": gap, "truth": t}
    gj, H = jax_grad_hessian(theta, X, Y)
    g = np.concatenate([b.ravel() for b in grad_np(theta, X, Y)])
    # the gradient formula against JAX at a nearby generic point of the same instance
    gen = np.random.default_rng(0)
    near = tuple(W + 0.1 * max(float(np.linalg.norm(W)), 1.0) * gen.standard_normal(W.shape)
                 / np.sqrt(W.size) for W in theta)
    gn = np.concatenate([b.ravel() for b in grad_np(near, X, Y)])
    gjn = jax_grad_hessian(near, X, Y)[0]
    H = 0.5 * (H + H.T)
    ev, V = np.linalg.eigh(H)
    S = float(np.max(np.abs(ev)))
    nu = newton_step_rel(theta, g, H)
    out = {"rho": rho, "nu": nu, "L": L, "L_star": Lstar, "gap_rel": gap,
           "lam_min_rel": float(ev[0]) / S if S > 0 else 0.0,
           "n_negative": int(np.sum(ev < STRICT_BELOW * S)) if S > 0 else 0,
           "lam_min_balanced_rel": balanced_lam_min_rel(theta, X, Y, H),
           "jax_grad_rel_err": float(np.linalg.norm(gn - gjn)) / max(
               float(np.linalg.norm(gjn)), 1e-300),
           "relative_gradient_norm_lead": float(np.linalg.norm(gj)) / (1.0 + abs(L))}
    by_rho = rho <= CRIT_MAX
    by_nu = nu <= NEWTON_CRIT_MAX
    out["critical_by"] = "rho" if by_rho else "nu" if by_nu else None
    if rho >= NONCRIT_MIN and nu >= NONCRIT_MIN:
        out["truth"] = "not_critical"
    elif not (by_rho or by_nu):
        out["truth"] = "ambiguous: gradient"
    elif gap <= GLOBAL_MAX:
        out["truth"] = "global_minimum"
    elif gap < SADDLE_MIN:
        out["truth"] = "ambiguous: value"
    elif (out["lam_min_rel"] < STRICT_BELOW
          and (out["lam_min_balanced_rel"] is None or out["lam_min_balanced_rel"] < STRICT_BELOW)
          and curvature_drop(theta, X, Y, V[:, 0], float(ev[0]))["observable"]):
        out["truth"] = "strict_saddle"
    elif out["lam_min_rel"] >= DEGEN_ABOVE and rho <= DEGEN_CRIT_MAX:
        out["truth"] = "degenerate_saddle"
    else:
        out["truth"] = "saddle"  # strict/degenerate unknown
    return out


def score(verdict: str, truth: str, verified: bool | None) -> str:
    if verdict == "undetermined":
        return "undetermined"
    if verified is False:
        return "wrong"
    if verdict == truth or (truth == "saddle" and verdict in SADDLE_VERDICTS):
        return "right"
    return "wrong"


# ----------------------------------------------------------------------------- instances
def _arch(gen, depths=(2, 3, 4)) -> Architecture:
    while True:
        h = int(gen.choice(depths))
        widths = [int(w) for w in gen.integers(1, D_MAX + 1, size=h + 1)]
        a = Architecture(widths)
        if 4 <= a.n_params <= P_MAX:
            return a


def _data(arch, gen, n=None):
    n = n if n is not None else int(gen.integers(max(arch.d_in, 2), N_MAX))
    return gen.standard_normal((arch.d_in, n)), gen.standard_normal((arch.d_out, n))


def _landscape(arch, X, Y) -> Landscape:
    return Landscape(LinearNetwork(arch), SquaredLoss(X, Y))


def _subset(gen, arch=None):
    arch = arch or _arch(gen)
    X, Y = _data(arch, gen)
    L = _landscape(arch, X, Y)
    m = len(function_space_critical_points(L.loss, arch.r).eckart_young.singular_values)
    k = min(arch.r, m)
    # the top subset (a global minimum) one time in four, a random subset otherwise
    I = list(range(k)) if gen.random() < 0.25 else sorted(
        gen.choice(m, size=k, replace=False).tolist())
    theta, _ = critical_point_from_subset(L.loss, arch, I, rng=int(gen.integers(2**31)))
    return arch, X, Y, theta, {"subset": I}


def _fiber(gen):
    arch, X, Y, theta, info = _subset(gen)
    theta = random_fiber_point(theta, int(gen.integers(2**31)))
    moves = fiber_moves(theta, rng=int(gen.integers(2**31)), delta=0.5)
    if moves:
        theta = moves[int(gen.integers(len(moves)))].theta
    return arch, X, Y, theta, {**info, "moves": len(moves)}


def _zero(gen):
    arch = _arch(gen, depths=(3, 4))
    X, Y = _data(arch, gen)
    return arch, X, Y, tuple(np.zeros(s) for s in arch.shapes), {}


def _search(gen, method):
    while True:
        arch = _arch(gen)
        X, Y = _data(arch, gen)
        L = _landscape(arch, X, Y)
        sc = 1.0 if method == "gd" else float(gen.choice([0.3, 1.0]))
        theta0 = tuple(sc * gen.standard_normal(s) / np.sqrt(s[1]) for s in arch.shapes)
        sol = find_critical_point(L, theta0, method, max_iter=1500 if method == "gd" else 300)
        if sol.converged:
            return arch, X, Y, sol.theta, {"start_scale": sc}


def _noncritical(gen):
    if gen.random() < 0.5:
        arch = _arch(gen)
        X, Y = _data(arch, gen)
        theta = tuple(gen.standard_normal(s) / np.sqrt(s[1]) for s in arch.shapes)
        return arch, X, Y, theta, {"kind": "random"}
    arch, X, Y, theta, info = _subset(gen)
    delta = float(gen.choice([1e-3, 1e-2]))
    out = []
    for W in theta:
        D = gen.standard_normal(W.shape)
        out.append(W + delta * max(float(np.linalg.norm(W)), 1.0) * D / np.linalg.norm(D))
    return arch, X, Y, tuple(out), {**info, "kind": "perturbed", "delta": delta}


MAKERS = {"subset": _subset, "fiber": _fiber, "zero": _zero,
          "gd": lambda g: _search(g, "gd"), "newton": lambda g: _search(g, "newton"),
          "noncritical": _noncritical}
FAMILY_INDEX = {f: k for k, f in enumerate(FAMILIES)}


def instance_seed(master: int, family: str, i: int) -> int:
    return 1_000_000 * master + 10_000 * FAMILY_INDEX[family] + i


def make_instance(family: str, seed: int, rejected: Counter | None = None) -> dict:
    """The instance ``seed`` of ``family`` (deterministic), regenerated from the same stream until
    its ground truth is unambiguous."""
    gen = np.random.default_rng(seed)
    for _ in range(50):
        arch, X, Y, theta, info = MAKERS[family](gen)
        t = truth_of(theta, X, Y, arch.r)
        if t["truth"].startswith("ambiguous") or (family == "noncritical") != (
                t["truth"] == "not_critical"):
            if rejected is not None:
                rejected[f"{family}: {t['truth']}"] += 1
            continue
        if t["jax_grad_rel_err"] > 1e-10:
            raise AssertionError(f"numpy and JAX gradients disagree at {family} {seed}: {t}")
        return {"family": family, "seed": seed, "arch": arch, "X": X, "Y": Y, "theta": theta,
                "info": info, "truth": t}
    raise RuntimeError(f"no unambiguous {family} instance from seed {seed}")


def scaled(inst: dict, a: float, mode: str):
    """(X_a, Y_a, θ_a) with L_a(θ_a) = a² L(θ)."""
    X, Y, theta = inst["X"], inst["Y"], inst["theta"]
    if a == 1.0:
        return X, Y, theta
    if mode == "y":
        return X, a * Y, tuple(theta[:-1]) + (a * theta[-1],)
    return a * X, a * Y, theta


# ----------------------------------------------------------------------------- double check
def _lstar_cholesky(X, Y, r: int) -> float:
    """L* again, whitening with a Cholesky factor XXᵀ = CCᵀ instead of (XXᵀ)^{1/2}."""
    C = np.linalg.cholesky(X @ X.T)
    Qbar = np.linalg.solve(C, X @ Y.T).T  # Y Xᵀ C^{-T}
    s = np.linalg.svd(Qbar, compute_uv=False)
    return 0.5 * (float(np.vdot(Y, Y)) - float(np.sum(s[:r] ** 2)))


def double_check(inst: dict, a: float, mode: str) -> dict:
    """Re-derive the truth of a reported case by other means, on the scaled problem itself:
    L* by a second whitening; a global minimum must resist 300 gradient steps; a strict saddle
    must show a real decrease along the scale-1 negative eigenvector (mapped by the scaling)."""
    X, Y, theta = scaled(inst, a, mode)
    r = inst["arch"].r
    truth = inst["truth"]["truth"]
    y2 = float(np.vdot(Y, Y))
    L0 = value_np(theta, X, Y)
    Ls = _lstar_cholesky(X, Y, r)
    out = {"gap_rel_cholesky": (L0 - Ls) / y2, "rho": rho_np(theta, X, Y)}
    if truth == "global_minimum":
        _, H = jax_grad_hessian(theta, X, Y)
        lip = max(float(np.linalg.eigvalsh(0.5 * (H + H.T))[-1]), 1e-300)
        th, best = list(theta), L0
        for _ in range(300):
            g = grad_np(th, X, Y)
            th = [W - gi / (2 * lip) for W, gi in zip(th, g, strict=True)]
            best = min(best, value_np(th, X, Y))
        out["gd_decrease_rel"] = (L0 - best) / y2
        out["confirmed"] = out["gap_rel_cholesky"] <= GLOBAL_MAX and out["gd_decrease_rel"] <= 1e-12
    elif truth in ("strict_saddle", "saddle", "degenerate_saddle"):
        out["confirmed"] = out["gap_rel_cholesky"] >= SADDLE_MIN
        if truth == "strict_saddle":
            _, H = jax_grad_hessian(inst["theta"], inst["X"], inst["Y"])
            ev, V = np.linalg.eigh(0.5 * (H + H.T))
            # on the scaled problem itself, in its own floats
            cd = curvature_drop(theta, X, Y, V[:, 0], float(ev[0]), base_theta=inst["theta"],
                                a=a, mode=mode)
            out["decreases"], out["predicted"] = cd["decreases"], cd["predicted"]
            out["confirmed"] = out["confirmed"] and cd["observable"]
        if truth == "degenerate_saddle":
            _, H = jax_grad_hessian(inst["theta"], inst["X"], inst["Y"])
            ev = np.linalg.eigvalsh(0.5 * (H + H.T))
            S = float(np.max(np.abs(ev)))
            out["lam_min_rel"] = float(ev[0]) / S if S > 0 else 0.0
            out["confirmed"] = out["confirmed"] and out["lam_min_rel"] >= DEGEN_ABOVE
    elif truth == "not_critical":
        out["confirmed"] = out["rho"] >= NONCRIT_MIN
    else:  # pragma: no cover
        out["confirmed"] = False
    return out


# ----------------------------------------------------------------------------- running
def classify_row(inst: dict, a: float, mode: str) -> dict:
    X, Y, theta = scaled(inst, a, mode)
    arch = inst["arch"]
    L = _landscape(arch, X, Y)
    t1 = inst["truth"]
    # the truth is scale-invariant (L_a ∘ D = a²L); recompute the scale-free numbers at this
    # scale as a check of that and of the scaled point
    ta = truth_of(theta, X, Y, arch.r, newton=False)
    truth = t1["truth"]
    kind = {"strict_saddle": "saddle", "degenerate_saddle": "saddle"}
    consistent = (None if t1.get("critical_by") == "nu"
                  else kind.get(ta["truth"], ta["truth"]) == kind.get(truth, truth))
    row = {"family": inst["family"], "seed": inst["seed"], "scale": a, "mode": mode,
           "widths": list(arch.widths), "n": int(X.shape[1]), "P": arch.n_params,
           "truth": truth, "truth_consistent_at_scale": consistent,
           "rho": ta["rho"], "nu": t1["nu"], "critical_by": t1.get("critical_by"),
           "gap_rel": ta["gap_rel"],
           "L_minus_Lstar": ta["L"] - ta["L_star"],
           "lam_min_rel": t1["lam_min_rel"], "n_negative": t1["n_negative"],
           "lam_min_balanced_rel": t1["lam_min_balanced_rel"]}
    rng = inst["seed"] % (2**31)
    t0 = time.perf_counter()
    try:
        res = classify(L, theta, rng=rng)
    except Exception as e:  # an exception is a failure, not a verdict
        row.update(verdict=f"error: {type(e).__name__}: {e}", verified=None, score="wrong",
                   classify_ms=1e3 * (time.perf_counter() - t0), reasons=[],
                   traceback=traceback.format_exc(limit=3))
        return row
    row["classify_ms"] = 1e3 * (time.perf_counter() - t0)
    verdict = str(getattr(res.verdict, "value", res.verdict))
    verified = None
    if verdict != "undetermined":
        try:
            verified = bool(res.verify(L))
        except Exception:  # noqa: BLE001
            verified = False
    row.update(verdict=verdict, verified=verified, score=score(verdict, truth, verified),
               certificate=None if res.certificate is None else getattr(
                   res.certificate, "method", res.certificate.kind),
               relative_gradient_norm_classify=res.relative_gradient_norm,
               reasons=list(res.reasons))
    return row


def part1(n: int, master: int, scales, modes, log=print) -> tuple[list[dict], dict]:
    rows, rejected = [], Counter()
    t_gen = t_cls = 0.0
    for fam, frac in FAMILIES.items():
        for i in range(max(1, round(frac * n))):
            t0 = time.perf_counter()
            inst = make_instance(fam, instance_seed(master, fam, i), rejected)
            t1 = time.perf_counter()
            t_gen += t1 - t0
            done_one = False
            for mode in modes:
                for a in scales:
                    if a == 1.0 and done_one:
                        continue
                    row = classify_row(inst, a, mode)
                    if row["score"] == "wrong":
                        row["double_check"] = double_check(inst, a, mode)
                    if row["score"] != "right":
                        # the generator runs Newton/GD iterations, which are not bit-reproducible
                        # across processes (BLAS rounding), so the scale-1 instance is stored
                        row["instance"] = {"X": inst["X"], "Y": inst["Y"],
                                           "theta": list(inst["theta"])}
                    rows.append(row)
                    done_one = done_one or a == 1.0
            t_cls += time.perf_counter() - t1
        log(f"  {fam}: {sum(r['family'] == fam for r in rows)} classifications")
    return rows, {"generate_s": t_gen, "classify_and_score_s": t_cls,
                  "rejected_ambiguous": dict(rejected)}


def newton_saddles(k: int, master: int, max_tries: int = 2000) -> dict:
    arch = Architecture(NEWTON_WIDTHS)
    gen = np.random.default_rng(10_000_000 + master)
    rows, tries = [], 0
    t0 = time.perf_counter()
    while len(rows) < k and tries < max_tries:
        tries += 1
        seed = int(gen.integers(2**31))
        g = np.random.default_rng(seed)
        X, Y = _data(arch, g, n=12)
        L = _landscape(arch, X, Y)
        sc = float(g.choice([0.1, 0.3]))
        theta0 = tuple(sc * g.standard_normal(s) for s in arch.shapes)
        sol = find_critical_point(L, theta0, "newton")
        t = truth_of(sol.theta, X, Y, arch.r)
        if not (t["relative_gradient_norm_lead"] <= NEWTON_LEAD_REL
                and t["n_negative"] >= NEWTON_MIN_NEG
                and t["truth"] in ("strict_saddle", "saddle")):
            continue
        tc = time.perf_counter()
        res = classify(L, sol.theta, rng=seed)
        ms = 1e3 * (time.perf_counter() - tc)
        verdict = str(getattr(res.verdict, "value", res.verdict))
        verified = None if verdict == "undetermined" else bool(res.verify(L))
        rows.append({"seed": seed, "start_scale": sc, "widths": list(NEWTON_WIDTHS), "n": 12,
                     "rho": t["rho"], "nu": t["nu"],
                     "relative_gradient_norm_classify": res.relative_gradient_norm,
                     "n_negative": t["n_negative"], "lam_min_rel": t["lam_min_rel"],
                     "lam_min_balanced_rel": t["lam_min_balanced_rel"],
                     "max_weight_norm": max(float(np.linalg.norm(W)) for W in sol.theta),
                     "verdict": verdict, "verified": verified,
                     "truth": t["truth"], "critical_by": t["critical_by"],
                     "score": score(verdict, t["truth"], verified), "classify_ms": ms,
                     "reasons": list(res.reasons),
                     **({} if verdict == "strict_saddle" and verified else {"instance": {
                         "X": X, "Y": Y, "theta": list(sol.theta)}})})
    def n_strict_in(rs):
        return sum(r["verdict"] == "strict_saddle" and r["verified"] for r in rs)

    n_strict = n_strict_in(rows)
    bal = [r for r in rows if r["rho"] <= CRIT_MAX]
    obs = [r for r in rows if r["truth"] == "strict_saddle"]
    return {"n": len(rows), "tries": tries, "strict_saddle": n_strict,
            # ρ ≤ CRIT_MAX: critical also by the per-layer measure (invariant under balanced
            # layer rescaling); the others are critical by the Newton step ν only (a layer of
            # norm ~1e4 next to ones of ~1e-13: rescaled to balance, a point near θ = 0)
            "n_critical_by_rho": len(bal),
            "strict_saddle_among_critical_by_rho": n_strict_in(bal),
            # truth strict_saddle: the negative curvature is observable in float64; truth
            # "saddle": every eigenvalue is rounding-sized against the terms it is computed from
            # (strict and degenerate critical points both lie within rounding distance)
            "n_truth_strict": len(obs), "strict_saddle_among_truth_strict": n_strict_in(obs),
            "truths": dict(Counter(r["truth"] for r in rows)),
            "verdicts": dict(Counter(r["verdict"] for r in rows)),
            "wrong": sum(r["score"] == "wrong" for r in rows),
            "strict_fraction": n_strict / max(1, len(rows)),
            "seconds": time.perf_counter() - t0,
            "not_strict_examples": [r for r in rows if r["verdict"] != "strict_saddle"
                                    or not r["verified"]][:20]}


def summarise(rows: list[dict], newton: dict | None, n_examples: int = 10) -> dict:
    def counts(rs):
        c = Counter(r["score"] for r in rs)
        n = len(rs)
        return {"n": n, "right": c["right"], "undetermined": c["undetermined"],
                "wrong": c["wrong"], "undetermined_fraction": c["undetermined"] / max(1, n),
                "verdicts": dict(Counter(r["verdict"] for r in rs)),
                "truths": dict(Counter(r["truth"] for r in rs)),
                "wrong_kinds": dict(Counter(
                    f"{r['truth']} -> {r['verdict']}" + ("" if r["verified"] is not False
                                                         else " (verify failed)")
                    for r in rs if r["score"] == "wrong")),
                "wrong_double_checked": sum(r.get("double_check", {}).get("confirmed", False)
                                            for r in rs if r["score"] == "wrong"),
                "truth_inconsistent_at_scale": sum(r["truth_consistent_at_scale"] is False
                                                   for r in rs),
                "median_classify_ms": float(np.median([r["classify_ms"] for r in rs])),
                "max_classify_ms": float(np.max([r["classify_ms"] for r in rs]))}

    by_scale = defaultdict(list)
    for r in rows:
        by_scale[(r["mode"] if r["scale"] != 1.0 else "-", r["scale"])].append(r)
    table = {}
    for (mode, a), rs in sorted(by_scale.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        fam = defaultdict(list)
        for r in rs:
            fam[r["family"]].append(r)
        key = f"{a:g}" if mode == "-" else f"{a:g} ({mode})"
        table[key] = {**counts(rs), "by_family": {f: counts(v) for f, v in fam.items()},
                      "wrong_examples": [_brief(r) for r in rs if r["score"] == "wrong"][
                          :n_examples],
                      "undetermined_examples": [_brief(r) for r in rs
                                                if r["score"] == "undetermined"][:n_examples]}
    met = {
        "wrong": all(t["wrong"] == 0 for t in table.values()),
        "undetermined_fraction": all(t["undetermined_fraction"] <= TARGETS[
            "undetermined_fraction"] for t in table.values()),
    }
    if newton is not None:
        met["newton_strict_fraction"] = (newton["strict_fraction"]
                                         >= TARGETS["newton_strict_fraction"]
                                         and newton["wrong"] == 0)
    return {"targets": TARGETS, "met": met, "by_scale": table, "newton_saddles": newton}


def _brief(r: dict) -> dict:
    keys = ("family", "seed", "scale", "mode", "widths", "n", "verdict", "truth", "verified",
            "certificate", "L_minus_Lstar", "gap_rel", "rho", "nu", "lam_min_rel",
            "lam_min_balanced_rel", "n_negative",
            "relative_gradient_norm_classify", "reasons", "traceback", "double_check",
            "instance")
    return {k: r[k] for k in keys if k in r}


def print_table(out: dict) -> None:
    try:
        from rich.console import Console
        from rich.table import Table
    except ImportError:  # pragma: no cover
        Console = None
    head = ["scale", "n", "right", "undet.", "wrong", "undet. %", "median ms"]
    fams = list(FAMILIES)
    if Console is not None:
        t = Table(title="classify soundness across data scales (right / undetermined / wrong)")
        for h in head + fams:
            t.add_column(h, justify="right")
        for key, s in out["by_scale"].items():
            cells = [key, str(s["n"]), str(s["right"]), str(s["undetermined"]), str(s["wrong"]),
                     f"{100 * s['undetermined_fraction']:.1f}", f"{s['median_classify_ms']:.1f}"]
            for f in fams:
                b = s["by_family"].get(f)
                cells.append("-" if b is None else f"{b['right']}/{b['undetermined']}/{b['wrong']}")
            t.add_row(*cells)
        Console(width=200).print(t)
    else:
        for key, s in out["by_scale"].items():
            print(key, s["right"], s["undetermined"], s["wrong"])
    nw = out.get("newton_saddles")
    if nw:
        print(f"Newton saddles {NEWTON_WIDTHS}: {nw['strict_saddle']}/{nw['n']} certified "
              f"strict_saddle ({100 * nw['strict_fraction']:.1f}%), verdicts {nw['verdicts']}, "
              f"wrong {nw['wrong']} ({nw['tries']} starts); critical by ρ too: "
              f"{nw['strict_saddle_among_critical_by_rho']}/{nw['n_critical_by_rho']} strict; "
              f"strictness observable in float64: {nw['strict_saddle_among_truth_strict']}/"
              f"{nw['n_truth_strict']} strict")
    for key, s in out["by_scale"].items():
        for r in s["wrong_examples"][:5]:
            print(f"  WRONG  scale {key}: {r['family']} seed {r['seed']} widths {r['widths']} "
                  f"verdict {r['verdict']} truth {r['truth']} L−L* {r['L_minus_Lstar']:.3e} "
                  f"verified {r.get('verified')} reasons {r.get('reasons', [])[:2]}")
        for r in s["undetermined_examples"][:3]:
            print(f"  UNDET. scale {key}: {r['family']} seed {r['seed']} widths {r['widths']} "
                  f"truth {r['truth']} reasons {r.get('reasons', [])[:2]}")
    print(f"targets met: {out['met']}")


def run(n: int, newton_k: int, master: int = 0, scales=SCALES, modes=("y",),
        log=print) -> dict:
    t0 = time.perf_counter()
    rows, timing = part1(n, master, scales, modes, log=log)
    t1 = time.perf_counter()
    newton = newton_saddles(newton_k, master) if newton_k > 0 else None
    out = summarise(rows, newton)
    out["timing"] = {**timing, "part1_s": t1 - t0,
                     "part2_s": None if newton is None else newton["seconds"],
                     "wall_s": time.perf_counter() - t0}
    out["n_per_scale_requested"] = n
    out["modes"] = list(modes)
    out["scales"] = list(scales)
    out["master_seed"] = master
    out["version"] = dlnscape.__version__
    out["thresholds"] = {k: globals()[k] for k in (
        "CRIT_MAX", "NEWTON_CRIT_MAX", "NONCRIT_MIN", "DEGEN_CRIT_MAX", "GLOBAL_MAX",
        "SADDLE_MIN", "STRICT_BELOW", "DEGEN_ABOVE", "NEWTON_MIN_NEG", "NEWTON_LEAD_REL")}
    return out


def reproduce(family: str, seed: int, a: float | None, mode: str) -> int:
    inst = make_instance(family, seed)
    print(f"{family} seed {seed}: widths {inst['arch'].widths}, n {inst['X'].shape[1]}, "
          f"info {inst['info']}")
    print("truth at scale 1:", inst["truth"])
    for s in (SCALES if a is None else (a,)):
        row = classify_row(inst, s, mode)
        print(f"scale {s:g} ({mode}): verdict {row['verdict']} verified {row['verified']} "
              f"score {row['score']}; truth {row['truth']}; rho {row['rho']:.2e}, "
              f"nu {row['nu']:.2e}, "
              f"(L−L*)/‖Y‖² {row['gap_rel']:.3e}; reasons {row['reasons']}")
    return 0


def replay(path: str) -> int:
    """Re-classify every stored wrong/undetermined example of a results file with the code
    that is imported now (the instances are stored, so no generator is involved)."""
    import json

    data = json.loads(Path(path).read_text())
    examples = []
    for key, s in data["by_scale"].items():
        for r in s["wrong_examples"] + s["undetermined_examples"]:
            examples.append((key, r))
    for r in (data.get("newton_saddles") or {}).get("not_strict_examples", []):
        examples.append(("newton saddles", {**r, "family": "newton_saddle", "scale": 1.0,
                                            "mode": "y", "truth": "strict_saddle"}))
    n_right = 0
    for key, r in examples:
        if "instance" not in r:
            print(f"{key}: {r['family']} seed {r['seed']}: no stored instance")
            continue
        X = np.asarray(r["instance"]["X"], dtype=np.float64)
        Y = np.asarray(r["instance"]["Y"], dtype=np.float64)
        theta = tuple(np.asarray(W, dtype=np.float64).reshape(np.shape(W)) for W in
                      r["instance"]["theta"])
        arch = Architecture([theta[0].shape[1]] + [W.shape[0] for W in theta])
        inst = {"family": r["family"], "seed": r["seed"], "arch": arch, "X": X, "Y": Y,
                "theta": theta, "truth": truth_of(theta, X, Y, arch.r)}
        row = classify_row(inst, float(r["scale"]), r.get("mode") or "y")
        n_right += row["score"] == "right"
        print(f"{key}: {r['family']} seed {r['seed']} widths {list(arch.widths)}: was "
              f"{r['verdict']}, now {row['verdict']} (truth {row['truth']}, {row['score']}); "
              f"reasons {row['reasons'][:2]}")
    print(f"{n_right}/{len(examples)} stored examples now right")
    return 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="150 points per scale, 20 saddles")
    ap.add_argument("--n", type=int, default=None, help="points per scale (default 1000)")
    ap.add_argument("--newton", type=int, default=None, help="Newton saddles (default 60)")
    ap.add_argument("--mode", choices=("y", "xy", "both"), default="both")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--case", nargs=2, metavar=("FAMILY", "SEED"),
                    help="reproduce one instance at every scale (or --scale)")
    ap.add_argument("--scale", type=float, default=None)
    ap.add_argument("--replay", metavar="RESULTS_JSON",
                    help="re-classify the stored wrong/undetermined examples of a results file")
    ap.add_argument("--label", default=None,
                    help="free text stored with the results (e.g. the commit under test)")
    ap.add_argument("--out", default=str(_util.RESULTS_DIR / "soundness.json"))
    args = ap.parse_args(argv)
    if args.replay:
        return replay(args.replay)
    if args.case:
        return reproduce(args.case[0], int(args.case[1]), args.scale,
                         "y" if args.mode == "both" else args.mode)
    n = args.n or (150 if args.quick else 1000)
    k = args.newton if args.newton is not None else (20 if args.quick else 60)
    modes = ("y", "xy") if args.mode == "both" else (args.mode,)
    out = run(n, k, args.seed, modes=modes)
    out["environment"] = _util.environment()
    out["command"] = " ".join(sys.argv)
    out["label"] = args.label
    out["dlnscape_file"] = dlnscape.__file__
    write_json_atomic(Path(args.out), out)
    print_table(out)
    print(f"{out['timing']['wall_s']:.1f} s (generate {out['timing']['generate_s']:.1f} s, "
          f"Newton saddles {out['timing']['part2_s'] or 0:.1f} s) -> {args.out}")
    return 0 if all(out["met"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
