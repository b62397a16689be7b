"""The losses and the models that SPEC files and the CLI can name: one table per kind.

``LOSSES[name]`` (:class:`LossEntry`) says, for each loss type of a SPEC's ``[loss]`` section,

* ``params``: the pydantic model of the section (unknown keys rejected);
* ``build(params, ctx)``: the loss from a validated section (arrays read with ``ctx.array``);
* ``random(target, rng, n)``: a random instance on the model's output (seeded generator);
* ``write(loss)``: the section back as a dict of plain lists, which ``build`` turns into a loss
  with identical values and derivatives.

``MODELS[name]`` (:class:`ModelEntry`) says the same for the ``[model]`` table (``build``,
``write``), how to make a small random ``example`` (``dlnscape derivatives --model NAME``) and
whether the model's output is a matrix acting on inputs (linear families: the loss brings its
data, ``SquaredLoss(X, Y)`` is ``½‖F X − Y‖²``) or the outputs on the model's own data
(``outputs_on_data``: the loss is on F itself, ``SquaredLoss(I_n, Y)`` is ``½‖F − Y‖²``).

Model modules are imported inside the builders, so importing this module imports no model.
Every error is a :class:`~dlnscape.errors.SpecError` naming the field (``loss.Y``,
``model.units``, …).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, NamedTuple

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from dlnscape.architecture import Architecture, Point
from dlnscape.errors import DlnscapeError, LossError, SpecError
from dlnscape.losses import (
    DistanceLoss,
    JaxLoss,
    LinearQuadraticLoss,
    LogisticLoss,
    Loss,
    SquaredLoss,
)
from dlnscape.validate import check_memory, check_rng, check_seed, check_size

#: an array in a SPEC: a nested list (or a number), or a path to a ``.npy``/``.npz`` file
ArrayLike = str | list[Any] | float | int


class StrictParams(BaseModel):
    """A SPEC section: unknown keys are errors."""

    model_config = ConfigDict(extra="forbid")


def validation_message(err: ValidationError, prefix: str) -> str:
    """``prefix.key: message`` for each error of a pydantic validation, joined by ``; ``."""
    parts = []
    for e in err.errors():
        loc = ".".join(str(p) for p in e["loc"])
        where = f"{prefix}.{loc}" if prefix and loc else (loc or prefix)
        msg = e["msg"]
        if e["type"] == "extra_forbidden":
            msg = "unknown key"
        parts.append(f"{where}: {msg}")
    return "; ".join(parts)


def validate_section(params: type[StrictParams], section: Mapping[str, Any], prefix: str,
                     what: str = "") -> StrictParams:
    """``params.model_validate(section)`` with errors as :class:`SpecError` naming the key."""
    if not isinstance(section, Mapping):
        raise SpecError(f"{prefix}: expected a table (key = value pairs), got {section!r}")
    try:
        return params.model_validate(dict(section))
    except ValidationError as e:
        msg = validation_message(e, prefix)
        if what and "unknown key" in msg:
            keys = sorted(params.model_fields, key=lambda k: (k != "type", k in RANDOM_KEYS))
            allowed = ", ".join(keys)
            msg += f" (keys of {what}: {allowed})"
        raise SpecError(f"SPEC: {msg}") from None


def read_array(value: ArrayLike | None, field: str, base: Path | str = ".") -> np.ndarray | None:
    """A SPEC array as float64: inline (nested lists or a number) or a ``.npy``/``.npz`` path
    relative to ``base``; None stays None."""
    if value is None:
        return None
    if isinstance(value, str):
        path = (Path(base) / value).expanduser()
        if not path.exists():
            raise SpecError(f"{field}: file {path} does not exist")
        try:
            data = np.load(path, allow_pickle=False)
        except (OSError, ValueError) as e:
            raise SpecError(f"{field}: cannot read {path} as .npy/.npz: {e}") from None
        if isinstance(data, np.lib.npyio.NpzFile):
            with data:
                if len(data.files) != 1:
                    raise SpecError(f"{field}: expected one array in {path}, found {data.files}")
                return np.asarray(data[data.files[0]], dtype=np.float64)
        return np.asarray(data, dtype=np.float64)
    try:
        return np.asarray(value, dtype=np.float64)
    except (ValueError, TypeError):
        raise SpecError(f"{field}: expected a rectangular nested list of numbers") from None


@dataclass(frozen=True)
class BuildContext:
    """What a builder needs besides its section: where relative paths start, and which
    section it builds (for error messages)."""

    base: Path = Path(".")
    section: str = "loss"

    def array(self, value: ArrayLike | None, key: str) -> np.ndarray | None:
        return read_array(value, f"{self.section}.{key}", self.base)

    def need(self, value: ArrayLike | None, key: str, why: str) -> np.ndarray:
        a = self.array(value, key)
        if a is None:
            raise SpecError(f"{self.section}.{key}: required ({why})")
        return a


class LossTarget(NamedTuple):
    """What a loss is a function of: ``shape`` (m, k) of the model's output, and whether that
    output is the outputs on the model's data (``on_outputs``: data losses get ``X = I_k``)
    or a matrix acting on inputs (the loss brings data X with k rows)."""

    shape: tuple[int, int]
    on_outputs: bool = False


def _as_list(a: np.ndarray | None):
    return None if a is None else np.asarray(a, dtype=np.float64).tolist()


# ------------------------------------------------------------------------------------------
# losses
RANDOM_KEYS = ("random", "seed", "n")


class RandomData(StrictParams):
    random: bool = False
    seed: int = 0
    n: int | None = None


class SquaredParams(RandomData):
    type: Literal["squared"] = "squared"
    X: ArrayLike | None = None
    Y: ArrayLike | None = None


class DistanceParams(RandomData):
    type: Literal["distance"] = "distance"
    Q0: ArrayLike | None = None
    phi: ArrayLike | None = None


class LinearQuadraticParams(RandomData):
    type: Literal["linear_quadratic"] = "linear_quadratic"
    A: ArrayLike | None = None
    c: float | None = None
    W0: ArrayLike | None = None


class LogisticParams(RandomData):
    type: Literal["logistic"] = "logistic"
    X: ArrayLike | None = None
    labels: ArrayLike | None = None
    ridge: float | None = None


class QuarticParams(RandomData):
    type: Literal["quartic"] = "quartic"
    C: ArrayLike | None = None
    B: ArrayLike | None = None


@dataclass(frozen=True, eq=False)
class QuarticLoss(JaxLoss):
    """``l(W) = ¼‖W Wᵀ − C‖² + ⟨B, W⟩`` (C symmetric m × m, B like W): a non-quadratic
    polynomial loss defined in JAX (``dlnscape derivatives --loss quartic``)."""

    C: np.ndarray | None = None
    B: np.ndarray | None = None


def quartic_loss(C, B) -> QuarticLoss:
    """:class:`QuarticLoss` for ``C`` (m × m, symmetrised) and ``B`` (m × k)."""
    C = np.asarray(C, dtype=np.float64)
    B = np.asarray(B, dtype=np.float64)
    if B.ndim != 2 or C.shape != (B.shape[0], B.shape[0]):
        raise LossError(f"C: expected a {B.shape[0] if B.ndim == 2 else 'm'}×"
                        f"{B.shape[0] if B.ndim == 2 else 'm'} matrix (B is {B.shape}), got "
                        f"shape {C.shape}")
    if not (np.isfinite(C).all() and np.isfinite(B).all()):
        raise LossError("C, B: expected finite numbers")
    from dlnscape.jax_support import jnp

    jC, jB = jnp.asarray(C), jnp.asarray(B)

    def fn(W):
        return 0.25 * jnp.sum((W @ W.T - jC) ** 2) + jnp.sum(jB * W)

    return QuarticLoss(fn, shape=B.shape, name="quartic", degree=4, C=C, B=B)


def _data_X(X: np.ndarray | None, target: LossTarget, ctx: BuildContext, kind: str) -> np.ndarray:
    if X is not None:
        return X
    if target.on_outputs:
        return np.eye(target.shape[1])
    raise SpecError(f"{ctx.section}.X: required for type={kind!r} on a linear model's "
                    f"end-to-end matrix (the data, {target.shape[1]} × n; or random = true)")


def _squared_build(p: SquaredParams, ctx: BuildContext, target: LossTarget) -> Loss:
    X = _data_X(ctx.array(p.X, "X"), target, ctx, "squared")
    return SquaredLoss(X, ctx.need(p.Y, "Y", "type='squared': the targets"))


def _squared_random(target: LossTarget, rng: np.random.Generator, n: int | None) -> Loss:
    m, k = target.shape
    if target.on_outputs:
        return SquaredLoss(np.eye(k), rng.standard_normal((m, k)))
    n = 10 if n is None else n
    return SquaredLoss(rng.standard_normal((k, n)), rng.standard_normal((m, n)))


def _squared_write(loss: SquaredLoss) -> dict:
    return {"type": "squared", "X": _as_list(loss.X), "Y": _as_list(loss.Y)}


def _distance_build(p: DistanceParams, ctx: BuildContext, target: LossTarget) -> Loss:
    return DistanceLoss(ctx.need(p.Q0, "Q0", "type='distance': the target matrix"),
                        ctx.array(p.phi, "phi"))


def _distance_random(target: LossTarget, rng: np.random.Generator, n: int | None) -> Loss:
    m, k = target.shape
    return DistanceLoss(rng.standard_normal((m, k)), rng.standard_normal((m * k, m * k)))


def _distance_write(loss: DistanceLoss) -> dict:
    d = {"type": "distance", "Q0": _as_list(loss.Q0)}
    if loss.phi is not None:
        d["phi"] = _as_list(loss.phi)
    return d


def _lq_build(p: LinearQuadraticParams, ctx: BuildContext, target: LossTarget) -> Loss:
    if p.c is None:
        raise SpecError(f"{ctx.section}.c: required for type='linear_quadratic'")
    return LinearQuadraticLoss(ctx.need(p.A, "A", "type='linear_quadratic'"), p.c,
                               ctx.array(p.W0, "W0"))


def _lq_random(target: LossTarget, rng: np.random.Generator, n: int | None) -> Loss:
    m, k = target.shape
    return LinearQuadraticLoss(rng.standard_normal((m, k)), 1.0, rng.standard_normal((m, k)))


def _lq_write(loss: LinearQuadraticLoss) -> dict:
    return {"type": "linear_quadratic", "A": _as_list(loss.A), "c": float(loss.c),
            "W0": _as_list(loss.W0)}


def _logistic_build(p: LogisticParams, ctx: BuildContext, target: LossTarget) -> Loss:
    X = _data_X(ctx.array(p.X, "X"), target, ctx, "logistic")
    return LogisticLoss(X, ctx.need(p.labels, "labels", "type='logistic': ±1 or 0/1 labels"),
                        0.0 if p.ridge is None else p.ridge)


def _logistic_random(target: LossTarget, rng: np.random.Generator, n: int | None) -> Loss:
    m, k = target.shape
    if target.on_outputs:
        X, n = np.eye(k), k
    else:
        n = 10 if n is None else n
        X = rng.standard_normal((k, n))
    labels = np.sign(rng.standard_normal((m, n))) + 0.0
    labels[labels == 0] = 1.0
    return LogisticLoss(X, labels, 0.1)


def _logistic_write(loss: LogisticLoss) -> dict:
    return {"type": "logistic", "X": _as_list(loss.X), "labels": _as_list(loss.labels),
            "ridge": float(loss.ridge)}


def _quartic_build(p: QuarticParams, ctx: BuildContext, target: LossTarget) -> Loss:
    return quartic_loss(ctx.need(p.C, "C", "type='quartic': symmetric m × m"),
                        ctx.need(p.B, "B", "type='quartic': the linear term"))


def _quartic_random(target: LossTarget, rng: np.random.Generator, n: int | None) -> Loss:
    m, k = target.shape
    C = rng.standard_normal((m, m))
    return quartic_loss(C + C.T, rng.standard_normal((m, k)))


def _quartic_write(loss: QuarticLoss) -> dict:
    return {"type": "quartic", "C": _as_list(loss.C), "B": _as_list(loss.B)}


@dataclass(frozen=True)
class LossEntry:
    """One loss type (module docstring)."""

    name: str
    summary: str
    cls: type
    params: type[StrictParams]
    build: Callable[[Any, BuildContext, LossTarget], Loss]
    random: Callable[[LossTarget, np.random.Generator, int | None], Loss]
    write: Callable[[Any], dict]
    #: number of data columns (``n``) its random instances use on a linear model
    uses_n: bool = False


LOSSES: dict[str, LossEntry] = {
    e.name: e for e in (
        LossEntry("squared", "½‖F X − Y‖² (X = I on a nonlinear model's outputs)", SquaredLoss,
                  SquaredParams, _squared_build, _squared_random, _squared_write, uses_n=True),
        LossEntry("distance", "‖φ vec(F − Q0)‖² (no ½)", DistanceLoss, DistanceParams,
                  _distance_build, _distance_random, _distance_write),
        LossEntry("linear_quadratic", "⟨A, F⟩ + (c/2)‖F − W0‖²", LinearQuadraticLoss,
                  LinearQuadraticParams, _lq_build, _lq_random, _lq_write),
        LossEntry("logistic", "mean log(1 + exp(−y ⊙ F X)) + (ridge/2)‖F‖²", LogisticLoss,
                  LogisticParams, _logistic_build, _logistic_random, _logistic_write,
                  uses_n=True),
        LossEntry("quartic", "¼‖F Fᵀ − C‖² + ⟨B, F⟩ (defined in JAX)", QuarticLoss,
                  QuarticParams, _quartic_build, _quartic_random, _quartic_write),
    )
}


def loss_entry(name: str, field: str = "loss.type") -> LossEntry:
    try:
        return LOSSES[name]
    except (KeyError, TypeError):
        raise SpecError(f"{field}: expected one of {', '.join(LOSSES)}, got {name!r}") from None


def loss_from_spec(section: Mapping[str, Any], target: LossTarget,
                   base: Path | str = ".", prefix: str = "loss") -> Loss:
    """The loss of a SPEC ``[loss]`` section on the model's output ``target``."""
    if not isinstance(section, Mapping):
        raise SpecError(f"{prefix}: expected a table with a type, got {section!r}")
    if "type" not in section:
        raise SpecError(f"{prefix}.type: required (one of {', '.join(LOSSES)})")
    entry = loss_entry(section["type"], f"{prefix}.type")
    p = validate_section(entry.params, section, prefix, f"type={entry.name!r}")
    if p.random:
        given = [k for k in section if k not in ("type", "random", "seed", "n", "ridge", "c")]
        if given:
            raise SpecError(f"{prefix}: random = true draws the data; remove "
                            f"{', '.join(f'{prefix}.{k}' for k in given)} (or random = false)")
        if p.n is not None and (not entry.uses_n or target.on_outputs):
            why = ("the model's outputs fix the data columns" if target.on_outputs
                   else f"type={entry.name!r} has no data columns")
            raise SpecError(f"{prefix}.n: not used here ({why})")
        if p.n is not None:
            check_size(p.n, f"{prefix}.n", what="data columns")
        gen = check_rng(check_seed(p.seed, f"{prefix}.seed"), f"{prefix}.seed")
        check_random_loss_memory(entry.name, target, p.n, f"{prefix}: random = true")
        loss = entry.random(target, gen, p.n)
        if getattr(p, "ridge", None) is not None:  # logistic: the data are drawn, ridge given
            loss = LogisticLoss(loss.X, loss.labels, p.ridge)
        if getattr(p, "c", None) is not None:  # linear_quadratic: A, W0 drawn, c given
            loss = LinearQuadraticLoss(loss.A, p.c, loss.W0)
        return loss
    if p.n is not None:
        raise SpecError(f"{prefix}.n: only used with random = true")
    try:
        return entry.build(p, BuildContext(Path(base), prefix), target)
    except SpecError:
        raise
    except DlnscapeError as e:
        raise SpecError(keyed_message(prefix, str(e), entry)) from None


