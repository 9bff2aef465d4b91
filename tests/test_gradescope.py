"""Hidden grader suites (--extra-graders) and the Gradescope mode: results.json is always valid."""

import json
import os
import subprocess
import textwrap
from pathlib import Path

import pytest

from autograde.grading import engine
from autograde import formats
from autograde.formats import gradescope as results_format
from autograde.commands.gradescope import grade_to_results
from autograde.errors import GraderBroken

REPO = Path(__file__).resolve().parent.parent

HIDDEN_SUITE = textwrap.dedent('''
    """Instructor-only checks for rnn_step: a batch size no visible check uses."""
    import pytest

    from autograde.grading.checks import expect_close
    from graders.rnn_cases import step_inputs
    from reference.rnn_step import rnn_step as reference


    @pytest.mark.points(2, hint="SECRET HINT: batch 13")
    def test_secret_batch_of_13(student):
        inputs = step_inputs(batch=13, seed=99)
        expect_close(student.rnn_step(*inputs), reference(*inputs), "h_t")


    @pytest.mark.points(1, hint="shown once grades are published", visibility="after_published")
    def test_secret_batch_of_2(student):
        inputs = step_inputs(batch=2, seed=98)
        expect_close(student.rnn_step(*inputs), reference(*inputs), "h_t")
''')

# Right for every batch size but 13, and it prints its input's shape.
SPECIAL_CASED = textwrap.dedent('''
    import torch

    def rnn_step(x_t, h_prev, Wxh, Whh, bh):
        print("called with a batch of", x_t.shape[0])
        h_t = torch.tanh(x_t @ Wxh + h_prev @ Whh + bh)
        return h_t * 2 if x_t.shape[0] == 13 else h_t
''')


@pytest.fixture
def hidden_graders(tmp_path):
    folder = tmp_path / "hidden_graders"
    folder.mkdir()
    (folder / "test_rnn_step.py").write_text(HIDDEN_SUITE)
    return folder


@pytest.fixture
def special_cased(tmp_path):
    folder = tmp_path / "upload"
    folder.mkdir()
    (folder / "rnn_step.py").write_text(SPECIAL_CASED)
    return folder


def strings_in(value) -> list[str]:
    """Every key and string value of a JSON document."""
    if isinstance(value, dict):
        return [s for key, item in value.items() for s in [key, *strings_in(item)]]
    if isinstance(value, list):
        return [s for item in value for s in strings_in(item)]
    return [value] if isinstance(value, str) else []


def test_extra_graders_add_hidden_checks_whose_details_students_never_see(special_cased, hidden_graders):
    report = engine.grade(special_cased, ["rnn_step"], engine.Options(extra_graders=hidden_graders))
    exercise = report.exercises["rnn_step"]
    visibility = {t.name: t.visibility for t in exercise.tests}
    assert visibility["test_secret_batch_of_13"] == "hidden"  # the folder's default
    assert visibility["test_secret_batch_of_2"] == "after_published"  # the marker's
    assert visibility["test_matches_the_formula_in_float32"] == "visible"
    assert (exercise.score, exercise.max_score) == (8, 10)
    assert "a batch of 13" not in exercise.output  # what hidden inputs made the code print
    assert "a batch of 3" in exercise.output

    data = report.to_json()
    by_name = {t["name"]: t for t in data["exercises"]["rnn_step"]["tests"]}
    assert by_name["test_secret_batch_of_13"]["visibility"] == "hidden"
    assert "visibility" not in by_name["test_matches_the_formula_in_float32"]  # the documented shape, unchanged

    view = formats.student_view(data)
    text = json.dumps(view)
    assert "1 of 2 hidden checks failed" in text
    words = " ".join(strings_in(view))  # numbers left out: a timing such as 0.0134 is no leak
    assert "SECRET" not in words and "secret" not in words and "13" not in words
    assert engine.plan(["rnn_step"], hidden_graders) == {"rnn_step": 10.0}


def test_a_visibility_that_gradescope_does_not_know_is_a_grading_error(special_cased, tmp_path):
    folder = tmp_path / "bad_graders"
    folder.mkdir()
    (folder / "test_rnn_step.py").write_text(HIDDEN_SUITE.replace('visibility="after_published"', 'visibility="later"'))
    with pytest.raises(GraderBroken, match="visibility 'later'"):
        engine.grade(special_cased, ["rnn_step"], engine.Options(extra_graders=folder))


SPEC_SCHEMA = Path(__file__).parent / "data" / "gradescope-results.schema.json"


def assert_gradescope_accepts(data: dict) -> None:
    """Field names, types and allowed values as Gradescope's specs.md gives them (not as we do)."""
    import jsonschema

    jsonschema.validate(data, json.loads(SPEC_SCHEMA.read_text()))
    assert results_format.problems(data) == []


