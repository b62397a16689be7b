"""Zhou & Liang 2018 §3.2 (catalog T-003-Sec3.2-qualitative, check 56): plain vs residual
linear networks near small-weight global minimizers — the gradient-dominance constants and
radii against depth and the size of the minimizer, theory (Thm 1 / Thm 2) and measured, with a
figure.

The text's claim: "when ‖A_k‖ is small, η_min(I + A_k) (and hence τ) is regularized away from
zero by the identity map … the identity shortcut leads to a smaller λ_f (due to larger τ)
compared to a large λ_h when the parameters of linear networks have small spectral norm"; and
"when the shortcut depth r becomes large, λ_f … becomes more similar to λ_h".

Instances (seeded; d × d, X a random orthogonal matrix so that η_min(X) = ‖X‖ = 1 and only the
weights matter). Each factor is ``s·M`` with ``M = U diag(1, …, ½) Vᵀ`` (U, V random orthogonal:
spectral norm 1, η_min = ½), s the *size*:

* ``plain``: ``W_k* = s·M_k`` (k = 1..l), data ``Y = W_l*⋯W_1*X``: a plain network whose
  minimizer has small weights (τ = s/4);
* ``residual r=1``: ``A_k* = s·M_k``, ``Y = Π_k(I + A_k*)X`` (τ ≥ (1 − s)/2);
* ``residual r=2``: ``A_k1* = √s·M_k1``, ``A_k2* = √s·M_k2`` (unit products of size ≤ s);
* ``plain at I + A*``: the plain network on the ``residual r=1`` data at ``W_k* = I + A_k*``.
  For r = 1, ``f(A) = h(I + A)`` exactly (a translation of the parameters), so its λ and its
  pointwise constants coincide with ``residual r=1``'s: the "regularisation" compares
  *different* minimizers (small A vs small W), not two landscapes at one minimizer. (Its
  neighbourhood is larger: Thm 2's radius min(τ̂, τ̃) contains τ̃ = ½η_min(A*), small for small
  A*, although for r = 1 the proof never uses τ̃.)

Measured: :func:`~dlnscape.conditions.dominance.estimate_gradient_dominance` (samples and the
adversarial search) on the two slices the figure shows (depth at ``s_ref``, size at ``l_ref``).
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dlnscape.errors import DlnscapeError
from dlnscape.report.figures import pyplot, save_png
from dlnscape.report.summary import Summary, summary_html_method, summary_repr

NETWORKS = ("plain", "residual r=1", "residual r=2", "plain at I + A*")


@dataclass(frozen=True)
class ComparisonRow:
    """One instance of the study: the theory of Thm 1 / Thm 2 at its minimizer and (where
    measured) the empirical supremum of (L − L*)/‖∇L‖² on the theorem's neighbourhood."""

    network: str
    depth: int
    size: float
    tau: float
    tau_tilde: float | None
    radius: float
    radius_certified: float | None
    lam_theory: float
    pointwise_at_star: float
    sharp_at_star: float
    sup_measured: float | None
    holds: bool | None
    seconds: float

    @property
    def ratio(self) -> float | None:
        if self.sup_measured is None:
            return None
        return self.sup_measured / self.lam_theory

    def to_dict(self) -> dict:
        return {"network": self.network, "depth": self.depth, "size": self.size,
                "tau": self.tau, "tau_tilde": self.tau_tilde, "radius": self.radius,
                "radius_certified": self.radius_certified, "lam_theory": self.lam_theory,
                "pointwise_at_star": self.pointwise_at_star,
                "sharp_at_star": self.sharp_at_star, "sup_measured": self.sup_measured,
                "ratio": self.ratio, "holds": self.holds, "seconds": self.seconds}


