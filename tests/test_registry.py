"""dlnscape.registry: every registered loss and model round-trips through its SPEC writer, random
instances are seeded, errors name the field, and importing the registry imports no model."""

from __future__ import annotations

import numpy as np
import pytest

from dlnscape import DistanceLoss, SquaredLoss
from dlnscape.architecture import Architecture
from dlnscape.architecture import random_point as arch_random_point
from dlnscape.errors import SpecError
from dlnscape.registry import (
    LOSSES,
    MODELS,
    LossTarget,
    example_model,
    loss_from_spec,
    loss_to_spec,
    model_from_spec,
    model_to_spec,
    random_loss,
    random_point,
)

TARGETS = [LossTarget((3, 2), False), LossTarget((2, 4), True)]


def _oracles(loss, W, V):
    return loss.value(W), loss.grad(W), loss.hvp(W, V)


@pytest.mark.parametrize("target", TARGETS, ids=["end_to_end", "outputs"])
@pytest.mark.parametrize("name", sorted(LOSSES))
def test_loss_build_write_build_gives_identical_oracles(name, target):
    rng = np.random.default_rng(3)
    loss = random_loss(name, target, rng, 5)
    section = loss_to_spec(loss)
    assert section["type"] == name
    again = loss_from_spec(section, target)
    assert type(again) is type(loss)
    assert loss_to_spec(again) == section  # the writer is a fixed point of build ∘ write
    W, V = rng.standard_normal(target.shape), rng.standard_normal(target.shape)
    for a, b in zip(_oracles(loss, W, V), _oracles(again, W, V), strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_random_loss_instances_are_seeded(name):
    t = LossTarget((2, 3))
    a, b = loss_to_spec(random_loss(name, t, 7, 4)), loss_to_spec(random_loss(name, t, 7, 4))
    c = loss_to_spec(random_loss(name, t, 8, 4))
    assert a == b
    assert a != c


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_random_spec_section_is_seeded_and_has_the_output_shape(name):
    t = LossTarget((2, 3))
    a = loss_from_spec({"type": name, "random": True, "seed": 4}, t)
    b = loss_from_spec({"type": name, "random": True, "seed": 4}, t)
    assert loss_to_spec(a) == loss_to_spec(b)
    W = np.random.default_rng(0).standard_normal((2, 3))
    assert np.isfinite(a.value(W)) and a.grad(W).shape == (2, 3)


def test_squared_loss_values_against_the_definition():
    rng = np.random.default_rng(0)
    X, Y, W = rng.standard_normal((3, 5)), rng.standard_normal((2, 5)), rng.standard_normal((2, 3))
    loss = loss_from_spec({"type": "squared", "X": X.tolist(), "Y": Y.tolist()},
                          LossTarget((2, 3)))
    assert loss.value(W) == pytest.approx(0.5 * np.sum((W @ X - Y) ** 2), rel=1e-13)
    # on a model's outputs X defaults to the identity: ½‖F − Y‖²
    F = rng.standard_normal((2, 5))
    on_out = loss_from_spec({"type": "squared", "Y": Y.tolist()}, LossTarget((2, 5), True))
    assert on_out.value(F) == pytest.approx(0.5 * np.sum((F - Y) ** 2), rel=1e-13)
    # a random instance on outputs is also ½‖F − Y‖² for its Y
    r = random_loss("squared", LossTarget((2, 5), True), 1)
    np.testing.assert_array_equal(r.X, np.eye(5))


def test_quartic_loss_against_its_formula():
    rng = np.random.default_rng(1)
    C = rng.standard_normal((2, 2))
    C = C + C.T
    B, W = rng.standard_normal((2, 3)), rng.standard_normal((2, 3))
    loss = loss_from_spec({"type": "quartic", "C": C.tolist(), "B": B.tolist()},
                          LossTarget((2, 3)))
    want = 0.25 * np.sum((W @ W.T - C) ** 2) + np.sum(B * W)
    assert loss.value(W) == pytest.approx(want, rel=1e-12)
    # gradient of the formula: (W Wᵀ − C) W + B
    np.testing.assert_allclose(loss.grad(W), (W @ W.T - C) @ W + B, rtol=1e-12)


@pytest.mark.parametrize(
    "section,match",
    [
        ({"type": "hinge"}, "loss.type: expected one of squared"),
        ({}, "loss.type: required"),
        ({"type": "squared", "X": [[1.0]]}, "loss.Y: required"),
        ({"type": "squared", "X": [[1.0]], "Y": [[1.0]], "Q0": [[1.0]]}, "loss.Q0: unknown key"),
        ({"type": "linear_quadratic", "A": [[1.0]]}, "loss.c: required"),
        ({"type": "distance", "Q0": [[1.0], [2]], "phi": "missing.npy"}, "loss.phi: file"),
        ({"type": "distance", "Q0": [[1.0], [2, 3]]}, "loss.Q0: expected a rectangular"),
        ({"type": "squared", "random": True, "Y": [[1.0]]}, "remove loss.Y"),
        ({"type": "distance", "random": True, "n": 3}, "loss.n: not used"),
        ({"type": "squared", "n": 3, "X": [[1.0]], "Y": [[1.0]]}, "loss.n: only used with"),
        ({"type": "squared", "seed": "a", "random": True}, "loss.seed"),
    ],
)
def test_bad_loss_sections_name_the_field(section, match, tmp_path):
    with pytest.raises(SpecError, match=match.replace("(", r"\(")):
        loss_from_spec(section, LossTarget((1, 1)), tmp_path)


def test_linear_loss_needs_data_but_outputs_do_not():
    with pytest.raises(SpecError, match="loss.X: required"):
        loss_from_spec({"type": "squared", "Y": [[1.0, 2.0]]}, LossTarget((1, 1)))
    loss = loss_from_spec({"type": "logistic", "labels": [[1.0, -1.0]]}, LossTarget((1, 2), True))
    np.testing.assert_array_equal(loss.X, np.eye(2))


def test_unregistered_loss_cannot_be_written():
    from dlnscape import JaxLoss

    with pytest.raises(Exception, match="cannot be written to a SPEC"):
        loss_to_spec(JaxLoss(lambda W: (W * W).sum(), shape=(1, 1)))


# ---- models --------------------------------------------------------------------------------
def _forward_equal(a, b, theta):
    np.testing.assert_array_equal(a.forward(theta), b.forward(theta))


@pytest.mark.parametrize("name", sorted(MODELS))
def test_model_build_write_build_gives_the_same_model(name):
    model = example_model(name)
    section = model_to_spec(model)
    assert section["type"] == name
    again = model_from_spec(section)
    assert type(again) is type(model)
    assert model_to_spec(again) == section
    assert again.shapes == model.shapes and again.output_shape == model.output_shape
    theta = random_point(model, 0)
    _forward_equal(model, again, theta)
    np.testing.assert_array_equal(model.jacobian(theta), again.jacobian(theta))


@pytest.mark.parametrize("name", sorted(MODELS))
def test_random_points_are_seeded_and_have_the_model_shapes(name):
    model = example_model(name)
    a, b, c = random_point(model, 5), random_point(model, 5), random_point(model, 6)
    assert tuple(x.shape for x in a) == tuple(tuple(s) for s in model.shapes)
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(x, y)
    assert any(not np.array_equal(x, y) for x, y in zip(a, c, strict=True))


def test_random_point_of_a_linear_network_is_the_architecture_random_point():
    """Backward compatibility of `[point] random = true` for `[architecture]` SPECs."""
    arch = Architecture([3, 2, 4])
    model = model_from_spec({"type": "linear", "widths": [3, 2, 4]})
    for x, y in zip(random_point(model, 11), arch_random_point(arch, 11), strict=True):
        np.testing.assert_array_equal(x, y)
    for x, y in zip(random_point(model, 11, 0.3), arch_random_point(arch, 11, 0.3), strict=True):
        np.testing.assert_array_equal(x, y)


def test_model_data_random_and_given():
    X = [[1.0, 2.0, 0.5], [0.0, 1.0, -1.0]]
    m = model_from_spec({"type": "one_hidden", "X": X, "sigma": "tanh", "hidden": 2})
    np.testing.assert_array_equal(m.X, np.array(X))
    r1 = model_from_spec({"type": "one_hidden", "d_x": 2, "n": 3, "data_seed": 4,
                          "sigma": "tanh", "hidden": 2})
    r2 = model_from_spec({"type": "one_hidden", "d_x": 2, "n": 3, "data_seed": 4,
                          "sigma": "tanh", "hidden": 2})
    np.testing.assert_array_equal(r1.X, np.random.default_rng(4).standard_normal((2, 3)))
    np.testing.assert_array_equal(r1.X, r2.X)


def test_activation_slopes_round_trip():
    m = model_from_spec({"type": "one_hidden", "d_x": 2, "n": 3, "sigma": "leaky_relu",
                         "a": 0.25, "hidden": 2})
    assert m.sigma.name == "leaky_relu" and m.sigma.a == 0.25
    assert model_to_spec(m)["a"] == 0.25
    p = model_from_spec({"type": "pyramidal", "d_x": 4, "n": 2, "widths": [3, 2],
                         "sigmas": ["tanh", {"name": "x_plus_a_tanh", "a": 0.3}]})
    assert [s.name for s in p.sigmas] == ["tanh", "x_plus_a_tanh"] and p.sigmas[1].a == 0.3
    assert model_to_spec(p)["sigmas"] == ["tanh", {"name": "x_plus_a_tanh", "a": 0.3}]


@pytest.mark.parametrize(
    "section,match",
    [
        ({"type": "resnet"}, "model.type: expected one of linear"),
        ({"widths": [2, 2]}, "model.type: required"),
        ({"type": "residual", "d": 2, "units": 2}, "model.layers_per_unit: Field required"),
        ({"type": "residual", "d": 2, "units": 2, "layers_per_unit": 1, "depth": 3},
         "model.depth: unknown key"),
        ({"type": "residual", "d": "two", "units": 2, "layers_per_unit": 1}, "model.d:"),
        ({"type": "residual", "d": 0, "units": 2, "layers_per_unit": 1},
         "model.d: expected a positive"),
        ({"type": "linear", "widths": [2, 0]}, r"model.widths\[1\]: expected a positive"),
        ({"type": "linear", "width": [2, 2]}, "model.width: unknown key"),
        ({"type": "one_hidden", "d_x": 2, "sigma": "tanh"}, "model.X: required"),
        ({"type": "one_hidden", "d_x": 2, "n": 2, "sigma": "swish"}, "model.sigma: unknown"),
        ({"type": "one_hidden", "d_x": 2, "n": 2, "sigma": "leaky_relu", "a": 2}, "model.a: "),
        ({"type": "pyramidal", "d_x": 3, "n": 2, "widths": [2, 1],
          "sigmas": ["tanh", {"name": "tanh", "slope": 1}]}, r"model.sigmas\[1\].slope: unknown"),
        ({"type": "one_hidden", "X": [[1.0]], "d_x": 1, "n": 1, "sigma": "tanh"},
         "give X or"),
        ({"type": "pyramidal", "d_x": 3, "n": 2, "widths": [2, 3], "sigmas": "tanh"},
         "model.widths: .*non-increasing"),
        ({"type": "path", "widths": [2, 2], "rho": 1.5}, r"model.rho: .*\(0, 1\]"),
    ],
)
def test_bad_model_tables_name_the_key(section, match):
    with pytest.raises(SpecError, match=match):
        model_from_spec(section)


def test_unregistered_model_cannot_be_written():
    from dlnscape.models.linear import LinearNetwork

    class Mine(LinearNetwork):
        pass

    with pytest.raises(Exception, match="cannot be written to a SPEC"):
        model_to_spec(Mine(Architecture([2, 2])))


def test_distance_and_squared_classes_are_the_registered_ones():
    assert LOSSES["distance"].cls is DistanceLoss and LOSSES["squared"].cls is SquaredLoss


def test_the_registry_imports_model_modules_only_inside_builders():
    """No module-level import of dlnscape.models.* (they are imported when a model is built)."""
    import ast
    import inspect

    import dlnscape.registry as reg

    tree = ast.parse(inspect.getsource(reg))
    top = [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))]
    names = [n.module for n in top if isinstance(n, ast.ImportFrom)] + [
        a.name for n in top if isinstance(n, ast.Import) for a in n.names]
    assert names and not [m for m in names if m and m.startswith("dlnscape.models")]
    inner = [n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)
             and n.module and n.module.startswith("dlnscape.models")]
    assert set(inner) >= {"dlnscape.models.linear", "dlnscape.models.residual",
                          "dlnscape.models.normalized", "dlnscape.models.one_hidden",
                          "dlnscape.models.pyramidal", "dlnscape.models.path"}
