"""Experiment configs: a TOML file validated by pydantic, with errors that name key and line.

A config names a family (a built-in one from :mod:`dlnscape.experiments.families` or
``custom``), the master seed, the output directory and, as the family needs them,
``[instances]``, ``[optimizer]``, ``analyses`` and the family's own ``[params]``::

    family = "table1"
    seed = 0
    output = "table1-out"          # relative to this file
    analyses = ["classify"]        # built-in names, or "module:function" references

    [instances]
    count = 3                      # instances per cell
    starts = 8                     # optimiser starts per instance

    [optimizer]
    method = "gd"                  # gd | newton | trust-region (dlnscape.find_critical_point)
    max_iter = 5000

    [params]                       # validated by the family's own schema
    architectures = [[3, 1, 3], [3, 3, 2]]

Every error is one :class:`~dlnscape.errors.SpecError` whose message gives the file and line,
the dotted key and what was expected (``table1.toml:9: instances.count: Input should be
greater than or equal to 1, got 0``); unknown keys are rejected with the keys allowed there.
User code enters only through explicit ``module:function`` references (:class:`Ref`), which are
imported, never evaluated.

The **config hash** covers what determines the results (family, seed, sections, analyses,
params), not the output directory, the name, the description or ``python_path``.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import re
import sys
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    ValidationError,
)

from dlnscape.errors import SpecError

_REF = re.compile(r"^[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)*:[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)*$")
SECTIONS = ("instances", "optimizer", "analyses")


# ----------------------------------------------------------------------------- references
def ref_string(obj: Any) -> str:
    """``module:qualname`` of a callable (its canonical name in configs and hashes)."""
    if isinstance(obj, str):
        return obj
    mod = getattr(obj, "__module__", None)
    qual = getattr(obj, "__qualname__", None)
    if not mod or not qual:
        raise SpecError(f"reference: {obj!r} has no module:qualname")
    return f"{mod}:{qual}"


def resolve_ref(ref: str | Callable, key: str = "reference") -> Callable:
    """Import ``module:function`` (dotted attributes allowed after the colon) and return it."""
    if callable(ref) and not isinstance(ref, str):
        return ref
    if not isinstance(ref, str) or not _REF.match(ref):
        raise SpecError(f"{key}: expected a 'module:function' reference, got {ref!r}")
    mod_name, attr = ref.split(":", 1)
    try:
        obj: Any = importlib.import_module(mod_name)
    except Exception as e:  # noqa: BLE001 - any import failure is the user's module's
        raise SpecError(f"{key}: cannot import module {mod_name!r} "
                        f"({type(e).__name__}: {e})") from None
    for part in attr.split("."):
        if not hasattr(obj, part):
            raise SpecError(f"{key}: module {mod_name!r} has no attribute {attr!r}")
        obj = getattr(obj, part)
    if not callable(obj):
        raise SpecError(f"{key}: {ref!r} is not callable")
    return obj


def _check_ref(v: Any) -> Any:
    if isinstance(v, str):
        if not _REF.match(v):
            raise ValueError(f"expected a 'module:function' reference, got {v!r}")
        return v
    if callable(v):  # from the Python API only; serialised as module:qualname
        return v
    raise ValueError(f"expected a 'module:function' reference, got {v!r}")


#: a ``module:function`` reference (a callable is accepted from Python; it serialises by name)
Ref = Annotated[Any, BeforeValidator(_check_ref), PlainSerializer(ref_string, return_type=str)]


# ----------------------------------------------------------------------------- schema
class Strict(BaseModel):
    """Base of every config section: unknown keys are errors, types are not coerced."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True,
                              arbitrary_types_allowed=True)


class InstancesSection(Strict):
    count: int = Field(ge=1, le=100_000_000, description="instances (per cell where a "
                                                         "family has cells)")
    starts: int = Field(1, ge=1, le=1_000_000, description="starts per instance")