def random_loss(name: str, target: LossTarget | tuple[int, int], rng=None,
                n: int | None = None) -> Loss:
    """A random instance of loss ``name`` on outputs of ``target`` (a :class:`LossTarget` or a
    shape of a linear model's end-to-end matrix), drawn from ``np.random.default_rng(rng)``;
    ``n`` data columns where the loss has data (default 10)."""
    entry = loss_entry(name, "loss")
    if not isinstance(target, LossTarget):
        target = LossTarget(tuple(target))
    if n is not None:
        check_size(n, "n", what="data columns")
    gen = check_rng(rng)
    check_random_loss_memory(entry.name, target, n, f"random_loss({name!r})")
    return entry.random(target, gen, n)


def random_loss_bytes(name: str, target: LossTarget, n: int | None = None) -> int:
    """Bytes of the data a random instance of loss ``name`` on ``target`` draws (from the
    shapes only, before drawing): φ of a distance loss has (m k)² entries, a squared loss
    keeps the k × k Gram matrix X Xᵀ."""
    m, k = (int(x) for x in target.shape)
    cols = k if target.on_outputs else (10 if n is None else int(n))
    entries = {"squared": (k + m) * cols + k * k, "logistic": (k + m) * cols,
               "distance": m * k + (m * k) ** 2, "linear_quadratic": 2 * m * k,
               "quartic": m * m + m * k}.get(name, m * k)
    return 8 * entries


