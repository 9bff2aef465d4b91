"""``grade [EXERCISE ...|all]``: grade a student's own submission and print a scored report."""

from __future__ import annotations

import contextlib
import json
import tempfile
from pathlib import Path

import click

from autograde.commands import ANSWER_KEY, ImplicitCommand
from autograde.commands.options import (
    extra_graders_option, memory_option, resolve_exercises, starts_engine, timeout_option,
)
from autograde.errors import BelowThreshold

LAST_SCORES = Path(".grade") / "last-scores.json"


def submission_dir(submission: Path | None, reference: bool) -> Path:
    if reference and not ANSWER_KEY:
        raise click.UsageError("--reference grades the course's solutions, which this repository does not hold")
    if reference:
        from autograde.grading import course

        return course.reference_dir()
    folder = submission or Path("exercises")
    if not folder.is_dir():
        if submission is None:
            raise click.UsageError(
                "there is no ./exercises folder here. Run grade from the course repository, "
                "or point to your solutions with --submission DIR."
            )
        raise click.UsageError(f"the submission folder {str(folder)!r} does not exist.")
    return folder.resolve()


def is_notebook(path: Path | None) -> bool:
    return path is not None and path.suffix.lower() == ".ipynb" and path.is_file()


@contextlib.contextmanager
def notebook_folder(notebook: Path):
    """A temporary folder of the ``<exercise>.py`` modules rebuilt from ``notebook``
    (``autograde/grading/notebook_intake.py``); a notebook that cannot be read is a usage error."""
    from autograde.errors import BadSubmission
    from autograde.grading import intake

    try:
        files = intake.collect_notebook(notebook, intake.contract_names())
    except BadSubmission as error:
        raise click.UsageError(f"the notebook {str(notebook)!r} cannot be graded: {error}") from None
    with tempfile.TemporaryDirectory(prefix="grade-notebook-") as folder:
        yield intake.stage(files, Path(folder) / "submission")


def load_last_scores() -> dict:
    try:
        return json.loads(LAST_SCORES.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def save_last_scores(submission: Path, report) -> None:
    scores = load_last_scores()
    mine = scores.setdefault(str(submission), {})
    for name, exercise in report.exercises.items():
        mine[name] = {"score": exercise.score, "max_score": exercise.max_score}
    try:
        LAST_SCORES.parent.mkdir(exist_ok=True)
        LAST_SCORES.write_text(json.dumps(scores, indent=1), encoding="utf-8")
    except OSError:
        pass  # remembering scores for `grade list` is a convenience, never a failure


@click.command("exercises", hidden=True, cls=ImplicitCommand)
@click.argument("names", nargs=-1, metavar="[EXERCISE ...|all]")
@click.option("--submission", type=click.Path(path_type=Path), help="Folder with your <exercise>.py files, or your .ipynb notebook. [default: ./exercises]")
@click.option("--reference", is_flag=True, hidden=not ANSWER_KEY, help="Grade the reference solutions instead (a sanity check for instructors).")
@click.option("--json", "json_path", type=click.Path(dir_okay=False, path_type=Path), help="Also write the report as JSON to this file.")
@click.option("--fail-under", type=click.FloatRange(0, 100), help="Exit with status 1 if the total is below this percentage.")
@timeout_option
@memory_option
@click.option("-q", "--quiet", is_flag=True, help="Print only the total.")
@click.option("--gradescope", "gradescope_path", type=click.Path(dir_okay=False, path_type=Path), help="Also write Gradescope's results.json to this file.")
@click.option("--junit", "junit_path", type=click.Path(dir_okay=False, path_type=Path), help="Also write JUnit XML (points as properties) to this file.")
@click.option("--html", "html_path", type=click.Path(dir_okay=False, path_type=Path), help="Also write a self-contained HTML report to this file.")
@extra_graders_option
@click.option("--show-hidden", is_flag=True, help="Show hidden checks in full (for instructors).")
def grade_exercises(names, submission, reference, json_path, fail_under, timeout, memory_mib, quiet, gradescope_path, junit_path, html_path, extra_graders, show_hidden):
    """Grade EXERCISE ... (or all of them) and print a scored report."""
    exercises = resolve_exercises(names)
    if not reference and is_notebook(submission):
        with notebook_folder(submission) as folder:
            _grade(exercises, folder, reference, json_path, fail_under, timeout, memory_mib, quiet, gradescope_path,
                   junit_path, html_path, extra_graders, show_hidden, remembered_as=submission.resolve())
        return
    folder = submission_dir(submission, reference)
    _grade(exercises, folder, reference, json_path, fail_under, timeout, memory_mib, quiet, gradescope_path,
           junit_path, html_path, extra_graders, show_hidden)


@starts_engine
def _grade(exercises, folder, reference, json_path, fail_under, timeout, memory_mib, quiet, gradescope_path,
           junit_path, html_path, extra_graders, show_hidden, remembered_as=None):
    from rich.console import Console

    from autograde import formats
    from autograde.formats import terminal
    from autograde.grading import engine

    console = Console(stderr=True)
    from autograde.sandbox import bubblewrap

    if not bubblewrap.detect().separated:
        console.print("[yellow]warning:[/] your code runs as you, without a sandbox (install bubblewrap for one); see `grade doctor`.")
    options = engine.Options(timeout=timeout, memory_bytes=memory_mib << 20, extra_graders=extra_graders, fresh_inputs=True)
    with console.status("Starting...") as status:

        def progress(exercise: str, done: int, total: int) -> None:
            status.update(f"Grading {exercise}: {done}/{total} checks done")

        result = engine.grade(folder, exercises, options, progress=progress)

    shown = result if show_hidden else formats.student_view(result)
    if quiet:
        click.echo(f"{result.score:g}/{result.max_score:g} ({result.percent:.0f}%)")
    else:
        terminal.print_report(shown, Console())
    if json_path:
        formats.write_json(shown, json_path)
    if gradescope_path:
        formats.write_gradescope(result, gradescope_path)
    if junit_path:
        formats.write_junit(result, junit_path, show_hidden=show_hidden)
    if html_path:
        formats.write_html(result, html_path, show_hidden=show_hidden)
    if not reference:
        save_last_scores(remembered_as or folder, result)
    if fail_under is not None and result.percent < fail_under:
        raise BelowThreshold(f"Total {result.percent:.1f}% is below --fail-under {fail_under:g}%.")
