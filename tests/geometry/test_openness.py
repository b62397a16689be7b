"""Local openness: 001 Prop 4 / Thm 5 / Rem 1 / §2 example / Lem 10, 000 Thm 3.5 / Cor 3.2,
the openness probe (evidence only)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from _geo_points import clear_rank, low_rank, point_with_ranks
from hypothesis import given, settings
from hypothesis import strategies as st

from dlnscape.architecture import Architecture
from dlnscape.geometry import (
    behrends_condition,
    is_locally_open,
    is_locally_open_product,
    is_submersion,
    layerwise_openness_test,
    probe_local_openness,
    rank_profile,
)


def test_001_rem1_not_open_and_probe_needs_order_one_moves():
    """001 Rem 1 (check 23): W1 = [1;1], W2 = [0,0], targets δE_11: not locally open; the
    perturbation needed stays ≈ √2 ≥ 1 as δ → 0 (it needs ε_2 ≈ −1)."""
    A, B = np.array([[1.0], [1.0]]), np.array([[0.0, 0.0]])
    res = is_locally_open_product(A, B)
    assert res.is_open is False and res.agree
    assert not res.conditions["ranks_equal"]
    pr = probe_local_openness((B, A), eps=0.5, targets=[np.array([[1.0, 0], [0, 0]])],
                              radii=(1e-1, 1e-2, 1e-3, 1e-4, 1e-5, 1e-6))
    assert pr.evidence_only
    assert min(min(x) for x in pr.needed) >= 1.0
    assert all(f == 0.0 for f in pr.reached_within_eps)
    # exactly one factor of full rank with k < min(m, n) ⇒ not open (Rem 1, second claim)
    rng = np.random.default_rng(0)
    res = is_locally_open_product(low_rank(rng, 4, 2, 2), low_rank(rng, 2, 5, 1))
    assert res.is_open is False


def test_001_sec2_example_open_in_range_with_linear_rate():
    """001 §2 example (check 24): W̄1 = [1;2], W̄2 = [1 1]: open in M_1; rank-1 targets at
    distance δ need O(δ) (log–log slope ≈ 1); rank-2 targets are unreachable (residual ≥
    σ_2(target))."""
    A, B = np.array([[1.0], [2.0]]), np.array([[1.0, 1.0]])
    res = is_locally_open_product(A, B)
    assert res.is_open is True and res.agree and res.case.startswith("range")
    pr = probe_local_openness((B, A), eps=0.2, n_targets=4, rng=1)
    assert pr.slope is not None and abs(pr.slope - 1.0) < 0.1
    assert all(f == 1.0 for f in pr.reached_within_eps)
    # rank-2 target: the residual of any preimage is at least σ_2(target)
    from dlnscape.geometry.openness import _gauss_newton
    from dlnscape.models.linear import LinearNetwork

    arch = Architecture((2, 1, 2))
    net = LinearNetwork(arch)
    T = A @ B + 1e-3 * np.eye(2)
    s2 = np.linalg.svd(T, compute_uv=False)[1]
    x0 = np.concatenate([B.ravel(), A.ravel()])

    def fun(x):
        return (net.forward((x[:2].reshape(1, 2), x[2:].reshape(2, 1))) - T).ravel()

    def jac(x):
        return net.jacobian((x[:2].reshape(1, 2), x[2:].reshape(2, 1)))

    _, res_norm = _gauss_newton(fun, jac, x0)
    assert res_norm >= s2 * (1 - 1e-9)


def _pair_with_intersection(rng, m, k, n, ra, rb, t2):
    """A (m×k, rank ra), B (k×n, rank rb) with dim(N(A) ∩ C(B)) = t2 (generically), for
    max(0, rb − ra) ≤ t2 ≤ min(k − ra, rb): C(B) = t2 kernel vectors + rb − t2 random ones."""
    Q = np.linalg.qr(rng.standard_normal((k, k)))[0]
    NA = Q[:, ra:]  # kernel of A: k − ra dims
    RA = Q[:, :ra]
    A = rng.standard_normal((m, ra)) @ RA.T
    cols = np.hstack([NA[:, :t2], rng.standard_normal((k, rb - t2))])
    B = cols @ rng.standard_normal((rb, n))
    return A, B


def _draw_pair(data, m, k, n):
    """Draw ranks (ra, rb), a feasible intersection dimension t2 and the pair (A, B)."""
    ra = data.draw(st.integers(0, min(m, k)))
    rb = data.draw(st.integers(0, min(k, n)))
    lo = max(0, rb - ra)
    t2 = data.draw(st.integers(lo, max(lo, min(k - ra, rb))))
    seed = data.draw(st.integers(0, 2**31 - 1))
    A, B = _pair_with_intersection(np.random.default_rng(seed), m, k, n, ra, rb, t2)
    return ra, rb, t2, A, B


@settings(derandomize=True, max_examples=150, deadline=None)
@given(st.integers(2, 5), st.integers(1, 4), st.integers(2, 5), st.data())
def test_001_thm5_conditions_agree(m, k, n, data):
    """001 Thm 5 (checks 21, 22): for k < min(m, n), conditions i)–iv) agree when ranks are
    equal, and each equals LKB's rk A = rk B = rk AB; unequal ranks ⇒ not open."""
    if k >= min(m, n):
        k = min(m, n) - 1
    ra, rb, t2, A, B = _draw_pair(data, m, k, n)
    res = is_locally_open_product(A, B)
    if res.is_open is None:
        return
    assert res.agree, res.findings
    assert res.intersection_dim.rank == res.intersection_dim_fact  # 000 Fact-rankAB
    assert res.intersection_dim.rank == t2
    lkb = ra == rb == rank_profile((B, A)).rank
    assert res.is_open == lkb == (ra == rb and t2 == 0)
    if ra != rb:
        assert res.is_open is False
    for c in res.constructions.values():  # existence conditions, built and verified
        if c.exists:
            assert c.annihilation_residual <= 1e-12


