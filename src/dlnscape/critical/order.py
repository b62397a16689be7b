"""Order of criticality (Hofflin 2023, Def 2.4 and Prop 2.1, after Levin–Kileel–Boumal Prop 2.5).

θ is 1-critical iff ``∇L(θ) = 0``; 2-critical iff moreover ``∇²L(θ) ⪰ 0``; 3-critical iff
moreover the cubic form ``∇³L(θ)[u, u, u]`` vanishes for every u in ``ker ∇²L(θ)``.

The cubic form restricted to the kernel (basis K, dimension k) vanishes identically iff the
symmetric tensor ``T_K[i, j, l] = ∇³L(θ)[K_i, K_j, K_l]`` is zero. We compute it *exactly* from
the Taylor coefficients of the gradient along lines (``∇L(θ + sU)``, coefficient 2 is
``½∇³L[U, U, ·]``; ``dlnscape.critical.polynomial.gradient_series``): the diagonal slices
``∇³L[K_i, K_i, ·]`` from the basis vectors, the off-diagonal ones by polarisation,
``∇³L[K_i, K_j, ·] = ½(∇³L[K_i+K_j, K_i+K_j, ·] − ∇³L[K_i, K_i, ·] − ∇³L[K_j, K_j, ·])``,
then contracted with K. That is k(k+1)/2 gradient series; above ``max_pairs`` the test uses the
basis vectors plus random combinations only and says so (``exact=False``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dlnscape.architecture import Point
from dlnscape.critical.polynomial import third_contraction
from dlnscape.landscape import Landscape
from dlnscape.tolerances import DEFAULT_TOLERANCES, hessian_zero_threshold, relative_gradient_at
from dlnscape.validate import check_rng

#: the cubic form counts as vanishing below this multiple of its natural scale
CUBIC_RTOL = 1e-8
#: default cap on the number of polarisation pairs k(k+1)/2
MAX_PAIRS = 2000


@dataclass(frozen=True)
class CriticalityOrder:
    """The largest k ≤ 3 for which θ is k-critical, with the evidence.

    ``order`` 0 means "not critical"; None means undetermined. ``exact`` is False when the
    cubic test could only sample the kernel (``reason`` says why).
    """

    order: int | None
    exact: bool
    method: str
    relative_gradient_norm: float
    n_negative: int | None
    kernel_dim: int | None
    cubic_max: float | None
    cubic_threshold: float | None
    n_directions: int
    reason: str

    def to_dict(self) -> dict:
        return {
            "order": self.order,
            "exact": self.exact,
            "method": self.method,
            "relative_gradient_norm": self.relative_gradient_norm,
            "n_negative": self.n_negative,
            "kernel_dim": self.kernel_dim,
            "cubic_max": self.cubic_max,
            "cubic_threshold": self.cubic_threshold,
            "n_directions": self.n_directions,
            "reason": self.reason,
        }

    def __str__(self) -> str:
        if self.order is None:
            return f"undetermined ({self.reason})"
        o = {0: "not critical", 1: "1-critical", 2: "2-critical", 3: "3-critical"}[self.order]
        return f"{o} ({'exact' if self.exact else 'sampled'}: {self.reason})"


def zero_layers(theta: Point) -> int:
    """Number of layers that are exactly zero."""
    return sum(1 for W in theta if not np.any(W))


def kernel_cubic_tensor(landscape: Landscape, theta: Point, K: np.ndarray) -> np.ndarray:
    """The full symmetric tensor ``∇³L(θ)[K_i, K_j, K_l]`` (k × k × k) by polarisation."""
    k = K.shape[1]
    diag = third_contraction(landscape, theta, K)
    T = np.empty((k, k, k))
    for i in range(k):
        T[i, i] = K.T @ diag[:, i]
    if k > 1:
        ii, jj = np.triu_indices(k, 1)
        TS = third_contraction(landscape, theta, K[:, ii] + K[:, jj])
        Tij = K.T @ (0.5 * (TS - diag[:, ii] - diag[:, jj]))
        T[ii, jj] = Tij.T
        T[jj, ii] = Tij.T
    return T


def cubic_form_on_kernel(
    landscape: Landscape,
    theta: Point,
    K: np.ndarray,
    *,
    max_pairs: int = MAX_PAIRS,
    scale: float = 1.0,
    rng: np.random.Generator | int | None = None,
) -> tuple[float, float, int, bool]:
    """``max |∇³L(θ)[K_i, K_j, K_l]|`` over the kernel basis, its threshold, #directions, exact.

    Exact (all k(k+1)/2 polarisation pairs) when ``k(k+1)/2 ≤ max_pairs``; otherwise the
    diagonal slices plus ``max_pairs`` random kernel directions (``exact=False``).
    """
    k = K.shape[1]
    if k == 0:
        return 0.0, 0.0, 0, True
    thr = CUBIC_RTOL * scale
    gen = check_rng(rng)
    # a cheap probe first: one non-zero value already proves the form is not identically zero
    A = gen.standard_normal((k, min(8, k)))
    V = K @ (A / np.linalg.norm(A, axis=0))
    worst = float(np.max(np.abs(np.sum(V * third_contraction(landscape, theta, V), axis=0))))
    if worst > thr:
        return worst, thr, V.shape[1], True
    diag = third_contraction(landscape, theta, K)  # P × k: T[K_i, K_i, ·]
    proj = K.T @ diag  # k × k: T[K_i, K_i, K_l]
    worst = max(worst, float(np.max(np.abs(proj))))
    n = k + V.shape[1]
    if worst > thr:
        return worst, thr, n, True
    npairs = k * (k - 1) // 2
    if npairs == 0:
        return worst, thr, n, True
    if npairs + k <= max_pairs:
        ii, jj = np.triu_indices(k, 1)
        for start in range(0, npairs, 512):
            sl = slice(start, start + 512)
            S = K[:, ii[sl]] + K[:, jj[sl]]
            TS = third_contraction(landscape, theta, S)
            Tij = 0.5 * (TS - diag[:, ii[sl]] - diag[:, jj[sl]])
            worst = max(worst, float(np.max(np.abs(K.T @ Tij))))
            n += S.shape[1]
            if worst > thr:
                break
        return worst, thr, n, True
    done = 0
    while done < max_pairs and worst <= thr:  # chunks, stopping at the first non-zero value
        b = min(64, max_pairs - done)
        A = gen.standard_normal((k, b))
        A /= np.linalg.norm(A, axis=0)
        V = K @ A
        TV = third_contraction(landscape, theta, V)
        worst = max(worst, float(np.max(np.abs(np.sum(V * TV, axis=0)))))
        done += b
    # a non-zero value is a proof (exact); vanishing on samples is only evidence
    return worst, thr, n + done, worst > thr


def criticality_order(
    landscape: Landscape,
    theta,
    *,
    eigenvalues: np.ndarray | None = None,
    eigenvectors: np.ndarray | None = None,
    max_pairs: int = MAX_PAIRS,
    local_minimum: bool = False,
    threshold: float | None = None,
    rng: np.random.Generator | int | None = None,
) -> CriticalityOrder:
    """The order of criticality of θ (Hofflin 2023, Prop 2.1), computed from Taylor coefficients.

    ``eigenvalues``/``eigenvectors``: the full Hessian spectrum (ascending) if already known;
    ``threshold``: the zero tolerance (default ``tolerances.hessian_zero_threshold``).
    ``local_minimum=True`` (θ carries a verified local-minimum certificate) short-cuts the cubic
    test: a local minimum is k-critical for every k (Hofflin 2023, Def 2.4: ``(g∘c)(t) ≥ g(c(0))``
    along every curve), so the answer is 3 with that reason.
    """
    theta = landscape.point(theta)
    rel = relative_gradient_at(landscape, theta)[0]
    crit = DEFAULT_TOLERANCES.critical_rtol
    if rel > crit:
        return CriticalityOrder(0, True, "gradient", rel, None, None, None, None, 0,
                                f"relative gradient {rel:.3g} > {crit:g}")
    H = None
    if eigenvalues is None:
        H = landscape.hessian(theta)
        eigenvalues = np.linalg.eigvalsh(H)
    thr = hessian_zero_threshold(eigenvalues, rel) if threshold is None else float(threshold)
    nneg = int(np.sum(eigenvalues < -thr))
    nzero = int(np.sum(np.abs(eigenvalues) <= thr))
    if nneg:
        return CriticalityOrder(1, True, "hessian", rel, nneg, nzero, None, None, 0,
                                f"∇²L has {nneg} negative eigenvalue(s), λ_min = "
                                f"{eigenvalues[0]:.3g} < −{thr:.2g}")
    if local_minimum:
        return CriticalityOrder(3, True, "local-minimum certificate", rel, 0, nzero, None, None, 0,
                                "θ is a certified local minimum, hence k-critical for all k "
                                "(Hofflin 2023, Def 2.4)")
    if nzero == 0:
        return CriticalityOrder(3, True, "hessian", rel, 0, 0, 0.0, 0.0, 0,
                                "∇²L ≻ 0: the kernel is {0}, so the cubic condition holds")
    z = zero_layers(theta)
    if z >= 4:
        return CriticalityOrder(3, True, "structural", rel, 0, nzero, 0.0, 0.0, 0,
                                f"{z} layers are exactly zero, so μ(θ + u) − μ(θ) = O(‖u‖^{z}) and "
                                "every derivative of L of order < 4 vanishes at θ")
    if eigenvectors is None:
        eigenvalues, eigenvectors = np.linalg.eigh(landscape.hessian(theta) if H is None else H)
    K = eigenvectors[:, np.abs(eigenvalues) <= thr]
    # the size of ∇³L: the spectrum's scale per unit of ‖θ‖ (units [L]/[θ]³), or the loss's
    # gradient scale where every layer vanishes — never an absolute 1
    from dlnscape.tolerances import point_scale

    nmax = max(float(np.linalg.norm(W)) for W in theta)
    lmax = float(np.max(np.abs(eigenvalues))) if eigenvalues.size else 0.0
    scale = lmax / nmax if nmax > 0 and lmax > 0 else point_scale(landscape, theta).loss_gradient
    worst, cthr, n, exact = cubic_form_on_kernel(landscape, theta, K, max_pairs=max_pairs,
                                                 scale=scale, rng=rng)
    if worst > cthr:
        return CriticalityOrder(2, True, "cubic form on ker ∇²L", rel, 0, K.shape[1], worst, cthr,
                                n, f"∇²L ⪰ 0 but the cubic form on its {K.shape[1]}-dim kernel "
                                f"is non-zero (max |∇³L[K_i,K_j,K_l]| = {worst:.3g})")
    how = ("all k(k+1)/2 polarisation pairs of the kernel basis" if exact else
           f"basis slices and {n - K.shape[1]} random kernel directions "
           f"(k(k+1)/2 = {K.shape[1] * (K.shape[1] + 1) // 2} pairs > {max_pairs})")
    return CriticalityOrder(3, exact, "cubic form on ker ∇²L", rel, 0, K.shape[1], worst, cthr, n,
                            f"∇²L ⪰ 0 and the cubic form vanishes on its {K.shape[1]}-dim kernel "
                            f"(max |∇³L| = {worst:.2g} ≤ {cthr:.2g}; {how})")
