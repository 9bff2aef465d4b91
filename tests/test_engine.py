"""The engine end to end: the reference and the stubs of every exercise, and containment."""

import os
import shutil
import subprocess
import sys
import textwrap

import pytest

from autograde.grading import course
from autograde.grading import engine


def test_every_reference_solution_earns_full_marks():
    report = engine.grade(course.reference_dir(), course.exercises())
    lost = {
        f"{name}::{t.name}": t.message for name, e in report.exercises.items() for t in e.tests if t.status != "passed"
    }
    assert report.score == report.max_score, lost


def test_every_stub_scores_zero_saying_not_implemented_yet():
    report = engine.grade(course.package_dir("exercises"), course.exercises())
    assert report.score == 0
    for exercise in report.exercises.values():
        for test in exercise.tests:
            assert "not implemented yet" in test.message, (exercise.name, test.name, test.message)


def grade_source(tmp_path, exercise: str, source: str, **options):
    """Grade ``source`` without the submission policy: these tests are about the process walls
    beneath it, which must hold on their own."""
    (tmp_path / f"{exercise}.py").write_text(textwrap.dedent(source))
    return engine.grade(tmp_path, [exercise], engine.Options(**{"restricted": False, **options})).exercises[exercise]


def test_printed_output_is_captured_and_truncated_without_affecting_the_score(tmp_path):
    result = grade_source(
        tmp_path,
        "rnn_step",
        """
        import torch
        def rnn_step(x_t, h_prev, Wxh, Whh, bh):
            print("x" * 100_000)
            return torch.tanh(x_t @ Wxh + h_prev @ Whh + bh)
        """,
    )
    assert result.score == result.max_score
    assert len(result.output) < 20_000 and "not shown" in result.output


def test_a_memory_bomb_hits_the_cap_with_a_clear_message(tmp_path):
    result = grade_source(
        tmp_path,
        "rnn_step",
        """
        def rnn_step(x_t, h_prev, Wxh, Whh, bh):
            hog = bytearray(4 << 30)
            return hog
        """,
        memory_bytes=1 << 30,
    )
    assert result.score == 0
    assert all("ran out of memory (the limit is 1024 MiB)" in t.message for t in result.tests)


def test_exiting_early_costs_that_call_only_and_later_calls_get_a_fresh_runner(tmp_path):
    result = grade_source(
        tmp_path,
        "rnn_step",
        """
        import os, torch
        def rnn_step(x_t, h_prev, Wxh, Whh, bh):
            if x_t.shape[0] == 7:
                os._exit(0)
            return torch.tanh(x_t @ Wxh + h_prev @ Whh + bh)
        """,
    )
    failed = {t.name: t.message for t in result.tests if t.status != "passed"}
    assert list(failed) == ["test_agrees_with_torch_rnncell_for_batch_sizes_1_2_and_7"]
    assert "exited (status 0)" in failed["test_agrees_with_torch_rnncell_for_batch_sizes_1_2_and_7"]


def test_a_runner_cannot_import_the_reference_or_the_graders(tmp_path):
    result = grade_source(
        tmp_path,
        "rnn_step",
        """
        try:
            from reference.rnn_step import rnn_step
        except ImportError:
            from graders.rnn_cases import step_inputs as rnn_step
        """,
    )
    assert result.score == 0
    assert "ImportError: graders is not available while grading" in result.tests[0].message


def test_the_runner_sees_a_scrubbed_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("INSTRUCTOR_TOKEN", "s3cret")
    result = grade_source(
        tmp_path,
        "rnn_step",
        """
        import os, torch
        def rnn_step(x_t, h_prev, Wxh, Whh, bh):
            print(sorted(os.environ))
            return torch.tanh(x_t @ Wxh + h_prev @ Whh + bh)
        """,
    )
    assert "INSTRUCTOR_TOKEN" not in result.output and "PATH" in result.output


@pytest.mark.slow
def test_the_grade_command_runs_in_a_fresh_process(tmp_path):
    shutil.copytree(course.package_dir("exercises"), tmp_path / "exercises")
    done = subprocess.run(
        [sys.executable, "-m", "cli", "rnn_step"], cwd=tmp_path, capture_output=True, text=True, timeout=120,
        env={**os.environ, "COLUMNS": "100", "PYTHONPATH": os.path.dirname(course.graders_dir())},
    )
    assert done.returncode == 0, done.stderr
    assert "rnn_step  0/7" in done.stdout and "not implemented yet" in done.stdout


def test_scores_do_not_depend_on_the_order_exercises_are_graded_in(tmp_path):
    for name in ("rnn_step", "rnn_forward", "lstm_step"):
        shutil.copyfile(course.reference_dir() / f"{name}.py", tmp_path / f"{name}.py")
    shutil.copyfile(course.package_dir("exercises") / "rnn_step_fused.py", tmp_path / "rnn_step_fused.py")
    order = ["rnn_step", "rnn_step_fused", "rnn_forward", "lstm_step"]
    forward = without_timings(engine.grade(tmp_path, order).to_json()["exercises"])
    backward = without_timings(engine.grade(tmp_path, order[::-1]).to_json()["exercises"])
    assert forward == backward


def without_timings(value):
    """A report without its ``seconds`` fields, which measure the machine, not the submission."""
    if isinstance(value, dict):
        return {k: without_timings(v) for k, v in value.items() if k != "seconds"}
    if isinstance(value, list):
        return [without_timings(v) for v in value]
    return value


def test_progress_is_reported_after_every_check():
    calls = []
    report = engine.grade(course.reference_dir(), ["rnn_step"], progress=lambda *args: calls.append(args))
    total = len(report.exercises["rnn_step"].tests)
    assert calls == [("rnn_step", done, total) for done in range(1, total + 1)]
