"""The landscape ``L = l ∘ F`` of a model F (a :class:`~dlnscape.models.Parametrization`) and a
loss l, and its exact derivative oracles.

Everything here goes through the protocol (``dlnscape.models.base``):

* value and gradient: ``model.loss_value`` / ``model.loss_grad`` (for linear networks,
  backpropagation on the data activations ``W_k ⋯ W_1 X`` when the loss is a data loss; for other
  models the pullback of ``∇l(F(θ))``, Hofflin 2023, Lem 3.1 for the product);
* Hessian-vector products: ``model.hvp_operator`` — the product rule
  ``dFᵀ ∇²l dF θ̇ + ⟨∇l, d²F[θ̇, ·]⟩`` (forward-over-reverse);
* dense Hessian: ``model.loss_hessian`` (``Jᵀ ∇²l J + ⟨∇l, d²F⟩``; Kronecker Gauss–Newton
  blocks for linear networks when ``∇²l = left ⊗ right``);
* Taylor: ``model.curve_coefficients`` — an exact matrix polynomial when F is polynomial, so for
  a polynomial loss ``L(θ + tθ̇)`` is an exact polynomial in t; JAX Taylor mode otherwise.
* an optional regularizer (``regularizer=HadamardL2(lambdas)``, :mod:`dlnscape.regularizers`):
  ``L = l ∘ F + R``; R's closed-form value, gradient, HVP, diagonal Hessian and exact Taylor
  polynomial are added to every oracle above (and to the polynomial, ball and exact evaluations
  of ``dlnscape.critical``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.sparse.linalg import LinearOperator

from dlnscape.architecture import Architecture, Point, pack
from dlnscape.errors import DlnscapeError, LossError, MemoryBudgetError
from dlnscape.losses import Loss
from dlnscape.models.base import Parametrization
from dlnscape.models.linear import LinearNetwork
from dlnscape.regularizers import Regularizer, as_regularizer
from dlnscape.report.summary import Summary, summary_html_method, summary_repr, summary_str
from dlnscape.validate import (  # noqa: F401 (DEFAULT_MEMORY_BUDGET is re-exported)
    DEFAULT_MEMORY_BUDGET,
    check_memory,
    check_rng,
)


@dataclass(frozen=True)
class Landscape:
    """``L = l ∘ F`` for a model F (any :class:`~dlnscape.models.Parametrization`; an
    :class:`~dlnscape.Architecture` stands for its :class:`LinearNetwork`) and a loss l on F's
    output.

    Points may be given as tuples of parameter blocks (for a linear network ``(W_1, …, W_h)``)
    or as packed vectors (:meth:`pack`); per-block results are tuples, ``*_flat`` results packed
    vectors.
    """

    model: Parametrization
    loss: Loss
    memory_budget: int = DEFAULT_MEMORY_BUDGET
    #: ``R(θ)`` added to ``l(F(θ))`` (``dlnscape.regularizers``, e.g. ``HadamardL2(lambdas)``):
    #: every oracle below includes it
    regularizer: Regularizer | None = None

    def __post_init__(self) -> None:
        if isinstance(self.model, Architecture):
            object.__setattr__(self, "model", LinearNetwork(self.model))
        if not isinstance(self.model, Parametrization):
            raise DlnscapeError(
                f"model: expected a dlnscape.models.Parametrization such as LinearNetwork(arch), "
                f"got {self.model!r}")
        if not isinstance(self.loss, Loss):
            raise LossError(f"loss: expected a dlnscape Loss, got {type(self.loss).__name__}")
        shape = tuple(self.model.output_shape)
        if self.loss.shape is not None and tuple(self.loss.shape) != shape:
            what = ("the architecture's end-to-end matrix" if self.model.linear_network
                    is not None else f"the output of {self.model!r}")
            raise LossError(
                f"loss: {type(self.loss).__name__} is defined on {self.loss.shape[0]}×"
                f"{self.loss.shape[1]} matrices but {what} is {shape[0]}×{shape[1]}")
        self.loss.check_shape(shape)
        budget = self.memory_budget
        if isinstance(budget, bool) or not isinstance(budget, (int, np.integer)) or budget < 0:
            raise DlnscapeError(f"memory_budget: expected a number of bytes ≥ 0, got {budget!r}")
        check_memory(self.working_bytes(), f"Landscape: {self.model!r} (P={self.n_params} "
                     f"parameters): a point and its gradient", int(budget),
                     "; use smaller widths or raise Landscape(..., memory_budget=...)")
        object.__setattr__(self, "regularizer", as_regularizer(self.regularizer))
        if self.regularizer is not None:
            self.regularizer.check_layout(self.model.layout)

    def __repr__(self) -> str:
        return (f"Landscape({self.model!r}, {type(self.loss).__name__}, "
                f"n_params={self.n_params})")

    @property
    def arch(self) -> Architecture:
        """The architecture of a linear-network model (error for other models)."""
        net = self.model.linear_network
        if net is None:
            raise DlnscapeError(
                f"model: {self.model!r} is not a LinearNetwork, so it has no Architecture; "
                "use landscape.layout for its parameter blocks")
        return net.arch

    @property
    def layout(self):
        """The parameter blocks (shapes, offsets, n_params) of the model's points."""
        return self.model.layout

    @property
    def n_params(self) -> int:
        return self.model.n_params

    def point(self, theta, name: str = "theta") -> Point:
        """θ validated for the model (a tuple of blocks or a packed vector) as a tuple, inside
        the model's domain."""
        if isinstance(theta, np.ndarray) and theta.ndim == 1:
            theta = self.model.unpack(theta, name=name)
            self.model.check_domain(theta, name)
            return theta
        return self.model.check(theta, name)

    def direction(self, dtheta, name: str = "direction") -> Point:
        """A tangent vector (blocks or packed) validated for shape only (no domain check)."""
        if isinstance(dtheta, np.ndarray) and dtheta.ndim == 1:
            return self.model.unpack(dtheta, name=name)
        return self.model.check(dtheta, name, domain=False)

    def pack(self, theta) -> np.ndarray:
        return pack(self.point(theta))

    def unpack(self, vector: np.ndarray, name: str = "vector") -> Point:
        return self.model.unpack(vector, name=name)

    # -- zeroth and first order ------------------------------------------------------------
    def end_to_end(self, theta) -> np.ndarray:
        """``F(θ)``: the end-to-end matrix of a linear model, the outputs of a nonlinear one."""
        return self.model.forward(self.point(theta))

    forward = end_to_end

    def value(self, theta) -> float:
        """``L(θ)``."""
        theta = self.point(theta)
        v = self.model.loss_value(theta, self.loss)
        return v if self.regularizer is None else v + self.regularizer.value(theta)

    def grad(self, theta) -> Point:
        """Per-block gradient (for a linear network ``(∇_{W_1} L, …, ∇_{W_h} L)``)."""
        theta = self.point(theta)
        g = self.model.loss_grad(theta, self.loss)
        if self.regularizer is None:
            return g
        return tuple(a + b for a, b in zip(g, self.regularizer.grad(theta), strict=True))

    def grad_flat(self, theta) -> np.ndarray:
        """The gradient as a packed vector."""
        return pack(self.grad(theta))

    # -- second order ------------------------------------------------------------------------
    def hvp(self, theta, dtheta) -> Point:
        """``∇²L(θ)[θ̇]`` per block."""
        theta = self.point(theta)
        dtheta = self.direction(dtheta, "dtheta")
        out = self.model.hvp_operator(theta, self.loss).apply(dtheta)
        if self.regularizer is None:
            return out
        return tuple(a + b for a, b in
                     zip(out, self.regularizer.hvp(theta, dtheta), strict=True))

    def hvp_flat(self, theta, v: np.ndarray) -> np.ndarray:
        """``∇²L(θ) v`` on packed vectors."""
        v = np.asarray(v)
        if v.ndim != 1:
            raise DlnscapeError(
                f"v: expected a 1-d packed vector of length n_params={self.n_params}, "
                f"got shape {v.shape}"
            )
        return pack(self.hvp(theta, self.unpack(v, name="v")))

    def hessian_bytes(self) -> int:
        """Peak memory of :meth:`hessian` (bytes)."""
        return self.model.hessian_bytes(self.loss)

    def working_bytes(self) -> int:
        """Memory of a value/gradient evaluation (bytes), from the shapes only: the point and
        its gradient (``2 · 8 P``) and, for a data loss on a linear network, the activations
        ``W_k ⋯ W_1 X`` of every layer. Checked against ``memory_budget`` on construction."""
        need = 2 * 8 * int(self.n_params)
        net = self.model.linear_network
        X = getattr(self.loss, "X", None)
        if net is not None and X is not None and np.ndim(X) == 2:
            need += 8 * sum(int(d) for d in net.arch.widths[1:]) * int(np.shape(X)[1])
        return need

    def hessian(self, theta) -> np.ndarray:
        """Dense ``∇²L(θ)`` in packed order, exactly symmetric.

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
        theta = self.point(theta)
        H = self.model.loss_hessian(theta, self.loss)
        if self.regularizer is not None:
            H = np.array(H, dtype=np.float64, copy=True)
            H += self.regularizer.hessian(theta)
        return H

    def hessian_operator(self, theta) -> LinearOperator:
        """``∇²L(θ)`` as a symmetric ``scipy.sparse.linalg.LinearOperator`` on packed vectors.

        The work shared by every product at ``theta`` is done once.
        """
        theta = self.point(theta)
        op = self.model.hvp_operator(theta, self.loss)
        unpack = self.model.unpack
        reg = self.regularizer
        rdiag = None if reg is None else reg.hessian_diagonal(theta)

        def matvec(v: np.ndarray) -> np.ndarray:
            v = np.asarray(v, dtype=np.float64).reshape(-1)
            out = pack(op.apply(unpack(v)))
            return out if rdiag is None else out + rdiag * v

        P = self.n_params
        return LinearOperator((P, P), matvec=matvec, rmatvec=matvec, dtype=np.float64)

    # -- Taylor --------------------------------------------------------------------------------
    @property
    def is_polynomial(self) -> bool:
        """True when ``L = l ∘ F (+ R)`` is a polynomial in θ (polynomial loss, model and
        regularizer)."""
        return (self.loss.is_polynomial and self.model.polynomial_degree is not None
                and (self.regularizer is None or self.regularizer.is_polynomial))

    @property
    def degree(self) -> int | None:
        """The degree of L as a polynomial in θ (None: not polynomial): loss degree × model
        degree, or the regularizer's degree (2 for :class:`~dlnscape.HadamardL2`) if larger."""
        if not self.is_polynomial:
            return None
        q = int(self.loss.degree) * int(self.model.polynomial_degree)
        if self.regularizer is not None:
            q = max(q, int(self.regularizer.degree))
        return q

    @property
    def regularized(self) -> bool:
        """True when a regularizer is present and not identically zero: arguments about ``l``
        on the image of F (global-minimum oracles, pure points, fiber moves) do not apply."""
        return self.regularizer is not None and not self.regularizer.is_zero

    def taylor(self, theta, direction, order: int | None = None) -> np.ndarray:
        """Exact coefficients ``c_0, …, c_K`` of ``L(θ + tθ̇) = Σ_k c_k t^k``.

        For a polynomial landscape of degree q (loss degree × model degree, at least the
        regularizer's degree 2 with one) ``order=None`` returns the whole polynomial (K = q); a
        larger ``order`` pads with exact zeros.
        Non-polynomial losses or models need ``order`` and use JAX Taylor mode
        (``jax.experimental.jet``).
        """
        theta = self.point(theta)
        direction = self.direction(direction, "direction")
        if order is None:
            if not self.is_polynomial:
                what = (type(self.loss).__name__ if not self.loss.is_polynomial
                        else repr(self.model))
                raise DlnscapeError(
                    f"order: {what} is not polynomial, so its Taylor series is infinite; "
                    "pass order=K")
            order = self.degree
        _check_order(order, "order")
        from dlnscape.critical.polynomial import curve_taylor

        c = curve_taylor(self, theta, [direction], int(order))
        out = np.zeros(int(order) + 1)
        out[: min(len(c), int(order) + 1)] = c[: int(order) + 1]
        return out

    def directional_derivative(self, theta, direction, k: int) -> float:
        """``d^k/dt^k L(θ + tθ̇)`` at t = 0, i.e. ``k! · c_k``."""
        _check_order(k, "k")
        return math.factorial(k) * float(self.taylor(theta, direction, k)[k])


