"""Kawaguchi's path model of ReLU networks (Kawaguchi 2016, seed 002, §3, eq (1), Cor 3.2).

Path enumeration against an explicit itertools reference written here; eq (1) with the real
ReLU gates reproduces the ReLU network; E_Z[Ŷ] = qρ Σ_p X Π w = W_h⋯W_1X (q = 1/ρ); the seeded
vectorised sampler has the Bernoulli moments; the Monte-Carlo mean converges with RMS error
∝ N^{-1/2} (log-log slope fitted over N = 100 … 10^5, catalog check 47) while a real ReLU
network on the same weights stays away; the expectation as a Parametrization is the deep linear
loss L̄ (derivatives against JAX and finite differences, classify verdicts); error paths.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dlnscape as dl
from dlnscape.errors import DlnscapeError
from dlnscape.jax_support import jax, jnp
from dlnscape.models.linear import LinearNetwork
from dlnscape.models.path import (
    KawaguchiPathModel,
    check_corollary_3_2,
    path_table,
    relu_outputs,
    relu_path_gates,
)

widths_st = st.integers(1, 3).flatmap(
    lambda h: st.lists(st.integers(1, 4), min_size=h + 1, max_size=h + 1))


def _point(widths, seed, m):
    rng = np.random.default_rng(seed)
    theta = tuple(rng.standard_normal((widths[k + 1], widths[k])) for k in range(len(widths) - 1))
    return theta, rng.standard_normal((widths[0], m))


def _paths_reference(theta, X, gate=None, q=1.0):
    """Eq (1) written out: Ŷ_{j,i} = q Σ_p X[i_0, i] Z Π_k W_k[i_k, i_{k-1}], paths p =
    (i_0, …, i_{h-1}) enumerated by itertools (i_h = j)."""
    h = len(theta)
    dims = [theta[0].shape[1]] + [W.shape[0] for W in theta]
    out = np.zeros((dims[-1], X.shape[1]))
    for j in range(dims[-1]):
        for p, path in enumerate(itertools.product(*[range(d) for d in dims[:-1]])):
            units = list(path) + [j]
            w = 1.0
            for k in range(h):
                w *= theta[k][units[k + 1], units[k]]
            for i in range(X.shape[1]):
                z = 1.0 if gate is None else gate(j, p, units, i)
                out[j, i] += q * X[path[0], i] * z * w
    return out


@settings(derandomize=True, max_examples=25, deadline=None)
@given(widths=widths_st, m=st.integers(1, 4), seed=st.integers(0, 2**32 - 1),
       rho=st.sampled_from([0.1, 0.3, 0.5, 1.0]))
def test_kawaguchi_cor32_path_expectation_is_the_linear_output(widths, m, seed, rho):
    """Kawaguchi §3.1 / App. C.2: with q = ρ⁻¹, E_Z[Ŷ] = qρ Σ_p [X_i]_{(j,p)} Π_k w = W_h⋯W_1X;
    the vectorised path table agrees with the itertools enumeration of eq (1)."""
    theta, X = _point(widths, seed, m)
    model = KawaguchiPathModel(widths, rho)
    lin = dl.end_to_end(theta) @ X
    ref = _paths_reference(theta, X)
    assert np.allclose(ref, lin, rtol=1e-12, atol=1e-12)
    assert np.allclose(model.expected_outputs(theta, X), lin, rtol=1e-12, atol=1e-12)
    table = path_table(theta)
    assert table.weights.shape == (widths[-1], int(np.prod(widths[:-1])))
    assert model.n_paths == table.inputs.size
    assert np.allclose(table.terms(X).sum(axis=1), ref, rtol=1e-12, atol=1e-12)
    # all gates on with q = 1: eq (1) is the linear network itself
    ones = np.ones(table.terms(X).shape)
    assert np.allclose(model.gated_outputs(theta, X, ones, q=1.0), lin, rtol=1e-12, atol=1e-12)


@settings(derandomize=True, max_examples=25, deadline=None)
@given(widths=widths_st, m=st.integers(1, 4), seed=st.integers(0, 2**32 - 1),
       last=st.sampled_from(["identity", "relu"]))
def test_kawaguchi_eq1_with_relu_gates_is_the_relu_network(widths, m, seed, last):
    """Kawaguchi eq (1): a ReLU network is the path sum with [Z_i]_{(j,p)} = 1 iff every unit on
    path p is active on sample i (q = 1) — gates that depend on X and W (what A5u-m assumes
    away)."""
    theta, X = _point(widths, seed, m)
    model = KawaguchiPathModel(widths, 0.5)
    relu = relu_outputs(theta, X, last)
    h = len(theta)
    acts, A = [], X
    for k, W in enumerate(theta):
        Z = W @ A
        acts.append(Z > 0)
        A = np.maximum(Z, 0) if (k < h - 1 or last == "relu") else Z

    def gate(j, p, units, i):
        on = all(acts[k][units[k + 1], i] for k in range(h - 1))
        return float(on and (last == "identity" or acts[-1][j, i]))

    assert np.allclose(_paths_reference(theta, X, gate), relu, rtol=1e-12, atol=1e-12)
    G = relu_path_gates(theta, X, last)
    assert set(np.unique(G)) <= {0.0, 1.0}
    assert np.allclose(model.gated_outputs(theta, X, G, q=1.0), relu, rtol=1e-12, atol=1e-12)


def test_sampler_is_seeded_vectorised_and_has_the_bernoulli_moments():
    """A1p-m / A5u-m: i.i.d. Bernoulli(ρ) gates independent of X and W; the N draws come back
    as one (N, d_y, m) array; same seed, same draws; the draws are eq (1) with the sampled
    gates; mean and total variance match E Ŷ = W_h⋯W_1X and q²ρ(1−ρ)ΣT² within 5 standard
    errors."""
    theta, X = _point([2, 3, 2], 47, 4)
    model = KawaguchiPathModel((2, 3, 2), 0.3)
    N = 20_000
    S = model.sample_outputs(theta, X, 1, N)
    assert S.shape == (N, 2, 4)
    assert np.array_equal(S, model.sample_outputs(theta, X, 1, N))
    assert not np.array_equal(S[:5], model.sample_outputs(theta, X, 2, 5))
    gates = model.sample_gates(4, 1, N)
    assert np.array_equal(S, model.gated_outputs(theta, X, gates))
    assert abs(gates.mean() - 0.3) < 5 * np.sqrt(0.3 * 0.7 / gates.size)
    lin = dl.end_to_end(theta) @ X
    T = path_table(theta).terms(X)
    var_entry = model.q ** 2 * 0.3 * 0.7 * np.sum(T * T, axis=1)  # (d_y, m)
    assert np.all(np.abs(S.mean(axis=0) - lin) <= 5 * np.sqrt(var_entry / N))
    tot = ((S - lin) ** 2).sum(axis=(1, 2))
    assert abs(tot.mean() - model.sampling_variance(theta, X)) <= 5 * tot.std() / np.sqrt(N)
    assert model.sampling_variance(theta, X) == pytest.approx(var_entry.sum(), rel=1e-12)


def test_kawaguchi_cor32_monte_carlo_error_decays_like_n_to_the_minus_half():
    """Catalog check 47: d = (2, 3, 2), m = 4, ρ = 0.3, q = 1/ρ: the mean of N gated outputs
    tends to W_2W_1X with RMS error ∝ N^{-1/2} (slope fitted over N = 100 … 10^5, 16 seeded
    repeats per N) and equal to the exact sqrt(q²ρ(1−ρ)ΣT²/N); a real ReLU network on the
    same weights does not (numbers in the report: relative gap 0.74, 0.43 after the best
    rescaling, 42% of its paths active — its gates depend on X and W)."""
    rng = np.random.default_rng(0)
    theta = tuple(rng.standard_normal(s) for s in ((3, 2), (2, 3)))
    X = rng.standard_normal((2, 4))
    model = KawaguchiPathModel((2, 3, 2), 0.3)
    rep = check_corollary_3_2(model, theta, X, rng=2024)
    assert rep.n_values == (100, 300, 1000, 3000, 10_000, 30_000, 100_000)
    assert rep.path_expectation_error <= 1e-14
    assert -0.58 <= rep.slope <= -0.42, rep
    ratio = np.array(rep.rms_errors) / np.array(rep.predicted_rms)
    assert np.all((ratio > 0.7) & (ratio < 1.4)), ratio
    assert rep.relu_gap == pytest.approx(0.737, abs=5e-3)
    assert rep.relu_best_scale_gap == pytest.approx(0.431, abs=5e-3)
    assert rep.relu_active_fraction == pytest.approx(10 / 24)
    assert rep.rms_errors[-1] / rep.linear_norm < 0.05 * rep.relu_gap  # converged, not to ReLU
    assert "slope" in str(rep) and rep.to_dict()["n_values"][0] == 100
    fast = check_corollary_3_2(model, theta, X, rng=7, method="binomial", repeats=32)
    assert -0.58 <= fast.slope <= -0.42
    ratio = np.array(fast.rms_errors) / np.array(fast.predicted_rms)
    assert np.all((ratio > 0.7) & (ratio < 1.4)), ratio


def test_kawaguchi_relu_gap_numbers_on_the_same_weights():
    """The ReLU network's relative gap ‖ReLU(W, X) − W_2W_1X‖/‖W_2W_1X‖ computed here from its
    definition equals the report's (no rescaling q makes the two agree on this instance)."""
    rng = np.random.default_rng(0)
    theta = tuple(rng.standard_normal(s) for s in ((3, 2), (2, 3)))
    X = rng.standard_normal((2, 4))
    lin = theta[1] @ theta[0] @ X
    relu = theta[1] @ np.maximum(theta[0] @ X, 0.0)
    rep = check_corollary_3_2(KawaguchiPathModel((2, 3, 2), 0.3), theta, X, 0,
                              n_values=(10, 20), repeats=1)
    assert rep.relu_gap == pytest.approx(np.linalg.norm(relu - lin) / np.linalg.norm(lin),
                                         rel=1e-12)
    cs = np.linspace(-3, 3, 6001)
    best = min(np.linalg.norm(c * relu - lin) for c in cs) / np.linalg.norm(lin)
    assert rep.relu_best_scale_gap <= best + 1e-12 and rep.relu_best_scale_gap > 0.4


