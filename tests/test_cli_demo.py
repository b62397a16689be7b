"""``dlnscape demo`` (what ``make demo`` runs) finishes, and its certificates re-verify."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from dlnscape.cli import app


def test_demo_runs_and_its_saved_certificates_verify(tmp_path):
    out = tmp_path / "demo"
    runner = CliRunner()
    r = runner.invoke(app, ["demo", "--out", str(out), "--instances", "2", "--workers", "1"])
    assert r.exit_code == 0, r.output
    assert (out / "table2" / "table2.png").stat().st_size > 0
    certs = sorted((out / "certificates").glob("*.json"))
    assert len(certs) >= 5
    verdicts = {json.loads(c.read_text())["verdict"] for c in certs}
    assert {"strict_saddle", "degenerate_saddle", "global_minimum"} <= verdicts
    r = runner.invoke(app, ["verify", str(certs[0])])
    assert r.exit_code == 0, r.output


def test_python_dash_m_dlnscape_is_the_command():
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-m", "dlnscape", "--help"], capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0 and "atlas" in out.stdout and "classify" in out.stdout
