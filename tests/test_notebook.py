"""Notebook submissions (grade, batch, Gradescope, CI) and check() in a notebook cell."""

from __future__ import annotations

import io
import json
import textwrap
import zipfile
from pathlib import Path

import nbformat
import pytest
from click.testing import CliRunner
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from autograde.errors import BadSubmission
from autograde.grading import corpus, course, engine, intake, notebook_intake

REFERENCE = course.reference_dir()


def reference_code(exercise: str) -> str:
    return (REFERENCE / f"{exercise}.py").read_text(encoding="utf-8")


def write_notebook(path: Path, *cells) -> Path:
    """A notebook of code cells (strings, or (source, tags) pairs) after a markdown cell."""
    made = [new_markdown_cell("# My work")]
    for cell in cells:
        source, tags = cell if isinstance(cell, tuple) else (cell, [])
        made.append(new_code_cell(textwrap.dedent(source), metadata={"tags": tags} if tags else {}))
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(new_notebook(cells=made), path)
    return path


WRONG_RNN_STEP = """
def rnn_step(x_t, h_prev, Wxh, Whh, bh):
    return x_t @ Wxh + h_prev @ Whh + bh  # no tanh
"""

STUDENT_CELLS = (
    "!pip install torch\n%matplotlib inline\nimport torch, os\nimport matplotlib.pyplot as plt\n"
    "from autograde.notebook import check\nSCALE = 1.0",
    WRONG_RNN_STEP,
    """
    def _affine(a, W):
        return SCALE * (a @ W)

    def rnn_step(x_t, h_prev, Wxh, Whh, bh):
        return torch.tanh(_affine(x_t, Wxh) + _affine(h_prev, Whh) + bh)

    print(rnn_step(torch.ones(1, 2), torch.ones(1, 3), torch.ones(2, 3), torch.ones(3, 3), torch.ones(3)))
    """,
    "check('rnn_step')",
    ("""
    def rnn_forward(x, h0, Wxh, Whh, bh):
        h = x.new_zeros(x.shape[0], Whh.shape[0]) if h0 is None else h0
        hs = []
        for t in range(x.shape[1]):
            h = rnn_step(x[:, t], h, Wxh, Whh, bh)
            hs.append(h)
        return torch.stack(hs, dim=1), h
    """, ["exercise:rnn_forward"]),
    "def rnn_forward(x, h0, Wxh, Whh, bh):\n    raise RuntimeError('a scratch copy, not tagged')",
    "%%time\ndef gru_step(x_t, h_prev, W_ih, W_hh, b_ih, b_hh):\n    pass",
    "def lstm_step(x_t, state,\n    pass",
)


@pytest.fixture
def student_notebook(tmp_path) -> Path:
    return write_notebook(tmp_path / "work.ipynb", *STUDENT_CELLS)


# -- the rule -----------------------------------------------------------------------------------


def test_an_exercise_is_rebuilt_from_its_definitions_the_imports_and_helpers_they_use(student_notebook):
    files = intake.collect(student_notebook)
    assert set(files) == set(course.names())
    rnn_step = files["rnn_step"].decode()
    # The last definition, its helper and the constant it reads; only the import it uses.
    assert "return torch.tanh(_affine(x_t, Wxh)" in rnn_step and "def _affine" in rnn_step and "SCALE = 1.0" in rnn_step
    assert "no tanh" not in rnn_step and "import torch" in rnn_step
    for dropped in ("import os", "matplotlib", "autograde.notebook", "pip", "print(rnn_step(", "check("):
        assert dropped not in rnn_step, dropped
    compile(rnn_step, "rnn_step.py", "exec")
    # A tagged cell wins over a later untagged copy; an earlier exercise's name is imported, so
    # grading gives the reference for it.
    rnn_forward = files["rnn_forward"].decode()
    assert "torch.stack(hs, dim=1)" in rnn_forward and "scratch copy" not in rnn_forward
    assert "from exercises.rnn_step import rnn_step" in rnn_forward and "def rnn_step" not in rnn_forward
    # A cell magic's cell is not run; a cell that does not parse is named.
    assert "no definition of gru_step in work.ipynb" in files["gru_step"].decode()
    assert "cell 9 has a syntax error at line 1" in files["lstm_step"].decode()


def test_the_kernels_history_is_read_like_cells_without_tags():
    history = ["", "import torch\nimport matplotlib.pyplot as plt", "get_ipython().run_line_magic('matplotlib', 'inline')",
               "def rnn_step(x_t, h_prev, Wxh, Whh, bh):\n    plt = x_t @ Wxh\n    return torch.tanh(plt + h_prev @ Whh + bh)",
               "check('rnn_step')"]
    built = notebook_intake.modules(notebook_intake.cells_from_history(history), ["rnn_step"], "the cells this kernel has run")
    assert built["rnn_step"].found and "(rnn_step from In [3])" in built["rnn_step"].code
    assert "get_ipython" not in built["rnn_step"].code and "check(" not in built["rnn_step"].code
    assert "matplotlib" not in built["rnn_step"].code  # a local name is not the notebook's import
    again = notebook_intake.modules(notebook_intake.cells_from_history(history * 2), ["rnn_step"], "history", note_redefinitions=False)
    assert "(rnn_step from In [8])" in again["rnn_step"].code and "note:" not in again["rnn_step"].code


