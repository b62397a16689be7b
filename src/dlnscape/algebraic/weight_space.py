"""Every complex critical point of a regularized deep linear network, in weight space.

For a linear network ``F(θ) = W_h ⋯ W_1``, a quadratic loss l (``SquaredLoss``: ½‖WX − Y‖²,
``DistanceLoss``: ‖φ vec(W − Q0)‖²) and the Hadamard regularizer ``R = Σ_i ‖Λ_i ∘ W_i‖²``
(:class:`dlnscape.HadamardL2`), the critical equations

    ∇_{W_i} L = c · (W_h ⋯ W_{i+1})ᵀ mat(G vec P − g) (W_{i−1} ⋯ W_1)ᵀ + 2 Λ_i² ∘ W_i = 0,
    P = W_h ⋯ W_1,   ∇l(P) = c · mat(G vec P − g)

are polynomial, and *linear* in the parameters ``p = (c, q, d)`` where ``g = c·B q`` (q = vec Y
with ``B = I ⊗ X`` for the squared loss, q = vec Q0 with ``B = G`` for the distance loss) and
``d = 2Λ²`` (the entries with λ ≠ 0). Without regularisation the critical set is
positive-dimensional (the GL symmetry ``W_{i+1} A⁻¹, A W_i``), which is why Mehta, Chen, Tang
and Hauenstein ("The loss surface of deep linear networks viewed through the algebraic geometry
lens", IEEE TPAMI 2022, arXiv:1810.07716) count critical points of the regularised system: 1,
33 and 641 for widths (2,2), (2,2,2), (2,2,2,2) with one data point, 17 for their Example 2.

Method (``backend="homotopy"``): all solutions of a generic member of this family by monodromy
from one seed pair (:mod:`dlnscape.algebraic.monodromy`; the seed: random weights and q, then
d from the equations — here d solves them entrywise), then a parameter homotopy
(:mod:`dlnscape.algebraic.parametric`) to the landscape's own parameters, and α-theory in ball
arithmetic on the exact (integer) target system: distinct certified zeros, real ones proven
real. ``backend="msolve"`` solves the exact system directly (Gröbner bases; slow beyond a few
dozen solutions). Completeness of the homotopy count rests on the monodromy stopping rule
(stated in the result) unless msolve's exact count agrees.

A positive-dimensional critical set is recognised before any solving: at a generic point of
the family's solution variety the Jacobian ``∂f/∂θ`` is singular exactly when the critical
sets of generic members are positive-dimensional (generic smoothness); its singular values are
the evidence.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from dlnscape.algebraic.alpha import PolySystem, certify_solutions
from dlnscape.algebraic.formulation import (
    Poly,
    exact_fraction_array,
    padd,
    pmul,
    pscale,
    pvar,
    quadratic_data,
    to_integer_poly,
)
from dlnscape.algebraic.monodromy import merge_solutions, monodromy_solve
from dlnscape.algebraic.parametric import coefficients, newton, track_segment
from dlnscape.errors import DlnscapeError, LossError, SolverError
from dlnscape.report.summary import SummaryTable, summary_html

#: backends of :func:`critical_points`
WEIGHT_SPACE_BACKENDS = ("auto", "homotopy", "msolve")
#: a Hessian eigenvalue counts as zero below this multiple of the largest |eigenvalue|
EIG_ZERO_RTOL = 1e-9
#: relative singular-value gap below which the seed Jacobian counts as singular
JACOBIAN_RANK_RTOL = 1e-9


# ------------------------------------------------------------------------------------------
# the polynomial system
def _matmul(A: list[list[Poly]], B: list[list[Poly]]) -> list[list[Poly]]:
    n, k, m = len(A), len(B), len(B[0])
    out = []
    for i in range(n):
        row = []
        for j in range(m):
            acc: Poly = {}
            for t in range(k):
                if A[i][t] and B[t][j]:
                    acc = padd(acc, pmul(A[i][t], B[t][j]))
            row.append(acc)
        out.append(row)
    return out


def _transpose(A):
    return [list(r) for r in zip(*A, strict=True)]


def _identity(n: int, nvars: int) -> list[list[Poly]]:
    return [[{(0,) * nvars: 1} if i == j else {} for j in range(n)] for i in range(n)]


@dataclass
class WeightSpaceSystem:
    """The critical equations of a regularized linear network, as a family linear in
    ``p = (c, q, d)`` (see the module docstring), and the landscape's own parameters."""

    widths: tuple[int, ...]
    shapes: tuple[tuple[int, int], ...]
    family: PolySystem  # coef (K, E, M), float
    components: list[list[Poly]]  # exact component systems, one per parameter
    p_target: np.ndarray  # (K,) exact (Fraction) target parameters
    free_d: np.ndarray  # indices (packed) of the regularized weights (λ ≠ 0)
    n_q: int

    @property
    def nvars(self) -> int:
        return int(self.family.N)

    @property
    def K(self) -> int:
        return int(self.family.coef.shape[0])

    def target_float(self) -> np.ndarray:
        p = np.array([float(v) for v in self.p_target])
        return p / np.linalg.norm(p)

    def exact_target(self) -> PolySystem:
        """The target system with exact integer coefficients (each equation scaled to
        coprime integers: the same zeros, and α-theory certifies this system)."""
        E = len(self.components[0])
        polys = []
        for e in range(E):
            acc: Poly = {}
            for k, comp in enumerate(self.components):
                if self.p_target[k] != 0 and comp[e]:
                    acc = padd(acc, pscale(comp[e], self.p_target[k]))
            polys.append(to_integer_poly(acc) if acc else {})
        return PolySystem.from_polys(polys, self.nvars, exact=True)

    def block_slices(self) -> list[slice]:
        out, o = [], 0
        for a, b in self.shapes:
            out.append(slice(o, o + a * b))
            o += a * b
        return out


