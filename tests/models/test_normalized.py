"""The normalized linear network ν_d (Trager, Kohn & Bruna 2020 = seed 004, §3.4, eq (6)) and
Proposition 14 (its critical locus corresponds to that of μ_d on Ω).

Every derivative oracle is checked against JAX autodiff of a reference written here from eq (6)
(output side first, on a padded problem; it shares nothing with the model's ``jax_forward`` or
closed forms) and against central finite differences.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dlnscape as dl
from dlnscape.errors import PointError
from dlnscape.jax_support import jax, jnp
from dlnscape.models.normalized import (
    NormalizedLinearNetwork,
    absorb_norms,
    normalize_point,
    p_map,
    q_map,
)
from dlnscape.tolerances import layer_relative_gradients, point_scale, relative_gradient_at

# ---- an independent reference ----------------------------------------------------------------
#: every problem is embedded in a padded one (h ≤ 4 layers of 4×4, n ≤ 3 columns) so that the
#: JAX reference compiles once: the true layers sit in the last h slots (W_h in the last one,
#: top-left corners, zeros around: Frobenius norms and products are unchanged) and the slots
#: below are identities, which eq (6) is not applied to
HMAX, DMAX, NMAX = 4, 4, 3
PMAX = HMAX * DMAX * DMAX


def _padded_nu(x, emb):
    slots = (emb["E"] @ x).reshape(HMAX, DMAX, DMAX)
    out = slots[HMAX - 1]
    for i in range(HMAX - 2, -1, -1):
        Wi = slots[i]
        active = emb["active"][i]
        # an inactive slot holds zeros: give it norm 1 so that nothing divides by zero
        nrm = jnp.sqrt(jnp.sum(Wi * Wi) + (1.0 - active))
        out = out @ (active * (Wi / nrm) + (1.0 - active) * jnp.eye(DMAX))
    return out


def _padded_loss(kind, Z, d):
    if kind == "squared":
        R = Z @ d["X"] - d["Y"]
        return 0.5 * jnp.sum(R * R)
    r = d["phi"] @ jnp.ravel(Z - d["Q0"])
    return jnp.sum(r * r)


_COMPILED: dict = {}


def _compiled(kind):
    if kind not in _COMPILED:
        def everything(x, u, c1, c2, emb, d):
            f = lambda y: _padded_loss(kind, _padded_nu(y, emb), d)
            g = lambda t: f(x + t * u)
            crv = lambda t: _padded_nu(x + t * c1 + t * t * c2, emb)
            one = jnp.ones(())
            ders, cders = [g], [crv]
            for _ in range(3):
                ders.append(lambda t, p=ders[-1]: jax.jvp(p, (t,), (one,))[1])
                cders.append(lambda t, p=cders[-1]: jax.jvp(p, (t,), (one,))[1])
            z = jnp.zeros(())
            return {"value": f(x), "grad": jax.grad(f)(x), "hessian": jax.hessian(f)(x),
                    "F": _padded_nu(x, emb), "J": jax.jacfwd(lambda y: _padded_nu(y, emb))(x),
                    "derivs": jnp.stack([q(z) for q in ders]),
                    "curve": jnp.stack([q(z) for q in cders])}

        _COMPILED[kind] = jax.jit(everything)
    return _COMPILED[kind]


def _embedding(arch):
    E = np.zeros((HMAX, DMAX, DMAX, PMAX))
    active = np.zeros(HMAX)
    first = HMAX - arch.h
    for i, (m, n) in enumerate(arch.shapes):
        pos = arch.offsets[i] + np.arange(m * n).reshape(m, n)
        a, b = np.indices((m, n))
        E[first + i, a, b, pos] = 1.0
        active[first + i] = 1.0
    return {"E": E.reshape(-1, PMAX), "active": active}


def _pad(a, shape):
    out = np.zeros(shape)
    out[tuple(slice(0, k) for k in a.shape)] = a
    return out


def _pad_vec(x):
    out = np.zeros(PMAX)
    out[: x.size] = x
    return out


def make_problem(kind, widths, seed, n=3):
    rng = np.random.default_rng(seed)
    arch = dl.Architecture(widths)
    m, d0 = arch.d_out, arch.d_in
    if kind == "squared":
        X, Y = rng.standard_normal((d0, n)), rng.standard_normal((m, n))
        loss, data = dl.SquaredLoss(X, Y), {"X": _pad(X, (DMAX, NMAX)), "Y": _pad(Y, (DMAX, NMAX))}
    else:
        Q0 = rng.standard_normal((m, d0))
        phi = np.eye(m * d0) + 0.5 * rng.standard_normal((m * d0, m * d0))
        cols = (np.arange(m)[:, None] * DMAX + np.arange(d0)[None, :]).ravel()
        phip = np.zeros((DMAX * DMAX, DMAX * DMAX))
        phip[: m * d0, cols] = phi
        loss, data = dl.DistanceLoss(Q0, phi), {"Q0": _pad(Q0, (DMAX, DMAX)), "phi": phip}
    land = dl.Landscape(NormalizedLinearNetwork(arch), loss)
    theta = tuple(rng.standard_normal(s) for s in arch.shapes)
    v = tuple(rng.standard_normal(s) for s in arch.shapes)
    return land, theta, v, data


def reference(kind, data, land, theta, v, curve=None):
    """Value, gradient, Hessian, F, its Jacobian, the derivatives 0..3 of t ↦ L(θ + tv) and of
    t ↦ ν(θ + tθ_1 + t²θ_2) (``curve = (θ_1, θ_2)``), by JAX on the padded reference."""
    arch = land.model.arch
    P = arch.n_params
    m, d0 = arch.end_to_end_shape
    emb = _embedding(arch)
    c1, c2 = curve if curve is not None else (v, v)
    out = _compiled(kind)(*(jnp.asarray(_pad_vec(dl.pack(a))) for a in (theta, v, c1, c2)),
                          {k: jnp.asarray(a) for k, a in emb.items()},
                          {k: jnp.asarray(a) for k, a in data.items()})
    out = {k: np.asarray(a) for k, a in out.items()}
    rows = (np.arange(m)[:, None] * DMAX + np.arange(d0)[None, :]).ravel()
    return {"value": float(out["value"]), "grad": out["grad"][:P],
            "hessian": out["hessian"][:P, :P], "F": out["F"][:m, :d0],
            "J": out["J"].reshape(DMAX * DMAX, PMAX)[rows, :P],
            "derivs": [float(a) for a in out["derivs"]],
            "curve": [a[:m, :d0] for a in out["curve"]]}


def fd_grad(f, x, eps=1e-5):
    out = np.empty_like(x)
    for i in range(x.size):
        e = np.zeros_like(x)
        e[i] = eps
        out[i] = (f(x + e) - f(x - e)) / (2 * eps)
    return out


widths_st = st.integers(1, HMAX).flatmap(
    lambda h: st.lists(st.integers(1, DMAX), min_size=h + 1, max_size=h + 1))


# ---- derivative oracles ----------------------------------------------------------------------
@settings(derandomize=True, max_examples=7, deadline=None)
@given(kind=st.sampled_from(["squared", "distance"]), widths=widths_st,
       seed=st.integers(0, 2**32 - 1))
def test_trager_eq6_oracles_match_jax_reference_and_finite_differences(kind, widths, seed, close):
    """Seed 004, eq (6): value, gradient, HVP, dense Hessian, F, dF (JVP, VJP, Jacobian) and
    Taylor coefficients of L' = l ∘ ν_d against the independent reference and central FD."""
    land, theta, v, data = make_problem(kind, widths, seed)
    ref = reference(kind, data, land, theta, v)
    model = land.model
    x, u = dl.pack(theta), dl.pack(v)
    assert math.isclose(land.value(theta), ref["value"], rel_tol=1e-12, abs_tol=1e-13)
    close(model.forward(theta), ref["F"], 1e-12, "F", atol=1e-14)
    close(model.pushforward(theta, v).ravel(), ref["J"] @ u, 1e-11, "JVP", atol=1e-13)
    G = np.random.default_rng(seed % 7).standard_normal(model.output_shape)
    close(dl.pack(model.pullback(theta, G)), ref["J"].T @ G.ravel(), 1e-11, "VJP", atol=1e-13)
    close(model.jacobian(theta), ref["J"], 1e-11, "Jacobian", atol=1e-13)
    close(land.grad_flat(x), ref["grad"], 1e-10, "grad", atol=1e-12)
    close(land.hvp_flat(x, u), ref["hessian"] @ u, 1e-10, "hvp", atol=1e-12)
    H = land.hessian(theta)
    close(H, ref["hessian"], 1e-10, "hessian", atol=1e-12)
    assert np.array_equal(H, H.T)
    c = land.taylor(theta, v, 3)
    size = 1.0 + max(abs(x) for x in ref["derivs"])  # the derivatives' scale
    for k in range(4):
        assert math.isclose(math.factorial(k) * c[k], ref["derivs"][k], rel_tol=1e-8,
                            abs_tol=1e-9 * size), (k, c, ref["derivs"])
    # central finite differences
    atol = 1e-6 * (1 + abs(ref["value"]))
    close(land.grad_flat(x), fd_grad(land.value, x), 1e-6, "grad vs FD", atol=atol)
    eps = 1e-5
    close(land.hvp_flat(x, u), (land.grad_flat(x + eps * u) - land.grad_flat(x - eps * u))
          / (2 * eps), 1e-6, "hvp vs FD", atol=atol)
    cols = [(land.grad_flat(x + eps * e) - land.grad_flat(x - eps * e)) / (2 * eps)
            for e in np.eye(x.size)]
    close(H, np.array(cols).T, 1e-6, "hessian vs FD", atol=atol)
    f = lambda t: land.value(tuple(W + t * V for W, V in zip(theta, v, strict=True)))
    e = 1e-4
    assert abs((f(e) - f(-e)) / (2 * e) - c[1]) <= 1e-6 * (1 + np.abs(c).max())
    assert abs((f(e) - 2 * f(0.0) + f(-e)) / (2 * e * e) - c[2]) <= 1e-3 * (1 + np.abs(c).max())


