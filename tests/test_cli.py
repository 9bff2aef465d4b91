"""The grade command: what it prints, writes and exits with."""

import json
import shutil

import pytest
from click.testing import CliRunner

import cli
from autograde.grading import course

CASES = __import__("pathlib").Path(__file__).parent / "cases"


@pytest.fixture
def run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)

    def invoke(*args):
        return CliRunner(env={"COLUMNS": "200"}).invoke(cli.main, list(args), catch_exceptions=False)

    return invoke


@pytest.fixture
def submission(tmp_path):
    folder = tmp_path / "exercises"
    folder.mkdir()
    shutil.copyfile(CASES / "rnn_step" / "einsum.py", folder / "rnn_step.py")
    shutil.copyfile(CASES / "rnn_step_fused" / "two_matmuls.py", folder / "rnn_step_fused.py")
    return folder


def test_a_correct_solution_earns_full_marks_and_exit_code_0(run, submission):
    result = run("rnn_step")
    assert result.exit_code == 0
    assert "rnn_step  7/7" in result.output and "Total: 7/7 (100%)" in result.output


def test_failures_show_the_message_and_the_hint(run, submission):
    result = run("rnn_step_fused")
    assert result.exit_code == 0
    assert "performed 2 matrix multiplications" in result.output
    assert "Hint: Concatenate first" in result.output


def test_the_json_report_has_the_documented_shape(run, submission, tmp_path):
    run("rnn_step", "rnn_step_fused", "--json", "out/report.json")
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert set(report) == {"score", "max_score", "exercises", "protections"}
    assert report["protections"]["mode"] in ("sandbox", "fallback")
    assert (report["score"], report["max_score"]) == (12.5, 14)
    fused = report["exercises"]["rnn_step_fused"]
    assert {"score", "max_score", "tests", "causes", "output"} <= set(fused)
    test = next(t for t in fused["tests"] if t["status"] == "failed")
    # mistake and mistake_name appear where a check names the mistake, as this one does
    assert set(test) == {"name", "title", "score", "max_score", "status", "message", "hint", "code_hint", "seconds", "kind", "mistake", "mistake_name"}
    assert test["name"] == "test_performs_exactly_one_matrix_multiplication"
    assert test["title"] == "performs exactly one matrix multiplication"
    assert test["mistake_name"] == "the step is not fused: more than one matrix multiplication"
    assert test["kind"] == "wrong" and test["seconds"] >= 0
    assert [cause["checks"] for cause in fused["causes"]] == [[test["name"]]]
    assert fused["causes"][0]["message"] == test["message"] and fused["causes"][0]["points"] == test["max_score"]


def test_fail_under_exits_1_below_the_threshold_and_0_above(run, submission):
    assert run("rnn_step", "rnn_step_fused", "--fail-under", "95").exit_code == 1
    assert run("rnn_step", "rnn_step_fused", "--fail-under", "85").exit_code == 0


def test_a_missing_file_scores_zero_for_that_exercise_only(run, submission):
    result = run("rnn_step", "rnn_forward", "-q")
    assert result.exit_code == 0
    assert result.output.strip().startswith("7/15")


def test_an_unknown_exercise_is_a_usage_error_that_suggests_the_closest(run, submission):
    result = run("rnn_stp")
    assert result.exit_code == 2
    assert "Did you mean 'rnn_step'?" in result.output


def test_without_an_exercises_folder_it_says_what_to_do(run):
    result = run("rnn_step")
    assert result.exit_code == 2
    assert "--submission" in result.output


def test_a_missing_submission_folder_is_a_usage_error(run):
    result = run("rnn_step", "--submission", "nowhere")
    assert result.exit_code == 2 and "does not exist" in result.output


def test_list_shows_every_exercise_with_its_points_and_the_last_score(run, submission):
    run("rnn_step", "-q")
    result = run("list")
    assert result.exit_code == 0
    for name in course.exercises():
        assert name in result.output
    assert "7/7" in result.output


def test_doctor_reports_the_protections_of_this_machine(run):
    result = run("doctor")
    assert result.exit_code == 0
    assert "mode sandbox" in result.output or "SECURITY.md" in result.output
