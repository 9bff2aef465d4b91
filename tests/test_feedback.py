"""Feedback a student learns from: one block per cause in every format, a short first report,
the runner habits (-k, --failed, --hint) and declared titles and code hints."""

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from rich.console import Console

import cli
from autograde import formats
from autograde.commands import ci
from autograde.formats import gradescope, html, terminal
from autograde.grading import causes, engine

CASES = Path(__file__).parent / "cases"
RECORDED = Path(__file__).parent / "data" / "train_lm_never_detached.json"

# The diagnosis each mistake's message carries, and how many checks it costs.
DIAGNOSES = {  # in teaching order
    ("rnn_step", "no_bias"): ("the bias is missing", 5),  # with the two gradient checks: their values are wrong
    ("lstm_step", "order_ifog"): ("gate order i, f, o, g", 8),  # the two gradient checks too: their values are wrong
}


def piped(report) -> str:
    """The terminal report as a pipe receives it."""
    console = Console(file=__import__("io").StringIO(), width=80)
    terminal.print_report(formats.from_json(report) if isinstance(report, dict) else report, console)
    return console.file.getvalue()


def every_format(report: dict, exercise: str, tmp_path) -> dict[str, str]:
    """The report as each format says it to a student."""
    view = formats.student_view(report)
    annotations, _ = ci.error_annotations(view, Path("exercises"), Path("."))
    results = gradescope.results(report)
    return {
        "terminal": piped(view),
        "html": html.render_submission(view),
        "ci annotations": "\n".join(annotations),
        "ci summary": ci.summary_markdown(view),
        "gradescope": "\n".join(t["output"] for t in results["tests"]),
    }


@pytest.fixture(scope="module")
def mistakes(tmp_path_factory):
    """The JSON reports of the gate-order and missing-bias mistakes, graded once."""
    folder = tmp_path_factory.mktemp("mistakes")
    for (exercise, case) in DIAGNOSES:
        shutil.copyfile(CASES / exercise / f"{case}.py", folder / f"{exercise}.py")
    return engine.grade(folder, [exercise for exercise, _ in DIAGNOSES]).to_json()


@pytest.mark.parametrize("exercise, case", list(DIAGNOSES), ids=[case for _, case in DIAGNOSES])
def test_a_mistake_that_fails_several_checks_is_diagnosed_once_in_every_format(mistakes, exercise, case, tmp_path):
    diagnosis, cost = DIAGNOSES[(exercise, case)]
    report = {**mistakes, "exercises": {exercise: mistakes["exercises"][exercise]}}
    (cause,) = [c for c in report["exercises"][exercise]["causes"] if diagnosis in c["message"]]
    assert len(cause["checks"]) == cost and cause["mistake"]  # the JSON names the checks it cost
    lost = {t["name"]: t["max_score"] for t in report["exercises"][exercise]["tests"] if t["status"] != "passed"}
    assert cause["points"] == sum(lost[name] for name in cause["checks"])  # points stay per check
    for name, text in every_format(report, exercise, tmp_path).items():
        assert text.count(diagnosis) == 1, (name, text)


def test_a_missing_detach_in_train_lm_is_diagnosed_once(tmp_path):
    """Recorded from `grade train_lm` on tests/cases/train_lm/never_detached.py (grading it takes
    a minute): the grouping is what is tested here, on its checks' recorded fields."""
    report = json.loads(RECORDED.read_text(encoding="utf-8"))
    exercise = report["exercises"]["train_lm"]
    exercise["causes"] = causes.group(exercise["tests"])
    shared = [c for c in exercise["causes"] if len(c["checks"]) > 1]
    assert shared, exercise["causes"]
    diagnosis = shared[0]["message"].splitlines()[0]
    for name, text in every_format(report, "train_lm", tmp_path).items():
        assert text.count(diagnosis) == 1, (name, text)


def test_checks_share_a_cause_only_within_one_visibility_and_by_fields():
    tests = [
        {"name": "a", "status": "failed", "message": "m1", "mistake": "no_bias", "hint": "h", "max_score": 1, "score": 0},
        {"name": "b", "status": "failed", "message": "m2", "mistake": "no_bias", "hint": "h", "max_score": 2, "score": 0},
        {"name": "c", "status": "failed", "message": "m3", "mistake": "no_bias", "visibility": "hidden", "max_score": 1, "score": 0},
        {"name": "d", "status": "failed", "message": "x raised E: 1", "kind": "exception", "error_type": "E", "line": 4,
         "hint": "h1", "max_score": 1, "score": 0},
        {"name": "e", "status": "failed", "message": "x raised E: 2", "kind": "exception", "error_type": "E", "line": 4,
         "hint": "h2", "max_score": 1, "score": 0},
        {"name": "f", "status": "passed", "message": "", "max_score": 1, "score": 1},
    ]
    found = causes.group(tests)
    assert [c["checks"] for c in found] == [["a", "b"], ["c"], ["d", "e"]]
    gradient = {"name": "g", "status": "failed", "message": "fix the values first", "follows_values": True, "max_score": 1, "score": 0}
    assert [c["checks"] for c in causes.group([gradient, *tests])][0] == ["a", "b", "g"]  # it joins the values' cause
    assert [c["checks"] for c in causes.group([gradient])] == [["g"]]
    assert (found[0]["points"], found[0]["hint"], found[2]["hint"]) == (3, "h", "")  # a hint only when shared
    assert found[2]["line"] == 4 and found[2]["message"] == "x raised E: 1"