def _ref_loss(x, X, Y, shapes):
    Ws, o = [], 0
    for r, c in shapes:
        Ws.append(x[o:o + r * c].reshape(r, c))
        o += r * c
    W = Ws[0]
    for Wk in Ws[1:]:
        W = Wk @ W
    R = W @ X - Y
    return 0.5 * jnp.sum(R * R)


def _ref_grad_hessian(x, X, Y, shapes):
    f = lambda y: _ref_loss(y, X, Y, shapes)  # noqa: E731
    both = jax.jit(lambda y: (jax.grad(f)(y), jax.hessian(f)(y)))
    return tuple(np.asarray(a) for a in both(jnp.asarray(x)))


def test_kawaguchi_cor32_expected_loss_is_the_deep_linear_loss():
    """Cor 3.2: L(W) = ½‖E_Z[Ŷ(W, X)] − Y‖² = L̄(W). Value via the path sum; gradient and
    Hessian of the Parametrization against JAX autodiff of ½‖W_h⋯W_1X − Y‖² and central
    differences."""
    for widths, seed in (((2, 3, 2), 1), ((3, 2, 4, 2), 2)):
        theta, X = _point(list(widths), seed, 5)
        Y = np.random.default_rng(seed + 10).standard_normal((widths[-1], 5))
        model = KawaguchiPathModel(widths, 0.4)
        L = dl.Landscape(model, dl.SquaredLoss(X, Y))
        E = model.expected_outputs(theta, X)
        assert L.value(theta) == pytest.approx(0.5 * np.sum((E - Y) ** 2), rel=1e-12)
        x = dl.pack(theta)
        g_ref, H_ref = _ref_grad_hessian(x, X, Y, model.shapes)
        assert np.allclose(L.grad_flat(x), g_ref, rtol=1e-11, atol=1e-12)
        assert np.allclose(L.hessian(theta), H_ref, rtol=1e-11, atol=1e-12)
        eps = 1e-6
        fd = np.array([(L.value(x + eps * e) - L.value(x - eps * e)) / (2 * eps)
                       for e in np.eye(x.size)])
        assert np.allclose(L.grad_flat(x), fd, rtol=1e-6, atol=1e-7)


