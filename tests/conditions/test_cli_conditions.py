"""``dlnscape conditions SPEC.toml`` and ``dlnscape conditions-study``: theory vs measured
side by side, ``--json``, ``-o FILE``, ``--construct``, one-line errors with exit code 2."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from dlnscape.cli import app

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "conditions_specs"
FAST = ["--samples", "40", "--starts", "1", "--directions", "3"]


def _run(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


def test_linear_point_spec_theory_vs_measured(tmp_path):
    """The example SPEC with an exact global minimizer (W_2W_1 = Y, X = I): the printed table
    has both theorems; the JSON's λ and τ are Thm 1's formula (computed here)."""
    spec = EXAMPLES / "linear_point.toml"
    res = _run("conditions", spec, *FAST)
    assert res.exit_code == 0, res.output
    assert "Thm 1" in res.output and "Thm 4" in res.output and "measured" in res.output
    out = tmp_path / "c.json"
    res = _run("conditions", spec, *FAST, "--json", "-o", out)
    assert res.exit_code == 0, res.output
    rep = json.loads(res.output)
    assert json.loads(out.read_text()) == rep
    W1, W2 = np.array([[2.0, 1.0], [0.0, 1.0]]), np.array([[1.0, 0.0], [1.0, 1.0]])
    tau = 0.5 * min(np.linalg.svd(W, compute_uv=False)[-1] for W in (W1, W2))
    b = rep["dominance"]["bound"]
    assert b["tau"] == pytest.approx(tau, rel=1e-12)
    assert b["lam"] == pytest.approx(1.0 / (2 * 2 * tau ** 2), rel=1e-12)
    assert rep["dominance"]["holds"] is True and rep["findings"] == []
    assert rep["regularity"]["constants"]["theorem"] == "Zhou & Liang 2018, Thm 4"
    assert rep["construct"] is False


@pytest.mark.parametrize("name,dom,reg", [("linear.toml", "Thm 1", "Thm 4"),
                                          ("residual.toml", "Thm 2", "Thm 5"),
                                          ("one_hidden.toml", "Thm 3", "Thm 6")])
def test_construct_on_each_example(name, dom, reg):
    res = _run("conditions", EXAMPLES / name, "--construct", "--seed", "1", *FAST, "--json")
    assert res.exit_code == 0, res.output
    rep = json.loads(res.output)
    assert rep["dominance"]["bound"]["theorem"] == f"Zhou & Liang 2018, {dom}"
    assert rep["regularity"]["constants"]["theorem"] == f"Zhou & Liang 2018, {reg}"
    assert rep["dominance"]["holds"] is True and rep["regularity"]["holds"] is True


def _write(tmp_path, text, name="spec.toml"):
    p = tmp_path / name
    p.write_text(text)
    return p


def test_more_samples_than_dimensions_skips_regularity(tmp_path):
    spec = _write(tmp_path, """
[model]
type = "linear"
widths = [2, 2, 2]
[loss]
type = "squared"
X = [[1.0, 0.0, 0.5], [0.0, 1.0, -0.5]]
Y = [[1.0, 2.0, 0.0], [0.5, -1.0, 1.0]]
""")
    res = _run("conditions", spec, "--construct", *FAST, "--json")
    assert res.exit_code == 0, res.output
    rep = json.loads(res.output)
    assert "m = d" in rep["regularity"]["skipped"]
    assert rep["dominance"]["bound"]["problem"]["hypotheses"]["m = d"] is False


def test_errors_are_one_line_exit_2(tmp_path):
    cases = [
        (["conditions", tmp_path / "none.toml"], "does not exist"),
        (["conditions", _write(tmp_path, "[model]\ntype = 'linear'\nwidths = [2, 1, 2]\n"
                                         "[loss]\ntype = 'squared'\nX = [[1.0, 0.0], [0.0, 1.0]]\n"
                                         "Y = [[1.0, 0.0], [0.0, 1.0]]\n"), "--construct"],
         "landscape.model"),
        (["conditions", EXAMPLES / "linear_point.toml", "--delta", "1", "--delta-factor", "1"],
         "--delta"),
        (["conditions", EXAMPLES / "linear_point.toml", "--samples", "0"], "--samples"),
        (["conditions-study", "--depths", "x"], "--depths"),
        (["conditions-study", "--sizes", "-1"], "--sizes"),
    ]
    bad_point = (EXAMPLES / "linear_point.toml").read_text().replace(
        "[[[2.0, 1.0], [0.0, 1.0]]", "[[[2.0, 1.0], [0.0, 1.5]]")
    cases.append((["conditions", _write(tmp_path, bad_point, "bad_point.toml")],
                  "theta_star: not a global"))
    for args, msg in cases:
        res = _run(*args)
        assert res.exit_code == 2, (args, res.output)
        assert "error:" in res.output and msg in res.output, (args, res.output)
        assert "Traceback" not in res.output


def test_conditions_study_cli_with_figure(tmp_path):
    fig = tmp_path / "study.png"
    res = _run("conditions-study", "--depths", "1,2", "--sizes", "0.3", "--l-ref", "2",
               "--samples", "8", "--figure", fig, "--json")
    assert res.exit_code == 0, res.output
    rep = json.loads(res.output)
    assert rep["figure"] == str(fig) and fig.read_bytes()[:4] == b"\x89PNG"
    assert rep["claim_supported"] is True
    res = _run("conditions-study", "--depths", "1,2", "--sizes", "0.3", "--l-ref", "2",
               "--no-measure")
    assert res.exit_code == 0 and "plain" in res.output and "supported" in res.output
