"""Pyramidal nonlinear networks F_h(W) = σ_h(W_h ⋯ σ_1(W_1X)) (Nouiehed & Razaviyayn, seed
001, §4, problem (10)) and their Lemma 6.

Oracles (forward, JVP, VJP, curvature pullback, Jacobian; value / gradient / HVP / Hessian of
½‖F − Y‖²) against an independent JAX reference written here and central finite differences;
Lem 6's hypotheses and its Jacobian-rank evidence (catalog check 33); its consequence (a local
minimum with full-row-rank layers is global) confirmed by classify; the §4 premise "the image of
F_h is convex" refuted for the logistic σ; kinks; error paths.

The reference embeds every instance in one padded problem (h ≤ 3 layers, widths ≤ 4, n ≤ 4):
missing layers are identity weights with the identity activation, padded units have zero
weights into the next layer, padded outputs/samples are masked out, and σ_k is selected per layer
by a one-hot vector among formulas written here — one compilation for every instance.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import dlnscape as dl
from dlnscape.errors import ArchitectureError, DlnscapeError, PointError
from dlnscape.jax_support import jax, jnp
from dlnscape.models.activations import activation
from dlnscape.models.one_hidden import OneHiddenLayerNetwork
from dlnscape.models.pyramidal import PyramidalNetwork, lemma6

HM, DM, NM = 3, 4, 4
PMAX = HM * DM * DM
KINDS = ("leaky_relu", "relu", "tanh", "softplus", "sigmoid", "x_plus_a_tanh", "identity")
SLOPE = {"leaky_relu": 0.2, "x_plus_a_tanh": -0.5}


def _ref_sigma(z, onehot, a):
    branches = [jnp.where(z > 0, z, a * z), jnp.where(z > 0, z, 0.0), jnp.tanh(z),
                jnp.logaddexp(z, 0.0), 1.0 / (1.0 + jnp.exp(-z)), z + a * jnp.tanh(z), z]
    return sum(onehot[k] * b for k, b in enumerate(branches))


def _ref_F(x, emb, d):
    xe = jnp.concatenate([x, jnp.zeros(1)])
    A = d["X"]
    for k in range(HM):
        W = emb["const"][k] + emb["mask"][k] * xe[emb["idx"][k]]
        A = _ref_sigma(W @ A, d["onehot"][k], d["a"][k])
    return d["outmask"] * A


def _ref_loss(x, emb, d):
    R = _ref_F(x, emb, d) - d["outmask"] * d["Y"]
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


def _reference(model, kinds, theta, dtheta, G, Y):
    h = model.h
    m, n = model.output_shape
    P = model.n_params
    const = np.zeros((HM, DM, DM))
    mask = np.zeros((HM, DM, DM))
    idx = np.full((HM, DM, DM), PMAX)  # PMAX indexes the zero appended to x
    off = 0
    for k, (r, c) in enumerate(model.shapes):
        idx[k, :r, :c] = off + np.arange(r * c).reshape(r, c)
        mask[k, :r, :c] = 1.0
        off += r * c
    for k in range(h, HM):
        const[k] = np.eye(DM)
    names = list(kinds) + ["identity"] * (HM - h)
    onehot = np.stack([np.eye(len(KINDS))[KINDS.index(s)] for s in names])
    a = np.array([SLOPE.get(s, 0.0) for s in names])
    emb = {"const": const, "mask": mask, "idx": idx}
    d = {"X": _pad(model.X, (DM, NM)), "Y": _pad(Y, (DM, NM)),
         "outmask": _pad(np.ones((m, n)), (DM, NM)), "onehot": onehot, "a": a}
    x = _pad(dl.pack(theta), (PMAX,))
    v = _pad(dl.pack(dtheta), (PMAX,))
    out = {k: np.asarray(val) for k, val in _ref_all(x, v, _pad(G, (DM, NM)), emb, d).items()}
    return {"F": out["F"][:m, :n], "jvp": out["jvp"][:m, :n], "vjp": out["vjp"][:P],
            "curv": out["curv"][:P], "jac": out["jac"][:m, :n, :P].reshape(m * n, P),
            "value": float(out["value"]), "grad": out["grad"][:P], "hess": out["hess"][:P, :P]}


def _sigma(kind):
    return activation(kind, SLOPE[kind]) if kind in SLOPE else activation(kind)


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


def _min_preactivation_margin(model, theta):
    """min over kinked layers of |Z_k| / (1 + max|Z_k|) (∞ when no layer has a kink)."""
    A, out = model.X, np.inf
    for W, s in zip(theta, model.sigmas, strict=True):
        Z = W @ A
        if s.kinks:
            out = min(out, float(np.min(np.abs(Z)) / (1.0 + np.max(np.abs(Z)))))
        A = s(Z)
    return out


widths_st = st.integers(1, HM).flatmap(
    lambda h: st.lists(st.integers(1, DM), min_size=h, max_size=h).map(
        lambda w: sorted(w, reverse=True)))


@settings(derandomize=True, max_examples=30, deadline=None)
@given(d0=st.integers(1, DM), widths=widths_st, n=st.integers(1, NM),
       kinds=st.lists(st.sampled_from(KINDS), min_size=HM, max_size=HM),
       seed=st.integers(0, 2**32 - 1))
def test_nr_problem_10_oracles_match_jax_reference_and_finite_differences(
        d0, widths, n, kinds, seed):
    """NR (10): F_1 = σ_1(W_1X), F_k = σ_k(W_kF_{k-1}); F, dF, dFᵀ, ⟨G, d²F⟩, J and
    L = ½‖F − Y‖² against JAX and central differences (away from kinks)."""
    kinds = kinds[:len(widths)]
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((d0, n))
    model = PyramidalNetwork(X, widths, [_sigma(k) for k in kinds])
    theta = tuple(rng.standard_normal(s) for s in model.shapes)
    dtheta = tuple(rng.standard_normal(s) for s in model.shapes)
    G = rng.standard_normal(model.output_shape)
    Y = rng.standard_normal(model.output_shape)
    assume(_min_preactivation_margin(model, theta) > 1e-3)
    ref = _reference(model, kinds, theta, dtheta, G, Y)
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
    eps = 1e-6
    f = lambda y: model.forward(model.unpack(y)).ravel()  # noqa: E731
    _close(model.jacobian(theta), _fd(f, x, eps), 1e-7, 1e-8, "jacobian vs FD")
    _close(L.grad_flat(x), _fd(L.value, x, eps), 1e-6, 1e-7, "grad vs FD")
    _close(H, _fd(L.grad_flat, x, eps), 1e-6, 1e-7, "hessian vs FD")


def test_two_layer_pyramid_with_identity_output_is_the_one_hidden_layer_network():
    """σ_2 = identity turns NR (10) with h = 2 into Zhou–Liang eq (6): same outputs and
    derivatives (two independent closed forms)."""
    rng = np.random.default_rng(2)
    X = rng.standard_normal((4, 3))
    for kind in ("tanh", "leaky_relu", "softplus"):
        pyr = PyramidalNetwork(X, (3, 2), [_sigma(kind), "identity"])
        one = OneHiddenLayerNetwork(X, _sigma(kind), 3, 2)
        theta = tuple(rng.standard_normal(s) for s in pyr.shapes)
        dth = tuple(rng.standard_normal(s) for s in pyr.shapes)
        G = rng.standard_normal(pyr.output_shape)
        _close(pyr.forward(theta), one.forward(theta), 1e-14, 1e-15)
        _close(pyr.pushforward(theta, dth), one.pushforward(theta, dth), 1e-13, 1e-15)
        _close(dl.pack(pyr.curvature_pullback(theta, G, dth)),
               dl.pack(one.curvature_pullback(theta, G, dth)), 1e-13, 1e-15)


@pytest.mark.parametrize("kind", ["tanh", "leaky_relu", "sigmoid"])
def test_nr_lemma6_full_row_rank_layers_give_a_submersion_catalog_33(kind):
    """Catalog check 33 (NR Lem 6): pyramidal d = (8, 6, 4, 3), n = 5, X of full column rank,
    σ strictly monotone (tanh, leaky ReLU away from kinks, logistic): at random full-row-rank
    W the Jacobian of vec F_h has rank d_h·n = 15, so F_h is a submersion, hence locally open
    there, as Lem 6 states."""
    rng = np.random.default_rng(33)
    X = rng.standard_normal((8, 5))
    model = PyramidalNetwork(X, (6, 4, 3), kind)
    for _ in range(3):
        theta = tuple(rng.standard_normal(s) for s in model.shapes)
        rep = lemma6(model, theta)
        assert rep.activations_ok and all(rep.full_row_rank) and not rep.rank_ambiguous
        assert rep.pyramidal and rep.d0_exceeds_n and rep.X_full_column_rank
        assert rep.smooth and rep.nonsmooth_reason is None
        assert rep.output_dim == 15
        assert rep.jacobian_rank == 15 and not rep.jacobian_ambiguous
        assert rep.lemma_applies and rep.submersion
        # independent: the smallest singular value of J is clearly positive
        assert np.linalg.svd(model.jacobian(theta), compute_uv=False)[-1] > 1e-6
        assert rep.to_dict()["submersion"] is True


def test_nr_lemma6_hypotheses_fail_where_they_should():
    rng = np.random.default_rng(6)
    X = rng.standard_normal((5, 3))
    theta = tuple(rng.standard_normal(s) for s in ((3, 5), (2, 3)))
    relu = PyramidalNetwork(X, (3, 2), "relu")  # not strictly monotone
    rep = lemma6(relu, theta)
    assert not rep.activations_ok and not rep.lemma_applies
    tanh = PyramidalNetwork(X, (3, 2), "tanh")
    deficient = (theta[0], np.vstack([theta[1][:1], 2.0 * theta[1][:1]]))  # rank 1 < 2 rows
    rep = lemma6(tanh, deficient)
    assert rep.full_row_rank == (True, False) and not rep.lemma_applies
    wide = PyramidalNetwork(rng.standard_normal((1, 4)), (1, 1), "tanh")  # d_0 ≤ n
    rep = lemma6(wide, tuple(rng.standard_normal(s) for s in wide.shapes))
    assert not rep.d0_exceeds_n and not rep.X_full_column_rank
    assert rep.jacobian_rank == 2 < rep.output_dim == 4 and not rep.submersion  # P = 2
    first_wide = PyramidalNetwork(rng.standard_normal((2, 1)), (3, 2), "tanh")  # d_1 > d_0
    rep = lemma6(first_wide, tuple(rng.standard_normal(s) for s in first_wide.shapes))
    assert not rep.pyramidal and rep.full_row_rank[0] is False
    # at a kink there is no Jacobian evidence
    leaky = PyramidalNetwork(X, (3, 2), "leaky_relu")
    at_kink = (np.zeros((3, 5)), theta[1])
    rep = lemma6(leaky, at_kink)
    assert not rep.smooth and rep.jacobian_rank is None and not rep.submersion
    assert "kink" in rep.nonsmooth_reason
    with pytest.raises(DlnscapeError, match="model: expected a PyramidalNetwork"):
        lemma6(OneHiddenLayerNetwork(X, "tanh", 2), theta)


@pytest.mark.parametrize("kind", ["leaky_relu", "tanh"])
def test_nr_lemma6_local_minimum_with_full_row_rank_layers_is_global(kind):
    """NR Lem 6 + Observation 1: a local minimum W̄ with full-row-rank layers is global for
    convex ℓ. Minimisers of ½‖F_h(W) − Y‖² (Y = F_h(W_target), so min l = 0 is attained) found
    by scipy least squares from random starts have full-row-rank layers and zero loss; Lem 6
    applies, F_h is a submersion there, and classify certifies "global_minimum"."""
    from scipy.optimize import least_squares

    rng = np.random.default_rng(61)
    X = rng.standard_normal((5, 3))
    model = PyramidalNetwork(X, (4, 3, 2), kind)
    Y = model.forward(tuple(rng.standard_normal(s) for s in model.shapes))
    L = dl.Landscape(model, dl.SquaredLoss(np.eye(3), Y))
    for seed in range(2):
        x0 = np.random.default_rng(seed).standard_normal(model.n_params)
        res = least_squares(lambda x: (model.forward(model.unpack(x)) - Y).ravel(), x0,
                            jac=lambda x: model.jacobian(model.unpack(x)), method="trf",
                            xtol=1e-15, ftol=1e-15, gtol=1e-15)
        theta = model.unpack(res.x)
        rep = lemma6(model, theta)
        assert rep.lemma_applies and rep.submersion, rep
        c = dl.classify(L, theta, rng=seed)
        assert c.verdict == "global_minimum", c.explanation
        assert c.verify(L)


def test_nr_sec4_premise_image_of_logistic_pyramid_is_not_convex():
    """FINDING (NR §4, first paragraph): "when X is full column rank and the σ_i are
    continuous and strictly monotone, the image of F_h is convex". Counterexample with the
    logistic σ NR themselves list: d = (3, 1, 1), n = 2 (d_0 > n, widths non-increasing),
    X = [e_1, e_2] of full column rank, σ_1 = σ_2 = sigmoid. Then F = s(w_2·s(w_1X)) and
    s(w_1X) has positive entries, so w_2·s(w_1X) has two entries of one sign (or both 0):
    every image point has both entries > ½, both < ½, or both = ½. P = (0.9, 0.55) and
    Q = (0.45, 0.1) are attained (explicit weights below), but their midpoint (0.675, 0.325)
    has one entry above and one below ½, so it is not in the image. (The §4 conclusion is not
    affected where F_h is a submersion: see the test above.)"""
    from scipy.special import logit

    X = np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]])
    model = PyramidalNetwork(X, (1, 1), "sigmoid")
    rep_setting = lemma6(model, (np.array([[1.0, 1.0, 0.0]]), np.array([[1.0]])))
    assert rep_setting.pyramidal and rep_setting.d0_exceeds_n and rep_setting.X_full_column_rank
    assert rep_setting.activations_ok

    def preimage(target):
        z = logit(np.asarray(target))  # w_2·u = logit(target), both of one sign
        w2 = 2.0 * np.max(np.abs(z)) * np.sign(z[0])
        u = z / w2  # in (0, 1)
        assert np.all((u > 0) & (u < 1))
        return (np.array([[logit(u[0]), logit(u[1]), 0.0]]), np.array([[w2]]))

    P, Q = np.array([0.9, 0.55]), np.array([0.45, 0.1])
    for target in (P, Q):
        assert np.allclose(model.forward(preimage(target)).ravel(), target, rtol=1e-14)
    M = 0.5 * (P + Q)
    assert (M[0] - 0.5) * (M[1] - 0.5) < -0.01  # opposite sides of ½: not in the image
    # the invariant the proof uses, on random weights (it cannot fail for this model)
    rng = np.random.default_rng(0)
    for _ in range(500):
        th = (rng.normal(scale=3.0, size=(1, 3)), rng.normal(scale=3.0, size=(1, 1)))
        F = model.forward(th).ravel()
        assert (F[0] - 0.5) * (F[1] - 0.5) >= 0.0


def test_kink_in_a_later_layer_makes_classify_undetermined():
    """A pre-activation of layer 2 at the kink of leaky ReLU: nonsmooth_reason names layer 2
    and classify answers "undetermined" (never a derivative-based verdict)."""
    X = np.array([[1.0, 2.0, 0.0], [0.0, 1.0, 1.0], [1.0, 0.0, 2.0], [2.0, 1.0, 1.0]])
    model = PyramidalNetwork(X, (2, 2), "leaky_relu")
    W1 = np.array([[1.0, 0.0, 1.0, 0.0], [0.0, 1.0, 0.0, 1.0]])  # A_1 = W_1X > 0, exact
    A1 = W1 @ X
    W2 = np.array([[A1[1, 0], -A1[0, 0]], [1.0, 1.0]])  # (W_2A_1)[0, 0] = 0 exactly
    assert (W2 @ A1)[0, 0] == 0.0
    why = model.nonsmooth_reason((W1, W2))
    assert why is not None and "layer 2" in why and "[0, 0]" in why
    Y = model.forward((W1, W2))  # zero loss, zero gradient: only the kink blocks a verdict
    L = dl.Landscape(model, dl.SquaredLoss(np.eye(3), Y))
    c = dl.classify(L, (W1, W2), rng=0)
    assert c.verdict == "undetermined"
    assert any("not differentiable" in r for r in c.reasons)
    assert c.verify(L)
    assert model.nonsmooth_reason((W1, W2 + 1e-3)) is None


def test_bad_inputs_raise_errors_naming_the_argument():
    X = np.ones((4, 2))
    with pytest.raises(ArchitectureError, match=r"widths: a pyramidal network .* d_2 = 3 > d_1"):
        PyramidalNetwork(X, (2, 3), "tanh")
    with pytest.raises(ArchitectureError, match="widths"):
        PyramidalNetwork(X, (), "tanh")
    with pytest.raises(ArchitectureError, match=r"widths\[1\]: expected a positive integer"):
        PyramidalNetwork(X, (3, 0), "tanh")
    with pytest.raises(DlnscapeError, match="expected 2 activations"):
        PyramidalNetwork(X, (3, 2), ["tanh"])
    with pytest.raises(DlnscapeError, match="X"):
        PyramidalNetwork(np.ones(4), (3, 2), "tanh")
    model = PyramidalNetwork(X, (3, 2), "tanh")
    L = dl.Landscape(model, dl.SquaredLoss(np.eye(2), np.zeros((2, 2))))
    with pytest.raises(PointError, match=r"W_2.*expected shape \(2, 3\)"):
        L.value((np.zeros((3, 4)), np.zeros((3, 3))))


def test_shapes_and_description():
    X = np.arange(8.0).reshape(4, 2)
    model = PyramidalNetwork(X, 3, "sigmoid")
    assert model.shapes == ((3, 4),) and model.output_shape == (3, 2)
    model = PyramidalNetwork(X, [3, 3, 1], ["tanh", "leaky_relu", "identity"])
    assert model.shapes == ((3, 4), (3, 3), (1, 3)) and model.all_widths == (4, 3, 3, 1)
    assert model.block_names == ("W_1", "W_2", "W_3") and model.image is None
    d = model.to_dict()
    assert d["model"] == "pyramidal" and d["widths"] == [3, 3, 1]
    assert [s["name"] for s in d["sigmas"]] == ["tanh", "leaky_relu", "identity"]
