"""Huge, infinite and nan entries in a point are refused at the entry of ``geometry_summary``
(and ``classify``) with a :class:`~dlnscape.errors.PointError` that names the argument — never
numpy's ``LinAlgError`` ("SVD did not converge") from deep inside, and before any linear algebra
(no overflow warning is raised on the way: warnings are errors in these tests).

The limit (:func:`dlnscape.validate.check_products_finite`): every product of layers has norm at
most ``∏ max(1, ‖W_i‖_F)``, and derivatives square such products, so that bound must stay below
``PRODUCT_NORM_LIMIT`` = 1e150 (float64 ends at 1.8e308).
"""

from __future__ import annotations

import numpy as np
import pytest

import dlnscape as dl
from dlnscape.errors import DlnscapeError, PointError
from dlnscape.examples import nouiehed_intro_example
from dlnscape.geometry.summary import geometry_summary
from dlnscape.validate import PRODUCT_NORM_LIMIT, check_products_finite

pytestmark = pytest.mark.filterwarnings("error")


def _with_entry(theta, value, layer: int = 0):
    th = [np.array(W, dtype=np.float64) for W in theta]
    th[layer][(0,) * th[layer].ndim] = value
    return tuple(th)


@pytest.fixture(scope="module")
def example():
    return nouiehed_intro_example()


@pytest.mark.parametrize("value", [1e200, -1e200, 1e160, np.finfo(np.float64).max])
@pytest.mark.parametrize("with_landscape", [False, True])
def test_huge_entry_is_a_point_error_naming_theta(example, value, with_landscape):
    L, theta = example
    bad = _with_entry(theta, value)
    with pytest.raises(PointError) as e:
        geometry_summary(bad, L if with_landscape else None)
    msg = str(e.value)
    assert isinstance(e.value, DlnscapeError) and isinstance(e.value, ValueError)
    assert msg.startswith("theta: expected finite entries whose products do not overflow "
                          "float64")
    assert f"largest entry {abs(value):.3g} in theta[0]" in msg
    assert f"1e{np.log10(abs(value)):.0f}" in msg  # the bound, here the one large entry
    assert "rescale" in msg


@pytest.mark.parametrize("value", [np.inf, -np.inf, np.nan])
@pytest.mark.parametrize("layer", [0, 2])
def test_non_finite_entry_is_a_point_error_naming_the_layer(example, value, layer):
    L, theta = example
    with pytest.raises(PointError, match="expected finite entries") as e:
        geometry_summary(_with_entry(theta, value, layer))
    assert f"theta[{layer}] (W_{layer + 1})" in str(e.value)
    assert str(value) in str(e.value)


def test_the_bound_counts_every_layer_and_every_partial_product(example):
    L, theta = example
    # three layers of norm 1e60: the end-to-end product (up to 1e180) would overflow squared
    big = tuple(np.full(np.shape(W), 1e60) for W in theta)
    with pytest.raises(PointError, match=r"≈ 1e18\d is above the limit 1e\+150"):
        geometry_summary(big)
    # W = W_3 W_2 W_1 is tiny, but W_{>1} = W_3 W_2 (in the Jacobian) is 1e200: refused too
    th = [np.array(W, dtype=np.float64) for W in theta]
    th[0] = np.full(th[0].shape, 1e-200)
    th[1] = np.full(th[1].shape, 1e200)
    with pytest.raises(PointError, match="overflow float64"):
        geometry_summary(th)


def test_large_but_safe_points_still_work(example):
    L, theta = example
    ok = _with_entry(theta, 1e140)
    check_products_finite(ok)  # bound 1e140 < 1e150
    g = geometry_summary(ok, L)
    assert g.sections["rank_profile"]["rank"] >= 0
    # the bound is exact in logarithms: a point at 10 × the limit is refused, at 1/10 accepted
    check_products_finite((np.array([[PRODUCT_NORM_LIMIT / 10]]),))
    with pytest.raises(PointError):
        check_products_finite((np.array([[PRODUCT_NORM_LIMIT * 10]]),))
    # zero and empty blocks do not count
    check_products_finite((np.zeros((2, 2)), np.zeros((0, 3)), np.eye(2)))


def test_validator_names_its_argument():
    with pytest.raises(PointError, match=r"^theta0: expected finite entries whose products"):
        check_products_finite((np.full((2, 2), 1e100), np.full((2, 2), 1e100)), "theta0")
    with pytest.raises(PointError, match=r"^x\[1\]: expected finite entries, found nan"):
        check_products_finite((np.eye(2), np.array([[np.nan]])), "x")


@pytest.mark.parametrize("value", [1e160, 1e200])
def test_classify_refuses_the_same_points(example, value):
    """classify failed with LinAlgError ("Eigenvalues did not converge") on these points."""
    L, theta = example
    with pytest.raises(PointError, match="^theta: expected finite entries whose products"):
        dl.classify(L, _with_entry(theta, value), rng=0)
    with pytest.raises(PointError, match=r"theta\[0\] \(W_1\): expected finite entries"):
        dl.classify(L, _with_entry(theta, np.nan), rng=0)


@pytest.mark.parametrize("fn", ["rank_profile", "differential_rank", "is_locally_open",
                                "jacobian_rank", "is_submersion"])
def test_every_geometry_function_refuses_overflowing_products_with_the_argument_name(
        example, fn):
    """The check sits where geometry functions read a point (``point_and_arch``): the
    functions called one by one refuse what ``geometry_summary`` refuses."""
    import dlnscape.geometry as geo

    _L, theta = example
    with pytest.raises(PointError, match="^theta: expected finite entries whose products"):
        getattr(geo, fn)(_with_entry(theta, 1e200))