def check_random_loss_memory(name: str, target: LossTarget, n: int | None, what: str) -> None:
    """:func:`~dlnscape.validate.check_memory` of :func:`random_loss_bytes` against the
    default budget, before anything is drawn."""
    from dlnscape.validate import DEFAULT_MEMORY_BUDGET

    m, k = target.shape
    check_memory(random_loss_bytes(name, target, n), f"{what} (the data of a {name} loss on "
                 f"{m}×{k} outputs)", DEFAULT_MEMORY_BUDGET, "; use smaller widths")


def find_loss_entry(loss: Loss) -> LossEntry:
    """The entry whose class is exactly ``type(loss)`` (subclasses are other losses)."""
    for e in LOSSES.values():
        if type(loss) is e.cls:
            return e
    raise DlnscapeError(
        f"loss: {type(loss).__name__} cannot be written to a SPEC (registered loss types: "
        f"{', '.join(LOSSES)})")


def loss_name_of(loss: Loss) -> str:
    """The registry name of ``loss`` (its class name when it is not registered)."""
    try:
        return find_loss_entry(loss).name
    except DlnscapeError:
        return type(loss).__name__


def loss_to_spec(loss: Loss) -> dict:
    """The ``[loss]`` section of a SPEC that rebuilds ``loss`` (arrays inlined)."""
    return find_loss_entry(loss).write(loss)


