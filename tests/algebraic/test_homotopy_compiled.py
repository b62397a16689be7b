"""The compiled (numba) tracker against the numpy reference ``track_reference``: same
endpoints (to ~1e-10) and the same certified counts, on 3×3 r=1, 3×4 r=1 and 3×3 r=2."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dlnscape import DistanceLoss
from dlnscape.algebraic import homotopy as hm
from dlnscape.algebraic.formulation import quadratic_data, working_data
from dlnscape.errors import SolverError

CASES = [((3, 3), 1), ((3, 4), 1), ((3, 3), 2)]


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return tmp_path_factory.mktemp("starts")


def _start(shape, r, cache):
    return hm.start_system(shape, r, seed=0, cache_dir=cache)


def _qds(shape, n, seed):
    rng = np.random.default_rng(seed)
    N = shape[0] * shape[1]
    return [quadratic_data(DistanceLoss(rng.integers(-10, 11, size=shape),
                                        rng.integers(-10, 11, size=(N, N))))
            for _ in range(n)]


def _track_both(start, qds):
    N = start.form.m * start.form.n
    K = N * N
    shared = (start.p0[:K].reshape(N, N), start.p0[K:], start.c[:K].reshape(N, N), start.c[K:])
    p1 = [hm.param_vector(*(a.astype(np.float64) for a in working_data(start.form, q)))
          for q in qds]
    G1 = np.stack([p[:K].reshape(N, N) for p in p1])
    g1 = np.stack([p[K:] for p in p1])
    P0 = len(start.X0)
    inst = np.repeat(np.arange(len(qds)), P0)
    X0 = np.tile(start.X0, (len(qds), 1))
    a = hm.track(start.form, shared, G1, g1, X0, inst=inst, tracker="compiled")
    b = hm.track(start.form, shared, G1[inst], g1[inst], X0, tracker="reference")
    return a, b


def _counts(h):
    cert = h.certificate
    if h.mixed is not None:
        return (h.complete, len(h.mixed.W), int(h.mixed.real.sum()))
    return (h.complete, len(h.X), None if cert is None else int(cert.real.sum()))


def _check_same(start, qds):
    a, b = _track_both(start, qds)
    assert a.ok.all() and b.ok.all()
    np.testing.assert_array_equal(a.ok, b.ok)
    # the same path from the same start reaches the same endpoint (chart coordinates)
    scale = 1.0 + np.abs(b.X).max(axis=1, keepdims=True)
    assert np.max(np.abs(a.X - b.X) / scale) < 1e-10
    ca = [_counts(h) for h in hm.solve_targets(start, qds, tracker="compiled")]
    cb = [_counts(h) for h in hm.solve_targets(start, qds, tracker="reference")]
    assert ca == cb
    return ca


@pytest.mark.parametrize(("shape", "r"), CASES)
def test_compiled_matches_reference(shape, r, cache):
    start = _start(shape, r, cache)
    counts = _check_same(start, _qds(shape, 3, seed=11 * r + shape[1]))
    assert all(c[0] for c in counts)  # certified, both trackers
    assert all(c[1] == start.msolve_count for c in counts)


@settings(max_examples=6, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2**31 - 1), case=st.sampled_from(CASES), n=st.integers(1, 2))
def test_compiled_matches_reference_property(seed, case, n, cache):
    shape, r = case
    _check_same(_start(shape, r, cache), _qds(shape, n, seed))


def test_tracker_selection(monkeypatch):
    assert hm.tracker_name() == "compiled"
    assert hm.tracker_name("numpy") == "reference"
    monkeypatch.setenv("DLNSCAPE_TRACKER", "reference")
    assert hm.tracker_name() == "reference"
    assert hm.tracker_name("compiled") == "compiled"
    monkeypatch.setenv("DLNSCAPE_TRACKER", "bogus")
    with pytest.raises(SolverError, match="tracker"):
        hm.tracker_name()


def test_without_numba_the_default_is_the_reference(monkeypatch):
    monkeypatch.delenv("DLNSCAPE_TRACKER", raising=False)
    monkeypatch.setattr(hm, "_have_numba", lambda: False)
    assert hm.tracker_name() == "reference"
    with pytest.raises(SolverError, match="numba"):
        hm.tracker_name("compiled")


def test_solution_records_its_tracker(cache):
    start = _start((3, 3), 1, cache)
    qd = _qds((3, 3), 1, seed=5)[0]
    assert hm.solve_target(start, qd).tracker == "compiled"
    assert hm.solve_target(start, qd, tracker="reference").tracker == "reference"
