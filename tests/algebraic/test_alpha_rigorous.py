"""Proven α-certificates (ball arithmetic) and the criticality check: every condition of the
certification is load-bearing — data whose stored numbers are consistent but whose claim is
false must fail.

α-theory: Smale 1986; Blum–Cucker–Shub–Smale 1998, Ch. 8, Thm 2; Hauenstein–Sottile 2012.
"""

from __future__ import annotations

from fractions import Fraction

import flint
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dlnscape import DistanceLoss
from dlnscape.algebraic import ALPHA0, PolySystem, alpha_data, certify_solutions
from dlnscape.algebraic import alpha as al
from dlnscape.algebraic import homotopy as hm
from dlnscape.algebraic import solve as sv
from dlnscape.algebraic.backend import BackendBase
from dlnscape.algebraic.formulation import quadratic_data, random_basis, working_data
from dlnscape.errors import ShapeError
from dlnscape.jax_support import jax, jnp


def univariate(coeffs_high_first) -> PolySystem:
    """``Σ c_k x^k`` as a 1×1 PolySystem with exact integer coefficients."""
    d = len(coeffs_high_first) - 1
    exps = np.array([[d - i] for i in range(d + 1)])
    coef = np.array([[float(c) for c in coeffs_high_first]])
    return PolySystem(exps, coef, np.array([[int(c) for c in coeffs_high_first]], dtype=object))


@pytest.fixture(scope="module")
def start(tmp_path_factory):
    return hm.start_system((3, 3), 1, seed=0, cache_dir=tmp_path_factory.mktemp("cache"))


@pytest.fixture(scope="module")
def solved(start):
    """A certified homotopy answer of one Ex 13 instance (the 39 endpoints and its system)."""
    rng = np.random.default_rng(77)
    loss = DistanceLoss(rng.integers(-10, 11, size=(3, 3)), rng.integers(-10, 11, size=(9, 9)))
    hs = hm.solve_target(start, quadratic_data(loss))
    assert hs.complete and hs.certificate.proven, hs.reason
    return hs


# -- the constants and the γ bound against their definitions -------------------------------
def test_alpha0_is_the_smaller_root_of_2a2_minus_13a_plus_2():
    # BCSS 1998, Ch. 8, Thm 2: α0 = (13 − 3√17)/4, i.e. the smaller root of 2α² − 13α + 2
    roots = np.sort(np.roots([2.0, -13.0, 2.0]).real)
    assert roots[0] == pytest.approx(ALPHA0, rel=1e-14)
    assert 0 < roots[0] < 1 < roots[1]
    assert abs(ALPHA0 - 0.15767078) < 1e-8
    # exact sign change of the defining polynomial around the float constant
    p = lambda a: 2 * a * a - 13 * a + 2  # noqa: E731
    lo, hi = Fraction(ALPHA0) - Fraction(1, 10**12), Fraction(ALPHA0) + Fraction(1, 10**12)
    assert p(lo) > 0 > p(hi)
    # the ball used by the rigorous test contains the root and is tight
    a0 = al.alpha0_enclosure()
    assert (2 * a0 * a0 - 13 * a0 + 2).contains(0)
    assert float(a0.rad()) < 1e-17
    # the float constant suffers the cancellation 13 − 3√17: a few units of 13·u/4
    assert abs(float(a0.mid()) - ALPHA0) < 8 * 13 / 4 * 2.0**-53


def _poly2():
    """A cubic system in 2 unknowns whose third-order term matters:
    f1 = x³ + 2xy − 3y² + x − 1, f2 = x²y − y³ + 4x − 2."""
    exps = np.array([[3, 0], [1, 1], [0, 2], [1, 0], [0, 0], [2, 1], [0, 3]])
    coef = np.array([[1, 2, -3, 1, -1, 0, 0], [0, 0, 0, 4, -2, 1, -1]], dtype=float)
    return PolySystem(exps, coef, coef.astype(np.int64))


def _f2_jax(z):
    x, y = z[0], z[1]
    return jnp.stack([x**3 + 2 * x * y - 3 * y**2 + x - 1, x**2 * y - y**3 + 4 * x - 2])


def _f3_jax(z):
    x, y = z[0], z[1]
    return jnp.stack([x**3 + 2 * x * y**2 + 2 * x - y + 1, y**3 + x + 3 * y - 2])


