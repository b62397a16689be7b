"""Reports and exports of an experiment store.

``write_report(DIR)`` writes into ``DIR/report/``: ``report.md`` (Markdown tables and
findings), one ``<table>.csv`` per table, the family's PNG figures, and ``report.html``, one
self-contained page (tables as HTML, figures embedded as base64 PNG). ``export(DIR, fmt)``
writes one row per task (task id, key fields, status, error, seconds, result fields
flattened with dotted names; lists as JSON text) as ``DIR/tasks.parquet`` or ``tasks.csv``.
Every file is written atomically.
"""

from __future__ import annotations

import base64
import csv
import html
import io
import json
import math
import os
import tempfile
from pathlib import Path

from dlnscape.errors import DlnscapeError
from dlnscape.experiments.config import config_from_dict
from dlnscape.experiments.families import get_family
from dlnscape.experiments.families.base import Summary, Table, flatten_result
from dlnscape.experiments.store import Store, StoreStatus
from dlnscape.io import write_atomic

EXPORT_FORMATS = ("parquet", "csv")


def _config_of(st: Store):
    d = st.config_dict()
    base = d.pop("base_dir")
    d = {k: v for k, v in d.items() if v is not None}
    return config_from_dict(d, base_dir=base)


def summarize_store(directory) -> tuple[StoreStatus, Summary, dict]:
    """Status, the family's summary (figures written to ``DIR/report``) and the meta."""
    out = Path(directory) / "report"
    with Store.open(directory) as st:
        status, rows, meta = st.status(), st.rows(), st.meta()
        failures = st.failures()
        cfg = _config_of(st)
    out.mkdir(parents=True, exist_ok=True)
    summ = get_family(cfg.family).summarize(cfg, rows, out)
    if failures:
        summ.tables.append(Table("failures", f"Failed tasks (first {len(failures)})",
                                 ["task", "error", "last traceback line"],
                                 [[t, e, (tb or "").strip().splitlines()[-1:][0]
                                   if tb else ""] for t, e, tb in failures]))
    return status, summ, meta


def _cell(v) -> str:
    if isinstance(v, float):
        return "" if math.isnan(v) else f"{v:.6g}"
    return "" if v is None else str(v)


def _md_table(t: Table) -> str:
    def esc(s: str) -> str:
        return s.replace("|", "\\|")

    lines = [f"### {t.title}", "", "| " + " | ".join(esc(c) for c in t.columns) + " |",
             "|" + "---|" * len(t.columns)]
    lines += ["| " + " | ".join(esc(_cell(v)) for v in r) + " |" for r in t.rows]
    if t.note:
        lines += ["", t.note]
    return "\n".join(lines) + "\n"


def _html_table(t: Table) -> str:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in t.columns)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(_cell(v))}</td>" for v in r) + "</tr>"
                   for r in t.rows)
    note = f"<p>{html.escape(t.note)}</p>" if t.note else ""
    return (f"<h3>{html.escape(t.title)}</h3><table><thead><tr>{head}</tr></thead>"
            f"<tbody>{body}</tbody></table>{note}")


def _csv(t: Table) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(t.columns)
    w.writerows([[_cell(v) for v in r] for r in t.rows])
    return buf.getvalue()


def _status_lines(s: StoreStatus, meta: dict) -> list[str]:
    return [
        f"- family `{s.family}`, config hash `{s.config_hash}`, created by dlnscape "
        f"{s.created_by}; rows by version: {s.versions}",
        f"- tasks: {s.done} of {s.n_tasks} finished ({s.ok} ok, {s.failed} failed, "
        f"{s.remaining} remaining); {s.task_seconds:.1f} s of task time",
    ]


