"""README's benchmark figures are generated from benchmarks/results/*.json
(scripts/readme_bench.py) and say which commit each was measured on; ``make bench`` writes to
an ignored folder and stamps every result with its commit."""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _module(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod


BENCH = _module(ROOT / "scripts" / "readme_bench.py", "readme_bench")


def _readme_block() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    a, b = text.index(BENCH.BEGIN), text.index(BENCH.END) + len(BENCH.END)
    return text[a:b]


def test_readme_block_is_the_generated_one():
    assert _readme_block() == BENCH.block(), \
        "README's benchmark block is stale: run `python scripts/readme_bench.py`"


def test_block_figures_come_from_the_json():
    docs = BENCH.load()
    block = _readme_block()
    t = docs["classify"]["total"]
    assert f"median {t['median_ms']:.2g} ms" in block
    a = docs["algebraic"]
    assert f"msolve / fast path = {a['ratio_msolve_over_fast_wall']:.3g}×" in block
    for r in docs["geometry"]["rows"]:
        if r.get("svd_s") is not None:
            assert f"| {r['family']} | {r['P']:,} | " in block and f"{r['svd_s']:.3g} s" in block
        else:
            assert f"skipped: {r['svd_skipped']}" in block
    c = docs["derivatives"]["configs"][0]
    assert f"| {c['ops']['grad']['ratio_ours_over_jax']:.2g} |" in block
    # every result the block shows says what it was measured on
    shown = [name for name, _cap, _fn in BENCH.SECTIONS if name in docs]
    shown += [name for _what, _res, name in BENCH._summary_rows(docs)]
    assert len(shown) >= 8
    for name in shown:
        stamp = BENCH.measured_on(docs[name], BENCH._path(name))
        assert re.search(r"not recorded|`[0-9a-f]{7,}`", stamp) and stamp in block, name


def test_measured_on_reads_the_commit_fields():
    assert BENCH.measured_on({"commit": "abc1234", "dirty": False}) == "`abc1234`"
    assert BENCH.measured_on({"commit": "abc1234", "dirty": True}) == \
        "`abc1234` + uncommitted changes"
    assert BENCH.measured_on({}).startswith("not recorded")


@pytest.fixture(scope="module")
def util():
    return _module(ROOT / "benchmarks" / "_util.py", "bench_util_under_test")


def test_bench_output_is_ignored_and_apart_from_committed_results(util):
    assert util.RESULTS_DIR != util.COMMITTED_DIR
    out = subprocess.run(["git", "check-ignore", "-q", "benchmarks/out/derivatives.json"],
                         cwd=ROOT, check=False)
    assert out.returncode == 0, "benchmarks/out/ must be ignored by git"
    make = (ROOT / "Makefile").read_text(encoding="utf-8")
    bench = make.split("\nbench:", 1)[1].split("\n\n", 1)[0]
    assert "--out benchmarks/out" in bench and "results" not in bench
    assert "\nbench-commit:" in make


def test_provenance_stamp_and_commit(util, tmp_path, monkeypatch):
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                          text=True, check=False).stdout.strip()
    prov = util.provenance()
    assert prov["commit"] == head and isinstance(prov["dirty"], bool)
    p = tmp_path / "x.json"
    p.write_text(json.dumps({"a": 1}))
    doc = util.stamp(p, {"commit": "abc1234", "dirty": True})
    assert doc == {"a": 1, "commit": "abc1234", "dirty": True} == json.loads(p.read_text())
    assert util.stamp(p, {"commit": "zzz", "dirty": False})["commit"] == "abc1234"  # kept
    q = util.write_result(tmp_path / "sub" / "y.json", {"b": 2})
    assert json.loads(q.read_text())["commit"] == head
    # --commit-only copies a run into the committed folder
    run_all = _module(ROOT / "benchmarks" / "run_all.py", "bench_run_all_under_test")
    committed = tmp_path / "results"
    committed.mkdir()
    monkeypatch.setattr(run_all._util, "COMMITTED_DIR", committed)
    assert run_all.main(["--commit-only", "--out", str(tmp_path / "sub")]) == 0
    assert json.loads((committed / "y.json").read_text())["b"] == 2
    assert run_all.main(["--commit-only", "--out", str(tmp_path / "empty")]) == 1
