"""The atlas's building blocks: statuses, results, certificates, checks and their context.

A *check* is a function of a :class:`Context` (and its ``quick`` or ``full`` parameters) that
computes — it never assumes a text is right — and returns an :class:`Outcome` per catalog ID:
``agrees`` (the computation matches the text's claim on every instance tried) or
``certified_disagreement`` (a concrete instance with a certificate that re-verifies from
scratch). A check that cannot decide raises :class:`Inconclusive` (reported ``not_checkable``
with the reason); any other exception is reported as ``error`` with its traceback. The runner
turns outcomes into frozen :class:`ClaimResult` records.

Certificates come in two kinds, each written to a JSON file that a shell command re-checks:

* ``classification`` — the file ``dlnscape classify -o`` writes (a SPEC with arrays inlined and
  the classification with its certificates); ``dlnscape verify FILE`` re-checks it;
* ``recomputation`` — an instance (exact data) and the name of a *verifier* in
  ``dlnscape.claims`` that recomputes the contradicted quantity from the instance alone and
  compares it with the text's claim; ``dlnscape atlas --verify FILE`` re-checks it.

Before a disagreement is reported, each of its certificates is re-verified from the exact JSON
text that is written to disk; a certificate that does not re-verify turns the result into
``error``.
"""

from __future__ import annotations

import importlib
import json
import re
import tempfile
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

import numpy as np

from dlnscape.errors import DlnscapeError
from dlnscape.io import to_jsonable
from dlnscape.report.summary import Summary, summary_html_method, summary_repr, summary_str

__all__ = [
    "Certificate",
    "Check",
    "ClaimResult",
    "Context",
    "Figure",
    "Inconclusive",
    "Outcome",
    "Status",
    "agrees",
    "claim",
    "classification_certificate",
    "disagrees",
    "figure",
    "recomputation_certificate",
    "safe_name",
    "verify_certificate_text",
]

#: the format tag of a recomputation certificate file
RECOMPUTATION_FORMAT = "dlnscape-claim-recomputation/1"


class Status(StrEnum):
    """What the atlas says about one catalog entry."""

    AGREES = "agrees"
    CERTIFIED_DISAGREEMENT = "certified_disagreement"
    NOT_CHECKABLE = "not_checkable"
    ERROR = "error"

    def __str__(self) -> str:
        return self.value


STATUSES = tuple(s.value for s in Status)


class Inconclusive(DlnscapeError):
    """Raised by a check that computed but could not decide (e.g. a verdict ``undetermined``)."""


