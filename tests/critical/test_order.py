"""Hofflin 2023, Prop 2.1: 1-, 2-, 3-criticality from exact Taylor coefficients.

The cubic form on ker ∇²L is computed by polarisation of gradient series; here it is compared
with the third-derivative tensor from finite differences of the dense Hessian (an independent
reference).
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from dlnscape import (
    Architecture,
    Landscape,
    LinearNetwork,
    LogisticLoss,
    SquaredLoss,
    pack,
    unpack,
)
from dlnscape.critical import criticality_order
from dlnscape.critical.order import cubic_form_on_kernel, kernel_cubic_tensor
from dlnscape.critical.polynomial import curve_taylor, third_contraction
from dlnscape.examples import hofflin_counterexample, minimal_cubic_example


def _fd_third(L: Landscape, theta, eps: float = 1e-3) -> np.ndarray:
    """Reference third-derivative tensor: Richardson-extrapolated central differences of the
    landscape's dense Hessian (an oracle independent of the gradient series under test)."""
    x = pack(theta)
    P = x.size

    def H(y):
        return L.hessian(unpack(L.arch, y))

    T = np.empty((P, P, P))
    for k in range(P):
        e = np.zeros(P)
        e[k] = 1.0
        d1 = (H(x + eps * e) - H(x - eps * e)) / (2 * eps)
        d2 = (H(x + 2 * eps * e) - H(x - 2 * eps * e)) / (4 * eps)
        T[:, :, k] = (4 * d1 - d2) / 3
    return T


@settings(derandomize=True, max_examples=4, deadline=None)
@given(st.integers(0, 10_000), st.sampled_from([(2, 2, 2), (2, 1, 2, 2), (1, 2, 2, 1, 1)]))
def test_third_contraction_matches_finite_difference_tensor(seed, widths):
    rng = np.random.default_rng(seed)
    arch = Architecture(widths)
    L = Landscape(LinearNetwork(arch), SquaredLoss(rng.standard_normal((widths[0], 4)),
                                                   rng.standard_normal((widths[-1], 4))))
    theta = tuple(rng.standard_normal(s) for s in arch.shapes)
    T = _fd_third(L, theta)
    V = rng.standard_normal((arch.n_params, 3))
    ours = third_contraction(L, theta, V)
    ref = np.einsum("ijk,ia,ja->ka", T, V, V)
    np.testing.assert_allclose(ours, ref, rtol=1e-7, atol=1e-7 * np.abs(ref).max())


def test_third_contraction_non_polynomial_loss_matches_finite_differences():
    rng = np.random.default_rng(5)
    arch = Architecture((2, 2, 1))
    L = Landscape(LinearNetwork(arch), LogisticLoss(rng.standard_normal((2, 6)),
                                                    np.sign(rng.standard_normal((1, 6))), 0.1))
    theta = tuple(rng.standard_normal(s) for s in arch.shapes)
    V = rng.standard_normal((arch.n_params, 2))
    ref = np.einsum("ijk,ia,ja->ka", _fd_third(L, theta), V, V)
    np.testing.assert_allclose(third_contraction(L, theta, V), ref, rtol=1e-6, atol=1e-8)


def test_cubic_form_on_kernel_matches_brute_force_tensor():
    # Hofflin §3.2 point with A = E_33, c = 1: kernel of dim 11; compare the max of
    # |T(K_i, K_j, K_l)| over the basis with the JAX tensor contracted on the same basis.
    L, theta = hofflin_counterexample(0.0, 0.0, 1.0, 1.0)
    ev, V = np.linalg.eigh(L.hessian(theta))
    K = V[:, np.abs(ev) < 1e-9]
    T = _fd_third(L, theta)
    ref = float(np.abs(np.einsum("ijk,ia,jb,kc->abc", T, K, K, K)).max())
    worst, thr, n, exact = cubic_form_on_kernel(L, theta, K)
    assert exact and n >= K.shape[1] * (K.shape[1] + 1) // 2  # every polarisation pair
    assert worst < thr and ref < 1e-6  # both vanish (ref up to finite-difference error)
    # and at a generic point the two agree on a non-vanishing form
    rng = np.random.default_rng(1)
    th2 = tuple(W + 0.3 * rng.standard_normal(W.shape) for W in theta)
    K2 = np.linalg.qr(rng.standard_normal((L.n_params, 3)))[0]
    T2 = _fd_third(L, th2)
    ref2 = float(np.abs(np.einsum("ijk,ia,jb,kc->abc", T2, K2, K2, K2)).max())
    ours2 = kernel_cubic_tensor(L, th2, K2)
    np.testing.assert_allclose(ours2, np.einsum("ijk,ia,jb,kc->abc", T2, K2, K2, K2),
                               rtol=1e-6, atol=1e-6 * ref2)
    worst2, thr2, _, exact2 = cubic_form_on_kernel(L, th2, K2)
    assert exact2 and worst2 > thr2


def test_cubic_form_on_kernel_detects_a_form_invisible_on_basis_vectors():
    # the zero point of depth 3: T vanishes on every basis vector (one layer perturbed leaves
    # the product 0) but not on sums, so only polarisation sees it.
    L, theta = minimal_cubic_example()
    K = np.eye(3)
    diag = third_contraction(L, theta, K)
    assert not np.any(K.T @ diag)
    worst, thr, n, exact = cubic_form_on_kernel(L, theta, K)
    assert exact and worst > thr


def test_order_levels():
    L, theta = minimal_cubic_example()
    assert criticality_order(L, theta).order == 2
    assert criticality_order(L, (2.0 * np.ones((1, 1)),) + (np.ones((1, 1)),) * 2).order == 0
    Lh, th = hofflin_counterexample(1.0, 0.0, 0.0, 1.0)
    assert criticality_order(Lh, th).order == 1
    Lz, thz = hofflin_counterexample(0.0, 0.0, 1.0, 2.0)
    o = criticality_order(Lz, thz)
    assert o.order == 3 and o.exact and o.kernel_dim > 0


def test_order_structural_for_four_zero_layers():
    arch = Architecture((2, 2, 2, 2, 2))
    rng = np.random.default_rng(0)
    L = Landscape(LinearNetwork(arch), SquaredLoss(rng.standard_normal((2, 3)),
                                                   rng.standard_normal((2, 3))))
    theta = tuple(np.zeros(s) for s in arch.shapes)
    o = criticality_order(L, theta)
    assert o.order == 3 and o.method == "structural"
    # independent check: along random lines the Taylor polynomial starts at order 4
    for _ in range(3):
        d = tuple(rng.standard_normal(s) for s in arch.shapes)
        c = curve_taylor(L, theta, [d])
        assert np.all(c[1:4] == 0.0) and c[4] != 0.0


def test_order_sampled_when_kernel_too_large():
    L, theta = hofflin_counterexample(0.0, 0.0, 1.0, 2.0)
    o = criticality_order(L, theta, max_pairs=5, rng=0)
    assert o.order == 3 and not o.exact