def test_gamma_uses_every_derivative_order_against_jax():
    """f1 = x³ + 2xy² + 2x − y + 1, f2 = y³ + x + 3y − 2 near 0: the second derivatives are
    small there, so the third-order term decides γ (largest single exponent 3, total 3; the
    mixed term xy² has total degree 3 with single exponents ≤ 2)."""
    exps = np.array([[3, 0], [1, 2], [1, 0], [0, 1], [0, 0], [0, 3]])
    coef = np.array([[1, 2, 2, -1, 1, 0], [0, 0, 1, 3, -2, 1]], dtype=float)
    sys_ = PolySystem(exps, coef, coef.astype(np.int64))
    assert sys_.degree == 3
    x = np.array([0.01 + 0.02j, -0.02 + 0.01j])
    d1 = jax.jacfwd(_f3_jax, holomorphic=True)
    d2 = jax.jacfwd(d1, holomorphic=True)
    d3 = jax.jacfwd(d2, holomorphic=True)
    z = jnp.asarray(x, dtype=jnp.complex128)
    J = np.asarray(d1(z))
    Jinv = np.linalg.inv(J)
    g2 = np.linalg.norm(np.einsum("ie,e...->i...", Jinv, np.asarray(d2(z)) / 2))
    g3 = np.sqrt(np.linalg.norm(np.einsum("ie,e...->i...", Jinv, np.asarray(d3(z)) / 6)))
    beta = np.linalg.norm(Jinv @ np.asarray(_f3_jax(z)))
    assert g3 > 2 * g2  # here the third-order term is the larger one: it must be in γ
    fl = alpha_data(sys_, x[None])
    assert fl.gamma[0] == pytest.approx(max(g2, g3), rel=1e-12)
    assert fl.beta[0] == pytest.approx(beta, rel=1e-12)
    rd = al.rigorous_alpha_data(sys_, x[None])
    assert rd.rigorous and max(g2, g3) <= rd.gamma[0] and beta <= rd.beta[0] * (1 + 1e-12)
    # the 3×3 rank-one critical equations: single exponents ≤ 2 but total degree 3, so
    # γ must run over k = 2, 3 (test_homotopy compares it with JAX's third derivatives)
    form = hm.make_formulation((3, 3), 1, rng=0)
    fam = hm.parametric_system(form)
    assert fam.dmax == 2 and fam.degree == 3
    # the reference tensors of the library go up to the total degree as well
    hd = sys_.higher_derivatives(x[None])
    assert len(hd) == 2
    np.testing.assert_allclose(hd[1][0], np.asarray(d3(z)) / 6, rtol=1e-12, atol=1e-12)


def test_taylor_coefficients_against_a_finite_order_expansion():
    """f(x + t h) is a cubic polynomial in t; its t^k coefficient is D^k f(x)[h^k]/k!
    (recovered here by interpolation at 4 values of t, independent of the library)."""
    sys_ = _poly2()
    rng = np.random.default_rng(3)
    x = rng.normal(size=2) + 1j * rng.normal(size=2)
    h = rng.normal(size=2) + 1j * rng.normal(size=2)
    ts = np.array([0.0, 0.5, -0.5, 1.0])
    vals = np.array([sys_.eval((x + t * h)[None])[0][0] for t in ts])  # (4, E)
    coeffs = np.linalg.solve(np.vander(ts, 4, increasing=True), vals)  # rows: t^0..t^3
    for k in (2, 3):
        C, _w = sys_.taylor_coefficients(x[None], k)
        B = sys_.taylor_tables(k)[0]
        hb = np.prod(h[None, :] ** B, axis=1)
        np.testing.assert_allclose(C[0] @ hb, coeffs[k], rtol=1e-10, atol=1e-10)


# -- every condition is load-bearing -------------------------------------------------------
def test_alpha_slightly_above_alpha0_is_not_certified_and_slightly_below_is():
    # f = x² − a at x = 1: β = |1 − a|/2, γ = 1/2 exactly, so α = |1 − a|/4
    a0 = al.alpha0_enclosure(128)
    for rel, expect in ((1e-9, False), (-1e-9, True)):
        a = 1.0 - 4.0 * ALPHA0 * (1.0 + rel)
        alpha_exact = (1 - Fraction(a)) / 4
        # the stored number is consistent: exact α is on the claimed side of α0
        assert (flint.arb(flint.fmpq(alpha_exact.numerator, alpha_exact.denominator))
                > a0) is not expect
        sys_ = PolySystem(np.array([[2], [0]]), np.array([[1.0, -a]]))
        rd = al.rigorous_alpha_data(sys_, np.array([[1.0]]))
        assert bool(rd.certified[0]) is expect
        assert rd.alpha[0] >= float(alpha_exact)  # an upper bound of the true α