def test_kawaguchi_cor32_critical_points_of_the_expected_loss_are_those_of_the_linear_net():
    """Cor 3.2 (ii)–(iii) inherit Thm 2.3: a global minimizer built independently (W* = YX⁺
    factored through the hidden layer) is certified global; θ = 0 (H = 1, YXᵀ ≠ 0) is a strict
    saddle, not a local maximum."""
    rng = np.random.default_rng(5)
    X, Y = rng.standard_normal((2, 6)), rng.standard_normal((2, 6))
    model = KawaguchiPathModel((2, 3, 2), 0.3)
    L = dl.Landscape(model, dl.SquaredLoss(X, Y))
    Wstar = Y @ np.linalg.pinv(X)
    W1 = np.vstack([np.eye(2), np.zeros((1, 2))])
    W2 = np.hstack([Wstar, np.zeros((2, 1))])
    c = dl.classify(L, (W1, W2), rng=0)
    assert c.verdict == "global_minimum" and c.verify(L)
    c0 = dl.classify(L, (np.zeros((3, 2)), np.zeros((2, 3))), rng=0)
    assert c0.verdict == "strict_saddle" and c0.verify(L)


def test_structure_and_description():
    model = KawaguchiPathModel((2, 3, 2), 0.25)
    assert isinstance(model, LinearNetwork) and model.linear_network is model
    assert model.q == 4.0 and model.rho == 0.25 and model.n_paths == 6
    assert model.image.r == 2 and model.polynomial_degree == 2
    assert model.to_dict() == {"model": "kawaguchi_path", "widths": [2, 3, 2], "rho": 0.25}
    assert "rho=0.25" in repr(model)


