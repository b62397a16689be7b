"""``dlnscape critical-points``: Eckart–Young from a SPEC (004 Thm 12), clear errors."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from dlnscape.cli import app

SPEC = """
[architecture]
widths = [3, 1, 3]
[loss]
type = "distance"
Q0 = [[3.0, 0.0, 0.0], [0.0, 2.0, 0.0], [0.0, 0.0, 1.0]]
"""


def test_cli_eckart_young_spec_three_real_points(tmp_path):
    spec = tmp_path / "ey.toml"
    spec.write_text(SPEC)
    out = tmp_path / "res.json"
    res = CliRunner().invoke(app, ["critical-points", str(spec), "--backend", "msolve",
                                   "-o", str(out)])
    assert res.exit_code == 0, res.output
    d = json.loads(out.read_text())
    printed = CliRunner().invoke(app, ["critical-points", str(spec), "--backend", "msolve",
                                       "--json"])
    assert printed.exit_code == 0 and json.loads(printed.output)["n_real"] == 3
    assert (d["n_complex"], d["n_real"], d["n_local_minima"]) == (3, 3, 1)
    assert sorted(p["value"] for p in d["points"]) == [5.0, 10.0, 13.0]  # ‖Q0‖² − σ_i²


def test_cli_errors_are_one_line(tmp_path):
    res = CliRunner().invoke(app, ["critical-points", str(tmp_path / "missing.toml")])
    assert res.exit_code == 2 and "does not exist" in " ".join(res.output.split())
    spec = tmp_path / "ey.toml"
    spec.write_text(SPEC)
    res = CliRunner().invoke(app, ["critical-points", str(spec), "--backend", "nope"])
    assert res.exit_code == 2 and "backend" in " ".join(res.output.split())