def test_two_approximations_of_one_zero_are_not_distinct():
    sys_ = univariate([1, 0, -2])  # x² − 2
    r = np.sqrt(2.0)
    X = np.array([[r * (1 + 1e-9)], [r * (1 - 1e-9)], [-r]], dtype=complex)
    rd = al.rigorous_alpha_data(sys_, X)
    assert rd.certified.all()  # each is an approximate zero …
    cert = certify_solutions(sys_, X, n_zeros=3)  # … even with a false root count of 3
    assert not cert.distinct and not cert.proven and not cert.complete
    assert cert.min_separation_ratio < 1
    ok = certify_solutions(sys_, X[1:], n_zeros=2)
    assert ok.proven and ok.complete and ok.real.all()


def test_duplicated_endpoint_breaks_distinctness(solved):
    X = solved.X
    dup = X[0] * (1 + 1e-10)  # a second approximation of the zero of X[0]
    cert = certify_solutions(solved.system, np.vstack([X, dup]), n_zeros=40)
    assert cert.all_approximate_zeros and not cert.distinct and not cert.proven


def test_nonreal_claim_with_small_imaginary_part_is_rejected():
    sys_ = univariate([1, 0, -2])
    x = np.array([[np.sqrt(2.0) + 1e-7j]])  # near the real zero √2: β ≈ 1e-7 ≈ ‖Im x‖
    rd = al.rigorous_alpha_data(sys_, x)
    assert rd.certified[0] and np.abs(x.imag).max() < 2 * rd.beta[0]
    cert = certify_solutions(sys_, np.vstack([x, [[-np.sqrt(2.0)]]]), n_zeros=2)
    assert not cert.nonreal[0] and cert.real[0] and cert.proven
    # the ball test itself: the imaginary part against the proven radius, both sides
    pts = np.array([[1.0 + 1e-3j]])
    for radius, expect in ((0.999e-3, True), (1.001e-3, False)):
        _d, _s, _real, nonreal, _c = al.ball_verdicts(pts, np.array([radius]),
                                                       np.array([True]), None, True)
        assert bool(nonreal[0]) is expect


def test_missed_solution_leaves_reality_undecided(solved):
    cert0 = solved.certificate
    X = solved.X
    i = int(np.flatnonzero(cert0.nonreal)[0])
    X38 = np.delete(X, i, axis=0)
    cert = certify_solutions(solved.system, X38, n_zeros=39)
    assert cert.all_approximate_zeros and cert.distinct
    assert not cert.complete and not cert.reality_decided and not cert.real.any()
    assert not cert.proven
    # without a root count nothing is proven real either
    assert not certify_solutions(solved.system, X).real.any()


def test_the_rigorous_verdict_decides(monkeypatch, solved):
    """The float filter passes here; a failing ball-arithmetic verdict must still fail it."""
    real_fn = al.rigorous_alpha_data

    def fails_one(system, X, prec=al.RIGOROUS_PREC):
        out = real_fn(system, X, prec)
        out.approximate[0] = False
        return out

    monkeypatch.setattr(al, "rigorous_alpha_data", fails_one)
    cert = certify_solutions(solved.system, solved.X, n_zeros=39)
    assert cert.float_filter_passed and cert.rigorous and not cert.all_approximate_zeros
    assert not cert.proven


def test_crashes_inside_the_certificate_raise():
    sys_ = univariate([1, 0, -2])
    with pytest.raises(ShapeError):
        certify_solutions(sys_, np.ones((2, 2)))
    with pytest.raises(ShapeError):
        al.rigorous_alpha_data(_poly2(), np.ones((1, 3)))
    bad = PolySystem(np.array([[2], [0]]), np.array([[1.0, np.nan]]))
    with pytest.raises(ValueError):
        al.rigorous_alpha_data(bad, np.array([[1.0]]))


def test_conjugate_pairs_are_evaluated_once_and_agree(solved):
    cert = solved.certificate
    assert cert.n_rigorous_evaluations < len(solved.X)
    X, partner = al.pair_conjugates(solved.X)
    j = int(np.flatnonzero(partner >= 0)[0])
    both = al.rigorous_alpha_data(solved.system, np.vstack([X[j], np.conj(X[j])]))
    assert both.alpha[0] == pytest.approx(both.alpha[1], rel=1e-9)