def test_trager_eq6_curve_coefficients_match_reference_along_a_quadratic_curve(close):
    """Taylor coefficients of ν_d(θ + tθ_1 + t²θ_2) (JAX Taylor mode) against nested
    derivatives of the reference."""
    land, theta, c1, data = make_problem("squared", [3, 2, 4, 2], 4)
    rng = np.random.default_rng(40)
    c2 = tuple(rng.standard_normal(W.shape) for W in theta)
    coeffs = land.model.curve_coefficients(theta, [c1, c2], order=3)
    ref = reference("squared", data, land, theta, c1, curve=(c1, c2))
    for k in range(4):
        close(coeffs[k], ref["curve"][k] / math.factorial(k), 1e-10, f"Z_{k}", atol=1e-12)


# ---- domain, structure ---------------------------------------------------------------------
def test_trager_sec34_domain_omega_rejects_a_zero_normalized_layer_by_name():
    """Ω = {W_i ≠ 0, i < h} (seed 004, §3.4): a zero hidden layer is named; W_h = 0 is in Ω."""
    model = NormalizedLinearNetwork([2, 3, 2, 2])
    rng = np.random.default_rng(0)
    theta = [rng.standard_normal(s) for s in model.shapes]
    bad = list(theta)
    bad[1] = np.zeros_like(bad[1])
    land = dl.Landscape(model, dl.DistanceLoss(rng.standard_normal((2, 2))))
    with pytest.raises(PointError, match=r"theta\[1\] \(W_2\).*Ω"):
        land.value(bad)
    with pytest.raises(PointError, match=r"W_2"):
        land.value(dl.pack(bad))  # packed vectors are checked as well
    with pytest.raises(PointError, match=r"W_2"):
        normalize_point(bad)
    with pytest.raises(PointError, match=r"W_2"):
        absorb_norms(bad)
    top_zero = list(theta)
    top_zero[-1] = np.zeros_like(top_zero[-1])
    assert land.value(top_zero) == pytest.approx(float(np.sum(land.loss.Q0 ** 2)))
    # directions are not points: a direction with zero blocks is fine
    direction = [np.zeros_like(W) for W in theta]
    direction[-1] = np.ones_like(theta[-1])
    assert np.all(np.isfinite(dl.pack(land.hvp(theta, direction))))
    assert np.isfinite(land.taylor(theta, direction, 2)).all()
    assert model.nonsmooth_reason(tuple(theta)) is None