@pytest.mark.parametrize("content, expected", [
    (b'{"cells": [', "work.ipynb is not valid JSON"),
    (b"\xff\xfe", "not UTF-8"),
    (b"[1, 2]", "not a Jupyter notebook (it has no nbformat field)"),
    (json.dumps({"nbformat": 3, "nbformat_minor": 0, "worksheets": [], "metadata": {}}).encode(), "an nbformat 3 notebook"),
    (json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": "x"}).encode(), "not a valid Jupyter notebook"),
    (json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [{"cell_type": "code", "source": "x = f(1)", "metadata": {}, "outputs": []}]}).encode(),
     "defines none of the exercises"),
])
def test_a_notebook_that_cannot_be_read_is_a_bad_submission_with_a_clear_message(tmp_path, content, expected):
    (tmp_path / "work.ipynb").write_bytes(content)
    with pytest.raises(BadSubmission, match=None) as raised:
        intake.collect(tmp_path / "work.ipynb")
    assert expected in str(raised.value)


def test_a_folder_or_zip_without_exercise_files_may_hold_one_notebook(tmp_path, student_notebook):
    data = student_notebook.read_bytes()
    (tmp_path / "folder" / "repo-main").mkdir(parents=True)
    (tmp_path / "folder" / "repo-main" / "work.ipynb").write_bytes(data)
    assert "def _affine" in intake.collect(tmp_path / "folder")["rnn_step"].decode()
    archive = tmp_path / "sub.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("sub/work.ipynb", data)
        zf.writestr("sub/README.md", "hi")
    assert "def _affine" in intake.collect(archive)["rnn_step"].decode()
    with zipfile.ZipFile(tmp_path / "two.zip", "w") as zf:
        zf.writestr("a.ipynb", data)
        zf.writestr("b.ipynb", data)
    with pytest.raises(BadSubmission, match="holds 2 notebooks"):
        intake.collect(tmp_path / "two.zip")
    (tmp_path / "both").mkdir()
    (tmp_path / "both" / "rnn_step.py").write_text("import torch\n")
    (tmp_path / "both" / "work.ipynb").write_bytes(data)
    assert intake.collect(tmp_path / "both") == {"rnn_step": b"import torch\n"}  # exercise files win


# -- graded everywhere ------------------------------------------------------------------------


def test_grade_a_notebook_two_definitions_grade_the_last_and_a_missing_one_scores_zero(student_notebook, tmp_path, monkeypatch):
    from cli import main

    monkeypatch.chdir(tmp_path)
    report_path = tmp_path / "report.json"
    result = CliRunner().invoke(main, ["rnn_step", "gru_step", "--submission", str(student_notebook), "--json", str(report_path)])
    assert result.exit_code == 0, result.output
    report = json.loads(report_path.read_text())
    rnn_step, gru_step = report["exercises"]["rnn_step"], report["exercises"]["gru_step"]
    assert rnn_step["score"] == rnn_step["max_score"] > 0, rnn_step
    assert "note: rnn_step is defined 2 times in work.ipynb (cell 3, cell 4); graded: the last one" in rnn_step["output"]
    assert gru_step["score"] == 0
    assert all("no definition of gru_step in work.ipynb" in t["message"] for t in gru_step["tests"])
    assert str(student_notebook.resolve()) in json.loads((tmp_path / ".grade" / "last-scores.json").read_text())
    broken = write_notebook(tmp_path / "broken.ipynb", "x = f(1)")
    result = CliRunner().invoke(main, ["rnn_step", "--submission", str(broken)])
    assert result.exit_code == 2 and "defines none of the exercises" in result.output


def test_batch_grades_notebooks_alone_in_a_zip_and_in_a_folder(tmp_path, student_notebook):
    from autograde.batch import run

    subs = tmp_path / "submissions"
    (subs / "carol").mkdir(parents=True)
    data = student_notebook.read_bytes()
    (subs / "alice.ipynb").write_bytes(data)
    with zipfile.ZipFile(subs / "bob.zip", "w") as zf:
        zf.writestr("bob/session2.ipynb", data)
    (subs / "carol" / "session2.ipynb").write_bytes(data)
    (subs / "dan.ipynb").write_text('{"cells": [')
    result = run.run_batch(subs, tmp_path / "out", ["rnn_step"], workers=1, quiet=True)
    rows = {row.student: row for row in result.rows}
    assert set(rows) == {"alice", "bob", "carol", "dan"}
    for student in ("alice", "bob", "carol"):
        assert rows[student].status == "graded" and rows[student].report["score"] == 7, rows[student]
    assert "dan.ipynb is not valid JSON" in rows["dan"].status


