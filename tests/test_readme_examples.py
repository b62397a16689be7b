"""Every ```python block of README.md runs as written (each in a fresh namespace), and every
``print(...)`` whose line carries a trailing comment prints what the comment says.

Convention for an output comment ``print(expr)   # <comment>``:

* the *claim* is the comment up to its first explanation separator outside brackets —
  ``": "``, ``" — "``, ``" ("``, ``", "``, ``" = "`` or ``"; "`` — so ``# True: recomputed …``
  claims ``True``, ``# 3 = C(3, 1)`` claims ``3`` and ``# [2, 1, 2] [3, 2, 1, 1] 1 1 2`` claims
  all of it;
* the claim must equal the printed text token by token (words, numbers, punctuation; spacing
  ignored); an integer must be printed exactly, a number with d decimals (or a d-decimal
  mantissa) matches a printed number that rounds to it, i.e. within half a unit of its last
  digit;
* a comment that describes the output instead of spelling it (e.g. ``# 13 coefficients``) is
  listed in ``DESCRIPTIONS`` with a check of what it says; any other comment is a claim.
"""

from __future__ import annotations

import ast
import builtins
import io
import math
import re
import sys
import tokenize
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
TEXT = README.read_text()
_MATCHES = list(re.finditer(r"```python\n(.*?)```", TEXT, flags=re.S))
BLOCKS = [m.group(1) for m in _MATCHES]
FIRST_LINE = [TEXT.count("\n", 0, m.start(1)) + 1 for m in _MATCHES]  # README line of line 1

SEPARATORS = (": ", " — ", " (", ", ", " = ", "; ")
_TOKEN = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?|\w+|[^\s\w]")
_NUMBER = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?")


# ---------------------------------------------------------------------------------------------
# the convention
def claim_of(comment: str) -> str:
    """The comment up to its first separator at bracket depth 0."""
    depth = 0
    for i, ch in enumerate(comment):
        if depth == 0 and any(comment.startswith(s, i) for s in SEPARATORS):
            return comment[:i].strip()
        depth += ch in "([{"
        depth -= ch in ")]}"
    return comment.strip()


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)


def number_matches(claim: str, printed: str) -> bool:
    """``printed`` shown to the precision of ``claim``: exact for an integer, else within half
    a unit of the claim's last digit."""
    if re.fullmatch(r"[-+]?\d+", claim):
        return re.fullmatch(r"[-+]?\d+", printed) is not None and int(printed) == int(claim)
    mantissa, _, exponent = claim.lower().partition("e")
    decimals = len(mantissa.partition(".")[2])
    half_unit = 0.5 * 10.0 ** (-decimals + (int(exponent) if exponent else 0))
    return abs(float(printed) - float(claim)) <= half_unit * (1 + 1e-9)


def output_matches(claim: str, printed: str) -> bool:
    want, got = tokens(claim), tokens(printed)
    if len(want) != len(got):
        return False
    for w, g in zip(want, got, strict=True):
        if _NUMBER.fullmatch(w) and _NUMBER.fullmatch(g):
            if not number_matches(w, g):
                return False
        elif w != g:
            return False
    return True


def _numbers(text: str) -> list[float]:
    return [float(x) for x in _NUMBER.findall(text)]


# comments that describe the printed value rather than spell it: what each one says, checked
# on the printed text and the block's namespace after it ran
DESCRIPTIONS = {
    # L.directional_derivative(θ, θ̇, 3) is 3!·c_3 of the Taylor coefficients c printed above
    "= 3! · c_3": lambda out, ns: math.isclose(
        float(out), math.factorial(3) * float(ns["c"][3]), rel_tol=1e-12),
    # the whole polynomial of a quartic loss on h = 3 layers: 4·3 + 1 = 13 coefficients
    "13 coefficients, by jet": lambda out, ns: len(_numbers(out)) == 13,
    # print(info.index, info.value): index 1
    "a strict saddle with 1 negative direction": lambda out, ns: tokens(out)[0] == "1",
    # print([f.to_dict() for f in res.points[0].free]) for diag(3, 2, 2, 1), r = 2: the top
    # point takes one of the two σ = 2 directions, a free line in their 2-dim span
    "Gr(1, 2): the free subspace of σ = 2": lambda out, ns: (
        ast.literal_eval(out.strip())[0]["grassmannian"] == "Gr(1, 2)"
        and ast.literal_eval(out.strip())[0]["sigma"] == 2.0),
    # print(res.certification): a sentence, naming how the count was certified
    "how it was certified, in words": lambda out, ns: (
        len(out.split()) >= 5 and "certif" in out),
    # str(Classification): the verdict line, then the certificate lines
    "degenerate_saddle, with its certificates": lambda out, ns: (
        out.splitlines()[0].strip() == "verdict: degenerate_saddle"
        and out.count("certificate:") >= 1),
}