# ------------------------------------------------------------------------------------------
# models
class WidthsParams(StrictParams):
    type: str
    widths: list[int]


class ResidualParams(StrictParams):
    type: Literal["residual"] = "residual"
    d: int
    units: int
    layers_per_unit: int


class DataParams(StrictParams):
    """A model on data: ``X`` (d_x × n, inline or a file) or random data of ``d_x`` rows and
    ``n`` columns drawn with ``data_seed``."""

    X: ArrayLike | None = None
    d_x: int | None = None
    n: int | None = None
    data_seed: int = 0


class ActivationSpec(StrictParams):
    """An activation with a parameter: ``{name = "leaky_relu", a = 0.2}``."""

    name: str
    a: float | None = None


class OneHiddenParams(DataParams):
    type: Literal["one_hidden"] = "one_hidden"
    sigma: str
    a: float | None = None
    hidden: int | None = None
    d_out: int | None = None


class PyramidalParams(DataParams):
    type: Literal["pyramidal"] = "pyramidal"
    widths: list[int]
    sigmas: str | list[str | dict[str, Any]]


class PathParams(StrictParams):
    type: Literal["path"] = "path"
    widths: list[int]
    rho: float


def model_data(p: DataParams, ctx: BuildContext) -> np.ndarray:
    """``X`` of a model on data: given, or random (``d_x`` × ``n``, seed ``data_seed``)."""
    X = ctx.array(p.X, "X")
    if X is not None:
        if p.d_x is not None or p.n is not None:
            raise SpecError(f"{ctx.section}: give X or (d_x, n) for random data, not both")
        return X
    if p.d_x is None or p.n is None:
        raise SpecError(f"{ctx.section}.X: required (the data, d_x × n), or give d_x and n "
                        "for random data")
    for k, v in (("d_x", p.d_x), ("n", p.n)):
        if v < 1:
            raise SpecError(f"{ctx.section}.{k}: expected a positive integer, got {v}")
    return np.random.default_rng(p.data_seed).standard_normal((p.d_x, p.n))


