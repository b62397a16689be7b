"""Zhou & Liang 2018, "Characterization of gradient dominance and regularity conditions for
neural networks" (Zhou & Liang 2018): its derivative formulas in its own
conventions, evaluated literally so that each can be compared with the package's oracles
(``Landscape.grad`` / ``Landscape.hessian``).

Conventions of the text (§2, §3.1, App. B; catalog §0.2), kept here:

* ``vec`` stacks **columns** (:func:`vec`); derivatives are in the **denominator layout**: the
  gradient with respect to ``vec(W)`` is a column, ``∇_x(Ax) = Aᵀ``, and a Hessian block
  ``∇_{vec(W_k')}(∇_{vec(W_k)} h)`` has its rows indexed by ``W_k'``;
* the global vector is ``vec(W) = [vec(W_1); …; vec(W_l)]`` (eq (8) ff.),
  ``vec(A) = [vec(A_11); vec(A_12); …; vec(A_lr)]`` (§3.2), ``[vec(W_1); vec(W_2)]`` (§3.3):
  the package's block order, but each block column-major where the package packs row-major.
  :func:`text_order` is the permutation (``text_vector = packed[text_order(shapes)]``) and
  :func:`to_text` / :func:`hessian_to_text` apply it;
* the error matrix ``e = W_l⋯W_1X − Y`` (linear), ``Π_k(I + A_{kr}⋯A_{k1})X − Y`` (residual),
  ``W_2σ(W_1X) − Y`` (one hidden layer); the losses are ``½‖e‖_F²``, the package's
  :class:`~dlnscape.losses.SquaredLoss` (the same ½; for the one-hidden network the package's
  model outputs ``W_2σ(W_1X)`` and the loss is ``SquaredLoss(I, Y)``);
* empty products (``W_0⋯W_1``, ``W_{l+1}⋯W_l``, ``A_{k0}⋯``) are identities (below eq (9)).

Formulas: eq (8)/(9) G_k and the gradient of h; eq (11)/(12) Q_kq and the gradient of f;
eq (14)/(15) the gradients of g; eq (17)/(18), (21)/(22), (24) the Hessians at a global
minimizer (m = d, e = 0) as GᵀG, QᵀQ, HᵀH. Also App. B's rules and the "Facts" of the proofs
(T-003-AppB, T-003-Facts).

OCR and typos (what is evaluated is the catalog's reading; where the printed text differs it is
said at the function): eq (3) and §3.2 print ``W_lW_{l−1}…W_lX`` for ``…W_1X``; eq (24) prints
``σ'(diag(vec(W_1*X)))`` for ``diag(σ'(vec(W_1*X)))``; the proof of Thm 4 cites "eq. (97)" for
the gradient formula (8). Eq (15)'s proof writes ``diag(σ'(Xᵀ ⊗ I))`` for
``diag(σ'((Xᵀ ⊗ I)vec W_1))``.

Findings (each function returns its evidence; the tests assert the true property):

* **T-003-Facts** "η_min(AB) ≥ η_min(A)η_min(B)" with η_min the smallest *non-zero* singular
  value is false for rank-deficient factors (:func:`eta_product_counterexample`: two rank-one
  projectors at angle φ have η_min(AB) = cos φ < 1 = η_min(A)η_min(B)). The proofs of Thm 1–2
  use it only for full-rank square factors, where it holds.
* The formulas (8)–(24) themselves agree with the oracles (tests/texts/test_zhou_liang.py);
  Thm 6's proof step "‖e‖² ≥ max{‖X‖²ζ⁴, ζ²}⁻¹‖∇g‖²" does not follow from the two bounds it
  combines (their sum is ‖X‖²ζ⁴ + ζ²), see :mod:`dlnscape.conditions.regularity`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from dlnscape.errors import DlnscapeError, LossError, PointError, ShapeError

#: a text formula agrees with the oracle when ‖text − oracle‖ ≤ AGREE_RTOL · (scale)
AGREE_RTOL = 1e-10
#: largest Kronecker matrix built (entries)
MAX_KRON_ENTRIES = 20_000_000


# ==============================================================================================
# conventions
# ==============================================================================================
def vec(M: np.ndarray) -> np.ndarray:
    """The text's vec: the columns of M stacked (column-major)."""
    return np.asarray(M, dtype=np.float64).reshape(-1, order="F")


