"""The one-hidden-layer network ``F(W_1, W_2) = W_2 σ(W_1 X)`` (Zhou & Liang 2018, §2.3,
eq (6)) and its global minimizers (Prop 3).

Zhou–Liang study ``g(W) = ½‖W_2 σ(W_1X) − Y‖²_F`` with square ``W_1, W_2 ∈ R^{d×d}``,
``X, Y ∈ R^{d×m}``, σ entrywise and differentiable with range(σ) = R, and **no bias**. Here the
widths are free: ``W_1 ∈ R^{hidden×d_0}``, ``W_2 ∈ R^{d_out×hidden}`` (default ``d_out = d_0``,
their square setting when also ``hidden = d_0``); the model's output is the network's outputs
on the data, ``F(θ) ∈ R^{d_out×n}``, so ``SquaredLoss(np.eye(n), Y)`` is their g.

Closed forms (Zhou–Liang eqs (14)–(15), transposed to matrices, ``Z_1 = W_1X``, ``A = σ(Z_1)``):
``dF[Ẇ] = Ẇ_2 A + W_2(σ'(Z_1) ∘ Ẇ_1X)``; ``dFᵀ[G] = ((σ'(Z_1) ∘ W_2ᵀG)Xᵀ, GAᵀ)``; the curvature
pullback ``⟨G, d²F[Ẇ, ·]⟩ = ((σ''(Z_1) ∘ Ẇ_1X ∘ W_2ᵀG + σ'(Z_1) ∘ Ẇ_2ᵀG)Xᵀ,
G(σ'(Z_1) ∘ Ẇ_1X)ᵀ)``.

At a kink of σ (ReLU family: a pre-activation ``(W_1X)_{ij}`` at 0, exactly or within rounding)
F is not differentiable: ``nonsmooth_reason`` says so and classify answers "undetermined".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dlnscape.architecture import Point, as_float_matrix, positive_int
from dlnscape.errors import DlnscapeError, PointError, ShapeError
from dlnscape.models.activations import Activation, activation
from dlnscape.models.base import HvpOperator, Parametrization
from dlnscape.validate import check_rng


def data_matrix(a: object, name: str, shape: tuple[int, int] | None = None) -> np.ndarray:
    """A finite float64 data matrix (ShapeError naming ``name`` otherwise)."""
    try:
        return as_float_matrix(a, name, shape)
    except PointError as e:
        raise ShapeError(str(e)) from None


def kink_reason(sigma: Activation, Z: np.ndarray, size: np.ndarray, where: str) -> str | None:
    """A sentence naming the pre-activations of ``Z`` within rounding of a kink of σ (``size``
    bounds the terms each entry was computed from), or None."""
    if not sigma.kinks:
        return None
    mask = sigma.kink_mask(Z, size)
    if not mask.any():
        return None
    i, j = (int(x) for x in np.argwhere(mask)[0])
    c = min(sigma.kinks, key=lambda c: abs(Z[i, j] - c))
    return (f"{int(mask.sum())} pre-activation(s) of {where} lie at a kink of {sigma.name}, "
            f"e.g. entry [{i}, {j}] = {Z[i, j]:.3g} is within rounding "
            f"({1e3:g}·eps·{size[i, j]:.3g}) of the kink at {c:g}")


@dataclass(frozen=True)
class OneHiddenState:
    """What the oracles at one θ share: ``Z_1 = W_1X``, ``A = σ(Z_1)``, σ' and σ'' at Z_1."""

    theta: Point
    Z1: np.ndarray
    A: np.ndarray
    S1: np.ndarray
    S2: np.ndarray


