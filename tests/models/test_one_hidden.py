"""The one-hidden-layer network F(W_1, W_2) = W_2σ(W_1X) (Zhou & Liang, seed 003, eq (6)).

Every closed-form oracle (forward, JVP, VJP, curvature pullback, Jacobian, and the landscape's
value / gradient / HVP / Hessian for ½‖F − Y‖²) against an independent JAX reference written
here and against central finite differences; Zhou–Liang's gradient formulas (14)–(15) and
Hessian (24) as printed (column-major vec); Prop 3's global minimizers confirmed by classify;
kinks of the ReLU family reported as "undetermined"; the error paths.

The JAX reference embeds every instance in one padded problem (d_0, hidden ≤ 4, d_out ≤ 3,
n ≤ 4) so that it is compiled once: padded weights are constant zeros, padded hidden units
have zero outgoing weights and padded outputs/samples are masked out of the loss; σ is selected
by a one-hot vector among formulas written here.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import dlnscape as dl
from dlnscape.errors import DlnscapeError, PointError
from dlnscape.jax_support import jax, jnp
from dlnscape.models.activations import activation
from dlnscape.models.one_hidden import (
    OneHiddenLayerNetwork,
    one_hidden_global_minimizer,
    prop3_form,
)

DM, HM, OM, NM = 4, 4, 3, 4
PMAX = HM * DM + OM * HM
KINDS = ("leaky_relu", "relu", "tanh", "softplus", "sigmoid", "x_plus_a_tanh")
SLOPE = {"leaky_relu": 0.3, "relu": 0.0, "x_plus_a_tanh": 0.5}


def _ref_sigma(z, onehot, a):
    branches = [jnp.where(z > 0, z, a * z), jnp.where(z > 0, z, a * z), jnp.tanh(z),
                jnp.logaddexp(z, 0.0), 1.0 / (1.0 + jnp.exp(-z)), z + a * jnp.tanh(z)]
    return sum(onehot[k] * b for k, b in enumerate(branches))


def _ref_layers(x, emb):
    xe = jnp.concatenate([x, jnp.zeros(1)])
    return emb["m1"] * xe[emb["i1"]], emb["m2"] * xe[emb["i2"]]


def _ref_F(x, emb, d):
    W1, W2 = _ref_layers(x, emb)
    return d["mask"] * (W2 @ _ref_sigma(W1 @ d["X"], d["onehot"], d["a"]))


def _ref_loss(x, emb, d):
    R = _ref_F(x, emb, d) - d["mask"] * d["Y"]
    return 0.5 * jnp.sum(R * R)


@jax.jit
def _ref_all(x, v, G, emb, d):
    F = lambda y: _ref_F(y, emb, d)  # noqa: E731
    vjp = lambda y: jax.vjp(F, y)[1](G)[0]  # noqa: E731
    return {"F": F(x), "jvp": jax.jvp(F, (x,), (v,))[1], "vjp": vjp(x),
            "curv": jax.jvp(vjp, (x,), (v,))[1], "jac": jax.jacfwd(F)(x),
            "value": _ref_loss(x, emb, d), "grad": jax.grad(_ref_loss)(x, emb, d),
            "hess": jax.hessian(_ref_loss)(x, emb, d)}


def _pad(a, shape):
    out = np.zeros(shape)
    out[tuple(slice(0, s) for s in a.shape)] = a
    return out


@jax.jit
def _ref_line_derivatives(x, v, emb, d):
    """``[g(0), g′(0), g″(0), g‴(0)]`` for ``g(t) = L(θ + tθ̇)`` by nested jvp."""
    g = lambda t: _ref_loss(x + t * v, emb, d)  # noqa: E731
    one = jnp.ones(())
    d1 = lambda t: jax.jvp(g, (t,), (one,))[1]  # noqa: E731
    d2 = lambda t: jax.jvp(d1, (t,), (one,))[1]  # noqa: E731
    d3 = lambda t: jax.jvp(d2, (t,), (one,))[1]  # noqa: E731
    z = jnp.zeros(())
    return jnp.stack([g(z), d1(z), d2(z), d3(z)])


def _embed(model, Y, kind):
    hidden, d0 = model.shapes[0]
    m, n = model.output_shape
    i1 = np.full((HM, DM), PMAX)  # PMAX indexes the zero appended to x
    i1[:hidden, :d0] = np.arange(hidden * d0).reshape(hidden, d0)
    i2 = np.full((OM, HM), PMAX)
    i2[:m, :hidden] = hidden * d0 + np.arange(m * hidden).reshape(m, hidden)
    emb = {"i1": i1, "m1": (i1 < PMAX) * 1.0, "i2": i2, "m2": (i2 < PMAX) * 1.0}
    onehot = np.eye(len(KINDS))[KINDS.index(kind)]
    d = {"X": _pad(model.X, (DM, NM)), "Y": _pad(Y, (OM, NM)), "mask": _pad(np.ones((m, n)),
         (OM, NM)), "onehot": onehot, "a": SLOPE.get(kind, 0.0)}
    return emb, d


def _reference(model, theta, dtheta, G, Y, kind):
    m, n = model.output_shape
    P = model.n_params
    emb, d = _embed(model, Y, kind)
    x = _pad(dl.pack(theta), (PMAX,))
    v = _pad(dl.pack(dtheta), (PMAX,))
    out = {k: np.asarray(val) for k, val in _ref_all(x, v, _pad(G, (OM, NM)), emb, d).items()}
    return {"F": out["F"][:m, :n], "jvp": out["jvp"][:m, :n], "vjp": out["vjp"][:P],
            "curv": out["curv"][:P], "jac": out["jac"][:m, :n, :P].reshape(m * n, P),
            "value": float(out["value"]), "grad": out["grad"][:P],
            "hess": out["hess"][:P, :P]}


def _sigma(kind):
    return activation(kind, SLOPE[kind]) if kind in ("leaky_relu", "x_plus_a_tanh") else \
        activation(kind)


def _instance(kind, d0, hidden, d_out, n, seed):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((d0, n))
    model = OneHiddenLayerNetwork(X, _sigma(kind), hidden, d_out)
    theta = tuple(rng.standard_normal(s) for s in model.shapes)
    dtheta = tuple(rng.standard_normal(s) for s in model.shapes)
    G = rng.standard_normal(model.output_shape)
    Y = rng.standard_normal(model.output_shape)
    return model, theta, dtheta, G, Y


def _fd(f, x, eps):
    cols = []
    for i in range(x.size):
        e = np.zeros_like(x)
        e[i] = eps
        cols.append((np.asarray(f(x + e)) - np.asarray(f(x - e))) / (2 * eps))
    return np.stack(cols, axis=-1)


def _close(a, b, rtol, atol=0.0, name=""):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    assert a.shape == b.shape, f"{name}: {a.shape} != {b.shape}"
    err = float(np.linalg.norm(a - b))
    assert err <= rtol * float(np.linalg.norm(b)) + atol, f"{name}: ‖Δ‖ = {err:.3e}"


@settings(derandomize=True, max_examples=30, deadline=None)
@given(kind=st.sampled_from(KINDS), d0=st.integers(1, DM), hidden=st.integers(1, HM),
       d_out=st.integers(1, OM), n=st.integers(1, NM), seed=st.integers(0, 2**32 - 1))
def test_zhou_liang_eq6_oracles_match_jax_reference_and_finite_differences(
        kind, d0, hidden, d_out, n, seed):
    """Zhou–Liang eq (6) F = W_2σ(W_1X): F, dF, dFᵀ, ⟨G, d²F⟩, J and L = ½‖F − Y‖² (value,
    gradient = eqs (14)–(15), HVP, Hessian) against JAX and central differences, away from
    kinks."""
    model, theta, dtheta, G, Y = _instance(kind, d0, hidden, d_out, n, seed)
    Z1 = theta[0] @ model.X
    if model.sigma.kinks:
        assume(np.min(np.abs(Z1)) > 1e-3 * (1.0 + np.max(np.abs(Z1))))
    ref = _reference(model, theta, dtheta, G, Y, kind)
    _close(model.forward(theta), ref["F"], 1e-13, 1e-15, "forward")
    _close(model.pushforward(theta, dtheta), ref["jvp"], 1e-12, 1e-14, "pushforward")
    _close(dl.pack(model.pullback(theta, G)), ref["vjp"], 1e-12, 1e-14, "pullback")
    _close(dl.pack(model.curvature_pullback(theta, G, dtheta)), ref["curv"], 1e-11, 1e-13,
           "curvature_pullback")
    _close(model.jacobian(theta), ref["jac"], 1e-12, 1e-14, "jacobian")
    L = dl.Landscape(model, dl.SquaredLoss(np.eye(n), Y))
    x, v = dl.pack(theta), dl.pack(dtheta)
    assert abs(L.value(theta) - ref["value"]) <= 1e-12 * (1 + abs(ref["value"]))
    _close(L.grad_flat(x), ref["grad"], 1e-12, 1e-13, "grad")
    _close(L.hvp_flat(x, v), ref["hess"] @ v, 1e-11, 1e-12, "hvp")
    H = L.hessian(theta)
    assert np.array_equal(H, H.T)
    _close(H, ref["hess"], 1e-11, 1e-12, "hessian")
    # central finite differences (independent of JAX)
    eps = 1e-6
    f = lambda y: model.forward(model.unpack(y)).ravel()  # noqa: E731
    _close(model.jacobian(theta), _fd(f, x, eps), 1e-7, 1e-8, "jacobian vs FD")
    _close(L.grad_flat(x), _fd(L.value, x, eps), 1e-6, 1e-7, "grad vs FD")
    _close(H, _fd(L.grad_flat, x, eps), 1e-6, 1e-7, "hessian vs FD")


def test_zhou_liang_eqs_14_15_gradients_as_printed_in_column_major_vec():
    """Eq (14): ∇_vec(W_2) g = (σ(W_1X) ⊗ I) vec(e); eq (15): ∇_vec(W_1) g = (X ⊗ I)
    vec(σ'(W_1X) ∘ (W_2ᵀe)), vec stacking columns (Zhou–Liang §1 notation)."""
    rng = np.random.default_rng(5)
    d = 3
    X, Y = rng.standard_normal((d, d)), rng.standard_normal((d, d))
    for kind in ("x_plus_a_tanh", "leaky_relu", "tanh"):
        s = _sigma(kind)
        model = OneHiddenLayerNetwork(X, s, d)
        W1, W2 = rng.standard_normal((d, d)), rng.standard_normal((d, d))
        L = dl.Landscape(model, dl.SquaredLoss(np.eye(d), Y))
        g1, g2 = L.grad((W1, W2))
        vec = lambda M: M.reshape(-1, order="F")  # noqa: E731
        e = W2 @ s(W1 @ X) - Y
        eq14 = np.kron(s(W1 @ X), np.eye(d)) @ vec(e)
        eq15 = np.kron(X, np.eye(d)) @ vec(s.derivative(W1 @ X) * (W2.T @ e))
        _close(vec(g2), eq14, 1e-13, 1e-14, f"eq (14) {kind}")
        _close(vec(g1), eq15, 1e-13, 1e-14, f"eq (15) {kind}")


@pytest.mark.parametrize("kind", ["leaky_relu", "x_plus_a_tanh"])
def test_zhou_liang_prop3_minimizers_are_certified_global_by_classify(kind):
    """Zhou–Liang Prop 3 (eq (7)): W_2* = W̃_2*, W_1* = σ⁻¹(W̃_1*X)X⁻¹ with (W̃_2*, W̃_1*) a
    linear global minimizer (Prop 1) is a global minimizer (loss 0, m = d), with σ(W_1*X) =
    W̃_1*X of full rank; classify certifies it ("global_minimum", verify() True) on random
    instances (PReLU a = 0.3 as in the catalog, and the smooth x + 0.5 tanh x)."""
    for seed in range(3):
        rng = np.random.default_rng(100 + seed)
        d = 2 + seed
        X, Y = rng.standard_normal((d, d)), rng.standard_normal((d, d))
        gm = one_hidden_global_minimizer(X, Y, _sigma(kind), rng=seed)
        W1, W2 = gm.theta
        s = _sigma(kind)
        out = W2 @ s(W1 @ X)
        assert np.linalg.norm(out - Y) <= 1e-12 * np.linalg.norm(Y)
        assert gm.residual == pytest.approx(np.linalg.norm(out - Y), abs=1e-15)
        assert np.allclose(s(W1 @ X), gm.hidden_output, rtol=1e-12, atol=1e-13)
        assert np.linalg.matrix_rank(gm.hidden_output) == d
        W1l, W2l = gm.linear_theta
        assert np.allclose(W2l @ W1l, Y @ np.linalg.inv(X), rtol=1e-10, atol=1e-12)
        assert np.allclose(W2, gm.U @ gm.C) and np.allclose(gm.U.T @ gm.U, np.eye(d))
        model = OneHiddenLayerNetwork(X, s, d)
        L = dl.Landscape(model, dl.SquaredLoss(np.eye(d), Y))
        c = dl.classify(L, gm.theta, rng=seed)
        assert c.verdict == "global_minimum", c.explanation
        assert c.verify(L)


def test_zhou_liang_prop3_non_monotone_sigma_with_range_R_also_gives_global_minima():
    """σ(x) = x − 2 tanh x is not injective but has range R; any element of σ⁻¹ works."""
    rng = np.random.default_rng(8)
    X, Y = rng.standard_normal((3, 3)), rng.standard_normal((3, 3))
    s = activation("x_plus_a_tanh", -2.0)
    gm = one_hidden_global_minimizer(X, Y, s, rng=1)
    assert gm.residual <= 1e-12 * np.linalg.norm(Y)
    L = dl.Landscape(OneHiddenLayerNetwork(X, s, 3), dl.SquaredLoss(np.eye(3), Y))
    c = dl.classify(L, gm.theta, rng=0)
    assert c.verdict == "global_minimum" and c.verify(L)


def test_zhou_liang_prop3_converse_minimizers_found_by_optimisation_have_form_7():
    """"Any global minimizer can be characterized as (7)": zero-loss points found by
    trust-region least squares on the residual (scipy, not dlnscape) from random starts satisfy
    W̃_1 := σ(W_1X)X⁻¹, W_2 = UC with C invertible and W̃_1 = C⁻¹UᵀYX⁻¹ (Prop 1)."""
    from scipy.optimize import least_squares

    rng = np.random.default_rng(21)
    d = 3
    X, Y = rng.standard_normal((d, d)), rng.standard_normal((d, d))
    s = _sigma("x_plus_a_tanh")
    model = OneHiddenLayerNetwork(X, s, d)
    for _ in range(3):
        x0 = rng.standard_normal(model.n_params)
        res = least_squares(lambda x: (model.forward(model.unpack(x)) - Y).ravel(), x0,
                            jac=lambda x: model.jacobian(model.unpack(x)), method="trf",
                            xtol=1e-15, ftol=1e-15, gtol=1e-15)
        theta = model.unpack(res.x)
        check = prop3_form(theta, X, Y, s)
        assert check.linear_residual <= 1e-9 and check.holds, check
        # and a point that is *not* a global minimizer fails the check
        bad = (theta[0], theta[1] + 0.1)
        assert not prop3_form(bad, X, Y, s).holds


def test_zhou_liang_eq24_hessian_at_global_minimizer_is_gauss_newton_HtH():
    """Eq (24): ∇²g(W*) = H(W*)ᵀH(W*) with Hᵀ = [(X ⊗ I) diag(σ'(vec W_1X)) (I ⊗ W_2ᵀ);
    σ(W_1X) ⊗ I] in column-major vec (the W_1 block above the W_2 block)."""
    rng = np.random.default_rng(13)
    d = 3
    X, Y = rng.standard_normal((d, d)), rng.standard_normal((d, d))
    s = _sigma("x_plus_a_tanh")
    W1, W2 = one_hidden_global_minimizer(X, Y, s, rng=2).theta
    I = np.eye(d)
    vec = lambda M: M.reshape(-1, order="F")  # noqa: E731
    Ht = np.vstack([np.kron(X, I) @ np.diag(vec(s.derivative(W1 @ X))) @ np.kron(I, W2.T),
                    np.kron(s(W1 @ X), I)])
    # our Hessian is on row-major packing: permute to column-major per block
    perm = np.concatenate([np.arange(d * d).reshape(d, d).T.ravel(),
                           d * d + np.arange(d * d).reshape(d, d).T.ravel()])
    L = dl.Landscape(OneHiddenLayerNetwork(X, s, d), dl.SquaredLoss(np.eye(d), Y))
    H = L.hessian((W1, W2))[np.ix_(perm, perm)]
    _close(H, Ht @ Ht.T, 1e-10, 1e-12, "eq (24)")


def test_prop3_constructor_refuses_what_the_proposition_excludes():
    rng = np.random.default_rng(0)
    X, Y = rng.standard_normal((3, 3)), rng.standard_normal((3, 3))
    with pytest.raises(DlnscapeError, match=r"range\(σ\) = R"):
        one_hidden_global_minimizer(X, Y, "relu")
    with pytest.raises(DlnscapeError, match=r"range\(σ\) = R"):
        one_hidden_global_minimizer(X, Y, "tanh")
    with pytest.raises(DlnscapeError, match="X: Zhou–Liang Prop 3 needs square data"):
        one_hidden_global_minimizer(rng.standard_normal((3, 4)), Y, "leaky_relu")
    with pytest.raises(DlnscapeError, match="X: must be invertible"):
        one_hidden_global_minimizer(np.ones((3, 3)), Y, "leaky_relu")
    with pytest.raises(DlnscapeError, match="Y"):
        one_hidden_global_minimizer(X, Y[:, :2], "leaky_relu")
    with pytest.raises(DlnscapeError, match="C: must be invertible"):
        one_hidden_global_minimizer(X, Y, "leaky_relu", C=np.zeros((3, 3)))


def test_relu_preactivation_at_the_kink_makes_classify_undetermined():
    """A pre-activation (W_1X)_ij exactly at 0, or within rounding of it, is a point where F
    is not differentiable: nonsmooth_reason names it and classify answers "undetermined"
    with that reason; a pre-activation 1e-6 away is not flagged."""
    rng = np.random.default_rng(4)
    X = np.array([[1.0, 2, 3, 1], [2, 1, 1, 3], [3, 1, 2, 2]])  # integers: exact products
    Y = rng.standard_normal((2, 4))
    model = OneHiddenLayerNetwork(X, "relu", 3, 2)
    L = dl.Landscape(model, dl.SquaredLoss(np.eye(4), Y))
    W1 = rng.standard_normal((3, 3))
    W2 = rng.standard_normal((2, 3))
    # make (W_1X)[1, 2] = 0 exactly: W_1[1] orthogonal to X[:, 2] (exact integer arithmetic)
    x = X[:, 2]
    W1[1] = np.array([x[1], -x[0], 0.0])
    assert (W1 @ X)[1, 2] == 0.0
    why = model.nonsmooth_reason((W1, W2))
    assert why is not None and "[1, 2]" in why and "relu" in why
    c = dl.classify(L, (W1, W2), rng=0)
    if c.verdict != "not_critical":  # the gradient test comes first
        assert c.verdict == "undetermined"
        assert any("not differentiable" in r for r in c.reasons)
    # a critical point at a kink: the zero network (every pre-activation at the kink) with
    # Y = 0 has zero loss and zero gradient; classify must still refuse a derivative verdict
    L0 = dl.Landscape(model, dl.SquaredLoss(np.eye(4), np.zeros((2, 4))))
    c0 = dl.classify(L0, (np.zeros((3, 3)), np.zeros((2, 3))), rng=0)
    assert c0.verdict == "undetermined"
    assert any("not differentiable" in r for r in c0.reasons)
    assert c0.verify(L0)
    # within rounding: 1e-17 on a pre-activation of size ~1 is flagged; 1e-6 is not
    near = W1.copy()
    near[1, 2] = 1e-16 / x[2]
    assert model.nonsmooth_reason((near, W2)) is not None
    away = W1.copy()
    away[1, 2] = 1e-6 / x[2]
    assert model.nonsmooth_reason((away, W2)) is None
    assert OneHiddenLayerNetwork(X, "tanh", 3, 2).nonsmooth_reason((W1, W2)) is None


def test_one_sided_gradient_at_a_kink_never_yields_a_wrong_verdict():
    """F = w_2 relu(w_1x), x = 1, Y = −1 at θ = (0, 1): for w_1 ≤ 0 the output is 0 whatever
    w_2, so L = ½ on a neighbourhood's half and grows for w_1 > 0 — a (non-strict) local
    minimum at a kink. The gradient there is a convention (σ'(0) := 1 gives (1, 0)) and −∇L
    does not decrease L, so classify must not claim "not_critical": it says "undetermined"."""
    model = OneHiddenLayerNetwork(np.ones((1, 1)), "relu", 1, 1)
    L = dl.Landscape(model, dl.SquaredLoss(np.eye(1), np.array([[-1.0]])))
    theta = (np.array([[0.0]]), np.array([[1.0]]))
    assert model.nonsmooth_reason(theta) is not None
    for t in (1e-3, 1e-1):  # the local-minimum property, from values
        assert L.value((np.array([[-t]]), np.array([[1.0 + t]]))) == L.value(theta) == 0.5
        assert L.value((np.array([[t]]), np.array([[1.0]]))) > 0.5
    c = dl.classify(L, theta, rng=0)
    assert c.verdict == "undetermined"
    assert c.verify(L)


def test_the_zero_network_is_a_strict_saddle_for_smooth_sigma():
    """θ = 0 is critical (dFᵀ[G] = (σ'(0)∘0·X, G·σ(0)ᵀ) = 0 for tanh, σ(0) = 0) and the cross
    block W_1–W_2 of the Hessian, −σ'(0)·(…YXᵀ…), makes it indefinite whenever YXᵀ ≠ 0."""
    rng = np.random.default_rng(9)
    X, Y = rng.standard_normal((2, 3)), rng.standard_normal((2, 3))
    model = OneHiddenLayerNetwork(X, "tanh", 2)
    L = dl.Landscape(model, dl.SquaredLoss(np.eye(3), Y))
    zero = (np.zeros((2, 2)), np.zeros((2, 2)))
    assert np.linalg.norm(L.grad_flat(zero)) == 0.0
    ev = np.linalg.eigvalsh(L.hessian(zero))
    assert ev[0] < -1e-3 and ev[-1] > 1e-3
    c = dl.classify(L, zero, rng=0)
    assert c.verdict == "strict_saddle" and c.verify(L)


def test_taylor_coefficients_along_a_line_match_nested_jvp_derivatives():
    """L.taylor for this non-polynomial model (JAX Taylor mode through σ's jet-compatible
    form, softplus and the ReLU family included) against k-th derivatives of
    t ↦ L(θ + tθ̇) by nested jvp of the reference: c_k = g⁽ᵏ⁾(0)/k!."""
    for kind in ("softplus", "leaky_relu"):
        model, theta, dtheta, _, Y = _instance(kind, 3, 3, 2, 4, 17)
        L = dl.Landscape(model, dl.SquaredLoss(np.eye(4), Y))
        c = L.taylor(theta, dtheta, 3)
        emb, d = _embed(model, Y, kind)
        g = np.asarray(_ref_line_derivatives(_pad(dl.pack(theta), (PMAX,)),
                                             _pad(dl.pack(dtheta), (PMAX,)), emb, d))
        _close(c, g / np.array([1.0, 1.0, 2.0, 6.0]), 1e-10, 1e-12, f"taylor {kind}")


def test_bad_inputs_raise_errors_naming_the_argument():
    X = np.ones((2, 3))
    with pytest.raises(DlnscapeError, match="X"):
        OneHiddenLayerNetwork(np.ones(3), "tanh", 2)
    with pytest.raises(DlnscapeError, match="X"):
        OneHiddenLayerNetwork(np.array([[np.nan, 1.0]]), "tanh", 2)
    with pytest.raises(DlnscapeError, match="hidden: expected a positive integer"):
        OneHiddenLayerNetwork(X, "tanh", 0)
    with pytest.raises(DlnscapeError, match="d_out: expected a positive integer"):
        OneHiddenLayerNetwork(X, "tanh", 2, 2.5)
    with pytest.raises(DlnscapeError, match="unknown activation"):
        OneHiddenLayerNetwork(X, "gelu", 2)
    model = OneHiddenLayerNetwork(X, "tanh", 4, 1)
    L = dl.Landscape(model, dl.SquaredLoss(np.eye(3), np.zeros((1, 3))))
    with pytest.raises(PointError, match=r"W_1.*expected shape \(4, 2\)"):
        L.value((np.zeros((2, 2)), np.zeros((1, 4))))
    with pytest.raises(PointError, match="expected 2 blocks"):
        L.value((np.zeros((4, 2)),))
    with pytest.raises(DlnscapeError, match="loss"):
        dl.Landscape(model, dl.SquaredLoss(np.eye(3), np.zeros((2, 3))))


def test_shapes_defaults_and_description():
    X = np.arange(6.0).reshape(2, 3)
    model = OneHiddenLayerNetwork(X, "leaky_relu", 5)
    assert model.shapes == ((5, 2), (2, 5)) and model.output_shape == (2, 3)
    assert model.block_names == ("W_1", "W_2")
    assert model.image is None and model.polynomial_degree is None
    assert not model.ball_arithmetic
    d = model.to_dict()
    assert d["model"] == "one_hidden" and d["sigma"] == {"name": "leaky_relu", "a": 0.1}
    assert d["hidden"] == 5 and d["d_out"] == 2 and d["X"] == X.tolist()
    assert OneHiddenLayerNetwork(X, "tanh").shapes == ((2, 2), (2, 2))  # Zhou–Liang square
