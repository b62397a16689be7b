"""The landscape ``L = l ∘ μ`` and its exact derivative oracles.

* gradient: ``∇_{W_k} L = W_{>k}ᵀ ∇l(W) W_{<k}ᵀ`` (Hofflin 2023, Lemma 3.1), computed by
  backpropagation; for a loss on data (``l(W) = ℓ(WX)``, see :meth:`Loss.data_form`) with fewer
  data columns than inputs it runs on the activations ``W_k ⋯ W_1 X`` and never forms ``W``.
* Hessian-vector product: forward-over-reverse differentiation of that backpropagation (the
  product rule: the loss curvature seen through dμ, plus ``⟨∇l, d²μ⟩``), on the same activations.
* dense Hessian: ``Jᵀ ∇²l J + ⟨∇l, d²μ⟩`` assembled block by block; when ``∇²l = left ⊗ right``
  (squared, distance and linear-quadratic losses) every Gauss–Newton block is a Kronecker product
  of two small matrices, so the assembly costs O(P²) and never forms the Jacobian.
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
from dlnscape.losses import DataForm, Loss
from dlnscape.models.linear import HvpState, LinearNetwork

#: default memory budget for dense objects (bytes)
DEFAULT_MEMORY_BUDGET = 2 * 1024**3


@dataclass(frozen=True)
class Landscape:
    """``L = l ∘ μ`` for a model μ and a loss l on its end-to-end matrices.

    Points may be given as tuples ``(W_1, …, W_h)`` or as packed vectors (see
    :func:`dlnscape.pack`); per-layer results are tuples, ``*_flat`` results packed vectors.
    """

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
        budget = self.memory_budget
        if isinstance(budget, bool) or not isinstance(budget, (int, np.integer)) or budget < 0:
            raise DlnscapeError(f"memory_budget: expected a number of bytes ≥ 0, got {budget!r}")
        # backpropagate on data activations (n columns) when that is cheaper than on W (d_0)
        data = self.loss.data_form()
        if data is not None and data.X.shape[1] > self.arch.d_in:
            data = None
        object.__setattr__(self, "_data", data)

    @property
    def arch(self) -> Architecture:
        return self.model.arch

    @property
    def n_params(self) -> int:
        return self.arch.n_params

    def _point(self, theta, name: str = "theta") -> Point:
        if isinstance(theta, np.ndarray) and theta.ndim == 1:
            return unpack(self.arch, theta, name=name)
        return check_point(self.arch, theta, name)

    # -- zeroth and first order ------------------------------------------------------------
    def end_to_end(self, theta) -> np.ndarray:
        return self.model.forward(self._point(theta))

    def value(self, theta) -> float:
        """``L(θ)``: one forward pass (on the data when the loss is a data loss)."""
        theta = self._point(theta)
        data: DataForm | None = self._data
        if data is not None:
            Z = data.X
            for W in theta:
                Z = W @ Z
            return float(data.value(Z))
        return float(self.loss.value(self.model.forward(theta)))

    def grad(self, theta) -> Point:
        """Per-layer gradient ``(∇_{W_1} L, …, ∇_{W_h} L)``."""
        theta = self._point(theta)
        data: DataForm | None = self._data
        if data is not None:
            acts = self.model.activations(theta, data.X)
            return self.model.backprop(theta, acts, data.grad(acts[-1]))
        acts = self.model.activations(theta)
        return self.model.backprop(theta, acts, self.loss.grad(acts[-1]))

    def grad_flat(self, theta) -> np.ndarray:
        """The gradient as a packed vector."""
        return pack(self.grad(theta))

    # -- second order ------------------------------------------------------------------------
    def _hvp_state(self, theta: Point) -> HvpState:
        data: DataForm | None = self._data
        if data is not None:
            return self.model.hvp_state(theta, data.X, data.grad, data.hvp)
        return self.model.hvp_state(theta, None, self.loss.grad, self.loss.hvp)

    def hvp(self, theta, dtheta) -> Point:
        """``∇²L(θ)[θ̇]`` per layer."""
        theta = self._point(theta)
        dtheta = self._point(dtheta, "dtheta")
        return self.model.hvp_apply(self._hvp_state(theta), dtheta)

    def hvp_flat(self, theta, v: np.ndarray) -> np.ndarray:
        """``∇²L(θ) v`` on packed vectors."""
        v = np.asarray(v)
        if v.ndim != 1:
            raise DlnscapeError(
                f"v: expected a 1-d packed vector of length n_params={self.n_params}, "
                f"got shape {v.shape}"
            )
        return pack(self.hvp(theta, unpack(self.arch, v, name="v")))

    def _uses_kronecker(self) -> bool:
        return self.loss.hessian_kronecker() is not None

    def hessian_bytes(self) -> int:
        """Peak memory of :meth:`hessian` (bytes): the P×P result and its temporaries, plus the
        P×d_h×d_0 Jacobian stacks when the loss Hessian is not a Kronecker product."""
        P = self.n_params
        if self._uses_kronecker():
            return 8 * 2 * P * P
        m, n = self.arch.end_to_end_shape
        return 8 * (2 * P * P + 2 * P * m * n)

    def hessian(self, theta) -> np.ndarray:
        """Dense ``∇²L(θ)`` in packed order (W_1 first, row-major), exactly symmetric.

        Refuses (:class:`MemoryBudgetError`) when :meth:`hessian_bytes` exceeds
        ``memory_budget``; use :meth:`hessian_operator` for large P.
        """
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
        kron = self.loss.hessian_kronecker()
        if kron is not None:
            left, right = kron
            H = self.model.kronecker_gauss_newton(theta, right, left)
            return self.model.curvature_matrix(theta, G, out=H)
        J = self.model.jacobian_columns(theta)  # (P, m, n)
        HJ = self.loss.hessian_apply(W, J)
        H = J.reshape(J.shape[0], -1) @ HJ.reshape(HJ.shape[0], -1).T
        H = 0.5 * (H + H.T)
        return self.model.curvature_matrix(theta, G, out=H)

    def hessian_operator(self, theta) -> LinearOperator:
        """``∇²L(θ)`` as a symmetric ``scipy.sparse.linalg.LinearOperator`` on packed vectors.

        The forward and backward passes at ``theta`` are done once; each product then costs
        about three gradients' worth of matrix products.
        """
        theta = self._point(theta)
        state = self._hvp_state(theta)
        arch = self.arch
        offs, shapes = arch.offsets, arch.shapes

        def matvec(v: np.ndarray) -> np.ndarray:
            v = np.asarray(v, dtype=np.float64).reshape(-1)
            dtheta = tuple(v[offs[i] : offs[i + 1]].reshape(shapes[i]) for i in range(arch.h))
            return pack(self.model.hvp_apply(state, dtheta))

        P = self.n_params
        return LinearOperator((P, P), matvec=matvec, rmatvec=matvec, dtype=np.float64)

    # -- Taylor --------------------------------------------------------------------------------
    def taylor(self, theta, direction, order: int | None = None) -> np.ndarray:
        """Exact coefficients ``c_0, …, c_K`` of ``L(θ + tθ̇) = Σ_k c_k t^k``.

        For a polynomial loss of degree q, ``order=None`` returns the whole polynomial
        (K = q·h); a larger ``order`` pads with exact zeros. Non-polynomial losses need
        ``order`` and use JAX Taylor mode (``jax.experimental.jet``).
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
        _check_order(order, "order")
        coeffs = self.model.taylor_coefficients(theta, direction)
        return np.asarray(self.loss.taylor(coeffs, int(order)), dtype=np.float64)

    def directional_derivative(self, theta, direction, k: int) -> float:
        """``d^k/dt^k L(θ + tθ̇)`` at t = 0, i.e. ``k! · c_k``."""
        _check_order(k, "k")
        return math.factorial(k) * float(self.taylor(theta, direction, k)[k])


def _check_order(k: object, name: str) -> None:
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 0:
        raise DlnscapeError(f"{name}: expected a non-negative integer, got {k!r}")


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
