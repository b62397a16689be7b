"""Trager, Kohn & Bruna 2020 (seed 004): Fig. 2 (the ellipse's ED discriminant, the caustic)
and App. A.2 (the ED discriminant of M_r is a sum of squares: real codimension 2, so the real
number of critical points never changes)."""

from __future__ import annotations

import math
import os
from fractions import Fraction

import flint
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dlnscape as dl
from dlnscape.errors import DlnscapeError, ShapeError
from dlnscape.linalg import numerical_rank
from dlnscape.texts import trager as T


def _q100(lo: float, hi: float):
    """Rationals k/100 (small denominators keep exact arithmetic cheap; no subnormals)."""
    return st.integers(int(lo * 100), int(hi * 100)).map(lambda k: Fraction(k, 100))

# ------------------------------------------------------------------------------------------
# T-004-Fig2
# ------------------------------------------------------------------------------------------


def _lame_in_ring(ctx, coeff27: int = 27):
    """Lamé's evolute written independently in flint's ring (u1, u2, A, B)."""
    u1, u2, A, B = ctx.gens()
    c2 = A - B
    return (A * u1 ** 2 + B * u2 ** 2 - c2 ** 2) ** 3 \
        + coeff27 * A * B * c2 ** 2 * u1 ** 2 * u2 ** 2


def test_fig2_ed_discriminant_is_minus16_AB_AminusB2_u1sq_u2sq_times_the_evolute():
    """T-004-Fig2: disc_λ of the ellipse's ED quartic = −16·A·B·(A−B)²·u_1²·u_2²·E(u), with E
    Lamé's evolute (the caustic); a wrong evolute (26 for 27) is not it."""
    d = T.ellipse_ed_discriminant()
    ctx = d.poly.context()
    u1, u2, A, B = ctx.gens()
    lame = _lame_in_ring(ctx)
    assert d.poly == -16 * A * B * (A - B) ** 2 * u1 ** 2 * u2 ** 2 * lame
    assert d.caustic == lame
    assert d.caustic != _lame_in_ring(ctx, 26)
    assert d.constant == -16
    assert sorted(k for _, k in d.factors) == [1, 1, 1, 2, 2, 2]


@settings(derandomize=True, max_examples=30, deadline=None)
@given(a=_q100(0.3, 4.0), b=_q100(0.3, 4.0), u1=_q100(-5, 5), u2=_q100(-5, 5))
def test_fig2_discriminant_sign_decides_the_real_count(a, b, u1, u2):
    """T-004-Fig2: the exact count (Sturm) equals flint's certified root isolation, the symbolic
    discriminant evaluated at (a, b, u) equals the discriminant of that quartic, and the count
    is 4 where disc > 0, 2 where disc < 0 (never 0 or 3)."""
    if a == b or u1 * u2 == 0:
        return
    res = T.ellipse_real_critical_count(a, b, (u1, u2))
    assert res.n_real == res.n_real_flint
    assert res.degree == 4
    q = T.ellipse_ed_polynomial(a, b, (u1, u2))
    direct = flint.fmpq_poly([flint.fmpq(c.numerator, c.denominator) for c in q]).discriminant()
    sym = T.ellipse_ed_discriminant().evaluate(a, b, (u1, u2))
    assert Fraction(int(direct.p), int(direct.q)) == sym
    if res.discriminant_sign != 0:
        assert res.n_real == (4 if res.discriminant_sign > 0 else 2)
    # the points are real critical points: on the ellipse, p − u normal to it
    af, bf, u1f, u2f = float(a), float(b), float(u1), float(u2)
    for x, y in res.points:
        assert x * x / af ** 2 + y * y / bf ** 2 == pytest.approx(1.0, rel=1e-8)
        normal = np.array([x / af ** 2, y / bf ** 2])
        d = np.array([x - u1f, y - u2f])
        cross = d[0] * normal[1] - d[1] * normal[0]
        assert abs(cross) <= 1e-8 * (np.linalg.norm(d) + 1) * np.linalg.norm(normal)


