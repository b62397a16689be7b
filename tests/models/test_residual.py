"""The linear residual network F(A) = Π_k (I + A_{kr} ⋯ A_{k1}) (Zhou & Liang 2018 = seed 003,
eq (3)).

Every derivative oracle is checked against JAX autodiff of a reference written here from eq (3)
(products taken from the output side, on a padded problem; it shares nothing with the model's
``jax_forward``, closed forms or ring program) and against central finite differences; the
polynomial program runs in exact rationals and ``arb`` balls, and its certificates re-verify.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dlnscape as dl
from dlnscape.critical.exact import FractionRing, fr, supports_exact
from dlnscape.critical.interval import (
    gradient_balls,
    is_exactly_critical,
    supports_interval,
    value_ball,
)
from dlnscape.errors import ArchitectureError, PointError
from dlnscape.jax_support import jax, jnp
from dlnscape.models.residual import ResidualLinearNetwork

# ---- an independent reference, padded so that it compiles once ------------------------------
#: units ≤ 3, layers per unit ≤ 3, d ≤ 3, n ≤ 3. Slot (k, q) holds A_{kq} in its top-left corner
#: (zeros around); inside an active unit the slots q ≥ r are identities, an inactive unit is all
#: zeros (so its W_k = I). F is read off the top-left d × d corner.
UMAX, RMAX, DMAX, NMAX = 3, 3, 3, 3
PMAX = UMAX * RMAX * DMAX * DMAX
TS = np.array([-1.3, -0.4, 0.35, 0.9, 1.6])


def _padded_F(x, emb):
    slots = (emb["const"] + (emb["E"] @ x).reshape(UMAX, RMAX, DMAX, DMAX))
    I = jnp.eye(DMAX)
    F = None
    for k in range(UMAX - 1, -1, -1):  # W_l ⋯ W_1 built from the left
        P = slots[k, RMAX - 1]
        for q in range(RMAX - 2, -1, -1):  # A_{kr} ⋯ A_{k1} built from the left
            P = P @ slots[k, q]
        Wk = I + P
        F = Wk if F is None else F @ Wk
    return F * emb["mask"]


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
            f = lambda y: _padded_loss(kind, _padded_F(y, emb), d)
            F = lambda y: _padded_F(y, emb)
            g = lambda t: f(x + t * u)
            crv = lambda t: F(x + t * c1 + t * t * c2)
            one = jnp.ones(())
            ders, cders = [g], [crv]
            for _ in range(3):
                ders.append(lambda t, p=ders[-1]: jax.jvp(p, (t,), (one,))[1])
                cders.append(lambda t, p=cders[-1]: jax.jvp(p, (t,), (one,))[1])
            z = jnp.zeros(())
            return {"value": f(x), "grad": jax.grad(f)(x), "hessian": jax.hessian(f)(x),
                    "F": F(x), "J": jax.jacfwd(F)(x),
                    "derivs": jnp.stack([q(z) for q in ders]),
                    "curve": jnp.stack([q(z) for q in cders]),
                    "line": jnp.stack([f(x + t * u) for t in TS]),
                    "curve_values": jnp.stack([crv(t) for t in TS])}

        _COMPILED[kind] = jax.jit(everything)
    return _COMPILED[kind]


def _embedding(model):
    d, l, r = model.d, model.units, model.layers_per_unit
    E = np.zeros((UMAX, RMAX, DMAX, DMAX, PMAX))
    const = np.zeros((UMAX, RMAX, DMAX, DMAX))
    offs = model.layout.offsets
    for k in range(l):
        for q in range(RMAX):
            if q >= r:
                const[k, q] = np.eye(DMAX)
                continue
            i = k * r + q
            pos = offs[i] + np.arange(d * d).reshape(d, d)
            a, b = np.indices((d, d))
            E[k, q, a, b, pos] = 1.0
    mask = np.zeros((DMAX, DMAX))
    mask[:d, :d] = 1.0
    return {"E": E.reshape(-1, PMAX), "const": const, "mask": mask}


def _pad(a, shape):
    out = np.zeros(shape)
    out[tuple(slice(0, k) for k in a.shape)] = a
    return out


def _pad_vec(x):
    out = np.zeros(PMAX)
    out[: x.size] = x
    return out


def make_problem(kind, d, units, r, seed, n=3):
    rng = np.random.default_rng(seed)
    model = ResidualLinearNetwork(d, units, r)
    if kind == "squared":
        X, Y = rng.standard_normal((d, n)), rng.standard_normal((d, n))
        loss, data = dl.SquaredLoss(X, Y), {"X": _pad(X, (DMAX, NMAX)), "Y": _pad(Y, (DMAX, NMAX))}
    else:
        Q0 = rng.standard_normal((d, d))
        phi = np.eye(d * d) + 0.5 * rng.standard_normal((d * d, d * d))
        cols = (np.arange(d)[:, None] * DMAX + np.arange(d)[None, :]).ravel()
        phip = np.zeros((DMAX * DMAX, DMAX * DMAX))
        phip[: d * d, cols] = phi
        loss, data = dl.DistanceLoss(Q0, phi), {"Q0": _pad(Q0, (DMAX, DMAX)), "phi": phip}
    land = dl.Landscape(model, loss)
    theta = tuple(0.7 * rng.standard_normal(s) for s in model.shapes)
    v = tuple(rng.standard_normal(s) for s in model.shapes)
    return land, theta, v, data


def reference(kind, data, land, theta, v, curve=None):
    model = land.model
    P, d = model.n_params, model.d
    emb = _embedding(model)
    c1, c2 = curve if curve is not None else (v, v)
    out = _compiled(kind)(*(jnp.asarray(_pad_vec(dl.pack(a))) for a in (theta, v, c1, c2)),
                          {k: jnp.asarray(a) for k, a in emb.items()},
                          {k: jnp.asarray(a) for k, a in data.items()})
    out = {k: np.asarray(a) for k, a in out.items()}
    rows = (np.arange(d)[:, None] * DMAX + np.arange(d)[None, :]).ravel()
    return {"value": float(out["value"]), "grad": out["grad"][:P],
            "hessian": out["hessian"][:P, :P], "F": out["F"][:d, :d],
            "J": out["J"].reshape(DMAX * DMAX, PMAX)[rows, :P],
            "derivs": [float(a) for a in out["derivs"]],
            "curve": [a[:d, :d] for a in out["curve"]],
            "line": out["line"], "curve_values": [a[:d, :d] for a in out["curve_values"]]}


def fd_grad(f, x, eps=1e-5):
    out = np.empty_like(x)
    for i in range(x.size):
        e = np.zeros_like(x)
        e[i] = eps
        out[i] = (f(x + e) - f(x - e)) / (2 * eps)
    return out


shape_st = st.tuples(st.integers(1, DMAX), st.integers(1, UMAX), st.integers(1, RMAX))


# ---- derivative oracles ----------------------------------------------------------------------
@settings(derandomize=True, max_examples=8, deadline=None)
@given(kind=st.sampled_from(["squared", "distance"]), shape=shape_st,
       seed=st.integers(0, 2**32 - 1))
def test_zhou_liang_eq3_oracles_match_jax_reference_and_finite_differences(kind, shape, seed,
                                                                          close):
    """Seed 003, eq (3): value, gradient (eq (12)), HVP, dense Hessian, F, dF (JVP, VJP,
    Jacobian) and the exact Taylor polynomial of L along a line, against the independent
    reference and central finite differences."""
    land, theta, v, data = make_problem(kind, *shape, seed)
    ref = reference(kind, data, land, theta, v)
    model = land.model
    x, u = dl.pack(theta), dl.pack(v)
    assert math.isclose(land.value(theta), ref["value"], rel_tol=1e-12, abs_tol=1e-13)
    close(model.forward(theta), ref["F"], 1e-12, "F", atol=1e-14)
    close(model.pushforward(theta, v).ravel(), ref["J"] @ u, 1e-11, "JVP", atol=1e-13)
    G = np.random.default_rng(seed % 5).standard_normal(model.output_shape)
    close(dl.pack(model.pullback(theta, G)), ref["J"].T @ G.ravel(), 1e-11, "VJP", atol=1e-13)
    close(model.jacobian(theta), ref["J"], 1e-11, "Jacobian", atol=1e-13)
    close(land.grad_flat(x), ref["grad"], 1e-10, "grad", atol=1e-12)
    close(land.hvp_flat(x, u), ref["hessian"] @ u, 1e-10, "hvp", atol=1e-12)
    H = land.hessian(theta)
    close(H, ref["hessian"], 1e-10, "hessian", atol=1e-12)
    assert np.array_equal(H, H.T)
    # Taylor: the whole polynomial of degree 2·l·r, equal to L on the line
    c = land.taylor(theta, v)
    assert c.size == 2 * model.units * model.layers_per_unit + 1
    for t, want in zip(TS, ref["line"], strict=True):
        size = float(np.sum(np.abs(c) * abs(t) ** np.arange(c.size)))
        assert abs(np.polyval(c[::-1], t) - want) <= 1e-11 * max(size, abs(want), 1.0), t
    for k in range(4):
        dk = math.factorial(k) * (c[k] if k < c.size else 0.0)
        assert math.isclose(dk, ref["derivs"][k], rel_tol=1e-9,
                            abs_tol=1e-10 * (1 + abs(ref["derivs"][k]))), (k, c, ref["derivs"])
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


def test_zhou_liang_eq3_curve_coefficients_are_the_exact_matrix_polynomial(close):
    """F(θ + tθ_1 + t²θ_2) as an exact matrix polynomial (ring_forward in truncated
    polynomials): equal to the reference on the curve, low orders equal to its derivatives."""
    land, theta, c1, data = make_problem("squared", 2, 2, 2, 11)
    rng = np.random.default_rng(12)
    c2 = tuple(rng.standard_normal(W.shape) for W in theta)
    coeffs = land.model.curve_coefficients(theta, [c1, c2])
    assert len(coeffs) == 2 * 4 + 1  # degree 4 in the parameters, the curve is quadratic
    ref = reference("squared", data, land, theta, c1, curve=(c1, c2))
    for t, want in zip(TS, ref["curve_values"], strict=True):
        got = sum(C * t ** k for k, C in enumerate(coeffs))
        close(got, want, 1e-11, f"F on the curve at t={t}", atol=1e-12)
    for k in range(4):
        close(coeffs[k], ref["curve"][k] / math.factorial(k), 1e-10, f"Z_{k}", atol=1e-12)


# ---- exact and ball arithmetic ---------------------------------------------------------------
def test_zhou_liang_eq3_ring_program_is_exact_in_rationals_and_balls():
    """The ring program of F and of dFᵀ (ring_forward / ring_pullback) in exact rationals
    agrees with the float closed forms to rounding, and the arb balls of L and ∇L contain the
    exact values."""
    land, theta, v, _ = make_problem("squared", 2, 2, 2, 3)
    model, loss = land.model, land.loss
    assert supports_exact(land) and supports_interval(land)
    ring = FractionRing()
    Fx = model.ring_forward([fr(A) for A in theta], ring)
    F = model.forward(theta)
    assert all(isinstance(z, Fraction) for z in Fx.ravel())
    np.testing.assert_allclose(Fx.astype(float), F, rtol=1e-14, atol=1e-15)
    R = Fx @ fr(loss.X) - fr(loss.Y)
    L_exact = Fraction(1, 2) * sum((z * z for z in R.ravel()), Fraction(0))
    Gx = R @ fr(loss.X).T  # ∇l(F) exactly
    grads_exact = model.ring_pullback([fr(A) for A in theta], Gx, ring)
    for g_exact, g in zip(grads_exact, land.grad(theta), strict=True):
        np.testing.assert_allclose(g_exact.astype(float), g, rtol=1e-12, atol=1e-14)
    ball = value_ball(land, theta)
    assert abs(float(ball.mid()) - float(L_exact)) <= float(ball.rad()) + 1e-15 * float(L_exact)
    for gb, g_exact in zip(gradient_balls(land, theta), grads_exact, strict=True):
        for bx, ex in zip(gb.entries(), g_exact.ravel(), strict=True):
            assert abs(float(bx.mid()) - float(ex)) <= float(bx.rad()) + 1e-15 * (1 + abs(ex))


@pytest.mark.parametrize("units,r,verdict", [(1, 2, "strict_saddle"), (2, 2, "strict_saddle"),
                                             (1, 3, "degenerate_saddle"),
                                             (2, 3, "degenerate_saddle")])
def test_zhou_liang_eq3_zero_point_is_exactly_critical_and_its_certificates_reverify(
        units, r, verdict):
    """A = 0 with r ≥ 2 layers per unit: every ∂F/∂A_{kq} has a zero factor, so ∇L(0) = 0
    exactly (proven in ball arithmetic at full precision). For r = 2 the Hessian is the
    indefinite bilinear form ⟨∇l(I), Σ_k U_{k2}V_{k1} + V_{k2}U_{k1}⟩ (a strict saddle); for
    r = 3 it vanishes and the cubic term decides (a degenerate saddle); the certificates
    re-verify (ball arithmetic for the points, exact rationals for the Taylor order)."""
    rng = np.random.default_rng(units * 10 + r)
    d = 2
    X, Y = rng.standard_normal((d, 4)), rng.standard_normal((d, 4))
    model = ResidualLinearNetwork(d, units, r)
    land = dl.Landscape(model, dl.SquaredLoss(X, Y))
    zero = tuple(np.zeros(s) for s in model.shapes)
    assert is_exactly_critical(land, zero)
    H = land.hessian(zero)
    G = (X - Y) @ X.T  # ∇l(F(0)) = ∇l(I)
    for _ in range(3):
        U = [rng.standard_normal((d, d)) for _ in model.shapes]
        V = [rng.standard_normal((d, d)) for _ in model.shapes]
        if r == 2:  # only the products inside one unit of the two layers are bilinear terms
            want = sum(np.vdot(G, U[2 * k + 1] @ V[2 * k] + V[2 * k + 1] @ U[2 * k])
                       for k in range(units))
        else:
            want = 0.0
        assert dl.pack(U) @ H @ dl.pack(V) == pytest.approx(want, rel=1e-12, abs=1e-12)
    res = dl.classify(land, zero, rng=0)
    assert res.verdict == verdict, (res.verdict, res.reasons)
    assert res.verify(land)
    rep = res.check(land)
    names = " ".join(c["check"] for c in rep.checks)
    assert "verifies" in names and rep.ok
    for cert in res.all_certificates:
        crep = cert.check(land, res.theta)
        assert crep.ok
        assert any(c.get("rigorous") is True for c in crep.checks) or any(
            "exact" in c["check"] for c in crep.checks), crep.checks


# ---- image, scales, structure ----------------------------------------------------------------
@pytest.mark.parametrize("units,r", [(1, 1), (1, 2), (2, 3), (3, 1)])
def test_zhou_liang_eq3_image_is_every_matrix(units, r):
    """Every d × d matrix M is F(A): A_11 = M − I, A_1q = I (q ≥ 2), A_k1 = 0 (k ≥ 2), so the
    declared image is all of R^{d×d}; dF has full rank d² at random points (a submersion)."""
    d = 3
    rng = np.random.default_rng(units + 7 * r)
    model = ResidualLinearNetwork(d, units, r)
    assert (model.image.m, model.image.n, model.image.r) == (d, d, d)
    M = rng.standard_normal((d, d))
    theta = [rng.standard_normal((d, d)) for _ in model.shapes]
    theta[0] = M - np.eye(d)
    for q in range(1, r):
        theta[q] = np.eye(d)
    for k in range(1, units):
        theta[k * r] = np.zeros((d, d))
    np.testing.assert_allclose(model.forward(tuple(theta)), M, rtol=1e-13, atol=1e-14)
    J = model.jacobian(tuple(rng.standard_normal((d, d)) for _ in model.shapes))
    assert np.linalg.matrix_rank(J) == d * d


def test_residual_scale_bounds_the_output_and_the_jacobian_blocks():
    """ModelScale: ‖F‖ ≤ Π_k(√d + Π_q‖A_kq‖) and ‖∂F/∂A_kq‖₂ ≤ Π_{j≠k}(√d + Π_p‖A_jp‖)·
    Π_{p≠q}‖A_kp‖ at random points of every size, including unbalanced ones."""
    rng = np.random.default_rng(0)
    for d, units, r in [(1, 2, 3), (2, 3, 2), (3, 2, 1), (3, 1, 3)]:
        model = ResidualLinearNetwork(d, units, r)
        for s in (1e-3, 1.0, 50.0):
            theta = tuple(s * rng.standard_normal((d, d)) * rng.uniform(0.1, 10.0)
                          for _ in model.shapes)
            sc = model.scale(theta)
            assert np.linalg.norm(model.forward(theta)) <= sc.output_size * (1 + 1e-12)
            J = model.jacobian(theta)
            o = model.layout.offsets
            for k in range(len(theta)):
                blk = np.linalg.norm(J[:, o[k]:o[k + 1]], 2)
                assert blk <= sc.block_factors[k] * (1 + 1e-12), (d, units, r, k, blk)
            np.testing.assert_allclose(sc.block_norms, [np.linalg.norm(A) for A in theta])


def test_residual_block_names_order_and_bad_arguments():
    model = ResidualLinearNetwork(2, 2, 3)
    assert model.block_names == ("A_11", "A_12", "A_13", "A_21", "A_22", "A_23")
    assert model.polynomial_degree == 6 and model.ball_arithmetic
    assert model.to_dict() == {"model": "residual", "d": 2, "units": 2, "layers_per_unit": 3}
    land = dl.Landscape(model, dl.DistanceLoss(np.eye(2)))
    bad = [np.zeros((2, 2))] * 5 + [np.zeros((3, 2))]
    with pytest.raises(PointError, match=r"theta\[5\] \(A_23\).*shape"):
        land.value(bad)
    with pytest.raises(PointError, match="6 blocks"):
        land.value([np.zeros((2, 2))] * 4)
    for args, name in [((0, 1, 1), "d"), ((2, 1.5, 1), "units"), ((2, 1, -1), "layers_per_unit"),
                       ((True, 1, 1), "d")]:
        with pytest.raises(ArchitectureError, match=f"^{name}: expected a positive integer"):
            ResidualLinearNetwork(*args)


def _critical_points(land, rng, n=3):
    pts = []
    for j in range(n):
        th0 = tuple(0.6 * rng.standard_normal(s) for s in land.model.shapes)
        res = dl.find_critical_point(land, th0, method="newton" if j % 2 == 0 else "gd",
                                     max_iter=300)
        if res.converged:
            pts.append(res.theta)
    return pts


def test_residual_verdicts_invariant_under_data_scaling_and_balanced_rescaling():
    """Tolerance policy (DESIGN.md): (X, Y) → (aX, aY), a ∈ {1e-6, 1e6} (L → a²L), and the
    rescaling A_{k1} → sA_{k1}, A_{k2} → A_{k2}/s inside a unit (F unchanged) change no verdict,
    and D∇²L D (balance_scales) is unchanged by the rescaling."""
    rng = np.random.default_rng(21)
    model = ResidualLinearNetwork(2, 2, 2)
    X, Y = rng.standard_normal((2, 5)), rng.standard_normal((2, 5))
    base = dl.Landscape(model, dl.SquaredLoss(X, Y))
    pts = _critical_points(base, rng) + [tuple(np.zeros(s) for s in model.shapes)]
    pts += [tuple(rng.standard_normal(s) for s in model.shapes)]
    verdicts = [dl.classify(base, th, rng=0).verdict for th in pts]
    assert len(set(verdicts) - {"undetermined"}) >= 3, verdicts
    for a in (1e-6, 1e6):
        land = dl.Landscape(model, dl.SquaredLoss(a * X, a * Y))
        for th, v in zip(pts, verdicts, strict=True):
            res = dl.classify(land, th, rng=0)
            assert res.verdict == v, (a, res.verdict, v, res.reasons)
            assert res.verify(land)
    s = 40.0
    for th, v in zip(pts, verdicts, strict=True):
        moved = (s * th[0], th[1] / s) + th[2:]
        np.testing.assert_allclose(model.forward(moved), model.forward(th), rtol=1e-12,
                                   atol=1e-12)
        res = dl.classify(base, moved, rng=0)
        assert res.verdict == v, ("balanced rescaling", res.verdict, v, res.reasons)
        if not np.any(th[0]):
            continue
        D0, D1 = model.balance_scales(th), model.balance_scales(moved)
        e0 = np.linalg.eigvalsh(D0[:, None] * base.hessian(th) * D0[None, :])
        e1 = np.linalg.eigvalsh(D1[:, None] * base.hessian(moved) * D1[None, :])
        np.testing.assert_allclose(e1, e0, rtol=0, atol=1e-9 * np.abs(e0).max())


def test_residual_critical_point_certificates_reverify_in_ball_arithmetic():
    """Critical points found by Newton and GD on a residual landscape: their verdicts are
    proven and re-verify from the stored certificates (ball arithmetic, as the model runs in
    arb)."""
    rng = np.random.default_rng(5)
    model = ResidualLinearNetwork(2, 2, 2)
    land = dl.Landscape(model, dl.SquaredLoss(rng.standard_normal((2, 3)),
                                              rng.standard_normal((2, 3))))
    pts = _critical_points(land, rng, n=5)
    assert len(pts) >= 3, len(pts)
    seen = set()
    for th in pts:
        res = dl.classify(land, th, rng=0)
        assert res.verdict != "undetermined", res.reasons
        assert res.verify(land)
        seen.add(res.verdict.value)
    assert seen & {"strict_saddle", "global_minimum"}, seen
