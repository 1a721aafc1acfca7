"""The course's notebooks stay true.

Fast checks of the committed files: each was saved from one clean run (cells numbered 1, 2, 3...
in order, no error, nothing on stderr, no widget such as train()'s progress bar), no cell prints
a wall of text, every exercise has its check and a collapsed solution that the check accepts,
and the READMEs link them.

Slow (``--slow``, CI): each notebook runs top to bottom in a fresh kernel; the printed text of
its cells tagged ``check`` must match the committed text (numbers to the last digit shown, as
the README examples), a few values are asserted outright, and all of them together take at most
two minutes. Outputs are regenerated with ``python demos/notebooks/run.py``.
"""

from __future__ import annotations

import os
import re

import pytest

from demos.notebooks import run
from tests.test_readme import same_output

nbformat = pytest.importorskip("nbformat", reason="the notebook tests need the dev extra: pip install -e '.[dev]'")

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
NOTEBOOKS = run.notebooks()
NAMES = [p.name for p in NOTEBOOKS]
MAX_LINES = 30  # of text per cell: more is a wall to scroll past
WIDGET = "application/vnd.jupyter.widget-view+json"  # a live widget: static renderings show nothing or "HBox(...)"
TOTAL_SECONDS = 120  # all notebooks, fresh kernels included, on 2 cores

#: A few values each notebook must print, whatever is committed (the engine computes them).
EXPECTED = {
    "01": ["backward(): dy/dx = 14.0", "o = 0.7071", "    w1    1.0000      1.0000",
           "    x1   -1.5000     -1.5000", "dc/da = 24.0", "dL/da = 6.0: right"],
    "02": ["b.grad:                      [2.6796] = their sum: 2.6796", "to (1, 3): [[1.8 2.2 2.6]]",
           "analytic 0.3333333333, numeric 0.1111111111", "right: gradcheck agrees at every element"],
    "03": ["layers.0.weight  (2, 3)", "right: [0.058829] is what backward() gives"],
    "04": ["final loss 0.001081", "[0. 1.] -> 0.966", "steps diverge above lr = 2 / 6.704 = 0.298",
           "training stopped at epoch 204 (step 1): the loss became inf", "right: the same weights as mlp.Adam"],
    "05": ["f'(2) = 12.0, f''(2) = 12.0", " [ 480.  200.]]", "Newton step 6: w = (+1.000000, +1.000000)",
           "right: the Hessian-vector products agree"],
    "06": ["the same as the loops: True", "the same as mlp's conv2d: True", " [2. 4. 4. 2.]",
           "largest difference from col2im by hand: 0.0", "test accuracy: 97.8%",
           "right: the values and the gradient of avg_pool2d"],
    "07": ["call 1: loss 0.253186, programs compiled: 0", "call 2: loss 0.253186, programs compiled: 1",
           "largest difference from eager: 0.0", "largest difference between the two loss curves: 0.0",
           "it reads a tensor's values into Python (.item())", "right: it compiled, and returns the eager step's loss"],
}


def read(path: os.PathLike) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def printed(nb: nbformat.NotebookNode) -> str:
    """Everything the notebook printed or returned as text."""
    parts = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            if output.output_type == "stream":
                parts.append(output.text)
            elif "data" in output:
                parts.append(output.data.get("text/plain", ""))
    return "\n".join(parts)


def solutions(nb: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    return [c for c in nb.cells if "solution" in c.metadata.get("tags", [])]


# ---------------------------------------------------------------------------------------------- fast


def test_the_course_has_its_seven_notebooks():
    assert [name[:2] for name in NAMES] == ["01", "02", "03", "04", "05", "06", "07"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=NAMES)
def test_committed_outputs_come_from_one_clean_run(path):
    nb = read(path)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert [c.execution_count for c in code] == list(range(1, len(code) + 1)), "run demos/notebooks/run.py"
    for cell in code:
        for output in cell.outputs:
            assert output.output_type != "error", f"cell {cell.execution_count} raised"
            assert not (output.output_type == "stream" and output.name == "stderr"), (
                f"cell {cell.execution_count} wrote to stderr: {output.text[:200]}")
            assert WIDGET not in output.get("data", {}), (
                f"cell {cell.execution_count} shows a widget (train()'s progress bar?), which a saved notebook cannot "
                "show: pass progress=False")
    assert "widgets" not in nb.metadata, "widget state saved with the notebook: pass progress=False to train()"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=NAMES)
