"""What a family is: task keys, one pure task, a summary (tables, figures, findings)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel

from dlnscape.experiments.config import ExperimentConfig, resolve_ref
from dlnscape.io import to_jsonable
from dlnscape.report.summary import Summary as _Summary
from dlnscape.report.summary import (
    SummaryTable,
    summary_html_method,
    summary_repr,
    summary_str,
)


@dataclass(frozen=True)
class Row:
    """One finished task as the store holds it."""

    task_id: int
    key: dict
    status: str  # "ok" | "error"
    result: dict | None
    error: str | None
    seconds: float


@dataclass
class Table:
    """A report table: written as Markdown, CSV (``name.csv``) and HTML."""

    name: str
    title: str
    columns: list[str]
    rows: list[list[Any]]
    note: str = ""

    def _summary(self) -> _Summary:
        return _Summary(f"Table {self.name!r}: {self.title}",
                        (("rows", len(self.rows)), ("columns", len(self.columns)),
                         ("note", self.note or None)),
                        SummaryTable(tuple(map(str, self.columns)), tuple(map(tuple, self.rows))),
                        brief=("rows", "columns"))

    __str__ = summary_str
    __repr__ = summary_repr
    _repr_html_ = summary_html_method


@dataclass
class Summary:
    tables: list[Table] = field(default_factory=list)
    figures: list[tuple[str, Path]] = field(default_factory=list)  # (caption, PNG path)
    findings: list[str] = field(default_factory=list)  # Markdown bullet texts

    def _summary(self) -> _Summary:
        rows = [("tables", ", ".join(f"{t.name} ({len(t.rows)} rows)" for t in self.tables)
                 or None), ("figures", ", ".join(str(p) for _, p in self.figures) or None),
                ("findings", len(self.findings))]
        rows += [(f"finding {i + 1}", f) for i, f in enumerate(self.findings[:5])]
        return _Summary(f"experiment summary: {len(self.tables)} table(s), {len(self.figures)} "
                        f"figure(s), {len(self.findings)} finding(s)", tuple(rows),
                        brief=("tables", "findings"))

    __str__ = summary_str
    __repr__ = summary_repr
    _repr_html_ = summary_html_method


@dataclass
class TaskContext:
    """What an extra ``module:function`` analysis receives (and returns a JSON-able dict)."""

    config: ExperimentConfig
    task_id: int
    key: dict
    rng: np.random.Generator
    landscape: Any = None
    theta: Any = None
    result: dict = field(default_factory=dict)


class Family:
    """Base class of the built-in families (see the module docstrings of each)."""

    name: str = ""
    title: str = ""
    params_model: type[BaseModel]
    sections: frozenset[str] = frozenset()
    required_sections: frozenset[str] = frozenset()
    analyses: tuple[str, ...] = ()
    default_analyses: tuple[str, ...] = ()
    #: a task's typical cost is small: batch this many tasks per unit of work by default
    batch_hint: int = 8

    def validate(self, cfg: ExperimentConfig) -> None:
        """Checks across sections (raise SpecError('params.key: …'))."""

    def check_runtime(self, cfg: ExperimentConfig) -> None:
        """Checks before a run starts (e.g. a solver backend is present)."""

    def task_keys(self, cfg: ExperimentConfig) -> list[dict]:
        raise NotImplementedError

    def run_task(self, cfg: ExperimentConfig, task_id: int, key: dict) -> dict:
        raise NotImplementedError

    def run_batch(self, cfg: ExperimentConfig, items: Sequence[tuple[int, dict]]
                  ) -> list[tuple[dict, float]] | None:
        """Several tasks at once (results and per-task seconds), or None: one by one."""
        return None

    def summarize(self, cfg: ExperimentConfig, rows: list[Row], fig_dir: Path) -> Summary:
        return generic_summary(rows)

    # helpers for subclasses
    def run_extra_analyses(self, ctx: TaskContext) -> dict:
        out = {}
        for a in ctx.config.analyses:
            if ":" in a:
                out[a] = to_jsonable(resolve_ref(a, "analyses")(ctx))
        return out


def generic_summary(rows: list[Row]) -> Summary:
    """Counts per status and, for every scalar result field, mean/min/max or value counts."""
    ok = [r for r in rows if r.status == "ok" and r.result is not None]
    t = Table("tasks", "Tasks", ["status", "count"],
              [[s, c] for s, c in sorted(Counter(r.status for r in rows).items())])
    num: dict[str, list[float]] = {}
    cat: dict[str, Counter] = {}
    for r in ok:
        for k, v in _flat(r.result).items():
            if isinstance(v, bool) or isinstance(v, str) or v is None:
                cat.setdefault(k, Counter())[json.dumps(v)] += 1
            elif isinstance(v, (int, float)):
                num.setdefault(k, []).append(float(v))
    tables = [t]
    if num:
        tables.append(Table("numeric_fields", "Numeric result fields",
                            ["field", "n", "mean", "min", "max"],
                            [[k, len(v), float(np.mean(v)), min(v), max(v)]
                             for k, v in sorted(num.items())]))
    if cat:
        tables.append(Table("categorical_fields", "Other result fields (value: count)",
                            ["field", "values"],
                            [[k, ", ".join(f"{v}: {c}" for v, c in cnt.most_common(8))]
                             for k, cnt in sorted(cat.items())]))
    return Summary(tables=tables)


def _flat(d: dict, prefix: str = "") -> dict:
    out = {}
    for k, v in d.items():
        name = f"{prefix}{k}"
        if isinstance(v, dict):
            out.update(_flat(v, name + "."))
        elif not isinstance(v, list):
            out[name] = v
    return out


def flatten_result(d: dict | None) -> dict:
    """Result fields flattened with dotted names; lists become JSON strings (for export)."""
    if d is None:
        return {}
    out = {}
    for k, v in d.items():
        if isinstance(v, dict):
            out.update({f"{k}.{kk}": vv for kk, vv in flatten_result(v).items()})
        elif isinstance(v, list):
            out[k] = json.dumps(v)
        else:
            out[k] = v
    return out
