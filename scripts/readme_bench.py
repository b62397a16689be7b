"""Rewrite README's benchmark block from the committed benchmark results, so that README's
figures are generated, never typed by hand:

    python scripts/readme_bench.py            # reads benchmarks/results/*.json

The block sits between ``<!-- bench:begin -->`` and ``<!-- bench:end -->``; it says which
commit each result was measured on (the ``commit`` / ``dirty`` fields that
``benchmarks/_util.py`` adds at run time). ``tests/report/test_readme_bench.py`` checks that
README's block equals :func:`block`. ``make bench`` writes into ``benchmarks/out/`` (ignored);
``make bench-commit`` copies a run into ``benchmarks/results/``.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"


def load(results: Path = RESULTS) -> dict[str, dict]:
    """``{name: document}`` for every ``results/NAME.json``."""
    return {p.stem: json.loads(p.read_text(encoding="utf-8"))
            for p in sorted(results.glob("*.json"))}


def recorded_in(path: Path) -> str | None:
    """The commit that last changed a results file (None without git history)."""
    import subprocess

    try:
        out = subprocess.run(["git", "log", "-1", "--format=%h", "--", str(path)], cwd=ROOT,
                             capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


def measured_on(doc: dict, path: Path | None = None) -> str:
    """The commit a result was measured on (``commit`` / ``dirty``, recorded when it ran by
    benchmarks/_util.py); for older files, the commit that added them to the repository."""
    commit = doc.get("commit")
    if commit:
        return f"`{commit}`" + (" + uncommitted changes" if doc.get("dirty") else "")
    since = recorded_in(path) if path is not None else None
    return "not recorded" + (f"; committed in `{since}`" if since else "")


def _g(x: float | None, digits: int = 3) -> str:
    return "—" if x is None else f"{x:.{digits}g}"


def _widths(ws: list[int]) -> str:
    return f"[{ws[0]}]*{len(ws)}" if len(set(ws)) == 1 else str(tuple(ws))


def derivatives(d: dict) -> list[str]:
    out = ["| widths | P | grad | HVP | dense Hessian | grad / forward |",
           "|---|---|---|---|---|---|"]
    for c in d["configs"]:
        ops = c["ops"]
        hess = _g(ops["hessian"]["ratio_ours_over_jax"], 2) if "hessian" in ops else "(not run)"
        out.append(f"| {_widths(c['widths'])} | {c['n_params']:,} | "
                   f"{_g(ops['grad']['ratio_ours_over_jax'], 2)} | "
                   f"{_g(ops['hvp']['ratio_ours_over_jax'], 2)} | {hess} | "
                   f"{_g(c['grad_over_value'], 3)} |")
    blas = d.get("environment", {}).get("blas") or {}
    if blas.get("OPENBLAS_CORETYPE"):
        out += ["", f"numpy's OpenBLAS ran the kernels forced by `OPENBLAS_CORETYPE="
                    f"{blas['OPENBLAS_CORETYPE']}` (set on the machine; JAX's XLA picks its own): "
                    "numpy's matrix products, hence these ratios, depend on it."]
    return out


def geometry(d: dict) -> list[str]:
    out = ["| family | P | Lemma 3 formula | SVD of the Jacobian | SVD / formula | ranks agree |",
           "|---|---|---|---|---|---|"]
    for r in d["rows"]:
        svd = (f"{r['svd_s']:.3g} s" if r.get("svd_s") is not None
               else f"skipped: {r.get('svd_skipped') or r.get('skipped')}")
        agree = {True: "yes", False: "**no**", None: "—"}[r.get("agree")]
        out.append(f"| {r['family']} | {r['P']:,} | {r['formula_s'] * 1e3:.3g} ms | {svd} | "
                   f"{_g(r.get('ratio_svd_over_formula'))} | {agree} |")
    return out


def _summary_rows(docs: dict) -> list[tuple[str, str, str]]:
    rows: list[tuple[str, str, str]] = []
    if "classify" in docs:
        t = docs["classify"]["total"]
        v = ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in t["verdicts"].items())
        rows.append(("classify (`bench_classify.py`)",
                     f"{t['n']:,} random critical points: {v}; **{t['undetermined']} undetermined,"
                     f" {t['verify_failures']} certificates failing `verify()`**; median "
                     f"{t['median_ms']:.2g} ms (p90 {t['p90_ms']:.2g} ms, max {t['max_ms']:.2g} ms;"
                     f" {t['median_ratio_classify_over_eigvalsh']:.2g}× the bare `eigvalsh`)",
                     "classify"))
    if "soundness" in docs:
        s = docs["soundness"]
        bs = s["by_scale"]
        wrong = sum(b["wrong"] for b in bs.values())
        und = " / ".join(f"{100 * b['undetermined_fraction']:.2g} %" for b in bs.values())
        ns = s["newton_saddles"]
        rows.append(("soundness across units (`bench_soundness.py`)",
                     f"{next(iter(bs.values()))['n']:,} points at data scales "
                     f"{', '.join(bs)}: **{wrong} wrong**, undetermined {und}; Newton-polished "
                     f"saddles: {ns['strict_saddle']}/{ns['n']} certified strict", "soundness"))
    if "algebraic" in docs:
        a = docs["algebraic"]
        phc = a.get("phc") or {}
        rows.append(("critical points on M_1 ⊂ R^{3×3} (`bench_algebraic.py`)",
                     f"{a['instances']} instances, seconds per instance: fast path "
                     f"{a['fast_path']['seconds_per_instance_wall']:.3g}, msolve "
                     f"{a['msolve']['seconds_per_instance_wall']:.3g}"
                     + (f", PHCpack {phc['seconds_per_instance_wall']:.3g}"
                        if phc.get("present") else "")
                     + f"; msolve / fast path = {a['ratio_msolve_over_fast_wall']:.3g}×",
                     "algebraic"))
    if "table2" in docs:
        t = docs["table2"]
        full = t.get("measured_full") or {}
        p = (full.get("gtest") or {}).get("pvalue")
        rows.append(("Table 2, 2,000 instances (`bench_table2.py`)",
                     f"{t['seconds_full_2_workers']:.3g} s on 2 workers"
                     + (" (extrapolated)" if t.get("full_is_extrapolated") else "")
                     + (f"; G-test against the published table p = {p:.2f}" if p is not None
                        else ""), "table2"))
    if "engine" in docs:
        e = docs["engine"]
        run = e["table1_runners"]["runners"]
        ser = run["serial"]["wall_seconds"]
        sp = ", ".join(f"{k} {ser / v['wall_seconds']:.3g}×" for k, v in run.items()
                       if k != "serial")
        t2 = e.get("table2") or {}
        rows.append(("experiment engine (`bench_engine.py`)",
                     f"{e['table1_runners']['tasks']} table1 tasks, speed-up over serial: {sp}"
                     + (f"; Table 2 through the engine and its store "
                        f"{t2['engine_store_seconds']:.3g} s" if t2 else ""), "engine"))
    if "large" in docs:
        parts = []
        for r in docs["large"]["rows"]:
            c = r.get("classify") or {}
            cs = "; ".join(f"{k.replace('_', ' ')} point → {v['verdict']} in "
                           f"{v['seconds']:.2g} s" for k, v in c.items())
            parts.append(f"{_widths(r['widths'])} (P = {r['P']:,}): {cs}")
        rows.append(("large P (`bench_large.py`)", " — ".join(parts), "large"))
    return rows


SECTIONS: tuple[tuple[str, str, Callable[[dict], list[str]]], ...] = (
    ("derivatives", "Exact derivatives (`bench_derivatives.py`): time of dlnscape / time of "
     "JAX-jit (< 1: dlnscape is faster), `SquaredLoss`, n = 100 data columns.", derivatives),
    ("geometry", "Rank of dμ (`bench_geometry.py`): `differential_rank` (Trager, Kohn & Bruna "
     "2020, Lem 3) against the SVD of the explicit Jacobian.", geometry),
)


def _path(name: str) -> Path:
    return RESULTS / f"{name}.json"


def block(docs: dict[str, dict] | None = None) -> str:
    """README's benchmark block (markers included)."""
    docs = load() if docs is None else docs
    lines = [BEGIN, "Generated from `benchmarks/results/*.json` by `scripts/readme_bench.py`. "
             "One thread per process (BLAS and XLA pinned) on a shared machine: compare the "
             "ratios measured in the same run rather than absolute times.", ""]
    for name, caption, fn in SECTIONS:
        if name in docs:
            lines += [f"{caption} Measured on: {measured_on(docs[name], _path(name))}.", "",
                      *fn(docs[name]), ""]
    rows = _summary_rows(docs)
    if rows:
        lines += ["| benchmark | result | measured on |", "|---|---|---|"]
        lines += [f"| {what} | {res} | {measured_on(docs[name], _path(name))} |"
                  for what, res, name in rows]
    lines.append(END)
    return "\n".join(lines)


def main() -> None:
    readme = ROOT / "README.md"
    text = readme.read_text(encoding="utf-8")
    a, b = text.index(BEGIN), text.index(END) + len(END)
    readme.write_text(text[:a] + block() + text[b:], encoding="utf-8")


if __name__ == "__main__":
    main()
    sys.exit(0)
