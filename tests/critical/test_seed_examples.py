"""The seeds' explicit points, classified and compared with what each text claims.

Where a text is contradicted, the test asserts the *certified* outcome (a certificate that
re-verifies from scratch), and, where possible, an independent hand-derived witness. The
findings go through the atlas's own checks (``dlnscape.claims.seed_000`` … ``seed_002``), so
the report and these tests say the same thing; the checks' statuses for every catalog ID are
pinned in ``tests/claims/test_checks.py``.
"""

from __future__ import annotations

import numpy as np
import pytest

from dlnscape.architecture import end_to_end
from dlnscape.claims import Context, Status, seed_000, seed_001, seed_002
from dlnscape.critical import classify
from dlnscape.examples import (
    hofflin_counterexample,
    kawaguchi_cor24_point,
    minimal_cubic_example,
    nouiehed_appendix_c_example,
    nouiehed_intro_example,
    nouiehed_thm12_point,
)
from dlnscape.linalg import inertia


def _certified(L, theta, verdict):
    res = classify(L, theta, rng=0)
    assert res.verdict == verdict, (res.verdict, res.reasons, str(res))
    assert res.verify(L)
    return res


def _disagreement(outcome):
    """A check's outcome is a certified disagreement whose certificates re-verify."""
    assert outcome.status is Status.CERTIFIED_DISAGREEMENT, outcome.summary
    assert outcome.certificates and all(c.verify()[0] for c in outcome.certificates)
    return outcome


# --- Hofflin 2023 (seed 000), §3.2 ------------------------------------------------------------
def test_000_sec32_gradient_vanishes_exactly_on_the_family():
    # Eq. (29)–(31): ∇g = 0 ⟺ a11 = a12 = a13 = a21 = a22 = a31 = 0
    L, theta = hofflin_counterexample(0.3, -0.2, 0.7, 1.0)
    assert max(float(np.abs(g).max()) for g in L.grad(theta)) == 0.0
    A = np.zeros((3, 3))
    A[1, 0] = 1.0  # a21: outside the family
    L2 = type(L)(L.model, type(L.loss)(A, 1.0, end_to_end(theta)))
    assert max(float(np.abs(g).max()) for g in L2.grad(theta)) > 0.5


def test_000_appA_second_derivative_matches_the_printed_polynomial():
    # App. A (normalisation c‖P − W‖², no ½): d²/dt² G at t = 0 as printed
    rng = np.random.default_rng(0)
    for _ in range(5):
        x, y, z, c = rng.standard_normal(4)
        L, theta = hofflin_counterexample(x, y, z, c, normalisation="appendix")
        w1, w2, w3 = (rng.standard_normal(W.shape) for W in theta)

        def e(M, i, j):
            return M[i - 1, j - 1]

        printed = c * (2 * e(w1, 1, 3) ** 2 + 2 * (e(w1, 1, 2) + e(w2, 1, 2)) ** 2
                       + 2 * e(w2, 2, 2) ** 2
                       + 2 * (e(w1, 1, 1) + e(w2, 1, 1) + e(w3, 1, 1)) ** 2
                       + 2 * (e(w2, 2, 1) + e(w3, 2, 1)) ** 2 + 2 * e(w3, 3, 1) ** 2) \
            + 2 * e(w1, 2, 3) * e(w2, 2, 2) * x + 2 * e(w1, 1, 2) * e(w3, 3, 1) * y \
            + 2 * e(w2, 1, 2) * e(w3, 3, 1) * y + 2 * e(w2, 2, 2) * e(w3, 3, 2) * y \
            + 2 * e(w1, 1, 3) * (e(w2, 2, 1) * x + e(w3, 2, 1) * x + e(w3, 3, 1) * z)
        computed = 2.0 * L.taylor(theta, (w1, w2, w3), 2)[2]
        assert computed == pytest.approx(printed, rel=1e-12, abs=1e-12)


