"""PHCpack (Verschelde) blackbox solver as a numerical cross-check (optional).

``phc -b`` (GPL) is run as a subprocess on the same critical equations as msolve (big cell of
a random integer chart, expanded integer polynomials). Its own labels (real/regular) are not
trusted: every solution it prints is Newton-polished on the system here, non-converged ones
are dropped, duplicates merged, and the survivors α-certified as distinct zeros. PHCpack's
polyhedral homotopy is complete in theory but not certified, so the answer is marked
``certified=False``; use it to cross-check msolve and the homotopy.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np

from dlnscape.algebraic.alpha import PolySystem, alpha_data, certify_solutions
from dlnscape.algebraic.backend import BackendBase
from dlnscape.algebraic.formulation import (
    integer_system,
    make_formulation,
    quadratic_data,
    working_data,
)
from dlnscape.algebraic.result import CriticalPointsOnMr, assemble, real_newton
from dlnscape.errors import SolverError

_SOL = re.compile(r"^\s*(\w+)\s*:\s*(\S+)\s+(\S+)\s*$")


def phc_path() -> Path:
    w = shutil.which("phc")
    if not w:
        raise SolverError("phc: PHCpack's `phc` is not on PATH (Debian: apt-get install phcpack)")
    return Path(w)


def phc_version() -> str:
    try:
        out = subprocess.run([str(phc_path()), "--version"], capture_output=True, text=True,
                             timeout=30).stdout
    except (OSError, subprocess.SubprocessError):  # pragma: no cover
        return "PHCpack (unknown version)"
    m = re.search(r"PHCv([0-9.]+)", out)
    return f"PHCpack {m.group(1)}" if m else "PHCpack (unknown version)"


#: integer coefficients up to this many digits are written as integers; PHCpack reads an
#: integer coefficient into a machine number, so the 50-digit integers of float data (dyadic
#: fractions scaled to integers) come out garbled and most paths are lost
PHC_MAX_INT_DIGITS = 15


def phc_coefficients(p: dict) -> dict:
    """The exact coefficients of ``p`` as PHCpack literals: the integers themselves when they
    all fit in :data:`PHC_MAX_INT_DIGITS` digits, else ``c / max|c|`` (same zeros) as a float
    literal with 17 significant digits, computed exactly from the integers."""
    from fractions import Fraction

    big = max((abs(int(c)) for c in p.values()), default=1) or 1
    if len(str(big)) <= PHC_MAX_INT_DIGITS:
        return {e: str(int(c)) for e, c in p.items()}
    return {e: f"{float(Fraction(int(c), big)):.17e}" for e, c in p.items()}


def format_system(polys: list[dict], nvars: int) -> tuple[str, list[str]]:
    """PHCpack input text (expanded; the exact integer coefficients, rescaled per polynomial
    to floats of modulus ≤ 1 when they are too long for PHCpack: :func:`phc_coefficients`)
    and the variable names x1..xn."""
    names = [f"x{i + 1}" for i in range(nvars)]
    lines = [f"{len(polys)} {nvars}"]
    for p in polys:
        terms = []
        lits = phc_coefficients(p)
        for e in sorted(p, reverse=True):
            c = lits[e]
            neg = c.startswith("-")
            mono = "*".join(
                (nm if k == 1 else f"{nm}^{k}") for nm, k in zip(names, e, strict=True) if k
            )
            terms.append(f"{'-' if neg else '+'} {c.lstrip('-')}" + (f"*{mono}" if mono else ""))
        lines.append(" " + " ".join(terms or ["0"]) + ";")
    return "\n".join(lines) + "\n", names


def parse_solutions(text: str, names: list[str]) -> np.ndarray:
    """Complex solutions of the last ``THE SOLUTIONS`` section of a ``phc -b`` output file."""
    k = text.rfind("THE SOLUTIONS")
    if k < 0:
        raise SolverError("phc output: no 'THE SOLUTIONS' section")
    sols, cur = [], {}
    inside = False
    for line in text[k:].splitlines():
        if line.strip().startswith("the solution for t"):
            inside, cur = True, {}
            continue
        if inside:
            if line.strip().startswith("=="):
                if all(nm in cur for nm in names):
                    sols.append([cur[nm] for nm in names])
                inside = False
                continue
            m = _SOL.match(line)
            if m and m.group(1) in names:
                cur[m.group(1)] = complex(float(m.group(2)), float(m.group(3)))
    return np.array(sols, dtype=complex).reshape(-1, len(names))


def run_phc(polys: list[dict], nvars: int, timeout: float = 600.0) -> tuple[np.ndarray, float]:
    exe = phc_path()
    text, names = format_system(polys, nvars)
    with tempfile.TemporaryDirectory(prefix="dlnscape-phc-") as d:
        fin, fout = Path(d) / "in.phc", Path(d) / "out.phc"
        fin.write_text(text)
        t0 = time.perf_counter()
        try:
            proc = subprocess.run([str(exe), "-b", str(fin), str(fout)], capture_output=True,
                                  text=True, timeout=timeout, cwd=d)
        except subprocess.TimeoutExpired:
            raise SolverError(f"phc: no answer within timeout={timeout} s") from None
        secs = time.perf_counter() - t0
        if proc.returncode != 0 or not fout.exists():
            raise SolverError(f"phc: exit code {proc.returncode}: {proc.stderr[-300:]}")
        return parse_solutions(fout.read_text(), names), secs


def polish_and_deduplicate(system: PolySystem, X: np.ndarray, tol: float = 1e-8) -> np.ndarray:
    """Newton-polish, keep only α-certified approximate zeros (drops diverged paths and points
    at infinity), merge points closer than ``tol`` (relative)."""
    if X.shape[0] == 0:
        return X
    with np.errstate(all="ignore"):
        X = system.newton(X, iters=5)
    X = X[np.isfinite(X).all(axis=1)]
    if X.shape[0] == 0:
        return X
    X = X[alpha_data(system, X).certified]
    keep: list[np.ndarray] = []
    for x in X:
        if all(np.linalg.norm(x - y) > tol * (1 + np.linalg.norm(x)) for y in keep):
            keep.append(x)
    return np.array(keep, dtype=complex).reshape(-1, system.N)


#: PHCpack runs before an inconsistent answer (not distinct, reality undecided) is returned
PHC_ATTEMPTS = 3


def solve_phc(loss, r: int, rng=0, timeout: float = 600.0) -> CriticalPointsOnMr:
    """``critical_points_on_Mr(loss, r, backend="phc")``: PHCpack, polished here."""
    t0 = time.perf_counter()
    qd = quadratic_data(loss)
    form = make_formulation(qd.shape, r, rng=rng)
    polys = integer_system(form, qd)
    G, g = working_data(form, qd)
    fsys = PolySystem.from_polys(form.polynomials(G.astype(np.float64), g.astype(np.float64)),
                                 form.nvars)
    attempt = 0
    while attempt < PHC_ATTEMPTS:
        attempt += 1
        # PHCpack's blackbox draws its own random path data: a run whose endpoints are not
        # all distinct approximate zeros with their reality decided is rerun (on an
        # ill-conditioned float instance 1 run in ~25 printed one zero twice)
        Xraw, _secs = run_phc(polys, form.nvars, timeout)
        X = polish_and_deduplicate(fsys, Xraw)
        # not a proof of completeness: the list is *assumed* complete for the reality argument
        cert = certify_solutions(fsys, X, n_zeros=X.shape[0])
        if cert.all_approximate_zeros and cert.distinct and cert.reality_decided:
            break
    X = cert.X
    Xr = real_newton(fsys, X[cert.real].real) if cert.real.any() else np.zeros((0, form.nvars))
    text = (
        f"PHCpack cross-check (not a proof of completeness; run {attempt}): {Xraw.shape[0]} "
        f"solutions printed, "
        f"{X.shape[0]} distinct after Newton polishing; α-test: all approximate zeros = "
        f"{cert.all_approximate_zeros}, distinct = {cert.distinct}; real ones proven real "
        f"assuming the list is complete."
    )
    return assemble(loss, form, r, X, Xr, "phc", phc_version(), time.perf_counter() - t0,
                     False, text, evidence={"certificate": cert.to_dict(),
                                            "n_printed": int(Xraw.shape[0])})


class PhcBackend(BackendBase):
    """``backend="phc"``: PHCpack's blackbox solver as a cross-check (never certified)."""

    name = "phc"

    def unavailable(self) -> str | None:
        try:
            phc_path()
        except SolverError as e:
            return str(e)
        return None

    def solve(self, loss, r: int, *, rng=0, timeout: float = 600.0,
              cache_dir=None) -> CriticalPointsOnMr:
        return solve_phc(loss, r, rng=rng, timeout=timeout)


PHC = PhcBackend()