def _sigma(spec: str | Mapping, a: float | None, field: str, a_field: str):
    """The activation named ``spec`` (or ``{name, a}``) with slope ``a``; errors name
    ``field`` (the name) or ``a_field`` (the slope)."""
    from dlnscape.models.activations import activation

    if isinstance(spec, Mapping):
        p = validate_section(ActivationSpec, spec, field)
        spec, a, a_field = p.name, p.a, f"{field}.a"
    try:
        return activation(spec, a)
    except DlnscapeError as e:
        msg = str(e)
        if msg.startswith("a: "):
            raise SpecError(f"{a_field}: {msg.removeprefix('a: ')}") from None
        raise SpecError(f"{field}: {msg.removeprefix('sigma: ')}") from None


def _linear_build(p: WidthsParams, ctx: BuildContext):
    from dlnscape.models.linear import LinearNetwork

    return LinearNetwork(Architecture(p.widths))


def _normalized_build(p: WidthsParams, ctx: BuildContext):
    from dlnscape.models.normalized import NormalizedLinearNetwork

    return NormalizedLinearNetwork(Architecture(p.widths))


def _widths_write(name: str):
    def write(model) -> dict:
        return {"type": name, "widths": [int(w) for w in model.arch.widths]}

    return write


def _residual_build(p: ResidualParams, ctx: BuildContext):
    from dlnscape.models.residual import ResidualLinearNetwork

    return ResidualLinearNetwork(p.d, p.units, p.layers_per_unit)


