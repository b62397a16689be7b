"""The built-in families on small configs: table1's bookkeeping, depth's data and L*."""

from __future__ import annotations

import numpy as np
import pytest
from engine_helpers import write_config

from dlnscape.errors import SpecError
from dlnscape.experiments.config import config_from_dict, load_config
from dlnscape.experiments.engine import run_experiment, run_in_memory
from dlnscape.experiments.families.base import Row
from dlnscape.experiments.families.depth import kawaguchi_data, kawaguchi_global_value
from dlnscape.experiments.families.table1 import FAMILY as TABLE1
from dlnscape.experiments.families.table1 import cell_stats
from dlnscape.experiments.report import write_report
from dlnscape.experiments.tasks import task_keys, task_rng


def _row(i, inst, verdict, value, gv=None, start=0):
    return Row(i, {"cell": 0, "instance": inst, "start": start}, "ok",
               {"verdict": verdict, "value": value, "global_value": gv, "value_scale": 10.0},
               None, 0.0)


def test_table1_cell_stats_certified_non_global_minima():
    rows = [
        _row(0, 0, "local_minimum", 3.0), _row(1, 0, "local_minimum", 3.0 + 1e-9),
        _row(2, 0, "local_minimum", 5.0), _row(3, 0, "strict_saddle", 4.0),
        _row(4, 1, "global_minimum", 1.0, 1.0), _row(5, 1, "local_minimum", 2.0, 1.0),
        _row(6, 2, "local_minimum", 7.0), _row(7, 2, "not_critical", 6.0),
    ]
    st = cell_stats(rows, 1e-6)
    # instance 0: values {3, 5} (3 + 1e-9 is the same value) → the 5 is certified non-global;
    # instance 1: above the certified global value; instance 2: one minimum value only
    assert st["instances"] == 3 and st["max_distinct"] == 2
    assert st["multi_value_instances"] == 2
    assert st["nonglobal_runs"] == 2 and st["nonglobal_instances"] == 2
    assert st["mean_distinct"] == pytest.approx(5 / 3, abs=1e-3)


def test_table1_tasks_are_seeded_per_cell_instance_start(tmp_path):
    cfg = config_from_dict({"family": "table1", "seed": 5,
                            "instances": {"count": 2, "starts": 2},
                            "optimizer": {"max_iter": 2000},
                            "params": {"architectures": [[2, 1, 2]],
                                       "losses": ["squared", "distance"]}})
    keys = task_keys(cfg)
    assert len(keys) == 8 and keys[5] == {"cell": 1, "instance": 0, "start": 1}
    _, La = TABLE1.landscape(cfg, 1, 0)
    _, Lb = TABLE1.landscape(cfg, 1, 0)
    assert np.array_equal(La.loss.phi, Lb.loss.phi)  # a pure function of (seed, cell, instance)
    _, Lc = TABLE1.landscape(cfg, 1, 1)
    assert not np.array_equal(La.loss.Q0, Lc.loss.Q0)
    outs = run_in_memory(cfg)
    assert all(o.status == "ok" for o in outs)
    import json

    res = [json.loads(o.result) for o in outs]
    # squared loss (quadratic) in (2, 1, 2): every certified minimum is global (Table 1)
    assert all(r["verdict"] != "local_minimum" for r in res if r["loss"] == "squared")
    assert {r["filling"] for r in res} == {False}


def test_table1_needs_classify_and_valid_architectures(tmp_path):
    base = {"family": "table1", "seed": 0, "instances": {"count": 1}}
    with pytest.raises(SpecError, match="classify"):
        config_from_dict({**base, "analyses": ["engine_helpers:extra_analysis"]})
    with pytest.raises(SpecError, match=r"params.architectures\[0\]"):
        config_from_dict({**base, "params": {"architectures": [[3]]}})


def test_kawaguchi_data_satisfies_the_hypotheses_and_L_star():
    from dlnscape import Architecture, SquaredLoss, global_minimum

    X, Y, facts = kawaguchi_data(task_rng(0, 3), 4, 3, 12)
    assert np.linalg.matrix_rank(X @ X.T) == 4 and np.linalg.matrix_rank(X @ Y.T) == 3
    lam = facts["sigma_eigenvalues"]
    assert np.all(np.diff(lam) < 0) and facts["min_relative_gap"] > 1e-6
    for H, p in ((1, 3), (2, 2), (3, 1)):
        arch = Architecture([4] + [p] * H + [3])
        gm = global_minimum(SquaredLoss(X, Y), arch)
        assert kawaguchi_global_value(Y, lam, p) == pytest.approx(gm.value, rel=1e-9)