@dataclass(frozen=True)
class PlainVsResidualStudy:
    """The study's rows, its parameters and a conclusion computed from the rows."""

    rows: tuple[ComparisonRow, ...]
    d: int
    depths: tuple[int, ...]
    sizes: tuple[float, ...]
    s_ref: float
    l_ref: int
    seed: int
    conclusion: str
    claim_supported: bool
    same_point_max_rel_diff: float
    seconds: float

    def row(self, network: str, depth: int, size: float) -> ComparisonRow:
        for r in self.rows:
            if r.network == network and r.depth == depth and math.isclose(r.size, size):
                return r
        raise DlnscapeError(f"row: no row ({network!r}, {depth}, {size})")

    def to_dict(self) -> dict:
        return {"d": self.d, "depths": list(self.depths), "sizes": list(self.sizes),
                "s_ref": self.s_ref, "l_ref": self.l_ref, "seed": self.seed,
                "conclusion": self.conclusion, "claim_supported": self.claim_supported,
                "same_point_max_rel_diff": self.same_point_max_rel_diff,
                "seconds": self.seconds, "rows": [r.to_dict() for r in self.rows]}

    def _summary(self) -> Summary:
        return Summary(f"PlainVsResidualStudy: {self.conclusion}", (
            ("d", self.d), ("depths", self.depths), ("sizes", self.sizes),
            ("rows", len(self.rows)), ("claim supported", self.claim_supported),
            ("seed", self.seed), ("seconds", self.seconds)),
            brief=("d", "rows", "claim supported"))

    __repr__ = summary_repr
    _repr_html_ = summary_html_method

    def __str__(self) -> str:
        return self.conclusion


def _orthogonal(gen: np.random.Generator, d: int) -> np.ndarray:
    Q, R = np.linalg.qr(gen.standard_normal((d, d)))
    return Q * np.sign(np.diag(R))


def _factor(gen: np.random.Generator, d: int) -> np.ndarray:
    """``U diag(1, …, ½) Vᵀ``: spectral norm 1, η_min = ½."""
    return _orthogonal(gen, d) @ np.diag(np.linspace(1.0, 0.5, d)) @ _orthogonal(gen, d)


def study_instance(network: str, depth: int, size: float, d: int = 3, seed: int = 0):
    """``(landscape, θ*)`` of one study instance (module docstring); the same ``seed`` gives
    the same X and factors M for every network, depth and size."""
    import dlnscape as dl
    from dlnscape.models.residual import ResidualLinearNetwork

    if network not in NETWORKS:
        raise DlnscapeError(f"network: expected one of {', '.join(NETWORKS)}, got {network!r}")
    if isinstance(depth, bool) or not isinstance(depth, (int, np.integer)) or depth < 1:
        raise DlnscapeError(f"depth: expected a positive integer, got {depth!r}")
    if not (np.isfinite(size) and size > 0):
        raise DlnscapeError(f"size: expected a positive number, got {size!r}")
    gen = np.random.default_rng([seed, depth])
    X = _orthogonal(gen, d)
    Ms = [_factor(gen, d) for _ in range(2 * depth)]
    I = np.eye(d)
    if network == "plain":
        theta = tuple(size * Ms[k] for k in range(depth))
        P = np.eye(d)
        for W in theta:
            P = W @ P
        return dl.Landscape(dl.LinearNetwork(dl.Architecture([d] * (depth + 1))),
                            dl.SquaredLoss(X, P @ X)), theta
    if network in ("residual r=1", "plain at I + A*"):
        A = tuple(size * Ms[k] for k in range(depth))
        P = np.eye(d)
        for a in A:
            P = (I + a) @ P
        loss = dl.SquaredLoss(X, P @ X)
        if network == "residual r=1":
            return dl.Landscape(ResidualLinearNetwork(d, depth, 1), loss), A
        return (dl.Landscape(dl.LinearNetwork(dl.Architecture([d] * (depth + 1))), loss),
                tuple(I + a for a in A))
    r = math.sqrt(size)
    A = tuple(r * Ms[j] for j in range(2 * depth))
    P = np.eye(d)
    for k in range(depth):
        P = (I + A[2 * k + 1] @ A[2 * k]) @ P
    return dl.Landscape(ResidualLinearNetwork(d, depth, 2), dl.SquaredLoss(X, P @ X)), A


