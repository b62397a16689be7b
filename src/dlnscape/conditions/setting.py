"""The Zhou–Liang setting of a landscape: which network of the text it is, its data in the
text's normalisation, the global minimum, and the error Jacobian G(θ).

Zhou & Liang 2018 (docs/bibliography.md) study three square networks with the loss
``½‖e‖_F²`` of the error matrix e:

=============  ==========================================  ==========================  ========
kind           package model                               e(θ)                        text
=============  ==========================================  ==========================  ========
``linear``     ``LinearNetwork([d] * (l + 1))``            ``W_l ⋯ W_1 X − Y``         eq (1)
``residual``   ``ResidualLinearNetwork(d, l, r)``          ``Π_k (I + A_{kr}⋯A_{k1}) X − Y``  eq (3)
``one_hidden`` ``OneHiddenLayerNetwork(X, σ, d, d)``       ``W_2 σ(W_1 X) − Y``        eq (6)
=============  ==========================================  ==========================  ========

Loss normalisation (catalog §0.2). The text's h, f, g carry a ½, like the package's
:class:`~dlnscape.losses.SquaredLoss` ``½‖WX − Y‖²``, so for a SquaredLoss no conversion is
made (``loss_factor = 1``). A :class:`~dlnscape.losses.DistanceLoss` without φ is
``‖F − Q0‖² = 2 · ½‖F·I − Q0‖²``: the text's loss with ``X = I``, ``Y = Q0`` times
``loss_factor = 2``; every constant is converted where it is used (``λ_L = λ/c``,
``α_L = α/c``, ``β_L = c·β``) and the conversion is stated in the result. For the one-hidden
network the package puts X inside the model (its output is ``W_2σ(W_1X)``), so the loss must be
``SquaredLoss(I, Y)`` (or ``DistanceLoss(Y)``).

Vectorisation. The text stacks columns (vec) in the denominator layout; the package packs each
block row-major. Norms, inner products and singular values do not depend on the order, so every
quantity here is computed in the package's packed coordinates: :func:`error_jacobian` is
``∂ vec_row(e) / ∂θ_packed``, which is the text's ``G(W)`` (eq (9)), ``Q(A)`` (eq (12)) or
``H(W)`` (eq (24)) with rows and columns permuted (``dlnscape.texts.zhou_liang`` checks this
against the text's own column-major formulas).

Data (§2): ``X, Y ∈ R^{d×m}``, ``Σ_XX = XXᵀ`` invertible. The theorems assume m = d; for the
linear and residual networks m > d is accepted as an extension (``L − L*`` with the true
minimum, see :mod:`dlnscape.conditions.dominance`) and flagged in ``hypotheses``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from dlnscape.architecture import Point
from dlnscape.errors import DlnscapeError, LossError, PointError
from dlnscape.validate import check_rng

EPS = float(np.finfo(np.float64).eps)
#: a matrix is "full rank" for the theorems when σ_min > FULL_RANK_RTOL · σ_max
FULL_RANK_RTOL = 1e-10
#: θ* counts as a global minimizer when L(θ*) − L* ≤ GLOBAL_RTOL · (loss scale)
GLOBAL_RTOL = 1e-9

KINDS = ("linear", "residual", "one_hidden")


@dataclass(frozen=True)
class ZhouLiangProblem:
    """A landscape read as one of Zhou–Liang's three networks (module docstring).

    ``X, Y``: the text's data (d × m); ``l``: layers (linear), units (residual) or 2
    (one-hidden); ``r``: layers per unit (1 otherwise); ``loss_factor`` c: ``L = c·(text's
    loss)``; ``L_star``: the global minimum of L (``c·½(Tr Σ_YY − Σλ_i(Σ))``, 0 when m = d).
    """

    kind: str
    d: int
    m: int
    l: int
    r: int
    X: np.ndarray
    Y: np.ndarray
    loss_factor: float
    L_star: float
    sigma: object | None
    conversion: str
    hypotheses: dict

    @property
    def square_data(self) -> bool:
        return self.m == self.d

    def to_dict(self) -> dict:
        return {"kind": self.kind, "d": self.d, "m": self.m, "l": self.l, "r": self.r,
                "loss_factor": self.loss_factor, "L_star": self.L_star,
                "sigma": None if self.sigma is None else self.sigma.to_dict(),
                "conversion": self.conversion, "hypotheses": dict(self.hypotheses)}


def _loss_data(loss, kind: str, d_out: int, d_in: int) -> tuple[np.ndarray, np.ndarray, float, str]:
    """(X_loss, Y, c, sentence) for a SquaredLoss or a φ-free DistanceLoss."""
    from dlnscape.losses import DistanceLoss, SquaredLoss

    if isinstance(loss, SquaredLoss):
        return (loss.X, loss.Y, 1.0,
                "SquaredLoss ½‖FX − Y‖² is the text's ½‖e‖² (no conversion)")
    if isinstance(loss, DistanceLoss) and loss.phi is None:
        return (np.eye(d_in), loss.Q0, 2.0,
                "DistanceLoss ‖F − Q0‖² = 2·(½‖F·I − Q0‖²): the text's loss with X = I, "
                "Y = Q0 times 2; constants converted (λ/2, α/2, 2β)")
    raise LossError(
        f"landscape.loss: Zhou & Liang's theorems are about the squared loss ½‖e‖²; got "
        f"{type(loss).__name__}" + (" with a metric φ" if isinstance(loss, DistanceLoss) else "")
        + " (use SquaredLoss, or DistanceLoss without phi)")


def _check_data(X: np.ndarray, Y: np.ndarray, d: int, what: str) -> int:
    if X.shape[0] != d or Y.shape[0] != d or X.shape[1] != Y.shape[1]:
        raise LossError(f"{what}: Zhou & Liang's square networks need X, Y ∈ R^{{d×m}} with "
                        f"d = {d}; got X {X.shape}, Y {Y.shape}")
    m = X.shape[1]
    s = np.linalg.svd(X, compute_uv=False)
    if m < d or s[-1] <= FULL_RANK_RTOL * s[0]:
        raise LossError(f"{what}: Zhou & Liang (§2) assume Σ_XX = XXᵀ invertible (m ≥ d and "
                        f"rank X = d); X ({d}×{m}) has singular values "
                        f"{np.array2string(s, precision=3)}")
    return m


def zhou_liang_problem(landscape) -> ZhouLiangProblem:
    """Read ``landscape`` as a square linear, residual or one-hidden-layer network of Zhou &
    Liang 2018 (§2, eqs (1), (3), (6)); a :class:`~dlnscape.errors.DlnscapeError` naming
    ``landscape.model`` or ``landscape.loss`` otherwise."""
    from dlnscape.landscape import Landscape
    from dlnscape.models.linear import LinearNetwork
    from dlnscape.models.one_hidden import OneHiddenLayerNetwork
    from dlnscape.models.residual import ResidualLinearNetwork

    if not isinstance(landscape, Landscape):
        raise DlnscapeError(f"landscape: expected a dlnscape.Landscape, got "
                            f"{type(landscape).__name__}")
    model = landscape.model
    hyp: dict = {}
    sigma = None
    if isinstance(model, LinearNetwork):
        widths = tuple(model.arch.widths)
        if len(set(widths)) != 1:
            raise DlnscapeError(
                f"landscape.model: Zhou & Liang Thm 1/4 need square layers (all widths equal, "
                f"W_k ∈ R^{{d×d}}); got widths {list(widths)}")
        kind, d, l, r = "linear", widths[0], model.arch.h, 1
        Xl, Y, c, conv = _loss_data(landscape.loss, kind, d, d)
        X = Xl
        m = _check_data(X, Y, d, "landscape.loss")
    elif isinstance(model, ResidualLinearNetwork):
        kind, d, l, r = "residual", model.d, model.units, model.layers_per_unit
        Xl, Y, c, conv = _loss_data(landscape.loss, kind, d, d)
        X = Xl
        m = _check_data(X, Y, d, "landscape.loss")
    elif isinstance(model, OneHiddenLayerNetwork):
        kind, l, r = "one_hidden", 2, 1
        d, n = model.X.shape
        if model.hidden != d or model.d_out != d:
            raise DlnscapeError(
                f"landscape.model: Zhou & Liang Thm 3/6 need square W_1, W_2 ∈ R^{{d×d}}; got "
                f"d_0 = {d}, hidden = {model.hidden}, d_out = {model.d_out}")
        Xl, Y, c, conv = _loss_data(landscape.loss, kind, d, n)
        if Xl.shape != (n, n) or not np.array_equal(Xl, np.eye(n)):
            raise LossError("landscape.loss: the one-hidden network's output is W_2σ(W_1X) "
                            "(X is inside the model), so the loss must be SquaredLoss(I, Y)")
        X = model.X
        m = _check_data(X, Y, d, "landscape.model.X")
        if m != d:
            raise DlnscapeError(
                f"landscape.model.X: Zhou & Liang Thm 3/6 assume m = d (square data, zero "
                f"global minimum); got d = {d}, m = {m}")
        sigma = model.sigma
        if sigma.range_is_real_line is not True:
            raise DlnscapeError(f"landscape.model.sigma: Zhou & Liang Thm 3/6 assume "
                                f"range(σ) = R; {sigma.name} does not have it")
        hyp["σ differentiable (no kinks)"] = not sigma.kinks
    else:
        raise DlnscapeError(
            f"landscape.model: gradient dominance and regularity constants are Zhou & Liang's "
            f"for LinearNetwork (square layers), ResidualLinearNetwork and "
            f"OneHiddenLayerNetwork; got {model!r}")
    hyp["m = d"] = m == d
    if kind == "one_hidden":
        L_star = 0.0
    else:
        P = np.linalg.solve(X @ X.T, X @ Y.T).T  # Σ_XYᵀΣ_XX⁻¹
        R = P @ X - Y
        L_star = c * 0.5 * float(np.vdot(R, R))
    return ZhouLiangProblem(kind, int(d), int(m), int(l), int(r), np.asarray(X, float),
                            np.asarray(Y, float), float(c), float(L_star), sigma, conv, hyp)


# ----------------------------------------------------------------------------------------------
def blocks(problem: ZhouLiangProblem, theta: Point) -> list[list[np.ndarray]]:
    """θ as units of factors: ``[[W_1], …, [W_l]]`` (linear), ``[[A_11, …, A_1r], …]``
    (residual), ``[[W_1], [W_2]]`` (one-hidden)."""
    r = problem.r
    return [list(theta[k * r:(k + 1) * r]) for k in range(len(theta) // r)]


def chain(mats: Sequence[np.ndarray], d: int) -> np.ndarray:
    """``mats[-1] ⋯ mats[0]`` (``I_d`` for an empty list)."""
    out = np.eye(d)
    for M in mats:
        out = M @ out
    return out


def unit_matrices(problem: ZhouLiangProblem, theta: Point) -> list[np.ndarray]:
    """The W_k of the text: the layers (linear) or ``I + A_{kr}⋯A_{k1}`` (residual)."""
    if problem.kind == "linear":
        return [np.asarray(W) for W in theta]
    if problem.kind == "residual":
        return [np.eye(problem.d) + chain(u, problem.d) for u in blocks(problem, theta)]
    raise DlnscapeError("unit_matrices: the one-hidden network has no unit matrices")


def error(problem: ZhouLiangProblem, landscape, theta: Point) -> np.ndarray:
    """The text's error matrix e(θ) (d × m)."""
    F = landscape.model.forward(theta)
    if problem.kind == "one_hidden":
        return F - problem.Y
    return F @ problem.X - problem.Y