def _residual_write(model) -> dict:
    return {"type": "residual", "d": int(model.d), "units": int(model.units),
            "layers_per_unit": int(model.layers_per_unit)}


def _one_hidden_build(p: OneHiddenParams, ctx: BuildContext):
    from dlnscape.models.one_hidden import OneHiddenLayerNetwork

    X = model_data(p, ctx)
    sigma = _sigma(p.sigma, p.a, f"{ctx.section}.sigma", f"{ctx.section}.a")
    return OneHiddenLayerNetwork(X, sigma, p.hidden, p.d_out)


def activation_to_spec(sigma) -> str | dict:
    """A named activation as its SPEC value: the name, or ``{name, a}`` when it has a
    parameter. Custom (JAX-function) activations cannot be written."""
    from dlnscape.models.activations import NAMES

    if getattr(sigma, "name", None) not in NAMES:
        raise DlnscapeError(f"sigma: {sigma!r} is a custom activation; only the named ones "
                            f"({', '.join(NAMES)}) can be written to a SPEC")
    return sigma.name if sigma.a is None else {"name": sigma.name, "a": float(sigma.a)}


def _one_hidden_write(model) -> dict:
    sigma = activation_to_spec(model.sigma)
    d = {"type": "one_hidden", "X": _as_list(model.X)}
    if isinstance(sigma, dict):
        d["sigma"], d["a"] = sigma["name"], sigma["a"]
    else:
        d["sigma"] = sigma
    d["hidden"] = int(model.hidden)
    d["d_out"] = int(model.d_out)
    return d


def _pyramidal_build(p: PyramidalParams, ctx: BuildContext):
    from dlnscape.models.pyramidal import PyramidalNetwork

    X = model_data(p, ctx)
    if isinstance(p.sigmas, list):
        sigmas = [_sigma(s, None, f"{ctx.section}.sigmas[{i}]", f"{ctx.section}.sigmas[{i}]")
                  for i, s in enumerate(p.sigmas)]
    else:
        sigmas = [_sigma(p.sigmas, None, f"{ctx.section}.sigmas", f"{ctx.section}.sigmas")
                  ] * len(p.widths)
    return PyramidalNetwork(X, p.widths, sigmas)


def _pyramidal_write(model) -> dict:
    return {"type": "pyramidal", "X": _as_list(model.X), "widths": [int(w) for w in model.widths],
            "sigmas": [activation_to_spec(s) for s in model.sigmas]}


def _path_build(p: PathParams, ctx: BuildContext):
    from dlnscape.models.path import KawaguchiPathModel

    return KawaguchiPathModel(Architecture(p.widths), p.rho)


def _path_write(model) -> dict:
    return {"type": "path", "widths": [int(w) for w in model.arch.widths],
            "rho": float(model.rho)}


@dataclass(frozen=True)
class ModelEntry:
    """One model type (module docstring). ``cls_path`` is ``module:Class`` (not imported
    until used); ``example`` is a small random instance for ``dlnscape derivatives``."""

    name: str
    summary: str
    cls_path: str
    params: type[StrictParams]
    build: Callable[[Any, BuildContext], Any]
    write: Callable[[Any], dict]
    example: dict
    outputs_on_data: bool = False

    def matches(self, model) -> bool:
        mod, _, cls = self.cls_path.partition(":")
        t = type(model)
        return t.__module__ == mod and t.__qualname__ == cls


