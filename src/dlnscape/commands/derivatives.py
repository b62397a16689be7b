"""``dlnscape derivatives``: closed-form oracles vs JAX autodiff vs central finite differences.

On a random instance (model from ``--model`` with ``--widths`` where it has widths, loss from
``--loss``, data, point and direction from ``--seed``; or the model, loss and point of a SPEC
file), each derivative of ``L = l ∘ F`` is computed three ways: dlnscape's oracles (closed
forms where the model has them), JAX (x64) autodiff of ``loss.jax_value ∘
model.jax_forward`` on the packed point, and central finite differences of
``Landscape.value`` / ``Landscape.grad``. The table shows the relative errors and the
timings; the exit code is 1 when an error exceeds its tolerance.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import typer
from rich.table import Table

from dlnscape.architecture import Architecture, pack
from dlnscape.commands._common import (
    console,
    echo_json,
    friendly_errors,
    output_file,
    write_json_atomic,
)
from dlnscape.errors import ArchitectureError, DlnscapeError
from dlnscape.landscape import Landscape
from dlnscape.losses import Loss
from dlnscape.registry import (
    LOSSES,
    MODELS,
    example_model,
    loss_entry,
    loss_name_of,
    loss_target,
    model_to_spec,
    random_loss,
    random_point,
)
from dlnscape.validate import check_seed, check_size

#: tolerances of the relative errors: JAX is exact up to rounding, differences are not
JAX_RTOL = 1e-8
FD_RTOL = 1e-4
#: finite differences of the dense Hessian cost P gradients; skipped above this
FD_MAX_PARAMS = 2000


def parse_widths(text: str) -> Architecture:
    """``"3,2,2,3"`` → ``Architecture([3, 2, 2, 3])``; errors name ``--widths``."""
    parts = [p.strip() for p in text.split(",")]
    try:
        ws = [int(p) for p in parts]
    except ValueError:
        raise ArchitectureError(
            f"--widths: expected comma-separated positive integers such as 3,2,2,3, got {text!r}"
        ) from None
    try:
        return Architecture(ws)
    except ArchitectureError as e:
        raise ArchitectureError(f"--widths {text!r}: {e}") from None


def make_loss(name: str, arch: Architecture, rng: np.random.Generator, n: int) -> Loss:
    """A random instance of the loss ``name`` on ``arch``'s end-to-end matrices (the
    registry's random instance, ``n`` data columns)."""
    loss_entry(name, "--loss")
    return random_loss(name, arch.end_to_end_shape, rng, n)


def random_instance(model_name: str, widths: str | None, loss: str, seed: int,
                    n: int | None = None):
    """``(landscape, theta, direction)``: model ``model_name`` (``widths`` where it has
    widths), a random ``loss`` on its output, a random point and direction, all from
    ``np.random.default_rng(seed)``; ``n`` data columns (default 5) where the loss brings
    data (linear-family models)."""
    loss_entry(loss, "--loss")
    model = example_model(model_name, None if widths is None else
                          list(parse_widths(widths).widths))
    rng = np.random.default_rng(check_seed(seed, "--seed"))
    target = loss_target(model)
    if target.on_outputs and n is not None:
        raise DlnscapeError(f"--n: model {model_name!r} computes its outputs on its own data, "
                            "which fix the loss's columns")
    data_columns = None if target.on_outputs else (5 if n is None else n)
    land = Landscape(model, random_loss(loss, target, rng, data_columns))
    return land, random_point(model, rng), random_point(model, rng)


@dataclass(frozen=True)
class Row:
    """One quantity computed three ways."""

    quantity: str
    size: int
    rel_err_jax: float
    rel_err_fd: float | None
    seconds_closed_form: float
    seconds_jax: float
    seconds_fd: float | None
    fd_rtol: float = FD_RTOL

    @property
    def ok(self) -> bool:
        fd_ok = self.rel_err_fd is None or self.rel_err_fd <= self.fd_rtol
        return self.rel_err_jax <= JAX_RTOL and fd_ok

    def to_dict(self) -> dict[str, Any]:
        return {
            "quantity": self.quantity,
            "size": self.size,
            "rel_err_jax": self.rel_err_jax,
            "rel_err_fd": self.rel_err_fd,
            "fd_rtol": self.fd_rtol,
            "seconds_closed_form": self.seconds_closed_form,
            "seconds_jax": self.seconds_jax,
            "seconds_fd": self.seconds_fd,
            "ok": self.ok,
        }


def _rel(a, b, floor: float = 0.0) -> float:
    """‖a − b‖ / max(‖b‖, floor): ``floor`` is the size of the terms a quantity is made of, so
    that a quantity that is exactly 0 is compared with its rounding, not with 0."""
    a = np.atleast_1d(np.asarray(a, dtype=np.float64))
    b = np.atleast_1d(np.asarray(b, dtype=np.float64))
    return float(np.linalg.norm(a - b) / max(float(np.linalg.norm(b)), float(floor), 1e-300))


