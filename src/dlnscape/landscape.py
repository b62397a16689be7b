"""The landscape ``L = l ∘ μ`` and its exact derivative oracles.

* gradient: ``∇_{W_k} L = W_{>k}ᵀ ∇l(W) W_{<k}ᵀ`` (Hofflin 2023, Lemma 3.1); for losses on data
  (``l(W) = ℓ(WX)``) it is computed by backpropagation on activations, never forming ``W``.
* Hessian-vector product: product rule on the gradient (two terms: the loss curvature seen
  through dμ, and ``⟨∇l, d²μ⟩``).
* dense Hessian: ``Jᵀ ∇²l J + ⟨∇l, d²μ⟩`` assembled with matrix products, block by block.
* Taylor: ``μ(θ + tθ̇)`` is a matrix polynomial of degree h, so for a polynomial loss
  ``L(θ + tθ̇)`` is an exact polynomial in t (degree 2h for quadratic losses).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.sparse.linalg import LinearOperator

from dlnscape.architecture import Architecture, Point, check_point, pack, unpack
from dlnscape.errors import DlnscapeError, LossError, MemoryBudgetError
from dlnscape.losses import Loss
from dlnscape.models.linear import LinearNetwork

#: default memory budget for dense objects (bytes)
DEFAULT_MEMORY_BUDGET = 2 * 1024**3


@dataclass(frozen=True)
class Landscape:
    """``L = l ∘ μ`` for a model μ and a loss l on its end-to-end matrices."""

    model: LinearNetwork
    loss: Loss
    memory_budget: int = DEFAULT_MEMORY_BUDGET

    def __post_init__(self) -> None:
        if isinstance(self.model, Architecture):
            object.__setattr__(self, "model", LinearNetwork(self.model))
        if not hasattr(self.model, "arch"):
            raise DlnscapeError(
                f"model: expected a parametrization such as LinearNetwork(arch), got {self.model!r}"
            )
        if not isinstance(self.loss, Loss):
            raise LossError(f"loss: expected a dlnscape Loss, got {type(self.loss).__name__}")
        self.loss.check_shape(self.arch.end_to_end_shape)

    @property
    def arch(self) -> Architecture:
        return self.model.arch

    @property
    def n_params(self) -> int:
        return self.arch.n_params

    def _point(self, theta, name: str = "theta") -> Point:
        if isinstance(theta, np.ndarray) and theta.ndim == 1:
            return unpack(self.arch, theta)
        return check_point(self.arch, theta, name)

    def _is_data_loss(self) -> bool:
        return hasattr(self.loss, "output_grad") and hasattr(self.loss, "X")

    # -- zeroth and first order ------------------------------------------------------------
    def end_to_end(self, theta) -> np.ndarray:
        return self.model.forward(self._point(theta))

    def value(self, theta) -> float:
        theta = self._point(theta)
        if self._is_data_loss():
            return float(self.loss.value(self.model.forward(theta)))
        return float(self.loss.value(self.model.forward(theta)))

    def grad(self, theta) -> Point:
        """Per-layer gradient ``(∇_{W_1} L, …, ∇_{W_h} L)``."""
        theta = self._point(theta)
        if self._is_data_loss() and getattr(self.loss, "ridge", 0.0) == 0.0:
            return self._backprop(theta)
        return self.model.pullback(theta, self.loss.grad(self.model.forward(theta)))

    def _backprop(self, theta: Point) -> Point:
        # l(W) = ℓ(WX): ∇_{W_k} L = δ_k A_{k-1}ᵀ with activations A_k = W_k A_{k-1}, A_0 = X.
        acts = [self.loss.X]
        for W in theta:
            acts.append(W @ acts[-1])
        delta = self.loss.output_grad(acts[-1])
        grads = [None] * len(theta)
        for k in range(len(theta) - 1, -1, -1):
            grads[k] = delta @ acts[k].T
            if k:
                delta = theta[k].T @ delta
        return tuple(grads)

    def grad_flat(self, theta) -> np.ndarray:
        return pack(self.grad(theta))

    # -- second order ------------------------------------------------------------------------
    def hvp(self, theta, dtheta) -> Point:
        """``∇²L(θ)[θ̇]`` per layer."""
        theta = self._point(theta)
        dtheta = self._point(dtheta, "dtheta")
        W = self.model.forward(theta)
        G = self.loss.grad(W)
        curv, (P, S, dP, dS) = self.model.curvature_pullback(theta, dtheta, G)
        dW = dP[-1]  # d(W_h ⋯ W_1)
        Gdot = self.loss.hvp(W, dW)
        first = self.model.pullback(theta, Gdot, P, S)
        return tuple(a + b for a, b in zip(first, curv, strict=True))

    def hvp_flat(self, theta, v: np.ndarray) -> np.ndarray:
        return pack(self.hvp(theta, unpack(self.arch, np.asarray(v, dtype=np.float64))))

    def hessian_bytes(self) -> int:
        """Peak memory of :meth:`hessian`: the P×P result plus the P×d_h×d_0 Jacobian stacks."""
        P = self.n_params
        m, n = self.arch.end_to_end_shape
        return 8 * (2 * P * P + 2 * P * m * n)

    def hessian(self, theta) -> np.ndarray:
        """Dense ``∇²L(θ)`` in packed order (W_1 first, row-major), assembled with BLAS-3."""
        need = self.hessian_bytes()
        if need > self.memory_budget:
            raise MemoryBudgetError(
                f"hessian: the dense Hessian for P={self.n_params} parameters needs about "
                f"{need / 1024**3:.2f} GiB, above the memory budget of "
                f"{self.memory_budget / 1024**3:.2f} GiB; use Landscape.hessian_operator(theta) "
                f"(a scipy LinearOperator) or raise Landscape(..., memory_budget=...)"
            )
        theta = self._point(theta)
        W = self.model.forward(theta)
        G = self.loss.grad(W)
        J = self.model.jacobian_columns(theta)  # (P, m, n)
        HJ = self.loss.hessian_apply(W, J)
        Jf = J.reshape(J.shape[0], -1)
        H = Jf @ HJ.reshape(HJ.shape[0], -1).T
        H += self.model.curvature_matrix(theta, G)
        return 0.5 * (H + H.T)

    def hessian_operator(self, theta) -> LinearOperator:
        """``∇²L(θ)`` as a symmetric ``scipy.sparse.linalg.LinearOperator`` on packed vectors."""
        theta = self._point(theta)
        P = self.n_params
        return LinearOperator(
            (P, P), matvec=lambda v: self.hvp_flat(theta, np.ravel(v)), dtype=np.float64
        )

    # -- Taylor --------------------------------------------------------------------------------
    def taylor(self, theta, direction, order: int | None = None) -> np.ndarray:
        """Exact coefficients ``c_0, …, c_K`` of ``L(θ + tθ̇) = Σ_k c_k t^k``.

        For a polynomial loss of degree q, ``order=None`` returns the whole polynomial
        (K = q·h). Non-polynomial losses need ``order`` and use JAX Taylor mode.
        """
        theta = self._point(theta)
        direction = self._point(direction, "direction")
        if order is None:
            if not self.loss.is_polynomial:
                raise DlnscapeError(
                    f"order: {type(self.loss).__name__} is not polynomial, so its Taylor series "
                    f"is infinite; pass order=K"
                )
            order = self.loss.degree * self.arch.h
        if not isinstance(order, (int, np.integer)) or order < 0:
            raise DlnscapeError(f"order: expected a non-negative integer, got {order!r}")
        coeffs = self.model.taylor_coefficients(theta, direction)
        return np.asarray(self.loss.taylor(coeffs, int(order)), dtype=np.float64)

    def directional_derivative(self, theta, direction, k: int) -> float:
        """``d^k/dt^k L(θ + tθ̇)`` at t = 0, i.e. ``k! · c_k``."""
        return math.factorial(k) * float(self.taylor(theta, direction, k)[k])


@dataclass(frozen=True)
class ExtremeEigenvalues:
    """Extreme eigenpairs of a Hessian and how they were computed."""

    values: np.ndarray
    vectors: np.ndarray
    which: str
    method: str  # "dense-eigh" or "lanczos-eigsh"
    n_params: int

    def to_dict(self) -> dict:
        return {
            "values": self.values.tolist(),
            "which": self.which,
            "method": self.method,
            "n_params": self.n_params,
        }


def hessian_extreme_eigenvalues(
    landscape: Landscape,
    theta: Sequence[np.ndarray] | np.ndarray,
    k: int = 1,
    which: str = "smallest",
    *,
    dense_max_params: int = 2000,
    rng: np.random.Generator | int | None = 0,
    tol: float = 0.0,
) -> ExtremeEigenvalues:
    """The ``k`` smallest (or largest) Hessian eigenvalues, sorted ascending (descending).

    Dense ``eigh`` when P ≤ ``dense_max_params``; otherwise Lanczos (``eigsh``) on
    :meth:`Landscape.hessian_operator`, with a seeded start vector.
    """
    if which not in ("smallest", "largest"):
        raise DlnscapeError(f"which: expected 'smallest' or 'largest', got {which!r}")
    P = landscape.n_params
    if not isinstance(k, (int, np.integer)) or not 1 <= k <= P:
        raise DlnscapeError(f"k: expected an integer in [1, {P}], got {k!r}")
    if P <= dense_max_params or k >= P - 1:
        vals, vecs = np.linalg.eigh(landscape.hessian(theta))
        if which == "smallest":
            return ExtremeEigenvalues(vals[:k], vecs[:, :k], which, "dense-eigh", P)
        return ExtremeEigenvalues(vals[::-1][:k], vecs[:, ::-1][:, :k], which, "dense-eigh", P)
    from scipy.sparse.linalg import eigsh

    op = landscape.hessian_operator(theta)
    v0 = np.random.default_rng(rng).standard_normal(P)
    vals, vecs = eigsh(op, k=k, which="SA" if which == "smallest" else "LA", v0=v0, tol=tol)
    order = np.argsort(vals) if which == "smallest" else np.argsort(vals)[::-1]
    return ExtremeEigenvalues(vals[order], vecs[:, order], which, "lanczos-eigsh", P)
