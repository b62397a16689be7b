"""What a researcher expects in the repository: a license, a citation file, a changelog, a
bibliography of the source texts, and citations of papers (not of files that are not here)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

from dlnscape.report.bibliography import PAPERS, bibliography_markdown, cite

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def test_license_is_the_bsd3_that_pyproject_declares():
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert PYPROJECT["license"]["text"] == "BSD-3-Clause"
    assert text.startswith("BSD 3-Clause License")
    assert "Copyright (c) 2026, the dlnscape developers" in text
    assert "Neither the name of the copyright holder" in text  # the third clause


def test_citation_cff_is_cff_1_2_0_with_the_package_version():
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    assert cff["cff-version"] == "1.2.0"
    assert str(cff["version"]) == PYPROJECT["version"]
    assert cff["license"] == PYPROJECT["license"]["text"]
    for key in ("message", "title", "authors"):  # required by the CFF 1.2.0 schema
        assert cff[key]
    assert all("name" in a or "family-names" in a for a in cff["authors"])
    ids = {i["value"] for r in cff["references"] for i in r.get("identifiers", [])}
    assert ids == {f"arXiv:{p.arxiv}" for p in PAPERS if p.arxiv}
    for r in cff["references"]:
        assert r["type"] and r["title"] and r["authors"]


def test_changelog_has_the_released_and_the_coming_version():
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    heads = re.findall(r"^## (.+)$", text, flags=re.M)
    assert heads[0].startswith("Unreleased") and "0.2.0" in heads[0]
    assert any(h.startswith(PYPROJECT["version"]) for h in heads)


def test_bibliography_file_is_generated_from_the_module():
    assert (ROOT / "docs" / "bibliography.md").read_text(encoding="utf-8") == \
        bibliography_markdown()
    assert [p.seed for p in PAPERS] == ["000", "001", "002", "003", "004"]
    assert cite("004") == "Trager, Kohn & Bruna 2020" and cite("000") == "Hofflin 2023"
    for p in PAPERS[1:]:
        assert re.fullmatch(r"\d{4}\.\d{5}", p.arxiv), p


def test_the_atlas_seed_names_match_the_bibliography():
    from dlnscape.claims.registry import SEED_NAMES

    for p in PAPERS:  # the atlas shows 000…004 with these names; the bibliography maps them
        assert SEED_NAMES[p.seed].split(" — ")[0].split(" 20")[0] in p.key


def test_no_citation_of_files_that_are_not_in_the_repository():
    pat = re.compile(r"seed 00[0-4]|seeds 00[0-4]|claims catalog|claims_catalog|DESIGN\.md")
    hits = []
    for path in [ROOT / "README.md", *sorted((ROOT / "src" / "dlnscape").rglob("*.py"))]:
        rel = path.relative_to(ROOT).as_posix()
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if pat.search(line):
                hits.append(f"{rel}:{n}: {line.strip()}")
    assert not hits, "\n".join(hits)


def test_the_atlas_report_names_the_source_text_of_each_seed():
    from dlnscape.claims.base import ClaimResult, Status
    from dlnscape.claims.runner import AtlasRun, versions
    from dlnscape.report.atlas import atlas_document, atlas_html, atlas_markdown

    run = AtlasRun((ClaimResult("T-000-Def2.1", "000", "t", Status.AGREES, "ok"),
                    ClaimResult("T-004-Thm12", "004", "t", Status.AGREES, "ok")),
                   versions=versions())
    doc = atlas_document(run)
    md, page = atlas_markdown(doc), atlas_html(doc)
    for seed in ("000", "004"):
        p = next(q for q in PAPERS if q.seed == seed)
        assert f"Source: {p.reference()}" in md
        assert p.title.replace("“", "").split(" (")[0][:30] in page.replace("&#x27;", "'")
    assert "arXiv:1910.01671" in md and "arXiv:1910.01671" in page
