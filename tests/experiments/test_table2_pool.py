"""run_table2's process pool: fork on Linux (no re-import of the main module, workers inherit
the start system and the compiled tracker), a script without a main guard works, spawn gives
a clear error; and what the enumeration path imports."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

from dlnscape.algebraic.ed_degree import backend_available
from dlnscape.experiments.table2 import pool_start_method, run_table2

needs_backend = pytest.mark.skipif(not backend_available(),
                                   reason="critical_points_on_Mr not available")
linux = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="fork: Linux only")


def _run_script(tmp_path, body: str, env: dict | None = None, timeout: float = 300):
    script = tmp_path / "table2_script.py"
    script.write_text(textwrap.dedent(body))
    e = dict(os.environ)
    e.update(env or {})
    return subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          timeout=timeout, cwd=tmp_path, env=e)


@linux
def test_pool_start_method_is_fork_on_linux(monkeypatch):
    import sys

    monkeypatch.delenv("DLNSCAPE_POOL_START", raising=False)
    xb = sys.modules.get("jax._src.xla_bridge")
    jax_live = bool(getattr(xb, "_backends", None))  # another test in this process used JAX
    assert pool_start_method() == ("spawn" if jax_live else "fork")
    if xb is not None:  # without a live JAX backend: fork
        monkeypatch.setattr(xb, "_backends", {})
        assert pool_start_method() == "fork"
    monkeypatch.setenv("DLNSCAPE_POOL_START", "spawn")
    assert pool_start_method() == "spawn"


@linux
@needs_backend
def test_unguarded_script_runs_table2_on_a_pool(tmp_path):
    p = _run_script(tmp_path, """
        from dlnscape.experiments.table2 import run_table2
        res = run_table2(6, seed=1, workers=2, batch=3)
        print("RESULT", len(res.results), res.n_tabulated, res.workers)
    """)
    assert p.returncode == 0, p.stderr[-3000:]
    line = [ln for ln in p.stdout.splitlines() if ln.startswith("RESULT")]
    assert line and line[0].split()[1:] == ["6", str(int(line[0].split()[2])), "2"]
    assert int(line[0].split()[2]) >= 5  # generic instances, certified


def test_unguarded_script_with_spawn_gives_a_clear_error(tmp_path):
    p = _run_script(tmp_path, """
        from tests_stub_solver import stub
        from dlnscape.experiments.table2 import run_table2
        run_table2(4, seed=1, workers=2, batch=2, solver=stub)
    """, env={"DLNSCAPE_POOL_START": "spawn",
              "PYTHONPATH": os.pathsep.join([str(os.path.dirname(__file__)),
                                             os.environ.get("PYTHONPATH", "")])},
        timeout=240)
    assert p.returncode != 0
    assert "__name__ == '__main__'" in p.stderr


def test_pool_matches_serial_with_a_stub_solver():
    from tests_stub_solver import stub

    a = run_table2(8, seed=4, workers=1, solver=stub)
    b = run_table2(8, seed=4, workers=2, batch=3, solver=stub)
    assert [r.to_dict() | {"seconds": 0} for r in a.results] == \
           [r.to_dict() | {"seconds": 0} for r in b.results]


@needs_backend
def test_enumeration_initialises_no_jax_backend(tmp_path):
    """The homotopy path never runs JAX, so a fork after it is safe (JAX's threads start
    with its first backend)."""
    p = _run_script(tmp_path, """
        import sys
        import numpy as np
        from dlnscape import DistanceLoss
        from dlnscape.algebraic import critical_points_on_Mr
        rng = np.random.default_rng(0)
        res = critical_points_on_Mr(DistanceLoss(rng.integers(-10, 11, (3, 3)),
                                                 rng.integers(-10, 11, (9, 9))), 1,
                                    backend="homotopy")
        assert res.certified and res.n_complex == 39
        xb = sys.modules.get("jax._src.xla_bridge")
        print("BACKENDS", bool(getattr(xb, "_backends", None)))
    """)
    assert p.returncode == 0, p.stderr[-3000:]
    assert "BACKENDS False" in p.stdout


@needs_backend
def test_enumeration_does_not_import_jax(tmp_path):
    p = _run_script(tmp_path, """
        import sys
        import numpy as np
        from dlnscape.losses import DistanceLoss
        from dlnscape.algebraic.solve import critical_points_on_Mr
        rng = np.random.default_rng(0)
        critical_points_on_Mr(DistanceLoss(rng.integers(-10, 11, (3, 3)),
                                           rng.integers(-10, 11, (9, 9))), 1, backend="homotopy")
        print("JAX", "jax" in sys.modules)
    """)
    assert p.returncode == 0, p.stderr[-3000:]
    assert "JAX False" in p.stdout
