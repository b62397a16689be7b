"""Issue 4's target on random critical points (slow; `pytest -m slow tests/critical`)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))


@pytest.mark.slow
def test_classify_target_on_random_critical_points():
    import bench_classify

    out = bench_classify.run(200, seed=1)
    tot = out["total"]
    assert tot["verify_failures"] == 0
    assert tot["undetermined_fraction"] <= 0.01, out["undetermined_examples"]
    assert tot["median_ms"] < 50.0
