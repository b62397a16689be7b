"""Fast path (parameter homotopy + α-theory) against msolve; α-certificates re-checked."""

from __future__ import annotations

import numpy as np
import pytest

from dlnscape import DistanceLoss
from dlnscape.algebraic import (
    ALPHA0,
    PolySystem,
    alpha_data,
    critical_points_on_Mr,
    critical_points_on_Mr_many,
    recheck_alpha,
)
from dlnscape.algebraic import homotopy as hm
from dlnscape.algebraic.formulation import quadratic_data, working_data
from dlnscape.jax_support import jax, jnp


def instances(n: int, seed: int) -> list[DistanceLoss]:
    rng = np.random.default_rng(seed)
    return [DistanceLoss(rng.integers(-10, 11, size=(3, 3)), rng.integers(-10, 11, size=(9, 9)))
            for _ in range(n)]


@pytest.fixture(scope="module")
def start(tmp_path_factory):
    return hm.start_system((3, 3), 1, seed=0, cache_dir=tmp_path_factory.mktemp("cache"))


def test_alpha_theory_on_a_univariate_quadratic():
    # f = x² − 2 at x = 1.4: β = |f/f'| = 0.04/2.8, γ = |f''/(2 f')| = 1/2.8 (exact here)
    sys_ = PolySystem(np.array([[2], [0]]), np.array([[1.0, -2.0]]))
    d = alpha_data(sys_, np.array([[1.4]]))
    assert d.beta[0] == pytest.approx(0.04 / 2.8, rel=1e-12)
    assert d.gamma[0] == pytest.approx(1 / 2.8, rel=1e-12)
    assert d.alpha[0] < ALPHA0
    far = alpha_data(sys_, np.array([[0.3]]))
    assert far.alpha[0] > ALPHA0  # β γ = (1.91/0.6)(1/0.6) ≫ α0


def test_fast_path_matches_msolve_on_20_random_instances(start):
    losses = instances(20, seed=2024)
    fast = critical_points_on_Mr_many(losses, 1, backend="homotopy")
    for loss, f in zip(losses, fast, strict=True):
        ref = critical_points_on_Mr(loss, 1, backend="msolve")
        assert f.certified, f.certification
        assert (f.n_complex, f.n_real, f.n_local_minima) == (
            ref.n_complex, ref.n_real, ref.n_local_minima)
        assert ref.n_complex == 39 and ref.n_real % 2 == 1  # 004 Ex 13 (catalog item 73)
        assert [p.index for p in f.points] == [p.index for p in ref.points]
        np.testing.assert_allclose([p.value for p in f.points], [p.value for p in ref.points],
                                   rtol=1e-9)


def _independent_alpha(form, p1):
    """α at points x recomputed with JAX derivatives of the matrix form of the equations (not
    the monomial expansion used by the library), with the same Frobenius bound on γ."""
    N = form.m * form.n
    G = jnp.asarray(p1[: N * N].reshape(N, N))
    g = jnp.asarray(p1[N * N:])
    T = jnp.asarray(form.T, dtype=jnp.complex128)
    m, n = form.m, form.n

    def f(z):
        a, b = z[: m - 1], z[m - 1:]
        A = T @ jnp.concatenate([jnp.ones(1, dtype=z.dtype), a])
        R = (G @ jnp.outer(A, b).ravel() - g).reshape(m, n)
        return jnp.concatenate([R.T @ A, T[:, 1:].T @ R @ b])

    def d(h):
        return jax.jacfwd(h, holomorphic=True)

    @jax.jit
    def parts(z):
        return f(z), d(f)(z), d(d(f))(z) / 2, d(d(d(f)))(z) / 6

    def alpha(x):
        F, J, D2, D3 = (np.asarray(v) for v in parts(jnp.asarray(x, dtype=jnp.complex128)))
        Jinv = np.linalg.inv(J)
        beta = np.linalg.norm(Jinv @ F)
        g2 = np.linalg.norm(np.einsum("ie,e...->i...", Jinv, D2))
        g3 = np.sqrt(np.linalg.norm(np.einsum("ie,e...->i...", Jinv, D3)))
        return beta, max(g2, g3)

    return alpha


