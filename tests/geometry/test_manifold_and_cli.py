"""M_r: stationarity (000 Lem 3.2 / Cor 3.1), tangent-space API, Riemannian gradient; and the
``dlnscape geometry`` command."""

from __future__ import annotations

import json

import numpy as np
from typer.testing import CliRunner

import dlnscape as dl
from dlnscape.geometry import (
    is_stationary_on_Mr,
    riemannian_gradient,
    stratum_frame,
    tangent_basis,
    tangent_space,
)


def test_000_cor31_best_rank_r_is_stationary_lower_rank_is_not():
    """000 Cor 3.1 (check 10): h = ½‖X − Q‖², Q 5×4: the best rank-2 X is stationary on M_2
    (∇hᵀX = ∇hXᵀ = 0, ∇h ≠ 0); the best rank-1 X, seen in M_2, is not (∇h ≠ 0 at rank < r)."""
    rng = np.random.default_rng(0)
    Q = rng.standard_normal((5, 4))
    U, s, Vt = np.linalg.svd(Q, full_matrices=False)
    X2 = (U[:, :2] * s[:2]) @ Vt[:2]
    X1 = (U[:, :1] * s[:1]) @ Vt[:1]
    G2, G1 = X2 - Q, X1 - Q
    st2 = is_stationary_on_Mr(G2, X2, 2)
    assert st2.stationary is True and np.linalg.norm(G2) > 0.1
    assert is_stationary_on_Mr(G1, X1, 2).stationary is False
    # Lem 3.2's form: U_Xᵀ∇h = 0 and ∇h V_X = 0
    assert np.linalg.norm(U[:, :2].T @ G2) < 1e-12 and np.linalg.norm(G2 @ Vt[:2].T) < 1e-12


def test_riemannian_gradient_is_the_tangent_projection():
    rng = np.random.default_rng(1)
    W = rng.standard_normal((4, 2)) @ rng.standard_normal((2, 3))
    loss = dl.DistanceLoss(rng.standard_normal((4, 3)))
    ts = tangent_space(W)
    coords = riemannian_gradient(loss, W)
    B = tangent_basis(stratum_frame(W))
    np.testing.assert_allclose(np.tensordot(coords, B, axes=1), ts.project(loss.grad(W)),
                               atol=1e-12)


def _spec(tmp_path):
    p = tmp_path / "s.toml"
    p.write_text(
        "[architecture]\nwidths = [3, 2, 2, 3]\n"
        "[loss]\ntype = \"distance\"\n"
        "Q0 = [[1.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 1.0]]\n"
        "[point]\nlayers = [[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]], [[1.0, 0.0], [0.0, 0.0]],"
        " [[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]]]\n"
    )
    return p


def test_cli_geometry_json_and_table(tmp_path):
    """The 000 §3.2 point with l = ‖W − diag(1,0,1)‖²: critical and spurious (Prop 9 saddle),
    not open onto M_2, rank profile as in §3.2."""
    from dlnscape.cli import app

    spec = _spec(tmp_path)
    out = tmp_path / "g.json"
    res = CliRunner().invoke(app, ["geometry", str(spec), "--json", "--output", str(out)])
    assert res.exit_code == 0, res.output
    d = json.loads(res.output)
    assert d == json.loads(out.read_text())
    assert d["rank_profile"]["layer_ranks"] == [2, 1, 2]
    assert (d["rank_profile"]["k1"], d["rank_profile"]["k2"]) == (1, 2)
    assert d["differential_rank"]["rank"] == d["jacobian_rank"]["rank"] == 6
    assert d["locally_open"]["is_open"] is False
    assert d["critical_type"]["kind"] == "spurious"
    assert d["critical_type"]["saddle_by_prop9"] is True
    res = CliRunner().invoke(app, ["geometry", str(spec)])
    assert res.exit_code == 0 and "rank W" in res.output


def test_cli_geometry_bad_spec_one_line_error(tmp_path):
    from dlnscape.cli import app

    bad = tmp_path / "bad.toml"
    bad.write_text("[architecture]\nwidths = [3, 2]\n")
    res = CliRunner().invoke(app, ["geometry", str(bad)])
    assert res.exit_code == 2
    assert "error" in res.output and "Traceback" not in res.output
