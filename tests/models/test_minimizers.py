"""Global minimizers of Zhou & Liang 2018 (seed 003), Propositions 1 and 2, as constructors,
each point certified by ``classify`` (verdict ``global_minimum``, ``verify()`` True).

Expected numbers are computed here from the definitions (least squares by ``np.linalg.lstsq``,
Σ's eigenvalues from ``Σ_XYᵀΣ_XX⁻¹Σ_XY``), never by the functions under test.
"""

from __future__ import annotations

import numpy as np
import pytest

import dlnscape as dl
from dlnscape.errors import LossError, PointError
from dlnscape.models.minimizers import (
    deep_linear_coordinates,
    deep_linear_global_minimizer,
    deep_linear_minimum_value,
    residual_global_minimizer,
    zhou_liang_stated_minimum,
)
from dlnscape.models.residual import ResidualLinearNetwork


def _data(d, m, seed):
    """X (d × m) with singular values in [0.7, 1.5] (Σ_XX invertible, well conditioned), Y
    Gaussian."""
    rng = np.random.default_rng(seed)
    U = np.linalg.qr(rng.standard_normal((d, d)))[0]
    V = np.linalg.qr(rng.standard_normal((m, d)))[0]
    X = U @ np.diag(rng.uniform(0.7, 1.5, d)) @ V.T
    return X, rng.standard_normal((d, m))


def _ols(X, Y):
    return np.linalg.lstsq(X.T, Y.T, rcond=None)[0].T


def _min_value(X, Y):
    R = _ols(X, Y) @ X - Y
    return 0.5 * float(np.sum(R * R))


def _prod(mats):
    W = mats[0]
    for M in mats[1:]:
        W = M @ W
    return W


def _linear(X, Y, h):
    d = X.shape[0]
    return dl.Landscape(dl.LinearNetwork([d] * (h + 1)), dl.SquaredLoss(X, Y))


PROP1 = [(2, 2, 3), (3, 5, 2), (2, 4, 4), (3, 3, 1), (1, 3, 3), (3, 6, 3)]


# ---- Proposition 1 -----------------------------------------------------------------------------
@pytest.mark.parametrize("d,m,h", PROP1)
@pytest.mark.parametrize("c_choice", ["random0", "random1", "given"])
def test_zhou_liang_prop1_constructed_points_are_certified_global_minima(d, m, h, c_choice):
    """Seed 003, Prop 1, eq (2): W_h = UC_h, W_k = C_{k+1}⁻¹C_k, W_1 = C_2⁻¹UᵀΣ_XYᵀΣ_XX⁻¹ is a
    global minimizer of ½‖W_h⋯W_1X − Y‖² for every invertible C_k: classify certifies it, the
    product is the least-squares matrix and the value is ½‖OLS·X − Y‖²."""
    X, Y = _data(d, m, seed=d * 100 + m * 10 + h)
    if c_choice == "given":
        rng = np.random.default_rng(7)
        C = [np.diag(rng.uniform(0.2, 5.0, d)) @ np.linalg.qr(rng.standard_normal((d, d)))[0]
             for _ in range(h - 1)]
        theta = deep_linear_global_minimizer(X, Y, h, C=C)
    else:
        theta = deep_linear_global_minimizer(X, Y, h, rng=int(c_choice[-1]))
    land = _linear(X, Y, h)
    np.testing.assert_allclose(_prod(theta), _ols(X, Y), rtol=1e-10, atol=1e-12)
    assert land.value(theta) == pytest.approx(_min_value(X, Y), rel=1e-9, abs=1e-12)
    res = dl.classify(land, theta, rng=0)
    assert res.verdict == "global_minimum", (res.verdict, res.reasons)
    assert res.verify(land)


