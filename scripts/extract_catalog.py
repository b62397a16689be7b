#!/usr/bin/env python3
"""Extract the claims catalog's IDs into ``src/dlnscape/data/catalog.json`` (run once, by hand).

    python scripts/extract_catalog.py [CATALOG.md] [-o src/dlnscape/data/catalog.json]

The package never reads the catalog at run time: the atlas reads the JSON this script writes.
What is extracted, per entry:

* sections 1–5: every ``**T-00s-Name …**`` entry → ``id`` (``T-004-Thm12``), ``seed``, ``title``
  (the parenthesised title when there is one), ``statement`` (the entry's text, shortened),
  ``computable`` (whether the catalog says what to compute), ``kind`` (``entry`` or, for
  notation and pure definitions with nothing to compute, ``definition``);
* section 7: every executable check ``N. [tag] …`` → ``id`` ``check-N``, the seed of its tag,
  ``refs`` (the T-IDs its tag names);
* section 8: every gap → ``gaps`` (number, title, text, the IDs it names); each entry lists the
  gaps that name it in ``gaps``.

An entry that names two IDs (``T-004-Exp1 … and T-004-Tab2``) gives two entries with the same
text. The output is deterministic (sorted keys within entries, catalog order of entries).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SOURCE = ROOT.parent / "shared" / "claims_catalog.md"
DEFAULT_OUT = ROOT / "src" / "dlnscape" / "data" / "catalog.json"

SECTION_SEEDS = {"1": "000", "2": "001", "3": "002", "4": "003", "5": "004"}
ENTRY_RE = re.compile(r"^\*\*(T-(\d{3})-.+?)\*\*(.*)$")
ID_RE = re.compile(r"T-\d{3}-[^\s*]+")
CHECK_RE = re.compile(r"^(\d+)\. \[([^\]]+)\]\s*(.*)$")
GAP_RE = re.compile(r"^(\d+)\. \*\*(.+?)\*\*\s*(.*)$")
#: notation, settings and definitions: nothing to compute unless the catalog says so
DEFINITION_HINTS = ("Def", "Notation", "Setup", "Model", "Crit", "Sec2.1", "Eq9", "Defs",
                    "Assumptions", "Eq(Z)", "Ex-FFNN", "Eq13/Eq14", "Eq11/Eq12", "A6", "Sec5",
                    "Sec4", "Eq1", "Eq3", "Eq6")
#: check tags whose T-ID cannot be read off the tag mechanically
TAG_ALIASES = {
    "000-§3.2 data": ["T-000-Sec3.2-CE"],
    "000-§3.2 gradient": ["T-000-Sec3.2-CE"],
    "000-Thm3.1 Hessian": ["T-000-Thm3.1"],
    "000-Thm3.1 cubic form": ["T-000-Thm3.1"],
    "000-Claim3.3, x = y = 0": ["T-000-Claim3.3"],
    "000-Claim3.3, x or y ≠ 0": ["T-000-Claim3.3"],
    "000-Thm3.2 title": ["T-000-Thm3.2"],
    "000-rank identity": ["T-000-Fact-rankAB"],
    "001-Intro-CE": ["T-001-Intro-CE"],
    "001-AppC data": ["T-001-AppC-CE2"],
    "001-AppC local minimality": ["T-001-AppC-CE2"],
    "001-§2 example": ["T-001-Sec2-Ex"],
    "001-δ = O(ε)": ["T-001-Sec3-Perturbation"],
    "001-Thm5 ≡ LKB": ["T-001-Thm5", "T-000-Prop2.2"],
    "001-Ex2/Ex3": ["T-001-Ex2", "T-001-Ex3"],
    "002-Cor2.4 proof": ["T-002-Cor2.4"],
    "002-Cor2.4, H = 1": ["T-002-Cor2.4"],
    "002-Cor2.4, H ≥ 2": ["T-002-Cor2.4"],
    "002-Lem4.4/Cor4.5/Lem4.6": ["T-002-Lem4.4", "T-002-Cor4.5", "T-002-Lem4.6"],
    "002-A7": ["T-002-AppA7"],
    "002-C.1 ±": ["T-002-Cor2.4"],
    "003-Prop1/Cor1": ["T-003-Prop1", "T-003-Cor1"],
    "003-Eq8/9/17/18": ["T-003-Eq8/Eq9", "T-003-Eq17/Eq18"],
    "003-Thm4/5/6": ["T-003-Thm4", "T-003-Thm5", "T-003-Thm6"],
    "003-§3.2 qualitative": ["T-003-Sec3.2-qualitative"],
    "004-Thm5, rank r": ["T-004-Thm5"],
    "004-Thm5, rank < r": ["T-004-Thm5"],
    "004-Prop10/Table1/Fig3": ["T-004-Prop10", "T-004-Abstract/Table1", "T-004-Fig3"],
    "004-§3.3": ["T-004-Sec3.3-reduction"],
    "004-Thm12/30": ["T-004-Thm12", "T-004-Thm30"],
    "004-Exp1/Tab2, statistical": ["T-004-Exp1", "T-004-Tab2"],
    "004-Tab2 arithmetic": ["T-004-Tab2"],
    "004-A2 discriminant": ["T-004-A2-ED"],
    "004-Def1/Lem2": ["T-004-Def1", "T-004-Lem2"],
    "cross: local⟹1": ["T-000-Thm3.3", "T-000-Thm3.4", "T-004-Prop9", "T-004-Prop10"],
    "cross: squared loss, rank-deficient Y": ["T-001-Thm12", "T-004-Sec3.3-reduction",
                                              "T-002-Thm2.3"],
    "000-Thm2.2/2.3 (LvB)": ["T-000-Thm2.2", "T-000-Thm2.3"],
    "001-Lem10 / 004-Thm4": ["T-001-Lem10", "T-004-Thm4"],
    "000-Thm3.5 / 001-Prop4": ["T-000-Thm3.5", "T-001-Prop4"],
}
#: the seed of a cross-seed check (the text whose claims it tests first)
CROSS_SEEDS = {"cross: local⟹1": "000", "cross: squared loss, rank-deficient Y": "001"}
#: gaps whose wording names entries without their T- prefix
GAP_EXTRA = {
    2: ["T-000-Claim3.3", "T-000-Thm3.3", "T-001-Intro-CE", "T-001-Thm12", "T-001-AppC-CE2"],
    3: ["T-001-Sec2-Defs", "T-001-Thm5", "T-001-PropB18"],
    4: ["T-004-A5"],
    5: ["T-004-Thm12", "T-004-A2-ED"],
    6: ["T-004-Exp1", "T-004-Tab2"],
    7: ["T-003-Thm2", "T-003-Thm3", "T-003-Thm4", "T-003-Thm5", "T-003-Thm6"],
    8: ["T-002-Cor3.2"],
    9: ["T-001-Ex-FFNN", "T-001-Eq11/Eq12", "T-002-Prop2.1", "T-002-Conj2.2"],
    11: ["T-001-Thm12"],
    12: ["T-000-Sec4", "T-000-Sec5", "T-004-A3", "T-002-Sec2.3-remarks",
         "T-003-Sec3.2-qualitative"],
    14: ["T-002-Sec2.3-remarks"],
    15: ["T-001-Thm8", "T-004-CT"],
}


def shorten(text: str, limit: int = 1200) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def parse_sections(lines: list[str]) -> dict[str, list[str]]:
    sections: dict[str, list[str]] = {}
    current = None
    for line in lines:
        m = re.match(r"^## (\d+)\. ", line)
        if m:
            current = m.group(1)
            sections[current] = []
            continue
        if current is not None:
            sections[current].append(line)
    return sections


def parse_entries(sections: dict[str, list[str]]) -> list[dict]:
    out: list[dict] = []
    for sec, seed in SECTION_SEEDS.items():
        block: list[tuple[str, list[str]]] = []
        for line in sections[sec]:
            if ENTRY_RE.match(line):
                block.append((line, []))
            elif block:
                if line.startswith("---"):
                    continue
                block[-1][1].append(line)
        for head, body in block:
            m = ENTRY_RE.match(head)
            assert m is not None
            inside, rest = m.group(1), m.group(3)
            ids = [i.rstrip(".") for i in ID_RE.findall(inside)]
            first = ids[0]
            title_part = inside[len(first):].strip().rstrip(".")
            paren = re.match(r"^\((.*)\)\s*(.*)$", title_part)
            title = paren.group(1) if paren else title_part
            title = re.sub(r"\s+and\s+T-\d{3}-\S+$", "", title).strip()
            text = "\n".join([rest.strip()] + body).strip()
            computable = "Computable" in text or "Executable check" in text
            is_def = (not computable) and any(h in first for h in DEFINITION_HINTS)
            for eid in ids:
                out.append({
                    "id": eid,
                    "seed": seed,
                    "section": sec,
                    "kind": "definition" if is_def else "entry",
                    "title": title or eid,
                    "statement": shorten(text),
                    "computable": computable,
                    "gaps": [],
                    "checks": [],
                })
    return out


def resolve_tag(tag: str, known: set[str]) -> list[str]:
    if tag in TAG_ALIASES:
        return [t for t in TAG_ALIASES[tag] if t in known]
    refs: list[str] = []
    for part in re.split(r"\s*/\s*(?=\d{3}-)", tag):
        m = re.match(r"^(\d{3})-(.+)$", part.strip())
        if not m:
            continue
        seed, rest = m.groups()
        names = rest.split("/")
        prefix = re.match(r"^([A-Za-z]+)", names[0])
        for k, name in enumerate(names):
            if k > 0 and prefix and name[:1].isdigit():
                name = prefix.group(1) + name
            for cand in (f"T-{seed}-{name}", f"T-{seed}-{re.sub(r'[(,].*$', '', name)}"):
                if cand in known and cand not in refs:
                    refs.append(cand)
                    break
    return refs


def parse_checks(lines: list[str], known: set[str]) -> list[dict]:
    out: list[dict] = []
    cur: dict | None = None
    for line in lines:
        m = CHECK_RE.match(line)
        if m:
            n, tag, text = m.groups()
            seedm = re.match(r"^(\d{3})-", tag)
            seed = seedm.group(1) if seedm else CROSS_SEEDS.get(tag, "000")
            cur = {"id": f"check-{int(n)}", "number": int(n), "seed": seed, "section": "7",
                   "kind": "check", "tag": tag, "title": f"[{tag}] " + shorten(text, 160),
                   "statement": text.strip(), "refs": resolve_tag(tag, known),
                   "computable": True, "gaps": []}
            out.append(cur)
        elif cur is not None and line.strip() and not line.startswith("---"):
            cur["statement"] += "\n" + line.strip()
    for c in out:
        c["statement"] = shorten(c["statement"])
    return out


def expand_gap_ids(text: str, known: set[str]) -> list[str]:
    """T-IDs a gap names, including the shorthand 'T-000-Def2.6, Prop2.2, Thm3.2–3.4'."""
    found: list[str] = []
    for m in re.finditer(r"T-(\d{3})-([^;)]*)", text):
        seed, tail = m.groups()
        for k, tok in enumerate(re.split(r",\s*", tail)):
            tok = tok.strip().rstrip(".")
            name = re.match(r"^([A-Za-z][\w.\-–()/]*?)(?:\s|$|\()", tok + " ")
            if not name:
                continue
            base = name.group(1).rstrip(".")
            if k > 0 and not re.match(r"^(Def|Prop|Thm|Lem|Cor|Ex|Claim|Fig|Rem|A\d|Sec|Eq|App)",
                                      base):
                break
            rng = re.match(r"^([A-Za-z]+)(\d+)\.(\d+)[–-](\d+)\.(\d+)$", base)
            names = ([f"{rng.group(1)}{rng.group(2)}.{i}"
                      for i in range(int(rng.group(3)), int(rng.group(5)) + 1)]
                     if rng and rng.group(2) == rng.group(4) else [base])
            for nm in names:
                cand = f"T-{seed}-{nm}"
                if cand in known and cand not in found:
                    found.append(cand)
    return found


def parse_gaps(lines: list[str], known: set[str]) -> list[dict]:
    gaps: list[dict] = []
    for line in lines:
        m = GAP_RE.match(line)
        if m:
            n, title, text = m.groups()
            gaps.append({"number": int(n), "title": title.strip().rstrip("."),
                         "text": text.strip()})
        elif gaps and line.strip():
            gaps[-1]["text"] += "\n" + line.strip()
    for g in gaps:
        ids = expand_gap_ids(g["title"] + " " + g["text"], known)
        for extra in GAP_EXTRA.get(g["number"], []):
            if extra in known and extra not in ids:
                ids.append(extra)
        g["ids"] = ids
        g["text"] = shorten(g["text"], 1500)
    return gaps


def build(source: Path) -> dict:
    raw = source.read_text(encoding="utf-8")
    sections = parse_sections(raw.splitlines())
    entries = parse_entries(sections)
    known = {e["id"] for e in entries}
    if len(known) != len(entries):
        dup = sorted({e["id"] for e in entries if sum(x["id"] == e["id"] for x in entries) > 1})
        raise SystemExit(f"duplicate IDs in the catalog: {dup}")
    checks = parse_checks(sections["7"], known)
    gaps = parse_gaps(sections["8"], known)
    by_id = {e["id"]: e for e in entries}
    for c in checks:
        for ref in c["refs"]:
            by_id[ref]["checks"].append(c["id"])
    for g in gaps:
        for i in g["ids"]:
            by_id[i]["gaps"].append(g["number"])
    return {
        "source": "claims_catalog.md",
        "source_sha256": hashlib.sha256(raw.encode("utf-8")).hexdigest(),
        "generator": "scripts/extract_catalog.py",
        "entries": entries + checks,
        "gaps": gaps,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("source", nargs="?", type=Path, default=DEFAULT_SOURCE)
    ap.add_argument("-o", "--out", type=Path, default=DEFAULT_OUT)
    args = ap.parse_args(argv)
    if not args.source.exists():
        print(f"error: source: {args.source} does not exist", file=sys.stderr)
        return 2
    doc = build(args.source)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.out.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(args.out)
    n_t = sum(e["kind"] != "check" for e in doc["entries"])
    n_c = sum(e["kind"] == "check" for e in doc["entries"])
    print(f"wrote {args.out}: {n_t} entries, {n_c} executable checks, {len(doc['gaps'])} gaps")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
