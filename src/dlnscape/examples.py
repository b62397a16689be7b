"""The seeds' explicit points as named constructors: each returns ``(landscape, theta)``.

Each docstring quotes what its text claims about the point; the tests classify the point and
compare (``tests/critical/test_seed_examples.py``). The texts may be wrong: the claims are
recorded here as claims, never as expected values.

Layer order everywhere is dlnscape's: ``theta = (W_1, …, W_h)`` with ``W_1`` the first layer
(applied to the input), which is also how the seeds index the layers.
"""

from __future__ import annotations

import numpy as np

from dlnscape.architecture import Architecture, Point
from dlnscape.errors import DlnscapeError
from dlnscape.landscape import Landscape
from dlnscape.losses import LinearQuadraticLoss, SquaredLoss
from dlnscape.models.linear import LinearNetwork
from dlnscape.validate import check_rng

__all__ = [
    "hofflin_counterexample",
    "kawaguchi_cor24_point",
    "kawaguchi_data",
    "minimal_cubic_example",
    "nouiehed_appendix_c_example",
    "nouiehed_intro_example",
    "nouiehed_thm12_point",
]


def _landscape(widths, loss) -> Landscape:
    return Landscape(LinearNetwork(Architecture(widths)), loss)


def hofflin_counterexample(
    x: float = 0.0, y: float = 0.0, z: float = 1.0, c: float = 1.0, *,
    normalisation: str = "text",
) -> tuple[Landscape, Point]:
    """Hofflin 2023, §3.2, Eq. (29)–(31): d = (3, 2, 2, 3) and f(X) = ⟨A, X⟩ + (c/2)‖X − W‖².

    ``W_1 = [[1,0,0],[0,1,0]]``, ``W_2 = [[1,0],[0,0]]``, ``W_3 = W_1ᵀ``, ``W = W_3W_2W_1 = E_11``
    and ``A = [[0,0,0],[0,0,x],[0,y,z]]`` (the family for which ∇g = 0 at the point).

    The text claims (Thm 3.1) that the point is 3-critical for every such A ("∇²g and ∇³g also
    equal 0", Mathematica) although ∇f(W) = A ≠ 0 and rank W = 1 < 2, so φ is not 3⟹1; and
    (Claim 3.3) that for A ≠ 0 in this family "there exists c > 0 such that (W_1, W_2, W_3) is a
    local minimum of g".

    ``normalisation``: ``"text"`` uses (c/2)‖X − W‖² as in Eq. (30); ``"appendix"`` uses
    c‖X − W‖² as in the Mathematica code of App. A (catalog T-000-Thm3.1 caveat).
    """
    if normalisation not in ("text", "appendix"):
        raise DlnscapeError(f"normalisation: expected 'text' or 'appendix', got {normalisation!r}")
    W1 = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    W2 = np.array([[1.0, 0.0], [0.0, 0.0]])
    W3 = W1.T.copy()
    W = W3 @ W2 @ W1
    A = np.array([[0.0, 0.0, 0.0], [0.0, 0.0, float(x)], [0.0, float(y), float(z)]])
    cc = float(c) if normalisation == "text" else 2.0 * float(c)
    return _landscape((3, 2, 2, 3), LinearQuadraticLoss(A, cc, W)), (W1, W2, W3)


def nouiehed_intro_example() -> tuple[Landscape, Point]:
    """Nouiehed & Razaviyayn 2018, Introduction: d = (2, 1, 1, 2), ½‖W_3W_2W_1X − Y‖².

    ``X = I``, ``W_3 = [1; 0]``, ``W_2 = [0]``, ``W_1 = [1 0]``, ``Y = [[0, 0], [0, 1]]``. The text:
    "It is not hard to check that the point W = (W_1, W_2, W_3) is a local optimum of a 3-layer
    deep linear model (problem (2) with h = 3) that is not a global optimum."
    """
    X = np.eye(2)
    Y = np.array([[0.0, 0.0], [0.0, 1.0]])
    theta = (np.array([[1.0, 0.0]]), np.array([[0.0]]), np.array([[1.0], [0.0]]))
    return _landscape((2, 1, 1, 2), SquaredLoss(X, Y)), theta


def nouiehed_appendix_c_example() -> tuple[Landscape, Point]:
    """Nouiehed & Razaviyayn 2018, App. C, second counterexample: d = (3, 2, 2, 3), X = I.

    ``Y = [[1,0,−1],[0,4,0],[−1,0,1]]``, ``W̄_3 = [[1,−1],[−1,−1],[1,−1]]``,
    ``W̄_2 = [[1,1],[1,1]]``, ``W̄_1 = W̄_3ᵀ``; loss ½‖W_3W_2W_1 − Y‖². The text: "we construct a
    three layer network with input X and output Y with rank(Y) > min{d_h − d_p2, d_0 − d_p1},
    and then find a local minimum (W̄_3, W̄_2, W̄_1) that is not global", after checking that
    g⁽³⁾ = g⁽⁵⁾ = 0 and g⁽⁴⁾, g⁽⁶⁾ ≥ 0 along straight lines in the kernel of the Hessian.
    """
    Y = np.array([[1.0, 0.0, -1.0], [0.0, 4.0, 0.0], [-1.0, 0.0, 1.0]])
    W3 = np.array([[1.0, -1.0], [-1.0, -1.0], [1.0, -1.0]])
    W2 = np.array([[1.0, 1.0], [1.0, 1.0]])
    return _landscape((3, 2, 2, 3), SquaredLoss(np.eye(3), Y)), (W3.T.copy(), W2, W3)