def _loss_structure(loss):
    """``(c, G, B, q_target)`` with ``∇l(W) = c·mat(G vec W − B q)`` exactly."""
    from dlnscape.losses import DistanceLoss, SquaredLoss

    qd = quadratic_data(loss)
    m, n = qd.shape
    if isinstance(loss, SquaredLoss):
        X = exact_fraction_array(loss.X)
        Y = exact_fraction_array(loss.Y)
        s = X.shape[1]
        # g = vec(Y Xᵀ) (row-major) = B vec(Y) with B[(i, j), (i, k)] = X[j, k]
        Bm = np.empty((m * n, m * s), dtype=object)
        Bm[...] = Fraction(0)
        for i in range(m):
            for j in range(n):
                for k in range(s):
                    Bm[i * n + j, i * s + k] = X[j, k]
        return Fraction(1), qd.G, Bm, Y.reshape(-1)
    if isinstance(loss, DistanceLoss):
        Q0 = exact_fraction_array(loss.Q0).reshape(-1)
        return Fraction(2), qd.G, qd.G, Q0
    raise LossError(f"loss: expected a SquaredLoss or DistanceLoss (a quadratic loss), got "
                    f"{type(loss).__name__}")


def weight_space_system(landscape) -> WeightSpaceSystem:
    """The critical equations of ``landscape`` (a linear network, a quadratic loss, an
    optional :class:`~dlnscape.HadamardL2` regularizer) as a parametric polynomial family."""
    from dlnscape.regularizers import HadamardL2

    net = landscape.model.linear_network
    if net is None:
        raise DlnscapeError(f"landscape: critical_points needs a linear network model, got "
                            f"{landscape.model!r}")
    reg = getattr(landscape, "regularizer", None)
    if reg is not None and not isinstance(reg, HadamardL2):
        raise DlnscapeError(f"landscape.regularizer: critical_points supports HadamardL2, got "
                            f"{type(reg).__name__}")
    c, G, Bm, q_t = _loss_structure(landscape.loss)
    shapes = tuple(tuple(int(s) for s in sh) for sh in landscape.layout.shapes)
    nv = sum(a * b for a, b in shapes)
    if nv > 40:
        raise DlnscapeError(f"landscape: {nv} weights; critical_points enumerates systems of "
                            f"up to 40 unknowns (the solution counts grow exponentially)")
    # weights as polynomial matrices
    Ws, o = [], 0
    for a, b in shapes:
        Ws.append([[pvar(o + i * b + j, nv) for j in range(b)] for i in range(a)])
        o += a * b
    h = len(Ws)
    # prefix / suffix products: Lft[i] = W_{i-1}⋯W_1, Rgt[i] = W_h⋯W_{i+1}
    left = [_identity(shapes[0][1], nv)]
    for i in range(h):
        left.append(_matmul(Ws[i], left[-1]))
    right = [None] * (h + 1)
    right[h] = _identity(shapes[-1][0], nv)
    for i in range(h - 1, -1, -1):
        right[i] = _matmul(right[i + 1], Ws[i])
    P = left[h]
    m, n = len(P), len(P[0])
    Pv = [P[i][j] for i in range(m) for j in range(n)]
    GP = []
    for a in range(m * n):
        acc: Poly = {}
        for b in range(m * n):
            if G[a, b] != 0 and Pv[b]:
                acc = padd(acc, pscale(Pv[b], G[a, b]))
        GP.append(acc)

    def gradient_blocks(Rmat):
        """Σ over layers of (W_h⋯W_{i+1})ᵀ Rmat (W_{i−1}⋯W_1)ᵀ, as flat equations."""
        eqs = []
        for i in range(h):
            Lt = _transpose(right[i + 1])
            Rt = _transpose(left[i])
            M = _matmul(_matmul(Lt, Rmat), Rt)
            eqs.extend(M[r][s] for r in range(len(M)) for s in range(len(M[0])))
        return eqs

    comps = [gradient_blocks([[GP[i * n + j] for j in range(n)] for i in range(m)])]
    const = (0,) * nv
    for k in range(Bm.shape[1]):
        col = Bm[:, k]
        if not any(v != 0 for v in col):
            continue
        Rk = [[({const: -col[i * n + j]} if col[i * n + j] != 0 else {}) for j in range(n)]
              for i in range(m)]
        comps.append(gradient_blocks(Rk))
    q_idx = [k for k in range(Bm.shape[1]) if any(v != 0 for v in Bm[:, k])]
    # regularizer: equation j gets d_j w_j
    lam = np.zeros(nv)
    if reg is not None:
        theta0 = tuple(np.zeros(sh) for sh in shapes)
        lam = np.concatenate([np.ravel(L) for L in reg.lambda_arrays(theta0)])
    free_d = np.flatnonzero(lam != 0)
    for j in free_d:
        comp = [{} for _ in range(nv)]
        comp[j] = pvar(int(j), nv)
        comps.append(comp)
    p_t = [c] + [c * q_t[k] for k in q_idx] + [2 * Fraction(float(lam[j])) ** 2 for j in free_d]
    fam = _family(comps, nv)
    return WeightSpaceSystem(tuple([shapes[0][1]] + [a for a, _b in shapes]), shapes, fam,
                             comps, np.array(p_t, dtype=object), free_d, len(q_idx))