# ---------------------------------------------------------------------------------------------
# running a block and attributing printed text to its print statements
def commented_prints(code: str) -> list[tuple[int, int, str]]:
    """(first line, last line, comment) of every ``print(...)`` statement (nested ones too)
    whose last line ends with a comment."""
    comments = {tok.start[0]: tok.string[1:].strip()
                for tok in tokenize.generate_tokens(io.StringIO(code).readline)
                if tok.type == tokenize.COMMENT}
    out = []
    for node in ast.walk(ast.parse(code)):
        if (isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)
                and isinstance(node.value.func, ast.Name) and node.value.func.id == "print"
                and node.end_lineno in comments):
            out.append((node.lineno, node.end_lineno, comments[node.end_lineno]))
    return sorted(out)


def run_block(code: str, filename: str) -> tuple[dict, list[tuple[int, str]]]:
    """Execute ``code``; return its namespace and (line, text) of every print it made."""
    records: list[tuple[int, str]] = []

    def recording_print(*args, sep=" ", end="\n", file=None, flush=False):
        frame = sys._getframe(1)
        if file is None and frame.f_code.co_filename == filename:
            buf = io.StringIO()
            builtins.print(*args, sep=sep, end=end, file=buf)
            records.append((frame.f_lineno, buf.getvalue()))
        builtins.print(*args, sep=sep, end=end, file=file, flush=flush)

    ns: dict = {"print": recording_print, "__name__": "__readme__"}
    exec(compile(code, filename, "exec"), ns)
    return ns, records


# ---------------------------------------------------------------------------------------------
def test_readme_has_examples():
    assert len(BLOCKS) >= 6


def test_readme_has_output_comments_to_check():
    found = [c for code in BLOCKS for _, _, c in commented_prints(code)]
    assert len(found) >= 12, found
    literal = [c for c in found if c not in DESCRIPTIONS]
    assert len(literal) >= 10, literal
    for key in DESCRIPTIONS:  # the table describes comments that exist
        assert key in found, key


@pytest.mark.parametrize("comment,printed,ok", [
    ("strict_saddle 1", "strict_saddle 1\n", True),
    ("strict_saddle 1", "strict_saddle 2\n", False),
    ("strict_saddle 1", "strict_saddle 1 0\n", False),
    ("True: recomputed from the stored points", "True\n", True),
    ("True: recomputed from the stored points", "False\n", False),
    ("False, with the theorem used", "False\n", True),
    ("spurious (a saddle, Prop 9)", "pure\n", False),
    ("3 = C(3, 1)", "3\n", True),
    ("3 = C(3, 1)", "3.4\n", False),
    ("[2, 1, 2] [3, 2, 1, 1] 1 1 2", "[2, 1, 2] [3, 2, 1, 1] 1 1 2\n", True),
    ("[2, 1, 2] [3, 2, 1, 1] 1 1 2", "[2, 1, 2] [3, 2, 2, 1] 1 1 2\n", False),
    ("6 6 (Lemma 3 vs SVD)", "6 6\n", True),
    ("0.2127 0", "0.21268 0\n", True),
    ("0.2127 0", "0.2125 0\n", False),
    ("1.1e-13", "1.12e-13\n", True),
    ("1.1e-13", "1.2e-13\n", False),
])
def test_output_comment_convention(comment, printed, ok):
    assert output_matches(claim_of(comment), printed) is ok


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_readme_python_block_prints_what_its_comments_say(index, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code = BLOCKS[index]
    ns, records = run_block(code, f"README.md[python block {index}]")
    failures = []
    for first, last, comment in commented_prints(code):
        outs = [text for line, text in records if first <= line <= last]
        where = f"README.md:{FIRST_LINE[index] + last - 1}"
        if not outs:
            failures.append(f"{where}: the print never ran (comment {comment!r})")
        for out in outs:
            if comment in DESCRIPTIONS:
                ok = DESCRIPTIONS[comment](out, ns)
            else:
                ok = output_matches(claim_of(comment), out)
            if not ok:
                failures.append(f"{where}: printed {out.strip()!r}, comment says {comment!r}")
    assert not failures, "\n".join(failures)
