"""Certificates re-check from scratch, round-trip through JSON, and fail when tampered."""

from __future__ import annotations

import json

import numpy as np
import pytest

from dlnscape import Architecture, DistanceLoss, Landscape, LinearNetwork, SquaredLoss
from dlnscape.critical import (
    CertificateError,
    EscapeCertificate,
    GlobalMinimumCertificate,
    LocalMinimumCertificate,
    certificate_from_dict,
    classify,
    find_critical_point,
)
from dlnscape.examples import hofflin_counterexample, minimal_cubic_example, nouiehed_intro_example
from dlnscape.functional import critical_point_from_subset
from dlnscape.io import to_jsonable
from dlnscape.tolerances import hessian_zero_threshold


def _roundtrip(cert):
    return certificate_from_dict(json.loads(json.dumps(to_jsonable(cert.to_dict()))))


def _tampered(cert, how: str):
    d = json.loads(json.dumps(to_jsonable(cert.to_dict())))
    if how == "move a point":
        if d.get("points"):
            d["points"][1][0][0][0] += 1e-3
        else:
            d["theta"][0][0][0] += 1e-3
    elif how == "move theta":
        d["theta"][-1][0][0] += 1e-3
    elif how == "edit the value":
        d["value"] += 1e-6 * (1 + abs(d["value"]))
    elif how == "edit a point's value":
        if d.get("values"):
            d["values"][2] -= 1e-3
        elif "global_value" in d:
            d["global_value"] -= 1e-3
        else:
            d["lambda_min"] *= 2.0
    return certificate_from_dict(d)


def _squared_instance(widths, seed, n=7):
    rng = np.random.default_rng(seed)
    arch = Architecture(widths)
    loss = SquaredLoss(rng.standard_normal((widths[0], n)), rng.standard_normal((widths[-1], n)))
    return Landscape(LinearNetwork(arch), loss)


def _cases():
    """(name, landscape, theta) whose classification yields each kind of certificate."""
    out = []
    L = _squared_instance((3, 2, 3), 0)
    th, _ = critical_point_from_subset(L.loss, L.arch, (0, 1), rng=1)
    out.append(("global minimum (top subset)", L, th))
    th, _ = critical_point_from_subset(L.loss, L.arch, (0, 2), rng=1)
    out.append(("strict saddle (subset {0,2})", L, th))
    out.append(("degenerate saddle, fiber move (001 Intro)", *nouiehed_intro_example()))
    out.append(("degenerate saddle, odd Taylor order", *minimal_cubic_example()))
    out.append(("degenerate saddle, exact arithmetic", *hofflin_counterexample(0, 0, 1, 1)))
    L1 = Landscape(LinearNetwork(Architecture((2, 2))),
                   DistanceLoss(np.array([[1.0, 2.0], [0.5, -1.0]]),
                                np.diag([1.0, 2.0, 3.0, 4.0])))
    out.append(("not critical", L1, (np.zeros((2, 2)),)))
    return out


CASES = _cases()
_RESULTS: dict = {}


def _classified(name, L, theta):
    if name not in _RESULTS:
        _RESULTS[name] = classify(L, theta, rng=0)
    return _RESULTS[name]


@pytest.mark.parametrize("name,L,theta", CASES, ids=[c[0] for c in CASES])
def test_classify_certificates_verify_and_roundtrip(name, L, theta):
    res = _classified(name, L, theta)
    expected = next(v for key, v in (("global minimum", "global_minimum"),
                                     ("strict saddle", "strict_saddle"),
                                     ("degenerate saddle", "degenerate_saddle"),
                                     ("not critical", "not_critical")) if name.startswith(key))
    assert res.verdict == expected, (res.verdict, res.reasons)
    assert res.all_certificates
    assert res.verify(L)
    for cert in res.all_certificates:
        assert cert.verify(L, theta)
        again = _roundtrip(cert)
        assert type(again) is type(cert)
        assert again.verify(L, theta)


@pytest.mark.parametrize("how", ["move a point", "move theta", "edit the value",
                                 "edit a point's value"])
@pytest.mark.parametrize("name,L,theta", CASES, ids=[c[0] for c in CASES])
def test_tampered_certificates_fail(name, L, theta, how):
    res = _classified(name, L, theta)
    for cert in res.all_certificates:
        assert not _tampered(cert, how).verify(L), (cert.kind, cert.method, how)


def test_certificate_for_another_point_fails():
    L, theta = nouiehed_intro_example()
    cert = classify(L, theta, rng=0).certificate
    other = tuple(W + 0.1 for W in theta)
    assert cert.verify(L, theta)
    assert not cert.verify(L, other)


def test_local_minimum_certificate_pure_point_non_filling_distance_loss():
    # Trager et al. 2020, Prop 10 / Fig 3: non-filling d = (3, 1, 3) with a non-identity φ;
    # no closed-form oracle, so a GD minimum can only be proved local (pure-point proof).
    rng = np.random.default_rng(3)
    phi = np.eye(9) + 0.3 * rng.standard_normal((9, 9))
    L = Landscape(LinearNetwork(Architecture((3, 1, 3))),
                  DistanceLoss(rng.standard_normal((3, 3)), phi))
    start = tuple(rng.standard_normal(s) for s in L.arch.shapes)
    sol = find_critical_point(L, start, "gd", max_iter=20000)
    sol = find_critical_point(L, sol.theta, "newton")
    assert sol.converged
    res = classify(L, sol.theta, rng=0)
    assert res.verdict == "local_minimum", (res.reasons, str(res))
    cert = res.certificate
    assert isinstance(cert, LocalMinimumCertificate) and cert.method == "pure_riemannian"
    assert cert.verify(L) and _roundtrip(cert).verify(L)
    assert not _tampered(cert, "move theta").verify(L)
    assert not _tampered(cert, "edit a point's value").verify(L)


