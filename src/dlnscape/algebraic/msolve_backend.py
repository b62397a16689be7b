"""The exact backend: msolve on the critical equations in a random integer chart.

Gröbner basis + rational parametrisation + real root isolation of the critical equations in
the big Schubert cell of a random integer basis, plus a proof that the smaller cells hold no
critical point (msolve answers "no solution"), so no critical point is lost to the chart.
Counts are exact (see :mod:`dlnscape.algebraic.solve`).
"""

from __future__ import annotations

import time

import numpy as np

from dlnscape.algebraic import msolve as ms
from dlnscape.algebraic.alpha import PolySystem, certify_solutions
from dlnscape.algebraic.backend import BackendBase
from dlnscape.algebraic.formulation import (
    Formulation,
    cells,
    integer_system,
    make_formulation,
    quadratic_data,
    random_basis,
)
from dlnscape.algebraic.result import (
    RANK_RTOL,
    CriticalPointsOnMr,
    assemble,
    checked_real_points,
    criticality_verdict,
    real_newton,
)
from dlnscape.errors import SolverError


def solve_msolve(loss, r: int, rng=0, timeout: float = 600.0, T=None) -> CriticalPointsOnMr:
    """``critical_points_on_Mr(loss, r, backend="msolve")``; ``T`` fixes the chart's basis."""
    t0 = time.perf_counter()
    qd = quadratic_data(loss)
    form = make_formulation(qd.shape, r, rng=rng, T=T)
    names = form.names
    polys = integer_system(form, qd)
    sol = ms.solve(polys, names, timeout=timeout)
    version = ms.msolve_version()
    if sol.status == "positive_dimensional":
        return CriticalPointsOnMr(
            tuple(loss.shape), r, 0, 0, 0, [], np.zeros((0,) + tuple(loss.shape), complex),
            "msolve", version, time.perf_counter() - t0, False,
            "msolve: the critical equations have a positive-dimensional solution set in the "
            "chart (non-generic instance): the critical set is not finite, nothing enumerated",
            evidence={"status": sol.status})
    # the integer equations themselves (each a rescaled critical equation: same zeros, same
    # Newton iterates, same α-data) are the exact system the α-certificate is about
    fsys = PolySystem.from_polys(polys, form.nvars, exact=True)
    Xc = fsys.newton(sol.complex_solutions(), iters=4) if sol.n_complex else np.zeros(
        (0, form.nvars), complex)
    Xr = real_newton(fsys, sol.real_midpoints()) if sol.n_real else np.zeros((0, form.nvars))
    # lower Schubert cells: critical points the chart would miss
    extra_c, extra_r, cell_report = [], [], []
    for cell in cells(form.m, r)[1:]:
        fc = Formulation(form.m, form.n, r, form.T, cell, form.transposed)
        sc = ms.solve(integer_system(fc, qd), fc.names, timeout=timeout)
        cell_report.append({"pivots": list(cell.pivots), "status": sc.status,
                            "n_complex": sc.n_complex})
        if sc.status == "zero_dimensional" and sc.n_complex:
            csys = PolySystem.from_polys(integer_system(fc, qd), fc.nvars, exact=True)
            xc = csys.newton(sc.complex_solutions(), iters=4)
            extra_c.append(fc.W_work(xc))
            if sc.n_real:
                extra_r.append(fc.W_work(real_newton(csys, sc.real_midpoints()).astype(complex)))
        elif sc.status == "positive_dimensional":
            cell_report[-1]["note"] = "positive-dimensional: critical set not finite"
    n_out = sum(e.shape[0] for e in extra_c)
    if n_out:  # express those points through the big cell of a fresh chart-free route: W
        Wc_all = np.concatenate([form.W_work(Xc)] + extra_c)
        Wr_all = np.concatenate([form.W_work(Xr.astype(complex))] + extra_r) if (
            Xr.shape[0] or extra_r) else np.zeros((0, form.m, form.n), complex)
        exact = all(c["status"] != "positive_dimensional" for c in cell_report)
        return assemble_from_W(
            loss, form, r, Wc_all, Wr_all, "msolve", version, time.perf_counter() - t0, exact,
            f"msolve (exact): {sol.n_complex} solutions in the big Schubert cell of the random "
            f"integer basis and {n_out} more in smaller cells (each cell solved exactly; the "
            f"cells partition the Grassmannian, so the union is complete)"
            + ("" if exact else "; a cell has a positive-dimensional solution set"),
            n_out, cell_report, sol)
    cert = all(c["status"] == "empty" for c in cell_report)
    text = (
        f"msolve (exact): {sol.n_complex} distinct complex solutions (degree of the eliminating "
        f"polynomial of the rational parametrisation; {sol.multiplicity_degree} with "
        f"multiplicity) and {sol.n_real} real ones (isolating boxes) in the big Schubert cell "
        f"of a random integer basis; the {len(cell_report)} smaller cells hold no critical "
        f"point (msolve: no solution), so none is lost to the chart. Rank exactly r and the "
        f"Hessian inertia are decided in float64 on Newton-polished points (evidence attached)."
    )
    if not cert:
        text = "msolve: a smaller Schubert cell could not be proven empty; " + text
    if sol.multiplicity_degree != sol.n_complex:
        text += " Some solutions are multiple (degenerate critical points)."
    ccert = certify_in_some_chart(form, qd, Xc, fsys, sol.n_complex) if Xc.shape[0] else None
    if ccert is not None and ccert.proven and ccert.complete and \
            int(ccert.real.sum()) != sol.n_real:
        cert = False
        text = (f"NOT certified: α-theory proves {int(ccert.real.sum())} real points but msolve "
                f"isolated {sol.n_real} real roots. " + text)
    res = assemble(loss, form, r, Xc, Xr, "msolve", version, time.perf_counter() - t0, cert,
                    text, evidence={"cells": cell_report, "msolve_seconds": sol.seconds,
                                    "complex_points_alpha": None if ccert is None
                                    else ccert.to_dict(),
                                    "multiplicity_degree": sol.multiplicity_degree,
                                    "chart_T": form.T.tolist()})
    if res.n_rank_deficient:
        res.certification += f" {res.n_rank_deficient} solution(s) of rank < r set apart."
    return res


