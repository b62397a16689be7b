"""``dlnscape ed-degrees`` and ``dlnscape weight-critical-points`` from the command line, and
the ED-degree table's labels and agreements."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dlnscape.algebraic.ed_degree import ed_degree_table, formula_ed_degree
from dlnscape.cli import app

runner = CliRunner()
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_ed_table_entries_agree_with_the_formulas_and_msolve():
    t = ed_degree_table(3, 3, msolve_timeout=60)
    assert [(e.m, e.n, e.r) for e in t.entries] == [(2, 2, 1), (2, 3, 1), (3, 3, 1), (3, 3, 2)]
    for e in t.entries:
        assert e.label == "formula and computed"
        assert e.computed == e.formula == e.certified_lower_bound == e.msolve
        assert e.agrees and e.certified
    assert t.entry(3, 3, 2).value == 39  # Trager et al. 2020, Ex 13 (and duality)
    assert t.duality_checks() == [{"shape": [3, 3], "r": 1, "dual_r": 2, "counts": [39, 39],
                                   "agree": True}]
    page = t._repr_html_()  # the notebook view: one row per entry, the counts in it
    assert page.count("<tr><td>") == len(t.entries) and page.count("<td>39</td>") >= 4


def test_no_formula_for_the_middle_ranks():
    assert formula_ed_degree(4, 4, 2) is None and formula_ed_degree(5, 5, 3) is None
    assert formula_ed_degree(4, 5, 3)[0] == formula_ed_degree(4, 5, 1)[0]  # duality


def test_ed_table_rejects_sizes_beyond_5():
    r = runner.invoke(app, ["ed-degrees", "--max-m", "6"])
    assert r.exit_code == 2 and "at most 5" in r.output


def test_cli_ed_degrees_json_and_output(tmp_path):
    out = tmp_path / "t.json"
    r = runner.invoke(app, ["ed-degrees", "--max-m", "2", "--max-n", "3", "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert "2×3" in r.output and f"wrote {out}" in r.output
    d = json.loads(out.read_text())
    assert [e["value"] for e in d["entries"]] == [6, 10]
    assert all(e["agrees"] for e in d["entries"])


def test_cli_weight_critical_points_on_the_example_spec(tmp_path):
    out = tmp_path / "w.json"
    r = runner.invoke(app, ["weight-critical-points", str(EXAMPLES / "specs" / "weights_222.toml"),
                            "-o", str(out)])
    assert r.exit_code == 0, r.output
    d = json.loads(out.read_text())
    assert d["n_complex"] == 33 and d["complete"] and d["certified"]  # Mehta et al. 2022
    assert sum(v["complex"] for v in d["zero_patterns"].values()) == 33
    assert "33 complex" in r.output


def test_cli_weight_critical_points_without_regularizer_says_positive_dimensional(tmp_path):
    spec = tmp_path / "s.toml"
    spec.write_text("[architecture]\nwidths = [2, 2, 2]\n[loss]\ntype = \"squared\"\n"
                    "X = [[1.0], [2.0]]\nY = [[3.0], [-1.0]]\n")
    r = runner.invoke(app, ["weight-critical-points", str(spec)])
    assert r.exit_code == 0, r.output
    assert "positive-dimensional" in " ".join(r.output.split())


@pytest.mark.parametrize("args", [["--backend", "phc"], ["--seed", "-1"]])
def test_cli_weight_critical_points_bad_options_are_one_error_line(args):
    r = runner.invoke(app, ["weight-critical-points", str(EXAMPLES / "specs" / "weights_222.toml"),
                            *args])
    assert r.exit_code == 2
    assert r.output.strip().startswith("error:") and "Traceback" not in r.output
