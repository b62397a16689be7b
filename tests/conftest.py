"""Shared fixtures: random problems for every loss, and an independent JAX reference.

The reference (:class:`JaxReference`) differentiates, with JAX autodiff in float64, each loss
written again here from its definition, evaluated on the product of the layers computed in
``jnp``; it shares nothing with dlnscape's closed forms but the packing order. To compile each
JAX function once for all architectures (compilation dominates the run time), every problem is
embedded in a fixed padded one: h ≤ 5 layers of 6 × 6 matrices, n ≤ 6 data columns. Layer i is
``const_i + mask_i ⊙ x[idx_i]``: its true entries gathered from the packed vector, zeros around
them, and identity layers above layer h. Zero padding leaves every loss below unchanged, so the
derivatives in the true coordinates are those of the true problem.
"""

from __future__ import annotations

import os

os.environ.setdefault("JAX_PLATFORMS", "cpu")
# XLA compilation dominates the run time of these tests; the cheap optimisation level halves it
# (the functions compiled here are tiny, so their run time does not matter)
os.environ.setdefault(
    "XLA_FLAGS", "--xla_backend_optimization_level=0 --xla_llvm_disable_expensive_passes=true"
)

from dataclasses import dataclass, field  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402
import pytest  # noqa: E402

import dlnscape as dl  # noqa: E402
from dlnscape.jax_support import jax, jnp  # noqa: E402

HMAX, DMAX, NMAX = 5, 6, 6
NMAT = DMAX * DMAX
PMAX = HMAX * NMAT
KMAX = NMAT + 2  # rows of a padded phi

LOSS_KINDS = ("squared", "distance", "linear_quadratic", "logistic", "quartic", "logcosh")


def quartic_fn(C: np.ndarray, B: np.ndarray):
    """A custom polynomial loss of degree 4 for :class:`dlnscape.JaxLoss`."""
    Cj, Bj = jnp.asarray(C), jnp.asarray(B)
    return lambda W: 0.25 * jnp.sum((W @ W.T - Cj) ** 2) + jnp.sum(Bj * W)


def logcosh_fn(Q: np.ndarray):
    """A custom smooth non-polynomial loss for :class:`dlnscape.JaxLoss`."""
    Qj = jnp.asarray(Q)
    return lambda W: jnp.sum(jnp.log1p((W - Qj) ** 2))


@dataclass
class Problem:
    """A landscape, a point, a direction, and the padded data of its JAX reference."""

    kind: str
    landscape: dl.Landscape
    theta: tuple[np.ndarray, ...]
    direction: tuple[np.ndarray, ...]
    ref_data: dict[str, Any] = field(repr=False)
    variant: str = ""

    @property
    def arch(self) -> dl.Architecture:
        return self.landscape.arch