def test_fig2_catalog_check76_ten_thousand_points_inside_four_outside_two():
    """Catalog §7 check 76: a = 2, b = 1, 10⁴ random u: 4 real critical points iff
    (au_1)^{2/3} + (bu_2)^{2/3} < (a² − b²)^{2/3}, else 2 — exact counts, no mismatch."""
    rng = np.random.default_rng(76)
    U = rng.uniform(-3.5, 3.5, size=(10_000, 2))
    counts = {2: 0, 4: 0}
    for u in U:
        n = T.ellipse_real_critical_count(2, 1, u).n_real
        assert n == T.caustic_rule(2, 1, u), u
        counts[n] += 1
    assert counts[4] > 100 and counts[2] > 100  # both sides sampled


@settings(derandomize=True, max_examples=25, deadline=None)
@given(a=_q100(0.5, 3.0), b=_q100(0.5, 3.0), u1=_q100(-4, 4), u2=_q100(-4, 4))
def test_fig2_independent_angle_count_agrees_away_from_the_caustic(a, b, u1, u2):
    """T-004-Fig2 cross-check: sign changes of d/dt ‖(a cos t, b sin t) − u‖² on a grid (no
    algebra) give the exact count, for u not within 1% of the caustic."""
    if abs(a - b) < 1e-3 or u1 * u2 == 0:
        return
    E = T.lame_evolute(a, b, (u1, u2))
    scale = (a * a * u1 * u1 + b * b * u2 * u2 + (a * a - b * b) ** 2) ** 3
    if abs(E) < Fraction(1, 100) * scale:
        return
    exact = T.ellipse_real_critical_count(a, b, (u1, u2)).n_real
    assert T.ellipse_critical_count_by_angle(float(a), float(b), (float(u1), float(u2))) == exact
    assert exact == (4 if E < 0 else 2) == T.caustic_rule(a, b, (u1, u2))


def test_fig2_count_jumps_across_the_caustic_along_a_segment():
    """T-004-A2-ED's first statement for the ellipse: the count is locally constant off the
    caustic and changes across it (4 → 2), where the discriminant changes sign."""
    ts = np.linspace(0.0, 1.0, 41)
    us = [(0.05 + 2.5 * t, 0.07 + 2.5 * t) for t in ts]
    res = [T.ellipse_real_critical_count(2, 1, u) for u in us]
    n = [r.n_real for r in res]
    signs = [r.discriminant_sign for r in res]
    assert n[0] == 4 and n[-1] == 2
    k = n.index(2)
    assert set(n[:k]) == {4} and set(n[k:]) == {2}  # exactly one jump
    assert signs[k - 1] > 0 > signs[k]


@settings(derandomize=True, max_examples=20, deadline=None)
@given(rad=_q100(0.2, 5.0), u1=_q100(-6, 6), u2=_q100(-6, 6))
def test_fig2_circle_always_two_and_its_discriminant_is_4a2_norm_u2(rad, u1, u2):
    """T-004-Fig2 (right) / T-004-A2-ED: for a circle the ED polynomial is quadratic (ED degree
    2), its discriminant is 4a²(u_1² + u_2²) ≥ 0 — zero only at the centre (the caustic) —
    and every u ≠ 0 has 2 real critical points. The ellipse's discriminant vanishes
    identically at a = b (the factor (A − B)²): the ED degree drops."""
    if u1 == 0 and u2 == 0:
        return
    res = T.ellipse_real_critical_count(rad, rad, (u1, u2))
    assert res.n_real == res.n_real_flint == 2 and res.degree == 2
    q = T.ellipse_ed_polynomial(rad, rad, (u1, u2))
    disc = q[1] ** 2 - 4 * q[2] * q[0]
    A = Fraction(rad) ** 2
    assert disc == 4 * A * (Fraction(u1) ** 2 + Fraction(u2) ** 2)
    assert T.ellipse_ed_discriminant().evaluate(rad, rad, (u1, u2)) == 0


