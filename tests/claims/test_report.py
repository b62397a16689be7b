"""The atlas run and report: atlas.json against its schema, the self-contained HTML page in
headless Chromium (screenshot non-blank, summary counts equal to the JSON's), a check forced to
raise, the CLI (progress, summary, --verify, errors), and the process-pool and Dask runners."""

from __future__ import annotations

import copy
import json
import re
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from dlnscape.claims import Status, run_atlas
from dlnscape.cli import app
from dlnscape.report.atlas import (
    AtlasSchemaError,
    atlas_document,
    load_atlas,
    validate_atlas,
    write_atlas,
)

#: cheap checks covering every status but error, a classification and a recomputation
#: certificate, figures, and three seeds
SMALL = ["T-004-CT", "T-001-Intro-CE", "T-004-Lem3", "T-000-Sec3.2-CE", "T-002-Prop3.1",
         "T-004-Crit"]


@pytest.fixture(scope="module")
def small_atlas(tmp_path_factory):
    out = tmp_path_factory.mktemp("atlas")
    run = run_atlas(only=SMALL, workers=1, out_label=str(out))
    paths = write_atlas(run, out)
    return run, out, paths


def test_atlas_json_validates_and_has_versions(small_atlas):
    run, out, paths = small_atlas
    doc = load_atlas(paths["json"])  # validates against the schema
    assert doc["dlnscape_version"] and doc["versions"]["msolve"] is not None
    assert doc["versions"]["numpy"] and doc["versions"]["python-flint"]
    ids = [r["id"] for r in doc["results"]]
    # the IDs asked for and those their checks decide, in catalog order
    assert set(SMALL) <= set(ids) and "check-72" in ids and "check-17" in ids
    st = {r["id"]: r["status"] for r in doc["results"]}
    assert st["T-004-CT"] == "certified_disagreement" and st["T-004-Lem3"] == "agrees"
    assert st["T-002-Prop3.1"] == "not_checkable" and st["T-004-Crit"] == "not_checkable"
    counts = doc["counts"]
    assert sum(counts["all"].values()) == len(ids)
    assert sum(sum(counts[s].values()) for s in ("000", "001", "002", "003", "004")) == len(ids)
    for r in doc["results"]:
        for c in r["certificates"]:
            assert (out / c["file"]).exists() and c["command"].endswith(c["file"])
        for f in r["figures"]:
            assert (out / f["file"]).read_bytes().startswith(b"\x89PNG")
    assert Path(paths["markdown"]).read_text().startswith("# dlnscape atlas")


def test_schema_rejects_broken_documents(small_atlas):
    run, _, _ = small_atlas
    doc = atlas_document(run)
    validate_atlas(doc)
    bad = copy.deepcopy(doc)
    r = next(r for r in bad["results"] if r["status"] == "certified_disagreement")
    r["certificates"][0]["verified"] = False
    with pytest.raises(AtlasSchemaError, match="results/"):
        validate_atlas(bad)
    bad = copy.deepcopy(doc)
    bad["results"][0]["status"] = "maybe"
    with pytest.raises(AtlasSchemaError):
        validate_atlas(bad)
    bad = copy.deepcopy(doc)
    del bad["versions"]["msolve"]
    with pytest.raises(AtlasSchemaError, match="msolve"):
        validate_atlas(bad)
    bad = copy.deepcopy(doc)
    r = next(r for r in bad["results"] if r["status"] == "not_checkable")
    r["reason"] = None
    with pytest.raises(AtlasSchemaError):
        validate_atlas(bad)


def test_html_is_self_contained_with_embedded_figures(small_atlas):
    run, out, paths = small_atlas
    html = Path(paths["html"]).read_text()
    assert "<img" in html and "data:image/png;base64," in html
    assert not re.search(r"""(src|href)=["']?(https?:|//|file:)""", html)
    assert "<script" not in html and "<link" not in html
    n_figs = sum(len(r.figures) for r in run.results)
    assert html.count("data:image/png;base64,") >= len({f["file"] for r in run.results
                                                        for f in r.figures}) > 0 < n_figs
    for r in run.disagreements:  # each disagreement with its re-verify command
        for c in r.certificates:
            assert c["command"] in html


def _summary_counts_from_dom(dom: str) -> dict:
    cells = re.findall(r'<td[^>]*data-seed="([^"]+)"[^>]*data-status="([^"]+)"[^>]*>(\d+)</td>',
                       dom)
    out: dict = {}
    for seed, status, n in cells:
        out.setdefault(seed, {})[status] = int(n)
    return out


def test_page_in_headless_chromium_screenshot_and_counts(small_atlas, tmp_path):
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("chromium is not installed (Debian package `chromium`; `make test` "
                    "installs it with apt when run as root)")
    _, out, paths = small_atlas
    url = Path(paths["html"]).resolve().as_uri()
    flags = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
             "--no-first-run", f"--user-data-dir={tmp_path / 'profile'}"]
    shot = tmp_path / "shot.png"
    subprocess.run([*flags, "--window-size=1280,900", f"--screenshot={shot}", url],
                   check=True, capture_output=True, timeout=120)
    import matplotlib.image as mpimg

    img = mpimg.imread(shot)
    assert img.shape[0] == 900 and img.shape[1] == 1280
    rgb = img[..., :3].reshape(-1, 3)
    assert rgb.std() > 0.05  # not blank
    colors = np.unique((rgb * 255).astype(np.uint8), axis=0)
    assert len(colors) > 50
    dom = subprocess.run([*flags, "--dump-dom", url], check=True, capture_output=True,
                         text=True, timeout=120).stdout
    page = _summary_counts_from_dom(dom)
    doc = json.loads(Path(paths["json"]).read_text())
    for seed, by_status in doc["counts"].items():
        for status, n in by_status.items():
            assert page[seed][status] == n, (seed, status)
        assert page[seed]["total"] == sum(by_status.values())