def error_size(problem: ZhouLiangProblem, theta: Point) -> float:
    """A bound on the size of the terms e(θ) is computed from (its rounding error is a few ulps
    of this): ``Π‖W_k‖·‖X‖ + ‖Y‖`` (linear), ``Π_k(√d + Π_q‖A_kq‖)·‖X‖ + ‖Y‖`` (residual),
    ``‖W_2‖‖σ(W_1X)‖ + ‖Y‖`` (one-hidden), Frobenius norms."""
    nY = float(np.linalg.norm(problem.Y))
    nX = float(np.linalg.norm(problem.X))
    if problem.kind == "linear":
        return float(np.prod([np.linalg.norm(W) for W in theta])) * nX + nY
    if problem.kind == "residual":
        sd = float(np.sqrt(problem.d))
        return float(np.prod([sd + np.prod([np.linalg.norm(A) for A in u])
                              for u in blocks(problem, theta)])) * nX + nY
    W1, W2 = theta
    A = problem.sigma.value(W1 @ problem.X)
    return float(np.linalg.norm(W2) * np.linalg.norm(A)) + nY


def error_jacobian(problem: ZhouLiangProblem, landscape, theta: Point) -> np.ndarray:
    """``∂ vec_row(e)/∂θ_packed`` (dm × P): the text's G (eq (9)), Q (eq (12)) or H (eq (24)) up
    to a permutation of rows and of columns (module docstring). ``e = F X − Y`` for the linear
    models: ``vec_row(dF X) = (I ⊗ Xᵀ) vec_row(dF)``."""
    J = landscape.model.jacobian(theta)
    if problem.kind == "one_hidden":
        return J
    d = problem.d
    return np.kron(np.eye(d), problem.X.T) @ J