def certify_in_some_chart(form: Formulation, qd, Xc: np.ndarray, fsys: PolySystem,
                           n_zeros: int, extra: int = 3):
    """α-certify the complex points (as distinct zeros, real/non-real; proven in ball
    arithmetic on the exact integer system) in the chart of ``form`` or, when a point is
    badly conditioned there (near the chart's boundary), in one of ``extra`` other random
    integer charts. ``n_zeros``: msolve's exact count of distinct solutions (completeness
    for the reality argument). Returns the first complete certificate, else the chart's own."""
    first = certify_solutions(fsys, Xc, n_zeros=n_zeros)
    if first.proven:
        return first
    Ws = form.W_work(Xc)
    for k in range(1, extra + 1):
        f = Formulation(form.m, form.n, form.r, random_basis(form.m, [17, k]), form.cell,
                        form.transposed)
        sys_k = PolySystem.from_polys(integer_system(f, qd), f.nvars, exact=True)
        Wk = np.swapaxes(Ws, 1, 2) if form.transposed else Ws
        with np.errstate(all="ignore"):
            X = sys_k.newton(np.array([f.x_from_W(W) for W in Wk]), iters=4)
        c = certify_solutions(sys_k, X, n_zeros=n_zeros)
        if c.proven:
            return c
    return first


def assemble_from_W(loss, form, r, Wc, Wr, backend, version, seconds, certified, text, n_out,
                     cell_report, sol) -> CriticalPointsOnMr:
    s = np.linalg.svd(Wc, compute_uv=False)
    okc = s[:, r - 1] > RANK_RTOL * np.maximum(s[:, 0], 1e-300)
    Wc_c = Wc[okc]
    if form.transposed:
        Wc_c = np.swapaxes(Wc_c, 1, 2)
    keep = []
    for W in Wr:
        W = np.real(W.T if form.transposed else W)
        if np.linalg.svd(W, compute_uv=False)[r - 1] > RANK_RTOL * np.linalg.norm(W, 2):
            keep.append(W)
    pts, report = checked_real_points(loss, r, keep)
    res = CriticalPointsOnMr(
        tuple(loss.shape), r, int(okc.sum()), len(pts), sum(p.index == 0 for p in pts), pts,
        Wc_c, backend, version, seconds, certified, text, n_rank_deficient=int((~okc).sum()),
        n_outside_chart=n_out, n_undetermined_index=sum(p.index is None for p in pts),
        evidence={"cells": cell_report, "msolve_seconds": sol.seconds})
    criticality_verdict(res, report)
    return res



class MsolveBackend(BackendBase):
    """``backend="msolve"``: exact counts (reference)."""

    name = "msolve"

    def unavailable(self) -> str | None:
        try:
            ms.msolve_path()
        except SolverError as e:
            return str(e)
        return None

    def solve(self, loss, r: int, *, rng=0, timeout: float = 600.0,
              cache_dir=None) -> CriticalPointsOnMr:
        return solve_msolve(loss, r, rng, timeout)


MSOLVE = MsolveBackend()
