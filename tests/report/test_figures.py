"""Figures: PNGs written atomically from recomputed values (escape paths, spectra, Figure 3)."""

from __future__ import annotations

import numpy as np
import pytest
from typer.testing import CliRunner

import dlnscape as dl
from dlnscape.cli import app
from dlnscape.examples import kawaguchi_cor24_point, nouiehed_intro_example

PNG = b"\x89PNG\r\n\x1a\n"


def _only_png(folder):
    names = sorted(p.name for p in folder.iterdir())
    assert all(not n.endswith(".tmp") for n in names), names  # nothing half-written left
    return names


def test_escape_plot_of_a_fiber_move_certificate(tmp_path):
    L, theta = nouiehed_intro_example()
    res = dl.classify(L, theta, rng=0)
    out = dl.plot.escape(L, res.certificate, tmp_path / "escape.png")
    assert out.read_bytes()[:8] == PNG
    assert _only_png(tmp_path) == ["escape.png"]


def test_hessian_spectrum_plot(tmp_path):
    L, theta = kawaguchi_cor24_point(2)
    res = dl.classify(L, theta, rng=0)
    ev = res.hessian.eigenvalues
    assert np.sum(ev < -res.hessian.threshold) == res.hessian.n_negative > 0
    out = dl.plot.hessian_spectrum(ev, tmp_path / "s.png", zero_threshold=res.hessian.threshold)
    assert out.read_bytes()[:8] == PNG


def test_plot_failure_leaves_no_file(tmp_path, monkeypatch):
    import matplotlib.figure

    def boom(*a, **k):
        raise RuntimeError("disk full")

    monkeypatch.setattr(matplotlib.figure.Figure, "savefig", boom)
    with pytest.raises(RuntimeError):
        dl.plot.hessian_spectrum(np.array([-1.0, 2.0]), tmp_path / "s.png")
    assert list(tmp_path.iterdir()) == []


def test_cli_classify_plot(tmp_path):
    spec = tmp_path / "spec.toml"
    spec.write_text(
        "[architecture]\nwidths = [3, 2, 3]\n[loss]\ntype = \"squared\"\nrandom = true\n"
        "[point]\nlayers = [[[0.0, 0.0, 0.0], [0.0, 0.0, 0.0]], [[0.0, 0.0], [0.0, 0.0], "
        "[0.0, 0.0]]]\n"
    )
    r = CliRunner().invoke(app, ["classify", str(spec), "--plot", str(tmp_path / "p.png")])
    assert r.exit_code == 0, r.output
    assert (tmp_path / "p.png").read_bytes()[:8] == PNG


def test_escape_plot_of_a_second_order_certificate(tmp_path):
    from dlnscape.critical.escape import curvature_certificate
    from dlnscape.functional import critical_point_from_subset

    rng = np.random.default_rng(0)
    loss = dl.SquaredLoss(rng.standard_normal((3, 8)), rng.standard_normal((3, 8)))
    L = dl.Landscape(dl.LinearNetwork(dl.Architecture((3, 2, 3))), loss)
    theta, _ = critical_point_from_subset(loss, L.arch, (0, 2), rng=1)
    v = np.linalg.eigh(L.hessian(theta))[1][:, 0]
    cert = curvature_certificate(L, theta, v, "descent")
    assert cert is not None and cert.arithmetic == "curvature" and not cert.points
    out = dl.plot.escape(L, cert, tmp_path / "c.png")
    assert out.read_bytes()[:8] == PNG
    assert _only_png(tmp_path) == ["c.png"]
