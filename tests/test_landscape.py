"""Derivative oracles of ``Landscape`` against JAX autodiff (x64) and central finite differences.

Every loss, h = 1..5 layers, widths 1..6: value, gradient (per layer and packed), HVP, dense
Hessian (exact symmetry), the Hessian operator, exact Taylor polynomials re-evaluated along the
line, directional derivatives, extreme eigenvalues (dense vs Lanczos) and the error paths.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dlnscape as dl
from dlnscape.errors import DlnscapeError, MemoryBudgetError, PointError

ALL = [
    ("squared", ""),
    ("squared", "rank_deficient"),
    ("distance", ""),
    ("distance", "phi"),
    ("linear_quadratic", ""),
    ("linear_quadratic", "c0"),
    ("logistic", ""),
    ("logistic", "ridge"),
    ("quartic", ""),
    ("logcosh", ""),
]
#: JaxLoss instances compile their own functions, so they get fewer examples of their own
CUSTOM = [kv for kv in ALL if kv[0] in ("quartic", "logcosh")]
BUILTIN = [kv for kv in ALL if kv not in CUSTOM]
POLYNOMIAL = [kv for kv in BUILTIN if kv[0] != "logistic"]
NON_POLYNOMIAL = [kv for kv in BUILTIN if kv[0] == "logistic"]

widths_st = st.integers(1, 5).flatmap(
    lambda h: st.lists(st.integers(1, 6), min_size=h + 1, max_size=h + 1)
)
seeds = st.integers(0, 2**32 - 1)
n_data = st.integers(1, 6)


def _fd_grad(f, x: np.ndarray, eps: float) -> np.ndarray:
    g = np.empty_like(x)
    for i in range(x.size):
        e = np.zeros_like(x)
        e[i] = eps
        g[i] = (f(x + e) - f(x - e)) / (2 * eps)
    return g


def _fd_jacobian(F, x: np.ndarray, eps: float) -> np.ndarray:
    cols = []
    for i in range(x.size):
        e = np.zeros_like(x)
        e[i] = eps
        cols.append((F(x + e) - F(x - e)) / (2 * eps))
    return np.stack(cols, axis=1)


# ---------------------------------------------------------------------------------------------
def _check_oracles(prob, jax_ref, close) -> None:
    land, theta, v = prob.landscape, prob.theta, prob.direction
    x, vflat = dl.pack(theta), dl.pack(v)
    value = land.value(theta)

    # JAX reference
    assert math.isclose(value, jax_ref.value(prob), rel_tol=1e-12, abs_tol=1e-12)
    g_ref, H_ref = jax_ref.grad(prob), jax_ref.hessian(prob)
    g = land.grad(theta)
    assert [Gk.shape for Gk in g] == list(prob.arch.shapes)
    close(dl.pack(g), g_ref, 1e-10, "grad (per layer)", atol=1e-13)
    close(land.grad_flat(x), g_ref, 1e-10, "grad_flat", atol=1e-13)
    close(dl.pack(land.hvp(theta, v)), H_ref @ vflat, 1e-10, "hvp", atol=1e-12)
    close(land.hvp_flat(x, vflat), H_ref @ vflat, 1e-10, "hvp_flat", atol=1e-12)
    H = land.hessian(theta)
    close(H, H_ref, 1e-10, "hessian", atol=1e-12)
    assert np.array_equal(H, H.T), "the dense Hessian must be exactly symmetric"
    close(land.hessian_operator(theta) @ vflat, H @ vflat, 1e-12, "operator", atol=1e-13)

    # central finite differences (truncation O(eps²), rounding O(ε_mach/eps))
    eps = 1e-5
    atol = 1e-6 * (1.0 + abs(value))
    close(land.grad_flat(x), _fd_grad(land.value, x, eps), 1e-6, "grad vs FD", atol=atol)
    close(H, _fd_jacobian(land.grad_flat, x, eps), 1e-6, "hessian vs FD", atol=atol)
    close(
        land.hvp_flat(x, vflat),
        (land.grad_flat(x + eps * vflat) - land.grad_flat(x - eps * vflat)) / (2 * eps),
        1e-6,
        "hvp vs FD",
        atol=atol,
    )


@settings(derandomize=True, max_examples=40, deadline=None)
@given(kv=st.sampled_from(BUILTIN), widths=widths_st, seed=seeds, n=n_data)
def test_value_grad_hvp_hessian_match_jax_and_finite_differences(
    kv, widths, seed, n, problem_factory, jax_ref, close
):
    _check_oracles(problem_factory(kv[0], widths, seed, n=n, variant=kv[1]), jax_ref, close)


@settings(derandomize=True, max_examples=5, deadline=None)
@given(kv=st.sampled_from(CUSTOM), widths=widths_st, seed=seeds)
def test_custom_jax_loss_oracles_match_jax_and_finite_differences(
    kv, widths, seed, problem_factory, jax_ref, close
):
    _check_oracles(problem_factory(kv[0], widths, seed, variant=kv[1]), jax_ref, close)


def _check_polynomial_taylor(prob, jax_ref) -> None:
    land, theta, v = prob.landscape, prob.theta, prob.direction
    c = land.taylor(theta, v)
    assert c.shape == (land.loss.degree * land.arch.h + 1,)
    for t in (-1.7, -0.6, 0.3, 1.1, 2.4):
        pt = tuple(W + t * V for W, V in zip(theta, v, strict=True))
        exact = land.value(pt)
        poly = float(np.polyval(c[::-1], t))
        scale = float(np.sum(np.abs(c) * abs(t) ** np.arange(c.size)))
        assert abs(poly - exact) <= 1e-10 * max(scale, abs(exact), 1.0), (t, poly, exact)
        assert math.isclose(exact, jax_ref.value(prob, pt), rel_tol=1e-11, abs_tol=1e-11)
    # low orders against nested JAX derivatives of t ↦ L(θ + tθ̇)
    d_ref = jax_ref.directional_derivatives(prob)
    k_max = min(3, c.size - 1)
    for k in range(k_max + 1):
        dk = land.directional_derivative(theta, v, k)
        assert dk == math.factorial(k) * c[k]
        assert math.isclose(dk, d_ref[k], rel_tol=1e-9, abs_tol=1e-9 * (1 + abs(d_ref[k])))
    # beyond the degree every coefficient is exactly zero
    longer = land.taylor(theta, v, c.size + 1)
    np.testing.assert_array_equal(longer[: c.size], c)
    np.testing.assert_array_equal(longer[c.size :], 0.0)
    assert land.directional_derivative(theta, v, c.size) == 0.0
    # and against finite differences of the value along the line
    f = lambda t: land.value(tuple(W + t * V for W, V in zip(theta, v, strict=True)))
    e = 1e-4
    c2 = c[2] if c.size > 2 else 0.0
    tol = 1e-5 * (1 + np.abs(c).max())
    assert abs((f(e) - f(-e)) / (2 * e) - c[1]) <= tol
    assert abs((f(e) - 2 * f(0.0) + f(-e)) / (2 * e * e) - c2) <= 1e3 * tol


@settings(derandomize=True, max_examples=30, deadline=None)
@given(kv=st.sampled_from(POLYNOMIAL), widths=widths_st, seed=seeds, n=n_data)
def test_taylor_polynomial_is_the_loss_along_the_line(
    kv, widths, seed, n, problem_factory, jax_ref
):
    """For a polynomial loss the coefficients are the whole polynomial L(θ + tθ̇)."""
    _check_polynomial_taylor(problem_factory(kv[0], widths, seed, n=n, variant=kv[1]), jax_ref)


@pytest.mark.parametrize("widths", [[2, 3], [3, 1, 2]])
def test_custom_quartic_taylor_polynomial_by_jet(widths, problem_factory, jax_ref):
    """A JaxLoss that declares its degree gets its whole polynomial from JAX Taylor mode
    (jet to order 4h compiles slowly for large h, hence two small cases)."""
    _check_polynomial_taylor(problem_factory("quartic", widths, seed=5), jax_ref)


@settings(derandomize=True, max_examples=6, deadline=None)
@given(kv=st.sampled_from(NON_POLYNOMIAL + CUSTOM[1:]), widths=widths_st, seed=seeds, n=n_data)
def test_non_polynomial_taylor_matches_nested_jax_derivatives(
    kv, widths, seed, n, problem_factory, jax_ref
):
    prob = problem_factory(kv[0], widths, seed, n=n, variant=kv[1])
    land, theta, v = prob.landscape, prob.theta, prob.direction
    c = land.taylor(theta, v, 3)
    d_ref = jax_ref.directional_derivatives(prob)
    for k in range(4):
        assert math.isclose(
            math.factorial(k) * c[k], d_ref[k], rel_tol=1e-9, abs_tol=1e-10 * (1 + abs(d_ref[k]))
        ), (k, c, d_ref)
    assert land.directional_derivative(theta, v, 3) == pytest.approx(6 * c[3], rel=1e-12)
    with pytest.raises(DlnscapeError, match="order"):
        land.taylor(theta, v)


# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "kind,variant", [("squared", ""), ("logistic", "ridge"), ("distance", "phi")]
)
@pytest.mark.parametrize("which", ["smallest", "largest"])
def test_extreme_eigenvalues_dense_and_lanczos_agree(kind, variant, which, problem_factory):
    prob = problem_factory(kind, [4, 3, 5, 2], seed=7, n=5, variant=variant)
    land, theta = prob.landscape, prob.theta
    dense = dl.hessian_extreme_eigenvalues(land, theta, k=3, which=which)
    lanczos = dl.hessian_extreme_eigenvalues(land, theta, k=3, which=which, dense_max_params=5)
    assert dense.method == "dense-eigh" and lanczos.method == "lanczos-eigsh"
    all_vals = np.linalg.eigvalsh(land.hessian(theta))
    expected = all_vals[:3] if which == "smallest" else all_vals[::-1][:3]
    scale = np.abs(all_vals).max()
    np.testing.assert_allclose(dense.values, expected, rtol=0, atol=1e-12 * scale)
    np.testing.assert_allclose(lanczos.values, expected, rtol=0, atol=1e-9 * scale)
    H = land.hessian(theta)
    for res in (dense, lanczos):  # the vectors are eigenvectors of the Hessian
        R = H @ res.vectors - res.vectors * res.values
        assert np.linalg.norm(R) <= 1e-8 * scale
    assert lanczos.to_dict()["method"] == "lanczos-eigsh"


def test_extreme_eigenvalues_reject_bad_arguments(problem_factory):
    prob = problem_factory("squared", [2, 2, 2], seed=0)
    with pytest.raises(DlnscapeError, match="which"):
        dl.hessian_extreme_eigenvalues(prob.landscape, prob.theta, which="middle")
    with pytest.raises(DlnscapeError, match="k: expected an integer in"):
        dl.hessian_extreme_eigenvalues(prob.landscape, prob.theta, k=0)


def test_dense_hessian_refuses_above_memory_budget(problem_factory):
    prob = problem_factory("squared", [6, 6, 6], seed=0)
    land = dl.Landscape(prob.landscape.model, prob.landscape.loss, memory_budget=10_000)
    with pytest.raises(MemoryBudgetError) as e:
        land.hessian(prob.theta)
    msg = str(e.value)
    assert "GiB" in msg and "hessian_operator" in msg and "P=72" in msg
    # the operator still works, and agrees with a Hessian computed under a larger budget
    v = dl.pack(prob.direction)
    np.testing.assert_allclose(
        land.hessian_operator(prob.theta) @ v, prob.landscape.hessian(prob.theta) @ v, atol=1e-12
    )


def test_hessian_bytes_reports_what_dense_assembly_needs(problem_factory):
    sq = problem_factory("squared", [3, 4, 2], seed=0).landscape
    assert sq.hessian_bytes() == 16 * sq.n_params**2  # Kronecker assembly: no Jacobian stack
    lg = problem_factory("logistic", [3, 4, 2], seed=0).landscape
    P = lg.n_params
    assert lg.hessian_bytes() == 8 * (2 * P * P + 2 * P * 2 * 3)


def test_saddle_at_origin_has_the_known_hessian():
    """At θ = 0 with h = 2, L = ½‖W_2W_1X − Y‖² has Hessian [[0, −Bᵀ], [−B, 0]]-type blocks:
    ∂²L/∂W_2∂W_1 [Ẇ_2, Ẇ_1] = −⟨Y Xᵀ, Ẇ_2 Ẇ_1⟩ (an independent closed form)."""
    rng = np.random.default_rng(3)
    X, Y = rng.standard_normal((3, 5)), rng.standard_normal((2, 5))
    land = dl.Landscape(dl.LinearNetwork(dl.Architecture([3, 4, 2])), dl.SquaredLoss(X, Y))
    theta = (np.zeros((4, 3)), np.zeros((2, 4)))
    H = land.hessian(theta)
    C = Y @ X.T
    for _ in range(5):
        u1, u2 = rng.standard_normal((4, 3)), rng.standard_normal((2, 4))
        v1, v2 = rng.standard_normal((4, 3)), rng.standard_normal((2, 4))
        expected = -np.vdot(C, u2 @ v1) - np.vdot(C, v2 @ u1)
        assert dl.pack((u1, u2)) @ H @ dl.pack((v1, v2)) == pytest.approx(expected, rel=1e-12)
    assert land.value(theta) == pytest.approx(0.5 * np.vdot(Y, Y))
    assert np.all(dl.pack(land.grad(theta)) == 0.0)


def test_data_losses_use_activations_only_when_that_is_cheaper(problem_factory):
    few = problem_factory("squared", [5, 3, 2], seed=1, n=2).landscape
    many = problem_factory("squared", [2, 3, 2], seed=1, n=6).landscape
    ridge = problem_factory("logistic", [5, 3, 2], seed=1, n=2, variant="ridge").landscape
    assert (few.model._data(few.loss) is not None and many.model._data(many.loss) is None
            and ridge.model._data(ridge.loss) is None)


# ---------------------------------------------------------------------------------------------
@pytest.fixture()
def small(problem_factory):
    return problem_factory("squared", [3, 2, 4], seed=0, n=3)


@pytest.mark.parametrize(
    "method", ["value", "grad", "grad_flat", "hessian", "hessian_operator", "end_to_end"]
)
def test_bad_points_raise_errors_naming_theta(small, method):
    land, theta = small.landscape, small.theta
    fn = getattr(land, method)
    cases = {
        "layers": (theta[:1], "expected 2 layers"),
        "shape": ((theta[0], theta[1].T), r"theta\[1\] \(W_2\): expected shape \(4, 2\)"),
        "nan": ((theta[0], np.where(theta[1] > 0, np.nan, theta[1])), "finite"),
        "float32": ((theta[0].astype(np.float32), theta[1]), "float64"),
        "flat": (np.zeros(land.n_params + 1), "theta: expected a 1-d array of length n_params=14"),
        "object": (("a", "b"), "real numeric"),
    }
    for bad, match in cases.values():
        with pytest.raises(PointError, match=match):
            fn(bad)


def test_bad_directions_raise_errors_naming_the_argument(small):
    land, theta, v = small.landscape, small.theta, small.direction
    with pytest.raises(PointError, match="dtheta"):
        land.hvp(theta, v[::-1])
    with pytest.raises(PointError, match="direction"):
        land.taylor(theta, (v[0],))
    with pytest.raises(PointError, match="v: expected a 1-d array of length"):
        land.hvp_flat(dl.pack(theta), np.zeros(3))
    with pytest.raises(PointError, match="v: expected float64"):
        land.hvp_flat(dl.pack(theta), dl.pack(v).astype(np.float32))
    with pytest.raises(DlnscapeError, match="v: expected a 1-d packed vector"):
        land.hvp_flat(dl.pack(theta), np.zeros((land.n_params, 1)))
    with pytest.raises(DlnscapeError, match="order: expected a non-negative integer"):
        land.taylor(theta, v, -1)
    with pytest.raises(DlnscapeError, match="order: expected a non-negative integer"):
        land.taylor(theta, v, 2.5)
    with pytest.raises(DlnscapeError, match="k: expected a non-negative integer"):
        land.directional_derivative(theta, v, -2)


def test_landscapes_pickle_for_process_pools(problem_factory):
    import pickle

    for kind, variant in [("squared", ""), ("logistic", "ridge"), ("distance", "phi")]:
        prob = problem_factory(kind, [3, 2, 4], seed=2, n=2, variant=variant)
        again = pickle.loads(pickle.dumps(prob.landscape))
        assert again.value(prob.theta) == prob.landscape.value(prob.theta)
        np.testing.assert_array_equal(
            again.hvp_flat(prob.theta, dl.pack(prob.direction)),
            prob.landscape.hvp_flat(prob.theta, dl.pack(prob.direction)),
        )


def test_landscape_construction_errors(small):
    loss = small.landscape.loss
    with pytest.raises(dl.LossError, match="loss: SquaredLoss is defined on 4×3"):
        dl.Landscape(dl.LinearNetwork(dl.Architecture([2, 4])), loss)
    with pytest.raises(dl.LossError, match="loss: expected a dlnscape Loss"):
        dl.Landscape(dl.LinearNetwork(dl.Architecture([3, 4])), lambda W: 0.0)
    with pytest.raises(DlnscapeError, match="model: expected a dlnscape.models.Parametrization"):
        dl.Landscape("not a model", loss)
    with pytest.raises(DlnscapeError, match="memory_budget"):
        dl.Landscape(small.landscape.model, loss, memory_budget=-1)
    # an Architecture is accepted as the model
    land = dl.Landscape(dl.Architecture([3, 2, 4]), loss)
    assert land.value(small.theta) == small.landscape.value(small.theta)
