"""The catalog (data/catalog.json) and the registry: every ID decided exactly once."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

from dlnscape.claims import Status, build_registry, claim, load_catalog
from dlnscape.claims.base import agrees
from dlnscape.claims.registry import SEEDS, ClaimsError
from dlnscape.claims.runner import not_checkable_result

ROOT = Path(__file__).resolve().parents[2]
CATALOG_MD = ROOT.parent / "shared" / "claims_catalog.md"


def test_catalog_has_every_section_and_gap():
    cat = load_catalog()
    ids = cat.ids
    assert len(ids) == len(set(ids))
    t_ids = [i for i in ids if i.startswith("T-")]
    checks = [i for i in ids if i.startswith("check-")]
    assert len(t_ids) == 163 and len(checks) == 83
    assert {cat.entry(i).seed for i in ids} == set(SEEDS)
    assert "T-004-Thm12" in ids and "T-004-Exp1" in ids and "T-004-Tab2" in ids
    assert [g.number for g in cat.gaps] == list(range(1, 16))
    for g in cat.gaps:
        for i in g.ids:
            assert i in ids and g.number in cat.entry(i).gaps
    # §7 tags resolve to the entries they test
    assert cat.entry("check-69").refs == ("T-004-Thm12", "T-004-Thm30")
    assert "check-42" in cat.entry("T-002-Cor2.4").checks


@pytest.mark.skipif(not CATALOG_MD.exists(), reason="../shared/claims_catalog.md is absent")
def test_extract_script_reproduces_the_shipped_catalog(tmp_path):
    spec = importlib.util.spec_from_file_location("extract_catalog",
                                                  ROOT / "scripts" / "extract_catalog.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules["extract_catalog"] = mod
    spec.loader.exec_module(mod)
    out = tmp_path / "catalog.json"
    assert mod.main([str(CATALOG_MD), "-o", str(out)]) == 0
    shipped = ROOT / "src" / "dlnscape" / "data" / "catalog.json"
    assert json.loads(out.read_text()) == json.loads(shipped.read_text())


def test_every_catalog_id_is_checked_or_has_a_reason():
    reg = build_registry()
    checks, nc = reg.select()
    covered = {i for c in checks for i in c.ids} | set(nc)
    assert covered == set(reg.catalog.ids)
    assert len(covered) == len(reg.catalog.ids)
    for cid in nc:
        why = reg.reason(cid)
        assert why and len(why) > 10
        e = reg.catalog.entry(cid)
        if e.gaps and cid not in reg.reasons:
            assert why.startswith(f"Gaps {e.gaps[0]}:"), why  # quotes the gap number
        r = not_checkable_result(reg, cid, True)
        assert r.status is Status.NOT_CHECKABLE and r.reason == why


def test_gap_entries_quote_their_gap_and_unbuilt_ones_say_so():
    reg = build_registry()
    assert reg.reason("T-002-Prop3.1").startswith("Gaps 8:")
    assert reg.reason("T-000-Sec5").startswith("Gaps 12:")
    assert reg.reason("check-76").startswith("(not yet computed:")
    assert "definition" in reg.reason("T-004-Crit")


def test_selection_by_id_and_seed_and_bad_input():
    reg = build_registry()
    checks, nc = reg.select(["T-004-Thm12"])
    assert [c.ids for c in checks] == [("T-004-Thm12", "T-004-Thm30", "check-69")] and not nc
    checks, nc = reg.select(seeds=["003"])
    assert all(reg.catalog.entry(i).seed == "003" for c in checks for i in c.ids
               if i in reg.catalog.ids and reg.catalog.entry(i).seed == "003")
    assert all(reg.catalog.entry(i).seed == "003" for i in nc)
    with pytest.raises(ClaimsError, match="T-004-Thm12"):
        reg.select(["T-004-Thm121"])  # close match suggested
    with pytest.raises(ClaimsError, match="--seed-text"):
        reg.select(seeds=["005"])


def test_registry_refuses_unknown_and_doubly_decided_ids():
    @claim("T-004-Lem3")
    def one(ctx):
        return agrees("x")

    @claim("T-004-Lem3", "check-57")
    def two(ctx):
        return agrees("x")

    @claim("T-009-Nope")
    def bad(ctx):
        return agrees("x")

    class M:
        __name__ = "fake"

    m1, m2, m3 = M(), M(), M()
    m1.CHECKS, m2.CHECKS, m3.CHECKS = (one,), (two,), (bad,)
    with pytest.raises(ClaimsError, match="decided twice"):
        build_registry([m1, m2])
    with pytest.raises(ClaimsError, match="not a catalog ID"):
        build_registry([m3])
    m4 = M()
    m4.CHECKS, m4.NOT_CHECKABLE = (one,), {"T-004-Lem3": "why"}
    with pytest.raises(ClaimsError, match="both checked"):
        build_registry([m4])