def test_zhou_liang_prop1_given_C_enter_as_printed():
    """The C's are used as eq (2) prints them: W_h = UC_h and W_k = C_{k+1}⁻¹C_k (h = 3: the
    middle layer is C_3⁻¹C_2), with U the eigenvectors of Σ."""
    X, Y = _data(3, 5, seed=1)
    rng = np.random.default_rng(2)
    C2, C3 = (np.eye(3) + 0.3 * rng.standard_normal((3, 3)) for _ in range(2))
    W1, W2, W3 = deep_linear_global_minimizer(X, Y, 3, C=[C2, C3])
    np.testing.assert_allclose(C3 @ W2, C2, rtol=1e-12, atol=1e-13)
    S = (X @ Y.T).T @ np.linalg.solve(X @ X.T, X @ Y.T)
    U = np.linalg.solve(C3.T, W3.T).T  # W_3 C_3⁻¹
    np.testing.assert_allclose(U.T @ U, np.eye(3), atol=1e-12)  # orthogonal …
    np.testing.assert_allclose(U.T @ S @ U, np.diag(np.diag(U.T @ S @ U)), atol=1e-10)  # eigvecs
    np.testing.assert_allclose(C2 @ W1, U.T @ _ols(X, Y), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("d,m", [(2, 5), (3, 4), (3, 8)])
def test_zhou_liang_prop1_stated_minimum_value_is_twice_the_true_minimum(d, m):
    """FINDING (seed 003, Prop 1): the text states min h = Tr(Σ_YY) − Σ_{i≤d} λ_i(Σ) for the
    ½-normalised h of eq (1). The certified global minimum is half of that:
    min h = ½(Tr(Σ_YY) − Σ_i λ_i(Σ)) (as Kawaguchi 2016, Thm 2.3 states it with the ½)."""
    X, Y = _data(d, m, seed=m)
    S = (X @ Y.T).T @ np.linalg.solve(X @ X.T, X @ Y.T)
    printed = float(np.trace(Y @ Y.T)) - float(np.sum(np.linalg.eigvalsh(S)))
    theta = deep_linear_global_minimizer(X, Y, 3, rng=0)
    land = _linear(X, Y, 3)
    res = dl.classify(land, theta, rng=0)
    assert res.verdict == "global_minimum" and res.verify(land)
    assert printed > 0
    assert res.value == pytest.approx(0.5 * printed, rel=1e-10)
    assert res.global_value == pytest.approx(0.5 * printed, rel=1e-10)
    assert abs(res.value - printed) > 0.4 * printed  # the printed value is not the minimum
    assert zhou_liang_stated_minimum(X, Y) == pytest.approx(printed, rel=1e-12)
    assert deep_linear_minimum_value(X, Y) == pytest.approx(0.5 * printed, rel=1e-12)


def test_zhou_liang_prop1_equivalence_class_preserves_the_loss():
    """Seed 003 §2.1: (W_hC_h, C_h⁻¹W_{h-1}C_{h-1}, …, C_2⁻¹W_1) has the loss of W (at any
    point, not only at minima)."""
    X, Y = _data(3, 5, seed=3)
    land = _linear(X, Y, 4)
    rng = np.random.default_rng(4)
    for _ in range(3):
        W = [rng.standard_normal((3, 3)) for _ in range(4)]
        C = {k: np.eye(3) + 0.5 * rng.standard_normal((3, 3)) for k in range(2, 5)}
        moved = [np.linalg.solve(C[2], W[0])]
        for k in range(2, 4):  # layer k (1-based): C_{k+1}⁻¹ W_k C_k
            moved.append(np.linalg.solve(C[k + 1], W[k - 1] @ C[k]))
        moved.append(W[3] @ C[4])
        assert land.value(moved) == pytest.approx(land.value(W), rel=1e-10)


@pytest.mark.parametrize("h", [2, 3])
def test_zhou_liang_prop1_and_cor1_every_gd_minimizer_has_the_form_2(h):
    """Seed 003, Prop 1 ("exactly of this form") and Cor 1 (full-rank factors): global
    minimizers found by gradient descent have invertible factors, C_k = UᵀW_h⋯W_k satisfy the
    first-layer equation of (2), and eq (2) with these C's rebuilds the point."""
    X, Y = _data(2, 5, seed=40 + h)
    land = _linear(X, Y, h)
    rng = np.random.default_rng(h)
    found = 0
    for _ in range(3):
        th0 = tuple(np.eye(2) + 0.3 * rng.standard_normal((2, 2)) for _ in range(h))
        r = dl.find_critical_point(land, th0, method="gd")
        if not (r.converged and abs(r.value - _min_value(X, Y)) <= 1e-9 * (1 + r.value)):
            continue
        found += 1
        for W in r.theta:  # Cor 1
            s = np.linalg.svd(W, compute_uv=False)
            assert s[-1] > 1e-3 * s[0]
        co = deep_linear_coordinates(r.theta, X, Y)
        assert co.first_layer_residual <= 1e-8
        rebuilt = deep_linear_global_minimizer(X, Y, h, C=co.C)
        for a, b in zip(rebuilt, r.theta, strict=True):
            np.testing.assert_allclose(a, b, rtol=1e-7, atol=1e-9)
    assert found >= 2


@pytest.mark.parametrize("d,m,h", PROP1[:4])
def test_zhou_liang_prop1_perturbed_minimizers_are_not_global(d, m, h):
    """A minimizer of eq (2) moved by 1% is not a global minimum (its loss is above the
    minimum and it is not critical)."""
    X, Y = _data(d, m, seed=d + m + h)
    theta = deep_linear_global_minimizer(X, Y, h, rng=3)
    land = _linear(X, Y, h)
    rng = np.random.default_rng(9)
    off = tuple(W + 1e-2 * np.linalg.norm(W) * rng.standard_normal(W.shape) for W in theta)
    assert land.value(off) > _min_value(X, Y) + 1e-8
    res = dl.classify(land, off, rng=0)
    assert res.verdict == "not_critical", (res.verdict, res.reasons)
    assert res.verify(land)


# ---- Proposition 2 -----------------------------------------------------------------------------
PROP2 = [(2, 2, 1, 1), (2, 2, 2, 2), (3, 3, 2, 3), (2, 2, 3, 2), (3, 5, 2, 2), (2, 4, 1, 3)]


@pytest.mark.parametrize("d,m,units,r", PROP2)
@pytest.mark.parametrize("seed", [0, 1])
def test_zhou_liang_prop2_constructed_points_are_certified_global_minima(d, m, units, r, seed):
    """Seed 003, Prop 2, eq (4): A_kr = U_kC_kr, A_kq = C_{k(q+1)}⁻¹C_kq,
    A_k1 = C_k2⁻¹U_kᵀ(W_k* − I) with W_k* of eq (5) is a full-rank global minimizer of the
    residual loss (eq (3)): certified by classify, every A_kq invertible, each unit's product
    is W_k* − I, and f(A*) = 0 when m = d. (Prop 2 is stated for m = d; the construction is a
    global minimizer whenever XXᵀ is invertible, the image being all d × d matrices.)"""
    X, Y = _data(d, m, seed=10 * seed + d + m)
    rng = np.random.default_rng(seed)
    C_hat = [np.eye(d) + 0.4 * rng.standard_normal((d, d)) for _ in range(units - 1)]
    A = residual_global_minimizer(X, Y, units, r, C_hat=C_hat, rng=seed)
    model = ResidualLinearNetwork(d, units, r)
    land = dl.Landscape(model, dl.SquaredLoss(X, Y))
    W_star = deep_linear_global_minimizer(X, Y, units, C=C_hat)
    for k in range(units):
        unit = A[k * r:(k + 1) * r]
        np.testing.assert_allclose(_prod(unit), W_star[k] - np.eye(d), rtol=1e-9, atol=1e-11)
        if r == 1:  # A_k = W_k* − I
            np.testing.assert_allclose(unit[0], W_star[k] - np.eye(d), rtol=1e-12, atol=1e-13)
    for Akq in A:  # full rank (the remark after Prop 2)
        s = np.linalg.svd(Akq, compute_uv=False)
        assert s[-1] > 1e-8 * s[0]
    np.testing.assert_allclose(model.forward(A), _ols(X, Y), rtol=1e-9, atol=1e-11)
    want = _min_value(X, Y)
    if m == d:
        assert want <= 1e-20
    assert land.value(A) == pytest.approx(want, rel=1e-8, abs=1e-18)
    res = dl.classify(land, A, rng=0)
    assert res.verdict == "global_minimum", (res.verdict, res.reasons)
    assert res.verify(land)
    off = tuple(a + 1e-2 * np.linalg.norm(a) * rng.standard_normal(a.shape) for a in A)
    res_off = dl.classify(land, off, rng=0)
    assert res_off.verdict == "not_critical", (res_off.verdict, res_off.reasons)
    assert res_off.verify(land)


def test_zhou_liang_prop2_every_found_full_rank_minimizer_has_the_form_4():
    """Seed 003, Prop 2 ("fully characterized"): a full-rank global minimizer found by GD
    (m = d, f = 0) has units W_k of Prop 1's form (5), and with U_k the eigenvectors of
    (W_k − I)(W_k − I)ᵀ and C_kq = U_kᵀA_kr⋯A_kq, eq (4) rebuilds every A_kq."""
    d, units, r = 2, 2, 2
    X, Y = _data(d, d, seed=77)
    model = ResidualLinearNetwork(d, units, r)
    land = dl.Landscape(model, dl.SquaredLoss(X, Y))
    rng = np.random.default_rng(3)
    th0 = tuple(np.eye(d) + 0.3 * rng.standard_normal((d, d)) for _ in model.shapes)
    res = dl.find_critical_point(land, th0, method="gd")
    assert res.converged and res.value <= 1e-20
    A = res.theta
    Ws = model.unit_matrices(A)
    co = deep_linear_coordinates(Ws, X, Y)
    assert co.first_layer_residual <= 1e-8  # the W_k* have the form (5)
    C = []
    for k in range(units):
        M = Ws[k] - np.eye(d)
        Uk = np.linalg.eigh(M @ M.T)[1]
        C.append([Uk.T @ _prod(A[k * r + q - 1:(k + 1) * r]) for q in range(2, r + 1)])
    rebuilt = residual_global_minimizer(X, Y, units, r, C_hat=co.C, C=C)
    for a, b in zip(rebuilt, A, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-7, atol=1e-9)


def test_zhou_liang_prop2_proof_eq32_as_printed_is_not_a_minimizer():
    """FINDING (seed 003, proof of Prop 2, eq (32)): it prints W_1* = Ĉ_2⁻¹ÛᵀΣ_XYΣ_XX⁻¹; with
    Σ_XY in place of Σ_XYᵀ (as in eq (5)) the product is Σ_XYΣ_XX⁻¹ = XYᵀ(XXᵀ)⁻¹, not the
    least-squares matrix, and the loss is above the minimum (a typo: eq (5) is right)."""
    d = 3
    X, Y = _data(d, d, seed=8)
    Sxy, Sxx = X @ Y.T, X @ X.T
    S = Sxy.T @ np.linalg.solve(Sxx, Sxy)
    U = np.linalg.eigh(0.5 * (S + S.T))[1]
    rng = np.random.default_rng(1)
    C2 = np.eye(d) + 0.3 * rng.standard_normal((d, d))
    printed = (np.linalg.solve(C2, U.T @ Sxy @ np.linalg.inv(Sxx)), U @ C2)
    correct = (np.linalg.solve(C2, U.T @ Sxy.T @ np.linalg.inv(Sxx)), U @ C2)
    land = _linear(X, Y, 2)
    assert land.value(correct) <= 1e-20  # m = d: the minimum is 0
    assert land.value(printed) > 1e-2
    assert dl.classify(land, printed, rng=0).verdict == "not_critical"
    assert dl.classify(land, correct, rng=0).verdict == "global_minimum"


@pytest.mark.parametrize("a", [1e-6, 1e6])
def test_minimizer_verdicts_invariant_under_data_scaling(a):
    """Tolerance policy (DESIGN.md): (X, Y) → (aX, aY) leaves both constructions' points global
    minima (the least-squares matrix is unchanged) and a perturbed point not critical."""
    X, Y = _data(2, 4, seed=5)
    theta = deep_linear_global_minimizer(X, Y, 3, rng=1)
    A = residual_global_minimizer(X, Y, 2, 2, rng=1)
    rng = np.random.default_rng(0)
    for model, pt in ((dl.LinearNetwork([2, 2, 2, 2]), theta),
                      (ResidualLinearNetwork(2, 2, 2), A)):
        land = dl.Landscape(model, dl.SquaredLoss(a * X, a * Y))
        res = dl.classify(land, pt, rng=0)
        assert res.verdict == "global_minimum", (a, model, res.reasons)
        assert res.verify(land)
        off = tuple(W + 1e-2 * np.linalg.norm(W) * rng.standard_normal(W.shape) for W in pt)
        assert dl.classify(land, off, rng=0).verdict == "not_critical"


# ---- bad input -------------------------------------------------------------------------------
def test_minimizer_constructors_reject_bad_input_by_name():
    X, Y = _data(2, 4, seed=0)
    with pytest.raises(LossError, match="^X: .*XXᵀ invertible"):
        deep_linear_global_minimizer(np.ones((2, 4)), Y, 2)
    with pytest.raises(LossError, match="^X: "):
        deep_linear_global_minimizer(X[:, :1], Y[:, :1], 2)  # m < d
    with pytest.raises(LossError, match="^X, Y: .*same shape"):
        deep_linear_global_minimizer(X, Y[:, :3], 2)
    with pytest.raises(PointError, match=r"^C: expected 2 invertible 2×2"):
        deep_linear_global_minimizer(X, Y, 3, C=[np.eye(2)])
    with pytest.raises(PointError, match=r"^C\[1\]: expected an invertible matrix"):
        deep_linear_global_minimizer(X, Y, 3, C=[np.eye(2), np.zeros((2, 2))])
    with pytest.raises(dl.DlnscapeError, match="^h: expected a positive integer"):
        deep_linear_global_minimizer(X, Y, 0)
    with pytest.raises(PointError, match=r"^C: expected 2 sequences"):
        residual_global_minimizer(X, Y, 2, 2, C=[[np.eye(2)]])
    # one unit whose W_1* = OLS has OLS − I singular: no full-rank minimizer exists
    Ysing = np.diag([1.0, 0.0]) @ X  # OLS = diag(1, 0), so OLS − I = diag(0, −1)
    with pytest.raises(PointError, match=r"W_1\* − I is singular"):
        residual_global_minimizer(X, Ysing, 1, 2)