@settings(derandomize=True, max_examples=120, deadline=None)
@given(st.integers(1, 4), st.integers(1, 5), st.integers(1, 4), st.data())
def test_001_prop4_behrends_conditions_agree(m, k, n, data):
    """001 Prop 4 = 000 Thm 3.5 (check 13): for k ≥ min(m, n), the constructive condition (2)
    and the dimension condition (3) agree, alternative by alternative."""
    if k < min(m, n):
        k = min(m, n)
    ra, rb, t2, A, B = _draw_pair(data, m, k, n)
    res = is_locally_open_product(A, B)
    if res.is_open is None:
        return
    assert res.agree, res.findings
    assert res.intersection_dim.rank == t2
    assert res.is_open == behrends_condition(A, B)["holds"]


@pytest.mark.parametrize("m,k,n", [(2, 3, 2), (3, 2, 3), (2, 2, 3), (3, 1, 3), (1, 1, 1)])
def test_000_thm35_at_zero_open_iff_k_ge_min(m, k, n):
    """000 Thm 3.5 special case: at (0, 0) the map is open (full space) ⟺ k ≥ min(m, n);
    when k < min(m, n) it is open relative to its range M_k (001 Thm 5: ranks 0 = 0)."""
    res = is_locally_open_product(np.zeros((m, k)), np.zeros((k, n)))
    assert behrends_condition(np.zeros((m, k)), np.zeros((k, n)))["holds"] == (k >= min(m, n))
    assert res.is_open is True


def test_000_sec32_point_not_open_onto_M2():
    """000 Thm 3.2 title / check 9: at the §3.2 point μ is not open onto M_2 (decided by
    001 Thm 5 at the split W_3W_2 · W_1, ranks 1 ≠ 2); the probe towards P = diag(1,0,ε)
    needs a perturbation bounded away from 0."""
    W1 = np.array([[1.0, 0, 0], [0, 1, 0]])
    th = (W1, np.array([[1.0, 0], [0, 0]]), W1.T)
    res = is_locally_open(th)
    assert res.is_open is False and "necessity" in res.theorem
    Z = np.zeros((3, 3))
    Z[2, 2] = 1.0
    pr = probe_local_openness(th, eps=0.1, targets=[Z], radii=(1e-2, 1e-3, 1e-4))
    assert min(min(x) for x in pr.needed) > 0.5
    assert all(f == 0.0 for f in pr.reached_within_eps)


@settings(derandomize=True, max_examples=40, deadline=None)
@given(st.sampled_from([(3, 2, 2, 3), (4, 2, 3, 2, 4), (2, 3, 2), (3, 3, 2, 4)]),
       st.integers(0, 2**31 - 1))
