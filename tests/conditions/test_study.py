"""Zhou & Liang 2018 §3.2 (catalog T-003-Sec3.2-qualitative, check 56): plain vs residual
networks near small-weight minimizers, as a study with a figure. The constants of each
instance are recomputed here from Thm 1 / Thm 2's formulas."""

from __future__ import annotations

import math
import stat

import numpy as np
import pytest
from _zl import chain, smin, spec

import dlnscape as dl
from dlnscape.conditions import plain_vs_residual_study, study_figure, study_instance
from dlnscape.errors import DlnscapeError
from dlnscape.models.residual import ResidualLinearNetwork


def _lam_plain(theta, X):
    l = len(theta)
    tau = 0.5 * min(smin(W) for W in theta)
    return tau, 1.0 / (2 * l * tau ** (2 * (l - 1)) * smin(X) ** 2)


def _lam_res(A, X, l, r):
    d = X.shape[0]
    Ws = [np.eye(d) + chain(A[k * r:(k + 1) * r], d) for k in range(l)]
    tau = 0.5 * min(smin(W) for W in Ws)
    tt = 0.5 * min(smin(a) for a in A)
    return tau, tt, 1.0 / (2 * l * r * tt ** (2 * (r - 1)) * tau ** (2 * (l - 1))
                           * smin(X) ** 2)


@pytest.fixture(scope="module")
def study():
    return plain_vs_residual_study(depths=(1, 2, 3), sizes=(0.1, 0.3), s_ref=0.3, l_ref=3,
                                   n_samples=16, maxiter=40)


def test_catalog_56_small_weights_plain_vs_residual(study):
    """Check 56: plain W_k* with ‖W_k*‖ ≤ 0.3 vs residual W_k* = I + A_k*, ‖A_k*‖ ≤ 0.3:
    τ_plain ≤ 0.15, τ_residual ≥ 0.3 (≈ ½), and λ_f ≪ λ_h (factor > 10 at depth 3), every
    constant recomputed here from the instance; measured suprema below λ."""
    for l in (2, 3):
        Lp, Wp = study_instance("plain", l, 0.3)
        Lr, Ar = study_instance("residual r=1", l, 0.3)
        assert max(spec(W) for W in Wp) <= 0.3 + 1e-12
        assert max(spec(A) for A in Ar) <= 0.3 + 1e-12
        tp, lp = _lam_plain(Wp, Lp.loss.X)
        tr, _, lr = _lam_res(Ar, Lr.loss.X, l, 1)
        assert tp <= 0.15 and tr >= 0.3
        assert lr < lp and (l < 3 or lr < lp / 10)
        rp, rr = study.row("plain", l, 0.3), study.row("residual r=1", l, 0.3)
        assert rp.tau == pytest.approx(tp, rel=1e-12) and rp.lam_theory == pytest.approx(lp, 1e-10)
        assert rr.tau == pytest.approx(tr, rel=1e-12) and rr.lam_theory == pytest.approx(lr, 1e-10)
        for r in (rp, rr):
            assert r.sup_measured is not None and r.holds
            assert r.sup_measured <= r.lam_theory * (1 + 1e-9)
    assert study.claim_supported and "supported" in study.conclusion


def test_residual_r2_constants_and_the_same_point_identity(study):
    """r = 2: λ_f from the formula here (τ̃ of the factors enters); r = 1 at the same minimizer
    as the plain network (W* = I + A*): equal constants, and f(A) = h(I + A) with equal
    gradients at random points (oracles of both models)."""
    L2, A2 = study_instance("residual r=2", 3, 0.3)
    _, tt, lam2 = _lam_res(A2, L2.loss.X, 3, 2)
    row = study.row("residual r=2", 3, 0.3)
    assert row.tau_tilde == pytest.approx(tt, rel=1e-12)
    assert row.lam_theory == pytest.approx(lam2, rel=1e-10)
    assert study.same_point_max_rel_diff <= 1e-10
    rng = np.random.default_rng(0)
    d, l = 3, 3
    X, Y = rng.standard_normal((d, d)), rng.standard_normal((d, d))
    Lr = dl.Landscape(ResidualLinearNetwork(d, l, 1), dl.SquaredLoss(X, Y))
    Lp = dl.Landscape(dl.LinearNetwork(dl.Architecture([d] * (l + 1))), dl.SquaredLoss(X, Y))
    for _ in range(5):
        A = tuple(rng.standard_normal((d, d)) for _ in range(l))
        W = tuple(np.eye(d) + a for a in A)
        assert Lr.value(A) == pytest.approx(Lp.value(W), rel=1e-12)
        np.testing.assert_allclose(Lr.grad_flat(A), Lp.grad_flat(W), rtol=1e-11, atol=1e-12)


def test_study_rows_cover_the_grid_and_the_figure_is_written(study, tmp_path):
    nets = {r.network for r in study.rows}
    assert nets == {"plain", "residual r=1", "residual r=2", "plain at I + A*"}
    assert len(study.rows) == 4 * 3 * 2
    measured = [r for r in study.rows if r.sup_measured is not None]
    assert all(math.isclose(r.size, 0.3) or r.depth == 3 for r in measured)
    p = study_figure(study, tmp_path / "fig" / "study.png")
    data = p.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000
    assert stat.S_IMODE(p.stat().st_mode) == 0o644
    d = study.to_dict()
    assert d["claim_supported"] is True and len(d["rows"]) == 24


def test_study_bad_input():
    with pytest.raises(DlnscapeError, match="network"):
        study_instance("dense", 2, 0.3)
    with pytest.raises(DlnscapeError, match="size"):
        study_instance("plain", 2, -0.3)
    with pytest.raises(DlnscapeError, match="sizes"):
        plain_vs_residual_study(depths=(1,), sizes=(0.0,), measure=False)
    with pytest.raises(DlnscapeError, match="networks"):
        plain_vs_residual_study(depths=(1,), sizes=(0.1,), networks=("dense",), measure=False)
