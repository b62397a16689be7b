"""Kawaguchi's path model of a ReLU network (Kawaguchi 2016, §3, eq (1), Cor 3.2).

A network with widths ``(d_0, …, d_h)`` (``d_0 = d_x``, ``d_h = d_y``; Kawaguchi's H + 1 = h)
written as a sum over the ``Ψ = d_0 d_1 ⋯ d_{h-1}`` input-to-output paths of each output j
(eq (1)):

    ``Ŷ(W, X)_{j,i} = q Σ_p [X_i]_{(j,p)} [Z_i]_{(j,p)} Π_{k=1}^{h} w^{(k)}_{(j,p)}``,

where path ``p = (i_0, i_1, …, i_{h-1})`` uses input coordinate ``i_0`` and the weights
``(W_k)_{i_k, i_{k-1}}`` (``i_h = j``), and ``[Z_i]_{(j,p)} ∈ {0, 1}`` says whether the path is
active on sample i. For a real ReLU network ``Z`` is the product of the ReLU gates of the hidden
units on the path (:func:`relu_path_gates`; with q = 1 eq (1) is then exactly the network,
:func:`relu_outputs`). Assumptions A1p-m (every Z is Bernoulli(ρ)) and A5u-m (Z independent of X
and W) give ``E_Z[Ŷ] = qρ Σ_p X Π w = qρ W_h⋯W_1X``; with ``q = ρ⁻¹`` this is the linear
network's output, so ``L(W) = ½‖E_Z[Ŷ(W, X)] − Y‖²`` is the deep linear loss L̄ (Cor 3.2 and its
proof, App. C.2).

:class:`KawaguchiPathModel` is that expectation as a :class:`Parametrization` (the end-to-end
map ``W_h⋯W_1``, so ``Landscape(model, SquaredLoss(X, Y))`` is Cor 3.2's L); it inherits the
linear network's closed forms, image M_r and global-minimum oracle, and adds the gated sampler
(:meth:`~KawaguchiPathModel.sample_outputs`), the path-sum expectation and the Monte-Carlo check
of Cor 3.2 (:func:`check_corollary_3_2`), which also reports the gap to a real ReLU network on
the same weights (where the gates depend on X and W, violating A5u-m).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from dlnscape.architecture import Point, as_float_matrix, end_to_end
from dlnscape.errors import DlnscapeError, PointError, ShapeError
from dlnscape.models.linear import LinearNetwork
from dlnscape.validate import check_rng

#: the largest number of (output, path) pairs the sampler enumerates
MAX_PATHS = 4096
#: gates drawn per batch when sampling (memory bound: 8 bytes each)
BATCH_GATES = 2_000_000


def _data(X: object, d0: int) -> np.ndarray:
    try:
        X = as_float_matrix(X, "X")
    except PointError as e:
        raise ShapeError(str(e)) from None
    if X.shape[0] != d0:
        raise ShapeError(f"X: expected {d0} rows (the input width d_0), got shape {X.shape}")
    return X


def _rng(rng) -> np.random.Generator:
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None or isinstance(rng, (int, np.integer)) and not isinstance(rng, bool):
        return check_rng(rng)
    raise DlnscapeError(f"rng: expected a numpy Generator or an integer seed, got {rng!r}")


def _count(n: object, name: str) -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise DlnscapeError(f"{name}: expected a positive integer, got {n!r}")
    return int(n)


@dataclass(frozen=True)
class PathTable:
    """The paths of an architecture: ``weights[j, p] = Π_k (W_k)_{i_k, i_{k-1}}`` and
    ``inputs[p] = i_0`` (path p, the same list for every output j)."""

    weights: np.ndarray  # (d_y, Ψ)
    inputs: np.ndarray  # (Ψ,) input coordinate of each path
    hidden: np.ndarray  # (Ψ, h-1) hidden units (i_1, …, i_{h-1}) of each path

    def terms(self, X: np.ndarray) -> np.ndarray:
        """``T[j, p, i] = [X_i]_{(j,p)} Π_k w^{(k)}_{(j,p)}``: shape (d_y, Ψ, m)."""
        return self.weights[:, :, None] * X[self.inputs][None, :, :]


def path_table(theta: Point) -> PathTable:
    """Enumerate the paths of ``θ = (W_1, …, W_h)`` (Kawaguchi eq (1)); path index p runs over
    ``(i_0, i_1, …, i_{h-1})`` in row-major order (i_0 slowest)."""
    h = len(theta)
    d = [theta[0].shape[1]] + [W.shape[0] for W in theta]
    # prod[i_0, i_1, …, i_k] = Π_{j ≤ k} (W_j)_{i_j, i_{j-1}}
    prod = np.ones(d[0])
    for k in range(h - 1):
        prod = prod[..., None] * np.moveaxis(theta[k], 0, -1).reshape((1,) * k + theta[k].T.shape)
    last = theta[-1]  # (d_y, d_{h-1})
    weights = (prod[None, ...] * last.reshape((last.shape[0],) + (1,) * (h - 1)
                                              + (last.shape[1],)))
    psi = int(np.prod(d[:-1]))
    idx = np.indices(d[:-1]).reshape(h, psi).T  # (Ψ, h): (i_0, …, i_{h-1})
    return PathTable(weights.reshape(last.shape[0], psi), idx[:, 0].copy(), idx[:, 1:].copy())


@dataclass(frozen=True)
class KawaguchiPathModel(LinearNetwork):
    """The expectation ``E_Z[Ŷ(W, ·)] = qρ W_h⋯W_1`` of Kawaguchi's gated path model with
    Bernoulli(ρ) gates independent of X and W and ``q = ρ⁻¹`` (Cor 3.2), as a Parametrization:
    the end-to-end matrix, so ``Landscape(model, SquaredLoss(X, Y))`` is ``½‖E_Z[Ŷ] − Y‖²``.

    Since qρ = 1 the expectation *is* the linear network (its closed forms, image M_r, fibers and
    global-minimum oracle apply: Cor 3.2 (i)–(iv) are Thm 2.3's statements about L̄).
    """

    rho: float

    def __post_init__(self) -> None:
        super().__post_init__()
        r = self.rho
        if isinstance(r, bool) or not isinstance(r, (int, float, np.integer, np.floating)):
            raise DlnscapeError(f"rho: expected the gate probability, a number in (0, 1], "
                                f"got {r!r}")
        r = float(r)
        if not (0.0 < r <= 1.0):
            raise DlnscapeError(f"rho: the Bernoulli gate probability must lie in (0, 1] "
                                f"(A1p-m), got {r!r}")
        object.__setattr__(self, "rho", r)
        psi = int(np.prod(self.arch.widths[:-1]))
        if psi * self.arch.d_out > MAX_PATHS:
            raise DlnscapeError(
                f"arch: {list(self.arch.widths)} has {psi} paths per output "
                f"({psi * self.arch.d_out} in all), above the sampler's limit of {MAX_PATHS}; "
                "use smaller widths")

    def __repr__(self) -> str:
        return f"KawaguchiPathModel({list(self.arch.widths)}, rho={self.rho:g})"

    @property
    def q(self) -> float:
        """Kawaguchi's normalisation ``q = ρ⁻¹`` (Cor 3.2)."""
        return 1.0 / self.rho

    @property
    def n_paths(self) -> int:
        """``Ψ``: paths from the inputs to each output."""
        return int(np.prod(self.arch.widths[:-1]))

    def to_dict(self) -> dict:
        return {"model": "kawaguchi_path", "widths": list(self.arch.widths), "rho": self.rho}

    # -- the gated model ------------------------------------------------------------------------
    def sample_gates(self, m: int, rng, n_samples: int = 1) -> np.ndarray:
        """Gates ``[Z_i]_{(j,p)}`` ~ Bernoulli(ρ) i.i.d., independent of X and W (A1p-m, A5u-m):
        shape (n_samples, d_y, Ψ, m), float 0/1."""
        gen = _rng(rng)
        shape = (_count(n_samples, "n_samples"), self.arch.d_out, self.n_paths, _count(m, "m"))
        return (gen.random(shape) < self.rho).astype(np.float64)

    def gated_outputs(self, theta: Point, X: np.ndarray, gates: np.ndarray,
                      q: float | None = None) -> np.ndarray:
        """Eq (1) for given gates (shape (d_y, Ψ, m) or (N, d_y, Ψ, m)): ``q Σ_p X Z Π w``."""
        theta = self.check(theta)
        X = _data(X, self.arch.d_in)
        T = path_table(theta).terms(X)
        gates = np.asarray(gates, dtype=np.float64)
        if gates.shape[-3:] != T.shape:
            raise ShapeError(f"gates: expected trailing shape {T.shape} (d_y, Ψ, m), got "
                             f"{gates.shape}")
        return (self.q if q is None else float(q)) * np.einsum("...jpi,jpi->...ji", gates, T)

    def sample_outputs(self, theta: Point, X: np.ndarray, rng, n_samples: int) -> np.ndarray:
        """``n_samples`` independent draws of ``Ŷ(W, X)`` (eq (1), Bernoulli(ρ) gates,
        q = ρ⁻¹): shape (n_samples, d_y, m). Seeded by ``rng`` (Generator or int)."""
        theta = self.check(theta)
        X = _data(X, self.arch.d_in)
        N = _count(n_samples, "n_samples")
        gen = _rng(rng)
        T = path_table(theta).terms(X)
        per = max(1, BATCH_GATES // T.size)
        out = np.empty((N,) + (T.shape[0], T.shape[2]))
        for s in range(0, N, per):
            k = min(per, N - s)
            Z = (gen.random((k,) + T.shape) < self.rho).astype(np.float64)
            out[s:s + k] = self.q * np.einsum("sjpi,jpi->sji", Z, T)
        return out

    def empirical_mean(self, theta: Point, X: np.ndarray, rng, n_samples: int,
                       method: str = "explicit") -> np.ndarray:
        """The mean of ``n_samples`` draws of Ŷ. ``"explicit"``: drawn gate by gate in batches
        (``sample_outputs``); ``"binomial"``: each gate's count over the N draws drawn at once
        as Binomial(N, ρ) — the same distribution (a sum of N i.i.d. Bernoulli(ρ) is
        Binomial(N, ρ)) at O(1) cost in N."""
        theta = self.check(theta)
        X = _data(X, self.arch.d_in)
        N = _count(n_samples, "n_samples")
        gen = _rng(rng)
        T = path_table(theta).terms(X)
        if method == "binomial":
            counts = gen.binomial(N, self.rho, size=T.shape).astype(np.float64)
            return self.q * np.einsum("jpi,jpi->ji", counts / N, T)
        if method != "explicit":
            raise DlnscapeError(f"method: expected 'explicit' or 'binomial', got {method!r}")
        per = max(1, BATCH_GATES // T.size)
        total = np.zeros((T.shape[0], T.shape[2]))
        for s in range(0, N, per):
            k = min(per, N - s)
            Zsum = (gen.random((k,) + T.shape) < self.rho).sum(axis=0, dtype=np.float64)
            total += np.einsum("jpi,jpi->ji", Zsum, T)
        return self.q * total / N

    def expected_outputs(self, theta: Point, X: np.ndarray) -> np.ndarray:
        """``E_Z[Ŷ] = qρ Σ_p [X_i]_{(j,p)} Π_k w^{(k)}_{(j,p)}`` by summing over the paths (the
        proof of Cor 3.2), independently of the matrix product."""
        theta = self.check(theta)
        X = _data(X, self.arch.d_in)
        return self.q * self.rho * path_table(theta).terms(X).sum(axis=1)

    def sampling_variance(self, theta: Point, X: np.ndarray) -> float:
        """``E‖Ŷ − E Ŷ‖²_F = q²ρ(1 − ρ) Σ_{j,p,i} T_{jpi}²`` for one draw (independent gates), so
        the mean of N draws has RMS error ``sqrt(that / N)``."""
        theta = self.check(theta)
        X = _data(X, self.arch.d_in)
        T = path_table(theta).terms(X)
        return self.q ** 2 * self.rho * (1.0 - self.rho) * float(np.sum(T * T))


# -- a real ReLU network on the same weights ------------------------------------------------------
def relu_outputs(theta: Sequence[np.ndarray], X: np.ndarray, last: str = "identity") -> np.ndarray:
    """``σ_h(W_h σ(⋯σ(W_1X)))`` with the entrywise ReLU on hidden layers and ``last`` ("identity",
    Kawaguchi's practical choice, or "relu") on the output layer; q = 1."""
    if last not in ("identity", "relu"):
        raise DlnscapeError(f"last: expected 'identity' or 'relu', got {last!r}")
    A = np.asarray(X, dtype=np.float64)
    h = len(theta)
    for k, W in enumerate(theta):
        A = W @ A
        if k < h - 1 or last == "relu":
            A = np.maximum(A, 0.0)
    return A


def relu_path_gates(theta: Sequence[np.ndarray], X: np.ndarray,
                    last: str = "identity") -> np.ndarray:
    """The gates ``[Z_i]_{(j,p)}`` of a real ReLU network: 1 iff every hidden unit on path p
    (and output j when ``last == "relu"``) is active on sample i. They depend on X and W, which
    A5u-m assumes away. Shape (d_y, Ψ, m); with them eq (1) at q = 1 is :func:`relu_outputs`."""
    X = np.asarray(X, dtype=np.float64)
    h = len(theta)
    table = path_table(tuple(theta))
    A = X
    active = []  # active[k][unit, i] for hidden layers k = 1..h-1
    for k, W in enumerate(theta):
        Zk = W @ A
        active.append(Zk > 0)
        A = np.maximum(Zk, 0.0) if k < h - 1 else Zk
    psi, m = table.inputs.size, X.shape[1]
    gate = np.ones((psi, m), dtype=bool)
    for k in range(h - 1):
        gate &= active[k][table.hidden[:, k]]
    out = np.broadcast_to(gate, (theta[-1].shape[0], psi, m)).copy()
    if last == "relu":
        out &= active[-1][:, None, :]
    return out.astype(np.float64)


# -- Cor 3.2 by Monte Carlo ------------------------------------------------------------------------
@dataclass(frozen=True)
class Corollary32Report:
    """The Monte-Carlo check of Kawaguchi Cor 3.2 at one (θ, X).

    ``linear``: ``W_h⋯W_1X`` (Cor 3.2's limit); ``path_expectation_error``: ``‖qρ Σ_p X Π w −
    W_h⋯W_1X‖`` relative (the reduction, exact up to rounding); ``n_values`` and ``rms_errors``:
    the RMS over ``repeats`` of ``‖mean of N draws − W_h⋯W_1X‖_F``; ``predicted_rms``:
    ``sqrt(q²ρ(1−ρ)ΣT²/N)``; ``slope``: least-squares slope of log RMS error on log N (−½
    expected); ``relu_gap``: ``‖ReLU net(W, X) − W_h⋯W_1X‖/‖W_h⋯W_1X‖`` for a real ReLU network
    on the same weights (identity output layer, q = 1); ``relu_active_fraction``: the fraction
    of its path gates that are on (its "ρ"), ``relu_best_scale_gap``: the gap left after the
    best scalar rescaling of the ReLU output (no q makes it the linear model).
    """

    rho: float
    n_values: tuple[int, ...]
    rms_errors: tuple[float, ...]
    predicted_rms: tuple[float, ...]
    slope: float
    repeats: int
    method: str
    linear_norm: float
    path_expectation_error: float
    relu_gap: float
    relu_best_scale_gap: float
    relu_active_fraction: float

    def to_dict(self) -> dict:
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in self.__dict__.items()}

    def __str__(self) -> str:
        rows = ", ".join(f"N={n}: {e:.3g} (pred {p:.3g})" for n, e, p in
                         zip(self.n_values, self.rms_errors, self.predicted_rms, strict=True))
        return (f"Kawaguchi Cor 3.2 (ρ = {self.rho:g}): RMS ‖mean_N Ŷ − W⋯WX‖ {rows}; "
                f"log-log slope {self.slope:.3f} (−½ expected); real ReLU net gap "
                f"{self.relu_gap:.3g} relative ({self.relu_best_scale_gap:.3g} after the best "
                f"rescaling; {100 * self.relu_active_fraction:.0f}% of its paths active)")


def check_corollary_3_2(model: KawaguchiPathModel, theta: Point, X: np.ndarray, rng,
                        n_values: Sequence[int] = (100, 300, 1000, 3000, 10_000, 30_000,
                                                   100_000),
                        repeats: int = 16, method: str = "explicit") -> Corollary32Report:
    """Kawaguchi Cor 3.2 by Monte Carlo: the mean of N gated outputs converges to the linear
    network's output ``W_h⋯W_1X`` with RMS error ``∝ N^{-1/2}``; plus the gap to a real ReLU
    network on the same weights. Seeded by ``rng``; ``repeats`` independent means per N."""
    if not isinstance(model, KawaguchiPathModel):
        raise DlnscapeError(f"model: expected a KawaguchiPathModel, got {type(model).__name__}")
    theta = model.check(theta)
    X = _data(X, model.arch.d_in)
    gen = _rng(rng)
    ns = tuple(_count(n, "n_values[i]") for n in n_values)
    if len(ns) < 2 or len(set(ns)) < 2:
        raise DlnscapeError(f"n_values: need at least two distinct sample sizes, got {ns}")
    reps = _count(repeats, "repeats")
    lin = end_to_end(theta) @ X
    nlin = float(np.linalg.norm(lin))
    denom = nlin if nlin > 0 else 1.0
    path_err = float(np.linalg.norm(model.expected_outputs(theta, X) - lin)) / denom
    rms = []
    for N in ns:
        errs = [float(np.sum((model.empirical_mean(theta, X, gen, N, method) - lin) ** 2))
                for _ in range(reps)]
        rms.append(math.sqrt(sum(errs) / reps))
    var = model.sampling_variance(theta, X)
    pred = tuple(math.sqrt(var / N) for N in ns)
    slope = float(np.polyfit(np.log(ns), np.log(rms), 1)[0])
    relu = relu_outputs(theta, X)
    gap = float(np.linalg.norm(relu - lin)) / denom
    nr = float(np.vdot(relu, relu))
    c = float(np.vdot(relu, lin)) / nr if nr > 0 else 0.0
    best = float(np.linalg.norm(c * relu - lin)) / denom
    active = float(relu_path_gates(theta, X).mean())
    return Corollary32Report(model.rho, ns, tuple(rms), pred, slope, reps, method, nlin, path_err,
                             gap, best, active)

