"""Each check of the registry on its own instances (quick parameters), through the same
functions the atlas runs: the status of every ID it decides, and the numbers behind the
findings. A change of a status here is a change of what dlnscape says about a seed text."""

from __future__ import annotations

import json
import re

import pytest

from dlnscape.claims import Context, Status, build_registry, execute_check
from dlnscape.claims.base import verify_certificate_text

A, D, N = "agrees", "certified_disagreement", "not_checkable"
from _expected_000 import EXPECTED as _E000  # noqa: E402
from _expected_001 import EXPECTED as _E001  # noqa: E402
from _expected_002 import EXPECTED as _E002  # noqa: E402
from _expected_003 import EXPECTED as _E003  # noqa: E402
from _expected_004 import EXPECTED as _E004  # noqa: E402

#: what the quick atlas says about every ID that has a check (one file per seed module)
EXPECTED = {**_E000, **_E001, **_E002, **_E003, **_E004}

REG = build_registry()


def _run(cid: str) -> dict:
    out = execute_check(REG.check_for(cid), quick=True, registry=REG)
    return {r["id"]: r for r in out.results}, out.files


def test_expected_table_covers_every_check():
    assert {i for c in REG.checks for i in c.ids} == set(EXPECTED)


@pytest.mark.parametrize("key", [
    pytest.param(c.key, marks=pytest.mark.slow) if c.cost >= 10 else c.key for c in REG.checks])
def test_check_statuses_and_certificates(key):
    check = REG.check_by_key(key)
    out = execute_check(check, quick=True, registry=REG)
    for r in out.results:
        assert r["status"] == EXPECTED[r["id"]], (r["id"], r["summary"], r.get("traceback"))
        assert r["summary"] and r["seconds"] >= 0
        if r["status"] == D:
            assert r["certificates"] and all(c["verified"] for c in r["certificates"])
            for c in r["certificates"]:
                assert c["command"].startswith(("dlnscape verify certificates/",
                                                "dlnscape atlas --verify certificates/"))
                ok, _ = verify_certificate_text(out.files[c["file"]].decode())
                assert ok
    for path, data in out.files.items():
        assert re.fullmatch(r"(figures/[A-Za-z0-9._-]+\.png|certificates/[A-Za-z0-9._-]+\.json)",
                            path), path  # the schema's file patterns
        if path.endswith(".png"):
            assert data.startswith(b"\x89PNG")
        else:
            json.loads(data)


def test_001_intro_numbers_and_hand_witness():
    rs, _ = _run("T-001-Intro-CE")
    n = rs["T-001-Intro-CE"]["numbers"]
    assert n["loss_at_point"] == 0.5 and n["max_abs_gradient"] == 0.0
    assert all(v < 0.5 for v in n["hand_witness_loss"].values())
    assert n["verdict"] == "degenerate_saddle" and n["hessian_inertia"][0] == 0


def test_001_appc_printed_values_all_reproduced():
    rs, _ = _run("check-19")
    assert all(rs["check-19"]["numbers"]["facts"].values())


def test_000_claim33_huge_c_is_certified_in_exact_arithmetic():
    from dlnscape.claims import seed_000

    out = seed_000.claim33_not_a_local_minimum(
        Context("T-000-Claim3.3"), zs=(0.1,), cs=(1e6,), others=((1, 0, 0, 1.0),),
        huge_c=False)
    r6 = out["check-6"]
    assert r6.status is Status.CERTIFIED_DISAGREEMENT
    assert r6.numbers["check6"][0]["arithmetic"] == "exact"
    assert all(c.verify()[0] for c in r6.certificates)
    # c = 1e+06 in a name: figure and certificate names stay file-name safe
    assert all(re.fullmatch(r"[A-Za-z0-9._-]+\.png", f.name) for f in r6.figures)
    assert all(re.fullmatch(r"[A-Za-z0-9._-]+", c.name) for c in r6.certificates)


def test_000_thm31_hessian_never_zero_and_check5_three_critical():
    rs, _ = _run("T-000-Thm3.1")
    nums = rs["check-4"]["numbers"]
    assert nums["hessian_zero_count"] == 0
    assert nums["check5"]["order"] == 3 and nums["check5"]["exact"]


def test_002_c1_hessian_blocks_and_minus_formula():
    rs, _ = _run("check-42")
    pts = rs["check-42"]["numbers"]["C1_points"]
    assert pts["H=2, W_H+1 random"]["hessian_zero"] is False
    assert pts["H=3, W_H+1 random"]["hessian_zero"] is True
    assert pts["H=2, W_H+1 zero"]["hessian_zero"] is True
    rs, _ = _run("check-49")
    ex = rs["check-49"]["numbers"]["exact"]
    assert ex["loss"] == ex["half_trYY_plus_3trSigma"] != ex["text_value"]


def test_003_prop1_printed_value_is_twice_the_minimum():
    rs, _ = _run("T-003-Prop1")
    assert rs["T-003-Prop1"]["numbers"]["exact"]["printed_over_minimum"] == "2"


def test_004_ct_and_prop16_exact_numbers():
    rs, _ = _run("T-004-CT")
    ct = rs["T-004-CT"]["numbers"]["3x3"]
    assert (ct["literal_reading"], ct["projective_reading"]) == ("284", "39")
    # the atlas shows the ED-degree table: computed without the formula, 39 for 3×3 (Ex 13)
    table = rs["T-004-CT"]["numbers"]["ed_degree_table"]
    e33 = [e for e in table["entries"] if (e["m"], e["n"]) == (3, 3)]
    assert [e["computed"] for e in e33] == [39, 39]
    assert all(e["certified_lower_bound"] == e["computed"] for e in table["entries"])
    rs, _ = _run("T-004-Prop16")
    p = rs["T-004-Prop16"]["numbers"]
    assert (p["printed"]["rank_dmu"], p["printed"]["dim_T_W_M_e"]) == (16, 8)
    assert p["excess"] == p["(r − e)(d_0 − e)"] == 8
    assert p["e_column_variant"]["rank_dmu"] == 8


def test_004_table2_small_run_through_the_check():
    from dlnscape.claims import seed_004

    out = seed_004.experiment1_table2(Context("T-004-Exp1"), instances=30)
    r = out["T-004-Exp1"]
    assert r.status is Status.AGREES and r.numbers["tabulated"] == 30
    assert r.numbers["gtest"]["pvalue"] > 0.01 and r.numbers["all_real_counts_odd"]
    assert out["T-004-Fig3"].figures[0].png.startswith(b"\x89PNG")


def test_a_certificate_that_does_not_reverify_turns_the_result_into_error():
    from dataclasses import replace

    from dlnscape.claims import claim
    from dlnscape.claims.base import disagrees
    from dlnscape.claims.seed_001 import intro_counterexample

    real = intro_counterexample(Context("T-001-Intro-CE"))
    cert = real.certificates[0]
    data = json.loads(cert.text)
    data["spec"]["loss"]["Y"] = [[0.0, 0.0], [0.0, 0.0]]  # Y = 0: the point is a global minimum
    bad = replace(cert, text=json.dumps(data))

    @claim("T-001-Intro-CE")
    def tampered(ctx):
        return disagrees("tampered", certificates=[bad])

    out = execute_check(tampered, quick=True, registry=REG)
    r = out.results[0]
    assert r["status"] == "error" and "did not re-verify" in r["summary"]
    assert r["certificates"][0]["verified"] is False and r["traceback"]