def test_the_first_grade_all_on_the_stubs_fits_in_60_lines(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    shutil.copytree(Path(cli.__file__).parent / "exercises", tmp_path / "exercises")
    result = CliRunner().invoke(cli.main, ["all"], catch_exceptions=False)
    lines = result.output.rstrip("\n").split("\n")
    assert len(lines) <= 60, result.output
    assert lines[-1] == "next: start rnn_step"
    assert all(line == line.rstrip() for line in lines), "piped output is not padded"


def test_full_marks_is_one_line_per_exercise_with_the_point_columns_aligned(mistakes):
    report = json.loads(json.dumps(mistakes))
    for exercise in report["exercises"].values():
        for test in exercise["tests"]:
            test.update(status="passed", score=test["max_score"], message="")
        exercise.update(score=exercise["max_score"], causes=[])
    report["score"] = report["max_score"]
    lines = piped(report).rstrip("\n").split("\n")
    assert lines[:2] == ["rnn_step   7/7  ✓ all 9 checks passed", "lstm_step  7/7  ✓ all 12 checks passed"]
    assert lines[-1] == "every check passed"


def test_the_report_closes_with_the_next_step_and_its_columns_line_up(mistakes):
    text = piped(mistakes)
    assert text.rstrip("\n").split("\n")[-1] == "next: fix rnn_step (2 causes)"
    rows = [line for line in text.split("\n") if line.startswith(("  ✓ ", "  ✗ ")) and line.endswith(("/0.5", "/1", "/1.5"))]
    assert len(rows) == 9 + 12 and len({len(row) for row in rows}) == 1  # one column of points for both exercises


def test_titles_and_code_hints_are_declared_on_the_marker_and_code_hints_shown_on_request(tmp_path):
    graders = tmp_path / "graders"
    graders.mkdir()
    (graders / "test_rnn_step.py").write_text(
        'import pytest\nVISIBILITY = "visible"\n\n'
        '@pytest.mark.points(1, hint="a nudge", code_hint="h_t = ...", title="fails, with punctuation")\n'
        'def test_fails(student):\n    assert False, "a wrong answer"\n'
    )
    report = engine.grade(engine.course.reference_dir(), ["rnn_step"], engine.Options(extra_graders=graders))
    declared = report.exercises["rnn_step"].tests[-1]
    assert (declared.title, declared.hint, declared.code_hint) == ("fails, with punctuation", "a nudge", "h_t = ...")
    data = report.to_json()["exercises"]["rnn_step"]
    assert data["tests"][-1]["title"] == "fails, with punctuation" and data["causes"][0]["code_hints"] == ["h_t = ..."]
    assert data["tests"][0]["title"] == "returns one hidden state per sequence"  # derived where none is declared
    text = piped(report)
    assert "fails, with punctuation" in text and "Hint: a nudge" in text
    assert "h_t = ..." not in text and "--hint shows code-level hints" in text
    console = Console(file=__import__("io").StringIO(), width=80)
    terminal.print_report(report, console, code_hints=True)
    assert "Code hint: h_t = ..." in console.file.getvalue()


@pytest.fixture
def student(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "exercises").mkdir()
    shutil.copyfile(CASES / "rnn_step" / "no_bias.py", tmp_path / "exercises" / "rnn_step.py")

    def grade(*args):
        return CliRunner(env={"COLUMNS": "200"}).invoke(cli.main, list(args), catch_exceptions=False)

    return grade


def test_k_runs_the_matching_checks_and_failed_the_ones_that_failed_last_time(student, tmp_path):
    chosen = student("rnn_step", "-k", "float64 or sequence", "--json", "k.json")
    assert chosen.exit_code == 0, chosen.output
    names = [t["name"] for t in json.loads((tmp_path / "k.json").read_text())["exercises"]["rnn_step"]["tests"]]
    assert names == ["test_returns_one_hidden_state_per_sequence", "test_keeps_float64_inputs_in_float64"]
    assert student("rnn_step", "-k", "nothing_like_this").exit_code == 2
    student("rnn_step", "-q")
    again = student("--failed", "--json", "failed.json")
    assert again.exit_code == 0, again.output
    tests = json.loads((tmp_path / "failed.json").read_text())["exercises"]["rnn_step"]["tests"]
    assert len(tests) == 6 and all(t["status"] == "failed" for t in tests)
    shutil.copyfile(CASES / "rnn_step" / "einsum.py", tmp_path / "exercises" / "rnn_step.py")
    assert "Total: 5/5" in student("--failed").output  # fixed: the failed checks pass
    assert "Nothing failed last time" in student("--failed").output


def test_help_lists_the_runner_options(student):
    text = student("rnn_step", "--help").output
    for option in ("-k PATTERN", "--failed", "--watch", "--hint"):
        assert option in text


def test_a_timeout_names_the_line_the_code_was_running(tmp_path):
    shutil.copyfile(CASES / "rnn_step" / "loops_forever.py", tmp_path / "rnn_step.py")
    report = engine.grade(tmp_path, ["rnn_step"], engine.Options(timeout=0.5)).to_json()
    (cause,) = report["exercises"]["rnn_step"]["causes"]
    assert "did not finish within 0.5 s; it was running line " in cause["message"] and cause["line"] in (5, 6)
    assert "while True:" in cause["message"] or "pass" in cause["message"]


def test_a_timeout_after_calls_that_returned_names_the_line_of_the_call_that_hung(tmp_path):
    """The runner's one watcher is armed for each call in turn, not only for the first."""
    shutil.copyfile(CASES / "rnn_step" / "loops_forever_on_its_third_call.py", tmp_path / "rnn_step.py")
    report = engine.grade(tmp_path, ["rnn_step"], engine.Options(timeout=0.5)).to_json()
    timeouts = [c for c in report["exercises"]["rnn_step"]["causes"] if "did not finish within 0.5 s" in c["message"]]
    assert timeouts and all("it was running line " in c["message"] and c["line"] in (10, 11) for c in timeouts), timeouts


def test_where_a_runner_says_it_is_is_checked_and_cut():
    from autograde.grading.remote import MAX_WHERE_CODE, where_of

    assert where_of({"note": "where", "where": {"line": 3, "code": "x" * 5000}}) == {"line": 3, "code": "x" * MAX_WHERE_CODE}
    for bad in ({"line": True, "code": ""}, {"line": -1, "code": ""}, {"line": 2.0, "code": ""}, {"line": 2, "code": None}, "line 2"):
        assert where_of({"note": "where", "where": bad}) is None
    assert where_of({"ok": True, "where": {"line": 3, "code": ""}}) is None


def test_watch_grades_again_when_the_file_is_saved_and_stops_cleanly_on_ctrl_c(tmp_path):
    import os
    import signal
    import subprocess
    import sys
    import threading
    import time

    (tmp_path / "exercises").mkdir()
    shutil.copyfile(CASES / "rnn_step" / "no_bias.py", tmp_path / "exercises" / "rnn_step.py")
    root = Path(cli.__file__).parent
    watcher = subprocess.Popen(
        [sys.executable, str(root / "cli.py"), "rnn_step", "--watch"], cwd=tmp_path, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=dict(os.environ, PYTHONPATH=str(root)),
    )
    said = []
    reader = threading.Thread(target=lambda: said.extend(watcher.stderr), daemon=True)  # stderr's only reader
    reader.start()

    def watching(times: int) -> bool:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and watcher.poll() is None:
            if sum("Watching" in line for line in said) >= times:
                return True
            time.sleep(0.1)
        return False

    try:
        assert watching(1), said
        shutil.copyfile(CASES / "rnn_step" / "einsum.py", tmp_path / "exercises" / "rnn_step.py")
        assert watching(2), said
        watcher.send_signal(signal.SIGINT)
        watcher.wait(timeout=30)
        reader.join(timeout=10)
        out = watcher.stdout.read()
    finally:
        watcher.kill()
    assert watcher.returncode == 0 and "Traceback" not in "".join(said)
    assert "Total: 2/7" in out and out.rstrip().endswith("every check passed") and "Stopped watching." in "".join(said)


def test_the_notebooks_check_shows_code_hints_when_asked_and_one_diagnosis_per_cause(mistakes):
    from autograde.notebook.checking import CheckResult

    recorded = json.loads(json.dumps(mistakes))
    for exercise in recorded["exercises"].values():
        for test in exercise["tests"]:
            test["code_hint"] = "a code-level hint" if test["status"] != "passed" else ""
    report = formats.student_view(recorded)  # its causes regrouped from the checks
    quiet, asked = (CheckResult(["rnn_step"], report=report, code_hints=flag) for flag in (False, True))
    assert "a code-level hint" not in quiet.text() + quiet._repr_html_()
    assert "Code hint: a code-level hint" in asked.text() and "<b>Code hint:</b> a code-level hint" in asked._repr_html_()
    for diagnosis, _ in DIAGNOSES.values():
        assert quiet._repr_html_().count(diagnosis) == 1