def safe_name(text: str) -> str:
    """A file-name-safe form of an ID: ``T-004-Abstract/Table1`` → ``T-004-Abstract_Table1``."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("_") or "x"


# ----------------------------------------------------------------------------- figures
@dataclass(frozen=True)
class Figure:
    """A PNG produced by a check: ``name`` is its file name under ``figures/``."""

    name: str
    caption: str
    png: bytes = field(repr=False)


def figure(name: str, caption: str, draw: Callable[[Path], Any]) -> Figure:
    """Run ``draw(path)`` (any of dlnscape's figure functions, which write a PNG to ``path``)
    in a temporary folder and keep the bytes."""
    with tempfile.TemporaryDirectory(prefix="dlnscape-fig-") as tmp:
        path = Path(tmp) / "figure.png"
        draw(path)
        png = path.read_bytes()
    if not png.startswith(b"\x89PNG"):
        raise DlnscapeError(f"figure {name}: the drawing function did not write a PNG")
    return Figure(safe_name(name.removesuffix(".png")) + ".png", caption, png)


# ----------------------------------------------------------------------------- certificates
@dataclass(frozen=True)
class Certificate:
    """A certificate of a disagreement: the JSON document (``text``) written to
    ``certificates/<name>.json`` and re-checked by ``command``."""

    kind: str  # "classification" | "recomputation"
    name: str
    label: str  # the instance, in a few words
    how: str  # how it is certified, in words
    text: str = field(repr=False)  # the JSON document, exactly as written

    @property
    def file(self) -> str:
        return f"certificates/{self.name}.json"

    def command(self, out: str | Path | None = None) -> str:
        path = f"{out}/{self.file}" if out not in (None, "") else self.file
        return (f"dlnscape verify {path}" if self.kind == "classification"
                else f"dlnscape atlas --verify {path}")

    def verify(self) -> tuple[bool, dict]:
        return verify_certificate_text(self.text)


def classification_certificate(name: str, landscape, theta, result, *, label: str,
                               how: str | None = None, claim_id: str | None = None
                               ) -> Certificate:
    """The ``dlnscape classify -o`` file of a :class:`~dlnscape.critical.Classification`."""
    from dlnscape.spec import spec_to_dict

    payload = {"spec": spec_to_dict(landscape, theta), **result.to_dict(),
               "verified": bool(result.verify(landscape))}
    if claim_id is not None:
        payload["claim"] = claim_id
    cert = result.certificate
    default = (f"{result.verdict}: {cert.summary()}" if cert is not None
               else f"{result.verdict}")
    return Certificate("classification", safe_name(name), label, how or default,
                       json.dumps(to_jsonable(payload), indent=1))


def recomputation_certificate(name: str, claim_id: str, verifier: Callable[[dict], dict],
                              instance: dict, *, label: str, how: str, claimed: Any,
                              computed: Any) -> Certificate:
    """A certificate re-checked by ``verifier(instance)``: a function of ``dlnscape.claims``
    listed in its module's ``VERIFIERS`` that recomputes the quantity from the instance and
    returns ``{"ok": bool, ...numbers}`` (ok = the text's claim fails on this instance)."""
    ref = f"{verifier.__module__}:{verifier.__name__}"
    _resolve_verifier(ref)  # refuse a verifier the file could not name again
    payload = {"format": RECOMPUTATION_FORMAT, "claim": claim_id, "verifier": ref,
               "label": label, "how": how, "instance": instance, "claimed": claimed,
               "computed": computed}
    return Certificate("recomputation", safe_name(name), label, how,
                       json.dumps(to_jsonable(payload), indent=1))


def _resolve_verifier(ref: str) -> Callable[[dict], dict]:
    mod_name, _, fn_name = ref.partition(":")
    if not mod_name.startswith("dlnscape.claims.") or not fn_name:
        raise DlnscapeError(f"verifier: expected 'dlnscape.claims.MODULE:FUNCTION', got {ref!r}")
    mod = importlib.import_module(mod_name)
    fn = getattr(mod, fn_name, None)
    if fn is None or fn not in getattr(mod, "VERIFIERS", ()):
        raise DlnscapeError(f"verifier: {ref} is not a registered verifier of {mod_name}")
    return fn


def verify_certificate_text(text: str) -> tuple[bool, dict]:
    """Re-check a certificate file's JSON text from scratch: ``(ok, details)``.

    A classification file is checked exactly as ``dlnscape verify`` does (the SPEC rebuilt,
    every certificate re-checked, and together they must prove the stored verdict); a
    recomputation file by its verifier. Errors inside are raised, never turned into False.
    """
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise DlnscapeError(f"certificate: not valid JSON: {e}") from None
    if not isinstance(data, dict):
        raise DlnscapeError("certificate: expected a JSON object")
    if data.get("format") == RECOMPUTATION_FORMAT:
        fn = _resolve_verifier(str(data.get("verifier")))
        out = fn(data.get("instance") or {})
        if not isinstance(out, dict) or "ok" not in out:
            raise DlnscapeError(f"verifier {data.get('verifier')}: expected a dict with 'ok'")
        return bool(out["ok"]), to_jsonable(out)
    if "spec" in data and "verdict" in data:
        from dlnscape.critical import certificate_from_dict
        from dlnscape.critical.certificates import check_verdict
        from dlnscape.spec import spec_from_dict

        landscape, theta = spec_from_dict(data["spec"], ".")
        certs = ([data["certificate"]] if data.get("certificate") else []) + list(
            data.get("certificates") or [])
        if not certs:
            return False, {"failures": ["no certificate stored"]}
        rep = check_verdict(landscape, theta, str(data["verdict"]),
                            [certificate_from_dict(c) for c in certs])
        return rep.ok, {"verdict": data["verdict"],
                        "failures": [f["check"] for f in rep.failures]}
    raise DlnscapeError("certificate: neither a classification file (spec + verdict) nor a "
                        f"recomputation file (format {RECOMPUTATION_FORMAT!r})")


# ----------------------------------------------------------------------------- outcomes
@dataclass(frozen=True)
class Outcome:
    """What a check found for one catalog ID (the runner adds the ID, title, timing)."""

    status: Status
    summary: str
    instances: tuple[dict, ...] = ()
    numbers: Mapping[str, Any] = field(default_factory=dict)
    certificates: tuple[Certificate, ...] = ()
    figures: tuple[Figure, ...] = ()

    def _summary(self) -> Summary:
        rows = [("status", self.status.value), ("summary", self.summary),
                ("instances", len(self.instances)), ("numbers", dict(self.numbers) or None),
                ("certificates", len(self.certificates)), ("figures", len(self.figures))]
        if self.certificates:
            rows.append(("certified by", ", ".join(f"{c.name} ({c.kind}: {c.label})"
                                                   for c in self.certificates)))
        if self.figures:
            rows.append(("figure files", ", ".join(f.name for f in self.figures)))
        return Summary(f"Outcome: {self.status.value}", tuple(rows),
                       brief=("status", "instances", "certificates", "figures"))

    __str__ = summary_str

    __repr__ = summary_repr
    _repr_html_ = summary_html_method


def agrees(summary: str, *, instances=(), numbers: Mapping | None = None,
           figures=()) -> Outcome:
    """The text's claim held on every instance computed."""
    return Outcome(Status.AGREES, summary, tuple(to_jsonable(list(instances))),
                   to_jsonable(dict(numbers or {})), (), tuple(figures))


def disagrees(summary: str, *, certificates, instances=(), numbers: Mapping | None = None,
              figures=()) -> Outcome:
    """The text's claim fails on a concrete instance; ``certificates`` prove it."""
    certificates = tuple(certificates)
    if not certificates:
        raise DlnscapeError("disagrees: a certified disagreement needs at least one certificate")
    return Outcome(Status.CERTIFIED_DISAGREEMENT, summary, tuple(to_jsonable(list(instances))),
                   to_jsonable(dict(numbers or {})), certificates, tuple(figures))


# ----------------------------------------------------------------------------- results
@dataclass(frozen=True)
class ClaimResult:
    """The atlas's record of one catalog ID."""

    id: str
    seed: str
    title: str
    status: Status
    summary: str
    section: str = ""
    kind: str = "entry"
    instances: tuple[dict, ...] = ()
    numbers: Mapping[str, Any] = field(default_factory=dict)
    certificates: tuple[dict, ...] = ()  # name, kind, label, how, file, command, verified
    figures: tuple[dict, ...] = ()  # file, caption
    seconds: float = 0.0
    traceback: str | None = None
    reason: str | None = None
    gaps: tuple[int, ...] = ()
    check: str | None = None  # "dlnscape.claims.seed_004:thm12_index"
    quick: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "status", Status(self.status))

    @property
    def certificate(self) -> dict | None:
        """The first certificate (a disagreement has at least one)."""
        return self.certificates[0] if self.certificates else None

    @property
    def reverify(self) -> tuple[str, ...]:
        """The shell commands that re-verify the certificates."""
        return tuple(c["command"] for c in self.certificates)

    def to_dict(self) -> dict:
        return to_jsonable({
            "id": self.id,
            "seed": self.seed,
            "title": self.title,
            "status": self.status.value,
            "summary": self.summary,
            "section": self.section,
            "kind": self.kind,
            "instances": list(self.instances),
            "numbers": dict(self.numbers),
            "certificates": list(self.certificates),
            "figures": list(self.figures),
            "seconds": self.seconds,
            "traceback": self.traceback,
            "reason": self.reason,
            "gaps": list(self.gaps),
            "check": self.check,
            "quick": self.quick,
        })

    @classmethod
    def from_dict(cls, d: Mapping) -> ClaimResult:
        return cls(
            id=d["id"], seed=d["seed"], title=d["title"], status=Status(d["status"]),
            summary=d["summary"], section=d.get("section", ""), kind=d.get("kind", "entry"),
            instances=tuple(d.get("instances") or ()), numbers=dict(d.get("numbers") or {}),
            certificates=tuple(d.get("certificates") or ()),
            figures=tuple(d.get("figures") or ()), seconds=float(d.get("seconds") or 0.0),
            traceback=d.get("traceback"), reason=d.get("reason"),
            gaps=tuple(d.get("gaps") or ()), check=d.get("check"),
            quick=bool(d.get("quick", False)),
        )

    def __str__(self) -> str:
        return f"{self.id} [{self.status.value}] {self.summary}"

    def _summary(self) -> Summary:
        return Summary(f"ClaimResult {self.id}: {self.status.value}",
                       (("id", self.id), ("seed text", f"{self.seed} (docs/bibliography.md)"),
                        ("title", self.title), ("status", self.status.value),
                        ("summary", self.summary), ("certificates", len(self.certificates)),
                        ("re-verify", "; ".join(self.reverify) or None),
                        ("seconds", self.seconds)),
                       brief=("id", "status", "certificates"))

    __repr__ = summary_repr
    _repr_html_ = summary_html_method


# ----------------------------------------------------------------------------- checks
@dataclass(frozen=True)
class Context:
    """What a check may depend on: the mode and an explicit master seed (nothing global)."""

    check_id: str
    quick: bool = True
    master_seed: int = 0

    def seed(self, *keys: int) -> list[int]:
        """A seed sequence derived from the master seed, the check's ID and ``keys``."""
        return [int(self.master_seed), zlib.crc32(self.check_id.encode()), *map(int, keys)]

    def rng(self, *keys: int) -> np.random.Generator:
        return np.random.default_rng(self.seed(*keys))


@dataclass(frozen=True)
class Check:
    """One check: the catalog IDs it decides, the function, and its quick and full parameters.

    ``func(ctx, **params)`` returns one :class:`Outcome` (used for every ID) or a mapping
    ``{id: Outcome}`` with an entry for each of ``ids``.
    """

    ids: tuple[str, ...]
    func: Callable[..., Outcome | Mapping[str, Outcome]]
    quick: Mapping[str, Any] = field(default_factory=dict)
    full: Mapping[str, Any] = field(default_factory=dict)
    cost: float = 1.0  # a scheduling hint (seconds in quick mode): long checks start first

    @property
    def key(self) -> str:
        return f"{self.func.__module__}:{self.func.__name__}"

    def params(self, quick: bool) -> dict:
        return dict(self.quick if quick else self.full)

    def run(self, ctx: Context) -> dict[str, Outcome]:
        """Run the check and return one outcome per ID (raises what the check raises)."""
        out = self.func(ctx, **self.params(ctx.quick))
        if isinstance(out, Outcome):
            return {i: out for i in self.ids}
        if not isinstance(out, Mapping) or set(out) != set(self.ids):
            raise DlnscapeError(
                f"check {self.key}: expected an Outcome or a mapping with keys {self.ids}, "
                f"got {type(out).__name__}" + (f" with keys {sorted(out)}"
                                               if isinstance(out, Mapping) else ""))
        for k, v in out.items():
            if not isinstance(v, Outcome):
                raise DlnscapeError(f"check {self.key}: outcome of {k} is not an Outcome")
        return dict(out)

    def __call__(self, ctx: Context | None = None, **params: Any):
        """Call the function directly (tests): ``check(quick=True)`` or with parameters."""
        ctx = ctx or Context(self.ids[0])
        merged = {**self.params(ctx.quick), **params}
        return self.func(ctx, **merged)


def claim(*ids: str, quick: Mapping[str, Any] | None = None,
          full: Mapping[str, Any] | None = None, cost: float = 1.0
          ) -> Callable[[Callable], Check]:
    """Decorator: ``@claim("T-004-Thm12", "check-69", quick={...}, full={...})``.

    ``full`` defaults to ``quick``. The decorated name is a :class:`Check`; list it in the
    seed module's ``CHECKS``.
    """
    if not ids or not all(isinstance(i, str) and i for i in ids):
        raise DlnscapeError(f"claim: expected one or more catalog IDs, got {ids!r}")
    if len(set(ids)) != len(ids):
        raise DlnscapeError(f"claim: repeated IDs in {ids!r}")

    def wrap(fn: Callable) -> Check:
        return Check(tuple(ids), fn, dict(quick or {}),
                     dict(full if full is not None else (quick or {})), float(cost))

    return wrap
