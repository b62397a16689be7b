"""Compiled (numba) path tracker of :func:`dlnscape.algebraic.homotopy.track`: same algorithm.

The numpy :func:`~dlnscape.algebraic.homotopy.track` runs all paths together, one numpy call
per small array operation (~40 per evaluation of H and its Jacobian), so most of its time is
dispatch. Here each path is tracked on its own in a compiled loop with exactly the same method:

* intrinsic unknowns ``A`` (m×r), ``B`` (n×r), equations ``Rᵀ A = 0``, ``Cᵀ R B = 0``,
  ``L A = I``, where before every step ``A = Q R_A`` is orthonormalised (Householder), ``B ←
  B R_Aᵀ`` (same ``W = A Bᵀ``), ``L = Qᴴ`` and ``C`` spans ``col(A)^⊥`` (the moving unitary
  patch; the Newton step, the velocity and their norms do not depend on the choice of ``C``
  or on the column phases of ``Q``, so the endpoints agree with numpy's QR to rounding);
* ``G(t) = G0 + t (G1 − G0) + t(1 − t) Gc`` (and ``g(t)``) formed once per ``t``; one
  contraction ``GB[a, i, k] = Σ_j G(t)[a, (i, j)] B[j, k]`` (and ``GA`` over ``i``) gives the
  residual ``R = G(t) vec(A Bᵀ) − g(t)`` and every column of ``∂R`` at once;
* RK4 predictor (velocity ``−J⁻¹ ∂H/∂t``), a Newton step and a chord step (frozen LU) at the
  new ``t``; accepted when the first correction ``n1 < 1e-2`` (relative to ``1 + ‖x‖``) and the
  second ``n2 < max(tol, 0.1 n1)``; step ``h ← min(h · clip((TARGET/n1)^{1/5}, ½, 4), hmax)``
  (no growth right after a rejection), halved on rejection, the path failed below ``hmin``.

``@njit(cache=True)`` (numpy's error model: no exceptions in the loop, a singular LU rejects
the step): compiled once per machine and source version (~6–12 s) and the machine code cached
next to this file (``__pycache__``; numba's user-wide cache directory when that is not
writable; ``$NUMBA_CACHE_DIR`` if set), so worker processes and later sessions load it.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, error_model="numpy")
def _householder(A, Qf, Rr, v):
    """Complex Householder QR of ``A`` (m×r, overwritten): ``Qf`` (m×m) unitary, ``Rr`` (r×r)
    upper triangular with ``A = Qf[:, :r] Rr`` (``v``: work vector of length m)."""
    m, r = A.shape
    for i in range(m):
        for j in range(m):
            Qf[i, j] = 1.0 if i == j else 0.0
    for k in range(r):
        nrm2 = 0.0
        for i in range(k, m):
            nrm2 += A[i, k].real ** 2 + A[i, k].imag ** 2
        nrm = np.sqrt(nrm2)
        if nrm == 0.0:
            continue
        x0 = A[k, k]
        ax0 = abs(x0)
        ph = x0 / ax0 if ax0 > 0.0 else 1.0 + 0.0j
        alpha = -ph * nrm
        for i in range(m):
            v[i] = 0.0
        v[k] = x0 - alpha
        for i in range(k + 1, m):
            v[i] = A[i, k]
        vn2 = 0.0
        for i in range(k, m):
            vn2 += v[i].real ** 2 + v[i].imag ** 2
        if vn2 == 0.0:
            continue
        # A ← (I − 2 v vᴴ / vᴴv) A on rows k.., columns k..
        for j in range(k, r):
            s = 0.0 + 0.0j
            for i in range(k, m):
                s += np.conj(v[i]) * A[i, j]
            s = 2.0 * s / vn2
            for i in range(k, m):
                A[i, j] -= s * v[i]
        # Qf ← Qf (I − 2 v vᴴ / vᴴv)
        for i in range(m):
            s = 0.0 + 0.0j
            for j in range(k, m):
                s += Qf[i, j] * v[j]
            s = 2.0 * s / vn2
            for j in range(k, m):
                Qf[i, j] -= s * np.conj(v[j])
    for i in range(r):
        for j in range(r):
            Rr[i, j] = A[i, j] if j >= i else 0.0


@njit(cache=True, error_model="numpy")
def _lu(J, piv):
    """In-place LU with partial pivoting (pivot by |re| + |im| as LAPACK); False if singular."""
    nv = J.shape[0]
    for k in range(nv):
        p = k
        best = abs(J[k, k].real) + abs(J[k, k].imag)
        for i in range(k + 1, nv):
            v = abs(J[i, k].real) + abs(J[i, k].imag)
            if v > best:
                best = v
                p = i
        piv[k] = p
        if best == 0.0:
            return False
        if p != k:
            for j in range(nv):
                tmp = J[k, j]
                J[k, j] = J[p, j]
                J[p, j] = tmp
        inv = 1.0 / J[k, k]
        for i in range(k + 1, nv):
            f = J[i, k] * inv
            J[i, k] = f
            if f != 0.0:
                for j in range(k + 1, nv):
                    J[i, j] -= f * J[k, j]
    return True


@njit(cache=True, error_model="numpy")
def _lu_solve(LU, piv, b, out):
    nv = LU.shape[0]
    for i in range(nv):
        out[i] = b[i]
    for k in range(nv):
        p = piv[k]
        if p != k:
            tmp = out[k]
            out[k] = out[p]
            out[p] = tmp
    for i in range(nv):
        s = out[i]
        for j in range(i):
            s -= LU[i, j] * out[j]
        out[i] = s
    for i in range(nv - 1, -1, -1):
        s = out[i]
        for j in range(i + 1, nv):
            s -= LU[i, j] * out[j]
        out[i] = s / LU[i, i]


@njit(cache=True, error_model="numpy")
def _form_G(t, G0, g0, D, dg, Gc, gc, Gt, gt):
    """``G(t) = G0 + t D + t(1−t) Gc`` and ``g(t)`` likewise (D = G1 − G0)."""
    N = G0.shape[0]
    s2 = t * (1.0 - t)
    for a in range(N):
        for b in range(N):
            Gt[a, b] = G0[a, b] + t * D[a, b] + s2 * Gc[a, b]
        gt[a] = g0[a] + t * dg[a] + s2 * gc[a]


@njit(cache=True, error_model="numpy")
def _evaluate(x, m, n, r, C, L, Gt, gt, want_J, H, J, GB, GA, R, CR, T, dv):
    """``H(x)`` into ``H`` and, when ``want_J``, its Jacobian into ``J`` (rows: equations
    ``vec Rᵀ A`` (n·r), ``vec Cᵀ R B`` ((m−r)·r), ``vec L A − I`` (r·r); columns: ``vec A``,
    ``vec B``, row-major), at the parameters ``Gt``, ``gt``; also leaves ``R`` (m·n)."""
    N = m * n
    mr = m * r
    nr = n * r
    mc = m - r
    # GB[a, i, k] = Σ_j G[a, i n + j] B[j, k]: R and the A-columns of ∂R
    for a in range(N):
        for i in range(m):
            for k in range(r):
                s = 0.0 + 0.0j
                for j in range(n):
                    s += Gt[a, i * n + j] * x[mr + j * r + k]
                GB[a, i, k] = s
        s = -gt[a]
        for i in range(m):
            for k in range(r):
                s += GB[a, i, k] * x[i * r + k]
        R[a] = s
    # CR = Cᵀ R  ((m−r)×n)
    for l in range(mc):
        for j in range(n):
            s = 0.0 + 0.0j
            for i in range(m):
                s += C[i, l] * R[i * n + j]
            CR[l, j] = s
    # H
    for j in range(n):
        for kk in range(r):
            s = 0.0 + 0.0j
            for i in range(m):
                s += R[i * n + j] * x[i * r + kk]
            H[j * r + kk] = s
    for l in range(mc):
        for kk in range(r):
            s = 0.0 + 0.0j
            for j in range(n):
                s += CR[l, j] * x[mr + j * r + kk]
            H[nr + l * r + kk] = s
    for p in range(r):
        for kk in range(r):
            s = -1.0 + 0.0j if p == kk else 0.0 + 0.0j
            for i in range(m):
                s += L[p, i] * x[i * r + kk]
            H[nr + mc * r + p * r + kk] = s
    if not want_J:
        return
    # GA[a, j, k] = Σ_i G[a, i n + j] A[i, k]: the B-columns of ∂R
    for a in range(N):
        for j in range(n):
            for k in range(r):
                s = 0.0 + 0.0j
                for i in range(m):
                    s += Gt[a, i * n + j] * x[i * r + k]
                GA[a, j, k] = s
    nv = mr + nr
    for v in range(nv):
        isA = v < mr
        if isA:
            i0 = v // r
            k0 = v % r
            for a in range(N):
                dv[a] = GB[a, i0, k0]
        else:
            i0 = (v - mr) // r  # j0 for a B-direction
            k0 = (v - mr) % r
            for a in range(N):
                dv[a] = GA[a, i0, k0]
        # dR_v = dv (m×n, row-major); T = Cᵀ dR_v
        for l in range(mc):
            for j in range(n):
                s = 0.0 + 0.0j
                for i in range(m):
                    s += C[i, l] * dv[i * n + j]
                T[l, j] = s
        for j in range(n):
            for kk in range(r):
                s = 0.0 + 0.0j
                for i in range(m):
                    s += dv[i * n + j] * x[i * r + kk]
                J[j * r + kk, v] = s
        for l in range(mc):
            for kk in range(r):
                s = 0.0 + 0.0j
                for j in range(n):
                    s += T[l, j] * x[mr + j * r + kk]
                J[nr + l * r + kk, v] = s
        for q in range(r * r):
            J[nr + mc * r + q, v] = 0.0
        if isA:  # Rᵀ E_ik: column k of H1 gets R[i, :];  L E_ik: column k of H3 gets L[:, i]
            for j in range(n):
                J[j * r + k0, v] += R[i0 * n + j]
            for p in range(r):
                J[nr + mc * r + p * r + k0, v] = L[p, i0]
        else:  # Cᵀ R E_jk: column k of H2 gets (Cᵀ R)[:, j]
            for l in range(mc):
                J[nr + l * r + k0, v] += CR[l, i0]


@njit(cache=True, error_model="numpy")
def _dHdt(x, m, n, r, C, t, D, dg, Gc, gc, w, Rt, Ht):
    """``∂H/∂t`` at ``x``: ``Rt = D w − dg + (1 − 2t)(Gc w − gc)`` in the first two blocks."""
    N = m * n
    mr = m * r
    nr = n * r
    mc = m - r
    for i in range(m):
        for j in range(n):
            s = 0.0 + 0.0j
            for k in range(r):
                s += x[i * r + k] * x[mr + j * r + k]
            w[i * n + j] = s
    c = 1.0 - 2.0 * t
    for a in range(N):
        s1 = -dg[a]
        s2 = -gc[a]
        for b in range(N):
            s1 += D[a, b] * w[b]
            s2 += Gc[a, b] * w[b]
        Rt[a] = s1 + c * s2
    for j in range(n):
        for kk in range(r):
            s = 0.0 + 0.0j
            for i in range(m):
                s += Rt[i * n + j] * x[i * r + kk]
            Ht[j * r + kk] = s
    for l in range(mc):
        for kk in range(r):
            s = 0.0 + 0.0j
            for j in range(n):
                cr = 0.0 + 0.0j
                for i in range(m):
                    cr += C[i, l] * Rt[i * n + j]
                s += cr * x[mr + j * r + kk]
            Ht[nr + l * r + kk] = s
    for q in range(r * r):
        Ht[nr + mc * r + q] = 0.0


@njit(cache=True, error_model="numpy")
def _norm(v):
    s = 0.0
    for i in range(v.shape[0]):
        s += v[i].real ** 2 + v[i].imag ** 2
    return np.sqrt(s)


@njit(cache=True, error_model="numpy")
def track_paths(A0, B0, inst, G0, g0, Gc, gc, D, dg, h0, hmax, hmin, tol, max_iter, target):
    """Track every path ``p`` (start ``A0[p]``, ``B0[p]``; target parameters of instance
    ``inst[p]``: ``D[inst[p]] = G1 − G0``, ``dg[inst[p]] = g1 − g0``) from t = 0 to 1.

    Returns ``X`` (P, (m+n)r) intrinsic endpoints (orthonormalised patch), final ``t``, ``h``,
    ``ok``, and accepted / attempted steps per path."""
    P, m, r = A0.shape
    n = B0.shape[1]
    N = m * n
    mr = m * r
    nv = (m + n) * r
    mc = m - r
    X = np.empty((P, nv), dtype=np.complex128)
    tout = np.zeros(P)
    hout = np.zeros(P)
    ok = np.zeros(P, dtype=np.bool_)
    nsteps = np.zeros(P, dtype=np.int64)
    natt = np.zeros(P, dtype=np.int64)
    # work arrays, reused by every path
    Gt = np.empty((N, N), dtype=np.complex128)
    gt = np.empty(N, dtype=np.complex128)
    GB = np.empty((N, m, r), dtype=np.complex128)
    GA = np.empty((N, n, r), dtype=np.complex128)
    R = np.empty(N, dtype=np.complex128)
    dv = np.empty(N, dtype=np.complex128)
    Rt = np.empty(N, dtype=np.complex128)
    w = np.empty(N, dtype=np.complex128)
    CR = np.empty((max(mc, 1), n), dtype=np.complex128)
    T = np.empty((max(mc, 1), n), dtype=np.complex128)
    H = np.empty(nv, dtype=np.complex128)
    Ht = np.empty(nv, dtype=np.complex128)
    J = np.empty((nv, nv), dtype=np.complex128)
    piv = np.empty(nv, dtype=np.int64)
    Aw = np.empty((m, r), dtype=np.complex128)
    Qf = np.empty((m, m), dtype=np.complex128)
    Rr = np.empty((r, r), dtype=np.complex128)
    hv = np.empty(m, dtype=np.complex128)
    C = np.empty((m, max(mc, 1)), dtype=np.complex128)
    L = np.empty((r, m), dtype=np.complex128)
    x = np.empty(nv, dtype=np.complex128)
    xa = np.empty(nv, dtype=np.complex128)
    xs = np.empty(nv, dtype=np.complex128)
    xp = np.empty(nv, dtype=np.complex128)
    ks = np.empty((4, nv), dtype=np.complex128)
    d1 = np.empty(nv, dtype=np.complex128)
    d2 = np.empty(nv, dtype=np.complex128)
    for p in range(P):
        q = inst[p]
        Dq = D[q]
        dgq = dg[q]
        for i in range(m):
            for k in range(r):
                x[i * r + k] = A0[p, i, k]
        for j in range(n):
            for k in range(r):
                x[mr + j * r + k] = B0[p, j, k]
        t = 0.0
        h = h0
        succ = 0
        att = 0
        acc = 0
        done = False
        while att < max_iter:
            att += 1
            # moving unitary patch: A = Q R_A, B ← B R_Aᵀ, L = Qᴴ, C = Q[:, r:]
            for i in range(m):
                for k in range(r):
                    Aw[i, k] = x[i * r + k]
            _householder(Aw, Qf, Rr, hv)
            for i in range(m):
                for k in range(r):
                    xa[i * r + k] = Qf[i, k]
                    L[k, i] = np.conj(Qf[i, k])
                for l in range(mc):
                    C[i, l] = Qf[i, r + l]
            for j in range(n):
                for k in range(r):
                    s = 0.0 + 0.0j
                    for kk in range(r):
                        s += x[mr + j * r + kk] * Rr[k, kk]
                    xa[mr + j * r + k] = s
            hh = min(h, 1.0 - t)
            singular = False
            tG = -1.0  # the t of the G(t), g(t) in Gt, gt
            # RK4 predictor: k = −J⁻¹ ∂H/∂t
            for st in range(4):
                if st == 0:
                    ts = t
                    for i in range(nv):
                        xs[i] = xa[i]
                else:
                    c = hh if st == 3 else 0.5 * hh
                    ts = t + c
                    for i in range(nv):
                        xs[i] = xa[i] + c * ks[st - 1, i]
                if ts != tG:
                    _form_G(ts, G0, g0, Dq, dgq, Gc, gc, Gt, gt)
                    tG = ts
                _evaluate(xs, m, n, r, C, L, Gt, gt, True, H, J, GB, GA, R, CR, T, dv)
                _dHdt(xs, m, n, r, C, ts, Dq, dgq, Gc, gc, w, Rt, Ht)
                if not _lu(J, piv):
                    singular = True
                    break
                _lu_solve(J, piv, Ht, d1)
                for i in range(nv):
                    ks[st, i] = -d1[i]
            n1 = np.inf
            n2 = np.inf
            tn = t
            if not singular:
                for i in range(nv):
                    xp[i] = xa[i] + (hh / 6.0) * (ks[0, i] + 2.0 * ks[1, i] + 2.0 * ks[2, i]
                                                  + ks[3, i])
                tn = 1.0 if t + hh >= 1.0 - 1e-13 else t + hh
                scale = 1.0 + _norm(xp)
                # Newton step, then a chord step with the same LU
                if tn != tG:
                    _form_G(tn, G0, g0, Dq, dgq, Gc, gc, Gt, gt)
                _evaluate(xp, m, n, r, C, L, Gt, gt, True, H, J, GB, GA, R, CR, T, dv)
                if _lu(J, piv):
                    _lu_solve(J, piv, H, d1)
                    for i in range(nv):
                        xp[i] -= d1[i]
                    _evaluate(xp, m, n, r, C, L, Gt, gt, False, H, J, GB, GA, R, CR, T, dv)
                    _lu_solve(J, piv, H, d2)
                    for i in range(nv):
                        xp[i] -= d2[i]
                    n1 = _norm(d1) / scale
                    n2 = _norm(d2) / scale
            good = np.isfinite(n1) and n1 < 1e-2 and n2 < max(tol, 0.1 * n1)
            if good:
                for i in range(nv):
                    x[i] = xp[i]
                t = tn
                fac = (target / max(n1, 1e-300)) ** 0.2
                fac = min(max(fac, 0.5), 4.0)
                if succ < 1:
                    fac = min(fac, 1.0)
                h = min(h * fac, hmax)
                succ += 1
                acc += 1
                if t >= 1.0:
                    done = True
                    break
            else:
                h *= 0.5
                succ = 0
                if h < hmin:
                    break
        for i in range(nv):
            X[p, i] = x[i]
        tout[p] = t
        hout[p] = h
        ok[p] = done
        nsteps[p] = acc
        natt[p] = att
    return X, tout, hout, ok, nsteps, natt