def test_trager_prop14_maps_p_and_q_satisfy_the_identities_of_the_proof():
    """Proof of Prop 14: ν_d = μ_d ∘ p, μ_d = ν_d ∘ q on Ω, q ∘ p = p, both land in
    N = {‖W_i‖ = 1, i < h}, and ν_d is 0-homogeneous in each W_i, i < h."""
    rng = np.random.default_rng(1)
    for widths in ([3, 2, 2, 3], [2, 4, 1], [3, 3], [1, 2, 3, 2, 1]):
        nu = NormalizedLinearNetwork(widths)
        theta = tuple(rng.standard_normal(s) for s in nu.shapes)
        mu = dl.end_to_end
        np.testing.assert_allclose(nu.forward(theta), mu(p_map(theta)), rtol=1e-13, atol=1e-15)
        np.testing.assert_allclose(nu.forward(q_map(theta)), mu(theta), rtol=1e-12, atol=1e-14)
        for a, b in zip(q_map(p_map(theta)), p_map(theta), strict=True):
            np.testing.assert_allclose(a, b, rtol=1e-14, atol=1e-15)
        for pt in (p_map(theta), q_map(theta)):
            for W in pt[:-1]:
                assert np.linalg.norm(W) == pytest.approx(1.0, rel=1e-14)
        scaled = tuple(W * (1.0 + 3.0 * i) if i < len(theta) - 1 else W
                       for i, W in enumerate(theta))
        np.testing.assert_allclose(nu.forward(scaled), nu.forward(theta), rtol=1e-12,
                                   atol=1e-14)