def test_bad_inputs_raise_errors_naming_the_argument():
    theta, X = _point([2, 3, 2], 0, 4)
    for rho in (0.0, 1.5, -0.1, float("nan")):
        with pytest.raises(DlnscapeError, match=r"rho: the Bernoulli gate probability"):
            KawaguchiPathModel((2, 3, 2), rho)
    with pytest.raises(DlnscapeError, match="rho: expected"):
        KawaguchiPathModel((2, 3, 2), True)
    with pytest.raises(DlnscapeError, match="paths per output"):
        KawaguchiPathModel((8, 8, 8, 8, 2), 0.5)
    model = KawaguchiPathModel((2, 3, 2), 0.5)
    with pytest.raises(DlnscapeError, match="X: expected 2 rows"):
        model.sample_outputs(theta, np.ones((3, 4)), 0, 10)
    with pytest.raises(DlnscapeError, match="n_samples: expected a positive integer"):
        model.sample_outputs(theta, X, 0, 0)
    with pytest.raises(DlnscapeError, match="rng: expected"):
        model.sample_outputs(theta, X, "seed", 3)
    with pytest.raises(DlnscapeError, match="method"):
        model.empirical_mean(theta, X, 0, 3, method="exact")
    with pytest.raises(DlnscapeError, match="gates: expected trailing shape"):
        model.gated_outputs(theta, X, np.ones((2, 6)))
    with pytest.raises(DlnscapeError, match="W_2"):
        model.expected_outputs((theta[0], np.ones((3, 3))), X)
    with pytest.raises(DlnscapeError, match="last"):
        relu_outputs(theta, X, last="tanh")
    with pytest.raises(DlnscapeError, match="n_values"):
        check_corollary_3_2(model, theta, X, 0, n_values=(100,))
    with pytest.raises(DlnscapeError, match="model: expected a KawaguchiPathModel"):
        check_corollary_3_2(LinearNetwork((2, 3, 2)), theta, X, 0)
