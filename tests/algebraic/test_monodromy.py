"""Monodromy (HomotopyContinuation.jl's ``monodromy_solve`` technique) and the start systems it
builds: counts against closed forms and literature values, the chart-coordinate round trip,
timeouts that return labelled lower bounds."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dlnscape.algebraic import homotopy as hm
from dlnscape.algebraic.alpha import PolySystem
from dlnscape.algebraic.formulation import make_formulation
from dlnscape.algebraic.homotopy import MrFamily
from dlnscape.algebraic.monodromy import merge_solutions, monodromy_solve
from dlnscape.algebraic.parametric import coefficients, newton, track_segment
from dlnscape.errors import DlnscapeError


class CubicFamily:
    """f(x; p) = p0 x³ + p1 x² + p2 x + p3 (linear in p): three roots for generic p."""

    def __init__(self) -> None:
        exps = np.array([[3], [2], [1], [0]])
        coef = np.zeros((4, 1, 4))
        for k in range(4):
            coef[k, 0, k] = 1.0
        self.fam = PolySystem(exps, coef)

    def random_parameter(self, rng):
        p = rng.normal(size=4) + 1j * rng.normal(size=4)
        return p / np.linalg.norm(p)

    def seed(self, rng):
        x0 = rng.normal() + 1j * rng.normal()
        p = self.random_parameter(rng)
        p[3] = -(p[0] * x0**3 + p[1] * x0**2 + p[2] * x0)  # f(x0; p) = 0
        return np.array([[x0]]), p

    def track(self, X, pa, pb):
        sr = track_segment(self.fam, X, pa, pb)
        return sr.X, sr.ok

    def refine(self, X, p):
        Xn, rel = newton(self.fam, X, coefficients(self.fam, p))
        return Xn, rel < 1e-10


def test_monodromy_finds_every_root_of_a_generic_cubic_as_numpy_roots_does():
    res = monodromy_solve(CubicFamily(), rng=3, stall_loops=4)
    assert res.count == 3 and res.stop == "stalled"
    roots = np.roots(res.p0)  # the brute-force alternative: companion-matrix eigenvalues
    found = np.sort_complex(res.X[:, 0])
    assert np.allclose(found, np.sort_complex(roots), atol=1e-9)


def test_a_known_count_stops_the_search_and_is_the_only_completeness_proof():
    res = monodromy_solve(CubicFamily(), rng=5, target_count=3)
    assert res.stop == "target count" and res.complete_by_count
    res2 = monodromy_solve(CubicFamily(), rng=5, stall_loops=2)
    assert not res2.complete_by_count and "heuristic" in res2.stopping_rule()
    with pytest.raises(DlnscapeError, match="stall_loops"):
        monodromy_solve(CubicFamily(), stall_loops=0)


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 2**31 - 1), st.integers(1, 12))
def test_merge_keeps_one_copy_of_each_distinct_point(seed, k):
    rng = np.random.default_rng(seed)
    pts = rng.normal(size=(k, 3)) + 1j * rng.normal(size=(k, 3))
    noisy = pts + 1e-10 * rng.normal(size=pts.shape)
    merged = merge_solutions(pts[: k // 2], np.concatenate([noisy, noisy]))
    assert merged.shape[0] == k
    # every original point is in the result exactly once
    d = np.abs(merged[:, None, :] - pts[None]).max(axis=2)
    assert np.all((d < 1e-8).sum(axis=0) == 1)


@pytest.mark.parametrize("shape,r", [((4, 4), 2), ((4, 5), 2), ((5, 5), 3), ((3, 5), 1)])
def test_chart_coordinates_round_trip_for_every_schubert_big_cell(shape, r):
    """Regression: for r ≥ 2 and m − r ≥ 2 the chart coordinates were read back in M's row
    order while the cell lists its free entries column by column."""
    form = make_formulation(shape, r, rng=1)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(3, form.nvars)) + 1j * rng.normal(size=(3, form.nvars))
    A, B = form.A_B(x)
    Xi = np.concatenate([A.reshape(3, -1), B.reshape(3, -1)], axis=1)
    back, ok = hm._to_chart(form, Xi)
    assert ok.all() and np.allclose(back, x, atol=1e-9)
    W = form.W(x[0].real)
    assert np.allclose(form.x_from_W(W), x[0].real, atol=1e-8)


@pytest.mark.parametrize("shape,r,count", [((2, 2), 1, 6), ((3, 3), 1, 39), ((3, 3), 2, 39)])
def test_monodromy_on_Mr_reaches_the_literature_ED_degrees_without_being_told(shape, r, count):
    """6 (Draisma et al. 2016, Ex 7.?: generic 2×2 rank one) and 39 (Trager et al. 2020,
    Ex 13; 3×3 rank two by duality) with the stall rule only."""
    form = make_formulation(shape, r, rng=0)
    res = monodromy_solve(MrFamily(form, hm.parametric_system(form)), rng=2, stall_loops=4)
    assert res.count == count and res.paths_failed == 0


def test_start_system_built_by_monodromy_has_its_count_from_the_formula(tmp_path):
    st_ = hm.start_system((3, 3), 2, seed=4, cache_dir=tmp_path)
    assert st_.count_source == "formula" and st_.count_proven and st_.msolve_count == 39
    assert "monodromy" in st_.provenance() and st_.X0.shape == (39, st_.form.nvars)
    # the cache returns the same start (memory), and the disk copy has its provenance
    hm._MEMORY.clear()
    again = hm.start_system((3, 3), 2, seed=4, cache_dir=tmp_path)
    assert again.count_source == "formula" and np.allclose(again.X0, st_.X0)


def test_a_timed_out_start_is_a_labelled_lower_bound_and_not_cached(tmp_path):
    from dlnscape.algebraic import critical_points_on_Mr
    from dlnscape.algebraic.ed_degree import random_integer_instance

    seen = []
    res = critical_points_on_Mr(random_integer_instance(3, 4, rng=1), 2, backend="homotopy",
                                timeout=1e-3, cache_dir=tmp_path, rng=9,
                                progress=lambda k, c: seen.append((k, c)))
    assert not res.certified and "lower bound" in res.certification
    assert res.n_complex < 83
    assert not list(tmp_path.glob("start-*"))
    with pytest.raises(DlnscapeError, match="timeout"):
        critical_points_on_Mr(random_integer_instance(3, 4, rng=1), 2, timeout=-1)


def test_4x4_rank_one_has_284_certified_critical_points_on_random_integer_data(tmp_path):
    """The generic ED degree of 4×4 rank one: 284 (Catanese–Trifogli; the number that msolve's
    4300-digit output used to break on)."""
    from dlnscape.algebraic import critical_points_on_Mr
    from dlnscape.algebraic.ed_degree import random_integer_instance

    res = critical_points_on_Mr(random_integer_instance(4, 4, rng=3), 1, backend="homotopy",
                                cache_dir=tmp_path)
    assert res.certified and res.n_complex == 284
    assert res.evidence["start"]["count_source"] == "formula"


def test_3x3_rank_two_has_39_certified_critical_points_on_random_integer_data(tmp_path):
    from dlnscape.algebraic import critical_points_on_Mr
    from dlnscape.algebraic.ed_degree import random_integer_instance

    loss = random_integer_instance(3, 3, rng=8)
    res = critical_points_on_Mr(loss, 2, backend="homotopy", cache_dir=tmp_path)
    assert res.certified and res.n_complex == 39
    exact = critical_points_on_Mr(loss, 2, backend="msolve")
    assert exact.n_complex == 39 and exact.n_real == res.n_real
