"""Closed-form ED degrees of determinantal varieties (exact arithmetic, no solver).

* :func:`eckart_young_degree` — Frobenius distance: ``C(min(m, n), r)`` (Trager et al. 2020,
  Thm 12; Draisma et al. 2016, Ex 2.3).
* :func:`generic_ed_degree_rank_one` — the Catanese–Trifogli formula for M_1 (Draisma et al.
  2016, Thm 7.8; as printed in Trager et al. 2020, App. A.2; see :mod:`dlnscape.algebraic.
  ed_degree` for the two readings of its indices).
* :func:`formula_ed_degree` — the generic ED degree of M_r where a formula gives it.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np

from dlnscape.errors import DlnscapeError, ShapeError

#: the readings of the printed indices of the Catanese–Trifogli formula
READINGS = ("projective", "literal")


def positive_integer(v, name: str, minimum: int = 1) -> int:
    """``v`` as an int ≥ ``minimum``; a :class:`ShapeError` naming ``name`` otherwise."""
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < minimum:
        raise ShapeError(f"{name}: expected an integer ≥ {minimum}, got {v!r}")
    return int(v)


def catanese_trifogli_sum(a: int, b: int) -> Fraction:
    """The printed Catanese–Trifogli sum with integer parameters ``a, b ≥ 0``, exactly."""
    a = positive_integer(a, "a", 0)
    b = positive_integer(b, "b", 0)
    total = Fraction(0)
    for s in range(a + b + 1):
        inner = Fraction(0)
        for i in range(max(0, s - b), min(a, s) + 1):
            j = s - i
            inner += Fraction(math.comb(a + 1, i) * math.comb(b + 1, j),
                              math.factorial(a - i) * math.factorial(b - j))
        total += (-1) ** s * (2 ** (a + b + 1 - s) - 1) * math.factorial(a + b - s) * inner
    return total


def generic_ed_degree_rank_one(m: int, n: int, reading: str = "projective") -> int:
    """General ED degree of the rank-one ``m × n`` matrices (Catanese–Trifogli, exact).

    ``reading="projective"`` (default, the one the numbers support: 39 for 3×3) evaluates the
    sum at ``(a, b) = (m − 1, n − 1)``; ``reading="literal"`` at ``(a, b) = (m, n)`` as printed.
    Raises if the sum is not an integer (it always is for both readings up to tested sizes).
    """
    m = positive_integer(m, "m")
    n = positive_integer(n, "n")
    if reading not in READINGS:
        raise DlnscapeError(f"reading: expected one of {READINGS}, got {reading!r}")
    val = catanese_trifogli_sum(m - 1, n - 1) if reading == "projective" else \
        catanese_trifogli_sum(m, n)
    if val.denominator != 1:  # pragma: no cover - never observed
        raise DlnscapeError(f"the Catanese–Trifogli sum for ({m}, {n}) is not an integer: {val}")
    return int(val)


def eckart_young_degree(m: int, n: int, r: int) -> int:
    """ED degree of ``M_r ⊂ R^{m×n}`` for the Frobenius distance: ``C(min(m, n), r)``.

    Trager et al. 2020, Thm 12 (for ``r ≥ min(m, n)`` M_r is the whole space: degree 1).
    """
    m = positive_integer(m, "m")
    n = positive_integer(n, "n")
    r = positive_integer(r, "r", 0)
    k = min(m, n)
    return 1 if r >= k else math.comb(k, r)


def formula_ed_degree(m: int, n: int, r: int) -> tuple[int, str] | None:
    """The generic ED degree of ``M_r ⊂ C^{m×n}`` (m ≤ n, 1 ≤ r < m) when a formula gives it:
    r = 1 by Catanese–Trifogli (Draisma et al. 2016, Thm 7.8; :func:`generic_ed_degree_rank_one`)
    and r = m − 1 by duality (the dual variety of M_r is M_{m−r} and dual varieties have the
    same generic ED degree, Draisma et al. 2016, Thm 5.2), else None (no closed formula is
    known: Ottaviani, Spaenlehauer, Sturmfels 2014, §3)."""
    if r == 1:
        return generic_ed_degree_rank_one(m, n), "Catanese–Trifogli"
    if r == m - 1:
        return generic_ed_degree_rank_one(m, n), "duality (M_{m−1} ↔ M_1) + Catanese–Trifogli"
    return None
