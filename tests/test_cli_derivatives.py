"""``dlnscape derivatives``: the table, the JSON output, and one-line errors (exit code 2)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from dlnscape.cli import app

runner = CliRunner()


@pytest.mark.parametrize("loss", ["squared", "logistic", "quartic"])
def test_every_loss_agrees_three_ways(loss, tmp_path):
    out = tmp_path / "d.json"
    res = runner.invoke(
        app, ["derivatives", "--widths", "2,1,3", "--loss", loss, "--seed", "1", "-o", str(out)]
    )
    assert res.exit_code == 0, res.output
    for word in ("value", "grad", "hvp", "hessian 5×5", "taylor", "d³/dt³", "yes"):
        assert word in res.output
    assert "NO" not in res.output
    data = json.loads(out.read_text())
    assert data["all_ok"] is True and data["loss"] == loss and data["n_params"] == 5
    quantities = [r["quantity"] for r in data["rows"]]
    assert quantities[:4] == ["value", "grad", "hvp", "hessian 5×5"] and len(quantities) == 6
    for r in data["rows"]:
        assert r["rel_err_jax"] <= 1e-8 and r["ok"] is True
        assert r["rel_err_fd"] is None or r["rel_err_fd"] <= r["fd_rtol"]
        assert r["seconds_closed_form"] > 0 and r["seconds_jax"] > 0


def test_default_example_from_the_issue():
    res = runner.invoke(app, ["derivatives", "--widths", "3,2,2,3", "--loss", "squared"])
    assert res.exit_code == 0, res.output
    assert "P = 16" in res.output and "hessian 16×16" in res.output


@pytest.mark.parametrize(
    "args,match",
    [
        (["--widths", "3,0,2"], "--widths '3,0,2': widths[1]: expected a positive integer, got 0"),
        (["--widths", "3,a,2"], "--widths: expected comma-separated positive integers"),
        (["--widths", "3"], "expected at least 2 widths"),
        (["--widths", "3,-2"], "expected a positive integer, got -2"),
        (["--loss", "hinge"], "--loss: expected one of squared, distance"),
        (["--n", "0"], "--n: expected a positive number of data columns"),
    ],
)
def test_bad_arguments_give_one_clear_error_line(args, match):
    res = runner.invoke(app, ["derivatives", *args])
    assert res.exit_code == 2
    # one message (rich may wrap it at the terminal width), no traceback
    assert res.output.startswith("error:") and res.output.count("error:") == 1, res.output
    assert match in " ".join(res.output.split()), res.output
    assert "Traceback" not in res.output


def test_an_exactly_zero_third_derivative_is_not_reported_as_a_failure():
    """On a normalized network L(θ + tθ) has ν(θ + tθ) = (1 + t)·ν(θ) (ν is 0-homogeneous in the
    layers below the last and linear in the last), so for the distance loss L is quadratic in t
    and d³/dt³ = 0 exactly: the check must compare that zero with the size of the derivatives
    along the line, not with 0 itself."""
    import numpy as np

    import dlnscape as dl
    from dlnscape.commands.derivatives import compare
    from dlnscape.models.normalized import NormalizedLinearNetwork

    rng = np.random.default_rng(0)
    arch = dl.Architecture([3, 2, 2])
    land = dl.Landscape(NormalizedLinearNetwork(arch), dl.DistanceLoss(rng.standard_normal((2, 3))))
    theta = dl.random_point(arch, rng)
    rows = compare(land, theta, theta)
    d3 = next(r for r in rows if r.quantity.startswith("d³"))
    assert abs(land.directional_derivative(theta, theta, 3)) < 1e-9
    assert d3.ok and all(r.ok for r in rows)


def test_derivatives_of_a_regularized_spec_include_the_regularizer_in_the_jax_reference(tmp_path):
    """Regression: the JAX reference omitted R, so HVP/Hessian/Taylor were reported 'NO'."""
    spec = tmp_path / "reg.toml"
    spec.write_text("[architecture]\nwidths = [2, 2, 2]\n[loss]\ntype = \"squared\"\n"
                    "X = [[2.0], [-1.0]]\nY = [[1.0], [3.0]]\n[regularizer]\n"
                    "kind = \"hadamard_l2\"\nlambda = 0.7\n[point]\nrandom = true\nseed = 3\n")
    r = runner.invoke(app, ["derivatives", str(spec), "--json"])
    assert r.exit_code == 0, r.output
    doc = json.loads(r.output)
    rows = doc["rows"] if "rows" in doc else doc["checks"]
    assert rows and all(row["ok"] for row in rows), rows