def _exact_beta(form, G, g, x, p1):
    """‖Df(x)⁻¹ f(x)‖ with f(x) evaluated exactly in complex rationals from the matrix form
    ``[Rᵀ A; Cᵀ R B]``, ``R = mat(G vec(A Bᵀ) − g)`` with the exact G, g (not the monomial
    expansion), and Df(x) in float64 from JAX (scaled back from the normalised parameters)."""
    from fractions import Fraction as Fr

    m, n = form.m, form.n
    N = m * n

    def c(z):
        return (Fr(float(z.real)), Fr(float(z.imag)))

    def mul(a, b):
        return (a[0] * b[0] - a[1] * b[1], a[0] * b[1] + a[1] * b[0])

    def add(a, b):
        return (a[0] + b[0], a[1] + b[1])

    zero = (Fr(0), Fr(0))
    T = [[Fr(int(v)) for v in row] for row in form.T]
    M = [(Fr(1), Fr(0))] + [c(v) for v in x[: m - 1]]
    A = [zero] * m
    for i in range(m):
        for q in range(m):
            A[i] = add(A[i], mul((T[i][q], Fr(0)), M[q]))
    B = [c(v) for v in x[m - 1:]]
    w = [mul(A[i], B[j]) for i in range(m) for j in range(n)]
    R = []
    for row in range(N):
        acc = (-Fr(g[row]), Fr(0))
        for col in range(N):
            acc = add(acc, mul((Fr(G[row, col]), Fr(0)), w[col]))
        R.append(acc)
    F = []
    for j in range(n):
        acc = zero
        for a in range(m):
            acc = add(acc, mul(R[a * n + j], A[a]))
        F.append(acc)
    RB = []
    for a in range(m):
        acc = zero
        for j in range(n):
            acc = add(acc, mul(R[a * n + j], B[j]))
        RB.append(acc)
    for q in range(1, m):
        acc = zero
        for a in range(m):
            acc = add(acc, mul((T[a][q], Fr(0)), RB[a]))
        F.append(acc)
    Fv = np.array([float(a) + 1j * float(b) for a, b in F])
    scale = np.linalg.norm(np.concatenate([np.asarray(G, dtype=float).ravel(),
                                           np.asarray(g, dtype=float)]))
    N_ = form.nvars
    Gn = jnp.asarray(p1[: N * N].reshape(N, N))
    gn = jnp.asarray(p1[N * N:])
    Tj = jnp.asarray(form.T, dtype=jnp.complex128)

    def f(z):
        a_, b_ = z[: m - 1], z[m - 1:]
        A_ = Tj @ jnp.concatenate([jnp.ones(1, dtype=z.dtype), a_])
        R_ = (Gn @ jnp.outer(A_, b_).ravel() - gn).reshape(m, n)
        return jnp.concatenate([R_.T @ A_, Tj[:, 1:].T @ R_ @ b_])

    J = np.asarray(jax.jacfwd(f, holomorphic=True)(jnp.asarray(x, dtype=jnp.complex128)))
    assert J.shape == (N_, N_)
    return float(np.linalg.norm(np.linalg.solve(J * scale, Fv)))


def test_alpha_certificates_rechecked_independently(start):
    loss = instances(1, seed=77)[0]
    qd = quadratic_data(loss)
    hs = hm.solve_target(start, qd)
    assert hs.complete, hs.reason
    G, g = working_data(hs.form, qd)
    p1 = hm.param_vector(G.astype(float), g.astype(float))
    alpha = _independent_alpha(hs.form, p1)
    for x, a_lib in zip(hs.X, hs.certificate.alpha, strict=True):
        rc = recheck_alpha(hs.system, x)
        assert rc["approximate_zero"] and rc["alpha"] == pytest.approx(a_lib, rel=1e-6)
        beta_float, gamma = alpha(x)
        # the float filter evaluates the same Frobenius bound; the proven γ is an upper bound
        assert gamma == pytest.approx(float(alpha_data(hs.system, x[None]).gamma[0]), rel=1e-9)
        assert gamma <= rc["gamma"] * (1 + 1e-12)
        # β: f(x) ≈ 0 is rounding noise in float64, so the reference evaluates f(x) exactly
        # (rational arithmetic on the matrix form, exact G, g) with the float Jacobian
        beta = _exact_beta(hs.form, G, g, x, p1)
        assert beta <= rc["beta"] * (1 + 1e-9) <= 1.5 * beta + 1e-300  # an upper bound, tight
        assert beta_float < 1e3 * rc["beta"]
        assert beta * gamma < ALPHA0
    cert = hs.certificate
    assert cert.distinct and cert.min_separation_ratio > 1
    assert int(cert.real.sum()) + int(cert.nonreal.sum()) == 39
    assert int(cert.real.sum()) % 2 == 1


