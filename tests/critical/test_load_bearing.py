"""Every condition of every verify() is load-bearing (issue 8, item 6): for each, a certificate
whose stored numbers are consistent with their recomputation but whose claim is false."""

from __future__ import annotations

import numpy as np

import dlnscape as dl
from dlnscape.architecture import pack, unpack
from dlnscape.critical import EscapeCertificate, LocalMinimumCertificate, classify
from dlnscape.critical.certificates import hessian_evidence, point_on_curve, pure_point_evidence
from dlnscape.functional import critical_point_from_subset


def _squared(widths=(3, 2, 3), seed=0, n=8):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((widths[0], n))
    Y = rng.standard_normal((widths[-1], n))
    return dl.Landscape(dl.LinearNetwork(dl.Architecture(widths)), dl.SquaredLoss(X, Y))


def _line_certificate(L, theta, u, ts, sense="descent", critical=True, **kw):
    """A certificate on the line θ + t·u whose stored values are the recomputed ones."""
    curve = (unpack(L.arch, u),)
    pts = tuple(point_on_curve(theta, curve, t) for t in ts)
    return EscapeCertificate(theta=tuple(theta), value=L.value(theta), points=pts,
                             values=tuple(L.value(p) for p in pts), method="negative_curvature",
                             sense=sense, curve=curve, ts=tuple(ts), critical=critical, **kw)


def test_escape_points_above_the_value_fail():
    L = _squared()
    theta, _ = critical_point_from_subset(L.loss, L.arch, (0, 1), rng=1)  # global minimum
    u = np.random.default_rng(0).standard_normal(L.n_params)
    cert = _line_certificate(L, theta, u / np.linalg.norm(u), [0.5, 0.25, 0.125, 0.0625])
    rep = cert.check(L)
    assert not rep.ok
    assert {f["check"].split(" ")[0] for f in rep.failures} == {"point"}


def test_escape_points_that_do_not_shrink_enough_fail():
    L = _squared()
    theta, _ = critical_point_from_subset(L.loss, L.arch, (0, 2), rng=1)  # strict saddle
    res = classify(L, theta, rng=0)
    u = pack(res.certificate.curve[0])
    good = _line_certificate(L, theta, u, [res.certificate.ts[0] * s for s in (1, .5, .25)])
    assert good.verify(L)
    bad = _line_certificate(L, theta, u, [res.certificate.ts[0] * s for s in (1, .8, .6)])
    rep = bad.check(L)
    assert [f["check"] for f in rep.failures] == ["distances shrink overall"]
    same = _line_certificate(L, theta, u, [res.certificate.ts[0]] * 3)
    assert "distances strictly decrease" in [f["check"] for f in same.check(L).failures]


def test_escape_with_a_first_order_taylor_claim_at_a_critical_point_fails():
    L = _squared()
    theta, _ = critical_point_from_subset(L.loss, L.arch, (0, 2), rng=1)
    cert = classify(L, theta, rng=0).certificate
    from dlnscape.critical.polynomial import curve_taylor

    c = curve_taylor(L, theta, cert.curve)
    forged = EscapeCertificate(**{**cert.__dict__, "taylor_order": 1,
                                  "taylor_coefficient": float(c[1])})
    assert not forged.verify(L)


def test_escape_with_a_positive_leading_term_fails():
    # the ascent line of a strict saddle, presented as a descent with its own (positive) term
    L = _squared()
    theta, _ = critical_point_from_subset(L.loss, L.arch, (0, 2), rng=1)
    up = classify(L, theta, rng=0).certificates[0]
    assert up.sense == "ascent" and up.verify(L)
    forged = EscapeCertificate(**{**up.__dict__, "sense": "descent"})
    assert not forged.verify(L)


def test_a_stored_curvature_that_is_not_recomputed_fails():
    L = _squared()
    theta, _ = critical_point_from_subset(L.loss, L.arch, (0, 2), rng=1)
    cert = classify(L, theta, rng=0).certificate
    forged = EscapeCertificate(**{**cert.__dict__,
                                  "details": {"curvature": 2 * cert.details["curvature"]}})
    assert [f["check"] for f in forged.check(L).failures] == [
        "stored curvature uᵀ∇²L(θ)u/‖u‖² matches its recomputation"]


def test_positive_definite_claim_at_a_saddle_fails():
    L = _squared((3, 3), 0)  # one layer: a convex quadratic, its Hessian PD
    W0 = np.linalg.lstsq(L.loss.X.T, L.loss.Y.T, rcond=None)[0].T
    Ls = _squared()
    theta, _ = critical_point_from_subset(Ls.loss, Ls.arch, (0, 2), rng=1)
    rel = 0.0
    ev = hessian_evidence(Ls, theta, rel)
    # stored numbers are the recomputed ones; only the claim (λ_min > threshold) is false
    forged = LocalMinimumCertificate(tuple(theta), Ls.value(theta), "positive_definite_hessian",
                                     ev["lambda_min"], ev["threshold"])
    fails = [f["check"] for f in forged.check(Ls).failures]
    assert "Hessian is positive definite" in fails
    ok = LocalMinimumCertificate((W0,), L.value((W0,)), "positive_definite_hessian",
                                 **{k: hessian_evidence(L, (W0,), 0.0)[k]
                                    for k in ("lambda_min", "threshold")})
    assert ok.verify(L)


