"""Figures (matplotlib, Agg), Markdown/JSON reports of experiments, and the short summaries
(``str`` / ``repr`` / ``_repr_html_``) of every result object (:mod:`dlnscape.report.summary`).

The names below are loaded on first use, so that low-level modules (the result classes of
:mod:`dlnscape.algebraic`, :mod:`dlnscape.critical`, …) can import
:mod:`dlnscape.report.summary` without importing the experiments behind Table 2.
"""

from __future__ import annotations

import importlib

_LAZY = {
    "table2_bubble_plot": "dlnscape.report.figures",
    "table2_markdown": "dlnscape.report.table2",
    "write_table2_outputs": "dlnscape.report.table2",
}

__all__: list[str] = sorted(_LAZY)


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'dlnscape.report' has no attribute {name!r}")