def test_trager_sec34_image_is_M_r_and_the_eckart_young_oracle_certifies_a_global_minimum():
    """ν_d has the image of μ_d (M_r, r = min widths): the point q(θ*) of an Eckart–Young
    factorisation θ* (rank-r truncation of Q0) is a certified global minimum of ‖ν_d − Q0‖²."""
    rng = np.random.default_rng(2)
    model = NormalizedLinearNetwork([4, 2, 3, 4])
    assert (model.image.m, model.image.n, model.image.r) == (4, 4, 2)
    Q0 = rng.standard_normal((4, 4))
    U, s, Vt = np.linalg.svd(Q0)
    theta_star = (np.diag(np.sqrt(s[:2])) @ Vt[:2], np.eye(3, 2),
                  U[:, :2] @ np.diag(np.sqrt(s[:2])) @ np.eye(2, 3))
    land = dl.Landscape(model, dl.DistanceLoss(Q0))
    res = dl.classify(land, q_map(theta_star), rng=0)
    assert res.verdict == "global_minimum", (res.verdict, res.reasons)
    assert res.verify(land)
    assert res.value == pytest.approx(float(np.sum(s[2:] ** 2)), rel=1e-12)  # Eckart–Young
    # W_1 rescaled: the same ν_d, so still a global minimum (0-homogeneity) …
    moved = (7.0 * q_map(theta_star)[0],) + q_map(theta_star)[1:]
    assert dl.classify(land, moved, rng=0).verdict == "global_minimum"
    # … and a perturbed one is not
    off = tuple(W + 1e-2 * rng.standard_normal(W.shape) for W in q_map(theta_star))
    res_off = dl.classify(land, off, rng=0)
    assert res_off.verdict == "not_critical" and res_off.verify(land)