def test_the_gradescope_mode_maps_visibility_and_tells_students_only_the_count(special_cased, hidden_graders, tmp_path, capsys):
    results_path = tmp_path / "results" / "results.json"
    grade_to_results(special_cased, results_path, ["rnn_step"], extra_graders=hidden_graders)
    data = json.loads(results_path.read_text())
    assert_gradescope_accepts(data)
    # The spec: while tests are hidden, students do not see their total. Nor does our output.
    assert "Total" not in data["output"] and "/10" not in data["output"] and "8/" not in data["output"]
    assert "rnn_step: visible checks 7/7" in data["output"]
    assert data["extra_data"] == {"max_score": 10, "visible_max_score": 7, "hidden_max_score": 3}
    assert "maximum score 10 (7 visible + 3 in non-visible checks)" in capsys.readouterr().out
    assert data["score"] == 8 and set(data) >= {"score", "execution_time", "output", "visibility", "stdout_visibility", "tests"}
    by_name = {t["name"]: t for t in data["tests"]}
    assert by_name["rnn_step: secret batch of 13"]["visibility"] == "hidden"
    assert by_name["rnn_step: secret batch of 13"]["status"] == "failed"
    assert by_name["rnn_step: secret batch of 2"]["visibility"] == "after_published"
    summary = by_name["rnn_step: hidden checks"]
    assert summary["visibility"] == "visible" and "1 of 2 hidden checks failed" in summary["output"]
    visible_text = json.dumps([t for t in data["tests"] if t["visibility"] == "visible"]) + data["output"]
    assert "SECRET" not in visible_text and "batch of 13" not in visible_text


def test_a_repository_upload_is_graded_from_its_exercises_folder(tmp_path):
    upload = tmp_path / "submission" / "exercises"
    upload.mkdir(parents=True)
    (upload / "rnn_step.py").write_text(SPECIAL_CASED)
    (tmp_path / "submission" / "README.md").write_text("my repository")
    data = grade_to_results(tmp_path / "submission", tmp_path / "results.json", ["rnn_step"])
    assert data["score"] == 7 and json.loads((tmp_path / "results.json").read_text()) == data


def test_an_upload_without_exercise_files_still_gets_valid_results(tmp_path):
    (tmp_path / "submission").mkdir()
    (tmp_path / "submission" / "answers.pdf").write_bytes(b"%PDF")
    grade_to_results(tmp_path / "submission", tmp_path / "results.json", ["rnn_step"])
    data = json.loads((tmp_path / "results.json").read_text())
    assert results_format.problems(data) == [] and data["score"] == 0
    assert "no exercise files" in data["output"]


def test_a_refused_upload_quotes_its_file_names_with_controls_made_visible(tmp_path):
    wrapper = tmp_path / "submission" / "\x1b[2Jtotal 7 of 7"
    wrapper.mkdir(parents=True)
    (wrapper / "rnn_step.py").symlink_to("/etc/hostname")
    grade_to_results(tmp_path / "submission", tmp_path / "results.json", ["rnn_step"])
    data = json.loads((tmp_path / "results.json").read_text())
    assert "symbolic link" in data["output"] and "\x1b" not in data["output"] and "\\x1b[2J" in data["output"]
    assert data["output_format"] == "text"


def test_a_broken_grader_still_leaves_valid_results_and_fails_loudly(special_cased, tmp_path):
    folder = tmp_path / "broken_graders"
    folder.mkdir()
    (folder / "test_rnn_step.py").write_text("def test_without_points(student):\n    pass\n")
    results_path = tmp_path / "results.json"
    with pytest.raises(GraderBroken):
        grade_to_results(special_cased, results_path, ["rnn_step"], extra_graders=folder)
    data = json.loads(results_path.read_text())
    assert results_format.problems(data) == [] and data["score"] == 0
    assert "not your fault" in data["output"]


@pytest.mark.parametrize("script", ["setup.sh", "run_autograder"])
def test_the_gradescope_scripts_are_executable_bash(script):
    path = REPO / "gradescope" / script
    assert os.access(path, os.X_OK)
    assert subprocess.run(["bash", "-n", str(path)], capture_output=True).returncode == 0
    text = path.read_text()
    if script == "run_autograder":
        assert "/autograder/results/results.json" in text and "grade gradescope" in text


def test_results_of_every_kind_validate_against_the_spec(tmp_path):
    report = {"score": 3.5, "max_score": 5, "exercises": {"train_lm": {"score": 3.5, "max_score": 5, "output": "", "tests": [
        {"name": "test_reaches_the_reference_held_out_perplexity_on_the_built_in_corpus", "score": 3.5, "max_score": 3.5,
         "status": "passed", "message": "", "hint": "", "seconds": 30.2,
         "measurements": [{"name": "held-out perplexity", "value": 6.41, "order": "asc"}]},
        {"name": "test_returns_one_python_float_per_step", "score": 0, "max_score": 1.5, "status": "failed",
         "message": "train raised ValueError", "hint": "h", "kind": "exception", "seconds": 0.1},
    ]}}}
    data = results_format.results(report, execution_time=31)
    assert_gradescope_accepts(data)
    assert data["leaderboard"] == [{"name": "train_lm held-out perplexity", "value": 6.41, "order": "asc"}]
    assert data["output"].startswith("Total: 3.5/5")  # nothing hidden: the total is the student's to see
    assert_gradescope_accepts(results_format.error_results("could not be graded"))
    path = tmp_path / "results.json"
    results_format.write({"score": 1, "leaderboard": [{"name": "x", "value": 1, "order": "sideways"}]}, path)
    assert_gradescope_accepts(json.loads(path.read_text()))  # the fallback, since that order is not the spec's
