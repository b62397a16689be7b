"""SPEC files: a model, a loss and a point, for the CLI commands that analyse one point.

Format (TOML; arrays inline as nested lists, or as paths to ``.npy``/``.npz`` files relative to
the SPEC file; the first parameter block is the input side)::

    [model]
    type = "linear"                  # linear | normalized | residual | one_hidden |
    widths = [3, 2, 2, 3]            # pyramidal | path (keys per type: dlnscape.registry)

    # backward compatible: [architecture] widths = [...] alone means type = "linear"

    [loss]
    type = "squared"                 # squared | distance | linear_quadratic | logistic | quartic
    X = "X.npy"                      # squared, logistic: d_0 × n (linear models); on a model
    Y = [[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]   # with data (one_hidden, pyramidal, path) X
    # distance: Q0, phi (optional)   # defaults to I, so the loss is on the outputs F
    # linear_quadratic: A, c, W0 (optional)
    # logistic: X, labels, ridge; quartic: C, B
    # or random data: random = true, seed = 0 (n = 10 data columns for squared / logistic
    # on a linear model's end-to-end matrix)

    [regularizer]                    # optional: L = l ∘ F + R (dlnscape.regularizers)
    kind = "hadamard_l2"             # R = Σ_i ‖Λ_i ∘ W_i‖²_F (Mehta et al. 2022, eq. (3))
    lambda = 0.1                     # every entry, or lambdas = [Λ_1, …, Λ_h] (block shapes)

    [point]
    layers = [[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]], ...]   # the blocks in the model's order
    # or file = "theta.npz"  (keys: the block names, e.g. W_1..W_h or W1..Wh, else the
    #                         file's order)
    # or random = true, seed = 0, scale = 1.0

Validated with pydantic; unknown keys are rejected and every error names the key.
:func:`spec_to_dict` writes a landscape and a point back as a SPEC dictionary (arrays
inlined) that :func:`spec_from_dict` rebuilds exactly.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import field_validator

from dlnscape.architecture import Point
from dlnscape.errors import DlnscapeError, SpecError
from dlnscape.landscape import Landscape
from dlnscape.registry import (
    ArrayLike,
    StrictParams,
    loss_from_spec,
    loss_target,
    loss_to_spec,
    model_from_spec,
    model_to_spec,
    random_point,
    read_array,
    regularizer_from_spec,
    regularizer_to_spec,
    validate_section,
)
from dlnscape.validate import check_seed


class ArchitectureSpec(StrictParams):
    widths: list[int]


class PointSpec(StrictParams):
    layers: list[ArrayLike] | None = None
    file: str | None = None
    random: bool = False
    seed: int = 0
    scale: float | None = None

    @field_validator("file")
    @classmethod
    def _suffix(cls, v: str | None) -> str | None:
        if v is not None and not v.endswith((".npz", ".npy")):
            raise ValueError("expected a .npz file (or .npy of an object array of layers)")
        return v


class Spec(StrictParams):
    architecture: dict[str, Any] | None = None
    model: dict[str, Any] | None = None
    loss: dict[str, Any]
    point: dict[str, Any]
    regularizer: dict[str, Any] | None = None


def model_section(spec: Spec) -> dict:
    """The ``[model]`` table, with the legacy ``[architecture]`` read as a linear network."""
    if spec.model is not None and spec.architecture is not None:
        raise SpecError("SPEC: give [model] or [architecture] (a linear network), not both")
    if spec.model is not None:
        return spec.model
    if spec.architecture is None:
        raise SpecError("SPEC: model: required — a [model] table (type = ...) or "
                        "[architecture] widths = [...] for a linear network")
    arch = validate_section(ArchitectureSpec, spec.architecture, "architecture")
    return {"type": "linear", "widths": arch.widths}


def _file_blocks(path: Path, names: tuple[str, ...]) -> list[np.ndarray]:
    try:
        data = np.load(path, allow_pickle=False)
    except (OSError, ValueError) as e:
        raise SpecError(f"point.file: cannot read {path}: {e}") from None
    if not isinstance(data, np.lib.npyio.NpzFile):
        raise SpecError(f"point.file: expected a .npz file of the blocks, got one array in "
                        f"{path}")
    with data:
        keys = list(data.files)
        for cand in (list(names), [n.replace("_", "") for n in names]):
            if all(k in keys for k in cand):
                keys = cand
                break
        return [np.asarray(data[k], dtype=np.float64) for k in keys]


def build_point(spec: PointSpec, model, base: Path) -> Point:
    """The point of a ``[point]`` section for ``model`` (validated, blocks in its order)."""
    given = sum([spec.layers is not None, spec.file is not None, spec.random])
    if given != 1:
        raise SpecError("point: give exactly one of layers = [...], file = '...', random = true")
    if spec.random:
        return random_point(model, check_seed(spec.seed, "point.seed"), spec.scale)
    if spec.layers is not None:
        blocks = [read_array(v, f"point.layers[{i}]", base) for i, v in enumerate(spec.layers)]
    else:
        path = base / spec.file
        if not path.exists():
            raise SpecError(f"point.file: file {path} does not exist")
        blocks = _file_blocks(path, tuple(model.block_names))
    return model.check(blocks, "point.layers")


def load_spec(path: str | Path, *, need_point: bool = True) -> tuple[Landscape, Point]:
    """Read a SPEC file and return ``(landscape, theta)``; errors are :class:`SpecError`.

    With ``need_point=False`` (commands that analyse the loss only) a missing ``[point]``
    section is allowed and a random point is returned.
    """
    path = Path(path)
    if not path.exists():
        raise SpecError(f"SPEC: file {path} does not exist")
    if path.is_dir():
        raise SpecError(f"SPEC: {path} is a directory; expected a SPEC file (TOML)")
    try:
        raw = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as e:
        raise SpecError(f"SPEC: {path} is not valid TOML: {e}") from None
    except UnicodeDecodeError:
        raise SpecError(f"SPEC: {path} is not a UTF-8 text file") from None
    except OSError as e:
        raise SpecError(f"SPEC: cannot read {path} ({e.strerror or e})") from None
    if not need_point:
        raw.setdefault("point", {"random": True, "seed": 0})
    return spec_from_dict(raw, path.parent)


def spec_from_dict(raw: dict, base: Path | str = ".") -> tuple[Landscape, Point]:
    """``(landscape, theta)`` of a SPEC dictionary (the parsed TOML; arrays inline or paths
    relative to ``base``)."""
    base = Path(base)
    spec = validate_section(Spec, raw, "")
    try:
        model = model_from_spec(model_section(spec), base)
        loss = loss_from_spec(spec.loss, loss_target(model), base)
        landscape = Landscape(model, loss,
                              regularizer=regularizer_from_spec(spec.regularizer, base))
        point = validate_section(PointSpec, spec.point, "point")
        theta = build_point(point, model, base)
    except SpecError:
        raise
    except DlnscapeError as e:
        raise SpecError(f"SPEC: {e}") from None
    return landscape, theta


def spec_to_dict(landscape: Landscape, theta) -> dict:
    """A SPEC dictionary (as accepted by :func:`spec_from_dict`) with arrays inlined: the
    registry's writers for the model and the loss, and the point's blocks."""
    theta = landscape.point(theta)
    out = {
        "model": model_to_spec(landscape.model),
        "loss": loss_to_spec(landscape.loss),
        "point": {"layers": [np.asarray(B).tolist() for B in theta]},
    }
    reg = regularizer_to_spec(landscape.regularizer)
    if reg is not None:
        out["regularizer"] = reg
    return out


def spec_to_toml(spec: dict) -> str:
    """A SPEC dictionary (e.g. from :func:`spec_to_dict`) as TOML text that :func:`load_spec`
    reads back: one table per section, values as TOML literals (None values left out)."""
    import json
    import math

    def literal(v, key: str) -> str:
        if isinstance(v, float) and not math.isfinite(v):
            raise SpecError(f"{key}: {v} cannot be written to a SPEC (finite numbers only)")
        if isinstance(v, list):
            return "[" + ", ".join(literal(x, key) for x in v) + "]"
        if isinstance(v, dict):
            return "{" + ", ".join(f"{k} = {literal(x, f'{key}.{k}')}" for k, x in v.items()
                                   if x is not None) + "}"
        if isinstance(v, (bool, int, float, str)):
            return json.dumps(v)
        raise SpecError(f"{key}: cannot write {type(v).__name__} to TOML")

    lines = []
    for section, table in spec.items():
        if not isinstance(table, dict):
            raise SpecError(f"{section}: expected a table, got {type(table).__name__}")
        lines.append(f"[{section}]")
        lines += [f"{k} = {literal(v, f'{section}.{k}')}" for k, v in table.items()
                  if v is not None]
        lines.append("")
    return "\n".join(lines)