def _timed(fn: Callable[[], Any], repeats: int = 3) -> tuple[Any, float]:
    """Result and best time of ``repeats`` calls after one warm-up (JIT compile excluded)."""
    out = fn()
    best = math.inf
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return out, best


def _jax_reference(land: Landscape):
    """JAX functions of the packed vector: ``loss.jax_value(model.jax_forward(θ))`` plus the
    regularizer's ``jax_value(θ)`` when the landscape has one."""
    from dlnscape.jax_support import jax, jnp

    model, loss, reg = land.model, land.loss, land.regularizer
    lay = land.layout
    offs, shapes = lay.offsets, lay.shapes

    def f(x):
        theta = tuple(x[offs[i] : offs[i + 1]].reshape(shapes[i]) for i in range(len(shapes)))
        val = loss.jax_value(model.jax_forward(theta))
        return val if reg is None else val + reg.jax_value(theta)

    def derivs(x, v):  # g(t) = L(x + t v): g(0), g'(0), g''(0), g'''(0) by nested jvp
        g = lambda t: f(x + t * v)
        one = jnp.ones(())
        d1 = lambda t: jax.jvp(g, (t,), (one,))[1]
        d2 = lambda t: jax.jvp(d1, (t,), (one,))[1]
        d3 = lambda t: jax.jvp(d2, (t,), (one,))[1]
        z = jnp.zeros(())
        return jnp.stack([g(z), d1(z), d2(z), d3(z)])

    return {
        "value": jax.jit(f),
        "grad": jax.jit(jax.grad(f)),
        "hvp": jax.jit(lambda x, v: jax.jvp(jax.grad(f), (x,), (v,))[1]),
        "hessian": jax.jit(jax.hessian(f)),
        "derivs": jax.jit(derivs),
    }


def compare(land: Landscape, theta, direction, *, eps: float = 1e-5) -> list[Row]:
    """Every oracle of ``land`` at ``theta`` (and along ``direction``) three ways."""
    from dlnscape.jax_support import jax, jnp

    P = land.n_params
    x, v = pack(theta), pack(direction)
    jx, jv = jnp.asarray(x), jnp.asarray(v)
    ref = _jax_reference(land)
    rows: list[Row] = []

    def block(a):
        return np.asarray(jax.block_until_ready(a))

    def fd_grad() -> np.ndarray:
        E = np.eye(P) * eps
        return np.array([(land.value(x + e) - land.value(x - e)) / (2 * eps) for e in E])

    # value: no finite difference of a value
    val, t_ours = _timed(lambda: land.value(theta))
    jval, t_jax = _timed(lambda: block(ref["value"](jx)))
    rows.append(Row("value", 1, _rel(val, jval), None, t_ours, t_jax, None))

    g, t_ours = _timed(lambda: land.grad_flat(theta))
    jg, t_jax = _timed(lambda: block(ref["grad"](jx)))
    t0 = time.perf_counter()
    g_fd = fd_grad() if P <= FD_MAX_PARAMS else None
    t_fd = time.perf_counter() - t0 if g_fd is not None else None
    rows.append(Row("grad", P, _rel(g, jg), None if g_fd is None else _rel(g, g_fd),
                    t_ours, t_jax, t_fd))

    hv, t_ours = _timed(lambda: land.hvp_flat(theta, v))
    jhv, t_jax = _timed(lambda: block(ref["hvp"](jx, jv)))
    t0 = time.perf_counter()
    hv_fd = (land.grad_flat(x + eps * v) - land.grad_flat(x - eps * v)) / (2 * eps)
    rows.append(Row("hvp", P, _rel(hv, jhv), _rel(hv, hv_fd), t_ours, t_jax,
                    time.perf_counter() - t0))

    if land.hessian_bytes() <= land.memory_budget and P <= 4 * FD_MAX_PARAMS:
        H, t_ours = _timed(lambda: land.hessian(theta), repeats=1)
        jH, t_jax = _timed(lambda: block(ref["hessian"](jx)), repeats=1)
        H_fd, t_fd = None, None
        if P <= FD_MAX_PARAMS:
            t0 = time.perf_counter()
            E = np.eye(P) * eps
            H_fd = np.stack(
                [(land.grad_flat(x + e) - land.grad_flat(x - e)) / (2 * eps) for e in E], axis=1
            )
            t_fd = time.perf_counter() - t0
        rows.append(Row(f"hessian {P}×{P}", P * P, _rel(H, jH),
                        None if H_fd is None else _rel(H, H_fd), t_ours, t_jax, t_fd))

    # Taylor coefficients along the line: k! c_k against nested JAX derivatives and differences
    c, t_ours = _timed(lambda: land.taylor(theta, direction, 3), repeats=1)
    d_ref, t_jax = _timed(lambda: block(ref["derivs"](jx, jv)))
    f = lambda t: land.value(x + t * v)
    t0 = time.perf_counter()
    e1, e3 = 1e-4, 1e-3
    fd1 = (f(e1) - f(-e1)) / (2 * e1)
    fd2 = (f(e1) - 2 * f(0.0) + f(-e1)) / (e1 * e1)
    fd3 = (f(2 * e3) - 2 * f(e3) + 2 * f(-e3) - f(-2 * e3)) / (2 * e3**3)
    t_fd = time.perf_counter() - t0
    ours = np.array([math.factorial(k) * c[k] for k in range(4)])
    # a derivative that is exactly 0 (e.g. L(θ + tθ) quadratic in t) is measured against the
    # size of the derivatives along the same line, not against 0
    size = float(np.max(np.abs(np.asarray(d_ref, dtype=np.float64))))
    rows.append(Row("taylor k!·c_k, k≤2", 3, _rel(ours[:3], d_ref[:3], size),
                    _rel(ours[1:3], [fd1, fd2], size), t_ours, t_jax, t_fd))
    d3, t_d3 = _timed(lambda: land.directional_derivative(theta, direction, 3), repeats=1)
    rows.append(Row("d³/dt³ L(θ+tθ̇)", 1, _rel(d3, d_ref[3], size), _rel(d3, fd3, size),
                    t_d3, t_jax, t_fd, fd_rtol=1e-3))
    return rows


