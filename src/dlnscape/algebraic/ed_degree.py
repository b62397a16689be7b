"""ED degrees of determinantal varieties: formulas in exact arithmetic, and by a solver backend.

* :func:`eckart_young_degree` — the ED degree of ``M_r`` for the standard (Frobenius) distance:
  ``C(min(m, n), r)`` (Trager et al. 2020, Thm 12; Draisma et al. 2016, Ex 2.3).
* :func:`generic_ed_degree_rank_one` — the general ED degree of ``M_1`` (after a generic linear
  change of coordinates φ), from the Catanese–Trifogli formula as printed in Trager et al. 2020,
  App. A.2 (Draisma et al. 2016, Thm 7.8):

  ``Σ_{s=0}^{a+b} (−1)^s (2^{a+b+1−s} − 1)(a+b−s)! Σ_{i+j=s, i≤a, j≤b}
  C(a+1, i) C(b+1, j) / ((a−i)!(b−j)!)``.

  The text prints ``d_x, d_y`` in the places of ``a, b``. The numbers decide the reading:
  ``(a, b) = (m − 1, n − 1)`` (the projective dimensions of the Segre factors ``P^{m−1} ×
  P^{n−1}``) gives 39 for 3×3, 6 for 2×2 and 1 for 1×n (where ``M_1`` is the whole space, ED
  degree 1); the literal reading ``(a, b) = (m, n)`` gives 284 for 3×3 and 6 for 1×1. See
  :func:`catanese_trifogli_sum` for the raw sum under either reading.
* :func:`ed_degree` — the number of complex critical points of a distance function on ``M_r``,
  counted by ``dlnscape.algebraic.critical_points_on_Mr`` (msolve or the certified homotopy).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from dlnscape.algebraic.solve import critical_points_on_Mr, get_backend
from dlnscape.errors import DlnscapeError, LossError, ShapeError
from dlnscape.report.summary import Summary, summary_html_method, summary_repr, summary_str

#: the readings of the printed indices of the Catanese–Trifogli formula
READINGS = ("projective", "literal")


def _pos_int(v, name: str, minimum: int = 1) -> int:
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < minimum:
        raise ShapeError(f"{name}: expected an integer ≥ {minimum}, got {v!r}")
    return int(v)


def catanese_trifogli_sum(a: int, b: int) -> Fraction:
    """The printed Catanese–Trifogli sum with integer parameters ``a, b ≥ 0``, exactly."""
    a = _pos_int(a, "a", 0)
    b = _pos_int(b, "b", 0)
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
    m = _pos_int(m, "m")
    n = _pos_int(n, "n")
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
    m = _pos_int(m, "m")
    n = _pos_int(n, "n")
    r = _pos_int(r, "r", 0)
    k = min(m, n)
    return 1 if r >= k else math.comb(k, r)


def backend_unavailable(backend: str = "auto") -> str | None:
    """Why ``critical_points_on_Mr(..., backend=backend)`` cannot run here (the msolve binary
    that the exact backend and the homotopy's start systems need is missing, PHCpack is not
    installed, …), or None when it can."""
    return get_backend(backend).unavailable()


def backend_available(backend: str = "auto") -> bool:
    """Whether ``critical_points_on_Mr(..., backend=backend)`` can run here."""
    return backend_unavailable(backend) is None


@dataclass(frozen=True)
class EDDegree:
    """An ED degree counted by a solver backend on one instance."""

    value: int
    shape: tuple[int, int]
    r: int
    backend: str
    backend_version: str | None
    certified: bool
    seconds: float
    instance: dict
    formula: int | None  # the closed form for this case, when one is known

    @property
    def matches_formula(self) -> bool | None:
        return None if self.formula is None else self.value == self.formula

    def to_dict(self) -> dict:
        return {
            "value": self.value,
            "shape": list(self.shape),
            "r": self.r,
            "backend": self.backend,
            "backend_version": self.backend_version,
            "certified": self.certified,
            "seconds": self.seconds,
            "formula": self.formula,
            "matches_formula": self.matches_formula,
            "instance": self.instance,
        }

    def _summary(self) -> Summary:
        m, n = self.shape
        return Summary(
            f"EDDegree: {self.value} critical points of a generic distance on M_{self.r} ⊂ "
            f"R^{{{m}×{n}}} ({'certified' if self.certified else 'NOT certified'})",
            (("ED degree", self.value), ("closed form", self.formula),
             ("matches closed form", self.matches_formula), ("certified", self.certified),
             ("backend", f"{self.backend} ({self.backend_version})"),
             ("seconds", self.seconds)),
            brief=("ED degree", "closed form", "certified"))

    __str__ = summary_str
    __repr__ = summary_repr
    _repr_html_ = summary_html_method


def random_integer_instance(
    m: int, n: int, rng: np.random.Generator | int | None = None, bound: int = 10
):
    """``(Q0, φ)`` with entries uniform in ``{−bound, …, bound}``, as in 004 Experiment 1."""
    from dlnscape.losses import DistanceLoss

    rng = np.random.default_rng(rng)
    Q0 = rng.integers(-bound, bound + 1, size=(m, n)).astype(np.float64)
    phi = rng.integers(-bound, bound + 1, size=(m * n, m * n)).astype(np.float64)
    return DistanceLoss(Q0, phi)


def ed_degree(
    loss_or_shape, r: int, *, backend: str = "auto",
    rng: np.random.Generator | int | None = None,
) -> EDDegree:
    """Number of complex critical points of a distance function on the smooth part of ``M_r``.

    ``loss_or_shape`` is a ``DistanceLoss`` (its own φ and Q0) or a shape ``(m, n)`` (then a
    generic instance is drawn from ``rng``: integer Q0 and φ as in 004 Experiment 1, so the
    count is the general ED degree with probability ~1). Counted by
    ``dlnscape.algebraic.critical_points_on_Mr(loss, r, backend=backend)``.
    """
    from dlnscape.losses import DistanceLoss

    r = _pos_int(r, "r")
    if isinstance(loss_or_shape, DistanceLoss):
        loss = loss_or_shape
        generic = False
    else:
        try:
            m, n = (int(v) for v in loss_or_shape)
        except (TypeError, ValueError):
            raise ShapeError(
                f"loss_or_shape: expected a DistanceLoss or a shape (m, n), got {loss_or_shape!r}"
            ) from None
        _pos_int(m, "m")
        _pos_int(n, "n")
        loss = random_integer_instance(m, n, rng)
        generic = True
    if not isinstance(loss, DistanceLoss):  # pragma: no cover
        raise LossError(f"loss_or_shape: expected a DistanceLoss, got {type(loss).__name__}")
    m, n = loss.shape
    res = critical_points_on_Mr(loss, r, backend=backend)
    formula = None
    if generic and r == 1:
        formula = generic_ed_degree_rank_one(m, n)
    elif loss.phi is None:
        formula = eckart_young_degree(m, n, r)
    inst = {"Q0": loss.Q0.tolist(), "phi": None if loss.phi is None else loss.phi.tolist()}
    return EDDegree(
        int(res.n_complex), (m, n), r, str(res.backend), getattr(res, "backend_version", None),
        bool(res.certified), float(getattr(res, "seconds", float("nan"))), inst, formula,
    )
