"""Checks shared by the summary tests: a result reads well as str, repr and HTML."""

from __future__ import annotations

import html
import re


def _readable(obj, max_lines: int = 25) -> tuple[str, str, str]:
    """str / repr / html of obj, each checked for size and for array dumps."""
    s, r, h = str(obj), repr(obj), obj._repr_html_()
    assert len(s.splitlines()) < max_lines, s
    assert "\n" not in r and len(r) < 400, r
    assert h.lstrip().startswith("<table") and h.count("<tr>") < 80
    for text in (s, r, h):
        assert "array(" not in text and "dtype" not in text, text
    return s, r, h


def _row(text: str, label: str, value: str) -> None:
    """A ``label : value`` line of a summary."""
    pat = rf"^\s*{re.escape(label)}\s*:\s*{re.escape(value)}(\s|$|[ ,(])"
    assert re.search(pat, text, flags=re.M), f"no row {label!r} = {value!r} in\n{text}"


def _in_html(h: str, *values: str) -> None:
    for v in values:
        assert html.escape(v) in h, (v, h)