def plain_vs_residual_study(depths: Sequence[int] = (1, 2, 3, 4, 5),
                            sizes: Sequence[float] = (0.05, 0.1, 0.2, 0.3, 0.5, 0.7), *,
                            d: int = 3, seed: int = 0, s_ref: float = 0.3, l_ref: int = 3,
                            measure: bool = True, n_samples: int = 64, maxiter: int = 100,
                            networks: Sequence[str] = NETWORKS) -> PlainVsResidualStudy:
    """Zhou & Liang 2018 §3.2 as a study (module docstring; catalog check 56): for every
    network, depth and size, the Thm 1 / Thm 2 constant λ, τ (τ̃), the radius and the pointwise
    constants at θ*; with ``measure``, the empirical supremum on the slices ``size = s_ref``
    and ``depth = l_ref`` (``s_ref`` and ``l_ref`` are added to the grid)."""
    from dlnscape.conditions.dominance import (
        estimate_gradient_dominance,
        gradient_dominance_bound,
    )

    t0 = time.perf_counter()
    depths = tuple(sorted({int(x) for x in depths} | {int(l_ref)}))
    sizes = tuple(sorted({float(x) for x in sizes} | {float(s_ref)}))
    if any(s <= 0 or not np.isfinite(s) for s in sizes):
        raise DlnscapeError(f"sizes: expected positive numbers, got {sizes!r}")
    if any(x < 1 for x in depths):
        raise DlnscapeError(f"depths: expected positive integers, got {depths!r}")
    for n in networks:
        if n not in NETWORKS:
            raise DlnscapeError(f"networks: expected names among {', '.join(NETWORKS)}, "
                                f"got {n!r}")
    rows = []
    for net in networks:
        for l in depths:
            for s in sizes:
                t1 = time.perf_counter()
                L, theta = study_instance(net, l, s, d, seed)
                b = gradient_dominance_bound(L, theta, rng=seed)
                sup = holds = None
                if measure and (math.isclose(s, s_ref) or l == l_ref) and b.radius > 0:
                    est = estimate_gradient_dominance(L, theta, rng=seed, n_samples=n_samples,
                                                      n_starts=1, maxiter=maxiter, bound=b)
                    sup, holds = est.sup, est.holds
                rows.append(ComparisonRow(net, l, s, b.tau, b.tau_tilde, b.radius,
                                          b.radius_certified, b.lam, b.pointwise_at_star,
                                          b.sharp_at_star, sup, holds,
                                          time.perf_counter() - t1))
    rows_t = tuple(rows)
    concl, supported, same = _conclusion(rows_t, depths, sizes, s_ref, l_ref, networks)
    return PlainVsResidualStudy(rows_t, d, depths, sizes, float(s_ref), int(l_ref), int(seed),
                                concl, supported, same, time.perf_counter() - t0)


def _conclusion(rows, depths, sizes, s_ref, l_ref, networks) -> tuple[str, bool, float]:
    by = {(r.network, r.depth, round(r.size, 12)): r for r in rows}

    def get(n, l, s):
        return by.get((n, l, round(s, 12)))

    parts = []
    supported = True
    same = 0.0
    if "plain" in networks and "residual r=1" in networks:
        small = [(l, s) for l in depths for s in sizes if l >= 2 and s <= 0.5]
        better = [(l, s) for l, s in small
                  if get("residual r=1", l, s).lam_theory < get("plain", l, s).lam_theory]
        supported = len(better) == len(small)
        p, q = get("plain", l_ref, s_ref), get("residual r=1", l_ref, s_ref)
        parts.append(
            f"At depth {l_ref} and weight size {s_ref:g}: plain τ = {p.tau:.3g}, "
            f"λ_h = {p.lam_theory:.3g}; residual (r = 1) τ = {q.tau:.3g}, λ_f = "
            f"{q.lam_theory:.3g} (λ_h/λ_f = {p.lam_theory / q.lam_theory:.3g}).")
        if p.sup_measured is not None and q.sup_measured is not None:
            parts.append(f"Measured sup (L − L*)/‖∇L‖²: plain {p.sup_measured:.3g}, residual "
                         f"{q.sup_measured:.3g} (ratio {p.sup_measured / q.sup_measured:.3g}); "
                         f"theory/measured: plain {p.lam_theory / p.sup_measured:.3g}, "
                         f"residual {q.lam_theory / q.sup_measured:.3g}.")
        parts.append(f"λ_f < λ_h in {len(better)} of {len(small)} instances with depth ≥ 2 and "
                     f"size ≤ 0.5: the §3.2 claim is "
                     f"{'supported' if supported else 'NOT supported'} for these small-weight "
                     f"minimizers; the gap grows with depth like (τ_f/τ_h)^(2(l−1)).")
    if "residual r=2" in networks and "plain" in networks:
        p, q2 = get("plain", l_ref, s_ref), get("residual r=2", l_ref, s_ref)
        parts.append(f"With r = 2 (unit products of size ≤ {s_ref:g}) λ_f = "
                     f"{q2.lam_theory:.3g} (τ̃ = {q2.tau_tilde:.3g}): closer to the plain "
                     f"network's, as §3.2 says of larger shortcut depths.")
    if "plain at I + A*" in networks and "residual r=1" in networks:
        diffs = []
        for l in depths:
            for s in sizes:
                a, b = get("residual r=1", l, s), get("plain at I + A*", l, s)
                for x, y in ((a.lam_theory, b.lam_theory),
                             (a.pointwise_at_star, b.pointwise_at_star),
                             (a.sharp_at_star, b.sharp_at_star)):
                    diffs.append(abs(x - y) / y)
        same = max(diffs) if diffs else 0.0
        q = get("residual r=1", l_ref, s_ref)
        parts.append(f"At the same minimizer (W* = I + A*) the plain network's λ, pointwise "
                     f"and sharp constants equal the residual r = 1 ones (largest relative "
                     f"difference {same:.2g}): for r = 1, f(A) = h(I + A), so the shortcut moves "
                     f"the minimizers' coordinates (small A instead of small W), not the "
                     f"landscape. Thm 2's radius min(τ̂, τ̃) is nevertheless small "
                     f"({q.radius:.3g} at depth {l_ref}, size {s_ref:g}): τ̃ = ½η_min(A*) "
                     f"enters it although for r = 1 the proof does not use it.")
    return " ".join(parts), bool(supported), float(same)


