"""The atlas report: ``atlas.json`` (validated against ``data/atlas.schema.json``), ``atlas.md``
and ``index.html`` (one self-contained page: the summary, a section per seed, every figure
embedded as base64, each disagreement with its instance and the command that re-verifies it).

Everything is generated from the atlas document (the JSON), so the three files always say the
same thing; :func:`disagreements_markdown` is the list of certified disagreements that the
README should carry (generated, not written by hand).
"""

from __future__ import annotations

import base64
import html
import json
from collections.abc import Mapping
from importlib import resources
from pathlib import Path

from dlnscape.claims.base import STATUSES
from dlnscape.claims.registry import SEED_NAMES, SEEDS, load_catalog
from dlnscape.claims.runner import AtlasRun
from dlnscape.errors import DlnscapeError
from dlnscape.io import to_jsonable, write_atomic

FORMAT = "dlnscape-atlas/1"
STATUS_LABEL = {
    "agrees": "agrees",
    "certified_disagreement": "certified disagreement",
    "not_checkable": "not checkable",
    "error": "error",
}


class AtlasSchemaError(DlnscapeError, ValueError):
    """atlas.json does not validate against its schema."""


def _reference(seed: str) -> str:
    """The source text behind a seed number (docs/bibliography.md)."""
    from dlnscape.report.bibliography import BY_SEED

    p = BY_SEED.get(seed)
    return f"Source: {p.reference()}" if p is not None else ""


def atlas_schema() -> dict:
    return json.loads(resources.files("dlnscape").joinpath("data/atlas.schema.json")
                      .read_text(encoding="utf-8"))


def validate_atlas(doc: Mapping) -> None:
    """Raise :class:`AtlasSchemaError` (with the path of the first error) when ``doc`` does
    not validate against the schema."""
    try:
        import jsonschema
    except ImportError:  # pragma: no cover - a dev dependency; the CLI works without it
        return
    validator = jsonschema.Draft202012Validator(atlas_schema())
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))
    if errors:
        e = errors[0]
        where = "/".join(map(str, e.absolute_path)) or "(top)"
        raise AtlasSchemaError(f"atlas.json: {where}: {e.message} ({len(errors)} error(s))")


def atlas_document(run: AtlasRun) -> dict:
    """The atlas as a JSON-able dictionary (the content of atlas.json)."""
    cat = load_catalog()
    ids = {r.id for r in run.results}
    doc = {
        "format": FORMAT,
        "dlnscape_version": run.versions.get("dlnscape") or _package_version(),
        "versions": dict(run.versions),
        "quick": run.quick,
        "runner": run.runner,
        "workers": run.workers,
        "scheduler": run.scheduler,
        "master_seed": run.master_seed,
        "started": run.started,
        "seconds": run.seconds,
        "catalog_sha256": run.catalog_sha256,
        "selection": {"only": list(run.only), "seeds": list(run.seeds)},
        "counts": run.counts(),
        "results": [r.to_dict() for r in run.results],
        "gaps": [{"number": g.number, "title": g.title, "text": g.text,
                  "ids": [i for i in g.ids if i in ids]} for g in cat.gaps],
    }
    return to_jsonable(doc)


def _package_version() -> str:
    import dlnscape

    return str(getattr(dlnscape, "__version__", "unknown"))


# ----------------------------------------------------------------------------- Markdown
def summary_rows(doc: Mapping) -> list[tuple[str, dict]]:
    return [(s, doc["counts"][s]) for s in (*SEEDS, "all")]


def grouped_disagreements(doc: Mapping) -> list[tuple[list[str], dict]]:
    """Certified disagreements grouped by the check and summary that produced them (a check
    deciding a T-entry and its §7 check reports one finding under both IDs)."""
    groups: dict[tuple, tuple[list[str], dict]] = {}
    for r in doc["results"]:
        if r["status"] != "certified_disagreement":
            continue
        key = (r.get("check"), r["summary"])
        if key in groups:
            groups[key][0].append(r["id"])
        else:
            groups[key] = ([r["id"]], r)
    return list(groups.values())


