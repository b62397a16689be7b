"""Finding critical points: minimise ``½‖∇L(θ)‖²`` (any kind of critical point) or run GD.

* ``method="newton"`` — Levenberg–Marquardt on the residual ``∇L(θ)`` with the dense Hessian as
  its Jacobian (``scipy.optimize.least_squares(method="lm")``): a damped Newton method for
  ``∇L = 0``; it converges to saddles as readily as to minima.
* ``method="trust-region"`` — the same residual with scipy's trust-region reflective solver
  and the Jacobian as a ``LinearOperator`` of Hessian-vector products (``tr_solver="lsmr"``),
  for sizes where the dense Hessian is too large.
* ``method="gd"`` — gradient descent on L with Armijo backtracking: it finds minima (and the
  saddles it stalls at); its end point is polished by minimum-norm Newton steps.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from scipy.optimize import least_squares
from scipy.sparse.linalg import LinearOperator

from dlnscape.architecture import Point, pack
from dlnscape.errors import DlnscapeError, PointError
from dlnscape.landscape import Landscape
from dlnscape.tolerances import (
    DEFAULT_TOLERANCES,
    point_scale,
    relative_gradient,
    relative_gradient_at,
)

CRITICAL_RTOL = DEFAULT_TOLERANCES.critical_rtol

METHODS = ("newton", "trust-region", "gd")


@dataclass(frozen=True)
class CriticalPointSearch:
    """The end point of a search and how it got there."""

    theta: Point
    value: float
    gradient_norm: float
    relative_gradient_norm: float
    converged: bool
    method: str
    n_iter: int
    seconds: float
    message: str

    def to_dict(self) -> dict:
        return {
            "theta": [W.tolist() for W in self.theta],
            "value": self.value,
            "gradient_norm": self.gradient_norm,
            "relative_gradient_norm": self.relative_gradient_norm,
            "converged": self.converged,
            "method": self.method,
            "n_iter": self.n_iter,
            "seconds": self.seconds,
            "message": self.message,
        }


def _result(landscape, x, method, n_iter, t0, msg, tol) -> CriticalPointSearch:
    theta = landscape.unpack(x)
    v = landscape.value(theta)
    rel, gn, _ = relative_gradient_at(landscape, theta)
    return CriticalPointSearch(theta, v, gn, rel, rel <= tol, method, int(n_iter),
                               time.perf_counter() - t0, msg)


def _newton_from(landscape: Landscape, x: np.ndarray, max_iter: int, tol: float,
                 descent: bool = False) -> np.ndarray:
    """Levenberg–Marquardt on ``∇L = 0`` from ``x`` (then :func:`_polish`); with ``descent`` the
    result is kept only when it lowers the relative gradient without raising L beyond rounding.
    """
    def fun(v):
        return landscape.grad_flat(landscape.unpack(v))

    sol = least_squares(fun, x, jac=lambda v: landscape.hessian(landscape.unpack(v)),
                        method="lm", xtol=1e-15, ftol=1e-15, gtol=1e-15, max_nfev=max_iter)
    x_new = _polish(landscape, sol.x, tol)
    if not descent:
        return x_new
    th, th_new = landscape.unpack(x), landscape.unpack(x_new)
    rounding = 1e-12 * point_scale(landscape, th).value
    better = relative_gradient_at(landscape, th_new)[0] < relative_gradient_at(landscape, th)[0]
    if better and landscape.value(th_new) <= landscape.value(th) + rounding:
        return x_new
    return x


def _polish(landscape: Landscape, x: np.ndarray, tol: float, steps: int = 8,
            descent: bool = False):
    """A few minimum-norm Newton steps ``x ← x − ∇²L⁺∇L`` (kept only while they reduce ‖∇L‖,
    and with ``descent=True`` only while L does not increase beyond rounding)."""
    for _ in range(steps):
        th = landscape.unpack(x)
        g = landscape.grad_flat(th)
        v = landscape.value(th)
        if relative_gradient_at(landscape, th)[0] <= tol * 1e-2:
            break
        step = np.linalg.lstsq(landscape.hessian(th), g, rcond=1e-12)[0]
        x_new = x - step
        th_new = landscape.unpack(x_new)
        if np.linalg.norm(landscape.grad_flat(th_new)) >= np.linalg.norm(g):
            break
        if descent and landscape.value(th_new) > v + 1e-12 * point_scale(landscape, th).value:
            break
        x = x_new
    return x


def find_critical_point(
    landscape: Landscape,
    theta0,
    method: str = "newton",
    *,
    tol: float = CRITICAL_RTOL * 1e-2,
    max_iter: int = 2000,
    step: float | None = None,
    gd_tol: float = 1e-6,
) -> CriticalPointSearch:
    """Drive ``theta0`` to a point whose relative gradient (:mod:`dlnscape.tolerances`) is at most
    ``tol`` (default 1e-2 × the critical threshold).

    ``method``: ``"newton"`` (Levenberg–Marquardt on ∇L = 0 with the dense Hessian),
    ``"trust-region"`` (scipy TRF with Hessian-vector products), or ``"gd"`` (gradient descent
    with Armijo backtracking from step ``step``, default 1, until the relative gradient is below
    ``gd_tol``, then minimum-norm Newton steps). Returns the end point whether or
    not it converged; ``converged`` and ``message`` say which.
    """
    if method not in METHODS:
        raise DlnscapeError(f"method: expected one of {METHODS}, got {method!r}")
    if not (isinstance(max_iter, (int, np.integer)) and max_iter > 0):
        raise DlnscapeError(f"max_iter: expected a positive integer, got {max_iter!r}")
    t0 = time.perf_counter()
    x = pack(landscape.point(theta0, "theta0"))
    with np.errstate(over="ignore", invalid="ignore"):
        v0, g0 = landscape.value(x), landscape.grad_flat(x)
    if not (np.isfinite(v0) and np.all(np.isfinite(g0))):
        raise PointError(f"theta0: the loss or its gradient is not finite in float64 at the "
                         f"starting point (largest entry {float(np.max(np.abs(x))):.3g}); "
                         f"rescale the point or the data")

    def fun(v):
        return landscape.grad_flat(landscape.unpack(v))

    if method == "gd":
        eta = 1.0 if step is None else float(step)
        it = 0
        th = landscape.unpack(x)
        val = landscape.value(th)
        for it in range(1, max_iter + 1):  # noqa: B007
            grads = landscape.grad(th)
            g = pack(grads)
            gn = float(np.linalg.norm(g))
            if relative_gradient(grads, point_scale(landscape, th)) <= max(tol, gd_tol):
                break
            while eta > 1e-16:
                x_new = x - eta * g
                th_new = landscape.unpack(x_new)
                v_new = landscape.value(th_new)
                if v_new <= val - 1e-4 * eta * gn * gn:
                    break
                eta *= 0.5
            else:
                return _result(landscape, x, method, it, t0, "line search failed", tol)
            x, th, val = x_new, th_new, v_new
            eta = min(eta * 2.0, 1e6)
        if landscape.n_params <= 3000:
            x = _polish(landscape, x, tol, descent=True)  # Newton steps from the GD end
            if not _result(landscape, x, method, it, t0, "", tol).converged:
                # near a degenerate point minimum-norm steps stall: Levenberg–Marquardt on
                # ∇L = 0 from the GD end, kept only if it does not climb (a descent method)
                x = _newton_from(landscape, x, max_iter, tol, descent=True)
        res = _result(landscape, x, method, it, t0, "", tol)
        msg = "converged" if res.converged else f"stopped after {it} iterations"
        return CriticalPointSearch(*[getattr(res, f) for f in (
            "theta", "value", "gradient_norm", "relative_gradient_norm", "converged", "method",
            "n_iter", "seconds")], msg)

    try:
        if method == "newton":
            sol = least_squares(fun, x, jac=lambda v: landscape.hessian(landscape.unpack(v)),
                                method="lm", xtol=1e-15, ftol=1e-15, gtol=1e-15,
                                max_nfev=max_iter)
        else:
            def jac(v):
                th = landscape.unpack(v)
                def mv(u):
                    return landscape.hvp_flat(th, np.ravel(u))

                return LinearOperator((x.size, x.size), matvec=mv, rmatvec=mv, dtype=np.float64)

            sol = least_squares(fun, x, jac=jac, method="trf", tr_solver="lsmr", xtol=1e-15,
                                ftol=1e-15, gtol=1e-15, max_nfev=max_iter)
    except ValueError as e:
        # the start was validated: a non-finite value now means the iterates left float64
        # (e.g. TRF from entries ~1e15); report that honestly instead of scipy's traceback
        return _result(landscape, x, method, 0, t0,
                       f"the {method} solver diverged (an iterate or its residual was not "
                       f"finite: {str(e)[:120]}); the starting point is returned", tol)
    x = sol.x
    if method == "newton":
        x = _polish(landscape, x, tol)
    res = _result(landscape, x, method, sol.nfev, t0, str(sol.message), tol)
    return res