@pytest.mark.parametrize("normalisation", ["text", "appendix"])
@pytest.mark.parametrize("x,y", [(1.0, 0.0), (0.0, 1.0), (-0.5, 0.8)])
def test_000_thm31_hessian_is_not_zero_and_indefinite_when_x_or_y_nonzero(normalisation, x, y):
    # Thm 3.1 claims "∇²g and ∇³g also equal 0" for every A = [[0,0,0],[0,0,x],[0,y,z]].
    # Certified disagreement: c > 0 gives positive eigenvalues, and x or y ≠ 0 a negative one.
    L, theta = hofflin_counterexample(x, y, 1.0, 1.0, normalisation=normalisation)
    ev = np.linalg.eigvalsh(L.hessian(theta))
    nneg, _, npos, _ = inertia(ev)
    assert npos > 0 and nneg > 0
    res = _certified(L, theta, "strict_saddle")
    assert res.order.order == 1


@pytest.mark.parametrize("c", [1.0, 10.0])
@pytest.mark.parametrize("z", [1.0, -1.0])
def test_000_thm31_point_is_3_critical_when_x_y_vanish_and_c_at_least_abs_z(z, c):
    # Agreement with Thm 3.1 for A = zE_33 and c ≥ |z|: ∇g = 0, ∇²g ⪰ 0, the cubic form
    # vanishes on its kernel (exact polarisation), while ∇f(W) = A ≠ 0 and rank W = 1 < 2:
    # 3 ⟹ 1 fails, as the text concludes.
    L, theta = hofflin_counterexample(0.0, 0.0, z, c)
    res = classify(L, theta, rng=0)
    assert res.order.order == 3 and res.order.exact
    assert np.linalg.norm(L.loss.grad(end_to_end(theta))) > 0.5
    assert res.rank["rank"] == 1 < res.rank["r"] == 2


def test_000_thm31_atlas_check_disagrees_with_the_claim_and_agrees_with_the_conclusion():
    # the atlas check (checks 4 and 5): the Hessian is never zero on the family (c ≠ 0),
    # x = 1, z = 1 is a certified strict saddle, and A = E_33, c = 1 is exactly 3-critical
    out = seed_000.thm31_order_of_criticality(
        Context("T-000-Thm3.1"), cs=(0.5, 1.0), triples=((1, 0, 1), (0, 1, 0), (0, 0, 1)))
    r4 = _disagreement(out["check-4"])
    assert r4.numbers["hessian_zero_count"] == 0
    assert r4.numbers["strict_saddle_example"]["verdict"] == "strict_saddle"
    assert out["check-5"].status is Status.AGREES
    assert out["check-5"].numbers["order"] == 3 and out["check-5"].numbers["exact"]


@pytest.mark.parametrize("c", [0.25, 0.5, 0.9])
def test_000_thm31_point_is_not_2_critical_when_c_below_abs_z(c):
    # Text normalisation (c/2)‖X − W‖²: the App. A Hessian restricted to (ẇ1_13, ẇ3_31) is
    # [[c, z], [z, c]], indefinite for c < |z|. Certified disagreement with "3-critical for
    # every A in the family" (Thm 3.1): a strict saddle.
    L, theta = hofflin_counterexample(0.0, 0.0, 1.0, c)
    w1, w2, w3 = (np.zeros_like(W) for W in theta)
    w1[0, 2], w3[2, 0] = 1.0, -1.0
    assert 2.0 * L.taylor(theta, (w1, w2, w3), 2)[2] == pytest.approx(2 * c - 2.0)
    res = _certified(L, theta, "strict_saddle")
    assert res.order.order == 1


def test_000_claim33_escape_certified_in_exact_arithmetic_for_huge_c():
    # c = 10⁶, z = 0.1: the decrease (~1e-18) is invisible to float64; the certificate is
    # checked with exact rationals (curve points and the Taylor polynomial)
    L, theta = hofflin_counterexample(0.0, 0.0, 0.1, 1e6)
    res = _certified(L, theta, "degenerate_saddle")
    assert res.certificate.arithmetic == "exact"
    assert all(d < 0 for d in res.certificate.details["exact_differences"])
    # the atlas check on the same instance says the same, from its certificate file
    out = seed_000.claim33_not_a_local_minimum(
        Context("T-000-Claim3.3"), zs=(0.1,), cs=(1e6,), others=((1, 0, 0, 1.0),),
        huge_c=False)
    o6 = _disagreement(out["check-6"])
    assert o6.numbers["check6"][0]["arithmetic"] == "exact"


