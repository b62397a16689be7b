"""SPEC files: an architecture, a loss and a point, for the CLI commands that analyse one point.

Format (TOML; arrays inline as nested lists, or as paths to ``.npy``/``.npz`` files relative to
the SPEC file; ``W_1`` is the first layer)::

    [architecture]
    widths = [3, 2, 2, 3]            # d_0 (input) first

    [loss]
    type = "squared"                 # squared | distance | linear_quadratic | logistic
    X = "X.npy"                      # squared, logistic: d_0 × n
    Y = [[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]   # squared: d_h × n
    # distance: Q0 (d_h × d_0), phi (optional, d_h d_0 × d_h d_0)
    # linear_quadratic: A, c, W0 (optional)
    # logistic: X, labels, ridge
    # or generate data: random = true, seed = 0, n = 10 (squared / distance / logistic)

    [point]
    layers = [[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]], ...]   # W_1, ..., W_h inline
    # or file = "theta.npz"  (keys W1..Wh, or arr_0..arr_{h-1}, in layer order)
    # or random = true, seed = 0, scale = 1.0

Validated with pydantic; every error names the field and what was expected.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from dlnscape.architecture import Architecture, Point, check_point, random_point
from dlnscape.errors import DlnscapeError, SpecError
from dlnscape.landscape import Landscape
from dlnscape.losses import DistanceLoss, LinearQuadraticLoss, LogisticLoss, Loss, SquaredLoss
from dlnscape.models.linear import LinearNetwork

ArrayLike = str | list[Any] | float | int


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ArchitectureSpec(_Strict):
    widths: list[int]


class LossSpec(_Strict):
    type: Literal["squared", "distance", "linear_quadratic", "logistic"]
    X: ArrayLike | None = None
    Y: ArrayLike | None = None
    Q0: ArrayLike | None = None
    phi: ArrayLike | None = None
    A: ArrayLike | None = None
    c: float | None = None
    W0: ArrayLike | None = None
    labels: ArrayLike | None = None
    ridge: float = 0.0
    random: bool = False
    seed: int = 0
    n: int = 10


class PointSpec(_Strict):
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


class Spec(_Strict):
    architecture: ArchitectureSpec
    loss: LossSpec
    point: PointSpec


def _array(value: ArrayLike | None, field: str, base: Path) -> np.ndarray | None:
    if value is None:
        return None
    if isinstance(value, str):
        path = (base / value).expanduser()
        if not path.exists():
            raise SpecError(f"{field}: file {path} does not exist")
        data = np.load(path, allow_pickle=False)
        if isinstance(data, np.lib.npyio.NpzFile):
            if len(data.files) != 1:
                raise SpecError(f"{field}: expected one array in {path}, found {data.files}")
            return np.asarray(data[data.files[0]], dtype=np.float64)
        return np.asarray(data, dtype=np.float64)
    try:
        return np.asarray(value, dtype=np.float64)
    except ValueError:
        raise SpecError(f"{field}: expected a rectangular nested list of numbers") from None


def build_loss(spec: LossSpec, arch: Architecture, base: Path) -> Loss:
    m, n0 = arch.end_to_end_shape
    rng = np.random.default_rng(spec.seed)
    a = lambda name: _array(getattr(spec, name), f"loss.{name}", base)  # noqa: E731

    def need(name: str) -> np.ndarray:
        v = a(name)
        if v is None:
            raise SpecError(f"loss.{name}: required for type={spec.type!r} (or set random = true)")
        return v

    if spec.type == "squared":
        if spec.random:
            return SquaredLoss(rng.standard_normal((n0, spec.n)), rng.standard_normal((m, spec.n)))
        return SquaredLoss(need("X"), need("Y"))
    if spec.type == "distance":
        if spec.random:
            return DistanceLoss(rng.standard_normal((m, n0)), rng.standard_normal((m * n0, m * n0)))
        return DistanceLoss(need("Q0"), a("phi"))
    if spec.type == "linear_quadratic":
        if spec.c is None:
            raise SpecError("loss.c: required for type='linear_quadratic'")
        return LinearQuadraticLoss(need("A"), spec.c, a("W0"))
    if spec.random:
        X = rng.standard_normal((n0, spec.n))
        return LogisticLoss(X, np.sign(rng.standard_normal((m, spec.n))) + 0.0, spec.ridge or 0.1)
    return LogisticLoss(need("X"), need("labels"), spec.ridge)


def build_point(spec: PointSpec, arch: Architecture, base: Path) -> Point:
    given = sum([spec.layers is not None, spec.file is not None, spec.random])
    if given != 1:
        raise SpecError("point: give exactly one of layers = [...], file = '...', random = true")
    if spec.random:
        return random_point(arch, spec.seed, spec.scale)
    if spec.layers is not None:
        layers = [_array(v, f"point.layers[{i}]", base) for i, v in enumerate(spec.layers)]
    else:
        path = base / spec.file
        if not path.exists():
            raise SpecError(f"point.file: file {path} does not exist")
        with np.load(path, allow_pickle=False) as data:
            keys = list(data.files)
            named = [f"W{i}" for i in range(1, arch.h + 1)]
            keys = named if all(k in keys for k in named) else keys
            layers = [np.asarray(data[k], dtype=np.float64) for k in keys]
    return check_point(arch, layers, "point.layers")


def load_spec(path: str | Path, *, need_point: bool = True) -> tuple[Landscape, Point]:
    """Read a SPEC file and return ``(landscape, theta)``; errors are :class:`SpecError`.

    With ``need_point=False`` (commands that analyse the loss only) a missing ``[point]``
    section is allowed and a random point is returned.
    """
    path = Path(path)
    if not path.exists():
        raise SpecError(f"SPEC: file {path} does not exist")
    try:
        raw = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as e:
        raise SpecError(f"SPEC: {path} is not valid TOML: {e}") from None
    if not need_point:
        raw.setdefault("point", {"random": True, "seed": 0})
    return spec_from_dict(raw, path.parent)


def spec_from_dict(raw: dict, base: Path | str = ".") -> tuple[Landscape, Point]:
    base = Path(base)
    try:
        spec = Spec.model_validate(raw)
    except ValidationError as e:
        msgs = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in e.errors()
        )
        raise SpecError(f"SPEC: {msgs}") from None
    try:
        arch = Architecture(spec.architecture.widths)
        loss = build_loss(spec.loss, arch, base)
        landscape = Landscape(LinearNetwork(arch), loss)
        theta = build_point(spec.point, arch, base)
    except SpecError:
        raise
    except DlnscapeError as e:
        raise SpecError(f"SPEC: {e}") from None
    return landscape, theta