def _fmt_err(x: float | None) -> str:
    return "—" if x is None else f"{x:.1e}"


def _fmt_s(x: float | None) -> str:
    if x is None:
        return "—"
    return f"{x * 1e6:.0f} µs" if x < 1e-3 else f"{x * 1e3:.2f} ms" if x < 1 else f"{x:.2f} s"


def register(app: typer.Typer) -> None:
    @app.command()
    @friendly_errors
    def derivatives(
        spec: Path | None = typer.Argument(
            None, help="SPEC.toml: check the derivatives of its model, loss and point instead "
                       "of a random instance"),
        model: str = typer.Option("linear", "--model", help=f"one of: {', '.join(MODELS)}"),
        widths: str | None = typer.Option(
            None, help="widths d_0,...,d_h, input first (models with widths; default 3,2,2,3)"),
        loss: str = typer.Option("squared", help=f"one of: {', '.join(LOSSES)}"),
        seed: int = typer.Option(0, help="seed of the data, the point and the direction"),
        n: int | None = typer.Option(
            None, help="data columns of squared/logistic data on a linear-family model "
                       "(default 5; a model on data fixes them)"),
        as_json: bool = typer.Option(False, "--json", help="print the rows as JSON"),
        output: Path | None = typer.Option(None, "--output", "-o",
                                           help="write the rows as JSON to this file"),
    ) -> None:
        """Exact derivatives (closed forms, JAX defaults) vs JAX autodiff of the loss on the
        model's forward map vs central finite differences."""
        output = output_file(output, "-o")
        seed = check_seed(seed, "--seed")
        if n is not None:
            check_size(n, "--n", what="data columns")
        if spec is not None:
            if n is not None:
                raise DlnscapeError("--n: the SPEC's loss fixes its data; --n applies to random "
                                    "instances only")
            from dlnscape.spec import load_spec

            land, theta = load_spec(spec)
            direction = random_point(land.model, seed)
            loss_name = loss_name_of(land.loss)
        else:
            land, theta, direction = random_instance(model, widths, loss, seed, n)
            loss_name = loss
        rows = compare(land, theta, direction)
        net = land.model.linear_network
        try:
            model_dict = model_to_spec(land.model)
        except DlnscapeError:
            model_dict = land.model.to_dict()
        payload = {
            "model": model_dict,
            "widths": None if net is None else list(net.arch.widths),
            "loss": loss_name, "seed": seed, "n_data": n, "spec": None if spec is None
            else str(spec), "n_params": land.n_params, "jax_rtol": JAX_RTOL, "rows": rows,
            "all_ok": all(r.ok for r in rows),
        }
        if as_json:
            echo_json(payload)
        else:
            t = Table(title=f"dlnscape derivatives: {land.model!r}, P = {land.n_params}, "
                            f"loss = {loss_name}, seed = {seed}")
            for col in ("quantity", "err JAX", "err FD", "ours", "JAX jit", "FD", "ok"):
                t.add_column(col, justify="left" if col == "quantity" else "right")
            for r in rows:
                t.add_row(r.quantity, _fmt_err(r.rel_err_jax), _fmt_err(r.rel_err_fd),
                          _fmt_s(r.seconds_closed_form), _fmt_s(r.seconds_jax),
                          _fmt_s(r.seconds_fd), "[green]yes[/]" if r.ok else "[bold red]NO[/]")
            console.print(t)
            console.print(f"relative errors (norm-wise); tolerances: JAX {JAX_RTOL:.0e}, finite "
                          f"differences {FD_RTOL:.0e}; times: best of 3 after a warm-up")
        if output is not None:
            write_json_atomic(output, payload, option="-o")
            if not as_json:
                console.print(f"wrote {output}")
        if not all(r.ok for r in rows):
            raise typer.Exit(1)