def test_001_lem10_nondegenerate_points_are_open(widths, seed):
    """001 Lem 10: rk W = r ⇒ locally open; the probe agrees (evidence, slope ≈ 1)."""
    arch = Architecture(widths)
    rng = np.random.default_rng(seed)
    th = point_with_ranks(rng, widths, [min(s) for s in arch.shapes])
    res = is_locally_open(th)
    assert res.is_open is True
    assert is_submersion(th).is_submersion is True


def test_001_lem10_probe_rate_at_a_nondegenerate_point():
    """Evidence for Lem 10 at a well-conditioned non-degenerate point: δ(ε) linear."""
    from dlnscape.geometry import factorize, random_fiber_point

    rng = np.random.default_rng(3)
    U = np.linalg.qr(rng.standard_normal((3, 3)))[0][:, :2]
    V = np.linalg.qr(rng.standard_normal((3, 3)))[0][:, :2]
    W = U @ np.diag([2.0, 1.0]) @ V.T
    th = random_fiber_point(factorize(W, (3, 2, 2, 3)), rng, cond=2.0)
    pr = probe_local_openness(th, eps=0.5, n_targets=3, rng=4, radii=(1e-2, 1e-3, 1e-4))
    assert all(f == 1.0 for f in pr.reached_within_eps) and abs(pr.slope - 1) < 0.15


def _numpy_jacobian(theta) -> np.ndarray:
    """dμ(θ) written again from the product rule with numpy: the column of entry (a, b) of
    W_k is vec_row(W_{>k} E_ab W_{<k})."""
    cols = []
    for k, Wk in enumerate(theta):
        below = np.eye(theta[0].shape[1])
        for M in theta[:k]:
            below = M @ below
        above = np.eye(Wk.shape[0])
        for M in theta[k + 1 :]:
            above = M @ above
        cols += [np.outer(above[:, a], below[b]).ravel() for a in range(Wk.shape[0])
                 for b in range(Wk.shape[1])]
    return np.column_stack(cols)


def _all_points(hmax=3, dmax=3, per=4, seed=0):
    rng = np.random.default_rng(seed)
    for h in range(2, hmax + 1):
        for ws in itertools.product(range(1, dmax + 1), repeat=h + 1):
            arch = Architecture(ws)
            for trial in range(per):
                ranks = [min(s) if trial == 0 else int(rng.integers(0, min(s) + 1))
                         for s in arch.shapes]
                yield arch, point_with_ranks(rng, ws, ranks)


def test_000_cor32_compared_with_openness():
    """000 Cor 3.2 (check 14; catalog §6.2 X3), every width vector with h ≤ 3, d_i ≤ 3,
    Gaussian weights and prescribed ranks. Compared with is_locally_open (onto M_r):

    * "⟸" (criterion ⇒ open) holds on every instance;
    * "⟹" fails. FINDINGS: (a) non-filling architectures: the criterion fails at every point
      (Behrends' full-space condition can never hold across a bottleneck) while 001 Lem 10 /
      004 Thm 4 give openness onto M_r at every non-degenerate point — Cor 3.2 describes
      openness onto E, not onto im φ; (b) filling architectures, where both readings coincide,
      also have counterexamples, e.g. d = (1,1,3,1), θ = ([0], e_1, e_1ᵀ): dμ is onto
      (Thm 4), so μ is open, but the k = 1 layer condition fails.
    """
    n_suff = n_nec_fill = n_nec_nonfill = n_nonfill_checked = 0
    for arch, th in _all_points():
        lw = layerwise_openness_test(th)
        op = lw.openness.is_open
        if lw.criterion_holds is None or op is None:
            continue
        if not arch.filling:
            # (a), first half: at the last bottleneck k (d_k = r < min(d_0, d_h), so
            # d_k < min(d_{k+1}, d_0)) the pair (W_{k+1}, W_{k,-}) has an image of rank ≤ d_k,
            # never open in the full space, so the k-th condition and the criterion fail
            kb = max(k for k in range(1, arch.h) if arch.widths[k] == arch.r)
            assert lw.per_layer[kb - 1]["k"] == kb and lw.per_layer[kb - 1]["holds"] is False
            assert lw.criterion_holds is False, (arch.widths, [W.tolist() for W in th])
        if lw.criterion_holds:
            assert op is True, (arch, [W.tolist() for W in th])
            n_suff += 1
        elif op:
            if arch.filling:
                n_nec_fill += 1
            else:
                n_nec_nonfill += 1
                # (a), second half: openness onto M_r at a non-degenerate point, checked
                # independently: rk W = r and the product-rule Jacobian (numpy) has rank
                # dim M_r = r(d_0 + d_h − r), so μ is a submersion onto M_r, hence open
                W = th[0]
                for M in th[1:]:
                    W = M @ W
                rk_W, rk_J = clear_rank(W), clear_rank(_numpy_jacobian(th))
                if rk_W == arch.r and rk_J is not None:
                    r = arch.r
                    assert rk_J == r * (arch.d_in + arch.d_out - r), (arch.widths, rk_J)
                    n_nonfill_checked += 1
                assert not lw.openness.theorem.startswith("undetermined")
    assert n_suff > 100 and n_nec_fill > 0 and n_nec_nonfill > 0 and n_nonfill_checked > 0
    # the explicit filling counterexample
    th = (np.zeros((1, 1)), np.array([[1.0], [0], [0]]), np.array([[1.0, 0, 0]]))
    lw = layerwise_openness_test(th)
    assert lw.criterion_holds is False and lw.per_layer[0]["holds"] is False
    assert is_submersion(th, check_jacobian=True).is_submersion is True
    assert lw.openness.is_open is True and lw.agrees_with_openness is False