class OptimizerSection(Strict):
    method: Literal["gd", "newton", "trust-region"] = "gd"
    max_iter: int = Field(5000, ge=1, le=10_000_000)
    tol: float | None = Field(None, gt=0, lt=1, description="relative-gradient target "
                                                            "(default: dlnscape's)")
    init_scale: float = Field(1.0, gt=0, description="multiplies the default random-point "
                                                     "scale 1/sqrt(d_in) of each layer")


class _Top(Strict):
    family: str
    seed: int = Field(ge=0, le=2**63 - 1)
    output: str | None = None
    name: str = ""
    description: str = ""
    instances: InstancesSection | None = None
    optimizer: OptimizerSection | None = None
    analyses: list[str] | None = None
    params: dict[str, Any] = Field(default_factory=dict)


@dataclass(frozen=True)
class ExperimentConfig:
    """A validated config. ``params`` is an instance of the family's params model."""

    family: str
    seed: int
    output: Path | None
    name: str
    description: str
    instances: InstancesSection | None
    optimizer: OptimizerSection | None
    analyses: tuple[str, ...]
    params: BaseModel
    base_dir: Path
    source_path: Path | None = None
    source_text: str | None = field(default=None, repr=False, compare=False)

    def canonical(self) -> dict:
        """What determines the results, as plain JSON (the hashed content)."""
        return {
            "family": self.family,
            "seed": self.seed,
            "instances": None if self.instances is None else self.instances.model_dump(),
            "optimizer": None if self.optimizer is None else self.optimizer.model_dump(),
            "analyses": list(self.analyses),
            "params": _hashed_params(self.params),
        }

    @property
    def config_hash(self) -> str:
        blob = json.dumps(self.canonical(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(blob.encode()).hexdigest()[:16]

    def to_dict(self) -> dict:
        """Everything needed to rebuild the config elsewhere (a worker, a report)."""
        return {
            **self.canonical(),
            "params": self.params.model_dump(mode="json"),
            "output": None if self.output is None else str(self.output),
            "name": self.name,
            "description": self.description,
            "base_dir": str(self.base_dir),
        }

    def payload(self) -> str:
        """A JSON string a worker turns back into this config (:func:`config_from_payload`)."""
        return json.dumps(self.to_dict(), sort_keys=True)

    @property
    def label(self) -> str:
        return self.name or (self.source_path.stem if self.source_path else self.family)


def _hashed_params(params: BaseModel) -> dict:
    d = params.model_dump(mode="json")
    for k in getattr(params, "unhashed_fields", ()):
        d.pop(k, None)
    return d


# ----------------------------------------------------------------------------- loading
def load_config(path: str | Path) -> ExperimentConfig:
    """Read and validate a TOML config file."""
    path = Path(path)
    if not path.is_file():
        raise SpecError(f"config: no such file {str(path)!r}")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise SpecError(f"config: cannot read {str(path)!r} ({e})") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise SpecError(f"{path.name}: not valid TOML: {e}") from None
    return config_from_dict(data, base_dir=path.resolve().parent, source_path=path,
                            source_text=text)


def config_from_dict(
    data: dict, *, base_dir: str | Path | None = None, source_path: Path | None = None,
    source_text: str | None = None,
) -> ExperimentConfig:
    """Validate a config given as a dict (the parsed TOML); paths are relative to ``base_dir``
    (default: the current directory)."""
    from dlnscape.experiments.families import FAMILY_NAMES, get_family

    where = _Locator(source_path.name if source_path else "config", source_text)
    if not isinstance(data, dict):
        raise SpecError(f"config: expected a table of keys, got {type(data).__name__}")
    try:
        top = _Top.model_validate(data)
    except ValidationError as e:
        raise SpecError(where.format(e, _Top)) from None
    if top.family not in FAMILY_NAMES:
        raise SpecError(where.at(("family",), f"family: expected one of {list(FAMILY_NAMES)}, "
                                              f"got {top.family!r}"))
    fam = get_family(top.family)
    for sec in SECTIONS:
        given = getattr(top, sec) not in (None, [])  # an empty analyses list is no section
        if given and sec not in fam.sections:
            raise SpecError(where.at((sec,), f"{sec}: family {top.family!r} takes no {sec!r} "
                                             f"(it uses: {sorted(fam.sections) or 'none'})"))
        if not given and sec in fam.required_sections:
            raise SpecError(where.at((), f"{sec}: missing; family {top.family!r} needs "
                                         f"[{sec}]" if sec != "analyses" else
                                         f"analyses: missing; family {top.family!r} needs it"))
    base = Path(base_dir).resolve() if base_dir is not None else Path.cwd()
    params_in = dict(top.params)
    try:
        params = fam.params_model.model_validate(params_in, context={"base_dir": base})
    except ValidationError as e:
        raise SpecError(where.format(e, fam.params_model, prefix=("params",))) from None
    instances = top.instances
    optimizer = top.optimizer if top.optimizer is not None else (
        OptimizerSection() if "optimizer" in fam.sections else None)
    analyses = tuple(top.analyses if top.analyses is not None else fam.default_analyses)
    for k, a in enumerate(analyses):
        if _REF.match(a):
            continue
        if a not in fam.analyses:
            raise SpecError(where.at(("analyses",), f"analyses[{k}]: expected one of "
                                     f"{list(fam.analyses)} or a 'module:function' "
                                     f"reference, got {a!r}"))
    out = None if top.output is None else (base / top.output)
    cfg = ExperimentConfig(top.family, top.seed, out, top.name, top.description, instances,
                           optimizer, analyses, params, base, source_path, source_text)
    try:
        fam.validate(cfg)
    except SpecError as e:
        raise SpecError(where.locate(str(e))) from None
    return cfg


def config_from_payload(payload: str | ExperimentConfig) -> ExperimentConfig:
    """The config a worker receives (:meth:`ExperimentConfig.payload`), cached per process."""
    if isinstance(payload, ExperimentConfig):
        return payload
    return _from_payload(payload)


_PAYLOADS: dict[str, ExperimentConfig] = {}


def _from_payload(payload: str) -> ExperimentConfig:
    cfg = _PAYLOADS.get(payload)
    if cfg is None:
        d = json.loads(payload)
        base = d.pop("base_dir")
        out = d.pop("output")
        d["output"] = out
        for k in [k for k, v in d.items() if v is None]:
            del d[k]
        cfg = config_from_dict(d, base_dir=base)
        if len(_PAYLOADS) > 16:
            _PAYLOADS.clear()
        _PAYLOADS[payload] = cfg
    return cfg


def add_python_path(dirs: list[str] | tuple[str, ...]) -> None:
    """Put directories on ``sys.path`` (front) once, for ``module:function`` references."""
    for d in reversed(list(dirs)):
        if d not in sys.path:
            sys.path.insert(0, d)


# ----------------------------------------------------------------------------- error text
class _Locator:
    """Maps dotted keys to the line of the TOML text where they are set."""

    def __init__(self, name: str, text: str | None) -> None:
        self.name = name
        self.lines = _key_lines(text) if text else {}

    def line(self, loc: tuple) -> int | None:
        loc = tuple(str(p) for p in loc if not isinstance(p, int))
        for n in range(len(loc), -1, -1):
            if loc[:n] in self.lines:
                return self.lines[loc[:n]]
        return None

    def at(self, loc: tuple, msg: str) -> str:
        ln = self.line(loc) if loc else None
        return f"{self.name}:{ln}: {msg}" if ln else f"{self.name}: {msg}"

    def locate(self, msg: str) -> str:
        """Prefix a family's own message ``'params.x: …'`` with the line of its key."""
        key = msg.split(":", 1)[0].strip()
        loc = tuple(re.sub(r"\[\d+\]", "", key).split("."))
        return self.at(loc, msg) if re.match(r"^[\w.\[\]]+$", key) else f"{self.name}: {msg}"

    def format(self, err: ValidationError, model: type[BaseModel], prefix: tuple = ()) -> str:
        parts = []
        for e in err.errors(include_url=False)[:6]:
            loc = prefix + tuple(e["loc"])
            dotted = _dotted(loc)
            t = e["type"]
            if t == "extra_forbidden":
                allowed = _allowed_keys(model, tuple(e["loc"])[:-1])
                msg = "unknown key" + (f" (expected one of: {', '.join(allowed)})"
                                       if allowed else "")
            elif t == "missing":
                msg = "missing required key"
            elif t == "value_error":
                msg = str(e.get("ctx", {}).get("error", e["msg"]))
                if re.match(r"^[\w.\[\]]+: ", msg):  # the message names its own key
                    parts.append(self.locate(msg))
                    continue
            else:
                msg = e["msg"]
                if "input" in e and t not in ("model_type",) and "got " not in msg:
                    r = repr(e["input"])
                    msg += f", got {r if len(r) <= 60 else r[:57] + '...'}"
            parts.append(self.at(loc, f"{dotted}: {msg}"))
        more = len(err.errors()) - len(parts)
        return "; ".join(parts) + (f" (and {more} more)" if more > 0 else "")


def _dotted(loc: tuple) -> str:
    out = ""
    for p in loc:
        if isinstance(p, int):
            out += f"[{p}]"
        elif p.startswith(("function-", "lax-", "union", "json-")) or p in ("str", "int",
                                                                             "float", "list"):
            continue  # pydantic's names for union/validator branches
        else:
            out += ("." if out else "") + p
    return out or "config"


def _allowed_keys(model: type[BaseModel], loc: tuple) -> list[str]:
    import typing

    m: Any = model
    for p in loc:
        if isinstance(p, int) or m is None:
            continue
        f = getattr(m, "model_fields", {}).get(p)
        if f is None:
            return []
        m = None
        for a in (f.annotation, *typing.get_args(f.annotation)):
            if isinstance(a, type) and issubclass(a, BaseModel):
                m = a
                break
            for b in typing.get_args(a):
                if isinstance(b, type) and issubclass(b, BaseModel):
                    m = b
    return sorted(getattr(m, "model_fields", {})) if m is not None else []


_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r"^\s*([A-Za-z0-9_\-\"'. ]+?)\s*=")


def _split_key(k: str) -> list[str]:
    return [p.strip().strip("\"'") for p in k.split(".")]


def _key_lines(text: str) -> dict[tuple[str, ...], int]:
    """Line (1-based) of every table header and every ``key =`` in a TOML text (an
    approximation that ignores the contents of multi-line arrays and strings)."""
    out: dict[tuple[str, ...], int] = {}
    table: list[str] = []
    depth = 0
    in_str = False
    for n, line in enumerate(text.splitlines(), start=1):
        s = line.strip()
        if in_str:
            if s.count('"""') % 2 == 1 or s.count("'''") % 2 == 1:
                in_str = False
            continue
        if depth > 0:
            depth += _bracket_balance(s)
            continue
        if not s or s.startswith("#"):
            continue
        m = _HEADER.match(s)
        if m and depth == 0:
            table = _split_key(m.group(2))
            out.setdefault(tuple(table), n)
            continue
        m = _KEY.match(line)
        if m:
            key = tuple(table + _split_key(m.group(1)))
            for i in range(len(table) + 1, len(key) + 1):
                out.setdefault(key[:i], n)
            rest = line[m.end():]
            if rest.count('"""') % 2 == 1 or rest.count("'''") % 2 == 1:
                in_str = True
            depth = max(0, _bracket_balance(rest))
    return out


def _bracket_balance(s: str) -> int:
    s = re.sub(r'"(\\.|[^"\\])*"|\'[^\']*\'', "", s.split("#", 1)[0] if '"' not in s else s)
    return s.count("[") + s.count("{") - s.count("]") - s.count("}")