# ---- scale invariance ---------------------------------------------------------------------
def _points(land, rng, n_starts=4):
    """Newton and GD end points (critical) plus two random points (not critical)."""
    pts = []
    for k in range(n_starts):
        th0 = dl.random_point(land.model.arch, rng)
        r = dl.find_critical_point(land, th0, method="newton" if k % 2 == 0 else "gd")
        if r.converged and min(np.linalg.norm(W) for W in r.theta) > 1e-3:
            pts.append(r.theta)
    pts += [dl.random_point(land.model.arch, rng) for _ in range(2)]
    return pts


def test_normalized_verdicts_invariant_under_data_scaling_and_layer_rescaling():
    """Tolerance policy (DESIGN.md): (X, Y) → (aX, aY) for a ∈ {1e-6, 1e6} (L → a²L), and
    W_i → s_iW_i for i < h (ν_d is 0-homogeneous, seed 004 §3.4) change no verdict."""
    rng = np.random.default_rng(5)
    arch = dl.Architecture([3, 2, 3])
    X, Y = rng.standard_normal((3, 5)), rng.standard_normal((3, 5))
    model = NormalizedLinearNetwork(arch)
    base = dl.Landscape(model, dl.SquaredLoss(X, Y))
    pts = _points(base, rng)
    verdicts = [dl.classify(base, th, rng=0).verdict for th in pts]
    assert "not_critical" in verdicts and len(set(verdicts) - {"undetermined"}) >= 2, verdicts
    for a in (1e-6, 1e6):
        land = dl.Landscape(model, dl.SquaredLoss(a * X, a * Y))
        for th, v in zip(pts, verdicts, strict=True):
            res = dl.classify(land, th, rng=0)
            assert res.verdict == v, (a, res.verdict, v, res.reasons)
            assert res.verify(land)
    for th, v in zip(pts, verdicts, strict=True):
        moved = (1e5 * th[0],) + th[1:]
        res = dl.classify(base, moved, rng=0)
        assert res.verdict == v, ("rescaled W_1", res.verdict, v, res.reasons)
        # the per-layer ratios ‖∇_{W_k}L‖/γ_k are invariant (both sides ∝ 1/s_k) above rounding
        ra = layer_relative_gradients(base.grad(moved), point_scale(base, moved))
        rb = layer_relative_gradients(base.grad(th), point_scale(base, th))
        for a, b in zip(ra, rb, strict=True):
            if b > 1e-12:
                assert a == pytest.approx(b, rel=1e-6)
            else:
                assert a <= 1e-12


# ---- Proposition 14 ---------------------------------------------------------------------------
def _prop14_instances():
    """(landscape of ν_d, landscape of μ_d) pairs: seed 004's d = (3, 2, 2, 3) with a perturbed
    distance (catalog item 78) and a squared loss with data."""
    out = []
    arch = dl.Architecture([3, 2, 2, 3])
    for seed in range(2):
        rng = np.random.default_rng(seed)
        Q0 = rng.standard_normal((3, 3))
        phi = np.eye(9) + 0.3 * rng.standard_normal((9, 9))
        out.append(dl.DistanceLoss(Q0, phi))
    rng = np.random.default_rng(10)
    out.append(dl.SquaredLoss(rng.standard_normal((3, 6)), rng.standard_normal((3, 6))))
    return [(dl.Landscape(NormalizedLinearNetwork(arch), loss),
             dl.Landscape(dl.LinearNetwork(arch), loss)) for loss in out]