@dataclass(frozen=True, eq=False)
class OneHiddenLayerNetwork(Parametrization):
    """``F(W_1, W_2) = W_2 σ(W_1 X)`` on data ``X ∈ R^{d_0×n}`` (Zhou & Liang, eq (6); no bias).

    ``sigma``: an activation name or :class:`~dlnscape.models.activations.Activation`
    (:func:`~dlnscape.models.activations.activation`); ``hidden``: the width of ``W_1``;
    ``d_out``: the rows of ``W_2`` (default ``d_0``, Zhou–Liang's square setting).
    """

    X: np.ndarray
    sigma: Activation | str = "tanh"
    hidden: int | None = None
    d_out: int | None = None

    def __post_init__(self) -> None:
        X = data_matrix(self.X, "X")
        if X.size == 0:
            raise ShapeError(f"X: expected a non-empty d_0 × n data matrix, got shape {X.shape}")
        object.__setattr__(self, "X", X)
        object.__setattr__(self, "sigma", activation(self.sigma))
        hidden = X.shape[0] if self.hidden is None else positive_int(self.hidden, "hidden")
        d_out = X.shape[0] if self.d_out is None else positive_int(self.d_out, "d_out")
        object.__setattr__(self, "hidden", hidden)
        object.__setattr__(self, "d_out", d_out)

    def __repr__(self) -> str:
        d0, n = self.X.shape
        return (f"OneHiddenLayerNetwork(d_0={d0}, hidden={self.hidden}, d_out={self.d_out}, "
                f"n={n}, sigma={self.sigma!r})")

    # -- layout -------------------------------------------------------------------------------
    @property
    def shapes(self) -> tuple[tuple[int, int], ...]:
        return ((self.hidden, self.X.shape[0]), (self.d_out, self.hidden))

    @property
    def output_shape(self) -> tuple[int, int]:
        return (self.d_out, self.X.shape[1])

    @property
    def block_names(self) -> tuple[str, ...]:
        return ("W_1", "W_2")

    @property
    def image_reason(self) -> str:
        return (f"a one-hidden-layer network with σ = {self.sigma.name} declares no image "
                "(F(θ) = W_2σ(W_1X) is not a determinantal variety in general)")

    def to_dict(self) -> dict:
        return {"model": "one_hidden", "sigma": self.sigma.to_dict(), "hidden": self.hidden,
                "d_out": self.d_out, "X": self.X.tolist()}

    # -- forward --------------------------------------------------------------------------------
    def jax_forward(self, theta):
        W1, W2 = theta
        from dlnscape.jax_support import jnp

        return W2 @ self.sigma.jax_fn(W1 @ jnp.asarray(self.X))

    def state(self, theta: Point) -> OneHiddenState:
        W1 = theta[0]
        Z1 = W1 @ self.X
        s = self.sigma
        return OneHiddenState(tuple(theta), Z1, s.value(Z1), s.derivative(Z1),
                              s.second_derivative(Z1))

    def forward(self, theta: Point) -> np.ndarray:
        return theta[1] @ self.sigma.value(theta[0] @ self.X)

    # -- first order (Zhou–Liang eqs (14)–(15)) ----------------------------------------------------
    def _push(self, st: OneHiddenState, dtheta: Point) -> np.ndarray:
        dW1, dW2 = dtheta
        return dW2 @ st.A + st.theta[1] @ (st.S1 * (dW1 @ self.X))

    def _pull(self, st: OneHiddenState, G: np.ndarray) -> Point:
        W2 = st.theta[1]
        return ((st.S1 * (W2.T @ G)) @ self.X.T, G @ st.A.T)

    def _curv(self, st: OneHiddenState, G: np.ndarray, dtheta: Point) -> Point:
        dW1, dW2 = dtheta
        W2 = st.theta[1]
        dZ1 = dW1 @ self.X
        g1 = st.S2 * dZ1 * (W2.T @ G) + st.S1 * (dW2.T @ G)
        return (g1 @ self.X.T, G @ (st.S1 * dZ1).T)

    def pushforward(self, theta: Point, dtheta: Point) -> np.ndarray:
        """``dF(θ)[θ̇] = Ẇ_2σ(W_1X) + W_2(σ'(W_1X) ∘ Ẇ_1X)``."""
        return self._push(self.state(theta), dtheta)

    def pullback(self, theta: Point, G: np.ndarray) -> Point:
        """``dF(θ)ᵀ[G] = ((σ'(W_1X) ∘ W_2ᵀG)Xᵀ, Gσ(W_1X)ᵀ)`` (Zhou–Liang eqs (15), (14))."""
        return self._pull(self.state(theta), np.asarray(G, dtype=np.float64))

    def curvature_pullback(self, theta: Point, G: np.ndarray, dtheta: Point) -> Point:
        """``⟨G, d²F(θ)[θ̇, ·]⟩``: the derivative of :meth:`pullback` along θ̇ (G fixed)."""
        return self._curv(self.state(theta), np.asarray(G, dtype=np.float64), dtheta)

    def jacobian(self, theta: Point) -> np.ndarray:
        """Rows row-major vec(F), columns packed θ: ``∂F_ij/∂(W_1)_ab = (W_2)_ia σ'(Z_1)_aj
        X_bj`` and ``∂F_ij/∂(W_2)_ab = δ_ia A_bj``."""
        st = self.state(theta)
        W2 = st.theta[1]
        m, n = self.output_shape
        J1 = np.einsum("ia,aj,bj->ijab", W2, st.S1, self.X).reshape(m * n, -1)
        J2 = np.einsum("ic,bj->ijcb", np.eye(m), st.A).reshape(m * n, -1)
        return np.concatenate([J1, J2], axis=1)

    def curvature_matrix(self, theta: Point, G: np.ndarray) -> np.ndarray:
        st = self.state(theta)
        G = np.asarray(G, dtype=np.float64)
        P = self.n_params
        C = np.array([self.pack(self._curv(st, G, self.unpack(e))) for e in np.eye(P)])
        return 0.5 * (C + C.T)

    def hvp_operator(self, theta: Point, loss) -> HvpOperator:
        st = self.state(theta)
        Z = st.theta[1] @ st.A
        G = loss.grad(Z)

        def apply(dtheta: Point) -> Point:
            a = self._pull(st, loss.hvp(Z, self._push(st, dtheta)))
            b = self._curv(st, G, dtheta)
            return tuple(x + y for x, y in zip(a, b, strict=True))

        return HvpOperator(apply)

    # -- kinks ----------------------------------------------------------------------------------
    def nonsmooth_reason(self, theta: Point) -> str | None:
        """Why F is not twice differentiable at θ: a pre-activation ``(W_1X)_ij`` within
        rounding of a kink of σ (``|z − c| ≤ 1e3·eps·((|W_1||X|)_ij + |c|)``), else None."""
        if not self.sigma.kinks:
            return None
        W1 = theta[0]
        return kink_reason(self.sigma, W1 @ self.X, np.abs(W1) @ np.abs(self.X),
                           "the hidden layer W_1X")


# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class OneHiddenGlobalMinimizer:
    """A global minimizer of ``½‖W_2σ(W_1X) − Y‖²`` built by Zhou–Liang Prop 3, eq (7).

    ``theta = (W_1*, W_2*)`` with ``W_2* = W̃_2* = UC`` and ``W_1* = σ⁻¹(W̃_1*X)X⁻¹``, where
    ``(W̃_2*, W̃_1*) = (UC, C⁻¹UᵀΣ_XYᵀΣ_XX⁻¹)`` is the linear network's global minimizer of
    Prop 1 (l = 2; U: the eigenvectors of ``Σ = Σ_XYᵀΣ_XX⁻¹Σ_XY``, C invertible). ``residual``
    is ``‖W_2*σ(W_1*X) − Y‖_F`` (0 up to rounding: the global minimum value is 0 since m = d).
    """

    theta: Point
    linear_theta: Point  # (W̃_1*, W̃_2*)
    U: np.ndarray
    C: np.ndarray
    hidden_output: np.ndarray  # σ(W_1*X) = W̃_1*X, full rank when Y is
    residual: float

    def to_dict(self) -> dict:
        return {"theta": [W.tolist() for W in self.theta],
                "linear_theta": [W.tolist() for W in self.linear_theta],
                "U": self.U.tolist(), "C": self.C.tolist(), "residual": self.residual}