def _check_order(k: object, name: str) -> None:
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 0:
        raise DlnscapeError(f"{name}: expected a non-negative integer, got {k!r}")


@dataclass(frozen=True)
class ExtremeEigenvalues:
    """Extreme eigenpairs of a Hessian (or of its restriction to a complement) and how they
    were computed.

    ``residuals[i] = ‖∇²L v_i − λ_i v_i‖`` with the *full* Hessian, so (symmetric H) some
    eigenvalue of ∇²L lies within ``residuals[i]`` of ``values[i]``; ``converged`` says every
    pair met ``deflated_residuals ≤ threshold`` (``tol · scale``), ``reason`` why not.
    With a deflation basis Q: the values are the extreme eigenvalues of ∇²L on ``span(Q)⊥``
    and ``deflation_residual`` measures ``‖∇²L Q‖₂`` (``deflation_residual_kind``: ``exact``,
    or a randomized upper bound holding with probability ≥ 1 − 10⁻¹⁰).
    """

    values: np.ndarray
    vectors: np.ndarray
    which: str
    method: str  # "dense-eigh", "lanczos-eigsh" (ARPACK) or "lobpcg"
    n_params: int
    converged: bool = True
    residuals: np.ndarray | None = None
    deflated_residuals: np.ndarray | None = None
    threshold: float = 0.0
    scale: float = 0.0
    reason: str = ""
    deflation_dim: int = 0
    deflation_residual: float | None = None
    deflation_residual_kind: str = ""
    attempts: tuple = ()
    n_matvec: int = 0
    seconds: float = 0.0

    @property
    def deflated(self) -> bool:
        return self.deflation_dim > 0

    def to_dict(self) -> dict:
        return {
            "values": self.values.tolist(),
            "which": self.which,
            "method": self.method,
            "n_params": self.n_params,
            "converged": self.converged,
            "residuals": None if self.residuals is None else self.residuals.tolist(),
            "deflated_residuals": None if self.deflated_residuals is None
            else self.deflated_residuals.tolist(),
            "threshold": self.threshold,
            "scale": self.scale,
            "reason": self.reason,
            "deflation_dim": self.deflation_dim,
            "deflation_residual": self.deflation_residual,
            "deflation_residual_kind": self.deflation_residual_kind,
            "attempts": [dict(a) for a in self.attempts],
            "n_matvec": self.n_matvec,
            "seconds": self.seconds,
        }

    def _summary(self):
        res = None if self.residuals is None or not len(self.residuals) else float(
            np.max(self.residuals))
        rows = (("values", self.values), ("which", self.which), ("method", self.method),
                ("converged", self.converged if self.converged else f"False ({self.reason})"),
                ("max residual ‖∇²L v − λv‖", res), ("threshold", self.threshold),
                ("deflation", f"dim {self.deflation_dim}, ‖∇²L Q‖ = {self.deflation_residual:.3g}"
                 f" ({self.deflation_residual_kind})" if self.deflated else None),
                ("n_params", self.n_params), ("matrix-vector products", self.n_matvec),
                ("seconds", self.seconds))
        return Summary(f"ExtremeEigenvalues: {self.values.size} {self.which} eigenvalue(s) of "
                       f"the Hessian ({self.method}, "
                       f"{'converged' if self.converged else 'NOT converged'})", rows,
                       brief=("values", "which", "method", "converged"))

    __str__ = summary_str
    __repr__ = summary_repr
    _repr_html_ = summary_html_method