def test_gradescope_grades_an_uploaded_notebook(tmp_path):
    from autograde.commands.gradescope import grade_to_results

    upload = tmp_path / "submission"
    write_notebook(upload / "session2.ipynb", reference_code("rnn_step"), WRONG_RNN_STEP.replace("rnn_step", "gru_step_draft"))
    data = grade_to_results(upload, tmp_path / "results.json", ["rnn_step", "gru_step"])
    assert data["score"] == 7, data
    assert any("no definition of gru_step in session2.ipynb" in t.get("output", "") for t in data["tests"])


def test_ci_grades_a_notebook_and_annotates_the_notebook(tmp_path, monkeypatch):
    import click

    from autograde.commands import ci

    notebook = write_notebook(tmp_path / "work.ipynb", WRONG_RNN_STEP)

    @click.group()
    def main():
        pass

    main.add_command(ci.command)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    result = CliRunner().invoke(main, ["ci", "rnn_step", "--submission", "work.ipynb", "--allow-unsandboxed"])
    assert result.exit_code == 0, result.output
    annotations = [line for line in result.output.splitlines() if line.startswith("::error ")]
    assert annotations and all(line.startswith("::error file=work.ipynb,title=") for line in annotations), annotations


# -- the course notebook ----------------------------------------------------------------------

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "session2-rnn-lstm.ipynb"
NOT_COPIED = "from exercises."  # the notebook defines the earlier exercises itself


def cell_code(module_text: str) -> str:
    """A stub's or reference's module as its notebook cell: without the module docstring and
    the ``from exercises.X import Y`` lines (the notebook's own earlier cells define Y)."""
    import ast

    first = ast.parse(module_text).body[0]
    lines = module_text.split("\n")[first.end_lineno:] if isinstance(first, ast.Expr) else module_text.split("\n")
    return "\n".join(line for line in lines if not line.startswith(NOT_COPIED)).strip("\n")


def shipped():
    return nbformat.read(NOTEBOOK, as_version=4)


def test_the_notebook_and_its_jupytext_source_are_in_sync():
    import jupytext

    def cells(notebook):
        return [(c.cell_type, c.source.strip("\n"), tuple(c.metadata.get("tags", []))) for c in notebook.cells]

    paired = jupytext.read(NOTEBOOK.with_suffix(".py"))
    assert cells(paired) == cells(shipped()), "run: jupytext --sync notebooks/session2-rnn-lstm.ipynb"


def test_every_exercise_is_its_stub_in_a_tagged_cell_followed_by_its_check():
    cells = shipped().cells
    for exercise in course.names():
        tagged = [i for i, c in enumerate(cells) if f"exercise:{exercise}" in c.metadata.get("tags", [])]
        assert len(tagged) == 1, exercise
        stub = (course.package_dir("exercises") / f"{exercise}.py").read_text(encoding="utf-8")
        assert cells[tagged[0]].source.strip("\n") == cell_code(stub), f"the {exercise} cell differs from exercises/{exercise}.py"
        assert cells[tagged[0] + 1].source == f'check("{exercise}")'
    assert all(not c.get("outputs") for c in cells if c.cell_type == "code"), "the notebook ships without outputs"


def run_notebook(notebook, folder: Path):
    """Execute ``notebook`` in a real kernel (cwd ``folder``); a cell that raises fails the test."""
    from nbclient import NotebookClient

    NotebookClient(notebook, timeout=900, kernel_name="python3", resources={"metadata": {"path": str(folder)}}).execute()
    reports = {}
    for cell in notebook.cells:
        if cell.cell_type == "code" and cell.source.startswith("check("):
            shown = [o for o in cell.outputs if o.output_type in ("execute_result", "display_data")]
            assert shown and "text/html" in shown[-1]["data"], cell.outputs
            reports[cell.source] = shown[-1]["data"]["text/plain"]
    return reports


def printed(notebook) -> str:
    return "".join(o.get("text", "") for c in notebook.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "stream")


@pytest.mark.timeout(1800)  # 16 grade processes: about a minute on an idle machine, minutes on a busy one
def test_as_shipped_every_check_says_not_implemented_and_the_notebook_runs_to_the_end(tmp_path):
    notebook = shipped()
    reports = run_notebook(notebook, tmp_path)
    assert len(reports) == len(course.names()) + 1  # one per exercise, and check() at the end
    for source, text in reports.items():
        assert "not implemented yet" in text and "Total: 0/" in text, (source, text)
        assert "\x1b" not in text and "exercises/" not in text, text
    assert "Not trained yet: build_vocab: not implemented yet" in printed(notebook)


@pytest.mark.slow
@pytest.mark.timeout(2400)
def test_with_the_reference_solutions_every_check_gives_full_marks(tmp_path):
    notebook = shipped()
    for cell in notebook.cells:
        for tag in cell.metadata.get("tags", []):
            if tag.startswith("exercise:"):
                cell.source = cell_code(reference_code(tag.removeprefix("exercise:")))
    reports = run_notebook(notebook, tmp_path)
    for source, text in reports.items():
        assert "(100%)" in text, (source, text)
    output = printed(notebook)
    assert f"Trained {corpus.BUDGET['steps']} steps" in output and "--- temperature 0.5" in output
    assert any("image/png" in o.get("data", {}) for c in notebook.cells if c.cell_type == "code" for o in c.outputs)
