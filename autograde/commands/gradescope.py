"""``grade gradescope``: the Gradescope autograder mode.

Gradescope puts the student's upload in ``/autograder/submission`` and reads
``/autograder/results/results.json`` (see ``gradescope/run_autograder``). The upload may hold
the exercise files at its top, in ``exercises/`` (a repository) or in one wrapping folder;
only the contract's ``<exercise>.py`` files are kept. Whatever happens (a bad upload, a broken
grader, an interrupt), a valid results.json is written: students never see "The autograder
failed to execute" because of us.
"""

from __future__ import annotations

import sys
import tempfile
import time
import traceback
from pathlib import Path

import click

from autograde.commands.options import (
    allow_unsandboxed_option, exercise_option, extra_graders_option, memory_option, require_separation, resolve_exercises,
    timeout_option,
)
from autograde.errors import BadSubmission, GraderBroken
from autograde.sandbox.protocol import DEFAULT_MEMORY_BYTES, DEFAULT_TIMEOUT

DEFAULT_SUBMISSION = Path("/autograder/submission")
DEFAULT_RESULTS = Path("/autograder/results/results.json")
NOT_YOUR_FAULT = "This is not your fault: please tell your instructor."


def grade_to_results(
    submission: Path,
    results_path: Path,
    exercises: list[str] | None = None,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    memory_bytes: int = DEFAULT_MEMORY_BYTES,
    extra_graders: Path | None = None,
) -> dict:
    """Grade ``submission`` and write Gradescope's results to ``results_path``; returns them."""
    from autograde.formats import gradescope as results_format
    from autograde.grading import intake, student_text

    started = time.monotonic()
    data = results_format.error_results(f"The autograder stopped before it could grade this submission. {NOT_YOUR_FAULT}")
    try:
        from autograde.grading import engine

        engine.start()  # before any grader or reference is imported
        from autograde.grading import course

        exercises = exercises or course.exercises()
        try:
            files = intake.collect(Path(submission))
        except BadSubmission as error:
            data = results_format.error_results(  # the reason may quote the upload's file names
                f"Your submission could not be graded: {student_text.message(error)}. Upload your exercise files "
                f"({', '.join(f'{name}.py' for name in exercises[:3])}, ...) or the repository that holds exercises/.",
                execution_time=time.monotonic() - started,
            )
            return data
        options = engine.Options(timeout=timeout, memory_bytes=memory_bytes, extra_graders=extra_graders, fresh_inputs=True)
        with tempfile.TemporaryDirectory(prefix="gradescope-") as folder:
            staged = intake.stage(files, Path(folder) / "submission")
            report = engine.grade(staged, exercises, options)
        data = results_format.results(report.to_json(), execution_time=time.monotonic() - started)
        # run_autograder's log, for the instructor (stdout_visibility is hidden)
        print(f"graded: {report.score:g}/{report.max_score:g}; {results_format.maximum_note(report.to_json())}")
        return data
    except Exception as error:  # noqa: BLE001 - whatever failed, Gradescope still gets valid JSON
        print("grading failed:\n" + traceback.format_exc(), file=sys.stderr)
        data = results_format.error_results(
            f"The autograder could not grade this submission ({type(error).__name__}). {NOT_YOUR_FAULT}",
            execution_time=time.monotonic() - started,
        )
        raise
    finally:
        results_format.write(data, Path(results_path))


@click.command("gradescope")
@click.option("--submission", type=click.Path(path_type=Path), default=DEFAULT_SUBMISSION, show_default=True,
              help="The student's upload, as Gradescope places it.")
@click.option("--results", "results_path", type=click.Path(dir_okay=False, path_type=Path), default=DEFAULT_RESULTS,
              show_default=True, help="Where Gradescope reads the results.")
@exercise_option
@extra_graders_option
@timeout_option
@memory_option
@allow_unsandboxed_option
def command(submission, results_path, exercise_names, extra_graders, timeout, memory_mib, allow_unsandboxed):
    """Grade a Gradescope submission and write results.json (run by gradescope/run_autograder)."""
    from autograde.errors import Unseparated
    from autograde.formats import gradescope as results_format

    exercises = resolve_exercises(exercise_names)
    try:
        require_separation(allow_unsandboxed)
    except Unseparated:
        results_format.write(results_format.error_results(
            f"The autograder refused to run your code without isolation on this machine. {NOT_YOUR_FAULT}"
        ), Path(results_path))
        raise
    try:
        grade_to_results(
            submission, results_path, exercises, timeout=timeout, memory_bytes=memory_mib << 20, extra_graders=extra_graders,
        )
    except Exception as error:  # noqa: BLE001 - results.json is written; the exit status tells the log
        raise GraderBroken(f"grading failed ({type(error).__name__}: {error}); wrote a zero-score {results_path}") from None


if __name__ == "__main__":  # python -m autograde.commands.gradescope (what gradescope/run_autograder runs)
    command()
