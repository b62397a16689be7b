"""``dlnscape table2`` end to end (small runs)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from dlnscape.algebraic.ed_degree import backend_available
from dlnscape.cli import app


def test_cli_table2_bad_input_one_line_error(tmp_path):
    res = CliRunner().invoke(app, ["table2", "--instances", "0", "--out", str(tmp_path)])
    assert res.exit_code == 2
    assert "instances" in res.output and "Traceback" not in res.output


@pytest.mark.skipif(not backend_available(), reason="critical_points_on_Mr not available yet")
def test_cli_table2_small_run_json(tmp_path):
    res = CliRunner().invoke(app, ["table2", "-n", "4", "--workers", "1", "--seed", "5",
                                   "--out", str(tmp_path), "--json"])
    assert res.exit_code == 0, res.output
    d = json.loads(res.output)
    assert d["instances"] == 4
    assert d["tabulated"] + len(d["non_generic"]) + len(d["uncertified"]) == 4
    for f in ("table2.json", "table2.md", "table2.png"):
        assert (tmp_path / f).stat().st_size > 0
