"""The step-through notebooks (notebooks/, docs/notebooks.md) run headless, cell by cell.

Each notebook is executed as committed (outputs are never committed): a failing cell or an assert
against transformers fails the test. Its exercise runs twice in the same kernel: first the
untouched stub, whose check cell must print a failing oracle report (not raise), then the
reference solution from s2t_np/exercises.py put in the stub's place, where the same check cell
must pass. The references are required as everywhere in the suite (tests/conftest.py).
"""

import json
import re
from pathlib import Path

import pytest

from s2t_np.exercises import EXERCISES
from tests.conftest import require

NOTEBOOK_DIR = Path(__file__).resolve().parents[1] / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("[0-9][0-9]_*.ipynb"))
CELL_TIMEOUT_S = 240  # a hung cell fails instead of stalling the suite


def _load(path):
    return json.loads(path.read_text())


def _source(cell):
    return "".join(cell["source"])


def _tagged(nb, tag):
    cells = [c for c in nb["cells"] if tag in c.get("metadata", {}).get("tags", [])]
    assert len(cells) == 1, f"expected one cell tagged {tag!r}, found {len(cells)}"
    return cells[0]


def test_the_seven_notebooks_and_their_exercises_exist():
    names = [p.stem for p in NOTEBOOKS]
    assert len(names) >= 7, names
    exercise_notebooks = {ex.notebook for ex in EXERCISES.values()}
    assert exercise_notebooks <= set(names), exercise_notebooks - set(names)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_committed_clean_and_complete(path):
    nb = _load(path)
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            assert cell.get("outputs") == [] and cell.get("execution_count") is None, (
                f"{path.name}: outputs are committed; clear them (jupyter nbconvert --clear-output --inplace)"
            )
    code = "\n".join(_source(c) for c in nb["cells"] if c["cell_type"] == "code")
    assert re.search(r"^\s*(import s2t_np|from s2t_np)", code, re.M), "the notebook must use s2t_np"
    assert "require_reference()" in code, "the notebook must check against transformers"
    assert re.search(r"\bplt\.|matplotlib", code), "the notebook must show a matplotlib plot"
    exercise = nb["metadata"].get("s2t_np", {}).get("exercise")
    assert exercise in EXERCISES and EXERCISES[exercise].notebook == path.stem, exercise
    assert re.search(rf"^def {exercise}\(", _source(_tagged(nb, "exercise-stub")), re.M)
    assert f'check("{exercise}", {exercise})' in _source(_tagged(nb, "exercise-check"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_and_its_exercise_checks_both_ways(path):
    require("torch")
    require("transformers")
    nbformat = require("nbformat")
    nbclient = require("nbclient")

    nb = nbformat.read(path, as_version=4)
    exercise = nb.metadata["s2t_np"]["exercise"]
    check_cell = _tagged(nb, "exercise-check")
    n_committed = len(nb.cells)
    nb.cells += [
        nbformat.v4.new_code_cell(
            f"from s2t_np.exercises import EXERCISES as _EXERCISES\n"
            f"{exercise} = _EXERCISES[{exercise!r}].solution  # the reference solution in the stub's place"
        ),
        nbformat.v4.new_code_cell(check_cell.source),
    ]
    client = nbclient.NotebookClient(
        nb, timeout=CELL_TIMEOUT_S, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOK_DIR)}}
    )
    try:
        client.execute()
    except nbclient.exceptions.CellExecutionError as error:
        pytest.fail(f"{path.name}: a cell failed\n{error}", pytrace=False)

    def printed(cell):
        return "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")

    stub_output = printed(nb.cells[nb.cells.index(check_cell)])
    assert stub_output.startswith(f"FAIL: exercise {exercise!r}"), stub_output
    assert "first divergence at" in stub_output and "Traceback" not in stub_output, stub_output
    solution_output = printed(nb.cells[n_committed + 1])
    assert solution_output.startswith(f"PASS: exercise {exercise!r}"), solution_output