@pytest.mark.parametrize("normalisation", ["text", "appendix"])
@pytest.mark.parametrize("c", [1.0, 10.0, 100.0, 1e4])
def test_000_claim33_point_is_not_a_local_minimum_for_any_tested_c(c, normalisation):
    # Claim 3.3: "there exists c > 0 such that (W_1, W_2, W_3) is a local minimum of g".
    # Certified disagreement for every tested c: a fiber move plus descent (Trager Prop 9).
    L, theta = hofflin_counterexample(0.0, 0.0, 1.0, c, normalisation=normalisation)
    res = _certified(L, theta, "degenerate_saddle")
    assert res.certificate.sense == "descent" and res.certificate.taylor_coefficient < 0
    # through the atlas check (text normalisation c/2: the appendix's c is the text's 2c)
    c_text = c if normalisation == "text" else 2 * c
    out = seed_000.claim33_not_a_local_minimum(
        Context("T-000-Claim3.3"), zs=(1.0,), cs=(c_text,), others=((0, 1, 0, c_text),),
        huge_c=False)
    o6 = _disagreement(out["check-6"])
    assert [r["verdict"] for r in o6.numbers["check6"]] == ["degenerate_saddle"]
    assert o6.numbers["check6"][0]["value"] == pytest.approx(res.value)


# --- Nouiehed–Razaviyayn (seed 001) -----------------------------------------------------------
def test_001_intro_point_is_critical_with_the_stated_loss():
    L, theta = nouiehed_intro_example()
    assert L.value(theta) == 0.5
    assert max(float(np.abs(g).max()) for g in L.grad(theta)) == 0.0


def test_001_intro_point_is_not_a_local_minimum_hand_witness():
    # Independent witness of the disagreement: w_2 = t², w_3 = [1; t], w_1 = [1, t] gives
    # L = ½ + ½t⁴(1+t²)² − t⁴ < ½ for small t ≠ 0, and the curve tends to the point.
    L, theta = nouiehed_intro_example()
    for t in [0.5, 0.1, 0.01]:
        pt = (np.array([[1.0, t]]), np.array([[t * t]]), np.array([[1.0], [t]]))
        assert L.value(pt) < 0.5
        assert L.value(pt) == pytest.approx(0.5 + 0.5 * t**4 * (1 + t * t) ** 2 - t**4, rel=1e-12)


def test_001_intro_point_certified_degenerate_saddle():
    # Text: "a local optimum … that is not a global optimum" — certified disagreement, through
    # the atlas check (T-001-Intro-CE): its numbers are the classification's and its
    # certificate file re-verifies from scratch
    out = _disagreement(seed_001.intro_counterexample(Context("T-001-Intro-CE")))
    n = out.numbers
    assert n["verdict"] == "degenerate_saddle" and n["hessian_inertia"][0] == 0
    assert n["loss_at_point"] == 0.5 and n["max_abs_gradient"] == 0.0
    assert all(v < 0.5 for v in n["hand_witness_loss"].values())
    L, theta = nouiehed_intro_example()
    res = _certified(L, theta, "degenerate_saddle")  # and directly
    assert res.hessian.n_negative == 0


def test_001_appC_printed_values():
    # App. C: product diag(0,4,0), Δ = [[−1,0,1],[0,0,0],[1,0,−1]], loss 2, (46), H_A ⪰ 0
    L, theta = nouiehed_appendix_c_example()
    W1, W2, W3 = theta
    assert np.array_equal(end_to_end(theta), np.diag([0.0, 4.0, 0.0]))
    Delta = end_to_end(theta) - L.loss.Y
    assert np.array_equal(Delta, np.array([[-1.0, 0, 1], [0, 0, 0], [1, 0, -1]]))
    assert L.value(theta) == 2.0
    assert not np.any(W3.T @ Delta) and not np.any(Delta @ W1.T)
    ev = np.linalg.eigvalsh(L.hessian(theta))
    np.testing.assert_allclose(ev, [0.0] * 10 + [4, 12, 16, 16, 16, 20], atol=1e-10)
    out = seed_001.appc_printed_values(Context("check-19"))  # the atlas check 19
    assert out.status is Status.AGREES and all(out.numbers["facts"].values())