_STYLE = {"plain": ("C3", "o"), "residual r=1": ("C0", "s"), "residual r=2": ("C2", "^"),
          "plain at I + A*": ("0.4", "x")}


def study_figure(study: PlainVsResidualStudy, path: str | Path) -> Path:
    """The study as a PNG (matplotlib Agg, written atomically): λ against depth at ``s_ref``,
    λ against the size at ``l_ref`` (theory: lines; measured supremum: hollow markers), and
    the radius of the theorem's neighbourhood against the size at ``l_ref``."""
    plt = pyplot()
    fig, (a0, a1, a2) = plt.subplots(1, 3, figsize=(13, 4.2))
    nets = [n for n in NETWORKS if any(r.network == n for r in study.rows)]
    for n in nets:
        col, mk = _STYLE[n]
        ls = ":" if n == "plain at I + A*" else "-"
        dep = [r for r in study.rows if r.network == n and math.isclose(r.size, study.s_ref)]
        siz = [r for r in study.rows if r.network == n and r.depth == study.l_ref]
        for ax, rs, xs in ((a0, dep, [r.depth for r in dep]), (a1, siz, [r.size for r in siz])):
            ax.semilogy(xs, [r.lam_theory for r in rs], ls, color=col, marker=mk, ms=4,
                        label=f"{n}: theory λ")
            mx = [(x, r.sup_measured) for x, r in zip(xs, rs, strict=True)
                  if r.sup_measured is not None]
            if mx:
                ax.semilogy([m[0] for m in mx], [m[1] for m in mx], mk, color=col, mfc="none",
                            ms=8, label=f"{n}: measured sup")
        a2.plot([r.size for r in siz], [r.radius for r in siz], "--" if n == "plain" else ls,
                color=col, marker=mk, ms=4, label=f"{n}: radius")
    a0.set_xlabel("depth l (units)")
    a0.xaxis.get_major_locator().set_params(integer=True)
    a0.set_ylabel("gradient-dominance constant λ")
    a0.set_title(f"λ vs depth (size {study.s_ref:g})")
    a1.set_xlabel("size s of the minimizer's factors (‖W_k*‖ or ‖A_k*‖)")
    a1.set_title(f"λ vs size (depth {study.l_ref})")
    a2.set_xlabel("size s")
    a2.set_ylabel("radius of the neighbourhood")
    a2.set_title(f"radius τ or min(τ̂, τ̃) (depth {study.l_ref})")
    for ax in (a0, a1, a2):
        ax.grid(alpha=0.3, which="both")
    a0.legend(fontsize=6)
    a2.legend(fontsize=6)
    fig.suptitle("Zhou & Liang 2018 §3.2: plain vs residual linear networks (Thm 1 vs Thm 2)",
                 fontsize=10)
    fig.tight_layout()
    return save_png(fig, path, plt)