def test_ellipse_caustic_figure_writes_the_png(tmp_path):
    """T-004-Fig2: the figure is written atomically (mode 0644) and its samples agree with the
    caustic rule and the discriminant; on the circle every sample has 2."""
    out = T.ellipse_caustic_figure(tmp_path / "fig2.png", 2.0, 1.0, n_samples=150, rng=3)
    data = out.path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000
    assert oct(os.stat(out.path).st_mode & 0o777) == "0o644"
    assert sum(out.counts.values()) == 150 and set(out.counts) <= {2, 4}
    assert out.counts.get(4, 0) > 0 and out.counts.get(2, 0) > 0
    assert out.rule_mismatches == 0 and out.discriminant_mismatches == 0
    assert out.circle_counts == {2: 150}
    assert out.to_dict()["claim"] == "T-004-Fig2"
    solo = T.ellipse_caustic_figure(tmp_path / "solo.png", 3, 1, n_samples=20, circle=False)
    assert solo.circle_counts == {} and solo.path.exists()


def test_results_are_json_ready(tmp_path):
    """Every result of the Fig 2 / A.2 functions converts to JSON (``to_dict``)."""
    import json

    from dlnscape.io import to_jsonable

    objs = [T.ellipse_real_critical_count(2, 1, (0.3, 0.4)), T.ellipse_ed_discriminant(),
            T.disc_2x2_sos(), T.symmetric_discriminant_sos(2),
            T.ellipse_caustic_figure(tmp_path / "f.png", 2, 1, n_samples=10),
            T.ed_real_counts_on_segment(np.array([[1.0, 0.4], [-0.2, 0.7]]),
                                        np.array([[0.3, -1.1], [0.8, 0.5]]), 1, n_points=2)]
    for o in objs:
        d = json.loads(json.dumps(to_jsonable(o)))
        assert d["claim"] in ("T-004-Fig2", "T-004-A2-ED")


def test_fig2_bad_input():
    with pytest.raises(DlnscapeError, match="a, b"):
        T.ellipse_real_critical_count(-1, 1, (0.2, 0.3))
    with pytest.raises(DlnscapeError, match="u"):
        T.ellipse_real_critical_count(2, 1, (0.0, 0.3))  # on an axis
    with pytest.raises(DlnscapeError, match="u"):
        T.ellipse_real_critical_count(1, 1, (0.0, 0.0))  # the circle's centre
    with pytest.raises(ShapeError, match="u"):
        T.ellipse_real_critical_count(2, 1, (0.1, 0.2, 0.3))
    with pytest.raises(DlnscapeError, match="u"):
        T.ellipse_real_critical_count(2, 1, (float("nan"), 0.2))
    with pytest.raises(DlnscapeError, match="n_samples"):
        T.ellipse_caustic_figure("/tmp/never.png", 2, 1, n_samples=0)


# ------------------------------------------------------------------------------------------
# T-004-A2-ED
# ------------------------------------------------------------------------------------------


def test_a2_disc_QQt_2x2_is_the_catalogs_sum_of_two_squares():
    """T-004-A2-ED: disc(QQᵀ) = (q11² + q12² − q21² − q22²)² + 4(q11q21 + q12q22)² exactly
    (left side: flint's discriminant of det(tI − QQᵀ)); a wrong weight fails."""
    ok = T.disc_2x2_sos()
    assert ok.holds and ok.n_squares == 2
    assert not T.disc_2x2_sos(broken=True).holds


@pytest.mark.parametrize("n", [2, 3])
def test_a2_discriminant_of_a_symmetric_matrix_is_a_sum_of_squares(n):
    """T-004-A2-ED for every size (n = 2, 3 exactly): disc(S) = Σ_R det(K_R)² (Cauchy–Binet on
    the Gram matrix of I, S, …, S^{n−1}); dropping a square breaks it. Numerically, for random
    symmetric S, Π_{i<j}(λ_i − λ_j)² = det KᵀK (numpy, independent of flint)."""
    sos = T.symmetric_discriminant_sos(n)
    assert sos.holds and sos.n_squares >= 2
    assert not T.symmetric_discriminant_sos(n, broken=True).holds
    rng = np.random.default_rng(n)
    for _ in range(5):
        Q = rng.standard_normal((n, n + 1))
        S = Q @ Q.T
        lam = np.linalg.eigvalsh(S)
        disc = math.prod((lam[i] - lam[j]) ** 2 for i in range(n) for j in range(i + 1, n))
        K = np.stack([np.linalg.matrix_power(S, k).ravel() for k in range(n)], axis=1)
        assert np.linalg.det(K.T @ K) == pytest.approx(disc, rel=1e-7)
        assert disc > 0