def write_report(directory) -> dict[str, str]:
    """Write the report files; returns their paths by kind."""
    s, summ, meta = summarize_store(directory)
    out = Path(directory) / "report"
    title = f"Experiment {meta.get('name') or s.family}: {s.family}"
    md = [f"# {title}", "", *_status_lines(s, meta), ""]
    if summ.findings:
        md += ["## Findings", "", *[f"- {f}" for f in summ.findings], ""]
    md += ["## Tables", ""]
    paths: dict[str, str] = {}
    for t in summ.tables:
        md.append(_md_table(t))
        paths[f"csv:{t.name}"] = str(write_atomic(out / f"{t.name}.csv", _csv(t)))
    if summ.figures:
        md += ["## Figures", ""]
        md += [f"![{cap}]({Path(p).name})" for cap, p in summ.figures]
    if meta.get("config_toml"):
        md += ["", "## Config", "", "```toml", meta["config_toml"].rstrip(), "```"]
    paths["markdown"] = str(write_atomic(out / "report.md", "\n".join(md) + "\n"))
    figs = []
    for cap, p in summ.figures:
        data = base64.b64encode(Path(p).read_bytes()).decode()
        figs.append(f"<figure><img alt=\"{html.escape(cap)}\" "
                    f"src=\"data:image/png;base64,{data}\"/><figcaption>{html.escape(cap)}"
                    "</figcaption></figure>")
        paths[f"png:{Path(p).stem}"] = str(p)
    status_html = "".join(f"<li>{html.escape(x[2:])}</li>" for x in _status_lines(s, meta))
    finding_html = "".join(f"<li>{html.escape(f)}</li>" for f in summ.findings)
    cfg_html = (f"<h2>Config</h2><pre>{html.escape(meta['config_toml'])}</pre>"
                if meta.get("config_toml") else "")
    page = (
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\">"
        f"<title>{html.escape(title)}</title><style>"
        "body{font-family:sans-serif;max-width:1100px;margin:2em auto;padding:0 1em}"
        "table{border-collapse:collapse;margin:1em 0;font-size:13px}"
        "td,th{border:1px solid #bbb;padding:3px 7px;text-align:right}"
        "th{background:#eee}img{max-width:100%}pre{background:#f6f6f6;padding:1em}"
        "</style></head><body>"
        f"<h1>{html.escape(title)}</h1><ul>{status_html}</ul>"
        + (f"<h2>Findings</h2><ul>{finding_html}</ul>" if finding_html else "")
        + "<h2>Tables</h2>" + "".join(_html_table(t) for t in summ.tables)
        + ("<h2>Figures</h2>" + "".join(figs) if figs else "")
        + cfg_html + "</body></html>\n")
    paths["html"] = str(write_atomic(out / "report.html", page))
    return paths


def task_records(directory) -> tuple[list[str], list[dict]]:
    """One flat record per stored task, and the union of their columns (in a stable order)."""
    with Store.open(directory) as st:
        rows = st.rows()
    recs = []
    for r in rows:
        rec = {"task_id": r.task_id}
        rec.update({f"key.{k}": v for k, v in r.key.items()})
        rec.update({"status": r.status, "error": r.error, "seconds": r.seconds})
        rec.update(flatten_result(r.result))
        recs.append(rec)
    cols: list[str] = []
    seen = set()
    for rec in recs:
        for k in rec:
            if k not in seen:
                seen.add(k)
                cols.append(k)
    return cols, recs


def export(directory, fmt: str = "parquet", path=None) -> Path:
    """Write every task as one row to ``path`` (default ``DIR/tasks.<fmt>``)."""
    if fmt not in EXPORT_FORMATS:
        raise DlnscapeError(f"format: expected one of {list(EXPORT_FORMATS)}, got {fmt!r}")
    cols, recs = task_records(directory)
    path = Path(path) if path is not None else Path(directory) / f"tasks.{fmt}"
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.DictWriter(buf, fieldnames=cols, lineterminator="\n")
        w.writeheader()
        for rec in recs:
            w.writerow({k: (json.dumps(v) if isinstance(v, (list, dict)) else v)
                        for k, v in rec.items()})
        return write_atomic(path, buf.getvalue())
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:  # pragma: no cover - pyarrow is a pinned dependency
        raise DlnscapeError("format: 'parquet' needs pyarrow; use --format csv") from None
    data = {c: [_arrow_value(rec.get(c)) for rec in recs] for c in cols}
    arrays = {}
    for c, vals in data.items():
        try:
            arrays[c] = pa.array(vals)
        except (pa.ArrowInvalid, pa.ArrowTypeError):  # mixed types: keep them as text
            arrays[c] = pa.array([None if v is None else str(v) for v in vals])
    table = pa.table(arrays)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        pq.write_table(table, tmp)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _arrow_value(v):
    if isinstance(v, (list, dict)):
        return json.dumps(v)
    return v
