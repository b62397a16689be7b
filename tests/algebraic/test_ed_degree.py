"""ED degrees: Catanese–Trifogli (004 App. A.2, catalog T-004-CT / X5), Eckart–Young (Thm 12)."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest

from dlnscape.algebraic.ed_degree import (
    backend_available,
    catanese_trifogli_sum,
    eckart_young_degree,
    ed_degree,
    generic_ed_degree_rank_one,
)
from dlnscape.errors import DlnscapeError


def test_catanese_trifogli_reading_decided_by_the_text_value_39():
    # the text: "this expression yields 39 for d_x = d_y = 3"
    projective = catanese_trifogli_sum(2, 2)  # (a, b) = (d_x − 1, d_y − 1)
    literal = catanese_trifogli_sum(3, 3)  # (a, b) = (d_x, d_y) as printed
    assert projective == Fraction(39)
    assert literal == Fraction(284)  # finding: the literal reading does not give 39
    assert generic_ed_degree_rank_one(3, 3) == 39
    assert generic_ed_degree_rank_one(3, 3, reading="literal") == 284


def test_catanese_trifogli_independent_sanity_values():
    # 1 × n: M_1 is the whole space (ED degree 1); the literal reading gives 6 for 1×1
    assert [generic_ed_degree_rank_one(1, n) for n in range(1, 6)] == [1] * 5
    assert generic_ed_degree_rank_one(1, 1, reading="literal") == 6
    # 2 × 2 rank one = a smooth quadric surface in P³; a general quadric in Pⁿ has general ED
    # degree d·Σ_{i<n}(d−1)^i = 2·3 = 6 (Draisma et al. 2016, Cor 6.2 for generic hypersurfaces)
    assert generic_ed_degree_rank_one(2, 2) == 6
    # symmetric in (m, n), integer for all sizes up to 6×6
    for m in range(1, 7):
        for n in range(1, 7):
            assert catanese_trifogli_sum(m - 1, n - 1) == catanese_trifogli_sum(n - 1, m - 1)
            assert catanese_trifogli_sum(m - 1, n - 1).denominator == 1
    assert [generic_ed_degree_rank_one(2, n) for n in (2, 3, 4)] == [6, 10, 14]
    assert generic_ed_degree_rank_one(3, 4) == 83


def test_eckart_young_degree():
    assert eckart_young_degree(3, 3, 1) == 3
    assert eckart_young_degree(3, 5, 2) == math.comb(3, 2)
    assert eckart_young_degree(2, 4, 2) == 1  # filling
    with pytest.raises(DlnscapeError, match="r:"):
        eckart_young_degree(3, 3, -1)


@pytest.mark.skipif(not backend_available(), reason="critical_points_on_Mr not available yet")
@pytest.mark.parametrize("shape", [
    (2, 2), (2, 3), (3, 3),
    (3, 4),  # once failed with an OverflowError in the msolve parser (huge rationals → float)
])
def test_generic_ed_degree_formula_matches_backend(shape):
    res = ed_degree(shape, 1, rng=np.random.default_rng(sum(shape)))
    assert res.formula == generic_ed_degree_rank_one(*shape)
    assert res.value == res.formula, res.to_dict()


@pytest.mark.skipif(not backend_available(), reason="critical_points_on_Mr not available yet")
def test_eckart_young_degree_matches_backend_identity_metric():
    from dlnscape import DistanceLoss

    Q0 = np.random.default_rng(0).integers(-10, 11, (3, 3)).astype(float)
    res = ed_degree(DistanceLoss(Q0), 1)
    assert res.value == eckart_young_degree(3, 3, 1) == 3


def test_ed_degree_bad_input():
    with pytest.raises(DlnscapeError, match="loss_or_shape"):
        ed_degree("abc", 1)
    with pytest.raises(DlnscapeError, match="reading"):
        generic_ed_degree_rank_one(3, 3, reading="other")


@pytest.mark.skipif(not backend_available(), reason="critical_points_on_Mr not available yet")
def test_generic_ed_degree_duality_3x3_rank_two():
    # ED duality (Draisma et al. 2016, Thm 5.2): the general ED degree of M_2 ⊂ C^{3×3} (the
    # determinant hypersurface, dual of M_1) equals that of M_1, i.e. Catanese–Trifogli's 39
    res = ed_degree((3, 3), 2, rng=np.random.default_rng(1))
    assert res.value == generic_ed_degree_rank_one(3, 3) == 39