def test_a2_real_zero_set_has_codimension_two():
    """T-004-A2-ED: the real zeros of disc(QQᵀ) (two equal singular values) have codimension 2.
    2×2: at Q = c·(rational rotation or reflection) the two squares' bases have a Jacobian of
    exact rank 2. 3×3: the set {U diag(s, s, t) Vᵀ} has dimension 7 = 9 − 2 (numerical rank of
    the parametrisation's Jacobian, with its gap). There the critical points of h_Q on M_1 are
    not isolated (Thm 28: a circle of minima), which is what the discriminant detects."""
    F = Fraction
    for c in (F(1), F(-3, 2), F(7)):
        for R in ([[F(3, 5), F(-4, 5)], [F(4, 5), F(3, 5)]],
                  [[F(5, 13), F(12, 13)], [F(12, 13), F(-5, 13)]]):
            Q = np.array([[c * x for x in row] for row in R], dtype=object)
            assert T.sos_zero_set_codimension_2x2(Q) == 2
    with pytest.raises(DlnscapeError, match="Q"):
        T.sos_zero_set_codimension_2x2([[2, 0], [0, 1]])
    # 3×3 by the parametrisation (skew generators of O(3) on both sides, then s, t)
    rng = np.random.default_rng(0)
    U0, _ = np.linalg.qr(rng.standard_normal((3, 3)))
    V0, _ = np.linalg.qr(rng.standard_normal((3, 3)))
    s, t = 2.0, 0.7
    gens = []
    for i, j in ((0, 1), (0, 2), (1, 2)):
        G = np.zeros((3, 3))
        G[i, j], G[j, i] = 1.0, -1.0
        gens.append(G)
    D = np.diag([s, s, t])
    cols = [(U0 @ G @ D @ V0.T).ravel() for G in gens]
    cols += [(U0 @ D @ (V0 @ G).T).ravel() for G in gens]
    cols += [(U0 @ np.diag([1.0, 1.0, 0.0]) @ V0.T).ravel(), (U0 @ np.diag([0, 0, 1.0]) @ V0.T)
             .ravel()]
    dec = numerical_rank(np.stack(cols, axis=1))
    assert dec.rank == 7 and not dec.ambiguous
    res = dl.eckart_young_critical_points(U0 @ D @ V0.T, 1)
    assert not res.finite  # the critical points of h_Q on M_1 form a positive-dim. set


@pytest.mark.parametrize("shape,r", [((2, 2), 1), ((3, 3), 1), ((3, 3), 2)])
def test_a2_real_count_on_Mr_is_constant_along_segments(shape, r):
    """T-004-A2-ED: off the codimension-2 discriminant every complex critical point of
    ‖W − Q‖² on M_r is real: along a random segment Q(t) the certified counts are C(m, r) real
    out of C(m, r) complex at every sample, and disc(QQᵀ) > 0 (contrast: the ellipse,
    test_fig2_count_jumps_across_the_caustic_along_a_segment)."""
    rng = np.random.default_rng(sum(shape) + r)
    seg = T.ed_real_counts_on_segment(rng.standard_normal(shape), rng.standard_normal(shape), r,
                                      n_points=3)
    assert seg.constant, seg.to_dict()
    assert seg.expected == math.comb(min(shape), r)
    assert all(v > 0 for v in seg.disc_values)
    assert seg.to_dict()["constant"]


def test_a2_bad_input():
    with pytest.raises(DlnscapeError, match="n"):
        T.symmetric_discriminant_sos(1)
    with pytest.raises(ShapeError, match="Q_start"):
        T.ed_real_counts_on_segment(np.eye(2), np.eye(3), 1)
    with pytest.raises(DlnscapeError, match="r"):
        T.ed_real_counts_on_segment(np.eye(2), np.eye(2), 2)
    with pytest.raises(ShapeError, match="Q"):
        T.sos_zero_set_codimension_2x2(np.eye(3))