def test_a_check_that_raises_is_an_error_and_the_rest_completes(monkeypatch, tmp_path):
    from dlnscape.claims import seed_004

    def boom(ctx, **params):
        raise RuntimeError("forced failure")

    patched = tuple(replace(c, func=boom) if "T-004-Lem3" in c.ids else c
                    for c in seed_004.CHECKS)
    monkeypatch.setattr(seed_004, "CHECKS", patched)
    run = run_atlas(only=["T-004-Lem3", "T-004-CT", "T-004-Ex19"], workers=1)
    st = {r.id: r for r in run.results}
    assert st["T-004-Lem3"].status is Status.ERROR and st["check-57"].status is Status.ERROR
    assert "RuntimeError: forced failure" in st["T-004-Lem3"].traceback
    assert st["T-004-CT"].status is Status.CERTIFIED_DISAGREEMENT
    assert st["T-004-Ex19"].status is Status.AGREES
    assert run.counts()["all"]["error"] == 2
    paths = write_atlas(run, tmp_path)  # an error result validates and is shown
    html = Path(paths["html"]).read_text()
    assert "forced failure" in html and "error" in html
    assert load_atlas(paths["json"])["counts"]["004"]["error"] == 2


def test_cli_atlas_summary_verify_and_errors(tmp_path):
    runner = CliRunner()
    out = tmp_path / "a"
    res = runner.invoke(app, ["atlas", "--only", "T-004-CT,T-004-Prop16", "--workers", "1",
                              "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "certified_disagreement" in res.output and "index.html" in res.output
    assert "re-verify: dlnscape atlas --verify" in res.output
    cert = out / "certificates" / "T-004-CT--literal.json"
    ok = runner.invoke(app, ["atlas", "--verify", str(cert)])
    assert ok.exit_code == 0 and "OK" in ok.output
    data = json.loads(cert.read_text())
    data["instance"]["text_value"] = 284  # now the text would be right: the check must fail
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data))
    assert runner.invoke(app, ["atlas", "--verify", str(bad)]).exit_code == 1
    for args, what in ((["--only", "T-004-Thm99"], "--only"),
                       (["--seed-text", "007"], "--seed-text"),
                       (["--workers", "0"], "--workers"),
                       (["--verify", str(tmp_path / "missing.json")], "--verify")):
        r = runner.invoke(app, ["atlas", *args, "--out", str(tmp_path / "x")])
        assert r.exit_code == 2 and "error:" in r.output and what in r.output, r.output


def test_cli_classification_certificate_reverifies_with_dlnscape_verify(tmp_path):
    runner = CliRunner()
    res = runner.invoke(app, ["atlas", "--only", "T-001-Intro-CE", "--workers", "1",
                              "--out", str(tmp_path)])
    assert res.exit_code == 0, res.output
    cert = tmp_path / "certificates" / "T-001-Intro-CE--intro.json"
    assert f"re-verify: dlnscape verify {cert}\n" in res.output  # never wrapped
    v = runner.invoke(app, ["verify", str(cert)])
    assert v.exit_code == 0 and "supported" in v.output
    assert runner.invoke(app, ["atlas", "--verify", str(cert)]).exit_code == 0


def _comparable(run):
    return {r.id: (r.status.value, r.summary, json.dumps(r.numbers, sort_keys=True))
            for r in run.results}


def test_engine_process_runner_and_own_pool_give_the_serial_atlas():
    ids = ["T-004-Ex19", "T-004-CT", "T-000-Cor3.1"]
    serial = run_atlas(only=ids, workers=1, engine=False)
    pool = run_atlas(only=ids, workers=2)  # through dlnscape.experiments
    own = run_atlas(only=ids, workers=2, engine=False)
    assert (serial.runner, pool.runner, own.runner) == ("serial", "engine:process", "process")
    assert _comparable(pool) == _comparable(serial) == _comparable(own)
    assert set(pool.files) == set(serial.files) == set(own.files)
    assert pool.files == serial.files


def test_engine_store_resumes_finished_checks(tmp_path, monkeypatch):
    from dlnscape.claims import runner as runner_mod

    ids = ["T-004-Ex19", "T-004-CT"]
    # the fingerprint of dlnscape's source is part of the store's key; pin it so that a file
    # edited elsewhere between the two runs (a shared work tree) cannot change it
    monkeypatch.setattr(runner_mod, "claims_fingerprint", lambda: "pinned")
    first = run_atlas(only=ids, workers=1, store=tmp_path)
    assert first.runner == "engine:serial"
    calls = []
    real = runner_mod.run_check_task
    monkeypatch.setattr(runner_mod, "run_check_task",
                        lambda *a, **k: calls.append(a) or real(*a, **k))
    again = run_atlas(only=ids, workers=1, store=tmp_path)
    assert calls == []  # every check came from the store
    assert _comparable(again) == _comparable(first) and again.files == first.files
    monkeypatch.setattr(runner_mod, "claims_fingerprint", lambda: "other code")
    run_atlas(only=ids, workers=1, store=tmp_path)
    assert len(calls) == len(ids)  # changed code: recomputed, in a store of its own


def test_dask_scheduler_gives_the_serial_atlas():
    distributed = pytest.importorskip("distributed")
    ids = ["T-004-Ex19", "T-004-CT"]
    serial = run_atlas(only=ids, workers=1)
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster:
        dask = run_atlas(only=ids, scheduler=cluster.scheduler_address)
    assert dask.runner == "engine:dask"
    assert _comparable(dask) == _comparable(serial)