def test_depth_small_run_and_report(tmp_path):
    text = """family = "depth"
seed = 1
output = "out"
[instances]
count = 1
starts = 2
[optimizer]
max_iter = 1500
init_scale = 0.05
[params]
hidden_layers = [1, 2]
width = 2
d_x = 3
d_y = 2
n_data = 6
"""
    cfg = load_config(write_config(tmp_path, text))
    rep = run_experiment(cfg, runner="serial", progress=False)
    assert rep.complete and rep.failed == 0
    from dlnscape.experiments.store import Store

    with Store.open(tmp_path / "out") as st:
        rows = st.rows()
    for r in rows:
        res = r.result
        assert res["L_star"] == pytest.approx(res["global_value_dlnscape"], rel=1e-9)
        assert res["end"]["verdict"] != "local_minimum" or res["reached_global"]
        for s in res["stalls"]:
            assert s["verdict"] in ("strict_saddle", "degenerate_saddle", "global_minimum",
                                    "local_minimum", "not_critical", "undetermined")
    h1 = [r.result for r in rows if r.result["hidden_layers"] == 1]
    assert all(x["reached_global"] and x["end"]["verdict"] == "global_minimum" for x in h1)
    page = open(write_report(tmp_path / "out")["html"]).read()
    assert "Kawaguchi" in page and "data:image/png;base64," in page
    with pytest.raises(SpecError, match="d_y"):
        load_config(write_config(tmp_path, text.replace("d_y = 2", "d_y = 4"), "b.toml"))


def test_lift_small_run_local_implies_1_on_M_r(tmp_path):
    text = """family = "lift"
seed = 2
output = "out"
[instances]
count = 1
starts = 2
[optimizer]
max_iter = 4000
[params]
architectures = [[3, 1, 3], [2, 3, 3]]
functions = ["linear_quadratic", "double_well"]
"""
    cfg = load_config(write_config(tmp_path, text))
    assert run_experiment(cfg, runner="serial", progress=False).complete
    from dlnscape.experiments.store import Store

    with Store.open(tmp_path / "out") as st:
        rows = [r.result for r in st.rows()]
    mins = [x for x in rows if x["verdict"] in ("global_minimum", "local_minimum")]
    assert mins
    assert all(x["stationary_on_Mr"] is True for x in mins)  # local ⟹ 1 on M_r (004 Prop 9)
    assert all(x["grad_f_zero"] for x in mins if x["width_condition"])  # LvB
    md = open(write_report(tmp_path / "out")["markdown"]).read()
    assert "1-critical on M_r" in md


def test_double_well_loss_exact_derivatives_and_taylor():
    from dlnscape.experiments.families.lift import DoubleWellLoss

    rng = np.random.default_rng(0)
    f = DoubleWellLoss(rng.standard_normal((2, 3)), 1.3)
    W, V, U = (rng.standard_normal((2, 3)) for _ in range(3))
    eps = 1e-6
    fd = (f.value(W + eps * V) - f.value(W - eps * V)) / (2 * eps)
    assert fd == pytest.approx(np.vdot(f.grad(W), V), rel=1e-7)
    fd2 = (f.grad(W + eps * V) - f.grad(W - eps * V)) / (2 * eps)
    assert np.allclose(fd2, f.hvp(W, V), atol=1e-7)
    c = f.taylor([W, V, U], 8)
    t = 0.37
    assert np.polyval(c[::-1], t) == pytest.approx(f.value(W + t * V + t * t * U), rel=1e-12)


def test_openness_small_run_and_criteria(tmp_path):
    text = """family = "openness"
seed = 0
output = "out"
[instances]
count = 6
[params]
architectures = [[3, 2, 3], [1, 1, 3, 1]]
"""
    cfg = load_config(write_config(tmp_path, text))
    assert run_experiment(cfg, runner="serial", progress=False).complete
    from dlnscape.experiments.store import Store

    with Store.open(tmp_path / "out") as st:
        rows = [r.result for r in st.rows()]
    assert len(rows) == 12 and all(x["degenerate"] for x in rows)  # rank W < r everywhere
    for x in rows:
        if x["submersion"] is True:
            assert x["open"] is True  # 004 Thm 4: a submersion is open
        assert x["layerwise_criterion"] in (True, False, None)
    page = open(write_report(tmp_path / "out")["html"]).read()
    assert "Openness criteria per architecture" in page
    with pytest.raises(SpecError, match="analyses"):
        config_from_dict({"family": "openness", "seed": 0, "instances": {"count": 1},
                          "analyses": ["probe"]})