MODELS: dict[str, ModelEntry] = {
    e.name: e for e in (
        ModelEntry("linear", "W_h ⋯ W_1 (widths d_0, …, d_h, input first)",
                   "dlnscape.models.linear:LinearNetwork", WidthsParams, _linear_build,
                   _widths_write("linear"), {"widths": [3, 2, 2, 3]}),
        ModelEntry("normalized", "W_h (W_{h-1}/‖W_{h-1}‖) ⋯ (W_1/‖W_1‖)",
                   "dlnscape.models.normalized:NormalizedLinearNetwork", WidthsParams,
                   _normalized_build, _widths_write("normalized"), {"widths": [3, 2, 2, 3]}),
        ModelEntry("residual", "Π_k (I + A_{k,r} ⋯ A_{k,1}), d × d blocks",
                   "dlnscape.models.residual:ResidualLinearNetwork", ResidualParams,
                   _residual_build, _residual_write,
                   {"d": 2, "units": 2, "layers_per_unit": 2}),
        ModelEntry("one_hidden", "W_2 σ(W_1 X) on data X",
                   "dlnscape.models.one_hidden:OneHiddenLayerNetwork", OneHiddenParams,
                   _one_hidden_build, _one_hidden_write,
                   {"d_x": 2, "n": 4, "sigma": "tanh", "hidden": 3, "d_out": 2},
                   outputs_on_data=True),
        ModelEntry("pyramidal", "σ_h(W_h ⋯ σ_1(W_1 X)) on data X, widths d_1 ≥ … ≥ d_h",
                   "dlnscape.models.pyramidal:PyramidalNetwork", PyramidalParams,
                   _pyramidal_build, _pyramidal_write,
                   {"d_x": 4, "n": 3, "widths": [3, 2], "sigmas": ["tanh", "softplus"]},
                   outputs_on_data=True),
        ModelEntry("path", "E_Z of Kawaguchi's gated path model, Bernoulli(rho) gates, q = 1/rho "
                   "(= W_h ⋯ W_1)", "dlnscape.models.path:KawaguchiPathModel", PathParams,
                   _path_build, _path_write, {"widths": [3, 2, 2], "rho": 0.5}),
    )
}


def keyed_message(prefix: str, msg: str, entry: ModelEntry | LossEntry) -> str:
    """``prefix.key…: …`` when a constructor's message starts with one of the section's keys
    (``widths[1]: expected …`` → ``model.widths[1]: expected …``), else
    ``prefix (type='…'): message``."""
    m = re.match(r"([A-Za-z_]\w*)(\[[^\]]*\])*:", msg)
    if m and m.group(1) in entry.params.model_fields:
        return f"{prefix}.{msg}"
    return f"{prefix} (type={entry.name!r}): {msg}"


def model_entry(name: str, field: str = "model.type") -> ModelEntry:
    try:
        return MODELS[name]
    except (KeyError, TypeError):
        raise SpecError(f"{field}: expected one of {', '.join(MODELS)}, got {name!r}") from None


def model_from_spec(section: Mapping[str, Any], base: Path | str = ".",
                    prefix: str = "model"):
    """The model of a SPEC ``[model]`` table."""
    if not isinstance(section, Mapping):
        raise SpecError(f"{prefix}: expected a table with a type, got {section!r}")
    if "type" not in section:
        raise SpecError(f"{prefix}.type: required (one of {', '.join(MODELS)})")
    entry = model_entry(section["type"], f"{prefix}.type")
    p = validate_section(entry.params, section, prefix, f"type={entry.name!r}")
    try:
        return entry.build(p, BuildContext(Path(base), prefix))
    except SpecError:
        raise
    except DlnscapeError as e:
        raise SpecError(keyed_message(prefix, str(e), entry)) from None


def example_model(name: str, widths: list[int] | None = None):
    """A small instance of model ``name`` (``widths`` replaces the example's, where it has
    widths)."""
    entry = model_entry(name, "--model")
    section = {"type": name, **entry.example}
    if widths is not None:
        if "widths" not in section:
            raise SpecError(f"--widths: model {name!r} has no widths "
                            f"(its parameters: {', '.join(entry.example)})")
        section["widths"] = list(widths)
    return model_from_spec(section, prefix=f"model ({name})")