def nouiehed_thm12_point(widths=(2, 1, 1, 2)) -> tuple[Landscape, Point]:
    """Nouiehed & Razaviyayn 2018, Thm 12(a) and its App. C construction.

    ``p_1*`` = argmin d_i, ``p_2*`` = argmin_{j ≠ p_1*} d_j, ``p_1 < p_2`` their sorted values;
    X = I, Y = E_{d_h, d_0} (a single 1 in the bottom-right corner); ``W̄_k = [I 0]`` (or
    ``[I; 0]``) for k > p_2 and k ≤ p_1, ``W̄_k = 0`` for p_1 < k ≤ p_2. The text claims that if
    ``d_{p_2*} < min{d_h, d_0}`` this is "a local minimum that is not global".
    """
    d = [int(w) for w in widths]
    h = len(d) - 1
    if h < 2:
        raise DlnscapeError(f"widths: expected at least 3 widths (h ≥ 2), got {widths!r}")
    order = sorted(range(h + 1), key=lambda i: (d[i], i))
    p1s, p2s = order[0], order[1]
    if not d[p2s] < min(d[0], d[h]):
        raise DlnscapeError(
            f"widths: Thm 12(a) needs d_p2* < min(d_0, d_h); got d = {d}, p2* = {p2s}"
        )
    p1, p2 = min(p1s, p2s), max(p1s, p2s)
    layers = []
    for k in range(1, h + 1):
        m, n = d[k], d[k - 1]
        if p1 < k <= p2:
            layers.append(np.zeros((m, n)))
        else:
            layers.append(np.eye(m, n))
    Y = np.zeros((d[h], d[0]))
    Y[-1, -1] = 1.0
    return _landscape(d, SquaredLoss(np.eye(d[0]), Y)), tuple(layers)


def kawaguchi_data(d_x: int = 3, d_y: int = 2, m: int = 8, rng=0) -> tuple[np.ndarray, np.ndarray]:
    """Data satisfying Kawaguchi 2016, Thm 2.3: XXᵀ and XYᵀ of full rank, d_y ≤ d_x, and
    Σ = YXᵀ(XXᵀ)⁻¹XYᵀ with distinct eigenvalues (Gaussian data; checked)."""
    gen = check_rng(rng)
    for _ in range(100):
        X = gen.standard_normal((d_x, m))
        Y = gen.standard_normal((d_y, m))
        S = Y @ X.T @ np.linalg.solve(X @ X.T, X @ Y.T)
        ev = np.sort(np.linalg.eigvalsh(S))
        full = (np.linalg.matrix_rank(X @ X.T) == d_x
                and np.linalg.matrix_rank(X @ Y.T) == min(d_x, d_y))
        if full and np.min(np.diff(ev)) > 1e-3 * ev[-1]:
            return X, Y
    raise DlnscapeError(  # pragma: no cover
        "kawaguchi_data: could not draw data with distinct eigenvalues"
    )


def kawaguchi_cor24_point(
    H: int = 2, *, last: str = "random", widths=None, rng=0
) -> tuple[Landscape, Point]:
    """Kawaguchi 2016, Cor 2.4 and its proof (App. C.1): ``W_H = … = W_1 = 0``, ``W_{H+1}``
    arbitrary, squared loss ½‖W_{H+1}⋯W_1X − Y‖² on data satisfying Thm 2.3.

    The text (C.1): "Suppose that W_H = W_{H−1} = ⋯ = W_1 = 0. Then, from Lemma 4.1, it defines
    an uncountable set of critical points, in which W_{H+1} can vary in R^{d_y × d_H}. […] every
    diagonal and off-diagonal element of the Hessian is zero if W_H = ⋯ = W_1 = 0. Thus, the
    Hessian is simply a zero matrix, which has no negative eigenvalue." Cor 2.4: for H = 1 the
    Hessian at any saddle has a negative eigenvalue; for H ≥ 2 there are saddles without one.

    ``last``: ``"random"`` (a Gaussian W_{H+1}, the text's "arbitrary") or ``"zero"``.
    ``widths`` default to (3, 2, …, 2, 2): d_x = 3, hidden widths 2, d_y = 2.
    """
    if H < 1:
        raise DlnscapeError(f"H: expected a number of hidden layers ≥ 1, got {H!r}")
    if last not in ("random", "zero"):
        raise DlnscapeError(f"last: expected 'random' or 'zero', got {last!r}")
    d = list(widths) if widths is not None else [3] + [2] * H + [2]
    if len(d) != H + 2:
        raise DlnscapeError(f"widths: expected H + 2 = {H + 2} widths, got {len(d)}")
    gen = check_rng(rng)
    X, Y = kawaguchi_data(d[0], d[-1], 8, gen)
    layers = [np.zeros((d[k], d[k - 1])) for k in range(1, H + 1)]
    layers.append(gen.standard_normal((d[-1], d[-2])) if last == "random"
                  else np.zeros((d[-1], d[-2])))
    return _landscape(d, SquaredLoss(X, Y)), tuple(layers)


def minimal_cubic_example() -> tuple[Landscape, Point]:
    """The smallest bad saddle: L(w_1, w_2, w_3) = ½(w_3w_2w_1 − 1)² at θ = 0 (d = (1,1,1,1)).

    ∇L(0) = 0 and ∇²L(0) = 0 (every second derivative pairs two of the three weights and the
    third is 0), but along the diagonal L(t, t, t) = ½(t³ − 1)² = ½ − t³ + … decreases: the
    simplest witness of catalog §6.1 item 8 (depth ≥ 3 has saddles with a PSD Hessian,
    Kawaguchi 2016 Cor 2.4), and of "2 ⟹ 1" failing for depth 3 (Hofflin 2023, Thm 3.1).
    """
    loss = SquaredLoss(np.ones((1, 1)), np.ones((1, 1)))
    return _landscape((1, 1, 1, 1), loss), tuple(np.zeros((1, 1)) for _ in range(3))
