"""Trager et al. 2020, Thm 12 (with §3.3): the lifted Eckart–Young critical points of the
squared loss are the global minimum (top subset) or strict saddles whose Hessian has exactly
``#{(j, i) ∈ I × I^c : j > i}`` negative eigenvalues (Sylvester: μ is a submersion onto M_r at
rank-r points, Prop 6, so the pulled-back form keeps its negative index)."""

from __future__ import annotations

import itertools

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from dlnscape import Architecture, Landscape, LinearNetwork, SquaredLoss
from dlnscape.critical import classify
from dlnscape.functional import critical_point_from_subset


def _index(I, m):
    """The printed formula, written out here (0-based indices, smaller = larger σ)."""
    Ic = [i for i in range(m) if i not in I]
    return sum(1 for j in I for i in Ic if j > i)


widths_st = st.sampled_from([
    (3, 2, 3), (4, 2, 3), (3, 1, 2), (4, 2, 2, 4), (3, 2, 1, 3), (4, 3, 2, 3), (2, 3, 2),
    (4, 1, 3, 4), (3, 2, 2, 2, 3),
])


@settings(derandomize=True, max_examples=25, deadline=None)
@given(widths_st, st.integers(0, 10_000), st.data())
def test_thm12_index_formula_matches_hessian(widths, seed, data):
    rng = np.random.default_rng(seed)
    arch = Architecture(widths)
    n = max(widths) + 2
    X = rng.standard_normal((widths[0], n))
    Y = rng.standard_normal((widths[-1], n))
    L = Landscape(LinearNetwork(arch), SquaredLoss(X, Y))
    m = min(widths[0], widths[-1])
    k = min(arch.r, m)
    subsets = list(itertools.combinations(range(m), k))
    I = data.draw(st.sampled_from(subsets))
    theta, info = critical_point_from_subset(L.loss, arch, I, rng=seed)
    res = classify(L, theta, rng=seed)
    assert res.verify(L), res.reasons
    idx = _index(I, m)
    assert info.index == idx
    if idx == 0:
        assert res.verdict == "global_minimum", (res.reasons, str(res))
    else:
        assert res.verdict == "strict_saddle", (res.reasons, str(res))
        assert res.hessian.n_negative == idx


def test_thm12_worked_example_all_subsets():
    # the text's example m = 3, r = 2: indices 0, 1, 2 for {1,2}, {1,3}, {2,3}
    rng = np.random.default_rng(7)
    arch = Architecture((3, 2, 3))
    L = Landscape(LinearNetwork(arch), SquaredLoss(rng.standard_normal((3, 6)),
                                                   rng.standard_normal((3, 6))))
    got = []
    for I in [(0, 1), (0, 2), (1, 2)]:
        theta, _ = critical_point_from_subset(L.loss, arch, I, rng=0)
        res = classify(L, theta, rng=0)
        assert res.verify(L)
        got.append((res.verdict, res.hessian.n_negative))
    assert got == [("global_minimum", 0), ("strict_saddle", 1), ("strict_saddle", 2)]