def _pad(a: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    out = np.zeros(shape)
    out[tuple(slice(0, s) for s in a.shape)] = a
    return out


def _low_rank(rng: np.random.Generator, m: int, n: int, rank: int) -> np.ndarray:
    return rng.standard_normal((m, rank)) @ rng.standard_normal((rank, n))


def make_problem(
    kind: str, widths: list[int], seed: int, n: int = 4, variant: str = "", scale: float = 1.0
) -> Problem:
    """A random instance of loss ``kind`` on ``widths``.

    ``variant``: "rank_deficient" (squared: X and Y of rank ≤ 1), "phi" (distance with a metric
    phi), "c0" (linear-quadratic with c = 0), "ridge" (logistic with ridge > 0).
    """
    rng = np.random.default_rng(seed)
    arch = dl.Architecture(widths)
    m, d0 = arch.d_out, arch.d_in
    data: dict[str, Any] = {}
    if kind == "squared":
        if variant == "rank_deficient":
            X, Y = _low_rank(rng, d0, n, 1), _low_rank(rng, m, n, 1)
        else:
            X, Y = rng.standard_normal((d0, n)), rng.standard_normal((m, n))
        loss = dl.SquaredLoss(X, Y)
        data = {"X": _pad(X, (DMAX, NMAX)), "Y": _pad(Y, (DMAX, NMAX))}
    elif kind == "distance":
        Q0 = rng.standard_normal((m, d0))
        phi = rng.standard_normal((int(rng.integers(1, m * d0 + 3)), m * d0))
        loss = dl.DistanceLoss(Q0, phi if variant == "phi" else None)
        phi_eff = phi if variant == "phi" else np.eye(m * d0)
        # column (a, b) of phi (row-major vec of m×d0) goes to column a*DMAX + b
        cols = (np.arange(m)[:, None] * DMAX + np.arange(d0)[None, :]).ravel()
        phip = np.zeros((KMAX, NMAT))
        phip[: phi_eff.shape[0], cols] = phi_eff
        data = {"Q0": _pad(Q0, (DMAX, DMAX)), "phi": phip}
    elif kind == "linear_quadratic":
        A, W0 = rng.standard_normal((m, d0)), rng.standard_normal((m, d0))
        c = 0.0 if variant == "c0" else float(rng.uniform(0.1, 3.0))
        loss = dl.LinearQuadraticLoss(A, c, W0)
        data = {"A": _pad(A, (DMAX, DMAX)), "W0": _pad(W0, (DMAX, DMAX)), "c": np.float64(c)}
    elif kind == "logistic":
        X = rng.standard_normal((d0, n))
        labels = rng.choice([-1.0, 1.0], size=(m, n))
        ridge = float(rng.uniform(0.1, 1.0)) if variant == "ridge" else 0.0
        loss = dl.LogisticLoss(X, labels, ridge)
        data = {
            "X": _pad(X, (DMAX, NMAX)),
            "y": _pad(labels, (DMAX, NMAX)),
            "mask": _pad(np.ones((m, n)), (DMAX, NMAX)),
            "n": np.float64(n),
            "ridge": np.float64(ridge),
        }
    elif kind == "quartic":
        C, B = rng.standard_normal((m, m)), rng.standard_normal((m, d0))
        C = C + C.T
        loss = dl.JaxLoss(quartic_fn(C, B), shape=(m, d0), name="quartic", degree=4)
        data = {"C": _pad(C, (DMAX, DMAX)), "B": _pad(B, (DMAX, DMAX))}
    elif kind == "logcosh":
        Q = rng.standard_normal((m, d0))
        loss = dl.JaxLoss(logcosh_fn(Q), shape=(m, d0), name="log1p-square")
        data = {"Q": _pad(Q, (DMAX, DMAX))}
    else:  # pragma: no cover - a typo in a test
        raise ValueError(kind)
    land = dl.Landscape(dl.LinearNetwork(arch), loss)
    theta = tuple(W * scale for W in dl.random_point(arch, rng))
    direction = dl.random_point(arch, rng)
    return Problem(kind, land, theta, direction, data, variant)


# ---------------------------------------------------------------------------------------------
def _ref_loss(kind: str, W, d):
    """Each loss from its definition, on the padded end-to-end matrix ``W`` (DMAX × DMAX)."""
    if kind == "squared":
        R = W @ d["X"] - d["Y"]
        return 0.5 * jnp.sum(R * R)
    if kind == "distance":
        r = d["phi"] @ jnp.ravel(W - d["Q0"])
        return jnp.sum(r * r)
    if kind == "linear_quadratic":
        D = W - d["W0"]
        return jnp.sum(d["A"] * W) + 0.5 * d["c"] * jnp.sum(D * D)
    if kind == "logistic":
        Z = W @ d["X"]
        return jnp.sum(d["mask"] * jax.nn.softplus(-d["y"] * Z)) / d["n"] + 0.5 * d[
            "ridge"
        ] * jnp.sum(W * W)
    if kind == "quartic":
        return 0.25 * jnp.sum((W @ W.T - d["C"]) ** 2) + jnp.sum(d["B"] * W)
    if kind == "logcosh":
        return jnp.sum(jnp.log1p((W - d["Q"]) ** 2))
    raise ValueError(kind)


def _embedding(arch: dl.Architecture) -> dict[str, np.ndarray]:
    """``layers = const + (E @ x).reshape(HMAX, DMAX, DMAX)``: E is a 0/1 matrix that puts each
    packed entry at its place in the padded layers (a matrix product, cheap to differentiate)."""
    E = np.zeros((HMAX, DMAX, DMAX, PMAX))
    const = np.zeros((HMAX, DMAX, DMAX))
    for i, (m, n) in enumerate(arch.shapes):
        pos = arch.offsets[i] + np.arange(m * n).reshape(m, n)
        a, b = np.indices((m, n))
        E[i, a, b, pos] = 1.0
    for i in range(arch.h, HMAX):
        const[i] = np.eye(DMAX)
    return {"E": E.reshape(-1, PMAX), "const": const}


class JaxReference:
    """Value, gradient, Hessian and low-order directional derivatives by JAX autodiff.

    One jitted function per loss kind returns all of them, so each kind compiles once.
    """

    def __init__(self) -> None:
        self._fns: dict[str, Any] = {}
        self._last: tuple[Any, dict[str, np.ndarray]] | None = None

    def _compiled(self, kind: str):
        if kind not in self._fns:

            def f(x, emb, d):
                layers = emb["const"] + (emb["E"] @ x).reshape(HMAX, DMAX, DMAX)
                W = layers[0]
                for i in range(1, HMAX):
                    W = layers[i] @ W
                return _ref_loss(kind, W, d)

            def everything(x, v, emb, d):
                g = lambda t: f(x + t * v, emb, d)
                one = jnp.ones(())
                # derivatives of t -> L(theta + t v) at 0 by nested forward mode
                d1 = lambda t: jax.jvp(g, (t,), (one,))[1]
                d2 = lambda t: jax.jvp(d1, (t,), (one,))[1]
                d3 = lambda t: jax.jvp(d2, (t,), (one,))[1]
                z = jnp.zeros(())
                return {
                    "value": f(x, emb, d),
                    "grad": jax.grad(f)(x, emb, d),
                    "hessian": jax.hessian(f)(x, emb, d),
                    "derivs": jnp.stack([g(z), d1(z), d2(z), d3(z)]),
                }

            self._fns[kind] = jax.jit(everything)
        return self._fns[kind]

    @staticmethod
    def _padded(vec: np.ndarray) -> np.ndarray:
        out = np.zeros(PMAX)
        out[: vec.size] = vec
        return out

    def _all(self, prob: Problem, theta=None) -> dict[str, np.ndarray]:
        theta = prob.theta if theta is None else theta
        key = (id(prob), dl.pack(theta).tobytes())
        if self._last is not None and self._last[0] == key:
            return self._last[1]
        x = jnp.asarray(self._padded(dl.pack(theta)))
        v = jnp.asarray(self._padded(dl.pack(prob.direction)))
        emb = {k: jnp.asarray(a) for k, a in _embedding(prob.arch).items()}
        d = {k: jnp.asarray(a) for k, a in prob.ref_data.items()}
        out = {k: np.asarray(a) for k, a in self._compiled(prob.kind)(x, v, emb, d).items()}
        self._last = (key, out)
        return out

    def value(self, prob: Problem, theta=None) -> float:
        return float(self._all(prob, theta)["value"])

    def grad(self, prob: Problem) -> np.ndarray:
        return self._all(prob)["grad"][: prob.arch.n_params]

    def hessian(self, prob: Problem) -> np.ndarray:
        P = prob.arch.n_params
        return self._all(prob)["hessian"][:P, :P]

    def directional_derivatives(self, prob: Problem) -> np.ndarray:
        """``[g(0), g'(0), g''(0), g'''(0)]`` for ``g(t) = L(θ + tθ̇)``, by nested jax.jvp."""
        return self._all(prob)["derivs"]


@pytest.fixture(scope="session")
def jax_ref() -> JaxReference:
    return JaxReference()


@pytest.fixture(scope="session")
def problem_factory():
    return make_problem


def assert_close(actual, expected, rtol: float, name: str = "", atol: float = 0.0) -> None:
    """Norm-wise: ``‖actual − expected‖ ≤ rtol·‖expected‖ + atol``."""
    a = np.asarray(actual, dtype=np.float64)
    e = np.asarray(expected, dtype=np.float64)
    assert a.shape == e.shape, f"{name}: shape {a.shape} != {e.shape}"
    err = float(np.linalg.norm(a - e))
    bound = rtol * float(np.linalg.norm(e)) + atol
    assert err <= bound, (
        f"{name}: ‖Δ‖ = {err:.3e} > {bound:.3e} (‖expected‖ = {np.linalg.norm(e):.3e})"
    )


@pytest.fixture(scope="session")
def close():
    return assert_close