def test_start_system_cache_roundtrip(tmp_path):
    s1 = hm.start_system((2, 3), 1, seed=5, cache_dir=tmp_path)
    files = list(tmp_path.glob("start-*.npz"))
    assert len(files) == 1
    hm._MEMORY.pop(s1.key)
    s2 = hm.start_system((2, 3), 1, seed=5, cache_dir=tmp_path)
    np.testing.assert_array_equal(s1.X0, s2.X0)
    assert s2.msolve_count == s1.msolve_count


def test_auto_uses_fast_path_when_certified_and_falls_back_otherwise(start):
    res = critical_points_on_Mr(instances(1, seed=3)[0], 1, backend="auto")
    assert res.backend == "homotopy" and res.certified and res.fallback is None
    # φ = I is not generic (3 critical points, not 39): paths diverge, msolve answers
    ey = critical_points_on_Mr(DistanceLoss(np.diag([3.0, 2.0, 1.0])), 1, backend="auto")
    assert ey.backend == "msolve" and ey.fallback and ey.n_complex == 3 and ey.certified


def test_fast_path_other_shape_matches_msolve():
    rng = np.random.default_rng(8)
    losses = [DistanceLoss(rng.integers(-10, 11, size=(2, 3)), rng.integers(-10, 11, size=(6, 6)))
              for _ in range(3)]
    fast = critical_points_on_Mr_many(losses, 1, backend="homotopy")
    for loss, f in zip(losses, fast, strict=True):
        ref = critical_points_on_Mr(loss, 1, backend="msolve")
        assert f.certified, f.certification
        assert (f.n_complex, f.n_real, f.n_local_minima) == (
            ref.n_complex, ref.n_real, ref.n_local_minima)


def test_mixed_chart_certificate_agrees_with_msolve(start):
    """Each endpoint certified in its best random chart, compared in W-space (used when no
    single chart holds all endpoints comfortably): same real count as msolve."""
    loss = instances(1, seed=77)[0]
    qd = quadratic_data(loss)
    hs = hm.solve_target(start, qd)
    G, g = working_data(start.form, qd)
    p1 = hm.param_vector(G.astype(float), g.astype(float))
    A, B = hs.form.A_B(hs.X)
    Xi = np.concatenate([A.reshape(len(A), -1), B.reshape(len(B), -1)], axis=1)
    charts = []
    for f, fam in hm.chart_families(start):
        X, _ = hm._to_chart(f, Xi)
        target = fam.specialize(p1, exact_p=hm.exact_param_vector(G, g))
        charts.append((f, target, target.newton(X, iters=3)))
    # reality by conjugate symmetry needs the list known complete (39 = generic root count)
    assert not hm.certify_mixed(charts).reality_decided
    mc = hm.certify_mixed(charts, n_zeros=start.msolve_count)
    assert mc.rigorous
    ref = critical_points_on_Mr(loss, 1, backend="msolve")
    assert mc.all_approximate_zeros and mc.distinct and mc.reality_decided
    assert int(mc.real.sum()) == ref.n_real and len(mc.W) == ref.n_complex


def test_rank_two_3x3_fast_path_matches_msolve_and_duality():
    """Rank two in 3×3: the general ED degree is again 39 (M_2 is dual to M_1)."""
    rng = np.random.default_rng(9)
    losses = [DistanceLoss(rng.integers(-10, 11, size=(3, 3)), rng.integers(-10, 11, size=(9, 9)))
              for _ in range(2)]
    fast = critical_points_on_Mr_many(losses, 2, backend="homotopy")
    for loss, f in zip(losses, fast, strict=True):
        ref = critical_points_on_Mr(loss, 2, backend="msolve")
        assert f.certified and ref.certified
        assert ref.n_complex == 39
        assert (f.n_complex, f.n_real, f.n_local_minima) == (
            ref.n_complex, ref.n_real, ref.n_local_minima)