def test_no_cell_prints_a_wall_of_text(path):
    for cell in read(path).cells:
        text = "".join(o.get("text", "") for o in cell.get("outputs", []) if o.output_type == "stream")
        assert text.count("\n") <= MAX_LINES, f"cell {cell.get('execution_count')} prints {text.count(chr(10))} lines"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=NAMES)
def test_every_notebook_shows_pictures(path):
    kinds = {kind for cell in read(path).cells for o in cell.get("outputs", []) for kind in o.get("data", {})}
    assert kinds & {"image/svg+xml", "image/png"}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=NAMES)
def test_every_exercise_is_checked_and_its_collapsed_solution_passes_the_check(path):
    nb = read(path)
    found = solutions(nb)
    assert found, "an exercise with a solution cell (tag 'solution')"
    for cell in found:
        assert cell.metadata.get("jupyter", {}).get("source_hidden") is True  # collapsed in JupyterLab
        assert "check" in cell.metadata.get("tags", [])  # its printed verdict is compared by the slow test
        verdict = "".join(o.get("text", "") for o in cell.outputs)
        assert verdict.strip() and all(line.split(": ", 1)[-1].startswith("right") or line.startswith("right")
                                       for line in verdict.strip().splitlines()), verdict
        before = nb.cells[: nb.cells.index(cell)]
        earlier = "".join(o.get("text", "") for c in before for o in c.get("outputs", []))
        assert "not answered yet" in earlier or "not compilable yet" in earlier or "Jacobian mismatch" in earlier


def test_the_readmes_link_every_notebook_and_say_how_to_open_them():
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as f:
        readme = f.read()
    for name in NAMES:
        assert re.search(rf"\]\(demos/notebooks/{re.escape(name)}\):\s+\w", readme), f"README.md: a line for {name}"
    with open(os.path.join(ROOT, "demos", "README.md"), encoding="utf-8") as f:
        demos = f.read()
    assert 'pip install -e ".[notebooks]"' in demos and "jupyter lab demos/notebooks" in demos
    assert "python demos/notebooks/run.py" in demos


def test_the_regenerating_command_explains_itself(capsys):
    with pytest.raises(SystemExit) as done:
        run.main(["--help"])
    assert done.value.code == 0
    assert "--dry-run" in capsys.readouterr().out
    assert run.main(["99"]) == 1  # no such notebook


# ---------------------------------------------------------------------------------------------- slow


@pytest.fixture(scope="module")
def executed() -> dict[str, tuple[nbformat.NotebookNode, float]]:
    """Every notebook, run once in a fresh kernel: name -> (notebook with new outputs, seconds)."""
    pytest.importorskip("nbclient", reason="the notebook tests need the dev extra: pip install -e '.[dev]'")
    return {path.name: run.execute(path) for path in NOTEBOOKS}


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_a_fresh_run_prints_the_committed_values(executed, name):
    fresh, _ = executed[name]
    committed = read(run.FOLDER / name)
    now, then = run.checked_texts(fresh), run.checked_texts(committed)
    assert [i for i, _ in now] == [i for i, _ in then] and now
    for (i, actual), (_, shown) in zip(now, then):
        assert same_output(actual.rstrip("\n"), shown.rstrip("\n")), (
            f"{name}, cell {i}: now prints\n{actual}\nbut the committed notebook shows\n{shown}\n"
            "(if the change is right: python demos/notebooks/run.py)")


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_a_fresh_run_prints_the_values_the_engine_computes(executed, name):
    text = printed(executed[name][0])
    for expected in EXPECTED[name[:2]]:
        assert expected in text, f"{name}: {expected!r} not printed"


@pytest.mark.slow
def test_all_notebooks_run_within_two_minutes(executed):
    total = sum(seconds for _, seconds in executed.values())
    assert total <= TOTAL_SECONDS, {name: round(s, 1) for name, (_, s) in executed.items()}