def disagreements_markdown(doc: Mapping) -> str:
    """The certified disagreements as a Markdown list (for the README): ID, instance, how it
    is certified, and the command that re-verifies it."""
    lines = []
    for ids, r in grouped_disagreements(doc):
        inst = "; ".join(i.get("label", "") for i in r["instances"] if isinstance(i, dict)
                         and i.get("label")) or "see atlas.json"
        lines.append(f"- **{', '.join(ids)}** ({r['seed']}, {r['title']}): {r['summary']}")
        lines.append(f"  - instance: {inst}")
        for c in r["certificates"]:
            lines.append(f"  - certified by {c['kind']}: {c['how']} — re-verify: "
                         f"`{c['command']}`")
    return "\n".join(lines) + ("\n" if lines else "")


def atlas_markdown(doc: Mapping) -> str:
    mode = "quick" if doc["quick"] else "full"
    lines = [
        f"# dlnscape atlas ({mode})",
        "",
        f"dlnscape {doc['dlnscape_version']}; started {doc['started']}; "
        f"{doc['seconds']:.1f} s on {doc['workers']} worker(s) ({doc['runner']} runner); "
        f"master seed {doc['master_seed']}.",
        "Solvers and libraries: " + versions_line(doc["versions"]) + ".",
        "",
        "## Summary (catalog entries by status and seed)",
        "",
        "| seed | " + " | ".join(STATUS_LABEL[s] for s in STATUSES) + " | total |",
        "|---" * (len(STATUSES) + 2) + "|",
    ]
    for seed, c in summary_rows(doc):
        name = "**all**" if seed == "all" else seed
        lines.append(f"| {name} | " + " | ".join(str(c[s]) for s in STATUSES)
                     + f" | {sum(c.values())} |")
    lines += ["", "## Certified disagreements", "", disagreements_markdown(doc) or "(none)\n"]
    errs = [r for r in doc["results"] if r["status"] == "error"]
    if errs:
        lines += ["## Errors", ""]
        for r in errs:
            lines.append(f"- **{r['id']}**: {r['summary']}")
        lines.append("")
    for seed in SEEDS:
        rs = [r for r in doc["results"] if r["seed"] == seed]
        if not rs:
            continue
        lines += [f"## Seed {seed} — {SEED_NAMES[seed]}", "", _reference(seed), "",
                  "| ID | status | summary |", "|---|---|---|"]
        for r in rs:
            text = r["summary"].replace("|", "\\|").replace("\n", " ")
            lines.append(f"| {r['id']} | {STATUS_LABEL[r['status']]} | {text} |")
        lines.append("")
    return "\n".join(lines)


