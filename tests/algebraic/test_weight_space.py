"""Every complex critical point of regularized deep linear networks in weight space: the counts
of Mehta, Chen, Tang and Hauenstein (IEEE TPAMI 2022, arXiv:1810.07716), msolve's exact count,
the zero-pattern partition, Bézout bounds, positive-dimensional critical sets, and agreement
of the reported indices with ``classify``."""

from __future__ import annotations

import math

import numpy as np
import pytest

import dlnscape as dl
from dlnscape.algebraic.weight_space import bezout_bounds, critical_points, weight_space_system
from dlnscape.errors import DlnscapeError, SolverError
from dlnscape.regularizers import HadamardL2


def regularized(widths, n_data, seed=3, integer_lambdas=False):
    """Integer data; generic (continuous) Λ, or Λ in {1/4, …, 2} (may be non-generic)."""
    rng = np.random.default_rng(seed)
    X = rng.integers(-5, 6, size=(widths[0], n_data)).astype(float)
    Y = rng.integers(-5, 6, size=(widths[-1], n_data)).astype(float)
    shapes = [(widths[i + 1], widths[i]) for i in range(len(widths) - 1)]
    lams = tuple(rng.integers(1, 9, size=sh).astype(float) / 4 if integer_lambdas
                 else rng.uniform(0.5, 2.0, size=sh) for sh in shapes)
    return dl.Landscape(dl.Architecture(list(widths)), dl.SquaredLoss(X, Y),
                        regularizer=HadamardL2(lams))


@pytest.fixture(scope="module")
def res_222():
    return regularized((2, 2, 2), 1), critical_points(regularized((2, 2, 2), 1),
                                                      backend="homotopy", rng=1)


def test_one_layer_has_one_critical_point_mehta_et_al():
    res = critical_points(regularized((2, 2), 1), backend="homotopy")
    assert res.finite and res.n_complex == 1 and res.n_real == 1 and res.certified
    assert res.points[0].verdict == "local minimum"


def test_widths_222_with_one_data_point_have_33_critical_points_mehta_et_al(res_222):
    _L, res = res_222
    assert res.n_complex == 33 and res.certified
    # the zero-pattern partition covers every point, θ = 0 among them (a real critical point)
    assert sum(c["complex"] for c in res.zero_patterns.values()) == 33
    assert res.zero_patterns["W1:0000|W2:0000"] == {"complex": 1, "real": 1}
    assert sum(c["real"] for c in res.zero_patterns.values()) == res.n_real


def test_msolve_counts_the_same_33_exactly(res_222):
    L, res = res_222
    exact = critical_points(L, backend="msolve")
    assert exact.n_complex == 33 and exact.complete and exact.n_real == res.n_real
    vals = sorted(p.value for p in exact.points)
    assert np.allclose(vals, sorted(p.value for p in res.points), rtol=1e-9)
    # complete + every weight regularized (coercive) ⇒ the least real critical value is the
    # global minimum, certified
    assert exact.global_minimum is not None and exact.global_minimum.value == vals[0]


def test_example_2_of_mehta_et_al_has_17_critical_points():
    """Widths (2, 1, 2), five data points (Mehta et al. 2022, Example 2)."""
    L = regularized((2, 1, 2), 5, seed=7)
    res = critical_points(L, backend="homotopy", rng=2)
    assert res.n_complex == 17 and res.certified
    assert critical_points(L, backend="msolve").n_complex == 17


def test_a_non_generic_instance_loses_paths_and_the_homotopy_count_equals_msolves():
    """Λ ∈ {1/4, …, 2} with these data: 4 of the 16 generic solutions go to infinity; both
    methods count 13 (12 + θ = 0), and the lost paths are reported."""
    L = regularized((2, 1, 2), 5, seed=7, integer_lambdas=True)
    res = critical_points(L, backend="homotopy", rng=2)
    exact = critical_points(L, backend="msolve")
    assert res.n_complex == exact.n_complex < 17
    assert "did not reach the target" in res.count_evidence


def test_real_points_are_critical_and_their_index_agrees_with_classify(res_222):
    L, res = res_222
    assert res.points
    for p in res.points:
        g = L.grad_flat(p.theta)
        assert np.linalg.norm(g) <= 1e-8 * (1 + np.linalg.norm(L.pack(p.theta)))
        c = dl.classify(L, p.theta, rng=0)
        expected = {"local minimum": {"local_minimum", "global_minimum"},
                    "saddle": {"strict_saddle"}, "local maximum": {"local_maximum"}}
        assert str(c.verdict) in expected[p.verdict], (p.verdict, c.verdict)
        ev = np.linalg.eigvalsh(L.hessian(p.theta))
        assert p.index == int(np.sum(ev < 0))


def test_without_regularization_the_critical_set_is_positive_dimensional():
    rng = np.random.default_rng(0)
    L = dl.Landscape(dl.Architecture([2, 2, 2]),
                     dl.SquaredLoss(rng.normal(size=(2, 1)), rng.normal(size=(2, 1))))
    res = critical_points(L)
    assert not res.finite and res.n_complex == 0
    assert "positive-dimensional" in res.count_evidence
    assert res.dimension_evidence["dimension"] >= 1
    L0 = dl.Landscape(dl.Architecture([2, 2, 2]), L.loss, regularizer=HadamardL2(0.0))
    assert not critical_points(L0).finite  # Λ = 0: the same


def test_bezout_bounds_of_the_222_system():
    """Total degree 3^8; multihomogeneous (one group per layer, degrees (1, 2) and (2, 1)):
    Σ_k C(4,k)² 4^{4−k} = 1921 (worked by hand)."""
    ws = weight_space_system(regularized((2, 2, 2), 1))
    b = bezout_bounds(ws)
    assert b["total_degree"] == 3**8
    assert b["multihomogeneous"] == sum(math.comb(4, k) ** 2 * 4 ** (4 - k) for k in range(5))


def test_bad_input_is_a_clear_error():
    L = regularized((2, 2, 2), 1)
    with pytest.raises(SolverError, match="backend"):
        critical_points(L, backend="phc")
    with pytest.raises(DlnscapeError, match="timeout"):
        critical_points(L, timeout=0)
    X = np.eye(2)
    nl = dl.Landscape(dl.OneHiddenLayerNetwork(X, "tanh", 2, 2), dl.SquaredLoss(np.eye(2), X))
    with pytest.raises(DlnscapeError, match="linear network"):
        critical_points(nl)


@pytest.mark.slow
def test_widths_2222_with_one_data_point_have_641_critical_points_mehta_et_al():
    res = critical_points(regularized((2, 2, 2, 2), 1), backend="homotopy", rng=1)
    assert res.n_complex == 641 and res.certified


@pytest.mark.parametrize("rng", [-1, "x", 1.5])
def test_a_bad_rng_is_a_clear_error(rng):
    with pytest.raises(DlnscapeError, match="rng"):
        critical_points(regularized((2, 2), 1), rng=rng)


def test_the_notebook_view_shows_the_count_the_partition_and_each_real_point(res_222):
    _L, res = res_222
    page = res._repr_html_()
    assert page.startswith("<table") and "33 complex" in page
    assert "W1:0000|W2:0000" in page and f"{res.zero_patterns['W1:0000|W2:0000']['real']}" in page
    # one table row per real critical point, each with its verdict
    assert page.count("<tr><td>") == res.n_real
    assert page.count("local minimum") >= res.n_local_minima