def sigma_min(M: np.ndarray) -> float:
    """σ_d of a d × m matrix (m ≥ d): the text's η_min at a full-rank matrix; 0 when M is
    numerically rank deficient (σ_d ≤ FULL_RANK_RTOL·σ_1)."""
    s = np.linalg.svd(np.asarray(M, dtype=np.float64), compute_uv=False)
    if s.size == 0 or s[0] == 0.0:
        return 0.0
    k = min(M.shape)
    sd = float(s[k - 1])
    return sd if sd > FULL_RANK_RTOL * float(s[0]) else 0.0


def loss_scale(problem: ZhouLiangProblem, landscape, theta: Point) -> float:
    """``c·½(size of e's terms)²``: what a loss value is relative to."""
    return problem.loss_factor * 0.5 * error_size(problem, theta) ** 2


def check_global(problem: ZhouLiangProblem, landscape, theta_star, name: str = "theta_star"
                 ) -> tuple[Point, float]:
    """θ* validated for the model and checked to be a global minimizer (``L(θ*) − L* ≤
    GLOBAL_RTOL · loss scale``); returns ``(θ*, L(θ*) − L*)``. The theorems are about global
    minimizers (Zhou & Liang Thm 1–6), so anything else is a :class:`PointError`."""
    theta = landscape.point(theta_star, name)
    excess = landscape.value(theta) - problem.L_star
    scale = loss_scale(problem, landscape, theta)
    if excess > GLOBAL_RTOL * scale:
        raise PointError(
            f"{name}: not a global minimizer: L(θ*) − L* = {excess:.3g} (relative "
            f"{excess / scale:.2g} > {GLOBAL_RTOL:g}); the Zhou & Liang constants are defined at "
            "global minimizers — build one with --construct (Prop 1/2/3)")
    return theta, float(excess)