def test_pure_claim_with_an_indefinite_riemannian_hessian_fails():
    Q0 = np.random.default_rng(1).standard_normal((3, 3))
    L = dl.Landscape(dl.LinearNetwork(dl.Architecture((3, 1, 3))), dl.DistanceLoss(Q0))
    theta, _ = critical_point_from_subset(L.loss, L.arch, (1,), rng=0)  # index 1 on M_1
    ev = pure_point_evidence(L, theta)
    assert ev["stationary"] is True and ev["riemannian_inertia"][0] == 1
    forged = LocalMinimumCertificate(tuple(theta), L.value(theta), "pure_riemannian",
                                     ev["riemannian_lambda_min"], ev["riemannian_threshold"],
                                     rank=1, r=1)
    fails = [f["check"] for f in forged.check(L).failures]
    assert fails == ["Riemannian Hessian of l on M_r is positive definite"]


def test_verdict_without_the_certificates_it_needs_fails():
    L = _squared()
    theta, _ = critical_point_from_subset(L.loss, L.arch, (0, 2), rng=1)
    res = classify(L, theta, rng=0)
    from dlnscape.critical.certificates import check_verdict

    assert check_verdict(L, theta, "strict_saddle", res.all_certificates).ok
    assert not check_verdict(L, theta, "strict_saddle", [res.certificate]).ok
    assert not check_verdict(L, theta, "global_minimum", res.all_certificates).ok
    assert not check_verdict(L, theta, "degenerate_saddle", res.all_certificates).ok


def test_escape_whose_stored_order_is_not_the_recomputed_one_fails():
    L = _squared()
    theta, _ = critical_point_from_subset(L.loss, L.arch, (0, 2), rng=1)
    cert = classify(L, theta, rng=0).certificate
    assert cert.taylor_order == 2
    forged = EscapeCertificate(**{**cert.__dict__, "taylor_order": 3})  # coefficient kept
    fails = [f["check"] for f in forged.check(L).failures]
    assert fails and all(f.startswith("lowest non-vanishing Taylor order") for f in fails)


def test_exact_escape_with_points_above_the_value_fails():
    from dlnscape.critical.exact import exact_curve_point, exact_value
    from dlnscape.examples import hofflin_counterexample

    L, theta = hofflin_counterexample(0.0, 0.0, 0.1, 1e6)
    cert = classify(L, theta, rng=0).certificate
    assert cert.arithmetic == "exact" and cert.verify(L)
    for scale in (2.0**6, 2.0**10, 2.0**14):
        ts = tuple(scale * t for t in cert.ts)
        exact = [exact_value(L, exact_curve_point(theta, cert.curve, t)) for t in ts]
        if all(v > exact_value(L, exact_curve_point(theta, cert.curve, 0.0)) for v in exact):
            break
    pts = tuple(point_on_curve(theta, cert.curve, t) for t in ts)
    details = {k: v for k, v in cert.details.items() if k != "exact_differences"}
    forged = EscapeCertificate(**{**cert.__dict__, "ts": ts, "points": pts,
                                  "values": tuple(float(v) for v in exact), "details": details})
    fails = {f["check"] for f in forged.check(L).failures}
    assert fails and all("exact rational arithmetic" in f for f in fails), fails


def test_escape_at_a_point_that_is_not_critical_fails_its_criticality_claim():
    L = _squared()
    theta, _ = critical_point_from_subset(L.loss, L.arch, (0, 2), rng=1)
    cert = classify(L, theta, rng=0).certificate
    moved = tuple(W + 1e-5 for W in theta)  # relative gradient ≈ 1e-5: not critical
    forged = _line_certificate(L, moved, pack(cert.curve[0]), cert.ts,
                               details=dict(cert.details))
    fails = [f["check"] for f in forged.check(L).failures]
    assert "theta is critical" in fails
    assert not any("beyond the residual" in f for f in fails)


