"""Short summaries of result objects: ``str`` (a few lines for a terminal), ``repr`` (one line,
no arrays) and ``_repr_html_`` (a small table for Jupyter), in the spirit of scipy's
``OptimizeResult`` and HomotopyContinuation.jl's result summary.

One implementation for every result class. A class describes itself by a ``_summary()`` method
returning a :class:`Summary` (a title, labelled rows, optionally a table) and takes the three
methods from here in its body::

    def _summary(self) -> Summary:
        return Summary("EDDegree 39 (certified)", (("shape", self.shape), ...))

    __str__ = summary_str
    __repr__ = summary_repr
    _repr_html_ = summary_html_method

(assigned in the class body, so ``@dataclass`` keeps them instead of generating its own repr).
Values are formatted by :func:`format_value`: numbers to a few significant digits, small
matrices entry by entry, large arrays by their shape — never a full array dump.

This module imports nothing from dlnscape (every module may use it).
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

#: a matrix with at most this many rows and columns is shown entry by entry
MATRIX_MAX = 6
#: a vector with at most this many entries is shown entry by entry
VECTOR_MAX = 12
#: a text value longer than this is cut (the full text stays in the object and its to_dict)
TEXT_MAX = 160
#: table rows shown by ``str`` (``_repr_html_`` shows up to HTML_ROWS)
TEXT_ROWS = 8
HTML_ROWS = 50

Row = tuple[str, Any]


@dataclass(frozen=True)
class SummaryTable:
    """Column headers and rows (cells are formatted by :func:`format_value`)."""

    headers: tuple[str, ...]
    rows: tuple[tuple, ...]
    title: str = ""
    #: ``str`` shows the first ``text_columns`` columns only (None: all); HTML shows all
    text_columns: int | None = None


@dataclass(frozen=True)
class Summary:
    """What ``str``, ``repr`` and ``_repr_html_`` show of a result.

    ``brief`` names the rows that ``repr`` shows (default: the first four scalar rows)."""

    title: str
    rows: tuple[Row, ...]
    table: SummaryTable | None = None
    brief: tuple[str, ...] = field(default=())


# ------------------------------------------------------------------------------ formatting
def format_number(x: Any, digits: int = 6) -> str:
    """An int as is, a float to ``digits`` significant digits, a complex as ``a+bj``."""
    if isinstance(x, (bool, np.bool_)):
        return str(bool(x))
    if isinstance(x, (int, np.integer)):
        return str(int(x))
    if isinstance(x, (complex, np.complexfloating)):
        return f"{complex(x).real:.{digits}g}{complex(x).imag:+.{digits}g}j"
    return f"{float(x):.{digits}g}"


def format_matrix(A: np.ndarray, digits: int = 4) -> list[str]:
    """A small matrix as aligned text lines ``[ a  b ]`` (one line per row)."""
    A = np.atleast_2d(np.asarray(A))
    cells = [[format_number(v, digits) for v in row] for row in A]
    width = max((len(c) for row in cells for c in row), default=1)
    return ["[ " + "  ".join(c.rjust(width) for c in row) + " ]" for row in cells]


def format_value(v: Any, digits: int = 6) -> str:
    """One value as text (possibly several lines for a small matrix); never an array dump."""
    if v is None:
        return "—"
    if isinstance(v, str):
        return v if len(v) <= TEXT_MAX else v[: TEXT_MAX - 1] + "…"
    if isinstance(v, (bool, np.bool_, int, float, complex, np.number)):
        return format_number(v, digits)
    if isinstance(v, np.ndarray) or (isinstance(v, (list, tuple)) and v
                                     and all(isinstance(x, (int, float, np.number)) for x in v)):
        a = np.asarray(v)
        if a.ndim == 0:
            return format_number(a.item(), digits)
        if a.ndim == 1 and a.size <= VECTOR_MAX:
            return "[" + ", ".join(format_number(x, 4) for x in a) + "]"
        if a.ndim == 2 and max(a.shape) <= MATRIX_MAX:
            return "\n".join(format_matrix(a))
        shape = "×".join(str(s) for s in a.shape)
        if a.size and np.issubdtype(a.dtype, np.number) and not np.iscomplexobj(a):
            lo, hi = format_number(a.min(), 4), format_number(a.max(), 4)
            return f"{shape} array, min {lo}, max {hi}"
        return f"{shape} array"
    if isinstance(v, dict):
        return format_value(", ".join(f"{k}: {format_value(x, 4)}" for k, x in v.items()), digits)
    if isinstance(v, (list, tuple)):
        return format_value(", ".join(format_value(x, 4) for x in v), digits)
    return format_value(str(v), digits)


def _brief_value(v: Any) -> str | None:
    """A one-line value for ``repr`` (None: not shown there)."""
    if isinstance(v, np.ndarray):
        return f"<{'×'.join(str(s) for s in v.shape)} array>"
    if isinstance(v, str):
        return repr(v) if len(v) <= 60 else None
    s = format_value(v, 6)
    return None if "\n" in s or len(s) > 60 else s


# ------------------------------------------------------------------------------ layouts
def _table_lines(table: SummaryTable, max_rows: int) -> list[str]:
    k = table.text_columns
    headers = table.headers[:k]
    cells = [[format_value(c, 5).replace("\n", " ") for c in row[:k]] for row in table.rows]
    shown = cells[:max_rows]
    widths = [max([len(h)] + [len(r[j]) for r in shown]) for j, h in enumerate(headers)]
    out = [f"  {table.title}"] if table.title else []
    out.append("  " + "  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)))
    out += ["  " + "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in shown]
    if len(cells) > max_rows:
        out.append(f"  … {len(cells) - max_rows} more row(s)")
    return out


def summary_text(title: str, rows: Iterable[Row], table: SummaryTable | None = None,
                 max_rows: int = TEXT_ROWS) -> str:
    """The title, then ``label : value`` lines (labels aligned), then the table if any."""
    rows = list(rows)
    width = max((len(k) for k, _ in rows), default=0)
    lines = [title]
    for k, v in rows:
        first, *rest = format_value(v).split("\n")
        lines.append(f"  {k.ljust(width)} : {first}")
        lines += [" " * (width + 5) + r for r in rest]
    if table is not None and table.rows:
        lines += _table_lines(table, max_rows)
    return "\n".join(lines)


def _html_cell(v: Any) -> str:
    s = format_value(v)
    if "\n" in s:
        return f"<pre style='margin:0'>{html.escape(s)}</pre>"
    return html.escape(s)


def summary_html(title: str, rows: Iterable[Row], table: SummaryTable | None = None,
                 max_rows: int = HTML_ROWS) -> str:
    """A small HTML table: a caption, one row per label, then the table if any."""
    body = "".join(f"<tr><th style='text-align:left'>{html.escape(k)}</th>"
                   f"<td style='text-align:left'>{_html_cell(v)}</td></tr>" for k, v in rows)
    out = (f"<table class='dlnscape-summary'><caption style='text-align:left'>"
           f"<b>{html.escape(title)}</b></caption>{body}</table>")
    if table is not None and table.rows:
        head = "".join(f"<th>{html.escape(h)}</th>" for h in table.headers)
        trs = "".join("<tr>" + "".join(f"<td>{_html_cell(c)}</td>" for c in row) + "</tr>"
                      for row in table.rows[:max_rows])
        more = (f"<p>… {len(table.rows) - max_rows} more row(s)</p>"
                if len(table.rows) > max_rows else "")
        cap = (f"<caption style='text-align:left'>{html.escape(table.title)}</caption>"
               if table.title else "")
        out += f"<table class='dlnscape-summary-table'>{cap}<tr>{head}</tr>{trs}</table>{more}"
    return out


def summary_repr_line(name: str, rows: Sequence[Row], brief: Sequence[str] = ()) -> str:
    """``Name(label=value, …)`` from the rows named in ``brief`` (default: four scalar rows)."""
    chosen = [(k, v) for k, v in rows if k in brief] if brief else list(rows)
    parts = []
    for k, v in chosen:
        s = _brief_value(v)
        if s is not None:
            parts.append(f"{k.replace(' ', '_')}={s}")
        if not brief and len(parts) == 4:
            break
    return f"{name}({', '.join(parts)})"


# ------------------------------------------------------------------------------ the methods
def summary_str(self) -> str:
    """``__str__`` of a class with ``_summary()``."""
    s = self._summary()
    return summary_text(s.title, s.rows, s.table)


def summary_repr(self) -> str:
    """``__repr__`` of a class with ``_summary()``: one line, no arrays."""
    s = self._summary()
    return summary_repr_line(type(self).__name__, s.rows, s.brief)


def summary_html_method(self) -> str:
    """``_repr_html_`` of a class with ``_summary()``."""
    s = self._summary()
    return summary_html(s.title, s.rows, s.table)


def shapes_repr(self) -> str:
    """``__repr__`` of a dataclass holding arrays (a loss): ``Name(X=<3×6>, c=0.5)`` — arrays
    by their shape, scalars by value, other fields by their type."""
    from dataclasses import fields

    parts = []
    for f in fields(self):
        if not f.repr:
            continue
        v = getattr(self, f.name)
        if isinstance(v, np.ndarray) or hasattr(v, "shape") and hasattr(v, "dtype"):
            parts.append(f"{f.name}=<{'×'.join(str(s) for s in np.shape(v))}>")
        elif v is None or isinstance(v, (bool, int, float, str, np.number)):
            parts.append(f"{f.name}={v!r}")
        elif callable(v):
            parts.append(f"{f.name}={getattr(v, '__name__', type(v).__name__)}")
        else:
            parts.append(f"{f.name}=<{type(v).__name__}>")
    return f"{type(self).__name__}({', '.join(parts)})"
