"""Write the example notebooks in examples/ (without outputs), reproducibly:

    .venv/bin/python scripts/make_notebooks.py

``tests/test_notebooks.py`` checks that the committed notebooks equal what this script writes
and executes each of them (nbclient, the ``python3`` kernel of the running interpreter).
The papers are cited by the keys of docs/bibliography.md.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

ROOT = Path(__file__).resolve().parents[1]

CLASSIFY = [
    ("md", """# Classify a point, with a certificate anyone can re-check

A deep linear network `μ(W_1, …, W_h) = W_h ⋯ W_1` with the squared loss
`L = ½‖μ(θ)X − Y‖²`. We build a critical point from a subset `I` of the singular directions of
the data (an Eckart–Young point), classify it, look at its Hessian spectrum, and re-check the
certificate from scratch. Trager, Kohn & Bruna 2020, Thm 12 predicts the saddle's index:
`#{(j, i) ∈ I × Iᶜ : j > i}` (see `docs/bibliography.md` for the papers)."""),
    ("code", """%matplotlib inline
import numpy as np
import dlnscape as dl

rng = np.random.default_rng(0)
arch = dl.Architecture([3, 2, 2, 3])                  # widths d_0..d_h, input first
loss = dl.SquaredLoss(rng.standard_normal((3, 6)), rng.standard_normal((3, 6)))
L = dl.Landscape(dl.LinearNetwork(arch), loss)
L"""),
    ("code", """theta, info = dl.critical_point_from_subset(loss, arch, (0, 2), rng=1)
res = dl.classify(L, theta, rng=0)
res                                                    # a short table in Jupyter"""),
    ("code", """print(res)                                             # the same in a terminal
assert res.verdict == "strict_saddle" and res.hessian.n_negative == 1"""),
    ("md", """The certificate is a list of points `θ_k → θ` with `L(θ_k) < L(θ)`, re-evaluated in
ball arithmetic by `verify` (nothing is read from the stored numbers)."""),
    ("code", """res.certificate"""),
    ("code", """assert res.certificate.verify(L)
res.verify(L)"""),
    ("code", """dl.plot.hessian_spectrum_figure(res.hessian.eigenvalues,
                                zero_threshold=res.hessian.threshold)"""),
    ("md", """## A degenerate saddle

Nouiehed & Razaviyayn 2018, Introduction, give a point with a positive semi-definite Hessian;
it is not a local minimum: an escape moves inside the fiber of μ first (Trager, Kohn & Bruna
2020, Prop 9), and the decrease is of order 4."""),
    ("code", """from dlnscape.examples import nouiehed_intro_example

L2, theta2 = nouiehed_intro_example()
res2 = dl.classify(L2, theta2, rng=0)
assert res2.verdict == "degenerate_saddle" and res2.certificate.taylor_order == 4
res2"""),
    ("code", """dl.plot.escape_figure(L2, res2.certificate)"""),
]

ENUMERATE = [
    ("md", """# Every critical point of a distance function on M_r, certified

`M_1 ⊂ R^{3×3}` is the variety of rank-one 3×3 matrices. For a generic weighted distance
`l(W) = ‖φ·vec(W − Q0)‖²` it has 39 complex critical points (the ED degree; Trager, Kohn &
Bruna 2020, Ex 13); `critical_points_on_Mr` finds all of them, certifies the count, and
classifies the real ones by their Morse index on M_1."""),
    ("code", """import numpy as np
import dlnscape as dl
from dlnscape.algebraic import critical_points_on_Mr
from dlnscape.experiments.table2 import draw_instance

Q0, phi = draw_instance(0, 1)                          # instance 1 of Table 2's protocol
loss = dl.DistanceLoss(Q0.astype(float), phi.astype(float))
res = critical_points_on_Mr(loss, 1)
assert res.certified and res.n_complex == 39
res"""),
    ("md", """The real critical points themselves: value of the loss, Morse index, singular values
and the matrix `W` (sorted by value; index 0 is a local minimum on M_1)."""),
    ("code", """for row in res.table():
    print(row["k"], f"{row['value']:.6g}", row["index"], np.round(row["singular_values"], 4))"""),
    ("code", """res.points[0]                                  # the best local minimum, with W"""),
    ("md", """With `φ = I` the distance is Euclidean: Eckart–Young gives `C(3, 1) = 3` critical
points, all real, with indices 0, 1, 2 (Trager, Kohn & Bruna 2020, Thm 12)."""),
    ("code", """ey = critical_points_on_Mr(dl.DistanceLoss(Q0.astype(float)), 1)
assert (ey.n_complex, ey.n_real) == (3, 3) and sorted(ey.indices) == [0, 1, 2]
print(ey)"""),
]

TABLE2 = [
    ("md", """# Table 2 of Trager, Kohn & Bruna 2020 on a few instances

Experiment 1 of the paper: for random integer `Q0 ∈ Z^{3×3}`, `φ ∈ Z^{9×9}` (entries in
{−10, …, 10}), count the real critical points of `‖φ·vec(W − Q0)‖²` on rank-one matrices and the
local minima among them. The paper uses 2000 instances (`dlnscape table2`, about half a minute
on two cores); 20 are enough to see the shape of the table here."""),
    ("code", """%matplotlib inline
import dlnscape as dl
from dlnscape.experiments.table2 import run_table2

res = run_table2(20, seed=0, workers=1)
assert res.n_tabulated + len(res.non_generic) + len(res.uncertified) == 20
res"""),
    ("code", """print(res)"""),
    ("md", """Figure 3: one disk per (#local minima, #real critical points) cell, area
proportional to the number of instances; the hollow circles are the published table,
rescaled to our total."""),
    ("code", """dl.plot.table2_figure(res)"""),
]

NOTEBOOKS = {
    "classify_a_point.ipynb": CLASSIFY,
    "enumerate_on_Mr.ipynb": ENUMERATE,
    "table2.ipynb": TABLE2,
}


def notebook(cells: list[tuple[str, str]]) -> nbformat.NotebookNode:
    """A notebook without outputs, with stable cell ids (``cell-0``, ``cell-1``, …)."""
    nb = new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    for i, (kind, src) in enumerate(cells):
        cell = new_markdown_cell(src) if kind == "md" else new_code_cell(src)
        cell.id = f"cell-{i}"
        nb.cells.append(cell)
    return nb


def notebook_text(cells: list[tuple[str, str]]) -> str:
    """The .ipynb file's text (what is committed)."""
    return nbformat.writes(notebook(cells)) + "\n"


def main(out_dir: Path = ROOT / "examples") -> list[Path]:
    out = []
    for name, cells in NOTEBOOKS.items():
        path = out_dir / name
        path.write_text(notebook_text(cells), encoding="utf-8")
        out.append(path)
    return out


if __name__ == "__main__":
    for p in main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "examples"):
        print(f"wrote {p}")