def _family(comps: list[list[Poly]], nv: int) -> PolySystem:
    keys = sorted({e for comp in comps for p in comp for e in p}) or [(0,) * nv]
    idx = {e: i for i, e in enumerate(keys)}
    E = len(comps[0])
    coef = np.zeros((len(comps), E, len(keys)))
    for k, comp in enumerate(comps):
        for e, p in enumerate(comp):
            for ex, cval in p.items():
                coef[k, e, idx[ex]] = float(cval)
    return PolySystem(np.array(keys, dtype=np.int64).reshape(len(keys), nv), coef)


# ------------------------------------------------------------------------------------------
@dataclass
class PatternComponent:
    """The solutions whose vanishing weights are exactly ``zeros``: a square subfamily in the
    other weights (equations ``rows``), with a seed pair. Mehta et al. 2022 partition the
    critical points by these patterns; for every parameter, ``θ = 0`` (pattern "all") is one
    when h ≥ 2, which is why one monodromy from one seed cannot find everything: each pattern
    is its own component of the solution variety."""

    zeros: np.ndarray  # bool (nvars,)
    rows: np.ndarray  # equation indices of the square subsystem
    family: PolySystem | None  # reduced family on the non-zero weights (None: θ = 0)
    x0: np.ndarray  # (1, n_free)
    p0: np.ndarray
    jacobian_rank: int
    singular_values: tuple[float, ...]

    @property
    def n_free(self) -> int:
        return int((~self.zeros).sum())

    @property
    def finite(self) -> bool:
        return self.jacobian_rank == self.n_free


def _reduced_family(fam: PolySystem, zeros: np.ndarray, rows: np.ndarray) -> PolySystem:
    keep_m = ~(fam.exps[:, zeros] > 0).any(axis=1)
    exps = fam.exps[keep_m][:, ~zeros]
    coef = fam.coef[:, rows][:, :, keep_m]
    if exps.shape[0] == 0:
        exps = np.zeros((1, int((~zeros).sum())), dtype=np.int64)
        coef = np.zeros(coef.shape[:2] + (1,))
    return PolySystem(exps, coef)


def _rank(M: np.ndarray, ref: float) -> int:
    """Numerical rank relative to ``ref`` (the scale of the system at the point, so that a
    matrix of rounding residues has rank 0)."""
    s = np.linalg.svd(M, compute_uv=False)
    return int(np.sum(s > JACOBIAN_RANK_RTOL * ref))