def construct_global_minimizer(landscape, rng=0) -> Point:
    """A global minimizer of the landscape's loss built by Zhou & Liang Prop 1 (eq (2)),
    Prop 2 (eq (4)) or Prop 3 (eq (7)) (:mod:`dlnscape.models.minimizers`,
    :func:`~dlnscape.models.one_hidden.one_hidden_global_minimizer`), with the free invertible
    matrices drawn from ``rng``."""
    from dlnscape.models.minimizers import deep_linear_global_minimizer, residual_global_minimizer
    from dlnscape.models.one_hidden import one_hidden_global_minimizer

    p = zhou_liang_problem(landscape)
    gen = check_rng(rng)
    if p.kind == "linear":
        theta = deep_linear_global_minimizer(p.X, p.Y, p.l, rng=gen)
    elif p.kind == "residual":
        last = None
        for _ in range(20):  # Prop 2 needs W_k* − I invertible: redraw Ĉ if it is not
            try:
                theta = residual_global_minimizer(p.X, p.Y, p.l, p.r, rng=gen)
                break
            except PointError as e:
                last = e
        else:
            raise PointError(f"construct: no full-rank residual minimizer found: {last}")
    else:
        theta = one_hidden_global_minimizer(p.X, p.Y, p.sigma, rng=gen).theta
    return landscape.point(tuple(theta), "constructed theta_star")
