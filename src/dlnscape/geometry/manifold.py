"""The determinantal variety M_r and the fixed-rank stratum through a point.

At ``W = U Σ Vᵀ`` of rank s (Trager et al. 2020, App. A.1):
``T_W M_s = {U M Vᵀ + U_p Vᵀ + U V_pᵀ}`` of dimension ``s(m + n − s)``, and
``(T_W M_s)^⊥ = Col(W)^⊥ ⊗ Row(W)^⊥``.  Stationarity of l on M_r (Hofflin 2023, Lemma 3.2 /
Cor 3.1): ``∇l(W)ᵀ U = 0`` and ``∇l(W) V = 0`` when rank W = r; ``∇l(W) = 0`` when rank W < r.

The Riemannian Hessian of l on the stratum uses the embedded-submanifold formula
(Vandereycken 2013, Prop 2.3; pymanopt's ``FixedRankEmbedded``): for
``ξ = U M Vᵀ + U_p Vᵀ + U V_pᵀ`` and ``H = ∇²l(W)[ξ]``, ``G = ∇l(W)``,
``Hess[ξ] = U (UᵀHV) Vᵀ + P_U^⊥(HV + G V_p Σ⁻¹) Vᵀ + U (P_V^⊥(HᵀU + Gᵀ U_p Σ⁻¹))ᵀ``.
It is returned as a matrix in an orthonormal basis of the tangent space, so its eigenvalues
are meaningful (indices of critical points).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dlnscape.linalg import RankDecision, numerical_rank


@dataclass(frozen=True)
class StratumFrame:
    """Orthonormal frames at ``W`` on its rank stratum: ``W = U diag(s) Vᵀ``."""

    U: np.ndarray  # m × s
    s: np.ndarray  # s
    V: np.ndarray  # n × s
    U_perp: np.ndarray  # m × (m − s)
    V_perp: np.ndarray  # n × (n − s)
    rank: RankDecision

    @property
    def dim(self) -> int:
        m, n = self.U.shape[0], self.V.shape[0]
        k = self.U.shape[1]
        return k * (m + n - k)


def stratum_frame(
    W: np.ndarray, rank: int | None = None, rtol: float | None = None
) -> StratumFrame:
    """SVD frames of ``W`` on the stratum of its numerical rank (or of a given ``rank``)."""
    W = np.asarray(W, dtype=np.float64)
    Uf, s, Vtf = np.linalg.svd(W, full_matrices=True)
    dec = numerical_rank(W, rtol)
    k = dec.rank if rank is None else int(rank)
    return StratumFrame(Uf[:, :k], s[:k], Vtf[:k].T, Uf[:, k:], Vtf[k:].T, dec)


def tangent_basis(frame: StratumFrame) -> np.ndarray:
    """Orthonormal basis of ``T_W M_s`` as an array of shape (dim, m, n).

    Order: ``u_i v_jᵀ`` (s²), then ``u⊥_a v_jᵀ`` ((m−s)s), then ``u_i v⊥_bᵀ`` (s(n−s)).
    """
    U, V, Up, Vp = frame.U, frame.V, frame.U_perp, frame.V_perp
    blocks = [
        np.einsum("ia,jb->abij", U, V).reshape(-1, U.shape[0], V.shape[0]),
        np.einsum("ia,jb->abij", Up, V).reshape(-1, U.shape[0], V.shape[0]),
        np.einsum("ia,jb->abij", U, Vp).reshape(-1, U.shape[0], V.shape[0]),
    ]
    return np.concatenate(blocks, axis=0)


def normal_basis(frame: StratumFrame) -> np.ndarray:
    """Orthonormal basis of ``Col(W)^⊥ ⊗ Row(W)^⊥``, shape ((m−s)(n−s), m, n)."""
    Up, Vp = frame.U_perp, frame.V_perp
    return np.einsum("ia,jb->abij", Up, Vp).reshape(-1, Up.shape[0], Vp.shape[0])


def project_normal(frame: StratumFrame, Z: np.ndarray) -> np.ndarray:
    """Orthogonal projection onto ``(T_W M_s)^⊥ = Col(W)^⊥ ⊗ Row(W)^⊥``."""
    return frame.U_perp @ (frame.U_perp.T @ Z @ frame.V_perp) @ frame.V_perp.T


def project_tangent(frame: StratumFrame, Z: np.ndarray) -> np.ndarray:
    """Orthogonal projection onto ``T_W M_s``."""
    return Z - project_normal(frame, Z)


@dataclass(frozen=True)
class StationarityOnMr:
    """Hofflin 2023 Lemma 3.2 / Cor 3.1 at W with the residuals that decide it."""

    stationary: bool | None  # None when the rank decision is ambiguous
    rank: RankDecision
    r: int
    residuals: dict[str, float]
    tol: float
    reason: str

    def to_dict(self) -> dict:
        return {
            "stationary": self.stationary,
            "rank": self.rank.to_dict(),
            "r": self.r,
            "residuals": self.residuals,
            "tol": self.tol,
            "reason": self.reason,
        }


def is_stationary_on_Mr(
    G: np.ndarray, W: np.ndarray, r: int, tol: float = 1e-8, rtol: float | None = None,
    scale: float | None = None,
) -> StationarityOnMr:
    """First-order stationarity of l on ``M_r`` at ``W`` given ``G = ∇l(W)``.

    Residuals are relative (the tolerance policy of :mod:`dlnscape.tolerances`): with ``scale``
    the size of the terms of ∇l(W) (:meth:`dlnscape.losses.Loss.magnitude`), ``‖GᵀW‖`` and
    ``‖GWᵀ‖`` over ``scale·‖W‖`` (Cor 3.1) when rank W = r, ``‖G‖`` over ``scale`` when
    rank W < r (Lemma 3.2). Without ``scale``, ``‖G‖`` stands in for it (then rank W < r can
    only be judged against an exact zero).
    """
    dec = numerical_rank(W, rtol)
    G = np.asarray(G, dtype=np.float64)
    W = np.asarray(W, dtype=np.float64)
    gs = float(np.linalg.norm(G)) if scale is None else float(scale)
    nW = float(np.linalg.norm(W))

    def rel(x: float, s: float) -> float:
        return 0.0 if x == 0.0 else (x / s if s > 0 else np.inf)

    if dec.rank >= r:
        res = {
            "GtW": rel(float(np.linalg.norm(G.T @ W)), gs * nW),
            "GWt": rel(float(np.linalg.norm(G @ W.T)), gs * nW),
        }
        ok = max(res.values()) <= tol
        why = f"rank W = {dec.rank} = r: Cor 3.1 needs GᵀW = 0 and GWᵀ = 0"
    else:
        res = {"G": rel(float(np.linalg.norm(G)), gs if scale is not None else 0.0)}
        ok = res["G"] <= tol
        why = f"rank W = {dec.rank} < r = {r}: Lemma 3.2 needs ∇l(W) = 0"
    stationary: bool | None = ok
    if dec.ambiguous and dec.rank <= r:
        stationary = None
        why += f"; the rank cut is ambiguous (gap {dec.gap:.3g}), so undetermined"
    return StationarityOnMr(stationary, dec, r, res, tol, why)


def riemannian_gradient(loss, W: np.ndarray, frame: StratumFrame | None = None) -> np.ndarray:
    """Coordinates of ``P_T ∇l(W)`` in the orthonormal basis of :func:`tangent_basis`."""
    frame = stratum_frame(W) if frame is None else frame
    B = tangent_basis(frame)
    G = loss.grad(W)
    return B.reshape(B.shape[0], -1) @ G.ravel()


def riemannian_hessian(loss, W: np.ndarray, frame: StratumFrame | None = None) -> np.ndarray:
    """Riemannian Hessian of ``loss`` on the rank stratum through ``W``, orthonormal coordinates.

    Symmetric ``dim × dim`` matrix with ``dim = s(m+n−s)`` (see the module docstring).
    """
    frame = stratum_frame(W) if frame is None else frame
    B = tangent_basis(frame)
    U, V, s = frame.U, frame.V, frame.s
    G = loss.grad(W)
    H = loss.hessian_apply(W, B)  # (dim, m, n)
    Pu = np.eye(U.shape[0]) - U @ U.T
    Pv = np.eye(V.shape[0]) - V @ V.T
    inv_s = 1.0 / s
    # tangent components of each basis element ξ: U_p = P_U⊥ ξ V, V_p = P_V⊥ ξᵀ U
    Up = Pu @ B @ V  # (dim, m, k)
    Vp = Pv @ np.swapaxes(B, 1, 2) @ U  # (dim, n, k)
    M = U.T @ H @ V
    new_Up = Pu @ (H @ V + (G @ Vp) * inv_s)
    new_Vp = Pv @ (np.swapaxes(H, 1, 2) @ U + (G.T @ Up) * inv_s)
    hess = U @ M @ V.T + new_Up @ V.T + U @ np.swapaxes(new_Vp, 1, 2)
    Hm = B.reshape(B.shape[0], -1) @ hess.reshape(hess.shape[0], -1).T
    return 0.5 * (Hm + Hm.T)


@dataclass(frozen=True)
class TangentSpace:
    """``T_W M_s`` and its normal space at W on the stratum of rank s (004 App. A.1).

    ``basis``/``normal`` are orthonormal (Frobenius) bases as arrays (dim, m, n); the
    projections are the orthogonal ones. ``dim = s(m + n − s)``.
    """

    frame: StratumFrame
    basis: np.ndarray
    normal: np.ndarray

    @property
    def dim(self) -> int:
        return self.basis.shape[0]

    @property
    def codim(self) -> int:
        return self.normal.shape[0]

    def project(self, Z: np.ndarray) -> np.ndarray:
        return project_tangent(self.frame, Z)

    def project_normal(self, Z: np.ndarray) -> np.ndarray:
        return project_normal(self.frame, Z)

    def coordinates(self, Z: np.ndarray) -> np.ndarray:
        """Coordinates of ``P_T Z`` in :attr:`basis`."""
        return self.basis.reshape(self.dim, -1) @ np.asarray(Z, dtype=np.float64).ravel()

    def to_dict(self) -> dict:
        return {"rank": self.frame.rank.to_dict(), "stratum_rank": int(self.frame.U.shape[1]),
                "dim": self.dim, "codim": self.codim}


def tangent_space(W: np.ndarray, rank: int | None = None, rtol: float | None = None
                  ) -> TangentSpace:
    """Tangent and normal spaces at W of the rank stratum through it (004 App. A.1)."""
    frame = stratum_frame(W, rank, rtol)
    return TangentSpace(frame, tangent_basis(frame), normal_basis(frame))