# -- α-theorem as a property (hypothesis, seeded, bounded) -----------------------------------
def _newton_ball(coef_int, x, iters=12, prec=200):
    """High-precision Newton (acb) on f1 = x² + c1 y − a, f2 = y³ + c2 x y − b from x."""
    c1, c2, a, b = coef_int
    with flint.ctx.workprec(prec):
        X, Y = flint.acb(complex(x[0])), flint.acb(complex(x[1]))
        for _ in range(iters):
            f1 = X * X + c1 * Y - a
            f2 = Y**3 + c2 * X * Y - b
            J = flint.acb_mat([[2 * X, flint.acb(c1)], [c2 * Y, 3 * Y * Y + c2 * X]])
            d = J.solve(flint.acb_mat([[f1], [f2]]))
            X, Y = X - d[0, 0], Y - d[1, 0]
        return complex(X.mid()), complex(Y.mid())


@settings(max_examples=25, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(c1=st.integers(-3, 3), c2=st.integers(-3, 3), a=st.integers(1, 5), b=st.integers(-5, 5),
       seed=st.integers(0, 10**6), k=st.integers(2, 9))
def test_certified_points_are_within_2beta_of_a_zero(c1, c2, a, b, seed, k):
    exps = np.array([[2, 0], [0, 1], [0, 0], [0, 3], [1, 1]])
    coef = np.array([[1, c1, -a, 0, 0], [0, 0, -b, 1, c2]], dtype=float)
    sys_ = PolySystem(exps, coef, coef.astype(np.int64))
    rng = np.random.default_rng(seed)
    X0 = rng.normal(size=(1, 2)) + 1j * rng.normal(size=(1, 2))
    with np.errstate(all="ignore"):
        Z = sys_.newton(X0, iters=40)
    if not np.all(np.isfinite(Z)):
        return
    x = Z[0] + 10.0**-k * (rng.normal(size=2) + 1j * rng.normal(size=2))
    rd = al.rigorous_alpha_data(sys_, x[None])
    if not rd.certified[0]:
        return
    zeta = np.array(_newton_ball((c1, c2, a, b), x))
    assert np.linalg.norm(x - zeta) <= 2 * rd.beta[0] * (1 + 1e-9)


# -- the criticality check of returned points ----------------------------------------------
def near_boundary_instance(s: int = 16):
    """Ex 13 data with the rank-one critical point Q0 close to the boundary of the default
    random chart (``(T⁻¹ u)_0 = δ`` small): its chart coordinates are huge. For s = 16
    (δ ≈ 1.1e-7) msolve's Newton-polished real point had ‖grad_{M_1} l‖ = 21 (0.8 relative to
    ‖∇l(0)‖) and was reported certified before the criticality check existed."""
    T = random_basis(3, 0)
    rng = np.random.default_rng([s, 6])
    delta = 10.0 ** -rng.uniform(2, 7)
    c = np.array([delta, rng.integers(1, 4), rng.integers(-3, 4)])
    Q0 = np.outer(T @ c, rng.integers(-3, 4, 3).astype(float))
    if s % 2:
        Q0 = Q0 + rng.integers(-1, 2, (3, 3)) * 0.1
    return DistanceLoss(Q0, rng.integers(-10, 11, (9, 9)))


def test_near_chart_boundary_every_returned_point_is_critical():
    loss = near_boundary_instance(16)
    res = sv.critical_points_on_Mr(loss, 1, backend="msolve")
    rep = res.evidence["criticality_check"]
    assert rep["n_refined"] >= 1  # the msolve point needed refinement (the regression)
    assert res.certified and res.n_complex == 39
    for p in res.points:
        ok, gn, tol = sv.criticality_check(loss, p.W, 1)
        assert ok, (gn, tol)
    fast = sv.critical_points_on_Mr(loss, 1, backend="homotopy")
    assert fast.certified
    assert (fast.n_complex, fast.n_real, fast.n_local_minima) == (
        res.n_complex, res.n_real, res.n_local_minima)


def test_corrupted_point_makes_the_answer_uncertified():
    rng = np.random.default_rng(12)
    loss = DistanceLoss(rng.integers(-10, 11, size=(3, 3)), rng.integers(-10, 11, size=(9, 9)))
    res = sv.critical_points_on_Mr(loss, 1, backend="msolve")
    assert res.certified
    W = [p.W for p in res.points]
    for w in W:
        assert sv.criticality_check(loss, w, 1)[0]
    bad = W[0] + 1e-4 * np.linalg.norm(W[0]) * np.outer(*rng.normal(size=(2, 3)))
    ok, gn, tol = sv.criticality_check(loss, bad, 1)
    assert not ok and gn > 1e3 * tol
    # a corrupted copy of a returned point: refined, it falls onto that point → not certified
    pts, report = sv.checked_real_points(loss, 1, W + [bad])
    assert report["n_failed"] >= 1 and report["n_refined"] >= 1
    sv.criticality_verdict(res, report)
    assert not res.certified and "NOT certified" in res.certification
    # the check is relative to the problem's scale: scaling the data changes nothing
    for c in (1e-6, 1e6):
        scaled = DistanceLoss(loss.Q0 * c, loss.phi)
        assert sv.criticality_check(scaled, W[0] * c, 1)[0]
        assert not sv.criticality_check(scaled, bad * c, 1)[0]


def test_exact_system_of_the_homotopy_is_the_integer_one(solved, start):
    """The certified system carries exact integer coefficients proportional to the float
    ones (α-data are invariant under scaling f)."""
    ex = solved.system.exact_coefficients()
    assert ex.dtype == np.int64 or ex.dtype == object
    f = solved.system.coef.real
    k = np.flatnonzero(np.abs(f.ravel()) > 0)[0]
    ratio = float(ex.ravel()[k]) / f.ravel()[k]
    np.testing.assert_allclose(ex.astype(float), ratio * f, rtol=1e-12, atol=1e-9 * abs(ratio))
    G, g = working_data(start.form, quadratic_data(DistanceLoss(np.eye(3), np.eye(9))))
    assert hm.exact_param_vector(G, g).dtype == object


def test_contracted_gamma_bound_is_used_when_the_cheap_one_fails(solved):
    """Points pushed off their zeros until the float α is 0.05: the cheap bound
    ‖Df⁻¹‖_F‖D²f/2‖_F (up to ~10× looser here) fails for some, and the contracted Frobenius
    bound must then prove them (it equals the float γ up to rounding)."""
    sys_ = solved.system
    rng = np.random.default_rng(5)
    X = solved.X
    D = rng.normal(size=X.shape) + 1j * rng.normal(size=X.shape)
    D /= np.linalg.norm(D, axis=1, keepdims=True)
    Y = np.empty_like(X)
    for i in range(len(X)):
        lo, hi = 0.0, 1.0
        for _ in range(60):  # bisection on the step so that the float α ≈ 0.05
            mid = 0.5 * (lo + hi)
            a = alpha_data(sys_, (X[i] + mid * D[i])[None]).alpha[0]
            lo, hi = (mid, hi) if a < 0.05 else (lo, mid)
        Y[i] = X[i] + lo * D[i]
    fl = alpha_data(sys_, Y)
    assert np.all((fl.alpha > 0.04) & (fl.alpha < 0.06))
    rd = al.rigorous_alpha_data(sys_, Y)
    assert rd.certified.all()
    contracted = np.abs(rd.gamma / fl.gamma - 1) < 1e-6
    assert contracted.any()
    assert np.all(rd.gamma >= fl.gamma * (1 - 1e-12))


def test_auto_falls_back_to_the_homotopy_when_msolve_points_fail(monkeypatch, tmp_path):
    """msolve ↔ homotopy: when the homotopy is not certified and msolve's points then fail
    the criticality check, the homotopy from another start answers."""
    rng = np.random.default_rng(4)
    loss = DistanceLoss(rng.integers(-10, 11, size=(3, 3)), rng.integers(-10, 11, size=(9, 9)))
    real_h, real_m = sv.BACKENDS["homotopy"], sv.BACKENDS["msolve"]
    seeds = []

    class HomotopyFirstFails(BackendBase):
        name = "homotopy"

        def solve(self, loss_, r, *, rng=0, timeout=600.0, cache_dir=None):
            seeds.append(rng)
            res = real_h.solve(loss_, r, rng=rng, cache_dir=cache_dir)
            if rng == 0:
                res.certified = False
            return res

    class MsolvePointFails(BackendBase):
        name = "msolve"

        def solve(self, *a, **k):
            res = real_m.solve(*a, **k)
            sv.criticality_verdict(res, {"n_failed": 1, "failures": ["a corrupted point"]})
            return res

    monkeypatch.setitem(sv.BACKENDS, "homotopy", HomotopyFirstFails())
    monkeypatch.setitem(sv.BACKENDS, "msolve", MsolvePointFails())
    out = sv.critical_points_on_Mr(loss, 1, backend="auto", cache_dir=tmp_path)
    assert seeds == [0, 1]
    assert out.backend == "homotopy" and out.certified and "criticality" in out.fallback
    assert out.n_complex == 39