def test_trager_prop14_critical_points_correspond_both_ways_with_the_same_verdicts():
    """Seed 004, Prop 14: θ' ∈ Crit(L') ⟺ p(θ') ∈ Crit(L), and θ ∈ Crit(L) ∩ Ω ⟺
    q(θ) ∈ Crit(L'), with ν_d(θ') = μ_d(p(θ')). On critical points found by Newton and GD on
    each landscape, both directions hold, and classify never gives contradictory verdicts on
    the two sides (the text claims only the correspondence of critical loci; the verdicts agree
    because L' = L ∘ p and L = L' ∘ q with p, q submersions onto N preserve local minimality
    and, at critical points, the sign of Hessian directions).

    One asymmetry is allowed and checked: ν_d has no ball arithmetic, so a strict saddle of L
    whose negative curvature is too weak to show a decrease in float64 (and which L certifies
    by the ball-arithmetic second-order test) may be "undetermined" for L', with that reason.
    Newton end points are not bit-reproducible, so which saddles are that weak can vary."""
    pairs = []  # (landscape, point, other landscape, mapped point)
    for k, (Ln, Lp) in enumerate(_prop14_instances()):
        rng = np.random.default_rng(100 + k)
        for j in range(3):
            th0 = dl.random_point(Lp.model.arch, rng)
            method = "newton" if j % 2 == 0 else "gd"
            rn = dl.find_critical_point(Ln, th0, method=method)
            if rn.converged:
                pairs.append((Ln, rn.theta, Lp, p_map(rn.theta)))
            rp = dl.find_critical_point(Lp, th0, method=method)
            # Crit(L) ∩ Ω, well inside Ω: a Newton run can collapse to θ ≈ 0 ∉ Ω (layer norms
            # ~1e-160, where every product underflows and the gradient is a float 0; such a
            # point is not on Ω's critical locus), so the layers must have data-sized norms
            if rp.converged and min(np.linalg.norm(W) for W in rp.theta[:-1]) > 1e-6:
                pairs.append((Lp, rp.theta, Ln, q_map(rp.theta)))
    assert len(pairs) >= 8, len(pairs)
    kinds, agree, weak = set(), 0, 0
    for L1, th1, L2, th2 in pairs:
        r1, r2 = relative_gradient_at(L1, th1)[0], relative_gradient_at(L2, th2)[0]
        assert r1 <= 1e-9 and r2 <= 1e-9, (r1, r2)
        np.testing.assert_allclose(L1.end_to_end(th1), L2.end_to_end(th2), rtol=1e-10,
                                   atol=1e-12)
        c1, c2 = dl.classify(L1, th1, rng=0), dl.classify(L2, th2, rng=0)
        assert c1.verify(L1) and c2.verify(L2)
        if c1.verdict == c2.verdict and c1.verdict != "undetermined":
            agree += 1
            kinds.add(c1.verdict.value)
            continue
        by_model = {type(L.model).__name__: c for L, c in ((L1, c1), (L2, c2))}
        cn, cp = by_model["NormalizedLinearNetwork"], by_model["LinearNetwork"]
        assert cn.verdict == "undetermined" and cp.verdict == "strict_saddle", (
            cn.verdict, cp.verdict, cn.reasons, cp.reasons)
        assert any("verifiable escape points" in r for r in cn.reasons), cn.reasons
        assert cn.hessian.n_negative > 0  # the negative curvature is seen on both sides
        weak += 1
    assert weak <= 2 and agree >= len(pairs) - 2, (agree, weak, len(pairs))
    assert {"strict_saddle", "global_minimum", "local_minimum"} <= kinds, kinds


def test_trager_prop14_non_critical_points_correspond_too():
    """The contrapositive on random points: θ' not critical for L' ⟺ p(θ') not critical for L
    (their gradients are related by ∇L' = dpᵀ∇L(p) and ∇L(p(θ')) = dqᵀ∇L'(p(θ')))."""
    for Ln, Lp in _prop14_instances()[:2]:
        rng = np.random.default_rng(7)
        for _ in range(3):
            th = dl.random_point(Ln.model.arch, rng)
            assert relative_gradient_at(Ln, th)[0] > 1e-4
            assert relative_gradient_at(Lp, p_map(th))[0] > 1e-4
            assert relative_gradient_at(Ln, q_map(th))[0] > 1e-4
            # L' = L ∘ p: the gradient of L' is that of θ ↦ L(p(θ)) (central differences)
            x = dl.pack(th)
            fd = fd_grad(lambda y, a=Lp, b=Ln: a.value(p_map(b.unpack(y))), x)
            np.testing.assert_allclose(Ln.grad_flat(x), fd, rtol=1e-6, atol=1e-7)
