"""Family ``custom``: a user generator and analysis, named by ``module:function``.

Task ``(i, s)`` (instance ``i`` of ``instances.count``, start ``s`` of ``instances.starts``)
calls ``generator(rng_i, i, options)`` with ``rng_i = task_rng(seed, i)`` (the same instance for
every start), then ``analysis(instance, rng_is, options)`` with ``rng_is = task_rng(seed, i, s)``;
the analysis returns a JSON-able dict (numpy scalars and arrays are converted). An optional
``summary(rows) -> list[dict]`` adds a table to the report (each dict one row). Modules are
imported, never evaluated; ``python_path`` (relative to the config file) is put on
``sys.path`` first, in every worker — on a multi-machine Dask cluster the module must be
importable on each worker.

    family = "custom"
    seed = 0
    output = "custom-out"
    [instances]
    count = 10
    starts = 2
    [params]
    python_path = ["."]
    generator = "my_study:make_instance"
    analysis = "my_study:analyse"
    # summary = "my_study:summarize"
    [params.options]          # passed to generator and analysis as a dict
    n = 5
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from pydantic import Field, ValidationInfo, field_validator, model_validator

from dlnscape.experiments.config import (
    ExperimentConfig,
    Ref,
    Strict,
    add_python_path,
    ref_string,
    resolve_ref,
)
from dlnscape.experiments.families.base import Family, Row, Summary, Table, generic_summary
from dlnscape.experiments.tasks import task_rng
from dlnscape.io import to_jsonable


class CustomParams(Strict):
    generator: Ref
    analysis: Ref
    summary: Ref | None = None
    options: dict[str, Any] = Field(default_factory=dict)
    python_path: list[str] = Field(default_factory=list)

    #: machine-specific, not part of the config hash
    unhashed_fields: ClassVar[tuple[str, ...]] = ("python_path",)

    @field_validator("python_path")
    @classmethod
    def _absolute(cls, v: list[str], info: ValidationInfo) -> list[str]:
        base = Path((info.context or {}).get("base_dir") or Path.cwd())
        return [str((base / p).resolve()) for p in v]

    @model_validator(mode="after")
    def _importable(self) -> CustomParams:
        add_python_path(self.python_path)
        for name in ("generator", "analysis", "summary"):
            v = getattr(self, name)
            if v is not None:
                resolve_ref(v, f"params.{name}")
        return self


class CustomFamily(Family):
    name = "custom"
    title = "User-defined generator and analysis"
    params_model = CustomParams
    sections = frozenset({"instances"})
    required_sections = frozenset({"instances"})
    batch_hint = 8

    def task_keys(self, cfg: ExperimentConfig) -> list[dict]:
        n, s = cfg.instances.count, cfg.instances.starts
        return [{"instance": i, "start": j} for i in range(n) for j in range(s)]

    def run_task(self, cfg: ExperimentConfig, task_id: int, key: dict) -> dict:
        p = cfg.params
        add_python_path(p.python_path)
        gen = resolve_ref(p.generator, "params.generator")
        ana = resolve_ref(p.analysis, "params.analysis")
        i, s = key["instance"], key["start"]
        inst = gen(task_rng(cfg.seed, i), i, dict(p.options))
        out = ana(inst, task_rng(cfg.seed, i, s), dict(p.options))
        if not isinstance(out, dict):
            raise TypeError(f"{ref_string(p.analysis)} returned {type(out).__name__}, "
                            "expected a dict")
        return to_jsonable(out)

    def summarize(self, cfg: ExperimentConfig, rows: list[Row], fig_dir: Path) -> Summary:
        s = generic_summary(rows)
        if cfg.params.summary is not None:
            fn = resolve_ref(cfg.params.summary, "params.summary")
            recs = [to_jsonable(r) for r in fn(rows)]
            cols = sorted({k for r in recs for k in r})
            s.tables.insert(0, Table("custom_summary", f"Summary ({ref_string(fn)})", cols,
                                     [[r.get(c) for c in cols] for r in recs]))
        return s


FAMILY = CustomFamily()
