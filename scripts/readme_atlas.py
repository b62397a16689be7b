"""Rewrite README's atlas block (counts by status and seed, and every certified disagreement)
from an atlas.json, so that the README's list of findings is generated, never typed by hand.

    python scripts/readme_atlas.py atlas/atlas.json   # after dlnscape atlas --quick --out atlas

The block sits between ``<!-- atlas:begin -->`` and ``<!-- atlas:end -->``;
``tests/claims/test_readme_atlas.py`` checks it against the statuses the checks are tested to give.
"""

from __future__ import annotations

import sys
from pathlib import Path

from dlnscape.io import write_atomic
from dlnscape.report.atlas import (
    STATUS_LABEL,
    STATUSES,
    disagreements_markdown,
    load_atlas,
    summary_rows,
)

BEGIN, END = "<!-- atlas:begin -->", "<!-- atlas:end -->"


def block(doc) -> str:
    head = "| seed | " + " | ".join(STATUS_LABEL[s] for s in STATUSES) + " | total |"
    lines = [BEGIN, f"Generated from a `dlnscape atlas{' --quick' if doc['quick'] else ''}` run "
             f"(dlnscape {doc['dlnscape_version']}) by `scripts/readme_atlas.py`.", "", head,
             "|---" * (len(STATUSES) + 2) + "|"]
    for seed, c in summary_rows(doc):
        lines.append(f"| {seed} | " + " | ".join(str(c.get(s, 0)) for s in STATUSES)
                     + f" | {sum(c.get(s, 0) for s in STATUSES)} |")
    lines += ["", "Certified disagreements (each re-verified before it was reported):", "",
              disagreements_markdown(doc).rstrip(), END]
    return "\n".join(lines)


def main(path: str) -> None:
    readme = Path(__file__).resolve().parents[1] / "README.md"
    text = readme.read_text(encoding="utf-8")
    a, b = text.index(BEGIN), text.index(END) + len(END)
    write_atomic(readme, (text[:a] + block(load_atlas(path)) + text[b:]).encode("utf-8"))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "atlas/atlas.json")
