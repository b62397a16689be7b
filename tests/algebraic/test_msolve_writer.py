"""The msolve writer, expander and parser on systems with known answers (DESIGN: msolve misreads
parentheses and rationals silently, so its input is built and checked here)."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dlnscape import DistanceLoss
from dlnscape.algebraic import formulation as fm
from dlnscape.algebraic import msolve as ms
from dlnscape.errors import SolverError

X, Y = (1, 0), (0, 1)


def poly(**terms):
    return dict(terms)


def test_format_poly_is_expanded_integer_text():
    p = {(2, 0): 3, (1, 1): -1, (0, 2): 1, (0, 0): -5}
    assert ms.format_poly(p, ["x", "y"]) == "3*x^2-x*y+y^2-5"


def test_writer_refuses_rational_coefficients():
    with pytest.raises(SolverError, match="integer coefficients"):
        ms.write_input([{(1, 0): Fraction(1, 2)}], ["x", "y"])


def test_to_integer_poly_scales_rationals_exactly():
    p = {(1,): Fraction(1, 2), (0,): Fraction(-1, 3)}
    assert fm.to_integer_poly(p) == {(1,): 3, (0,): -2}


def test_expander_products_match_evaluation():
    rng = np.random.default_rng(0)
    x0, x1 = fm.pvar(0, 2), fm.pvar(1, 2)
    p = fm.pmul(fm.padd(x0, fm.pconst(2, 2)), fm.padd(x1, x0, -3))  # (x+2)(y-3x)
    p = fm.pmul(p, p)
    for _ in range(5):
        z = rng.normal(size=2)
        expected = ((z[0] + 2) * (z[1] - 3 * z[0])) ** 2
        assert fm.peval(p, z) == pytest.approx(expected, rel=1e-12)


def test_msolve_circle_and_line_two_real_solutions():
    polys = [{(2, 0): 1, (0, 2): 1, (0, 0): -1}, {(1, 0): 1, (0, 1): -1}]
    sol = ms.solve(polys, ["x", "y"])
    assert (sol.status, sol.n_complex, sol.n_real) == ("zero_dimensional", 2, 2)
    mids = np.sort(sol.real_midpoints()[:, 0])
    assert np.allclose(mids, [-np.sqrt(0.5), np.sqrt(0.5)], atol=1e-9)
    xs = sol.complex_solutions()
    assert np.allclose(np.sort(xs[:, 0].real), [-np.sqrt(0.5), np.sqrt(0.5)], atol=1e-9)


def test_msolve_complex_only_system():
    polys = [{(2, 0): 1, (0, 2): 1, (0, 0): 1}, {(1, 0): 1, (0, 1): -1}]  # x²+y²+1, x−y
    sol = ms.solve(polys, ["x", "y"])
    assert (sol.n_complex, sol.n_real) == (2, 0)
    xs = sol.complex_solutions()
    assert np.allclose(np.sort(np.abs(xs[:, 0].imag)), [np.sqrt(0.5)] * 2, atol=1e-9)


def test_msolve_empty_positive_dimensional_and_multiple():
    circle = {(2, 0): 1, (0, 2): 1, (0, 0): 1}
    assert ms.solve([circle, {(1, 0): 1, (0, 1): -1}, {(1, 0): 1, (0, 1): 1, (0, 0): -3}],
                    ["x", "y"]).status == "empty"
    assert ms.solve([{(2, 0): 1, (0, 2): -1}], ["x", "y"]).status == "positive_dimensional"
    dbl = ms.solve([{(2, 0): 1}, {(0, 1): 1, (1, 0): -1}], ["x", "y"])  # x² = 0, y = x
    assert (dbl.n_complex, dbl.multiplicity_degree) == (1, 2)


def test_parser_maps_msolve_variable_order_back():
    # recorded output of x²+y²+z²−3, xy−z, x+y+z−2: msolve lists the variables as z, y, x
    polys = [{(2, 0, 0): 1, (0, 2, 0): 1, (0, 0, 2): 1, (0, 0, 0): -3},
             {(1, 1, 0): 1, (0, 0, 1): -1}, {(1, 0, 0): 1, (0, 1, 0): 1, (0, 0, 1): 1,
                                              (0, 0, 0): -2}]
    sol = ms.solve(polys, ["x", "y", "z"])
    assert sol.n_complex == 4
    for pts in (sol.real_midpoints(), sol.complex_solutions()):
        for x, y, z in pts:
            assert abs(x * y - z) < 1e-8 and abs(x + y + z - 2) < 1e-8


def test_critical_polynomials_match_the_matrix_formula():
    """The expanded equations equal Rᵀ A and Cᵀ R B computed with numpy at random points."""
    rng = np.random.default_rng(1)
    phi = rng.integers(-10, 11, size=(9, 9))
    Q0 = rng.integers(-10, 11, size=(3, 3))
    qd = fm.quadratic_data(DistanceLoss(Q0, phi))
    form = fm.make_formulation((3, 3), 1, rng=4)
    polys = form.polynomials(*fm.working_data(form, qd))
    G = (phi.T @ phi).astype(float)
    g = G @ Q0.ravel()
    for _ in range(3):
        x = rng.normal(size=form.nvars)
        A, B = form.A_B(x)
        R = (G @ (A @ B.T).ravel() - g).reshape(3, 3)
        C = form.T[:, 1:]
        expected = np.concatenate([(R.T @ A).ravel(), (C.T @ R @ B).ravel()])
        got = np.array([float(fm.peval(p, x)) for p in polys])
        assert np.allclose(got, expected, rtol=1e-10, atol=1e-6)


def test_msolve_path_is_found_or_clear_error(monkeypatch):
    assert ms.msolve_path().name == "msolve"
    monkeypatch.setenv("DLNSCAPE_MSOLVE", "/nonexistent/msolve")
    with pytest.raises(SolverError, match="DLNSCAPE_MSOLVE"):
        ms.msolve_path()


def test_parser_reads_integer_dyadic_and_plain_rationals():
    text = "[0, [1,\n[[[3 / 2, -5 / 2^3], [0, 1]]]\n]]:\n"
    assert ms._parse(text) == [[0, [1, [[[Fraction(3, 2), Fraction(-5, 8)], [0, 1]]]]]]


_terms = st.dictionaries(
    st.tuples(st.integers(0, 3), st.integers(0, 3), st.integers(0, 2)),
    st.integers(-10**6, 10**6).filter(lambda c: c != 0), min_size=1, max_size=8)


@settings(derandomize=True, max_examples=60, deadline=None)
@given(_terms, st.tuples(st.integers(-5, 5), st.integers(-5, 5), st.integers(-5, 5)))
def test_writer_text_evaluates_to_the_polynomial(p, z):
    """The msolve text, read back by Python's own parser (^ → **), is the same polynomial."""
    text = ms.format_poly(p, ["x", "y", "w"])
    assert "(" not in text and "/" not in text
    got = eval(text.replace("^", "**"), {"x": z[0], "y": z[1], "w": z[2]})  # noqa: S307
    assert got == sum(c * z[0] ** e[0] * z[1] ** e[1] * z[2] ** e[2] for e, c in p.items())


def test_msolve_output_with_integers_beyond_pythons_4300_digit_limit_parses():
    """4×4 problems give msolve coefficients of more than 4300 digits, which int(str) refuses
    (ValueError: Exceeds the limit (4300 digits) for integer string conversion)."""
    from dlnscape.algebraic.msolve import _parse

    big = "7" * 5000
    neg = "-" + "3" * 6000
    res = _parse(f"[0, [{big}, {neg}, 5/2^3, 12]]:")
    ints = res[0][1]
    assert ints[0] == int("7" * 4000) * 10**1000 + int("7" * 1000)
    assert ints[1] == -(int("3" * 3000) * 10**3000 + int("3" * 3000))
    assert ints[2] == __import__("fractions").Fraction(5, 8) and ints[3] == 12