def test_curvature_certificate_at_a_minimum_or_with_the_wrong_sign_fails():
    from dlnscape.critical.escape import curvature_certificate

    L = _squared()
    theta, _ = critical_point_from_subset(L.loss, L.arch, (0, 2), rng=1)
    H = L.hessian(theta)
    ev, V = np.linalg.eigh(H)
    down = curvature_certificate(L, theta, V[:, 0], "descent")
    up = curvature_certificate(L, theta, V[:, -1], "ascent")
    assert down is not None and up is not None and down.verify(L) and up.verify(L)
    # the positive-curvature line presented as a descent: the stored numbers are recomputed
    # ones (c₂ > 0), only the sign claim is false
    forged = EscapeCertificate(**{**up.__dict__, "sense": "descent",
                                  "method": "negative_curvature"})
    fails = [f["check"] for f in forged.check(L).failures]
    assert len(fails) == 1 and fails[0].startswith("uᵀ∇²L(θ)u is beyond the zero threshold")
    # at a global minimum there is no such line
    top, _ = critical_point_from_subset(L.loss, L.arch, (0, 1), rng=1)
    w = np.linalg.eigh(L.hessian(top))[1][:, 0]
    assert curvature_certificate(L, top, w, "descent") is None


def test_strict_saddle_verdict_needs_a_descent_along_negative_curvature():
    from dlnscape.critical.certificates import check_verdict
    from dlnscape.examples import nouiehed_intro_example

    L, theta = nouiehed_intro_example()  # a degenerate saddle: fiber-move descent
    res = classify(L, theta, rng=0)
    assert res.verdict == "degenerate_saddle"
    rep = check_verdict(L, theta, "strict_saddle", res.all_certificates)
    assert [f["check"] for f in rep.failures] == [
        "the descent is along negative curvature (a strict saddle)"]


def test_escape_whose_leading_term_is_an_increase_fails():
    # a line of a strict saddle with c₂ = +4e-4 (tilted from the negative eigenvector towards
    # a positive one) and c₃ < 0: the stored points do decrease beyond the residual, but the
    # lowest-order term at t₁ is an increase, so "a decrease for all small t" is false
    L = _squared()
    theta, _ = critical_point_from_subset(L.loss, L.arch, (0, 2), rng=1)
    ev, V = np.linalg.eigh(L.hessian(theta))
    j = int(np.argmax(ev > 1e-6))
    s2 = -ev[0] / (ev[j] - ev[0]) * (1 + 1e-3)
    u = np.sqrt(1 - s2) * V[:, 0] + np.sqrt(s2) * V[:, j]
    from dlnscape.critical.polynomial import curve_taylor

    c = curve_taylor(L, theta, [unpack(L.arch, u)])
    if c[3] > 0:
        u = -u
        c = curve_taylor(L, theta, [unpack(L.arch, u)])
    assert c[2] > 0 > c[3]
    cert = _line_certificate(L, theta, u, [0.25, 0.125, 0.0625], taylor_order=2,
                             taylor_coefficient=float(c[2]))
    assert [f["check"] for f in cert.check(L).failures] == [
        "its coefficient is negative and matches the stored one"]


def test_exact_escape_at_a_point_that_is_not_exactly_critical_fails():
    # a float global minimum is critical only up to rounding; along −∇L its exact first-order
    # term is a decrease at t ~ 2⁻⁶⁰: exact and true, but about the residual, not an escape
    from dlnscape.critical.exact import exact_curve_point, exact_value, fr

    L = _squared()
    theta, _ = critical_point_from_subset(L.loss, L.arch, (0, 1), rng=1)
    g = L.grad_flat(theta)
    u = unpack(L.arch, -g / np.linalg.norm(g))
    E0 = exact_value(L, [fr(W) for W in theta])
    ts = tuple(2.0 ** -k for k in (58, 59, 60, 61))
    ex = [exact_value(L, exact_curve_point(theta, (u,), t)) - E0 for t in ts]
    assert all(d < 0 for d in ex)
    pts = tuple(point_on_curve(theta, (u,), t) for t in ts)
    cert = EscapeCertificate(theta=tuple(theta), value=L.value(theta), points=pts,
                             values=tuple(float(E0 + d) for d in ex), method="taylor",
                             curve=(u,), ts=ts, critical=True, arithmetic="exact")
    assert [f["check"] for f in cert.check(L).failures] == [
        "theta is exactly critical (exact gradient zero, proven without rounding)"]


# ---- the remaining conditions, each the only failing check --------------------------------
def _strict_saddle():
    L = _squared()
    theta, _ = critical_point_from_subset(L.loss, L.arch, (0, 2), rng=1)
    return L, theta, classify(L, theta, rng=0)


def test_escape_points_off_the_stored_curve_fail():
    L, theta, res = _strict_saddle()
    cert = res.certificate
    u = pack(cert.curve[0])
    other = _line_certificate(L, theta, -u, cert.ts, details=dict(cert.details))
    assert other.verify(L)  # −u is a descent too (same t² term)
    forged = EscapeCertificate(**{**other.__dict__, "curve": cert.curve})  # points on −u
    assert [f["check"] for f in forged.check(L).failures] == ["points lie on the stored curve"]