def unvec(v: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """The inverse of :func:`vec`."""
    return np.asarray(v, dtype=np.float64).reshape(shape, order="F")


def text_order(shapes: Sequence[tuple[int, int]]) -> np.ndarray:
    """The permutation p with ``text_vector = packed_vector[p]``: same block order, each block
    column-major (text) instead of row-major (package)."""
    out, off = [], 0
    for m, n in shapes:
        out.append(off + np.arange(m * n).reshape(m, n).ravel(order="F"))
        off += m * n
    return np.concatenate(out) if out else np.zeros(0, dtype=int)


def to_text(packed: np.ndarray, shapes: Sequence[tuple[int, int]]) -> np.ndarray:
    """A packed (package) vector in the text's order."""
    return np.asarray(packed)[text_order(shapes)]


def hessian_to_text(H: np.ndarray, shapes: Sequence[tuple[int, int]]) -> np.ndarray:
    """A packed-order Hessian in the text's order (rows and columns)."""
    p = text_order(shapes)
    return np.asarray(H)[np.ix_(p, p)]


def _guard(*dims: int) -> None:
    n = 1
    for x in dims:
        n *= int(x)
    if n > MAX_KRON_ENTRIES:
        raise ShapeError(f"theta: the literal Kronecker formula needs {n} entries "
                         f"(> {MAX_KRON_ENTRIES}); use Landscape.grad / .hessian")


def _mat(a, name: str, shape: tuple[int, int] | None = None) -> np.ndarray:
    arr = np.asarray(a)
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.floating)
                                    or np.issubdtype(arr.dtype, np.integer)):
        raise PointError(f"{name}: expected a real matrix, got dtype {arr.dtype}")
    arr = arr.astype(np.float64)
    if arr.ndim != 2 or (shape is not None and arr.shape != shape):
        raise ShapeError(f"{name}: expected a matrix{'' if shape is None else f' of shape {shape}'}"
                         f", got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise PointError(f"{name}: expected finite entries")
    return arr


def _square_point(theta, name: str = "theta") -> tuple[list[np.ndarray], int]:
    if isinstance(theta, np.ndarray) and theta.ndim == 1:
        raise PointError(f"{name}: expected a tuple of square matrices, got a flat vector")
    try:
        blocks = [np.asarray(W) for W in theta]
    except TypeError:
        raise PointError(f"{name}: expected a tuple of matrices") from None
    if not blocks:
        raise PointError(f"{name}: expected at least one matrix")
    d = blocks[0].shape[0] if blocks[0].ndim == 2 else -1
    out = [_mat(W, f"{name}[{i}]", (d, d)) for i, W in enumerate(blocks)]
    return out, d


def _data(X, Y, d: int) -> tuple[np.ndarray, np.ndarray]:
    X = _mat(X, "X")
    if X.shape[0] != d:
        raise LossError(f"X: expected {d} rows (the layers are {d}×{d}), got shape {X.shape}")
    Y = _mat(Y, "Y", X.shape)
    return X, Y


def _chain(mats: Sequence[np.ndarray], d: int) -> np.ndarray:
    out = np.eye(d)
    for M in mats:
        out = M @ out
    return out


# ==============================================================================================
# linear network: eqs (8), (9), (17), (18)
# ==============================================================================================
def G_k(theta, X, k: int) -> np.ndarray:
    """Zhou & Liang 2018, eq (9) (T-003-Eq8/Eq9):
    ``G_k(W) = (W_{k−1}⋯W_1X)ᵀ ⊗ (W_l⋯W_{k+1})`` (k = 1..l, identities at the ends)."""
    W, d = _square_point(theta)
    X = _mat(X, "X")
    l = len(W)
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 1 <= k <= l:
        raise DlnscapeError(f"k: expected a layer index in [1, {l}], got {k!r}")
    left = _chain(W[:k - 1], d) @ X
    right = _chain(W[k:], d)
    _guard(left.shape[1] * d, left.shape[0] * d)
    return np.kron(left.T, right)


def G_matrix(theta, X) -> np.ndarray:
    """``G(W) = [G_1(W), …, G_l(W)]`` (§4.1, before eq (18))."""
    W, _ = _square_point(theta)
    return np.hstack([G_k(W, X, k) for k in range(1, len(W) + 1)])


def linear_error(theta, X, Y) -> np.ndarray:
    """``e(W) = W_l⋯W_1X − Y`` (§3.1)."""
    W, d = _square_point(theta)
    X, Y = _data(X, Y, d)
    return _chain(W, d) @ X - Y


def eq8_gradient(theta, X, Y) -> np.ndarray:
    """Zhou & Liang 2018, eq (8) (T-003-Eq8): ``∇_{vec(W_k)}h = G_k(W)ᵀvec(e)`` stacked over
    k = 1..l: the gradient of ``h = ½‖W_l⋯W_1X − Y‖²`` in the text's order."""
    W, _ = _square_point(theta)
    e = vec(linear_error(W, X, Y))
    return np.concatenate([G_k(W, X, k).T @ e for k in range(1, len(W) + 1)])


def eq17_block(theta, X, k: int, kp: int) -> np.ndarray:
    """Zhou & Liang 2018, eq (17) (T-003-Eq17): at a global minimizer with m = d,
    ``∇_{vec(W_k')}(∇_{vec(W_k)}h) = G_k'(W*)ᵀ G_k(W*)`` (rows: W_k')."""
    return G_k(theta, X, kp).T @ G_k(theta, X, k)


def eq18_hessian(theta, X) -> np.ndarray:
    """Zhou & Liang 2018, eq (18) (T-003-Eq18): ``∇²h(W*) = G(W*)ᵀG(W*)`` (text order)."""
    G = G_matrix(theta, X)
    return G.T @ G


# ==============================================================================================
# residual network: eqs (11), (12), (21), (22)
# ==============================================================================================
def _residual(theta, units: int, layers_per_unit: int) -> tuple[list[list[np.ndarray]], int]:
    A, d = _square_point(theta)
    for name, v in (("units", units), ("layers_per_unit", layers_per_unit)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
            raise DlnscapeError(f"{name}: expected a positive integer, got {v!r}")
    if len(A) != units * layers_per_unit:
        raise PointError(f"theta: expected units·layers_per_unit = {units * layers_per_unit} "
                         f"blocks (A_11, …, A_lr), got {len(A)}")
    r = layers_per_unit
    return [A[k * r:(k + 1) * r] for k in range(units)], d


def residual_units(theta, units: int, layers_per_unit: int) -> list[np.ndarray]:
    """``W_k = I + A_{kr}⋯A_{k1}`` (§3.2; "only notations", the parameters are the A's)."""
    U, d = _residual(theta, units, layers_per_unit)
    return [np.eye(d) + _chain(u, d) for u in U]


def residual_error(theta, X, Y, units: int, layers_per_unit: int) -> np.ndarray:
    """``e(A) = W_l⋯W_1X − Y`` with ``W_k = I + A_{kr}⋯A_{k1}`` (§3.2; the text prints
    ``W_lW_{l−1}…W_lX``, read ``…W_1X``)."""
    Ws = residual_units(theta, units, layers_per_unit)
    d = Ws[0].shape[0]
    X, Y = _data(X, Y, d)
    return _chain(Ws, d) @ X - Y


def Q_kq(theta, X, units: int, layers_per_unit: int, k: int, q: int) -> np.ndarray:
    """Zhou & Liang 2018, eq (12) (T-003-Eq11/Eq12):
    ``Q_kq(A) = [(W_{k−1}⋯W_1X)ᵀ ⊗ (W_l⋯W_{k+1})]·[(A_{k(q−1)}⋯A_{k1})ᵀ ⊗ (A_{kr}⋯A_{k(q+1)})]``
    (1-based k ∈ [l], q ∈ [r])."""
    U, d = _residual(theta, units, layers_per_unit)
    X = _mat(X, "X")
    for name, v, hi in (("k", k, units), ("q", q, layers_per_unit)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or not 1 <= v <= hi:
            raise DlnscapeError(f"{name}: expected an index in [1, {hi}], got {v!r}")
    Ws = [np.eye(d) + _chain(u, d) for u in U]
    left = _chain(Ws[:k - 1], d) @ X
    right = _chain(Ws[k:], d)
    lo = _chain(U[k - 1][:q - 1], d)
    hi = _chain(U[k - 1][q:], d)
    _guard(left.shape[1] * d, d * d)
    return np.kron(left.T, right) @ np.kron(lo.T, hi)


def Q_matrix(theta, X, units: int, layers_per_unit: int) -> np.ndarray:
    """``Q(A) = [Q_11(A), Q_12(A), …, Q_lr(A)]`` (§4.2)."""
    return np.hstack([Q_kq(theta, X, units, layers_per_unit, k, q)
                      for k in range(1, units + 1) for q in range(1, layers_per_unit + 1)])


def eq11_gradient(theta, X, Y, units: int, layers_per_unit: int) -> np.ndarray:
    """Zhou & Liang 2018, eq (11) (T-003-Eq11): ``∇_{vec(A_kq)}f = Q_kq(A)ᵀvec(e)`` stacked in
    the text's order (A_11, A_12, …, A_lr)."""
    e = vec(residual_error(theta, X, Y, units, layers_per_unit))
    return np.concatenate([Q_kq(theta, X, units, layers_per_unit, k, q).T @ e
                           for k in range(1, units + 1)
                           for q in range(1, layers_per_unit + 1)])


def eq21_block(theta, X, units: int, layers_per_unit: int, kq: tuple[int, int],
               kq_p: tuple[int, int]) -> np.ndarray:
    """Zhou & Liang 2018, eq (21) (T-003-Eq21): at a global minimizer,
    ``∇_{vec(A_k'q')}(∇_{vec(A_kq)}f) = Q_k'q'(A*)ᵀQ_kq(A*)``."""
    return (Q_kq(theta, X, units, layers_per_unit, *kq_p).T
            @ Q_kq(theta, X, units, layers_per_unit, *kq))


def eq22_hessian(theta, X, units: int, layers_per_unit: int) -> np.ndarray:
    """Zhou & Liang 2018, eq (22) (T-003-Eq22): ``∇²f(A*) = Q(A*)ᵀQ(A*)`` (text order)."""
    Q = Q_matrix(theta, X, units, layers_per_unit)
    return Q.T @ Q


# ==============================================================================================
# one hidden layer: eqs (14), (15), (24)
# ==============================================================================================
def _one_hidden(theta, X, Y, sigma):
    from dlnscape.models.activations import activation

    W, d = _square_point(theta)
    if len(W) != 2:
        raise PointError(f"theta: expected (W_1, W_2), got {len(W)} blocks")
    X, Y = _data(X, Y, d)
    return W[0], W[1], X, Y, activation(sigma)


def one_hidden_error(theta, X, Y, sigma) -> np.ndarray:
    """``e(W) = W_2σ(W_1X) − Y`` (§3.3)."""
    W1, W2, X, Y, s = _one_hidden(theta, X, Y, sigma)
    return W2 @ s.value(W1 @ X) - Y


def eq14_gradient(theta, X, Y, sigma) -> np.ndarray:
    """Zhou & Liang 2018, eq (14) (T-003-Eq14): ``∇_{vec(W_2)}g = (σ(W_1X) ⊗ I)vec(e)``."""
    W1, W2, X, Y, s = _one_hidden(theta, X, Y, sigma)
    d = W1.shape[0]
    _guard(d * d, X.shape[1] * d)
    e = W2 @ s.value(W1 @ X) - Y
    return np.kron(s.value(W1 @ X), np.eye(d)) @ vec(e)


def eq15_gradient(theta, X, Y, sigma) -> np.ndarray:
    """Zhou & Liang 2018, eq (15) (T-003-Eq15):
    ``∇_{vec(W_1)}g = (X ⊗ I)vec(σ'(W_1X) ∘ (W_2ᵀe))`` (σ' at a ReLU-family kink: the
    package's right-derivative convention)."""
    W1, W2, X, Y, s = _one_hidden(theta, X, Y, sigma)
    d = W1.shape[0]
    _guard(d * d, X.shape[1] * d)
    Z = W1 @ X
    e = W2 @ s.value(Z) - Y
    return np.kron(X, np.eye(d)) @ vec(s.derivative(Z) * (W2.T @ e))


def one_hidden_gradient(theta, X, Y, sigma) -> np.ndarray:
    """``[∇_{vec(W_1)}g; ∇_{vec(W_2)}g]`` = [eq (15); eq (14)] (the text's vec(W), §3.3)."""
    return np.concatenate([eq15_gradient(theta, X, Y, sigma),
                           eq14_gradient(theta, X, Y, sigma)])


def H_matrix(theta, X, sigma) -> np.ndarray:
    """H of Zhou & Liang 2018, eq (24) (T-003-Eq24), from
    ``Hᵀ = [(X ⊗ I) diag(σ'(vec(W_1X))) (I ⊗ W_2ᵀ); σ(W_1X) ⊗ I]`` (the W_1 block above the W_2
    block; the text prints ``σ'(diag(vec(·)))``, read ``diag(σ'(vec(·)))``)."""
    from dlnscape.models.activations import activation

    W, d = _square_point(theta)
    if len(W) != 2:
        raise PointError(f"theta: expected (W_1, W_2), got {len(W)} blocks")
    W1, W2 = W
    X = _mat(X, "X")
    s = activation(sigma)
    m = X.shape[1]
    _guard(2 * d * d, d * m)
    Z = W1 @ X
    I = np.eye(d)
    top = np.kron(X, I) @ np.diag(vec(s.derivative(Z))) @ np.kron(np.eye(m), W2.T)
    bottom = np.kron(s.value(Z), I)
    return np.vstack([top, bottom]).T


def eq24_hessian(theta, X, sigma) -> np.ndarray:
    """Zhou & Liang 2018, eq (24) (T-003-Eq24): ``∇²g(W*) = H(W*)ᵀH(W*)`` (text order)."""
    H = H_matrix(theta, X, sigma)
    return H.T @ H


# ==============================================================================================
# App. B and the Facts of the proofs
# ==============================================================================================
def eta_min(M: np.ndarray, rtol: float | None = None) -> float:
    """The text's η_min: the smallest *non-zero* singular value (0 for the zero matrix); the
    cut is the package's numerical rank (``dlnscape.linalg.numerical_rank``)."""
    from dlnscape.linalg import numerical_rank

    dec = numerical_rank(_mat(M, "M"), rtol)
    return float(dec.singular_values[dec.rank - 1]) if dec.rank else 0.0


@dataclass(frozen=True)
class FactCheck:
    """One inequality/identity of the proofs on one instance: ``lhs`` vs ``rhs`` and whether
    the text's relation holds (``relation``: "=", "≥")."""

    fact: str
    catalog_id: str
    lhs: float
    rhs: float
    relation: str
    holds: bool
    instance: dict

    def to_dict(self) -> dict:
        return {"fact": self.fact, "catalog_id": self.catalog_id, "lhs": self.lhs,
                "rhs": self.rhs, "relation": self.relation, "holds": self.holds,
                "instance": self.instance}


def _rel(a: float, b: float, rtol: float) -> bool:
    return abs(a - b) <= rtol * max(abs(a), abs(b), 1e-300)


def fact_kron_norm(A, B, rtol: float = 1e-12) -> FactCheck:
    """T-003-Facts: ``‖A ⊗ B‖ = ‖A‖‖B‖`` (spectral norms; used in eq (68))."""
    A, B = _mat(A, "A"), _mat(B, "B")
    lhs = float(np.linalg.norm(np.kron(A, B), 2))
    rhs = float(np.linalg.norm(A, 2) * np.linalg.norm(B, 2))
    return FactCheck("‖A⊗B‖ = ‖A‖‖B‖", "T-003-Facts", lhs, rhs, "=", _rel(lhs, rhs, rtol),
                     {"A": A.tolist(), "B": B.tolist()})


def fact_kron_eta(A, B, rtol: float = 1e-9) -> FactCheck:
    """T-003-Facts: ``η_min(A ⊗ B) = η_min(A)η_min(B)`` (used in eq (37)); true for any A, B
    (the non-zero singular values of A ⊗ B are the products of those of A and B)."""
    A, B = _mat(A, "A"), _mat(B, "B")
    lhs = eta_min(np.kron(A, B))
    rhs = eta_min(A) * eta_min(B)
    return FactCheck("η_min(A⊗B) = η_min(A)η_min(B)", "T-003-Facts", lhs, rhs, "=",
                     _rel(lhs, rhs, rtol), {"A": A.tolist(), "B": B.tolist()})


def fact_eta_product(A, B, rtol: float = 1e-12) -> FactCheck:
    """T-003-Facts: ``η_min(AB) ≥ η_min(A)η_min(B)`` (used in eqs (43), (55)). True for
    full-rank square factors; **false** in general for rank-deficient ones with η_min the
    smallest non-zero singular value (:func:`eta_product_counterexample`)."""
    A, B = _mat(A, "A"), _mat(B, "B")
    if A.shape[1] != B.shape[0]:
        raise ShapeError(f"B: expected {A.shape[1]} rows to multiply A {A.shape}, got "
                         f"{B.shape}")
    lhs = eta_min(A @ B)
    rhs = eta_min(A) * eta_min(B)
    return FactCheck("η_min(AB) ≥ η_min(A)η_min(B)", "T-003-Facts", lhs, rhs, "≥",
                     bool(lhs >= rhs * (1.0 - rtol)), {"A": A.tolist(), "B": B.tolist()})


def fact_weyl(A, E, rtol: float = 1e-12) -> FactCheck:
    """T-003-Facts (Weyl, eq (41)): ``η_min(A + E) ≥ η_min(A) − ‖E‖`` for square invertible A
    (σ_min is 1-Lipschitz in the spectral norm)."""
    A, E = _mat(A, "A"), _mat(E, "E")
    s = np.linalg.svd(A + E, compute_uv=False)
    lhs = float(s[-1])
    rhs = float(np.linalg.svd(A, compute_uv=False)[-1] - np.linalg.norm(E, 2))
    return FactCheck("σ_min(A+E) ≥ σ_min(A) − ‖E‖", "T-003-Facts", lhs, rhs, "≥",
                     bool(lhs >= rhs - rtol * max(1.0, abs(rhs))),
                     {"A": A.tolist(), "E": E.tolist()})


def eta_product_counterexample(angle: float = 1.0) -> FactCheck:
    """A certified instance against T-003-Facts' ``η_min(AB) ≥ η_min(A)η_min(B)`` for
    rank-deficient factors: ``A = uuᵀ``, ``B = vvᵀ`` (unit u, v at ``angle`` radians) have
    ``η_min(A) = η_min(B) = 1`` and ``AB = (u·v)uvᵀ`` with the single non-zero singular value
    ``|cos angle| < 1``. Exact: the product is a rank-one matrix of norm |u·v|."""
    if not (np.isfinite(angle) and 0 < abs(np.cos(angle)) < 1):
        raise DlnscapeError(f"angle: expected an angle with 0 < |cos angle| < 1, got {angle!r}")
    u = np.array([1.0, 0.0])
    v = np.array([np.cos(angle), np.sin(angle)])
    return fact_eta_product(np.outer(u, u), np.outer(v, v))


def appb_vec_identity(A, Xm, B, rtol: float = 1e-12) -> FactCheck:
    """T-003-AppB: ``vec(AXB) = (Bᵀ ⊗ A)vec(X)`` (column-major vec)."""
    A, Xm, B = _mat(A, "A"), _mat(Xm, "X"), _mat(B, "B")
    lhs_v = vec(A @ Xm @ B)
    rhs_v = np.kron(B.T, A) @ vec(Xm)
    err = float(np.linalg.norm(lhs_v - rhs_v))
    scale = float(np.linalg.norm(A) * np.linalg.norm(Xm) * np.linalg.norm(B))
    return FactCheck("vec(AXB) = (Bᵀ⊗A)vec(X)", "T-003-AppB", err, 0.0, "=",
                     bool(err <= rtol * max(scale, 1e-300)), {"A": A.tolist()})


def appb_sigma_rule(A, x, sigma, h: float = 1e-6) -> FactCheck:
    """T-003-AppB: ``∇_x σ(Ax) = Aᵀ diag(σ'(Ax))`` (denominator layout: column j is the
    gradient of σ(a_jᵀx)), against central differences of σ(Ax)."""
    from dlnscape.models.activations import activation

    A = _mat(A, "A")
    x = np.asarray(x, dtype=np.float64).reshape(-1)
    s = activation(sigma)
    formula = A.T @ np.diag(s.derivative(A @ x))
    fd = np.empty_like(formula)
    for i in range(x.size):
        e = np.zeros_like(x)
        e[i] = h
        fd[i] = (s.value(A @ (x + e)) - s.value(A @ (x - e))) / (2 * h)
    err = float(np.linalg.norm(formula - fd))
    scale = float(np.linalg.norm(formula))
    return FactCheck("∇_x σ(Ax) = Aᵀdiag(σ'(Ax))", "T-003-AppB", err, 0.0, "=",
                     bool(err <= 1e-6 * max(scale, 1.0)), {"A": A.tolist(), "x": x.tolist()})


# ==============================================================================================
# comparisons with the package's oracles
# ==============================================================================================
@dataclass(frozen=True)
class FormulaCheck:
    """A text formula against the package's oracle on one instance (both in the text's order).

    ``rel_err = ‖text − oracle‖ / scale`` with ``scale`` the size of the terms the formula sums
    (so rounding gives ~1e-16); ``agrees`` iff ``rel_err ≤ rtol``. A disagreement is a finding,
    with ``instance`` (the point and data) to reproduce it."""

    equation: str
    catalog_id: str
    text: np.ndarray
    oracle: np.ndarray
    abs_err: float
    rel_err: float
    rtol: float
    agrees: bool
    instance: dict

    def to_dict(self) -> dict:
        return {"equation": self.equation, "catalog_id": self.catalog_id,
                "abs_err": self.abs_err, "rel_err": self.rel_err, "rtol": self.rtol,
                "agrees": self.agrees, "instance": self.instance}


def _check(eq: str, cid: str, text: np.ndarray, oracle: np.ndarray, scale: float,
           rtol: float, instance: dict) -> FormulaCheck:
    err = float(np.linalg.norm(text - oracle))
    rel = err / scale if scale > 0 else (0.0 if err == 0 else np.inf)
    return FormulaCheck(eq, cid, text, oracle, err, float(rel), rtol, bool(rel <= rtol),
                        instance)


def _instance(landscape, theta) -> dict:
    from dlnscape.spec import spec_to_dict

    try:
        return spec_to_dict(landscape, theta)
    except DlnscapeError:  # pragma: no cover - custom activations cannot be written
        return {"theta": [np.asarray(B).tolist() for B in theta]}


@dataclass(frozen=True)
class _Setting:
    kind: str
    X: np.ndarray
    Y: np.ndarray
    l: int
    r: int
    sigma: object | None

    @property
    def square_data(self) -> bool:
        return self.X.shape[0] == self.X.shape[1]


def _setting(landscape) -> _Setting:
    """The landscape as one of the text's networks, for its *formulas* (square blocks, the
    squared loss ½‖e‖²); the theorems' further hypotheses (m = d, range σ = R) are not needed
    for eqs (8)–(15) and are checked where the Hessian formulas need e = 0."""
    from dlnscape.landscape import Landscape
    from dlnscape.losses import SquaredLoss
    from dlnscape.models.linear import LinearNetwork
    from dlnscape.models.one_hidden import OneHiddenLayerNetwork
    from dlnscape.models.residual import ResidualLinearNetwork

    if not isinstance(landscape, Landscape):
        raise DlnscapeError(f"landscape: expected a dlnscape.Landscape, got "
                            f"{type(landscape).__name__}")
    loss, model = landscape.loss, landscape.model
    if not isinstance(loss, SquaredLoss):
        raise LossError(f"landscape.loss: the text's formulas are for ½‖e‖²; use a SquaredLoss "
                        f"(got {type(loss).__name__}; a DistanceLoss is 2·½‖e‖²)")
    if isinstance(model, LinearNetwork):
        if len(set(model.arch.widths)) != 1:
            raise DlnscapeError(f"landscape.model: eqs (8)–(18) are for square layers; got "
                                f"widths {list(model.arch.widths)}")
        return _Setting("linear", loss.X, loss.Y, model.arch.h, 1, None)
    if isinstance(model, ResidualLinearNetwork):
        return _Setting("residual", loss.X, loss.Y, model.units, model.layers_per_unit, None)
    if isinstance(model, OneHiddenLayerNetwork):
        d, n = model.X.shape
        if model.hidden != d or model.d_out != d:
            raise DlnscapeError("landscape.model: eqs (14)–(24) are for square W_1, W_2")
        if loss.X.shape != (n, n) or not np.array_equal(loss.X, np.eye(n)):
            raise LossError("landscape.loss: the one-hidden network's loss must be "
                            "SquaredLoss(I, Y) (X is inside the model)")
        return _Setting("one_hidden", model.X, loss.Y, 2, 1, model.sigma)
    raise DlnscapeError(f"landscape.model: the text's formulas are for the linear, residual "
                        f"and one-hidden-layer networks; got {model!r}")


def compare_gradient(landscape, theta, rtol: float = AGREE_RTOL) -> FormulaCheck:
    """The text's gradient formula at θ — eq (8) (linear), eq (11) (residual), eqs (15)+(14)
    (one hidden layer) — against ``Landscape.grad`` converted to the text's order (no other
    conversion: the SquaredLoss is the text's ½‖e‖²)."""
    p = _setting(landscape)
    theta = landscape.point(theta)
    shapes = [B.shape for B in theta]
    oracle = to_text(landscape.grad_flat(theta), shapes)
    if p.kind == "linear":
        text = eq8_gradient(theta, p.X, p.Y)
        eq, cid = "Zhou & Liang eq (8)/(9)", "T-003-Eq8"
        e = linear_error(theta, p.X, p.Y)
        terms = sum(np.linalg.norm(G_k(theta, p.X, k), 2) for k in range(1, p.l + 1))
    elif p.kind == "residual":
        text = eq11_gradient(theta, p.X, p.Y, p.l, p.r)
        eq, cid = "Zhou & Liang eq (11)/(12)", "T-003-Eq11"
        e = residual_error(theta, p.X, p.Y, p.l, p.r)
        terms = np.linalg.norm(Q_matrix(theta, p.X, p.l, p.r), 2)
    else:
        text = one_hidden_gradient(theta, p.X, p.Y, p.sigma)
        eq, cid = "Zhou & Liang eqs (14)/(15)", "T-003-Eq14"
        e = one_hidden_error(theta, p.X, p.Y, p.sigma)
        terms = np.linalg.norm(H_matrix(theta, p.X, p.sigma), 2)
    scale = float(terms) * (float(np.linalg.norm(e)) + float(np.linalg.norm(p.Y)))
    return _check(eq, cid, text, oracle, scale, rtol, _instance(landscape, theta))


def compare_hessian(landscape, theta_star, rtol: float = 1e-9) -> FormulaCheck:
    """The text's Hessian at a global minimizer with m = d — eq (18) GᵀG (linear), eq (22) QᵀQ
    (residual), eq (24) HᵀH (one hidden layer) — against ``Landscape.hessian`` in the text's
    order. The text derives them from e(W*) = 0, so θ* must have zero error (PointError)."""
    p = _setting(landscape)
    theta = landscape.point(theta_star, "theta_star")
    if not p.square_data:
        raise DlnscapeError(f"landscape.loss: eqs (17)–(24) assume m = d (e(W*) = 0); got "
                            f"d × m = {p.X.shape[0]} × {p.X.shape[1]}")
    if p.kind == "linear":
        M = G_matrix(theta, p.X)
        e = linear_error(theta, p.X, p.Y)
        eq, cid = "Zhou & Liang eq (17)/(18)", "T-003-Eq17"
    elif p.kind == "residual":
        M = Q_matrix(theta, p.X, p.l, p.r)
        e = residual_error(theta, p.X, p.Y, p.l, p.r)
        eq, cid = "Zhou & Liang eq (21)/(22)", "T-003-Eq21"
    else:
        M = H_matrix(theta, p.X, p.sigma)
        e = one_hidden_error(theta, p.X, p.Y, p.sigma)
        eq, cid = "Zhou & Liang eq (24)", "T-003-Eq24"
    ny = max(float(np.linalg.norm(p.Y)), 1e-300)
    if float(np.linalg.norm(e)) > 1e-8 * ny:
        raise PointError(f"theta_star: the text's Hessian formulas hold where e = 0 (a global "
                         f"minimizer with m = d); ‖e‖/‖Y‖ = {np.linalg.norm(e) / ny:.3g}")
    text = M.T @ M
    shapes = [B.shape for B in theta]
    oracle = hessian_to_text(landscape.hessian(theta), shapes)
    scale = float(np.linalg.norm(M, 2)) ** 2
    return _check(eq, cid, text, oracle, scale, rtol, _instance(landscape, theta))
