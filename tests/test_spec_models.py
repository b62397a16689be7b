"""SPEC files for every model type: load_spec / spec_from_dict, and the CLI (classify → JSON,
classify -o → verify, derivatives, geometry), with bad [model] tables as one-line errors.

Each model's output is recomputed here from its definition (numpy, not the package), so a
SPEC read with the wrong block order, data or activation fails these tests. For each model a
point θ* is written into the SPEC with a squared loss whose target is F(θ*) computed here:
L(θ*) = 0 = min l, so θ* is a global minimum by the definition of the loss alone.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from dlnscape.cli import app
from dlnscape.errors import SpecError
from dlnscape.spec import load_spec, spec_from_dict, spec_to_dict

runner = CliRunner()
RNG = np.random.default_rng(2024)
X_DATA = RNG.standard_normal((3, 2))  # d_0 = 3 > n = 2 (pyramidal setting)


def _prod(mats):
    W = mats[0]
    for M in mats[1:]:
        W = M @ W
    return W


def _residual_F(theta, d, units, r):
    W = np.eye(d)
    for k in range(units):
        W = (np.eye(d) + _prod(theta[k * r:(k + 1) * r])) @ W
    return W


def _normalized_F(theta):
    return _prod([W / np.linalg.norm(W) for W in theta[:-1]] + [theta[-1]])


# name → (model table, block shapes, F(θ) from the definition, F acts on inputs?)
CASES = {
    "linear": ({"type": "linear", "widths": [3, 2, 2]}, [(2, 3), (2, 2)], _prod, True),
    "normalized": ({"type": "normalized", "widths": [3, 2, 2]}, [(2, 3), (2, 2)],
                   _normalized_F, True),
    "residual": ({"type": "residual", "d": 2, "units": 2, "layers_per_unit": 2},
                 [(2, 2)] * 4, lambda th: _residual_F(th, 2, 2, 2), True),
    "path": ({"type": "path", "widths": [3, 2, 2], "rho": 0.25}, [(2, 3), (2, 2)], _prod, True),
    "one_hidden": ({"type": "one_hidden", "X": X_DATA.tolist(), "sigma": "tanh", "hidden": 2,
                    "d_out": 2}, [(2, 3), (2, 2)],
                   lambda th: th[1] @ np.tanh(th[0] @ X_DATA), False),
    "pyramidal": ({"type": "pyramidal", "X": X_DATA.tolist(), "widths": [2, 2],
                   "sigmas": ["tanh", {"name": "x_plus_a_tanh", "a": 0.5}]},
                  [(2, 3), (2, 2)],
                  lambda th: (lambda Z: Z + 0.5 * np.tanh(Z))(th[1] @ np.tanh(th[0] @ X_DATA)),
                  False),
}


def _point(shapes, seed):
    # not default_rng(seed): `derivatives --seed 0` draws its direction from default_rng(0),
    # and a direction equal to θ makes L(θ + tθ) of the normalized network quadratic in t
    rng = np.random.default_rng(1000 + seed)
    return [rng.standard_normal(s) for s in shapes]


def _toml_value(v) -> str:
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k} = {_toml_value(x)}" for k, x in v.items()) + "}"
    if isinstance(v, list):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    return json.dumps(v)


def _toml(spec: dict) -> str:
    out = []
    for sec, table in spec.items():
        out.append(f"[{sec}]")
        out += [f"{k} = {_toml_value(v)}" for k, v in table.items()]
    return "\n".join(out) + "\n"


def _spec(name: str, seed: int = 0, *, minimum: bool = True):
    """A SPEC dict with θ* of the given seed; the target is F(θ*) (global minimum) or, with
    ``minimum=False``, F(θ*) + a fixed offset."""
    table, shapes, F, on_inputs = CASES[name]
    theta = _point(shapes, seed)
    out = F(theta)
    target = out if minimum else out + 1.0
    if on_inputs:  # data X0 (d_0 × n0) and Y = F(θ*) X0: ½‖F X0 − Y‖²
        X0 = np.random.default_rng(99).standard_normal((out.shape[1], 4))
        loss = {"type": "squared", "X": X0.tolist(), "Y": (target @ X0).tolist()}
    else:  # on the outputs: X defaults to I, ½‖F − Y‖²
        loss = {"type": "squared", "Y": target.tolist()}
    spec = {"model": dict(table), "loss": loss, "point": {"layers": [W.tolist() for W in theta]}}
    return spec, theta, F


@pytest.mark.parametrize("name", list(CASES))
def test_spec_dict_builds_the_model_loss_and_point(name):
    spec, theta, F = _spec(name, minimum=False)
    land, th = spec_from_dict(spec)
    assert land.model.shapes == tuple(CASES[name][1])
    for a, b in zip(th, theta, strict=True):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(land.forward(th), F(theta), rtol=1e-12, atol=1e-14)
    # the loss is ½‖(F(θ) − target)·X0‖² or ½‖F(θ) − target‖²: the offset 1 everywhere
    l_spec = spec["loss"]
    if "X" in l_spec:
        X0 = np.array(l_spec["X"])
        want = 0.5 * np.sum((np.ones_like(F(theta)) @ X0) ** 2)
    else:
        want = 0.5 * F(theta).size
    assert land.value(th) == pytest.approx(want, rel=1e-10)
    # write back and rebuild: same model, loss and point
    again, th2 = spec_from_dict(spec_to_dict(land, th))
    assert again.value(th2) == land.value(th)
    np.testing.assert_array_equal(again.grad_flat(th2), land.grad_flat(th))


@pytest.mark.parametrize("name", list(CASES))
def test_cli_classify_global_minimum_then_verify_the_certificate(name, tmp_path):
    spec, _, _ = _spec(name)
    path = tmp_path / "spec.toml"
    path.write_text(_toml(spec))
    land, th = load_spec(path)
    assert land.value(th) == pytest.approx(0.0, abs=1e-20)
    cert = tmp_path / "cert.json"
    r = runner.invoke(app, ["classify", str(path), "--json", "-o", str(cert)])
    assert r.exit_code == 0, r.output
    printed = json.loads(r.output)
    assert printed["verdict"] == "global_minimum", printed.get("explanation")
    data = json.loads(cert.read_text())
    assert data["spec"]["model"]["type"] == name and data["verified"] is True
    r = runner.invoke(app, ["verify", str(cert)])
    assert r.exit_code == 0, r.output
    assert "every certificate re-checks" in r.output
    # the same certificate with the model's point moved is not supported
    data["spec"]["point"]["layers"][0][0][0] += 0.25
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data))
    r = runner.invoke(app, ["verify", str(bad)])
    assert r.exit_code == 1, r.output


@pytest.mark.parametrize("name", ["residual", "one_hidden"])
def test_cli_classify_a_non_critical_point_then_verify(name, tmp_path):
    spec, _, _ = _spec(name, seed=3, minimum=False)
    spec["point"] = {"random": True, "seed": 5}
    path = tmp_path / "spec.toml"
    path.write_text(_toml(spec))
    cert = tmp_path / "cert.json"
    r = runner.invoke(app, ["classify", str(path), "-o", str(cert)])
    assert r.exit_code == 0, r.output
    data = json.loads(cert.read_text())
    assert data["verdict"] == "not_critical"
    assert runner.invoke(app, ["verify", str(cert)]).exit_code == 0


def test_legacy_architecture_table_is_a_linear_network():
    spec, theta, _ = _spec("linear", minimum=False)
    legacy = {**spec}
    legacy.pop("model")
    legacy["architecture"] = {"widths": [3, 2, 2]}
    a, ta = spec_from_dict(spec)
    b, tb = spec_from_dict(legacy)
    assert type(a.model) is type(b.model) and a.arch == b.arch
    assert a.value(ta) == b.value(tb)


def test_random_loss_on_a_model_with_data_has_its_output_shape():
    land, th = spec_from_dict({"model": CASES["one_hidden"][0],
                               "loss": {"type": "squared", "random": True, "seed": 1},
                               "point": {"random": True}})
    assert land.loss.Y.shape == (2, 2)  # d_out × n of the model's data
    np.testing.assert_array_equal(land.loss.X, np.eye(2))
    F = land.forward(th)
    assert land.value(th) == pytest.approx(0.5 * np.sum((F - land.loss.Y) ** 2), rel=1e-12)


def test_point_file_with_block_names(tmp_path):
    spec, theta, _ = _spec("residual", minimum=False)
    # keys out of order: the names decide the order, not the file
    np.savez(tmp_path / "theta.npz", A_22=theta[3], A_11=theta[0], A_21=theta[2], A_12=theta[1])
    land, _ = spec_from_dict(spec)
    names = land.model.block_names
    assert names == ("A_11", "A_12", "A_21", "A_22")
    spec["point"] = {"file": "theta.npz"}
    land, th = spec_from_dict(spec, tmp_path)
    for a, b in zip(th, theta, strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize(
    "model,match",
    [
        ({"type": "residual", "d": 2, "unit": 2, "layers_per_unit": 1}, "model.unit: unknown key"),
        ({"type": "residual", "d": 2, "layers_per_unit": 1}, "model.units: Field required"),
        ({"type": "residual", "d": 2.5, "units": 2, "layers_per_unit": 1}, "model.d: "),
        ({"type": "convolutional", "widths": [2, 2]}, "model.type: expected one of"),
        ({"widths": [2, 2]}, "model.type: required"),
        ({"type": "one_hidden", "sigma": "tanh", "hidden": 2}, "model.X: required"),
    ],
)
def test_bad_model_tables_raise_spec_errors_naming_the_key(model, match):
    raw = {"model": model, "loss": {"type": "distance", "random": True},
           "point": {"random": True}}
    with pytest.raises(SpecError, match=match):
        spec_from_dict(raw)


def test_spec_level_errors():
    loss, point = {"type": "distance", "random": True}, {"random": True}
    with pytest.raises(SpecError, match="not both"):
        spec_from_dict({"model": {"type": "linear", "widths": [2, 2]},
                        "architecture": {"widths": [2, 2]}, "loss": loss, "point": point})
    with pytest.raises(SpecError, match=r"model: required"):
        spec_from_dict({"loss": loss, "point": point})
    with pytest.raises(SpecError, match="modle: unknown key"):
        spec_from_dict({"modle": {}, "loss": loss, "point": point})
    with pytest.raises(SpecError, match=r"point.layers\[1\] \(A_12\): expected shape"):
        spec_from_dict({"model": CASES["residual"][0], "loss": loss,
                        "point": {"layers": [np.eye(2).tolist(), [[1.0]], np.eye(2).tolist(),
                                             np.eye(2).tolist()]}})
    with pytest.raises(SpecError, match="expected 4 blocks"):
        spec_from_dict({"model": CASES["residual"][0], "loss": loss,
                        "point": {"layers": [np.eye(2).tolist()]}})
    with pytest.raises(SpecError, match="loss: DistanceLoss is defined on 1×1"):
        spec_from_dict({"model": CASES["one_hidden"][0], "loss": {"type": "distance",
                        "Q0": [[1.0]]}, "point": point})


def test_cli_bad_model_table_is_one_error_line(tmp_path):
    p = tmp_path / "s.toml"
    p.write_text('[model]\ntype = "residual"\nd = 2\nunits = 2\nlayer_per_unit = 1\n'
                 '[loss]\ntype = "distance"\nrandom = true\n[point]\nrandom = true\n')
    for cmd in ("classify", "geometry", "derivatives"):
        r = runner.invoke(app, [cmd, str(p)])
        assert r.exit_code == 2, (cmd, r.output)
        text = " ".join(r.output.split())
        assert text.startswith("error:") and text.count("error:") == 1, text
        assert "model.layer_per_unit: unknown key" in text and "Traceback" not in text


@pytest.mark.parametrize("name", ["normalized", "residual", "one_hidden", "pyramidal"])
def test_cli_geometry_needs_a_linear_network(name, tmp_path):
    spec, _, _ = _spec(name)
    p = tmp_path / "s.toml"
    p.write_text(_toml(spec))
    r = runner.invoke(app, ["geometry", str(p)])
    assert r.exit_code == 2
    text = " ".join(r.output.split())
    assert text.startswith("error:") and "needs a LinearNetwork" in text
    assert "Traceback" not in text


@pytest.mark.parametrize("name", ["linear", "path"])
def test_cli_geometry_runs_on_linear_networks(name, tmp_path):
    spec, _, _ = _spec(name)
    p = tmp_path / "s.toml"
    p.write_text(_toml(spec))
    r = runner.invoke(app, ["geometry", str(p), "--json", "--no-lifts"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["architecture"]["widths"] == [3, 2, 2]


# the CLI wiring (each model's own derivatives are tested with the model): a model on inputs
# and a model on data
@pytest.mark.parametrize("name", ["residual", "pyramidal"])
def test_cli_derivatives_on_a_spec(name, tmp_path):
    spec, _, _ = _spec(name, minimum=False)
    p = tmp_path / "s.toml"
    p.write_text(_toml(spec))
    out = tmp_path / "d.json"
    r = runner.invoke(app, ["derivatives", str(p), "-o", str(out)])
    assert r.exit_code == 0, r.output
    data = json.loads(out.read_text())
    assert data["all_ok"] is True and data["model"]["type"] == name and data["loss"] == "squared"
    assert data["n_params"] == sum(int(np.prod(s)) for s in CASES[name][1])


@pytest.mark.parametrize("model,loss", [("normalized", "distance"), ("one_hidden", "logistic"),
                                        ("path", "quartic")])
def test_cli_derivatives_with_a_random_model(model, loss):
    r = runner.invoke(app, ["derivatives", "--model", model, "--loss", loss, "--seed", "2"])
    assert r.exit_code == 0, r.output
    assert "NO" not in r.output


def test_derivatives_reference_is_the_models_jax_forward():
    """A model whose closed-form forward disagrees with its jax_forward is caught: the JAX
    reference is loss.jax_value ∘ model.jax_forward, not a product of layers."""
    from dlnscape.commands.derivatives import compare
    from dlnscape.landscape import Landscape
    from dlnscape.models.residual import ResidualLinearNetwork
    from dlnscape.registry import random_loss, random_point

    class Wrong(ResidualLinearNetwork):
        def jax_forward(self, theta):
            return 1.001 * super().jax_forward(theta)

    model = Wrong(2, 1, 2)
    land = Landscape(model, random_loss("distance", (2, 2), 0))
    rows = compare(land, random_point(model, 1), random_point(model, 2))
    assert not all(r.ok for r in rows)
    assert {r.quantity for r in rows if r.rel_err_jax > 1e-4} >= {"value", "grad"}


@pytest.mark.parametrize(
    "args,match",
    [
        (["--model", "resnet"], "--model: expected one of linear"),
        (["--model", "residual", "--widths", "2,2"], "--widths: model 'residual' has no widths"),
        (["--model", "one_hidden", "--n", "3"], "--n: model 'one_hidden' computes its outputs"),
    ],
)
def test_cli_derivatives_bad_model_options(args, match):
    r = runner.invoke(app, ["derivatives", *args])
    assert r.exit_code == 2
    assert match in " ".join(r.output.split()), r.output