# ----------------------------------------------------------------------------- HTML
_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1d2330;
background:#f6f7f9}
header{background:#1d2b45;color:#fff;padding:18px 28px}
header h1{margin:0 0 6px;font-size:24px}
header p{margin:2px 0;font-size:13px;color:#c9d3e6}
main{padding:18px 28px;max-width:1300px}
section{background:#fff;border:1px solid #dde1e8;border-radius:8px;padding:14px 18px;
margin:0 0 18px}
h2{font-size:19px;margin:4px 0 12px}
table{border-collapse:collapse;width:100%;font-size:13px}
th,td{border-bottom:1px solid #e6e9ef;padding:6px 8px;text-align:left;vertical-align:top}
th{background:#f0f2f6}
table.summary td,table.summary th{text-align:center;font-size:15px}
table.summary td.seed{text-align:left;font-weight:600}
.badge{display:inline-block;border-radius:10px;padding:1px 8px;font-size:12px;
white-space:nowrap}
.agrees{background:#d8f3dc;color:#1b5e20}
.certified_disagreement{background:#ffd6d6;color:#8e0000;font-weight:600}
.not_checkable{background:#eceff3;color:#555}
.error{background:#fff1c2;color:#7a4f00;font-weight:600}
td.n-agrees{color:#1b5e20}td.n-certified_disagreement{color:#8e0000;font-weight:700}
td.n-error{color:#7a4f00}
code,pre{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px}
pre{background:#f3f4f7;padding:8px;overflow:auto;max-height:320px;border-radius:4px}
.cmd{background:#1d2330;color:#e8f0ff;padding:3px 7px;border-radius:4px}
img{max-width:100%;border:1px solid #e0e0e0;margin:6px 0}
figure{margin:8px 0}figcaption{font-size:12px;color:#555}
.disagreement{border-left:4px solid #c62828;padding-left:12px;margin:10px 0}
details summary{cursor:pointer;color:#2a4b8d}
.muted{color:#666;font-size:12px}
"""


def _e(x) -> str:
    return html.escape(str(x))


def versions_line(versions: Mapping) -> str:
    """``name version`` for each component present (a value that already names itself, such
    as msolve's "msolve 0.10.1", is shown once)."""
    return ", ".join(str(v) if str(v).lower().startswith(str(k).lower()) else f"{k} {v}"
                     for k, v in versions.items() if v)


def _badge(status: str) -> str:
    return f'<span class="badge {status}">{_e(STATUS_LABEL[status])}</span>'


def _img(files: Mapping[str, bytes], fig: Mapping) -> str:
    data = files.get(fig["file"])
    if data is None:
        return f'<p class="muted">figure {_e(fig["file"])} missing</p>'
    b64 = base64.b64encode(data).decode("ascii")
    return (f'<figure><img alt="{_e(fig["caption"])}" src="data:image/png;base64,{b64}">'
            f'<figcaption>{_e(fig["caption"])}</figcaption></figure>')


def _json_block(obj) -> str:
    text = json.dumps(obj, indent=1, ensure_ascii=False)
    if len(text) > 20000:
        text = text[:20000] + "\n… (truncated; the full instance is in atlas.json)"
    return f"<pre>{_e(text)}</pre>"


def _result_details(r: Mapping, files: Mapping[str, bytes]) -> str:
    parts = []
    if r["status"] == "certified_disagreement":
        parts.append('<div class="disagreement">')
        for c in r["certificates"]:
            parts.append(f'<p><b>certificate</b> ({_e(c["kind"])}, re-verified: '
                         f'{"yes" if c["verified"] else "NO"}): {_e(c["how"])}<br>'
                         f'instance: {_e(c["label"])}<br>re-verify: '
                         f'<code class="cmd">{_e(c["command"])}</code></p>')
        parts.append("</div>")
    for fig in r["figures"]:
        parts.append(_img(files, fig))
    table = r["numbers"].get("markdown") if isinstance(r["numbers"], Mapping) else None
    if isinstance(table, str) and r["figures"]:  # e.g. the reproduced Table 2, once
        parts.append(f"<pre>{_e(table)}</pre>")
    ed = r["numbers"].get("ed_degree_table_md") if isinstance(r["numbers"], Mapping) else None
    if isinstance(ed, str):  # the generic ED degrees of M_r, formula vs computed
        parts.append(f"<p><b>ED degrees of M_r</b> (formula vs computed)</p><pre>{_e(ed)}</pre>")
    if r["instances"]:
        parts.append("<details><summary>instances</summary>"
                     + _json_block(r["instances"]) + "</details>")
    if r["numbers"]:
        parts.append("<details><summary>numbers</summary>" + _json_block(r["numbers"])
                     + "</details>")
    if r.get("traceback"):
        parts.append("<details open><summary>traceback</summary><pre>"
                     + _e(r["traceback"]) + "</pre></details>")
    meta = []
    if r.get("check"):
        meta.append(f"check <code>{_e(r['check'])}</code>, {r['seconds']:.2f} s")
    if r.get("gaps"):
        meta.append("catalog gaps " + ", ".join(map(str, r["gaps"])))
    if meta:
        parts.append(f'<p class="muted">{"; ".join(meta)}</p>')
    return "".join(parts)


def atlas_html(doc: Mapping, files: Mapping[str, bytes] | None = None) -> str:
    """One self-contained page (no external resources; figures embedded as base64)."""
    files = files or {}
    mode = "quick" if doc["quick"] else "full"
    versions = _e(versions_line(doc["versions"]))
    out = [
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">",
        f"<title>dlnscape atlas ({mode})</title><style>{_CSS}</style></head><body>",
        f"<header><h1>dlnscape atlas — the five seed texts, claim by claim ({mode})</h1>",
        f"<p>dlnscape {_e(doc['dlnscape_version'])} · started {_e(doc['started'])} · "
        f"{doc['seconds']:.1f} s on {doc['workers']} worker(s) ({_e(doc['runner'])} runner) · "
        f"master seed {doc['master_seed']}</p><p>solvers and libraries: {versions}</p>"
        "</header><main>",
        '<section id="summary"><h2>Summary: catalog entries by status and seed</h2>',
        '<table class="summary" id="summary-table"><thead><tr><th>seed</th>'
        + "".join(f"<th>{_badge(s)}</th>" for s in STATUSES) + "<th>total</th></tr></thead>"
        "<tbody>",
    ]
    for seed, c in summary_rows(doc):
        label = "all" if seed == "all" else f"{seed} — {SEED_NAMES[seed]}"
        out.append(f'<tr data-seed="{seed}"><td class="seed">{_e(label)}</td>'
                   + "".join(f'<td class="count n-{s}" data-seed="{seed}" data-status="{s}">'
                             f"{c[s]}</td>" for s in STATUSES)
                   + f'<td data-seed="{seed}" data-status="total">{sum(c.values())}</td></tr>')
    out.append("</tbody></table>")
    out.append('<p class="muted"><b>agrees</b>: the computation matches the text on its own '
               "instances and on seeded random ones. <b>certified disagreement</b>: a concrete "
               "instance contradicts the text, with a certificate that was re-verified from "
               "scratch before it was reported (run the command shown to re-check it). "
               "<b>not checkable</b>: a gap of the catalog, a definition, or not yet computed "
               "(the reason is given). <b>error</b>: the check raised (traceback shown).</p>")
    dis = grouped_disagreements(doc)
    if dis:
        out.append("<h2>Certified disagreements</h2><table><thead><tr><th>ID</th><th>what"
                   "</th><th>re-verify</th></tr></thead><tbody>")
        for ids, r in dis:
            cmds = "<br>".join(f'<code class="cmd">{_e(c["command"])}</code>'
                               for c in r["certificates"][:3])
            more = len(r["certificates"]) - 3
            if more > 0:
                cmds += f'<br><span class="muted">and {more} more</span>'
            links = ", ".join(f'<a href="#{_e(_anchor(i))}">{_e(i)}</a>' for i in ids)
            out.append(f"<tr><td>{links}</td><td>{_e(r['summary'])}</td><td>{cmds}</td></tr>")
        out.append("</tbody></table>")
    out.append("</section>")
    for seed in SEEDS:
        rs = [r for r in doc["results"] if r["seed"] == seed]
        if not rs:
            continue
        out.append(f'<section id="seed-{seed}"><h2>Seed {seed} — {_e(SEED_NAMES[seed])}</h2>'
                   f'<p class="muted">{_e(_reference(seed).replace("*", ""))}</p>'
                   "<table><thead><tr><th>ID</th><th>status</th><th>claim</th><th>result</th>"
                   "</tr></thead><tbody>")
        for r in rs:
            body = _e(r["summary"]) + _result_details(r, files)
            out.append(f'<tr id="{_e(_anchor(r["id"]))}" data-status="{r["status"]}">'
                       f"<td><code>{_e(r['id'])}</code></td><td>{_badge(r['status'])}</td>"
                       f"<td>{_e(r['title'])}</td><td>{body}</td></tr>")
        out.append("</tbody></table></section>")
    if doc.get("gaps"):
        out.append('<section id="gaps"><h2>Catalog §8: gaps (stated but not numerically '
                   "checkable)</h2><table><thead><tr><th>gap</th><th>why</th><th>entries</th>"
                   "</tr></thead><tbody>")
        for g in doc["gaps"]:
            out.append(f"<tr><td>{g['number']}</td><td><b>{_e(g['title'])}</b>. "
                       f"{_e(g.get('text', ''))}</td><td>{_e(', '.join(g['ids']))}</td></tr>")
        out.append("</tbody></table></section>")
    out.append("</main></body></html>")
    return "\n".join(out)


def _anchor(cid: str) -> str:
    return "id-" + "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in cid)


def write_atlas(run: AtlasRun, out_dir: str | Path) -> dict[str, str]:
    """Write figures, certificates, atlas.json (validated), atlas.md and index.html into
    ``out_dir``, each file atomically. Returns the paths written (by role)."""
    out = Path(out_dir)
    doc = atlas_document(run)
    validate_atlas(doc)
    for rel, data in sorted(run.files.items()):
        if ".." in Path(rel).parts or Path(rel).is_absolute():
            raise DlnscapeError(f"atlas: refusing to write outside {out}: {rel}")
        write_atomic(out / rel, data)
    paths = {
        "json": str(write_atomic(out / "atlas.json", json.dumps(doc, indent=1,
                                                               ensure_ascii=False))),
        "markdown": str(write_atomic(out / "atlas.md", atlas_markdown(doc))),
        "html": str(write_atomic(out / "index.html", atlas_html(doc, run.files))),
    }
    return paths


def load_atlas(path: str | Path) -> dict:
    """Read and validate an atlas.json."""
    p = Path(path)
    if not p.exists():
        raise DlnscapeError(f"atlas: {p} does not exist")
    doc = json.loads(p.read_text(encoding="utf-8"))
    validate_atlas(doc)
    return doc
