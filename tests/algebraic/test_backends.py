"""The backend interface of critical_points_on_Mr: one table, dispatch through it, availability
with reasons, and no import cycle (nor private names) between the algebraic modules."""

from __future__ import annotations

import ast
import pathlib

import numpy as np
import pytest

import dlnscape.algebraic as alg
from dlnscape import DistanceLoss
from dlnscape.algebraic import solve as sv
from dlnscape.algebraic.backend import Backend, BackendBase
from dlnscape.algebraic.ed_degree import backend_available, backend_unavailable
from dlnscape.algebraic.result import empty_result
from dlnscape.errors import LossError, SolverError

ALGEBRAIC = pathlib.Path(alg.__file__).parent


def test_the_table_holds_every_backend_under_its_name():
    assert set(sv.BACKENDS) == {"auto", "msolve", "homotopy", "phc"}
    for name, b in sv.BACKENDS.items():
        assert isinstance(b, Backend) and b.name == name
        assert sv.get_backend(name) is b
    with pytest.raises(SolverError, match="backend: expected one of .*'auto'.*got 'bertini'"):
        sv.get_backend("bertini")
    with pytest.raises(SolverError, match="backend"):
        sv.critical_points_on_Mr(DistanceLoss(np.eye(2)), 1, backend="bertini")


def test_critical_points_on_Mr_dispatches_through_the_table(monkeypatch):
    calls = []

    class Fake(BackendBase):
        name = "msolve"

        def solve(self, loss, r, *, rng=0, timeout=600.0, cache_dir=None):
            calls.append((loss, r, rng, timeout, cache_dir))
            return empty_result(loss, r, "fake", "0", 0.0, "fake answer")

    monkeypatch.setitem(sv.BACKENDS, "msolve", Fake())
    loss = DistanceLoss(np.diag([3.0, 1.0]))
    res = sv.critical_points_on_Mr(loss, 1, backend="msolve", rng=5, timeout=7.0,
                                   cache_dir="c")
    assert res.backend == "fake" and calls == [(loss, 1, 5, 7.0, "c")]
    many = sv.critical_points_on_Mr_many([loss, DistanceLoss(np.ones((2, 3)))], 1, "msolve")
    assert [m.shape for m in many] == [(2, 2), (2, 3)] and len(calls) == 3
    # the loss and the rank are validated before any backend runs
    with pytest.raises(LossError, match="r: expected an integer rank"):
        sv.critical_points_on_Mr(loss, 1.5, backend="msolve")
    assert len(calls) == 3


def test_availability_says_why(monkeypatch, tmp_path):
    monkeypatch.setenv("DLNSCAPE_MSOLVE", str(tmp_path / "no-msolve"))
    why = backend_unavailable("msolve")
    assert why is not None and "DLNSCAPE_MSOLVE" in why
    assert not backend_available("msolve") and not backend_available("auto")
    assert "msolve" in backend_unavailable("homotopy")
    with pytest.raises(SolverError, match="backend: expected one of"):
        backend_available("bertini")


def _imports(path: pathlib.Path) -> set[str]:
    out = set()
    for n in ast.walk(ast.parse(path.read_text())):
        if isinstance(n, ast.ImportFrom) and n.module and n.module.startswith("dlnscape"):
            if n.module == "dlnscape.algebraic":
                out |= {f"dlnscape.algebraic.{a.name}" for a in n.names}
            else:
                out.add(n.module)
    return out


def test_no_import_cycle_between_algebraic_modules_lazy_imports_included():
    mods = {f"dlnscape.algebraic.{p.stem}": _imports(p) for p in ALGEBRAIC.glob("*.py")
            if p.stem != "__init__"}
    graph = {m: {d for d in deps if d in mods and d != m} for m, deps in mods.items()}
    state: dict[str, int] = {}

    def visit(m, path):
        state[m] = 1
        for d in graph[m]:
            assert state.get(d) != 1, f"import cycle: {' → '.join(path + [d])}"
            if d not in state:
                visit(d, path + [d])
        state[m] = 2

    for m in graph:
        if m not in state:
            visit(m, [m])
    assert "dlnscape.algebraic.solve" not in graph["dlnscape.algebraic.phc"]


def test_no_private_names_imported_across_algebraic_modules():
    bad = []
    for p in ALGEBRAIC.glob("*.py"):
        for n in ast.walk(ast.parse(p.read_text())):
            if isinstance(n, ast.ImportFrom) and n.module and n.module.startswith("dlnscape"):
                bad += [f"{p.name}: {n.module}.{a.name}" for a in n.names
                        if a.name.startswith("_")]
    assert not bad