def find_model_entry(model) -> ModelEntry:
    for e in MODELS.values():
        if e.matches(model):
            return e
    raise DlnscapeError(
        f"model: {type(model).__name__} cannot be written to a SPEC (registered model types: "
        f"{', '.join(MODELS)})")


def model_to_spec(model) -> dict:
    """The ``[model]`` table of a SPEC that rebuilds ``model`` (arrays inlined)."""
    return find_model_entry(model).write(model)


def loss_target(model) -> LossTarget:
    """The :class:`LossTarget` of ``model``'s output (unregistered models: their outputs
    unless they are linear networks)."""
    try:
        on = find_model_entry(model).outputs_on_data
    except DlnscapeError:
        on = model.linear_network is None
    return LossTarget(tuple(model.output_shape), on)


def random_point(model, rng=None, scale: float | None = None) -> Point:
    """A Gaussian point of ``model``'s blocks (in block order): entries of standard deviation
    ``scale``, default ``1/√(last dimension)`` per block (variance preserving; for a linear
    network this is :func:`dlnscape.architecture.random_point`). Validated by the model."""
    rng = check_rng(rng)
    if scale is not None and (not np.isfinite(scale) or scale < 0):
        raise SpecError(f"point.scale: expected a finite non-negative number, got {scale}")
    from dlnscape.validate import DEFAULT_MEMORY_BUDGET

    check_memory(8 * int(model.n_params), f"random_point: a point of {model!r} "
                 f"(P={model.n_params} parameters)", DEFAULT_MEMORY_BUDGET,
                 "; use smaller widths")
    blocks = []
    for shape in model.shapes:
        shape = tuple(int(s) for s in shape)
        s = scale if scale is not None else 1.0 / np.sqrt(shape[-1] if shape else 1)
        blocks.append(rng.standard_normal(shape) * s)
    return model.check(tuple(blocks), "point")


# ------------------------------------------------------------------------------------------
# regularizers: the SPEC [regularizer] table
class HadamardL2Params(StrictParams):
    """``[regularizer]``: ``kind = "hadamard_l2"`` with ``lambda = x`` (every entry) or
    ``lambdas = [Λ_1, …, Λ_h]`` (one array per parameter block, inline or ``.npy`` paths; a
    number stands for a constant block)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    kind: Literal["hadamard_l2"] = "hadamard_l2"
    lambda_: float | None = Field(default=None, alias="lambda")
    lambdas: list[ArrayLike] | None = None


def regularizer_from_spec(section: Mapping[str, Any] | None, base: Path | str = ".",
                          prefix: str = "regularizer"):
    """The :class:`~dlnscape.regularizers.HadamardL2` of a SPEC ``[regularizer]`` table (None
    when the table is absent); errors name the key."""
    if section is None:
        return None
    if not isinstance(section, Mapping):
        raise SpecError(f"{prefix}: expected a table (kind = 'hadamard_l2', lambda = … or "
                        f"lambdas = […]), got {section!r}")
    kind = section.get("kind")
    if kind != "hadamard_l2":
        raise SpecError(f"{prefix}.kind: expected 'hadamard_l2', got {kind!r}")
    p = validate_section(HadamardL2Params, section, prefix, "kind='hadamard_l2'")
    if (p.lambda_ is None) == (p.lambdas is None):
        raise SpecError(f"{prefix}: give exactly one of lambda = x (every entry) or "
                        "lambdas = [Λ_1, …, Λ_h] (one array per parameter block)")
    from dlnscape.regularizers import HadamardL2

    try:
        if p.lambda_ is not None:
            return HadamardL2(p.lambda_)
        blocks = [read_array(v, f"{prefix}.lambdas[{i}]", base) for i, v in enumerate(p.lambdas)]
        return HadamardL2(tuple(blocks))
    except DlnscapeError as e:
        msg = str(e)
        raise SpecError(msg if msg.startswith(prefix) else f"{prefix}.{msg}") from None


def regularizer_to_spec(reg) -> dict | None:
    """The ``[regularizer]`` table that rebuilds ``reg`` (None for no regularizer)."""
    return None if reg is None else reg.to_dict()