def test_a_stored_second_order_coefficient_that_is_not_recomputed_fails():
    from dlnscape.critical.escape import curvature_certificate

    L, theta, _ = _strict_saddle()
    cert = curvature_certificate(L, theta, np.linalg.eigh(L.hessian(theta))[1][:, 0])
    forged = EscapeCertificate(**{**cert.__dict__,
                                  "taylor_coefficient": 2 * cert.taylor_coefficient})
    assert [f["check"] for f in forged.check(L).failures] == [
        "stored second-order coefficient matches its recomputation"]


def test_global_claim_at_a_saddle_fails_only_on_the_value():
    from dlnscape.critical import GlobalMinimumCertificate
    from dlnscape.critical.certificates import global_tolerance
    from dlnscape.functional import global_minimum
    from dlnscape.tolerances import point_scale

    L, theta, _ = _strict_saddle()
    gm = global_minimum(L.loss, L.arch)
    cert = GlobalMinimumCertificate(tuple(theta), L.value(theta), gm.value,
                                    global_tolerance(gm, point_scale(L, theta)), gm.method)
    assert [f["check"] for f in cert.check(L).failures] == [
        "L(theta) equals the global minimum value (relative to the value scale)"]


def test_global_claim_within_tolerance_but_not_stationary_fails():
    from dlnscape.critical import GlobalMinimumCertificate
    from dlnscape.critical.certificates import global_tolerance
    from dlnscape.functional import global_minimum
    from dlnscape.tolerances import point_scale

    L = _squared()
    top, _ = critical_point_from_subset(L.loss, L.arch, (0, 1), rng=1)
    gm = global_minimum(L.loss, L.arch)
    d = np.random.default_rng(3).standard_normal(L.n_params)
    th = unpack(L.arch, pack(top) + 1e-6 * d / np.linalg.norm(d))  # L − L* ~ 1e-12
    cert = GlobalMinimumCertificate(tuple(th), L.value(th), gm.value,
                                    global_tolerance(gm, point_scale(L, th)), gm.method)
    assert [f["check"] for f in cert.check(L).failures] == [
        "W is stationary on M_r, as every minimiser of l on M_r is (Hofflin 2023, Lem 3.2)"]


def test_an_oracle_whose_minimiser_misses_its_value_or_M_r_fails(monkeypatch):
    import dataclasses

    from dlnscape.models.linear import LinearNetwork

    L = _squared()
    top, _ = critical_point_from_subset(L.loss, L.arch, (0, 1), rng=1)
    cert = classify(L, top, rng=0).certificate
    assert cert.kind == "global_minimum" and cert.verify(L)
    real = LinearNetwork.global_minimum_report

    def outside(gm):  # a full-rank matrix 1e-10 away: attains the value within tolerance
        U, s, Vt = np.linalg.svd(gm.W)
        return gm.W + 1e-10 * np.outer(U[:, -1], Vt[-1])

    for bad, only in ((lambda gm: 2.0 * gm.W, "the oracle's minimiser attains its value"),
                      (outside, "the oracle's minimiser lies in M_r")):
        def oracle(self, loss, bad=bad):
            gm, why = real(self, loss)
            return dataclasses.replace(gm, W=bad(gm)), why

        monkeypatch.setattr(LinearNetwork, "global_minimum_report", oracle)
        assert [f["check"] for f in cert.check(L).failures] == [only]
    monkeypatch.setattr(LinearNetwork, "global_minimum_report", real)
    assert cert.verify(L)


def test_rank_claim_at_a_degenerate_point_fails():
    L = _squared((3, 2, 2, 3))
    zero = tuple(np.zeros(s) for s in L.arch.shapes)  # critical, rank W = 0 < r = 2
    forged = LocalMinimumCertificate(zero, L.value(zero), "pure_riemannian", 1.0, 1e-12,
                                     rank=0, r=2)
    assert [f["check"] for f in forged.check(L).failures] == ["rank W = r, unambiguous"]


def test_saddle_verdict_from_escapes_at_a_non_critical_point_fails():
    from dlnscape.critical.certificates import check_verdict

    L = _squared()
    theta = dl.random_point(L.arch, rng=5)
    g = L.grad_flat(theta)
    u = g / np.linalg.norm(g)
    down = EscapeCertificate(**{**_line_certificate(L, theta, -u, [2.0**-10, 2.0**-11, 2.0**-12],
                                                    critical=False).__dict__})
    up = EscapeCertificate(**{**_line_certificate(L, theta, u, [2.0**-10, 2.0**-11, 2.0**-12],
                                                  sense="ascent", critical=False).__dict__,
                              "method": "positive_curvature"})
    assert down.verify(L) and up.verify(L)
    rep = check_verdict(L, theta, "strict_saddle", [down, up])
    assert [f["check"] for f in rep.failures] == ["every escape claims a critical point"]
