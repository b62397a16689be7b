"""The catalog (``data/catalog.json``) and the registry of checks keyed by its IDs.

The registry is built from the explicit lists of the seed modules (``CHECKS`` and, optionally,
``NOT_CHECKABLE``: ID → reason); nothing registers itself at import time. Every catalog ID
gets exactly one of: a check, an explicit reason, or a default reason derived from the catalog
(the gaps that name it, "definition or notation", or "not yet computed: …").
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from types import ModuleType

from dlnscape.claims.base import Check
from dlnscape.errors import DlnscapeError

SEEDS = ("000", "001", "002", "003", "004")
SEED_NAMES = {
    "000": "Hofflin 2023 — “local ⟹ 1” for the matrix-multiplication lift",
    "001": "Nouiehed & Razaviyayn — critical points and local openness",
    "002": "Kawaguchi 2016 — deep learning without poor local minima",
    "003": "Zhou & Liang — gradient dominance and regularity conditions",
    "004": "Trager, Kohn & Bruna 2020 — pure and spurious critical points",
}
#: where the checks still missing for each seed are being written
PLANNED = {
    "000": "dlnscape.texts.hofflin",
    "001": "dlnscape.texts.nouiehed_razaviyayn",
    "002": "dlnscape.texts.kawaguchi",
    "003": "dlnscape.conditions",
    "004": "dlnscape.texts.trager",
}


class ClaimsError(DlnscapeError, ValueError):
    """An unknown catalog ID or seed, or an inconsistent registry."""


@dataclass(frozen=True)
class CatalogEntry:
    id: str
    seed: str
    section: str
    kind: str  # entry | definition | check
    title: str
    statement: str
    computable: bool
    gaps: tuple[int, ...] = ()
    refs: tuple[str, ...] = ()  # for checks: the T-IDs of the check's tag
    checks: tuple[str, ...] = ()  # for entries: the §7 checks that name it


@dataclass(frozen=True)
class Gap:
    number: int
    title: str
    text: str
    ids: tuple[str, ...]


@dataclass(frozen=True)
class Catalog:
    entries: tuple[CatalogEntry, ...]
    gaps: tuple[Gap, ...]
    source_sha256: str

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(e.id for e in self.entries)

    def entry(self, cid: str) -> CatalogEntry:
        for e in self.entries:
            if e.id == cid:
                return e
        raise ClaimsError(_unknown_id_message(cid, self.ids))

    def gap(self, n: int) -> Gap:
        for g in self.gaps:
            if g.number == n:
                return g
        raise ClaimsError(f"gap: no gap number {n} in the catalog")


def _unknown_id_message(cid: str, known: Sequence[str]) -> str:
    import difflib

    close = difflib.get_close_matches(cid, known, n=3, cutoff=0.6)
    hint = f" (did you mean {', '.join(close)}?)" if close else ""
    return (f"--only: {cid!r} is not a catalog ID{hint}; IDs look like T-004-Thm12 "
            "(sections 1–5) or check-69 (section 7)")


def load_catalog() -> Catalog:
    """The catalog shipped with the package (``dlnscape/data/catalog.json``)."""
    raw = json.loads(resources.files("dlnscape").joinpath("data/catalog.json").read_text(
        encoding="utf-8"))
    entries = tuple(
        CatalogEntry(e["id"], e["seed"], e["section"], e["kind"], e["title"], e["statement"],
                     bool(e["computable"]), tuple(e.get("gaps") or ()),
                     tuple(e.get("refs") or ()), tuple(e.get("checks") or ()))
        for e in raw["entries"])
    gaps = tuple(Gap(int(g["number"]), g["title"], g["text"], tuple(g["ids"]))
                 for g in raw["gaps"])
    return Catalog(entries, gaps, raw.get("source_sha256", ""))


@dataclass(frozen=True)
class Registry:
    """Every catalog ID with its check or its reason for being ``not_checkable``."""

    catalog: Catalog
    checks: tuple[Check, ...]
    reasons: Mapping[str, str] = field(default_factory=dict)  # ID → not-checkable reason

    def check_for(self, cid: str) -> Check | None:
        for c in self.checks:
            if cid in c.ids:
                return c
        return None

    def check_by_key(self, key: str) -> Check:
        for c in self.checks:
            if c.key == key:
                return c
        raise ClaimsError(f"check: no registered check {key!r}")

    def select(self, only: Iterable[str] | None = None,
               seeds: Iterable[str] | None = None) -> tuple[list[Check], list[str]]:
        """The checks to run and the IDs to report ``not_checkable``, in catalog order.

        A check runs when any of its IDs is selected; it reports every one of its IDs.
        """
        ids = self._selected_ids(only, seeds)
        chosen: list[Check] = []
        nc: list[str] = []
        for cid in ids:
            c = self.check_for(cid)
            if c is None:
                nc.append(cid)
            elif c not in chosen:
                chosen.append(c)
        return chosen, nc

    def _selected_ids(self, only, seeds) -> list[str]:
        ids = list(self.catalog.ids)
        if seeds:
            seeds = [str(s) for s in seeds]
            for s in seeds:
                if s not in SEEDS:
                    raise ClaimsError(f"--seed-text: expected one of {', '.join(SEEDS)}, got {s!r}")
            ids = [i for i in ids if self.catalog.entry(i).seed in seeds]
        if only:
            only = list(only)
            for o in only:
                if o not in self.catalog.ids:
                    raise ClaimsError(_unknown_id_message(o, self.catalog.ids))
            ids = [i for i in ids if i in only]
        return ids

    def reason(self, cid: str) -> str:
        if cid in self.reasons:
            return self.reasons[cid]
        return default_reason(self.catalog, self.catalog.entry(cid))


def default_reason(catalog: Catalog, e: CatalogEntry) -> str:
    """Why an entry without a check is not checked (from the catalog alone)."""
    if e.gaps:
        parts = [f"Gaps {n}: {catalog.gap(n).title}" for n in e.gaps]
        return "; ".join(parts) + (" (catalog §8)" if len(parts) == 1 else " (catalog §8)")
    if e.kind == "definition":
        return "definition, notation or setting: nothing to compute on its own (catalog " \
               f"§{e.section}); the entries that use it are checked"
    what = _computable_part(e.statement)
    where = PLANNED.get(e.seed, "")
    return f"(not yet computed: {what}{'; planned in ' + where if where else ''})"


def _computable_part(statement: str) -> str:
    i = statement.find("Computable")
    text = statement[i:] if i >= 0 else statement
    text = text.replace("Computable:", "").replace("Computable", "").strip(" -:")
    return text if len(text) <= 220 else text[:219].rstrip() + "…"


def seed_modules() -> tuple[ModuleType, ...]:
    from dlnscape.claims import seed_000, seed_001, seed_002, seed_003, seed_004

    return (seed_000, seed_001, seed_002, seed_003, seed_004)


def build_registry(modules: Sequence[ModuleType] | None = None,
                   catalog: Catalog | None = None) -> Registry:
    """The registry of the seed modules' ``CHECKS`` / ``NOT_CHECKABLE`` lists, validated
    against the catalog: every ID known, none decided twice."""
    catalog = catalog or load_catalog()
    modules = tuple(modules) if modules is not None else seed_modules()
    known = set(catalog.ids)
    checks: list[Check] = []
    reasons: dict[str, str] = {}
    owner: dict[str, str] = {}
    for mod in modules:
        for c in getattr(mod, "CHECKS", ()):
            if not isinstance(c, Check):
                raise ClaimsError(f"{mod.__name__}.CHECKS: {c!r} is not a Check (use @claim)")
            for cid in c.ids:
                if cid not in known:
                    raise ClaimsError(f"{c.key}: {_unknown_id_message(cid, catalog.ids)}")
                if cid in owner:
                    raise ClaimsError(f"{cid}: decided twice ({owner[cid]} and {c.key})")
                owner[cid] = c.key
            checks.append(c)
        for cid, why in getattr(mod, "NOT_CHECKABLE", {}).items():
            if cid not in known:
                raise ClaimsError(f"{mod.__name__}.NOT_CHECKABLE: "
                                  f"{_unknown_id_message(cid, catalog.ids)}")
            if cid in owner:
                raise ClaimsError(f"{cid}: both checked ({owner[cid]}) and not checkable")
            reasons[cid] = why
    return Registry(catalog, tuple(checks), reasons)