def one_hidden_global_minimizer(X: np.ndarray, Y: np.ndarray, sigma: Activation | str,
                                *, C: np.ndarray | None = None,
                                rng: np.random.Generator | int | None = None
                                ) -> OneHiddenGlobalMinimizer:
    """Zhou & Liang 2018, Prop 3 (eq (7)): a global minimizer of
    ``g(W) = ½‖W_2σ(W_1X) − Y‖²_F`` for square data ``X, Y ∈ R^{d×d}`` (m = d), X invertible,
    σ with range R.

    ``C`` (invertible d × d) is the free matrix of Prop 1; a random one (from ``rng``) when
    None. Since m = d, ``Σ_XYᵀΣ_XX⁻¹ = YX⁻¹``, so ``W̃_2*W̃_1* = UUᵀYX⁻¹ = YX⁻¹`` and
    ``g(W*) = 0``. Errors (:class:`~dlnscape.errors.DlnscapeError`) name the argument: X not
    square or singular, Y of another shape, σ whose range is not R (e.g. ReLU), C singular.
    """
    X = data_matrix(X, "X")
    d, m = X.shape
    if d != m:
        raise ShapeError(f"X: Zhou–Liang Prop 3 needs square data (m = d samples), got shape "
                         f"{X.shape}")
    Y = data_matrix(Y, "Y", (d, m))
    sig = activation(sigma)
    if sig.range_is_real_line is not True:
        raise DlnscapeError(f"sigma: Zhou–Liang Prop 3 needs range(σ) = R; {sig.name} has "
                            + ("a smaller range" if sig.range_is_real_line is False
                               else "an undeclared range"))
    sx = np.linalg.svd(X, compute_uv=False)
    if not sx[-1] > d * np.finfo(float).eps * sx[0]:
        raise ShapeError(f"X: must be invertible (singular values {sx.tolist()})")
    Sxx = X @ X.T
    Sxy = X @ Y.T
    B = np.linalg.solve(Sxx, Sxy).T  # Σ_XYᵀ Σ_XX⁻¹ (Σ_XX symmetric)
    Sigma = B @ Sxy
    Sigma = 0.5 * (Sigma + Sigma.T)
    _, U = np.linalg.eigh(Sigma)
    U = U[:, ::-1].copy()  # eigenvectors by decreasing eigenvalue (all d of them: top d)
    if C is None:
        gen = check_rng(rng)
        C = np.eye(d) + 0.5 * gen.standard_normal((d, d)) / np.sqrt(d)
    C = data_matrix(C, "C", (d, d))
    sc = np.linalg.svd(C, compute_uv=False)
    if not sc[-1] > d * np.finfo(float).eps * sc[0]:
        raise ShapeError(f"C: must be invertible (singular values {sc.tolist()})")
    W2_lin = U @ C
    W1_lin = np.linalg.solve(C, U.T @ B)
    hidden = W1_lin @ X
    W1 = np.linalg.solve(X.T, sig.inverse(hidden).T).T  # σ⁻¹(W̃_1X) X⁻¹
    out = W2_lin @ sig.value(W1 @ X)
    return OneHiddenGlobalMinimizer((W1, W2_lin), (W1_lin, W2_lin), U, C, hidden,
                                    float(np.linalg.norm(out - Y)))


@dataclass(frozen=True)
class Prop3FormCheck:
    """Whether a point of zero loss has Zhou–Liang's form (7): ``W̃_1 := σ(W_1X)X⁻¹`` and
    ``W̃_2 := W_2`` give a zero-loss linear network and ``C := UᵀW_2`` is invertible with
    ``W̃_1 = C⁻¹UᵀYX⁻¹`` (Prop 1). Residuals are relative to ``‖Y‖``."""

    linear_residual: float
    form_residual: float
    C_condition: float
    holds: bool


def prop3_form(theta: Point, X: np.ndarray, Y: np.ndarray, sigma: Activation | str,
               rtol: float = 1e-8) -> Prop3FormCheck:
    """Check a (numerically) global minimizer θ against Zhou–Liang eq (7) — the converse of
    :func:`one_hidden_global_minimizer` ("any global minimizer can be characterized as …")."""
    sig = activation(sigma)
    X = data_matrix(X, "X")
    d = X.shape[0]
    Y = data_matrix(Y, "Y", X.shape)
    W1, W2 = (data_matrix(W, f"theta[{k}]", (d, d)) for k, W in enumerate(theta))
    A = sig.value(W1 @ X)
    W1_lin = np.linalg.solve(X.T, A.T).T
    ny = float(np.linalg.norm(Y)) or 1.0
    lin = float(np.linalg.norm(W2 @ W1_lin @ X - Y)) / ny
    B = np.linalg.solve(X @ X.T, X @ Y.T).T
    Sigma = B @ (X @ Y.T)
    _, U = np.linalg.eigh(0.5 * (Sigma + Sigma.T))
    C = U.T @ W2
    cond = float(np.linalg.cond(C))
    form = float(np.linalg.norm(C @ W1_lin - U.T @ B)) / max(float(np.linalg.norm(B)), 1e-300)
    return Prop3FormCheck(lin, form, cond, bool(lin <= rtol and form <= rtol
                                                and cond < 1.0 / (d * np.finfo(float).eps)))