def pattern_components(ws: WeightSpaceSystem, gen: np.random.Generator,
                       max_vars: int = 16) -> list[PatternComponent]:
    """Every zero pattern that carries critical points of a generic member of the family.

    For a pattern Z (weights set to 0) and a random point x₀ with exactly those zeros, the
    parameters p with ``f(x₀; p) = 0`` form the null space of ``A(x₀) = [f_k(x₀)]_k``
    (p₀ a generic element). The pattern's solutions exist for generic p iff the tangent
    space ``{(ẋ, ṗ): J ẋ + A ṗ = 0}`` at ``(x₀, p₀)`` projects onto all parameters
    (``range A ⊆ range J``, J the Jacobian in the free weights), and they then form a set of
    dimension ``#free − rank J`` (generic smoothness): a singular J means a
    positive-dimensional critical set, a nonsingular one finitely many points, found by
    monodromy on a square subsystem."""
    nv = ws.nvars
    if nv > max_vars:
        raise DlnscapeError(f"landscape: {nv} weights; the zero-pattern decomposition "
                            f"enumerates 2^{nv} patterns (at most {max_vars} weights)")
    fam = ws.family
    out = []
    masks = np.arange(2**nv)
    Z = ((masks[:, None] >> np.arange(nv)[None]) & 1).astype(bool)  # (2^nv, nv)
    X0 = (gen.normal(size=Z.shape) + 1j * gen.normal(size=Z.shape)) / np.sqrt(2)
    X0[Z] = 0
    from dlnscape.algebraic.parametric import power_products

    monos = power_products(X0, fam.exps, fam.dmax)  # (2^nv, M)
    As = np.einsum("kem,pm->pek", fam.coef, monos)  # (2^nv, E, K)
    svs = np.linalg.svd(As, compute_uv=False)
    top = np.maximum(svs[:, :1], 1e-300)
    ranks = np.where(svs[:, 0] > 0, (svs > JACOBIAN_RANK_RTOL * top).sum(axis=1), 0)
    nfs = (~Z).sum(axis=1)
    for mask in np.flatnonzero(ranks <= nfs):  # rank A > #free: no solution for generic p
        zeros = Z[mask]
        nf = int(nfs[mask])
        x0 = X0[mask]
        mono = fam.monomials_and_derivatives(x0[None])[0]  # (N+1, M)
        A = As[mask]
        rank = int(ranks[mask])
        if nf == 0:
            out.append(PatternComponent(zeros, np.zeros(0, np.int64), None,
                                        np.zeros((1, 0), complex), np.zeros(ws.K, complex), 0,
                                        ()))
            continue
        _u, _s, vh = np.linalg.svd(A)
        null = vh[rank:].conj().T
        p0 = null @ (gen.normal(size=null.shape[1]) + 1j * gen.normal(size=null.shape[1]))
        p0 = p0 / np.linalg.norm(p0)
        Cp = np.tensordot(p0, fam.coef, axes=(0, 0))  # (E, M)
        J = (mono[1:] @ Cp.T).T[:, ~zeros]  # (E, nf)
        # the tangent space {(ẋ, ṗ): J ẋ + A ṗ = 0} projects onto all parameters iff
        # range A ⊆ range J; otherwise the pattern has no solution for generic parameters
        ref = max(np.linalg.norm(J, 2), np.linalg.norm(A, 2))
        rJ = _rank(J, ref)
        if _rank(np.concatenate([J, A], axis=1), ref) > rJ:
            continue
        # the square subsystem: the equations of the free weights when they are independent
        rows = np.flatnonzero(~zeros)
        sv = np.linalg.svd(J[rows], compute_uv=False)
        if sv[-1] <= JACOBIAN_RANK_RTOL * sv[0]:
            import scipy.linalg as sla

            _q, _r, piv = sla.qr(J.T, pivoting=True)
            rows = np.sort(piv[:nf])
            sv = np.linalg.svd(J[rows], compute_uv=False)
        jr = int(np.sum(sv > JACOBIAN_RANK_RTOL * ref))
        out.append(PatternComponent(zeros, rows, _reduced_family(fam, zeros, rows),
                                    x0[~zeros][None], p0, jr, tuple(float(v) for v in sv)))
    return out


