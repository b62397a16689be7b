"""Architectures, points, packing order and input validation."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dlnscape as dl
from dlnscape.architecture import prefix_products, suffix_products
from dlnscape.errors import ArchitectureError, DlnscapeError, PointError

widths_st = st.integers(1, 5).flatmap(
    lambda h: st.lists(st.integers(1, 6), min_size=h + 1, max_size=h + 1)
)


def test_architecture_properties_on_a_worked_example():
    a = dl.Architecture([3, 2, 4, 3])
    assert a.widths == (3, 2, 4, 3)
    assert (a.h, a.r, a.d_in, a.d_out) == (3, 2, 3, 3)
    assert a.shapes == ((2, 3), (4, 2), (3, 4))
    assert a.offsets == (0, 6, 14, 26) and a.n_params == 26
    assert a.end_to_end_shape == (3, 3)
    assert not a.filling  # r = 2 < min(d_0, d_h) = 3: the image is the rank-≤2 variety M_2
    assert a.bottlenecks == (1,)
    b = dl.Architecture([4, 5, 2, 6])
    assert not b.filling and b.bottlenecks == (2,) and b.r == 2
    c = dl.Architecture([2, 5, 3, 6])  # r = d_0: filling, and no hidden width equals r
    assert c.filling and c.bottlenecks == () and c.r == 2
    assert dl.Architecture([3, 3, 2, 3]).filling is False
    assert dl.Architecture([5, 3, 3, 2]).bottlenecks == ()  # r = d_h = 2 is not hidden
    assert dl.Architecture([3, 3]).bottlenecks == ()  # no hidden layer
    assert repr(a) == "Architecture([3, 2, 4, 3])"


def test_architecture_accepts_integer_like_widths_and_is_hashable():
    a = dl.Architecture((np.int64(3), 2.0, 4))
    assert a.widths == (3, 2, 4) and all(type(w) is int for w in a.widths)
    assert a == dl.Architecture([3, 2, 4]) and hash(a) == hash(dl.Architecture([3, 2, 4]))


@pytest.mark.parametrize(
    "widths,match",
    [
        ([3, 0, 2], r"widths\[1\]: expected a positive integer, got 0"),
        ([3, -1], r"widths\[1\]: expected a positive integer, got -1"),
        ([3, 2.5], r"widths\[1\]: expected a positive integer, got 2.5"),
        (["3", 2], r"widths\[0\]: expected a positive integer"),
        ([True, 2], r"widths\[0\]: expected a positive integer"),
        ([3, None], r"widths\[1\]: expected a positive integer"),
        ([3], "widths: expected at least 2 widths"),
        ([], "widths: expected at least 2 widths"),
        (5, "widths: expected a sequence of positive integers"),
    ],
)
def test_bad_widths_raise_architecture_errors(widths, match):
    with pytest.raises(ArchitectureError, match=match):
        dl.Architecture(widths)
    assert issubclass(ArchitectureError, DlnscapeError)


@settings(derandomize=True, max_examples=40, deadline=None)
@given(widths=widths_st, seed=st.integers(0, 2**32 - 1))
def test_pack_unpack_round_trip_in_the_documented_order(widths, seed):
    arch = dl.Architecture(widths)
    theta = dl.random_point(arch, seed)
    v = dl.pack(theta)
    assert v.shape == (arch.n_params,)
    # the documented order: W_1 first, each layer row-major
    np.testing.assert_array_equal(v, np.concatenate([W.reshape(-1) for W in theta]))
    back = dl.unpack(arch, v)
    assert len(back) == arch.h
    for W, B, shape in zip(theta, back, arch.shapes, strict=True):
        assert B.shape == shape
        np.testing.assert_array_equal(W, B)
    np.testing.assert_array_equal(dl.pack(back), v)


def test_pack_order_on_a_tiny_example():
    arch = dl.Architecture([2, 1, 2])
    theta = dl.unpack(arch, np.arange(4.0))
    np.testing.assert_array_equal(theta[0], [[0.0, 1.0]])
    np.testing.assert_array_equal(theta[1], [[2.0], [3.0]])


def test_end_to_end_and_partial_products():
    arch = dl.Architecture([3, 4, 2, 5])
    theta = dl.random_point(arch, 0)
    W = dl.end_to_end(theta)
    np.testing.assert_allclose(W, theta[2] @ theta[1] @ theta[0], rtol=1e-14)
    P, S = prefix_products(theta), suffix_products(theta)
    for k in range(arch.h + 1):  # W = W_{>k} W_{<k+1} = S[k] P[k]
        np.testing.assert_allclose(S[k] @ P[k], W, rtol=1e-13, atol=1e-14)
    np.testing.assert_array_equal(P[0], np.eye(3))
    np.testing.assert_array_equal(S[arch.h], np.eye(5))


def test_random_point_is_reproducible_and_scaled():
    arch = dl.Architecture([4, 3, 2])
    a, b = dl.random_point(arch, 7), dl.random_point(arch, np.random.default_rng(7))
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(x, y)
    assert all(np.all(W == 0) for W in dl.random_point(arch, 0, scale=0.0))
    big = dl.random_point(dl.Architecture([400, 300]), 1)[0]
    assert abs(big.std() - 1 / np.sqrt(400)) < 0.01 / np.sqrt(400) * 10
    with pytest.raises(PointError, match="scale: expected a finite non-negative number"):
        dl.random_point(arch, 0, scale=-1.0)
    with pytest.raises(PointError, match="scale"):
        dl.random_point(arch, 0, scale=float("nan"))


@pytest.fixture()
def arch_theta():
    arch = dl.Architecture([3, 2, 4])
    return arch, dl.random_point(arch, 0)


def test_check_point_accepts_integer_and_float64_layers(arch_theta):
    arch, theta = arch_theta
    out = dl.check_point(arch, [np.ones((2, 3), dtype=np.int32), theta[1].tolist()])
    assert all(W.dtype == np.float64 for W in out)
    assert out[1].shape == (4, 2)


@pytest.mark.parametrize(
    "make,match",
    [
        (lambda t: t[:1], "theta: expected 2 layers for Architecture"),
        (lambda t: t + (t[0],), "theta: expected 2 layers"),
        (lambda t: (t[0].T, t[1]), r"theta\[0\] \(W_1\): expected shape \(2, 3\), got \(3, 2\)"),
        (lambda t: (t[0], t[1][:, :, None]), r"theta\[1\] \(W_2\): expected shape \(4, 2\)"),
        (lambda t: (t[0], np.full((4, 2), np.nan)), r"theta\[1\] \(W_2\): expected finite"),
        (lambda t: (np.full((2, 3), np.inf), t[1]), r"theta\[0\] \(W_1\): expected finite"),
        (lambda t: (t[0].astype(np.float32), t[1]), r"expected float64 .* got float32"),
        (lambda t: (t[0].astype(np.float16), t[1]), "got float16"),
        (lambda t: (t[0] + 0j, t[1]), "expected a real numeric array, got dtype complex128"),
        (lambda t: (np.array([["a"] * 3] * 2), t[1]), "expected a real numeric array"),
        (lambda t: np.zeros(14), "got a flat vector"),
        (lambda t: 3.0, "expected a tuple of 2 matrices"),
    ],
)
def test_bad_points_raise_point_errors(arch_theta, make, match):
    arch, theta = arch_theta
    with pytest.raises(PointError, match=match):
        dl.check_point(arch, make(theta))


def test_unpack_errors_name_the_argument(arch_theta):
    arch, theta = arch_theta
    v = dl.pack(theta)
    with pytest.raises(PointError, match="vector: expected a 1-d array of length n_params=14"):
        dl.unpack(arch, v[:-1])
    with pytest.raises(PointError, match="vector: expected a 1-d array"):
        dl.unpack(arch, v.reshape(2, 7))
    with pytest.raises(PointError, match="x0: expected a 1-d array"):
        dl.unpack(arch, v[:3], name="x0")
    with pytest.raises(PointError, match="vector: expected finite"):
        dl.unpack(arch, np.where(v > 0, np.nan, v))
    with pytest.raises(PointError, match="float64"):
        dl.unpack(arch, v.astype(np.float32))