def test_local_minimum_certificate_positive_definite_hessian():
    # one layer: L = l, and a strictly convex l has a PD Hessian at its minimiser
    Q0 = np.array([[1.0, -2.0], [0.5, 3.0]])
    phi = np.diag([1.0, 2.0, 3.0, 4.0])
    L = Landscape(LinearNetwork(Architecture((2, 2))), DistanceLoss(Q0, phi))
    eigs = np.linalg.eigvalsh(2.0 * phi.T @ phi)  # ∇²l = 2φᵀφ, computed here
    thr = hessian_zero_threshold(eigs)
    cert = LocalMinimumCertificate((Q0.copy(),), 0.0, "positive_definite_hessian",
                                   float(eigs[0]), thr)
    assert cert.verify(L)
    assert not LocalMinimumCertificate((Q0 + 0.1,), L.value((Q0 + 0.1,)),
                                       "positive_definite_hessian", float(eigs[0]),
                                       thr).verify(L)
    # a stored threshold or eigenvalue that is not the recomputed one fails
    assert not LocalMinimumCertificate((Q0.copy(),), 0.0, "positive_definite_hessian",
                                       float(eigs[0]), 1e-12).verify(L)
    assert not LocalMinimumCertificate((Q0.copy(),), 0.0, "positive_definite_hessian",
                                       3.0, thr).verify(L)


def test_global_certificate_rejects_a_saddle_with_a_lower_value_claim():
    L = _squared_instance((3, 2, 3), 0)
    th, info = critical_point_from_subset(L.loss, L.arch, (0, 2), rng=1)
    top, _ = critical_point_from_subset(L.loss, L.arch, (0, 1), rng=1)
    fake = GlobalMinimumCertificate(th, L.value(th), L.value(top), 1e-9, "forged")
    assert not fake.verify(L)


def test_escape_certificate_needs_shrinking_points():
    L, theta = minimal_cubic_example()
    cert = classify(L, theta, rng=0).certificate
    d = to_jsonable(cert.to_dict())
    d["points"] = d["points"][::-1]
    d["values"] = d["values"][::-1]
    d["ts"] = d["ts"][::-1]
    assert not certificate_from_dict(d).verify(L)
    short = dict(d, points=d["points"][:2], values=d["values"][:2], ts=d["ts"][:2])
    assert not certificate_from_dict(short).verify(L)


def test_bad_certificate_dicts_raise_named_errors():
    with pytest.raises(CertificateError, match="kind"):
        certificate_from_dict({"kind": "proof-by-intimidation"})
    with pytest.raises(CertificateError, match="theta"):
        EscapeCertificate.from_dict({"value": 0.0})
    with pytest.raises(CertificateError):
        certificate_from_dict([1, 2])


def test_lanczos_path_above_the_dense_limit():
    L = _squared_instance((3, 2, 3), 0)
    for I, verdict in [((0, 1), "global_minimum"), ((0, 2), "strict_saddle")]:
        th, _ = critical_point_from_subset(L.loss, L.arch, I, rng=0)
        res = classify(L, th, rng=0, budget={"dense_max_params": 5})
        assert res.hessian.method == "lanczos"
        assert res.verdict == verdict and res.verify(L)


def test_classification_summary_and_json():
    L, theta = nouiehed_intro_example()
    res = _classified("degenerate saddle, fiber move (001 Intro)", L, theta)
    text = str(res)
    assert "degenerate_saddle" in text and "certificate" in text and "Prop 9" in text
    d = json.loads(json.dumps(to_jsonable(res.to_dict())))
    assert d["verdict"] == "degenerate_saddle"
    assert d["hessian"]["n_negative"] == 0 and d["order"]["order"] == 3
    assert certificate_from_dict(d["certificate"]).verify(L, theta)


def test_local_maximum_by_negative_definite_hessian():
    from dlnscape import LinearQuadraticLoss

    A = np.array([[1.0, -2.0], [0.5, 3.0]])
    L = Landscape(LinearNetwork(Architecture((2, 2))), LinearQuadraticLoss(A, -2.0))
    theta = (A / 2.0,)  # ∇l = A + cW = 0
    res = classify(L, theta, rng=0)
    assert res.verdict == "local_maximum" and res.verify(L)
    assert res.certificate.sense == "maximum"
    assert not _tampered(res.certificate, "move theta").verify(L)


def test_no_escape_within_budget_is_undetermined_not_a_minimum():
    # 001 Intro point with the escape search switched off: no proof either way
    L, theta = nouiehed_intro_example()
    res = classify(L, theta, rng=0, budget={"escape": {"directions": 0, "curves": 0,
                                                       "fiber_moves": 0}})
    assert res.verdict == "undetermined"
    assert any("no escape found" in r for r in res.reasons)
    assert res.certificate is None


def test_bad_arguments_raise_named_errors():
    from dlnscape import DlnscapeError

    L, theta = minimal_cubic_example()
    with pytest.raises(DlnscapeError, match="budget"):
        classify(L, theta, budget={"speed": "fast"})
    with pytest.raises(DlnscapeError, match="budget"):
        classify(L, theta, budget=3)
    with pytest.raises(DlnscapeError, match="theta"):
        classify(L, (np.zeros((2, 2)),) * 3)
