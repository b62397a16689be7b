"""Lifted subset points (004 Prop 6 + Thm 12): critical in parameter space, index preserved."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from dlnscape import Architecture, DistanceLoss, Landscape, LinearNetwork, SquaredLoss, end_to_end
from dlnscape.errors import DlnscapeError
from dlnscape.functional import critical_point_from_subset, lift, thm12_index


@pytest.mark.parametrize("widths", [(4, 2, 3), (4, 3, 2, 3), (3, 2, 2, 2, 4)])
def test_subset_points_lifted_are_critical_with_thm12_negative_count(widths):
    rng = np.random.default_rng(sum(widths))
    arch = Architecture(widths)
    X = rng.standard_normal((arch.d_in, 7))
    Y = rng.standard_normal((arch.d_out, 7))
    loss = SquaredLoss(X, Y)
    land = Landscape(LinearNetwork(arch), loss)
    m = min(arch.d_in, arch.d_out)
    for I in itertools.combinations(range(m), arch.r):
        theta, info = critical_point_from_subset(loss, arch, I, rng=rng)
        assert np.allclose(end_to_end(theta), info.W, atol=1e-10)
        g = land.grad_flat(theta)
        assert np.linalg.norm(g) <= 1e-9 * (1 + abs(info.value))
        ev = np.linalg.eigvalsh(land.hessian(theta))
        thr = 1e-8 * max(1.0, np.abs(ev).max())
        # Prop 6: μ is a submersion at rank-r points, so the parameter-space index equals the
        # function-space one (Thm 12) and the local minima coincide.
        assert int(np.sum(ev < -thr)) == info.index == thm12_index(I, m)
        assert info.is_global_minimum == (info.index == 0)
        assert land.value(theta) == pytest.approx(info.value, rel=1e-10)


def test_lift_rank_and_errors():
    rng = np.random.default_rng(0)
    arch = Architecture([3, 1, 3])
    W = np.outer(rng.standard_normal(3), rng.standard_normal(3))
    assert np.allclose(end_to_end(lift(W, arch, rng)), W, atol=1e-12)
    with pytest.raises(DlnscapeError):
        lift(np.eye(3), arch)  # rank 3 > r = 1
    with pytest.raises(DlnscapeError, match="I:"):
        critical_point_from_subset(DistanceLoss(np.diag([3.0, 2, 1])), arch, (0, 1))
