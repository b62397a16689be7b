"""find_critical_point (Newton/LM, trust-region, GD) and the `classify` / `verify` commands."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from dlnscape import Architecture, DlnscapeError, Landscape, LinearNetwork, SquaredLoss
from dlnscape.cli import app
from dlnscape.commands.classify import spec_dict
from dlnscape.critical import classify, find_critical_point
from dlnscape.examples import nouiehed_intro_example
from dlnscape.spec import spec_to_toml
from dlnscape.tolerances import DEFAULT_TOLERANCES

CRITICAL_RTOL = DEFAULT_TOLERANCES.critical_rtol


def _instance(seed=0):
    rng = np.random.default_rng(seed)
    arch = Architecture((3, 2, 2, 3))
    L = Landscape(LinearNetwork(arch), SquaredLoss(rng.standard_normal((3, 6)),
                                                   rng.standard_normal((3, 6))))
    theta0 = tuple(rng.standard_normal(s) for s in arch.shapes)
    return L, theta0


@pytest.mark.parametrize("method", ["newton", "trust-region", "gd"])
def test_find_critical_point_converges(method):
    L, theta0 = _instance(1)
    sol = find_critical_point(L, theta0, method, max_iter=5000)
    assert sol.converged, sol.message
    assert sol.relative_gradient_norm <= CRITICAL_RTOL
    from dlnscape.tolerances import point_scale

    # the relative gradient of the tolerance policy, written out: ‖∇L‖ / ‖γ‖ with
    # γ_k = Π_{j≠k}‖W_j‖ · g_l(W) (g_l from Loss.magnitude at size Π‖W_j‖)
    norms = [np.linalg.norm(W) for W in sol.theta]
    W = L.end_to_end(sol.theta)
    gl = L.loss.magnitude(W, float(np.prod(norms))).gradient
    gamma = np.array([np.prod(norms) / norms[k] * gl for k in range(len(norms))])
    mine = np.linalg.norm(L.grad_flat(sol.theta)) / np.linalg.norm(gamma)
    assert mine == pytest.approx(sol.relative_gradient_norm, rel=1e-9, abs=0.0)
    assert point_scale(L, sol.theta).layers == pytest.approx(tuple(gamma), rel=1e-12, abs=0.0)
    res = classify(L, sol.theta, rng=0)
    assert res.verdict in ("global_minimum", "strict_saddle", "degenerate_saddle")
    assert res.verify(L)


def test_gd_end_point_is_a_global_minimum():
    L, theta0 = _instance(2)
    sol = find_critical_point(L, theta0, "gd", max_iter=20000)
    assert sol.converged
    assert classify(L, sol.theta, rng=0).verdict == "global_minimum"


def test_find_critical_point_rejects_bad_arguments():
    L, theta0 = _instance()
    with pytest.raises(DlnscapeError, match="method"):
        find_critical_point(L, theta0, "magic")
    with pytest.raises(DlnscapeError, match="max_iter"):
        find_critical_point(L, theta0, "gd", max_iter=0)


def _write_spec(tmp_path, L, theta):
    p = tmp_path / "spec.toml"
    p.write_text(spec_to_toml(spec_dict(L, theta)))
    return p


def test_cli_classify_then_verify(tmp_path):
    L, theta = nouiehed_intro_example()
    spec = _write_spec(tmp_path, L, theta)
    out = tmp_path / "cert.json"
    runner = CliRunner()
    r = runner.invoke(app, ["classify", str(spec), "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert "degenerate_saddle" in r.output
    data = json.loads(out.read_text())
    assert data["verdict"] == "degenerate_saddle" and data["verified"] is True
    r = runner.invoke(app, ["verify", str(out)])
    assert r.exit_code == 0, r.output
    assert "every certificate re-checks" in r.output
    data["certificate"]["points"][0][1][0][0] += 0.5
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data))
    r = runner.invoke(app, ["verify", str(bad)])
    assert r.exit_code == 1
    assert "FAILED" in r.output


def test_cli_classify_json_flag_prints_the_verdict_as_json(tmp_path):
    L, theta = nouiehed_intro_example()
    spec = _write_spec(tmp_path, L, theta)
    r = CliRunner().invoke(app, ["classify", str(spec), "--json"])
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)
    assert data["verdict"] == "degenerate_saddle" and data["verified"] is True


def test_cli_errors_are_one_line(tmp_path):
    runner = CliRunner()
    r = runner.invoke(app, ["verify", str(tmp_path / "missing.json")])
    assert r.exit_code == 2
    (tmp_path / "x.json").write_text("{\"verdict\": \"global_minimum\"}")
    r = runner.invoke(app, ["verify", str(tmp_path / "x.json")])
    assert r.exit_code == 2


def test_gd_reports_convergence_at_the_minimum_it_reaches():
    """Gradient descent stalls near 1e-6 relative gradient (its own stopping rule); the
    Newton finish must bring it to the convergence tolerance, and the end point must be the
    global minimum that classify certifies (Kawaguchi data, widths (4, 2, 3))."""
    import dlnscape as dl
    from dlnscape.examples import kawaguchi_data

    arch = dl.Architecture([4, 2, 3])
    X, Y = kawaguchi_data(4, 3, 8, 2)
    L = dl.Landscape(arch, dl.SquaredLoss(X, Y))
    r = dl.find_critical_point(L, dl.random_point(arch, 2), method="gd")
    assert r.converged and r.message == "converged"
    assert r.relative_gradient_norm <= 1e-10
    c = dl.classify(L, r.theta, rng=0)
    assert c.verdict == "global_minimum" and c.verify(L)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # the overflow is the point
def test_a_diverging_solver_is_reported_not_raised():
    """TRF from entries ~1e20 leaves float64 inside scipy ('array must not contain infs or
    NaNs'); the search must say it diverged and return the (valid) starting point."""
    rng = np.random.default_rng(0)
    L = Landscape(Architecture([2, 2, 2, 2]),
                  SquaredLoss(rng.normal(size=(2, 5)), rng.normal(size=(2, 5))))
    theta = tuple(np.full(s, 1e20) * rng.uniform(0.5, 1.5, size=s) for s in L.arch.shapes)
    res = find_critical_point(L, theta, method="trust-region")
    assert not res.converged and "diverged" in res.message
    assert all(np.array_equal(a, b) for a, b in zip(res.theta, theta, strict=True))