def sign_flips(ws: WeightSpaceSystem) -> np.ndarray:
    """The hidden-unit sign flips (row k of W_i and column k of W_{i+1} times −1) as ±1
    vectors on the packed weights, one per element of the group (Z/2)^{hidden units}: they
    preserve the data term and ``Σ λ² w²``, so they map critical points to critical points."""
    sl = ws.block_slices()
    gens = []
    for i in range(len(ws.shapes) - 1):
        rows_i, cols_i = ws.shapes[i]
        _r2, cols_n = ws.shapes[i + 1]
        for k in range(rows_i):
            g = np.ones(ws.nvars)
            g[sl[i]] = np.where(np.arange(rows_i * cols_i) // cols_i == k, -1.0, 1.0)
            g[sl[i + 1]] = np.where(np.arange(_r2 * cols_n) % cols_n == k, -1.0, 1.0)
            gens.append(g)
    group = [np.ones(ws.nvars)]
    for g in gens:
        group += [h * g for h in group]
    return np.array(group)


class PatternFamily:
    """The monodromy adapter of one :class:`PatternComponent` (with the sign-flip group as
    ``orbit``)."""

    def __init__(self, comp: PatternComponent, flips: np.ndarray | None = None) -> None:
        self.comp = comp
        self.fam = comp.family
        self.flips = None if flips is None else flips[:, ~comp.zeros]

    def orbit(self, X: np.ndarray) -> np.ndarray:
        if self.flips is None:
            return X
        return (X[None, :, :] * self.flips[:, None, :]).reshape(-1, X.shape[1])

    def random_parameter(self, rng: np.random.Generator) -> np.ndarray:
        K = self.fam.coef.shape[0]
        p = rng.normal(size=K) + 1j * rng.normal(size=K)
        return p / np.linalg.norm(p)

    def seed(self, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        return self.comp.x0, self.comp.p0

    def track(self, X, pa, pb):
        sr = track_segment(self.fam, X, pa, pb)
        return sr.X, sr.ok

    def refine(self, X, p):
        Xn, rel = newton(self.fam, X, coefficients(self.fam, p), iters=5)
        ok = np.isfinite(rel) & (rel < 1e-10)
        # a solution with a vanishing free weight belongs to a smaller pattern
        ok &= np.min(np.abs(Xn), axis=1, initial=np.inf) > 1e-8 * (1 + np.abs(Xn).max(axis=1))
        return Xn, ok


# ------------------------------------------------------------------------------------------
def bezout_bounds(ws: WeightSpaceSystem) -> dict:
    """The total-degree Bézout number ``∏ deg f_e`` and the multihomogeneous Bézout number
    with one variable group per layer (the coefficient of ``∏ z_g^{n_g}`` in
    ``∏_e Σ_g d_{e,g} z_g``, ``d_{e,g}`` the degree of ``f_e`` in group g)."""
    fam = ws.family
    exps = fam.exps
    used = np.any(fam.coef != 0, axis=0)  # (E, M)
    sl = ws.block_slices()
    degs = [int(exps[used[e]].sum(axis=1).max()) if used[e].any() else 0
            for e in range(used.shape[0])]
    total = math.prod(degs)
    sizes = [s.stop - s.start for s in sl]
    poly: dict[tuple[int, ...], int] = {(0,) * len(sl): 1}
    for e in range(used.shape[0]):
        d = [int(exps[used[e]][:, s].sum(axis=1).max()) if used[e].any() else 0 for s in sl]
        nxt: dict[tuple[int, ...], int] = {}
        for key, cval in poly.items():
            for g, dg in enumerate(d):
                if dg == 0 or key[g] >= sizes[g]:
                    continue
                k2 = key[:g] + (key[g] + 1,) + key[g + 1:]
                nxt[k2] = nxt.get(k2, 0) + cval * dg
        poly = nxt
    return {"total_degree": int(total), "multihomogeneous": int(poly.get(tuple(sizes), 0)),
            "groups": [f"W{i + 1}" for i in range(len(sl))]}


# ------------------------------------------------------------------------------------------
@dataclass
class WeightSpaceCriticalPoint:
    """A real critical point of the landscape with its Morse data."""

    theta: tuple[np.ndarray, ...]
    value: float
    index: int | None  # number of negative Hessian eigenvalues (None: a zero eigenvalue)
    eigenvalues: np.ndarray
    zero_pattern: str
    verdict: str  # "local minimum" | "saddle" | "local maximum" | "degenerate"

    def to_dict(self) -> dict:
        return {"theta": [W.tolist() for W in self.theta], "value": self.value,
                "index": self.index, "eigenvalues": self.eigenvalues.tolist(),
                "zero_pattern": self.zero_pattern, "verdict": self.verdict}


@dataclass
class WeightSpaceCriticalPoints:
    """Every complex critical point of a regularized linear-network landscape."""

    widths: tuple[int, ...]
    finite: bool
    n_complex: int
    n_real: int
    points: list[WeightSpaceCriticalPoint]  # the real ones
    complex_solutions: np.ndarray  # (n_complex, nvars) packed weights
    zero_patterns: dict[str, dict[str, int]]  # pattern → {"complex": k, "real": l}
    bezout: dict
    backend: str
    certified: bool  # every zero α-certified, distinct, reality decided
    complete: bool  # the count is proven complete (see count_evidence)
    count_evidence: str
    certification: str
    seconds: float
    dimension_evidence: dict = field(default_factory=dict)
    monodromy: dict = field(default_factory=dict)
    global_minimum: WeightSpaceCriticalPoint | None = None

    @property
    def n_local_minima(self) -> int:
        return sum(p.verdict == "local minimum" for p in self.points)

    def summary(self) -> str:
        if not self.finite:
            return ("positive-dimensional critical set (dimension ≥ "
                    f"{self.dimension_evidence.get('dimension', '?')}): no finite count")
        mins = self.n_local_minima
        done = "complete" if self.complete else "count not proven complete"
        return (f"{self.n_complex} complex, {self.n_real} real critical point"
                f"{'s' if self.n_real != 1 else ''}, {mins} local minim"
                f"{'um' if mins == 1 else 'a'} ({done})")

    def __str__(self) -> str:
        lines = [f"critical points in weight space, widths {list(self.widths)}: "
                 f"{self.summary()}",
                 f"  backend {self.backend}, {self.seconds:.2f} s; bounds: total degree "
                 f"{self.bezout.get('total_degree')}, multihomogeneous "
                 f"{self.bezout.get('multihomogeneous')}",
                 f"  count: {self.count_evidence}"]
        if self.zero_patterns:
            lines.append("  zero patterns (weights that vanish; complex/real):")
            for pat, c in sorted(self.zero_patterns.items(), key=lambda kv: -kv[1]["complex"]):
                lines.append(f"    {pat}: {c['complex']}/{c['real']}")
        return "\n".join(lines[:20])

    def __repr__(self) -> str:
        return f"<WeightSpaceCriticalPoints {self.summary()}>"

    def _repr_html_(self) -> str:
        rows = [("widths", list(self.widths)), ("result", self.summary()),
                ("backend", self.backend), ("seconds", self.seconds),
                ("bounds (total degree / multihomogeneous)",
                 f"{self.bezout.get('total_degree')} / {self.bezout.get('multihomogeneous')}"),
                ("count", self.count_evidence), ("certification", self.certification)]
        if self.global_minimum is not None:
            rows.append(("global minimum (value)", self.global_minimum.value))
        rows += [(f"zero pattern {pat} (complex/real)", f"{c['complex']}/{c['real']}")
                 for pat, c in sorted(self.zero_patterns.items(),
                                      key=lambda kv: -kv[1]["complex"])]
        table = SummaryTable(("value", "index", "verdict", "zero pattern"),
                             tuple((p.value, p.index, p.verdict, p.zero_pattern)
                                   for p in sorted(self.points, key=lambda p: p.value)),
                             title="real critical points")
        return summary_html("critical points in weight space", rows, table)

    def to_dict(self) -> dict:
        return {"widths": list(self.widths), "finite": self.finite,
                "n_complex": self.n_complex, "n_real": self.n_real,
                "n_local_minima": self.n_local_minima,
                "points": [p.to_dict() for p in self.points],
                "zero_patterns": self.zero_patterns, "bezout": self.bezout,
                "backend": self.backend, "certified": self.certified,
                "complete": self.complete, "count_evidence": self.count_evidence,
                "certification": self.certification, "seconds": self.seconds,
                "dimension_evidence": self.dimension_evidence,
                "monodromy": self.monodromy,
                "global_minimum": None if self.global_minimum is None
                else self.global_minimum.to_dict()}


def zero_pattern(x: np.ndarray, radius: float, ws: WeightSpaceSystem) -> str:
    """Which weights vanish, per layer: ``W1:0x0x|W2:…`` with 0 where ``|w| ≤ radius`` (the
    certified ball cannot exclude 0) and x elsewhere."""
    out = []
    for i, s in enumerate(ws.block_slices()):
        out.append(f"W{i + 1}:" + "".join("0" if abs(v) <= radius else "x" for v in x[s]))
    return "|".join(out)


def _classify_real(landscape, theta) -> tuple[float, int | None, np.ndarray, str]:
    H = landscape.hessian(theta)
    ev = np.linalg.eigvalsh(0.5 * (H + H.T))
    tol = EIG_ZERO_RTOL * max(1.0, float(np.max(np.abs(ev))))
    if np.any(np.abs(ev) <= tol):
        return float(landscape.value(theta)), None, ev, "degenerate"
    idx = int(np.sum(ev < 0))
    verdict = ("local minimum" if idx == 0 else
               "local maximum" if idx == ev.size else "saddle")
    return float(landscape.value(theta)), idx, ev, verdict


def critical_points(landscape, backend: str = "auto", *,
                    rng: np.random.Generator | int | None = 0, timeout: float = 600.0,
                    stall_loops: int = 10, cross_check: float = 60.0,
                    progress=None) -> WeightSpaceCriticalPoints:
    """Every complex critical point of ``landscape`` in weight space, certified.

    ``landscape``: a :class:`~dlnscape.Landscape` of a linear network with a squared or
    distance loss and optionally ``regularizer=HadamardL2(...)``. ``backend``: ``"homotopy"``
    (zero-pattern components, monodromy on each, parameter homotopy to the landscape: the fast
    path), ``"msolve"`` (exact Gröbner bases on the whole system), or ``"auto"`` (the
    homotopy, its count then cross-checked by msolve within ``cross_check`` seconds: when
    msolve's exact count agrees the answer is complete). Returns counts (complex, real), each
    real point classified by its Hessian inertia, the zero-pattern partition of Mehta et al.
    (which weights vanish), the Bézout and multihomogeneous bounds, and — when Λ leaves a
    continuous symmetry unbroken — the answer "positive-dimensional critical set" with a
    singular Jacobian as evidence (Mehta, Chen, Tang, Hauenstein 2022, §4–5). ``timeout``
    bounds the whole search (seconds); ``progress(stage, count)`` is called as components are
    solved.
    """
    if backend not in WEIGHT_SPACE_BACKENDS:
        raise SolverError(f"backend: expected one of {WEIGHT_SPACE_BACKENDS}, got {backend!r}")
    if not (isinstance(timeout, (int, float)) and timeout > 0):
        raise DlnscapeError(f"timeout: expected a positive number of seconds, got {timeout!r}")
    t0 = time.perf_counter()
    from dlnscape.validate import check_rng

    gen = check_rng(rng, "rng")
    ws = weight_space_system(landscape)
    bez = bezout_bounds(ws)
    comps = pattern_components(ws, gen)
    bad = [c for c in comps if not c.finite]
    if bad:
        c = min(bad, key=lambda c: int(c.zeros.sum()))
        ev = {"dimension": c.n_free - c.jacobian_rank,
              "pattern": zero_pattern(np.where(c.zeros, 0.0, 1.0), 0.5, ws),
              "jacobian_rank": c.jacobian_rank, "free_weights": c.n_free,
              "singular_values": list(c.singular_values)}
        return WeightSpaceCriticalPoints(
            ws.widths, False, 0, 0, [], np.zeros((0, ws.nvars), complex), {}, bez, backend,
            True, False,
            f"positive-dimensional: with the weights {ev['pattern']} (0 = vanishing), the "
            f"Jacobian of the critical equations has rank {c.jacobian_rank} < {c.n_free} at a "
            f"generic solution (smallest singular values {list(c.singular_values[-2:])}), so "
            f"generic members have a critical set of dimension ≥ {ev['dimension']}",
            "no finite set to enumerate", time.perf_counter() - t0, ev)
    target = ws.exact_target()
    mono: dict = {"components": len(comps)}
    if backend == "msolve":
        X, n_exact, evidence = _solve_msolve(ws, target, timeout)
        count_ev = f"msolve's exact count on the exact system: {n_exact}"
        complete = True
        mono["msolve"] = evidence
    else:
        X, runs = _solve_homotopy(ws, comps, gen, t0, timeout, stall_loops, progress)
        mono["patterns"] = runs
        stalled = all(r["stop"] in ("stalled", "single point") for r in runs)
        lost = sum(r["count"] - r["reached_target"] for r in runs)
        complete = False
        how = (f"every one stalled: no new solution in {stall_loops} loops" if stalled
               else "some stopped early (timeout): a lower bound")
        count_ev = (f"monodromy on each of {len(comps)} zero-pattern components ({how}; a "
                    "heuristic stopping rule, the count is a lower bound until an exact count "
                    "agrees)")
        if lost:
            count_ev += (f"; {lost} path(s) did not reach the target (a non-generic target: "
                         f"its count is smaller)")
        if backend == "auto":
            complete, note, Xm = _cross_check(
                ws, target, len(X), min(cross_check, timeout - (time.perf_counter() - t0)))
            count_ev += "; " + note
            mono["msolve_cross_check"] = note
            if Xm is not None:  # msolve's exact count disagrees: its answer is the one
                X = Xm
    cert = certify_solutions(target, X, n_zeros=len(X))
    X = cert.X
    certified = bool(cert.proven and cert.reality_decided)
    real = cert.real
    radius = np.where(np.isfinite(2 * cert.beta), 2 * cert.beta, 0.0)
    patterns: dict[str, dict[str, int]] = {}
    points = []
    from dlnscape.algebraic.result import real_newton

    Xr = real_newton(target, X[real].real) if real.any() else np.zeros((0, ws.nvars))
    ri = 0
    for i in range(len(X)):
        pat = zero_pattern(X[i], max(float(radius[i]), 1e-12 * (1 + np.abs(X[i]).max())), ws)
        d = patterns.setdefault(pat, {"complex": 0, "real": 0})
        d["complex"] += 1
        if real[i]:
            d["real"] += 1
            theta = landscape.unpack(np.ascontiguousarray(Xr[ri], dtype=np.float64))
            ri += 1
            val, idx, ev, verdict = _classify_real(landscape, theta)
            points.append(WeightSpaceCriticalPoint(tuple(np.array(W) for W in theta), val,
                                                   idx, ev, pat, verdict))
    points.sort(key=lambda p: p.value)
    gmin = None
    coercive = landscape.regularizer is not None and ws.free_d.size == ws.nvars
    if complete and certified and coercive and points:
        gmin = points[0]
    if certified:
        text = (f"{len(X)} zeros α-certified distinct in ball arithmetic on the exact integer "
                f"system (max α {np.max(cert.alpha) if len(X) else 0:.2e}); reality decided "
                f"for all: {int(real.sum())} real")
    else:
        text = "NOT certified: " + ("some point fails the α-test" if not
                                    cert.all_approximate_zeros else
                                    "reality or distinctness undecided")
    if gmin is not None:
        text += ("; global minimum: the real critical point of least value (L is coercive: "
                 "every weight is regularized, and the list is complete)")
    return WeightSpaceCriticalPoints(
        ws.widths, True, len(X), int(real.sum()), points, X, patterns, bez, backend,
        certified, complete and certified, count_ev, text, time.perf_counter() - t0, {},
        mono, gmin)


def _solve_homotopy(ws: WeightSpaceSystem, comps: list[PatternComponent], gen, t0: float,
                    timeout: float, stall_loops: int, progress):
    """Monodromy on each pattern component, then a parameter homotopy to the target."""
    p1 = ws.target_float()
    flips = sign_flips(ws)
    out = []
    runs = []
    for k, comp in enumerate(comps):
        pat = zero_pattern(np.where(comp.zeros, 0.0, 1.0), 0.5, ws)
        if comp.n_free == 0:
            out.append(np.zeros((1, ws.nvars), complex))
            runs.append({"pattern": pat, "count": 1, "stop": "single point", "loops": 0,
                         "reached_target": 1})
            continue
        left = timeout - (time.perf_counter() - t0)
        pf = PatternFamily(comp, flips)
        res = monodromy_solve(pf, rng=gen, stall_loops=stall_loops,
                              timeout=max(left, 1e-3))
        c = gen.normal(size=ws.K) + 1j * gen.normal(size=ws.K)
        c = 0.2 * c / np.linalg.norm(c)
        # the group commutes with the homotopy (the target has the same symmetry): track one
        # point per orbit, then take the orbits of the endpoints
        sr = track_segment(comp.family, res.representatives, res.p0, p1, c)
        Xe, rel = newton(comp.family, sr.X[sr.ok], coefficients(comp.family, p1), iters=3)
        Xe = Xe[np.isfinite(rel) & (rel < 1e-8)]
        Xe = merge_solutions(Xe[:0], pf.orbit(Xe)) if Xe.shape[0] else Xe
        full = np.zeros((Xe.shape[0], ws.nvars), complex)
        full[:, ~comp.zeros] = Xe
        out.append(full)
        runs.append({"pattern": pat, "count": res.count, "stop": res.stop, "loops": res.loops,
                     "reached_target": int(Xe.shape[0]), "history": res.history})
        if progress is not None:
            progress(k + 1, int(sum(len(o) for o in out)))
    X = np.concatenate(out) if out else np.zeros((0, ws.nvars), complex)
    return X, runs


def _cross_check(ws: WeightSpaceSystem, target: PolySystem, n: int, seconds: float):
    """msolve's exact count against the homotopy's ``n``: ``(complete, a sentence, msolve's
    points when the counts differ — then they are the answer — else None)``."""
    from dlnscape.algebraic.msolve import msolve_path

    if seconds <= 0:
        return False, "msolve cross-check: no time left", None
    try:
        msolve_path()
        Xm, exact, ev = _solve_msolve(ws, target, seconds)
    except SolverError as e:
        return False, f"msolve cross-check not done ({' '.join(str(e).split())[:120]})", None
    if exact == n:
        return True, f"msolve's exact count agrees ({exact}, {ev['seconds']:.1f} s): complete", None
    return True, (f"the homotopy found {n} but msolve's exact count is {exact} (the monodromy "
                  f"stopped early or a path was lost): msolve's points are returned"), Xm


def _solve_msolve(ws: WeightSpaceSystem, target: PolySystem, timeout: float):
    from dlnscape.algebraic import msolve as ms

    E = target.exact.shape[0]
    polys = []
    for e in range(E):
        polys.append({tuple(int(v) for v in target.exps[mi]): int(target.exact[e, mi])
                      for mi in range(target.M) if target.exact[e, mi] != 0})
    names = [f"w{i}" for i in range(ws.nvars)]
    sol = ms.solve(polys, names, timeout=timeout)
    if sol.status != "zero_dimensional":
        raise SolverError(f"msolve: the critical set is not zero-dimensional ({sol.status})")
    X = sol.complex_solutions()
    X = target.newton(X, iters=4)
    return X, int(sol.n_complex), {"seconds": sol.seconds, "n_complex": int(sol.n_complex),
                                   "n_real": int(sol.n_real)}