def test_001_appC_point_is_not_a_local_minimum():
    # Text: "find a local minimum (W̄_3, W̄_2, W̄_1) that is not global" — certified
    # disagreement (rank W = 1 < 2 and ∇ℓ(W) = Δ ≠ 0: Trager et al. 2020, Prop 9).
    out = _disagreement(seed_001.appc_counterexample(Context("T-001-AppC-CE2")))
    assert out.numbers["verdict"] == "degenerate_saddle"
    assert out.numbers["criticality_order"] == 3  # lines cannot see it: g⁽³⁾ = 0 on ker H_A
    L, theta = nouiehed_appendix_c_example()
    res = _certified(L, theta, "degenerate_saddle")
    assert res.order.order == 3


@pytest.mark.parametrize("widths", [(2, 1, 1, 2), (3, 1, 2, 3), (3, 2, 1, 3), (4, 2, 1, 2, 4)])
def test_001_thm12a_construction_is_not_a_local_minimum(widths):
    # Thm 12(a) / App. C: claimed non-global local minima. Critical with a PSD Hessian (as the
    # text computes, g'(0) = 0 and g''(0) ≥ 0 along lines), but certified saddles.
    L, theta = nouiehed_thm12_point(widths)
    assert max(float(np.abs(g).max()) for g in L.grad(theta)) == 0.0
    res = _certified(L, theta, "degenerate_saddle")
    assert res.hessian.n_negative == 0
    out = _disagreement(seed_001.thm12a_construction(Context("T-001-Thm12"),
                                                     widths=[widths])["T-001-Thm12"])
    nums = out.numbers[str(tuple(widths))]
    assert nums["verdict"] == "degenerate_saddle" and nums["gradient_exactly_zero"]


# --- Kawaguchi 2016 (seed 002), Cor 2.4 -------------------------------------------------------
def test_002_cor24_H1_saddle_has_negative_curvature():
    # Cor 2.4, H = 1: "the Hessian at any saddle point has at least one negative eigenvalue"
    L, theta = kawaguchi_cor24_point(1, last="zero")
    res = _certified(L, theta, "strict_saddle")
    assert res.hessian.n_negative > 0


@pytest.mark.parametrize("H,last", [(2, "zero"), (3, "zero"), (3, "random")])
def test_002_cor24_zero_hessian_saddles_exist_for_H_at_least_2(H, last):
    # Agreement: with W_H = … = W_1 = 0 the Hessian is zero and the point is a saddle
    L, theta = kawaguchi_cor24_point(H, last=last)
    assert not np.any(L.hessian(theta))
    res = _certified(L, theta, "degenerate_saddle")
    assert res.global_value is not None and res.value > res.global_value


def test_002_cor24_proof_hessian_not_zero_for_H2_with_nonzero_last_layer():
    # C.1: "every … element of the Hessian is zero if W_H = ⋯ = W_1 = 0" with W_{H+1}
    # arbitrary. Certified disagreement for H = 2: the block pairing W_1 and W_2 is
    # ⟨∇l(0), W_3 Ẇ_2 Ẇ_1⟩ ≠ 0, so the Hessian is indefinite (a strict saddle).
    L, theta = kawaguchi_cor24_point(2, last="random")
    assert np.any(L.hessian(theta))
    res = _certified(L, theta, "strict_saddle")
    assert res.hessian.n_negative > 0


def test_002_cor24_atlas_check_agrees_and_its_proof_claim_fails_for_H2():
    out = seed_002.cor24_depth(Context("T-002-Cor2.4"))
    assert out["T-002-Cor2.4"].status is Status.AGREES
    assert out["check-40"].status is Status.AGREES and out["check-41"].status is Status.AGREES
    o42 = _disagreement(out["check-42"])
    pts = o42.numbers["C1_points"]
    assert pts["H=2, W_H+1 random"]["verdict"] == "strict_saddle"
    assert not pts["H=2, W_H+1 random"]["hessian_zero"]
    assert pts["H=3, W_H+1 random"]["hessian_zero"] and pts["H=2, W_H+1 zero"]["hessian_zero"]


# --- the minimal example ½(w_3w_2w_1 − 1)² ------------------------------------------------------
def test_minimal_cubic_example_is_a_degenerate_saddle_of_order_2():
    L, theta = minimal_cubic_example()
    assert not np.any(L.hessian(theta))
    res = _certified(L, theta, "degenerate_saddle")
    assert res.order.order == 2
    assert res.certificate.taylor_order == 3
