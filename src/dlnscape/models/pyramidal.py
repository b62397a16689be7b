"""Pyramidal nonlinear networks ``F_h(W) = σ_h(W_h σ_{h-1}(⋯ σ_1(W_1X)))`` (Nouiehed &
Razaviyayn 2018, §4, problem (10)) and their Lemma 6.

NR §4: ``F_1(W) = σ_1(W_1X)``, ``F_k(W) = σ_k(W_kF_{k-1}(W))`` for k = 2..h, every layer
(the output layer included) followed by its activation, **no biases**, ``W_k ∈ R^{d_k×d_{k-1}}``,
``X ∈ R^{d_0×n}``; the pyramidal setting is ``d_0 > n`` and ``d_k ≤ d_{k-1}`` (1 ≤ k ≤ h).
The model takes the layer widths ``(d_1, …, d_h)`` (``d_0`` is X's row count) and requires
them non-increasing after the first hidden layer (``d_1 ≥ d_2 ≥ … ≥ d_h``; Nguyen–Hein allow a
wide first layer); whether the full §4 hypotheses hold at a point is reported by
:func:`lemma6`. Use ``"identity"`` for a linear output layer.

Closed forms: backpropagation on the activations ``A_0 = X``, ``Z_k = W_kA_{k-1}``,
``A_k = σ_k(Z_k)``: JVP ``Ż_k = Ẇ_kA_{k-1} + W_kȦ_{k-1}``, ``Ȧ_k = σ_k'(Z_k) ∘ Ż_k``; VJP
``δ_h = G``, ``g_k = σ_k'(Z_k) ∘ δ_k``, ``∇_{W_k} = g_kA_{k-1}ᵀ``, ``δ_{k-1} = W_kᵀg_k``; the
curvature pullback by differentiating the VJP along θ̇ (forward-over-reverse).

Lemma 6 (NR): with continuous strictly monotone σ_i and every ``W_i`` of full row rank, F_h is
locally open at W; by their Observation 1 a local minimum W̄ with full-row-rank layers then maps
to a local minimum of ℓ on the image, global when ℓ and the image are convex. :func:`lemma6`
checks the hypotheses at a point, and proves local openness there when F is smooth at W and its
Jacobian has full rank ``d_h·n`` (submersion theorem); at such a point a critical point of
``ℓ ∘ F_h`` has ``∇ℓ(F_h(W)) = 0`` (``dF_hᵀ`` is injective), so for convex ℓ it is a global
minimum — whether or not the image is convex.

Finding (NR §4, first paragraph): "when X is full column rank and the σ_i are continuous and
strictly monotone, the image of F_h is convex" is false for the logistic σ that NR name as an
example: with ``d = (3, 1, 1)``, ``n = 2`` and σ_1 = σ_2 = sigmoid every output has both entries
on the same side of ½ (``w_2σ(w_1X)`` has entries of one sign), yet both sides are attained, so
midpoints with entries on opposite sides are not in the image (tests/models/test_pyramidal.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from dlnscape.architecture import Point, positive_int
from dlnscape.errors import ArchitectureError, DlnscapeError, ShapeError
from dlnscape.linalg import numerical_rank
from dlnscape.models.activations import activations
from dlnscape.models.base import HvpOperator, Parametrization
from dlnscape.models.one_hidden import data_matrix, kink_reason


@dataclass(frozen=True)
class LayerState:
    """Activations ``A_0 = X, A_1, …, A_h``, pre-activations ``Z_1..Z_h`` and ``σ_k', σ_k''``
    at them, for one θ."""

    theta: Point
    A: tuple[np.ndarray, ...]
    Z: tuple[np.ndarray, ...]
    S1: tuple[np.ndarray, ...]
    S2: tuple[np.ndarray, ...]


@dataclass(frozen=True, eq=False)
class PyramidalNetwork(Parametrization):
    """``F_h(W) = σ_h(W_h ⋯ σ_1(W_1X))`` (Nouiehed–Razaviyayn §4, problem (10)).

    ``widths = (d_1, …, d_h)`` (non-increasing from d_1 on); ``sigmas``: one activation for
    every layer or a sequence of h (names or :class:`Activation`).
    """

    X: np.ndarray
    widths: tuple[int, ...]
    sigmas: Sequence = "tanh"

    def __post_init__(self) -> None:
        X = data_matrix(self.X, "X")
        if X.size == 0:
            raise ShapeError(f"X: expected a non-empty d_0 × n data matrix, got shape {X.shape}")
        object.__setattr__(self, "X", X)
        if isinstance(self.widths, (int, np.integer)) and not isinstance(self.widths, bool):
            ws = (self.widths,)
        else:
            try:
                ws = tuple(self.widths)
            except TypeError:
                raise ArchitectureError(f"widths: expected a sequence of layer widths "
                                        f"(d_1, …, d_h), got {self.widths!r}") from None
        if not ws:
            raise ArchitectureError("widths: expected at least one layer width (d_1, …, d_h)")
        ws = tuple(positive_int(w, f"widths[{i}]") for i, w in enumerate(ws))
        bad = [i for i in range(1, len(ws)) if ws[i] > ws[i - 1]]
        if bad:
            i = bad[0]
            raise ArchitectureError(
                f"widths: a pyramidal network (Nouiehed–Razaviyayn §4) has non-increasing "
                f"widths d_1 ≥ d_2 ≥ … ≥ d_h, but d_{i + 1} = {ws[i]} > d_{i} = {ws[i - 1]} "
                f"in {ws}")
        object.__setattr__(self, "widths", ws)
        object.__setattr__(self, "sigmas", activations(self.sigmas, len(ws)))

    def __repr__(self) -> str:
        d0, n = self.X.shape
        names = ", ".join(s.name for s in self.sigmas)
        return f"PyramidalNetwork(d={[d0, *self.widths]}, n={n}, sigmas=[{names}])"

    # -- layout -------------------------------------------------------------------------------
    @property
    def h(self) -> int:
        return len(self.widths)

    @property
    def all_widths(self) -> tuple[int, ...]:
        """``(d_0, d_1, …, d_h)``."""
        return (self.X.shape[0], *self.widths)

    @property
    def shapes(self) -> tuple[tuple[int, int], ...]:
        d = self.all_widths
        return tuple((d[k + 1], d[k]) for k in range(self.h))

    @property
    def output_shape(self) -> tuple[int, int]:
        return (self.widths[-1], self.X.shape[1])

    @property
    def block_names(self) -> tuple[str, ...]:
        return tuple(f"W_{k}" for k in range(1, self.h + 1))

    @property
    def image_reason(self) -> str:
        return ("a pyramidal nonlinear network declares no image (its image is not a "
                "determinantal variety, and need not be convex: see dlnscape.models.pyramidal)")

    def to_dict(self) -> dict:
        return {"model": "pyramidal", "widths": list(self.widths),
                "sigmas": [s.to_dict() for s in self.sigmas], "X": self.X.tolist()}

    # -- forward ------------------------------------------------------------------------------
    def jax_forward(self, theta):
        from dlnscape.jax_support import jnp

        A = jnp.asarray(self.X)
        for W, s in zip(theta, self.sigmas, strict=True):
            A = s.jax_fn(W @ A)
        return A

    def forward(self, theta: Point) -> np.ndarray:
        A = self.X
        for W, s in zip(theta, self.sigmas, strict=True):
            A = s.value(W @ A)
        return A

    def state(self, theta: Point) -> LayerState:
        A, Z, S1, S2 = [self.X], [], [], []
        for W, s in zip(theta, self.sigmas, strict=True):
            z = W @ A[-1]
            Z.append(z)
            A.append(s.value(z))
            S1.append(s.derivative(z))
            S2.append(s.second_derivative(z))
        return LayerState(tuple(theta), tuple(A), tuple(Z), tuple(S1), tuple(S2))

    # -- derivatives ------------------------------------------------------------------------
    @staticmethod
    def _tangent(st: LayerState, dtheta: Point) -> tuple[list, list]:
        """``[Ż_1..Ż_h]`` and ``[Ȧ_0 = 0, Ȧ_1..Ȧ_h]`` (Ȧ_0 as None)."""
        dZ, dA = [], [None]
        for k, (W, dW) in enumerate(zip(st.theta, dtheta, strict=True)):
            z = dW @ st.A[k]
            if dA[-1] is not None:
                z = z + W @ dA[-1]
            dZ.append(z)
            dA.append(st.S1[k] * z)
        return dZ, dA

    @staticmethod
    def _pull(st: LayerState, G: np.ndarray) -> Point:
        h = len(st.theta)
        out: list[np.ndarray] = [np.empty(0)] * h
        delta = G
        for k in range(h - 1, -1, -1):
            g = st.S1[k] * delta
            out[k] = g @ st.A[k].T
            if k:
                delta = st.theta[k].T @ g
        return tuple(out)

    def _curv(self, st: LayerState, G: np.ndarray, dtheta: Point) -> Point:
        dZ, dA = self._tangent(st, dtheta)
        h = self.h
        out: list[np.ndarray] = [np.empty(0)] * h
        delta, ddelta = G, None
        for k in range(h - 1, -1, -1):
            g = st.S1[k] * delta
            dg = st.S2[k] * dZ[k] * delta
            if ddelta is not None:
                dg = dg + st.S1[k] * ddelta
            o = dg @ st.A[k].T
            if dA[k] is not None:
                o = o + g @ dA[k].T
            out[k] = o
            if k:
                W, dW = st.theta[k], dtheta[k]
                ddelta = dW.T @ g + W.T @ dg
                delta = W.T @ g
        return tuple(out)

    def pushforward(self, theta: Point, dtheta: Point) -> np.ndarray:
        """``dF_h(θ)[θ̇] = Ȧ_h`` (forward tangent recursion)."""
        return self._tangent(self.state(theta), dtheta)[1][-1]

    def pullback(self, theta: Point, G: np.ndarray) -> Point:
        """``dF_h(θ)ᵀ[G]`` per layer: ``g_kA_{k-1}ᵀ`` (backpropagation)."""
        return self._pull(self.state(theta), np.asarray(G, dtype=np.float64))

    def curvature_pullback(self, theta: Point, G: np.ndarray, dtheta: Point) -> Point:
        """``⟨G, d²F_h(θ)[θ̇, ·]⟩``: backpropagation differentiated along θ̇."""
        return self._curv(self.state(theta), np.asarray(G, dtype=np.float64), dtheta)

    def jacobian(self, theta: Point) -> np.ndarray:
        st = self.state(theta)
        cols = [self._tangent(st, self.unpack(e))[1][-1].ravel() for e in np.eye(self.n_params)]
        return np.array(cols).T.reshape(int(np.prod(self.output_shape)), self.n_params)

    def curvature_matrix(self, theta: Point, G: np.ndarray) -> np.ndarray:
        st = self.state(theta)
        G = np.asarray(G, dtype=np.float64)
        C = np.array([self.pack(self._curv(st, G, self.unpack(e))) for e in np.eye(self.n_params)])
        return 0.5 * (C + C.T)

    def hvp_operator(self, theta: Point, loss) -> HvpOperator:
        st = self.state(theta)
        Z = st.A[-1]
        G = loss.grad(Z)

        def apply(dtheta: Point) -> Point:
            Zd = self._tangent(st, dtheta)[1][-1]
            a = self._pull(st, loss.hvp(Z, Zd))
            b = self._curv(st, G, dtheta)
            return tuple(x + y for x, y in zip(a, b, strict=True))

        return HvpOperator(apply)

    # -- kinks --------------------------------------------------------------------------------
    def nonsmooth_reason(self, theta: Point) -> str | None:
        """A pre-activation ``(W_kA_{k-1})_ij`` of a kinked σ_k within rounding of the kink
        (``|z − c| ≤ 1e3·eps·((|W_k||A_{k-1}|)_ij + |c|)``), else None."""
        A = self.X
        for k, (W, s) in enumerate(zip(theta, self.sigmas, strict=True), start=1):
            Z = W @ A
            why = kink_reason(s, Z, np.abs(W) @ np.abs(A), f"layer {k} (W_{k}A_{k - 1})")
            if why is not None:
                return why
            A = s.value(Z)
        return None


# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Lemma6Report:
    """Nouiehed–Razaviyayn Lem 6 at one point, with the evidence.

    Hypotheses of Lem 6: ``activations_ok`` (every σ_i continuous and strictly monotone) and
    ``full_row_rank`` (per layer, numerical rank with gap; ``rank_ambiguous`` when a layer's gap
    is too small to decide). §4 setting: ``pyramidal`` (d_k ≤ d_{k-1} for 1 ≤ k ≤ h, the first
    layer included), ``d0_exceeds_n`` and ``X_full_column_rank``.
    ``smooth``: F is twice differentiable at θ (no pre-activation at a kink);
    ``jacobian_rank`` / ``output_dim``: rank of dF(θ) against ``d_h·n`` (``jacobian_ambiguous``:
    its gap is too small). ``submersion`` (proves local openness onto a neighbourhood of F(θ))
    needs ``smooth`` and an unambiguous full Jacobian rank.
    ``lemma_applies``: the Lem 6 hypotheses hold (so the lemma *claims* openness). A
    rank-deficient Jacobian does not contradict the lemma (σ(x) = x − tanh x is strictly
    monotone and open with σ'(0) = 0); only ``submersion`` is a proof.
    """

    activations_ok: bool
    full_row_rank: tuple[bool, ...]
    rank_ambiguous: bool
    pyramidal: bool
    d0_exceeds_n: bool
    X_full_column_rank: bool
    smooth: bool
    nonsmooth_reason: str | None
    jacobian_rank: int | None
    output_dim: int
    jacobian_gap: float | None
    jacobian_ambiguous: bool = False

    @property
    def lemma_applies(self) -> bool:
        return self.activations_ok and all(self.full_row_rank) and not self.rank_ambiguous

    @property
    def submersion(self) -> bool:
        return (self.smooth and self.jacobian_rank == self.output_dim
                and not self.jacobian_ambiguous)

    def to_dict(self) -> dict:
        return {"activations_ok": self.activations_ok, "full_row_rank": list(self.full_row_rank),
                "rank_ambiguous": self.rank_ambiguous, "pyramidal": self.pyramidal,
                "d0_exceeds_n": self.d0_exceeds_n, "X_full_column_rank": self.X_full_column_rank,
                "smooth": self.smooth, "nonsmooth_reason": self.nonsmooth_reason,
                "jacobian_rank": self.jacobian_rank, "output_dim": self.output_dim,
                "jacobian_gap": self.jacobian_gap, "jacobian_ambiguous": self.jacobian_ambiguous,
                "lemma_applies": self.lemma_applies, "submersion": self.submersion}


def lemma6(model: PyramidalNetwork, theta: Point) -> Lemma6Report:
    """Check Nouiehed & Razaviyayn 2018, Lem 6 (§4) at ``theta``: its hypotheses, the §4
    setting, and the Jacobian-rank evidence for local openness (see :class:`Lemma6Report`)."""
    if not isinstance(model, PyramidalNetwork):
        raise DlnscapeError(f"model: expected a PyramidalNetwork, got {type(model).__name__}")
    theta = model.check(theta)
    acts_ok = all(s.strictly_monotone is True and s.continuous for s in model.sigmas)
    decs = [numerical_rank(W) for W in theta]
    frr = tuple(dec.rank == W.shape[0] for dec, W in zip(decs, theta, strict=True))
    ambiguous = any(dec.ambiguous for dec in decs)
    d = model.all_widths
    d0, n = model.X.shape
    pyramidal = all(d[k] <= d[k - 1] for k in range(1, len(d)))
    xdec = numerical_rank(model.X)
    why = model.nonsmooth_reason(theta)
    jrank, jgap, jamb = None, None, False
    out_dim = int(np.prod(model.output_shape))
    if why is None:
        jdec = numerical_rank(model.jacobian(theta))
        jrank, jgap, jamb = jdec.rank, jdec.gap, jdec.ambiguous
    return Lemma6Report(acts_ok, frr, ambiguous, pyramidal, d0 > n,
                        xdec.rank == n and not xdec.ambiguous, why is None, why, jrank, out_dim,
                        jgap, jamb)