def hessian_extreme_eigenvalues(
    landscape: Landscape,
    theta: Sequence[np.ndarray] | np.ndarray,
    k: int = 1,
    which: str = "smallest",
    *,
    deflate=None,
    dense_max_params: int = 2000,
    rng: np.random.Generator | int | None = 0,
    tol: float | None = None,
    max_matvecs: int | None = None,
    ncv: int | None = None,
    methods: Sequence[str] = ("arpack", "lobpcg"),
) -> ExtremeEigenvalues:
    """The ``k`` smallest (or largest) Hessian eigenvalues, sorted ascending (descending).

    Never a traceback from the eigensolver: when no method converges the result has
    ``converged=False`` and the ``reason`` (and the best pairs found, with their residuals),
    so a caller can answer "undetermined"; bad arguments raise :class:`DlnscapeError`.

    * ``deflate``: None, or a ``P × q`` basis Q with orthonormal columns (an array, or a
      ``scipy.sparse.linalg.LinearOperator`` with ``matvec = Q z``, ``rmatvec = Qᵀ v``, e.g.
      ``dlnscape.geometry.fibers.orbit_tangent_basis(theta, as_operator=True)``). The operator
      solved is ``Ĥ = (I − QQᵀ) H (I − QQᵀ) + c QQᵀ`` with ``c`` beyond the wanted end (Q's
      eigenvalues moved out of the way; the Krylov space stays in ``span(Q)⊥``): the result is
      the extreme eigenvalues of H restricted to ``span(Q)⊥`` (the compression
      ``Cᵀ H C`` for an orthonormal basis C of the complement). When ``span(Q) ⊆ ker H``
      exactly, H is block diagonal in ``(Q, C)``, so deflating changes nothing but removing
      those zeros: the nonzero spectrum is unchanged and ``values`` are eigenvalues of H.
      Numerically that is only as true as ``‖HQ‖`` is small, hence ``deflation_residual``
      (exact ``‖HQ‖₂`` for q ≤ 64, else the randomized bound ``10√(2/π) max_i ‖HQω_i‖`` over
      10 Gaussian ω_i, ≥ ‖HQ‖₂ with probability ≥ 1 − 10⁻¹⁰; Halko, Martinsson & Tropp 2011,
      Lemma 4.1). At a critical point the GL-orbit tangent is such a Q (Trager et al. 2020,
      eq. (11)), and deflating it is what makes Lanczos converge at large kernels.
    * dense ``eigh`` when the problem has ≤ ``dense_max_params`` parameters (or k is close to
      the dimension); otherwise ``methods`` in order: ``"arpack"`` (``eigsh``, Lanczos with
      implicit restarts, on ``Ĥ + 2s·I`` with ``s`` a norm estimate, so that ARPACK's relative
      stopping test becomes an absolute one at ``tol·s`` even when λ ≈ 0) and ``"lobpcg"``
      (started from ARPACK's best vectors). A pair is accepted when
      ``‖Ĥv − λv‖ ≤ tol · s``; ``tol`` defaults to 1e-10 (0 means 1e2·ε).
    * ``max_matvecs``: the budget of Hessian-vector products per method (default
      ``max(2000, 20·k·ncv)``); ``ncv``: ARPACK's Lanczos basis size (default ``max(2k+1, 40)``).
    """
    import time as _time
    import warnings

    t_start = _time.perf_counter()
    if which not in ("smallest", "largest"):
        raise DlnscapeError(f"which: expected 'smallest' or 'largest', got {which!r}")
    P = landscape.n_params
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 1 <= k <= P:
        raise DlnscapeError(f"k: expected an integer in [1, {P}], got {k!r}")
    k = int(k)
    if tol is None:
        tol = 1e-10
    if isinstance(tol, bool) or not isinstance(tol, (int, float, np.floating)) or not (
            0 <= tol < 1):
        raise DlnscapeError(f"tol: expected a relative tolerance in [0, 1), got {tol!r}")
    tol = max(float(tol), 1e2 * np.finfo(np.float64).eps)
    bad_methods = [m for m in methods if m not in ("arpack", "lobpcg")] if not isinstance(
        methods, str) else [methods]
    if bad_methods or not methods:
        raise DlnscapeError(
            f"methods: expected a non-empty sequence of 'arpack', 'lobpcg', got {methods!r}")
    if ncv is not None and (isinstance(ncv, bool) or not isinstance(ncv, (int, np.integer))
                            or ncv <= k):
        raise DlnscapeError(f"ncv: expected an integer > k = {k}, got {ncv!r}")
    if max_matvecs is not None and (isinstance(max_matvecs, bool)
                                    or not isinstance(max_matvecs, (int, np.integer))
                                    or max_matvecs < 1):
        raise DlnscapeError(f"max_matvecs: expected a positive integer, got {max_matvecs!r}")
    gen = check_rng(rng)
    theta = landscape.point(theta)

    def _deflation_residual(Hmul, Qop, q: int, gen: np.random.Generator, *, matrix: bool):
        """``‖H Q‖₂``: exact for q ≤ 64 (or a dense H), else the randomized upper bound
        ``10·√(2/π)·max_i ‖H Q ω_i‖`` over 10 Gaussian ω_i (Halko, Martinsson & Tropp 2011,
        Lemma 4.1: it holds with probability ≥ 1 − 10⁻¹⁰)."""
        if Qop is None or q == 0:
            return None, ""
        if q <= 64 or matrix:
            HQ = Hmul(Qop[0](np.eye(q)))
            return float(np.linalg.norm(HQ, 2)), "exact"
        Om = gen.standard_normal((q, 10))
        HQo = Hmul(Qop[0](Om))
        return float(10.0 * math.sqrt(2.0 / math.pi) * np.max(np.linalg.norm(HQo, axis=0))), \
            "randomized upper bound (probability ≥ 1 − 1e-10)"

    # -- the deflation basis -------------------------------------------------------------------
    Qm = None  # dense Q
    Qop = None  # (apply Q, apply Qᵀ) for either form
    q = 0
    if deflate is not None:
        if isinstance(deflate, LinearOperator):
            if deflate.shape[0] != P or deflate.shape[1] > P:
                raise DlnscapeError(
                    f"deflate: expected a P × q operator with P = {P}, got shape {deflate.shape}")
            q = int(deflate.shape[1])

            def _qz(z, op=deflate):
                z = np.asarray(z, dtype=np.float64)
                if z.ndim == 1:
                    return np.asarray(op.matvec(z), dtype=np.float64).reshape(-1)
                return np.column_stack([op.matvec(z[:, i]) for i in range(z.shape[1])])

            def _qtv(v, op=deflate):
                v = np.asarray(v, dtype=np.float64)
                if v.ndim == 1:
                    return np.asarray(op.rmatvec(v), dtype=np.float64).reshape(-1)
                return np.column_stack([op.rmatvec(v[:, i]) for i in range(v.shape[1])])
        else:
            Qm = np.asarray(deflate, dtype=np.float64)
            if Qm.ndim == 1:
                Qm = Qm[:, None]
            if Qm.ndim != 2 or Qm.shape[0] != P or Qm.shape[1] > P:
                raise DlnscapeError(
                    f"deflate: expected a P × q array with P = {P}, got shape {Qm.shape}")
            if not np.all(np.isfinite(Qm)):
                raise DlnscapeError("deflate: expected finite entries")
            q = Qm.shape[1]

            def _qz(z, Q=Qm):
                return Q @ z

            def _qtv(v, Q=Qm):
                return Q.T @ v
        if q:
            Qop = (_qz, _qtv)
            z = gen.standard_normal((q, 4))
            orth = float(np.linalg.norm(_qtv(_qz(z)) - z) / np.linalg.norm(z))
            if not orth <= 1e-8:
                raise DlnscapeError(
                    f"deflate: the columns are not orthonormal (‖QᵀQz − z‖/‖z‖ = {orth:.3g} on "
                    f"random z); orthonormalise them first (e.g. np.linalg.qr)")
    n_eff = P - q
    if k > n_eff:
        raise DlnscapeError(
            f"k: expected an integer in [1, {n_eff}] (P = {P} minus {q} deflated), got {k}")

    def _proj(V):
        if Qop is None:
            return V
        return V - Qop[0](Qop[1](V))

    want_small = which == "smallest"
    attempts: list[dict] = []

    def _order(vals):
        return np.argsort(vals) if want_small else np.argsort(vals)[::-1]

    # -- dense ---------------------------------------------------------------------------------
    if P <= dense_max_params or k >= n_eff - 1:
        H = landscape.hessian(theta)
        if Qop is None:
            vals, vecs = np.linalg.eigh(H)
        else:
            Qd = Qm if Qm is not None else Qop[0](np.eye(q))
            C = np.linalg.qr(Qd, mode="complete")[0][:, q:]  # orthonormal complement
            vals, Y = np.linalg.eigh(C.T @ H @ C)
            vecs = C @ Y
        o = _order(vals)[:k]
        vals, vecs = vals[o], vecs[:, o]
        res = np.linalg.norm(H @ vecs - vecs * vals, axis=0)
        scale = float(np.abs(np.linalg.eigvalsh(H)[[0, -1]]).max()) if P else 0.0
        dres, dkind = _deflation_residual(lambda V: H @ V, Qop, q, gen, matrix=True)
        return ExtremeEigenvalues(
            vals, vecs, which, "dense-eigh", P, True, res, res.copy(), 0.0, scale, "",
            q, dres, dkind, ({"method": "dense-eigh", "converged": True},), 0,
            _time.perf_counter() - t_start)

    # -- iterative -----------------------------------------------------------------------------
    from scipy.sparse.linalg import ArpackError, ArpackNoConvergence, eigsh, lobpcg

    op = landscape.hessian_operator(theta)
    counter = [0]

    def Hv(V):
        V = np.asarray(V, dtype=np.float64)
        if V.ndim == 1:
            counter[0] += 1
            return op.matvec(V).reshape(-1)
        counter[0] += V.shape[1]
        return np.column_stack([op.matvec(V[:, i]) for i in range(V.shape[1])])

    # norm estimate: a few power steps (a lower bound; enlarged below to cover the spectrum)
    x = _proj(gen.standard_normal(P))
    x /= np.linalg.norm(x) or 1.0
    s_est = 0.0
    for _ in range(12):
        y = _proj(Hv(x))
        ny = float(np.linalg.norm(y))
        s_est = max(s_est, ny)
        if ny == 0.0:
            break
        x = y / ny
    scale = max(s_est, 1e-300)
    thr = tol * scale
    shift = 2.0 * scale  # Ĥ + shift·I: ARPACK's relative test |θ| ~ scale, not ~ λ ≈ 0
    c_q = (4.0 if want_small else -4.0) * scale  # Q's eigenvalues, beyond the wanted end

    def Hd(V):
        """Ĥ V (without the ARPACK shift)."""
        if Qop is None:
            return Hv(V)
        PV = _proj(V)
        out = _proj(Hv(PV))
        return out + c_q * Qop[0](Qop[1](V))

    if ncv is None:
        ncv = max(2 * k + 1, 40)
    ncv = int(min(ncv, P - 1))
    if max_matvecs is None:
        max_matvecs = max(2000, 20 * k * ncv)
    best = None  # (values, vectors, deflated residuals, method)
    reasons = []

    def _assess(vals, vecs, method):
        nonlocal best
        vecs = np.asarray(vecs, dtype=np.float64)
        o = _order(vals)[:k]
        vals, vecs = np.asarray(vals, dtype=np.float64)[o], vecs[:, o]
        r = np.linalg.norm(Hd(vecs) - vecs * vals, axis=0)
        ok = vals.size == k and bool(np.all(r <= thr))
        worst = float(np.max(r, initial=0.0))
        if vals.size == k and (best is None or (ok, -worst) > (best[4], -float(np.max(
                best[2], initial=0.0)))):
            best = (vals, vecs, r, method, ok)
        return ok, r

    v0 = _proj(gen.standard_normal(P))
    for meth in methods:
        n0 = counter[0]
        t0 = _time.perf_counter()
        info = {"method": "lanczos-eigsh" if meth == "arpack" else "lobpcg"}
        try:
            if meth == "arpack":
                B = LinearOperator((P, P), matvec=lambda v: Hd(v) + shift * v, dtype=np.float64)
                maxiter = max(1, int(max_matvecs) // max(ncv - k, 1))
                try:
                    vals, vecs = eigsh(B, k=k, which="SA" if want_small else "LA", v0=v0,
                                       ncv=ncv, maxiter=maxiter, tol=tol / 4.0)
                    ok, r = _assess(vals - shift, vecs, info["method"])
                    info["message"] = "ARPACK returned"
                except ArpackNoConvergence as e:
                    info["message"] = f"ArpackNoConvergence: {e}"
                    ok, r = False, None
                    if len(e.eigenvalues):
                        ok, r = _assess(np.asarray(e.eigenvalues) - shift, e.eigenvectors,
                                        info["method"])
                        ok = ok and len(e.eigenvalues) >= k
            else:
                bs = min(k + 2, n_eff)
                if best is not None and best[1].shape[1]:
                    X = best[1][:, :bs]
                    if X.shape[1] < bs:
                        X = np.hstack([X, gen.standard_normal((P, bs - X.shape[1]))])
                else:
                    X = gen.standard_normal((P, bs))
                X = _proj(X)
                A = LinearOperator((P, P), matvec=Hd, matmat=Hd, dtype=np.float64)
                Yc = Qm if (Qm is not None and q) else None
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    vals, vecs = lobpcg(A, X, Y=Yc, tol=thr, largest=not want_small,
                                        maxiter=max(1, int(max_matvecs) // bs))
                ok, r = _assess(np.asarray(vals)[:bs], vecs, "lobpcg")
                info["message"] = "LOBPCG returned"
        except (ArpackError, np.linalg.LinAlgError, ValueError, RuntimeError) as e:
            ok, r = False, None
            info["message"] = f"{type(e).__name__}: {e}"
        info.update(converged=bool(ok), n_matvec=counter[0] - n0,
                    seconds=_time.perf_counter() - t0,
                    max_residual=None if r is None else float(np.max(r, initial=0.0)))
        attempts.append(info)
        if ok:
            break
        reasons.append(f"{info['method']}: {info['message']}"
                       + ("" if r is None else f" (max residual {info['max_residual']:.3g} > "
                          f"threshold {thr:.3g})"))
    if best is None:
        vals = np.full(k, np.nan)
        vecs = np.full((P, k), np.nan)
        dr = np.full(k, np.inf)
        method, conv = attempts[-1]["method"], False
    else:
        vals, vecs, dr, method, conv = best
    full = np.linalg.norm(Hv(vecs) - vecs * vals, axis=0) if best is not None else dr
    reason = "" if conv else ("no method converged: " + "; ".join(reasons))
    dres, dkind = _deflation_residual(Hv, Qop, q, gen, matrix=False)
    return ExtremeEigenvalues(
        vals, vecs, which, method, P, bool(conv), full, dr, thr, scale, reason, q, dres, dkind,
        tuple(attempts), counter[0], _time.perf_counter() - t_start)

