"""The example notebooks (examples/*.ipynb) are what scripts/make_notebooks.py writes, carry no
outputs, and run from top to bottom in a kernel of this interpreter (nbclient, ``python3``
kernel: jupyter_client starts it with ``sys.executable``, the virtual environment's Python)."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"


def _maker():
    spec = importlib.util.spec_from_file_location("make_notebooks",
                                                  ROOT / "scripts" / "make_notebooks.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


MAKER = _maker()
NAMES = sorted(MAKER.NOTEBOOKS)


def test_the_three_notebooks_exist():
    assert NAMES == ["classify_a_point.ipynb", "enumerate_on_Mr.ipynb", "table2.ipynb"]
    assert sorted(p.name for p in EXAMPLES.glob("*.ipynb")) == NAMES


@pytest.mark.parametrize("name", NAMES)
def test_committed_notebook_is_generated_and_has_no_outputs(name):
    text = (EXAMPLES / name).read_text(encoding="utf-8")
    assert text == MAKER.notebook_text(MAKER.NOTEBOOKS[name])
    nb = json.loads(text)
    nbformat.validate(nbformat.reads(text, as_version=4))
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None


@pytest.mark.parametrize("name", NAMES)
def test_notebook_runs(name, tmp_path):
    nb = nbformat.read(EXAMPLES / name, as_version=4)
    probe = nbformat.v4.new_code_cell("import sys; print(sys.executable)")
    probe.id = "probe"
    nb.cells.append(probe)
    client = nbclient.NotebookClient(nb, timeout=180, kernel_name="python3",
                                     resources={"metadata": {"path": str(tmp_path)}})
    client.execute()  # raises CellExecutionError with the cell's traceback on any error
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    # results are shown as HTML tables, figures as PNG
    html = [o["data"]["text/html"] for o in outputs if "text/html" in o.get("data", {})]
    assert html and all("<table" in h for h in html)
    if name != "enumerate_on_Mr.ipynb":
        assert any("image/png" in o.get("data", {}) for o in outputs)
    # the kernel is this interpreter (the venv's Python), not whatever `python` is on PATH
    assert nb.cells[-1].outputs[0]["text"].strip() == sys.executable
