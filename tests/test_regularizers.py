"""HadamardL2 (Mehta, Chen, Tang and Hauenstein 2022, eq. (3)) in the landscape's oracles.

The reference is independent of dlnscape: ``½‖W_h⋯W_1X − Y‖² + Σ_i Σ (λ_i w_i)²`` written
again in ``jax.numpy`` and differentiated by JAX autodiff (float64). To compile each JAX
function once, every problem is embedded in a padded one (h ≤ 3 layers of 4 × 4 matrices, ≤ 3
data columns: zeros around the true entries, identity layers above h, Λ = 0 outside), which
leaves the function unchanged on the true coordinates. The weights are drawn away from 0, so
dropping R from any one oracle changes it by far more than the tolerances.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import dlnscape as dl
from dlnscape.critical import exact as ex
from dlnscape.critical import interval as iv
from dlnscape.critical.polynomial import curve_taylor, flat_directions, gradient_series, pack_batch
from dlnscape.errors import DlnscapeError, SpecError
from dlnscape.jax_support import jax, jnp
from dlnscape.regularizers import HadamardL2, RegularizerError, regularizer_from_dict
from dlnscape.spec import spec_from_dict, spec_to_dict, spec_to_toml

H, D, N = 3, 4, 3  # padded depth, width, data columns
KMAX = 2 * H  # highest directional derivative needed (degree 2h of the squared loss)


def _ref_value(layers, X, Y, lams):
    W = layers[0]
    for A in layers[1:]:
        W = A @ W
    R = W @ X - Y
    reg = sum(jnp.sum((lam * A) ** 2) for lam, A in zip(lams, layers, strict=True))
    return 0.5 * jnp.sum(R * R) + reg


_ref_grad = jax.jit(jax.grad(_ref_value))
_ref_hess = jax.jit(jax.hessian(_ref_value))
_ref_val = jax.jit(_ref_value)


@jax.jit
def _ref_derivatives(layers, dirs, X, Y, lams):
    """``d^k/dt^k`` of the reference at t = 0 along ``layers + t·dirs``, k = 0..KMAX."""

    def g(t):
        moved = tuple(A + t * B for A, B in zip(layers, dirs, strict=True))
        return _ref_value(moved, X, Y, lams)

    out = [g(0.0)]
    f = g
    for _ in range(KMAX):
        f = (lambda prev: lambda s: jax.jvp(prev, (s,), (jnp.asarray(1.0),))[1])(f)
        out.append(f(0.0))
    return jnp.stack(out)


class Ref:
    """The padded reference of one problem (widths, X, Y, per-block Λ)."""

    def __init__(self, widths, X, Y, lam_blocks):
        self.widths, self.h = list(widths), len(widths) - 1
        self.X, self.Y = self._pad(X), self._pad(Y)
        self.lams = tuple(self._pad(lam_blocks[i]) if i < self.h else jnp.zeros((D, D))
                          for i in range(H))

    @staticmethod
    def _pad(A):
        A = np.asarray(A, dtype=np.float64)
        out = np.zeros((D, D))
        out[: A.shape[0], : A.shape[1]] = A
        return jnp.asarray(out)

    def layers(self, theta, identity=True):
        return tuple(self._pad(theta[i]) if i < self.h
                     else (jnp.eye(D) if identity else jnp.zeros((D, D))) for i in range(H))

    def _true(self, padded_blocks):
        return np.concatenate([np.asarray(padded_blocks[i])[: self.widths[i + 1], : self.widths[i]]
                               .ravel() for i in range(self.h)])

    def value(self, theta):
        return float(_ref_val(self.layers(theta), self.X, self.Y, self.lams))

    def grad(self, theta):
        return self._true(_ref_grad(self.layers(theta), self.X, self.Y, self.lams))

    def hessian(self, theta):
        Hp = [[np.asarray(B) for B in row]
              for row in _ref_hess(self.layers(theta), self.X, self.Y, self.lams)]
        idx = []  # packed true coordinates → (block, row, col) of the padded blocks
        for i in range(self.h):
            for r in range(self.widths[i + 1]):
                for c in range(self.widths[i]):
                    idx.append((i, r, c))
        P = len(idx)
        out = np.zeros((P, P))
        for a, (i, r, c) in enumerate(idx):
            for b, (j, s, t) in enumerate(idx):
                out[a, b] = float(Hp[i][j][r, c, s, t])
        return out

    def taylor(self, theta, direction):
        d = _ref_derivatives(self.layers(theta), self.layers(direction, identity=False),
                             self.X, self.Y, self.lams)
        return np.array([float(d[k]) / math.factorial(k) for k in range(KMAX + 1)])


def _problem(widths, seed, scalar: bool, n: int):
    rng = np.random.default_rng(seed)
    arch = dl.Architecture(widths)
    X, Y = rng.standard_normal((widths[0], n)), rng.standard_normal((widths[-1], n))
    if scalar:
        lam = float(rng.uniform(0.3, 1.5))
        blocks = [np.full(s, lam) for s in arch.shapes]
        reg = HadamardL2(lam)
    else:
        blocks = [rng.uniform(0.3, 1.5, s) * rng.choice([-1.0, 1.0], s) for s in arch.shapes]
        reg = HadamardL2(tuple(blocks))
    L = dl.Landscape(dl.LinearNetwork(arch), dl.SquaredLoss(X, Y), regularizer=reg)
    theta, direction = dl.random_point(arch, rng), dl.random_point(arch, rng)
    return L, theta, direction, Ref(widths, X, Y, blocks)


widths_st = st.lists(st.integers(1, D), min_size=2, max_size=H + 1)
SETTINGS = settings(max_examples=8, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow])


def _close(a, b, rtol):
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    scale = max(float(np.max(np.abs(b))) if b.size else 0.0, 1e-300)
    assert float(np.max(np.abs(a - b), initial=0.0)) <= rtol * scale, (a, b)


@SETTINGS
@given(widths=widths_st, seed=st.integers(0, 10_000), scalar=st.booleans(),
       n=st.integers(1, N))
def test_oracles_match_jax_reference_and_finite_differences(widths, seed, scalar, n):
    L, theta, direction, ref = _problem(widths, seed, scalar, n)
    # value
    assert math.isclose(L.value(theta), ref.value(theta), rel_tol=1e-12)
    # gradient: JAX, and central differences of the value
    g = L.grad_flat(theta)
    _close(g, ref.grad(theta), 1e-11)
    x0 = dl.pack(theta)
    h = 1e-5
    fd = np.array([(L.value(L.unpack(x0 + h * e)) - L.value(L.unpack(x0 - h * e))) / (2 * h)
                   for e in np.eye(x0.size)])
    _close(fd, g, 1e-6)
    # Hessian (dense and operator), HVP, and central differences of the gradient
    Href = ref.hessian(theta)
    Hd = L.hessian(theta)
    _close(Hd, Href, 1e-11)
    assert np.array_equal(Hd, Hd.T)
    v = dl.pack(direction)
    _close(L.hvp_flat(theta, v), Href @ v, 1e-11)
    _close(L.hessian_operator(theta) @ v, Href @ v, 1e-11)
    fd_h = (L.grad_flat(L.unpack(x0 + h * v)) - L.grad_flat(L.unpack(x0 - h * v))) / (2 * h)
    _close(fd_h, Href @ v, 1e-6)
    # Taylor: the exact polynomial of degree max(2h, 2), against nested JAX derivatives / k!
    hh = len(widths) - 1
    assert L.degree == max(2 * hh, 2) and L.is_polynomial
    c = L.taylor(theta, direction)
    assert c.size == L.degree + 1
    c_ref = ref.taylor(theta, direction)
    _close(c, c_ref[: c.size], 1e-10)
    # nothing beyond the degree
    assert np.all(np.abs(c_ref[c.size:]) <= 1e-12 * float(np.max(np.abs(c_ref))))
    for k in (1, 2, 3):
        assert math.isclose(L.directional_derivative(theta, direction, k),
                            math.factorial(k) * c_ref[k], rel_tol=1e-9,
                            abs_tol=1e-10 * float(np.max(np.abs(c_ref))))
    t = 0.37
    moved = tuple(W + t * V for W, V in zip(theta, direction, strict=True))
    assert math.isclose(float(np.polyval(c[::-1], t)), ref.value(moved), rel_tol=1e-11)


@SETTINGS
@given(widths=widths_st, seed=st.integers(0, 10_000), scalar=st.booleans())
def test_curves_series_balls_and_exact_include_the_regularizer(widths, seed, scalar):
    L, theta, d1, ref = _problem(widths, seed, scalar, 2)
    d2 = dl.random_point(L.arch, seed + 1)
    # Taylor along a curve θ + t d1 + t² d2 (exact polynomial of degree 2·deg L)
    c = curve_taylor(L, theta, [d1, d2])
    for t in (0.3, -0.45):
        p = tuple(W + t * a + t * t * b for W, a, b in zip(theta, d1, d2, strict=True))
        assert math.isclose(float(np.polyval(c[::-1], t)), ref.value(p), rel_tol=1e-10)
    # ∇L(θ + sU): coefficient 0 is ∇L, coefficient 1 is ∇²L[U] (both include 2Λ²θ, 2Λ²U)
    V = np.stack([dl.pack(d1), dl.pack(d2)], axis=1)
    series = gradient_series(L, theta, flat_directions(L, V), 2)
    _close(pack_batch(series[0])[:, 0], ref.grad(theta), 1e-11)
    _close(pack_batch(series[1]), ref.hessian(theta) @ V, 1e-11)
    # ball arithmetic: enclosures of L(θ), ‖∇L(θ)‖ and c_2 = ½uᵀ∇²L u
    assert iv.supports_interval(L) and ex.supports_exact(L)
    ball = iv.value_ball(L, theta)
    assert abs(float(ball.mid()) - ref.value(theta)) <= 1e-12 * abs(ref.value(theta))
    gn = float(np.linalg.norm(ref.grad(theta)))
    assert gn * (1 - 1e-12) <= iv.gradient_norm_upper(L, theta) <= gn * (1 + 1e-10)
    c2 = float(iv.line_second_coefficient(L, theta, d1).mid())
    assert math.isclose(c2, L.taylor(theta, d1)[2], rel_tol=1e-11)
    # exact rational arithmetic
    e0 = ex.exact_value(L, [ex.fr(W) for W in theta])
    assert math.isclose(float(e0), ref.value(theta), rel_tol=1e-12)
    ec = [float(x) for x in ex.exact_curve_taylor(L, theta, [d1, d2])]
    _close(ec[: c.size], c, 1e-11)


def test_zero_lambdas_give_exactly_the_unregularized_landscape():
    rng = np.random.default_rng(3)
    arch = dl.Architecture([3, 2, 2, 3])
    loss = dl.SquaredLoss(rng.standard_normal((3, 5)), rng.standard_normal((3, 5)))
    L0 = dl.Landscape(dl.LinearNetwork(arch), loss)
    theta, d = dl.random_point(arch, rng), dl.random_point(arch, rng)
    for reg in (HadamardL2(0.0), HadamardL2(tuple(np.zeros(s) for s in arch.shapes))):
        L = dl.Landscape(dl.LinearNetwork(arch), loss, regularizer=reg)
        assert reg.is_zero and not L.regularized
        assert L.value(theta) == L0.value(theta)
        assert np.array_equal(L.grad_flat(theta), L0.grad_flat(theta))
        assert np.array_equal(L.hvp_flat(theta, dl.pack(d)), L0.hvp_flat(theta, dl.pack(d)))
        assert np.array_equal(L.hessian(theta), L0.hessian(theta))
        assert np.array_equal(L.taylor(theta, d), L0.taylor(theta, d))
        assert L.degree == L0.degree
    assert dl.Landscape(arch, loss, regularizer=HadamardL2(0.5)).regularized


def test_regularizer_closed_forms_and_serialisation():
    theta = (np.array([[1.0, -2.0], [0.5, 3.0]]), np.array([[2.0, 1.0]]))
    lams = (np.array([[1.0, 0.5], [2.0, 0.0]]), np.array([[3.0, -1.0]]))
    reg = HadamardL2(lams)
    # Λ inside the square: Σ (λw)²
    assert reg.value(theta) == 1.0 + 1.0 + 1.0 + 0.0 + 36.0 + 1.0
    assert np.array_equal(reg.grad(theta)[0], 2 * lams[0] ** 2 * theta[0])
    assert np.array_equal(np.diag(reg.hessian(theta)),
                          np.concatenate([np.ravel(2 * L**2) for L in lams]))
    assert np.allclose(reg.taylor(theta, theta), reg.value(theta) * np.array([1.0, 2.0, 1.0]),
                       rtol=1e-15)
    assert reg.taylor(theta, theta, order=4).tolist()[3:] == [0.0, 0.0]
    assert float(reg.jax_value(tuple(jnp.asarray(W) for W in theta))) == reg.value(theta)
    for r in (reg, HadamardL2(0.25)):
        back = regularizer_from_dict(r.to_dict())
        assert back.to_dict() == r.to_dict() and back.value(theta) == r.value(theta)
    assert dl.Regularizer is type(reg).__mro__[1] and dl.HadamardL2 is HadamardL2


def test_errors_name_the_argument_and_the_block():
    arch = dl.Architecture([2, 3, 2])
    loss = dl.SquaredLoss(np.ones((2, 1)), np.ones((2, 1)))
    with pytest.raises(RegularizerError, match=r"lambdas\[1\]: expected the shape \(2, 3\) of "
                                               r"W_2 \(block 1\), got \(3, 2\)"):
        dl.Landscape(arch, loss, regularizer=HadamardL2((np.ones((3, 2)), np.ones((3, 2)))))
    with pytest.raises(RegularizerError, match=r"expected 2 arrays, one per parameter block"):
        dl.Landscape(arch, loss, regularizer=HadamardL2((np.ones((3, 2)),)))
    with pytest.raises(RegularizerError, match=r"lambdas\[0\]: expected finite entries"):
        HadamardL2((np.array([[np.nan]]),))
    with pytest.raises(RegularizerError, match="lambdas: expected a finite real number"):
        HadamardL2(math.inf)
    with pytest.raises(RegularizerError, match="lambdas: expected a real number"):
        HadamardL2(True)
    with pytest.raises(RegularizerError, match="got one array of shape"):
        HadamardL2(np.ones((3, 2)))
    with pytest.raises(RegularizerError, match="real entries"):
        HadamardL2((np.ones((3, 2)) * 1j, np.ones((2, 3))))
    with pytest.raises(DlnscapeError, match="regularizer: expected a dlnscape Regularizer"):
        dl.Landscape(arch, loss, regularizer="l2")
    # a constant block inside the tuple is fine
    L = dl.Landscape(arch, loss, regularizer=HadamardL2((0.5, np.ones((2, 3)))))
    assert L.regularizer.value((np.ones((3, 2)), np.ones((2, 3)))) == 6 * 0.25 + 6


def _spec(reg_table):
    return {"model": {"type": "linear", "widths": [2, 2, 2]},
            "loss": {"type": "squared", "X": [[1.0], [0.5]], "Y": [[0.3], [-0.7]]},
            "regularizer": reg_table,
            "point": {"random": True, "seed": 1}}


def test_spec_regularizer_table_round_trips(tmp_path):
    lams = [[[0.5, 0.7], [0.9, 0.6]], [[0.8, 0.4], [0.55, 0.65]]]
    for table in ({"kind": "hadamard_l2", "lambdas": lams}, {"kind": "hadamard_l2",
                                                             "lambda": 0.1}):
        L, theta = spec_from_dict(_spec(table))
        assert L.regularized
        again, th2 = spec_from_dict(spec_to_dict(L, theta))
        assert again.value(th2) == L.value(theta)
        path = tmp_path / "spec.toml"
        path.write_text(spec_to_toml(spec_to_dict(L, theta)))
        L3, th3 = dl.load_spec(path)
        assert L3.value(th3) == L.value(theta)
        assert np.array_equal(L3.hessian(th3), L.hessian(theta))
    with pytest.raises(SpecError, match=r"regularizer.lambdas\[0\]: expected the shape \(2, 2\) "
                                        r"of W_1 \(block 0\)"):
        spec_from_dict(_spec({"kind": "hadamard_l2", "lambdas": [[0.5, 0.7], lams[1]]}))
    with pytest.raises(SpecError, match="regularizer.kind: expected 'hadamard_l2'"):
        spec_from_dict(_spec({"kind": "l1", "lambda": 0.1}))
    with pytest.raises(SpecError, match="exactly one of lambda"):
        spec_from_dict(_spec({"kind": "hadamard_l2"}))
    with pytest.raises(SpecError, match="regularizer.mu: unknown key"):
        spec_from_dict(_spec({"kind": "hadamard_l2", "lambda": 0.1, "mu": 1}))
