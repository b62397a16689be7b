"""The deep linear network μ_d(W_1, …, W_h) = W_h ⋯ W_1 and its derivatives.

Notation: ``W_{>k} = W_h ⋯ W_{k+1}`` and ``W_{<k} = W_{k-1} ⋯ W_1`` (Trager et al. 2020, §2;
identities at the ends). In code, with 0-based layers, ``W_{<k}`` is ``P[k]`` of
:func:`~dlnscape.architecture.prefix_products` and ``W_{>k}`` is ``S[k + 1]`` of
:func:`~dlnscape.architecture.suffix_products`.

First derivative (Laurent–von Brecht Lemma 1 / Hofflin 2023, Lemma 3.1):
``dμ[Ẇ] = Σ_k W_{>k} Ẇ_k W_{<k}``, with pullback ``∇_{W_k} = W_{>k}ᵀ G W_{<k}ᵀ``.
μ is multilinear, so its second derivative pairs distinct layers only:
``d²μ[Ẇ, Ẇ'] = Σ_{j≠i} W_{>j} Ẇ_j W_{j-1}⋯W_{i+1} Ẇ'_i W_{<i}`` (j > i, symmetrised).

Gradients and Hessian-vector products are computed by backpropagation on *activations*
``A_k = W_k A_{k-1}`` from an input block ``A_0``: the data ``X`` (``n`` columns) for a loss on
data ``l(W) = ℓ(WX)``, or the identity ``I_{d_0}`` (``A_0 = None``, never formed) otherwise, so
that no product of more than two matrices is formed that the chosen input block does not need.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from dlnscape.architecture import (
    Architecture,
    Point,
    check_point,
    end_to_end,
    prefix_products,
    suffix_products,
)
from dlnscape.models.base import DeterminantalImage, HvpOperator, ModelScale, Parametrization

#: ``(Z, Ż) ↦ (∇ℓ(Z), ∇²ℓ(Z)[Ż])`` on the output block ``Z = A_h``
OutputDerivatives = Callable[[np.ndarray], np.ndarray]


@dataclass(frozen=True)
class HvpState:
    """What Hessian-vector products at a fixed ``theta`` share: activations and back-propagated
    output gradients ``δ_k = W_{>k}ᵀ ∇ℓ(A_h)`` (so that ``∇_{W_k} L = δ_k A_{k-1}ᵀ``)."""

    theta: Point
    acts: tuple[np.ndarray | None, ...]  # A_0 (None: identity), A_1, …, A_h
    deltas: tuple[np.ndarray | None, ...]  # δ_1 (None: HVPs never need it), δ_2, …, δ_h
    output_hvp: Callable[[np.ndarray], np.ndarray]  # Ż ↦ ∇²ℓ(Z)[Ż]


class ArchitectureBlocks:
    """The parameter blocks of a model on an :class:`Architecture`: layers ``W_1, …, W_h`` of
    shapes ``(d_i, d_{i-1})`` and a ``d_h × d_0`` output (linear and normalized networks)."""

    arch: Architecture

    @property
    def shapes(self) -> tuple[tuple[int, int], ...]:
        return self.arch.shapes

    @property
    def output_shape(self) -> tuple[int, int]:
        return self.arch.end_to_end_shape

    @property
    def block_names(self) -> tuple[str, ...]:
        return tuple(f"W_{i}" for i in range(1, self.arch.h + 1))


@dataclass(frozen=True)
class LinearNetwork(ArchitectureBlocks, Parametrization):
    """μ_d for an :class:`Architecture` (Trager et al. 2020, §2): a polynomial model of degree
    h whose image is M_r (r = min widths), with the GL symmetry on hidden layers, fiber moves
    and Eckart–Young / closed-form global minima declared."""

    arch: Architecture
    polynomial_degree = None  # set per instance in __post_init__ (h)
    ball_arithmetic = True

    def __post_init__(self) -> None:
        if not isinstance(self.arch, Architecture):
            object.__setattr__(self, "arch", Architecture(self.arch))
        object.__setattr__(self, "polynomial_degree", self.arch.h)

    def __repr__(self) -> str:
        return f"LinearNetwork({list(self.arch.widths)})"

    # -- protocol: layout (ArchitectureBlocks), forward, structure ----------------------------
    @property
    def layout(self) -> Architecture:
        return self.arch

    def check(self, theta: Sequence[np.ndarray], name: str = "theta", *,
              domain: bool = True) -> Point:
        return check_point(self.arch, theta, name)

    def forward(self, theta: Point) -> np.ndarray:
        return end_to_end(theta)

    def jax_forward(self, theta):
        W = theta[0]
        for Wi in theta[1:]:
            W = Wi @ W
        return W

    def ring_forward(self, blocks, ring):
        W = blocks[0]
        for Wi in blocks[1:]:
            W = ring.mul(Wi, W)
        return W

    def ring_pullback(self, blocks, G, ring):
        """``W_{>k}ᵀ G W_{<k}ᵀ`` per layer (Hofflin 2023, Lem 3.1)."""
        h = len(blocks)
        out = []
        for k in range(h):
            left = G
            for j in range(h - 1, k, -1):
                left = ring.mul(ring.transpose(blocks[j]), left)
            for j in range(k):
                left = ring.mul(left, ring.transpose(blocks[j]))
            out.append(left)
        return out

    @property
    def image(self) -> DeterminantalImage:
        m, n = self.arch.end_to_end_shape
        return DeterminantalImage(m, n, self.arch.r)

    def global_minimum_report(self, loss):
        from dlnscape.functional.global_minimum import global_minimum_report

        rep = global_minimum_report(loss, self.arch)
        return rep.minimum, rep.reason

    def fiber_moves(self, theta: Point, rng=None, delta: float = 1.0, per_kernel: int = 1):
        from dlnscape.geometry.fibers import fiber_moves

        return fiber_moves(theta, rng=rng, delta=delta, per_kernel=per_kernel)

    def orbit_tangent(self, theta: Point):
        from dlnscape.geometry.fibers import orbit_tangent_basis

        return orbit_tangent_basis(theta)

    @property
    def linear_network(self) -> LinearNetwork:
        return self

    def to_dict(self) -> dict:
        return {"model": "linear", "widths": list(self.arch.widths)}

    def scale(self, theta: Point) -> ModelScale:
        """W is a sum of terms of size Π‖W_j‖, and ``‖∂μ/∂W_k‖ ≤ Π_{j≠k}‖W_j‖``."""
        norms = [float(np.linalg.norm(Wk)) for Wk in theta]
        h = len(norms)
        factors = []
        for k in range(h):
            p = 1.0
            for j in range(h):
                if j != k:
                    p *= norms[j]
            factors.append(p)
        return ModelScale(float(np.prod(norms)), tuple(factors), tuple(norms))

    def balance_scales(self, theta: Point) -> np.ndarray:
        """``D = ‖W_k‖`` on layer k's block (normalised by the geometric mean).

        Under a balanced rescaling ``W_k → s_k W_k`` (Π s_k = 1) the Hessian transforms as
        ``S⁻¹∇²L S⁻¹`` while D becomes ``S D``, so ``D ∇²L D`` is unchanged: eigenvalue decisions
        made on it are invariant, and by Sylvester's law its inertia is that of ∇²L. A zero layer
        gets the geometric mean of the non-zero norms (1 when every layer is zero).
        """
        norms = np.array([float(np.linalg.norm(W)) for W in theta])
        pos = norms[norms > 0]
        fill = float(np.exp(np.mean(np.log(pos)))) if pos.size else 1.0
        norms = np.where(norms > 0, norms, fill)
        if pos.size:
            norms = norms / fill
        return np.concatenate([np.full(W.size, n) for W, n in zip(theta, norms, strict=True)])

    # -- the loss composed with μ (backpropagation on data activations) ---------------------
    def _data(self, loss):
        """The loss's data form when backpropagating on ``W_k⋯W_1X`` (n columns) is cheaper
        than on ``W`` (d_0 columns), else None."""
        data = loss.data_form()
        if data is not None and data.X.shape[1] > self.arch.d_in:
            return None
        return data

    def loss_value(self, theta: Point, loss) -> float:
        data = self._data(loss)
        if data is not None:
            Z = data.X
            for W in theta:
                Z = W @ Z
            return float(data.value(Z))
        return float(loss.value(end_to_end(theta)))

    def loss_grad(self, theta: Point, loss) -> Point:
        data = self._data(loss)
        if data is not None:
            acts = self.activations(theta, data.X)
            return self.backprop(theta, acts, data.grad(acts[-1]))
        acts = self.activations(theta)
        return self.backprop(theta, acts, loss.grad(acts[-1]))

    def hvp_operator(self, theta: Point, loss) -> HvpOperator:
        data = self._data(loss)
        if data is not None:
            state = self.hvp_state(theta, data.X, data.grad, data.hvp)
        else:
            state = self.hvp_state(theta, None, loss.grad, loss.hvp)
        return HvpOperator(lambda dtheta: self.hvp_apply(state, dtheta))

    def hessian_bytes(self, loss) -> int:
        P = self.arch.n_params
        if loss.hessian_kronecker() is not None:
            return 8 * 2 * P * P
        m, n = self.arch.end_to_end_shape
        return 8 * (2 * P * P + 2 * P * m * n)

    def loss_hessian(self, theta: Point, loss) -> np.ndarray:
        """``Jᵀ ∇²l J + ⟨∇l, d²μ⟩``; Kronecker Gauss–Newton blocks when ``∇²l = left ⊗ right``."""
        W = end_to_end(theta)
        G = loss.grad(W)
        kron = loss.hessian_kronecker()
        if kron is not None:
            left, right = kron
            H = self.kronecker_gauss_newton(theta, right, left)
            return self.curvature_matrix(theta, G, out=H)
        J = self.jacobian_columns(theta)  # (P, m, n)
        HJ = loss.hessian_apply(W, J)
        H = J.reshape(J.shape[0], -1) @ HJ.reshape(HJ.shape[0], -1).T
        H = 0.5 * (H + H.T)
        return self.curvature_matrix(theta, G, out=H)

    def curvature_pullback(self, theta: Point, G: np.ndarray, dtheta: Point) -> Point:
        """``⟨G, d²μ(θ)[θ̇, ·]⟩``: the HVP of the linear functional ``⟨G, μ⟩``."""
        state = self.hvp_state(theta, None, lambda Z: G, lambda Z, Zd: np.zeros_like(Zd))
        return self.hvp_apply(state, dtheta)

    # -- backpropagation on activations ---------------------------------------------------------
    @staticmethod
    def activations(theta: Point, A0: np.ndarray | None = None) -> list[np.ndarray | None]:
        """``[A_0, A_1, …, A_h]`` with ``A_k = W_k A_{k-1}``; ``A0=None`` stands for ``I_{d_0}``
        (then ``A_k = W_{≤k}`` and ``A_h`` is the end-to-end matrix)."""
        acts: list[np.ndarray | None] = [A0]
        A = theta[0] if A0 is None else theta[0] @ A0
        acts.append(A)
        for W in theta[1:]:
            A = W @ A
            acts.append(A)
        return acts

    @staticmethod
    def backprop(theta: Point, acts: Sequence[np.ndarray | None], G: np.ndarray) -> Point:
        """Per-layer ``δ_k A_{k-1}ᵀ`` with ``δ_h = G``, ``δ_{k-1} = W_kᵀ δ_k``: the pullback of
        ``G`` (the output gradient) through ``θ ↦ W_h ⋯ W_1 A_0``."""
        h = len(theta)
        grads: list[np.ndarray] = [np.empty(0)] * h
        delta = G
        for k in range(h - 1, 0, -1):
            grads[k] = delta @ acts[k].T
            delta = theta[k].T @ delta
        grads[0] = delta if acts[0] is None else delta @ acts[0].T
        return tuple(grads)

    @staticmethod
    def hvp_state(
        theta: Point,
        A0: np.ndarray | None,
        output_grad: Callable[[np.ndarray], np.ndarray],
        output_hvp: Callable[[np.ndarray, np.ndarray], np.ndarray],
    ) -> HvpState:
        """Forward and backward pass shared by every HVP at ``theta`` (see :meth:`hvp_apply`)."""
        acts = LinearNetwork.activations(theta, A0)
        Z = acts[-1]
        h = len(theta)
        # δ_1 only ever multiplies Ȧ_0 = 0, so it is never computed (nor δ_h when h = 1)
        deltas: list[np.ndarray | None] = [None] * h
        if h > 1:
            deltas[h - 1] = output_grad(Z)
            for k in range(h - 2, 0, -1):
                deltas[k] = theta[k + 1].T @ deltas[k + 1]
        return HvpState(theta, tuple(acts), tuple(deltas), lambda Zd: output_hvp(Z, Zd))

    @staticmethod
    def hvp_apply(state: HvpState, dtheta: Point) -> Point:
        """``∇²L(θ)[θ̇]`` by forward-over-reverse differentiation of :meth:`backprop`:

        ``Ȧ_k = Ẇ_k A_{k-1} + W_k Ȧ_{k-1}``, ``δ̇_h = ∇²ℓ(Z)[Ȧ_h]``,
        ``δ̇_{k-1} = Ẇ_kᵀ δ_k + W_kᵀ δ̇_k``, and ``(∇²L[θ̇])_k = δ̇_k A_{k-1}ᵀ + δ_k Ȧ_{k-1}ᵀ``.
        """
        theta, acts, deltas = state.theta, state.acts, state.deltas
        h = len(theta)
        A0 = acts[0]
        dA = dtheta[0] if A0 is None else dtheta[0] @ A0
        dacts = [dA]  # Ȧ_1, …, Ȧ_h
        for k in range(1, h):
            dA = dtheta[k] @ acts[k] + theta[k] @ dA
            dacts.append(dA)
        dd = state.output_hvp(dA)  # δ̇_h
        out: list[np.ndarray] = [np.empty(0)] * h
        for k in range(h - 1, 0, -1):
            out[k] = dd @ acts[k].T + deltas[k] @ dacts[k - 1].T
            dd = dtheta[k].T @ deltas[k] + theta[k].T @ dd
        out[0] = dd if A0 is None else dd @ A0.T
        return tuple(out)

    # -- the differential and its adjoint ----------------------------------------------------------
    def pushforward(self, theta: Point, dtheta: Point) -> np.ndarray:
        """``dμ(θ)[θ̇] = Σ_k W_{>k} Ẇ_k W_{<k}`` (the tangent of the product, one pass)."""
        W = theta[0]
        dW = dtheta[0]
        for Wk, dWk in zip(theta[1:], dtheta[1:], strict=True):
            dW = dWk @ W + Wk @ dW
            W = Wk @ W
        return dW

    def pullback(self, theta: Point, G: np.ndarray) -> Point:
        """``dμ(θ)ᵀ[G]``: per layer ``W_{>k}ᵀ G W_{<k}ᵀ``."""
        return self.backprop(theta, self.activations(theta), G)

    def jacobian_columns(self, theta: Point) -> np.ndarray:
        """``dμ(θ)[E]`` for every unit direction ``E`` in packed order: shape (P, d_h, d_0).

        Column ``(k, a, b)`` is the rank-one matrix ``W_{>k}[:, a] ⊗ W_{<k}[b, :]``.
        """
        P = prefix_products(theta)
        S = suffix_products(theta)
        blocks = [
            np.einsum("ia,bj->abij", S[k + 1], P[k]).reshape(-1, S[k + 1].shape[0], P[k].shape[1])
            for k in range(len(theta))
        ]
        return np.concatenate(blocks, axis=0)

    def jacobian(self, theta: Point) -> np.ndarray:
        """Matrix of dμ(θ) on packed θ → row-major vec(W): shape (d_h d_0, P)."""
        cols = self.jacobian_columns(theta)
        return cols.reshape(cols.shape[0], -1).T

    # -- dense second-order blocks ----------------------------------------------------------------
    def _blocks(self, out: np.ndarray | None, theta: Point):
        shapes = [W.shape for W in theta]
        offs = np.concatenate([[0], np.cumsum([m * n for m, n in shapes])]).astype(int)
        if out is None:
            out = np.zeros((offs[-1], offs[-1]))

        def block(j: int, i: int) -> np.ndarray:
            """Block (j, i) of ``out`` as a 4-d view ``[a, b, c, d]`` ↔ ``[(a,b), (c,d)]``."""
            view = out[offs[j] : offs[j + 1], offs[i] : offs[i + 1]].reshape(shapes[j] + shapes[i])
            assert np.shares_memory(view, out)
            return view

        def mirror(j: int, i: int) -> None:
            out[offs[i] : offs[i + 1], offs[j] : offs[j + 1]] = (
                out[offs[j] : offs[j + 1], offs[i] : offs[i + 1]].T
            )

        return out, block, mirror

    def curvature_matrix(
        self, theta: Point, G: np.ndarray, out: np.ndarray | None = None
    ) -> np.ndarray:
        """Dense ``⟨G, d²μ(θ)[·, ·]⟩`` on packed θ (P × P), added into ``out`` when given.

        Block (j, i), j > i: entry ``[(a,b), (c,d)] = C[a, d] · M[b, c]`` with
        ``C = W_{>j}ᵀ G W_{<i}ᵀ`` and ``M = W_{j-1} ⋯ W_{i+1}``; diagonal blocks vanish (μ is
        linear in each layer). Each block is one broadcast product; the result is exactly
        symmetric.
        """
        h = len(theta)
        out, block, mirror = self._blocks(out, theta)
        P = prefix_products(theta)
        S = suffix_products(theta)
        for i in range(h):
            GPi = G @ P[i].T
            M = None  # W_{j-1} ⋯ W_{i+1}; the identity for j = i + 1
            for j in range(i + 1, h):
                if j > i + 1:
                    M = theta[j - 1] if M is None else theta[j - 1] @ M
                C = S[j + 1].T @ GPi
                blk = block(j, i)
                if M is None:  # M = I: entries C[a, d] on b == c
                    idx = np.arange(blk.shape[1])
                    blk[:, idx, idx, :] += C[:, None, :]
                else:
                    blk += C[:, None, None, :] * M[None, :, :, None]
                mirror(j, i)
        return out

    def kronecker_gauss_newton(
        self,
        theta: Point,
        right: np.ndarray,
        left: np.ndarray | None = None,
        out: np.ndarray | None = None,
    ) -> np.ndarray:
        """Dense ``J(θ)ᵀ (left ⊗ right) J(θ)`` on packed θ, added into ``out`` when given.

        For a loss whose Hessian acts as ``∇²l[V] = left · V · right`` (``left`` = identity when
        None; both symmetric), e.g. ``right = XXᵀ`` for the squared loss. Block (k, k') is the
        Kronecker product ``(W_{>k}ᵀ left W_{>k'}) ⊗ (W_{<k} right W_{<k'}ᵀ)``: O(P²) work,
        no P × d_h d_0 Jacobian. The result is exactly symmetric.
        """
        h = len(theta)
        out, block, mirror = self._blocks(out, theta)
        P = prefix_products(theta)
        S = suffix_products(theta)
        LS = [S[k + 1] if left is None else left @ S[k + 1] for k in range(h)]
        RP = [right @ P[k].T for k in range(h)]
        for i in range(h):
            for j in range(i, h):
                A = S[j + 1].T @ LS[i]
                B = P[j] @ RP[i]
                if i == j:  # symmetrise the factors so that the diagonal block is exactly symmetric
                    A = 0.5 * (A + A.T)
                    B = 0.5 * (B + B.T)
                blk = block(j, i)
                blk += A[:, None, :, None] * B[None, :, None, :]
                if j != i:
                    mirror(j, i)
        return out