def test_zero_point_three_layers_open_by_composition():
    """θ = 0 for d = (3,2,2,3): open onto M_2 (composition through the split at p = 1:
    001 Thm 5 at (0, 0), 001 Prop 4 for the upper pair at (0, 0)); Cor 3.2 says not."""
    th = tuple(np.zeros(s) for s in Architecture((3, 2, 2, 3)).shapes)
    res = is_locally_open(th)
    assert res.is_open is True and "composition" in res.theorem
    # independent certificate: T = U Vᵀ (rank ≤ 2, ‖T‖ = δ) has the preimage
    # (δ^{1/3}·[V̂ᵀ], δ^{1/3}·I, δ^{1/3}·Û) at distance O(δ^{1/3}) → 0
    rng = np.random.default_rng(0)
    for delta in (1e-3, 1e-6, 1e-9):
        T = low_rank(rng, 3, 3, 2)
        T *= delta / np.linalg.norm(T)
        U, s, Vt = np.linalg.svd(T)
        c = delta ** (1 / 3)
        pre = ((Vt[:2] * (s[:2, None] / delta) ** 0.5) * c, c * np.eye(2),
               (U[:, :2] * (s[:2] / delta) ** 0.5) * c)
        np.testing.assert_allclose(pre[2] @ pre[1] @ pre[0], T, atol=1e-15)
        dist = np.sqrt(sum(np.sum(x**2) for x in pre))
        assert dist <= 3 * delta ** (1 / 3)
    # the numerical probe stalls here (dμ(0) = 0): evidence, not proof, says so
    pr = probe_local_openness(th, eps=0.5, n_targets=2, rng=0, radii=(1e-3,))
    assert pr.evidence_only and pr.reached_within_eps == [0.0]
    assert layerwise_openness_test(th).criterion_holds is False


@pytest.mark.parametrize("m,k,n,ra,rb,t2", [
    (3, 1, 3, 1, 0, 0), (3, 2, 3, 2, 1, 0), (3, 2, 3, 1, 1, 0), (3, 2, 3, 1, 1, 1),
    (2, 2, 2, 1, 1, 1), (2, 3, 2, 1, 1, 0), (3, 3, 2, 2, 1, 1),
])
def test_probe_agrees_with_the_two_factor_theorems(m, k, n, ra, rb, t2):
    """Checks 13 and 21, openness by numbers: on pairs with prescribed ranks and intersection
    dimension, the probe reaches every target near W when the theorem says open, and misses
    some when it says not open. Evidence only; the verdict comes from the theorem."""
    rng = np.random.default_rng(m * 100 + k * 10 + n + ra + rb + t2)
    A, B = _pair_with_intersection(rng, m, k, n, ra, rb, t2)
    res = is_locally_open_product(A, B)
    assert res.is_open is not None and res.agree
    pr = probe_local_openness((B, A), eps=0.3, n_targets=3, rng=1, radii=(1e-4, 1e-6))
    if res.is_open:
        assert all(f == 1.0 for f in pr.reached_within_eps), (res.reason, pr.failures)
    else:
        assert any(f < 1.0 for f in pr.reached_within_eps), res.reason
