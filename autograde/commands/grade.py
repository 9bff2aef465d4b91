"""``grade [EXERCISE ...|all]``: grade a student's own submission and print a scored report."""

from __future__ import annotations

import contextlib
import tempfile
from dataclasses import dataclass
from pathlib import Path

import click

from autograde.commands import ANSWER_KEY, ImplicitCommand
from autograde.commands.options import (
    extra_graders_option, memory_option, resolve_exercises, starts_engine, timeout_option,
)
from autograde.errors import BelowThreshold

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


@click.command("exercises", hidden=True, cls=ImplicitCommand)
@click.argument("names", nargs=-1, metavar="[EXERCISE ...|all]")
@click.option("--submission", type=click.Path(path_type=Path), help="Folder with your <exercise>.py files, or your .ipynb notebook. [default: ./exercises]")
@click.option("--reference", is_flag=True, hidden=not ANSWER_KEY, help="Grade the reference solutions instead (a sanity check for instructors).")
@click.option("-k", "keyword", metavar="PATTERN", help="Run only the checks matching PATTERN, as pytest -k does (\"float64\", \"gradients and not reach\").")
@click.option("--failed", is_flag=True, help="Run only the checks that failed last time (remembered in .grade/).")
@click.option("--watch", is_flag=True, help="Grade again each time you save an exercise's file; Ctrl-C stops.")
@click.option("--hint", "code_hints", is_flag=True, help="Also show the code-level hint of each failure.")
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
def grade_exercises(names, submission, reference, keyword, failed, watch, code_hints, json_path, fail_under, timeout,
                    memory_mib, quiet, gradescope_path, junit_path, html_path, extra_graders, show_hidden):
    """Grade EXERCISE ... (or all of them) and print a scored report."""
    if watch and fail_under is not None:
        raise click.UsageError("--watch grades until Ctrl-C, so --fail-under has no total to apply to.")
    if failed and reference:
        raise click.UsageError("--failed re-runs your own failed checks; the reference's are not remembered.")
    notebook = None if reference or not is_notebook(submission) else submission
    round_ = Round(
        exercises=resolve_exercises(names),
        folder=None if notebook else submission_dir(submission, reference),
        notebook=notebook,
        reference=reference,
        keyword=keyword,
        failed=failed,
        code_hints=code_hints,
        outputs=Outputs(json_path, gradescope_path, junit_path, html_path, quiet, show_hidden),
        timeout=timeout,
        memory_mib=memory_mib,
        extra_graders=extra_graders,
    )
    if watch:
        watch_and_grade(round_)
        return
    result = grade_round(round_)
    if result is not None and fail_under is not None and result.percent < fail_under:
        raise BelowThreshold(f"Total {result.percent:.1f}% is below --fail-under {fail_under:g}%.")


@dataclass(frozen=True)
class Outputs:
    json_path: Path | None
    gradescope_path: Path | None
    junit_path: Path | None
    html_path: Path | None
    quiet: bool
    show_hidden: bool


@dataclass(frozen=True)
class Round:
    """One grading of the command's exercises, as asked for on its command line."""

    exercises: list[str]
    folder: Path | None  # the submission folder; None when it is a notebook, rebuilt each round
    notebook: Path | None
    reference: bool
    keyword: str | None
    failed: bool
    code_hints: bool
    outputs: Outputs
    timeout: float
    memory_mib: int
    extra_graders: Path | None

    @property
    def remembered_as(self) -> Path:
        return (self.notebook or self.folder).resolve()

    @property
    def watched(self) -> Path:
        return self.notebook.resolve() if self.notebook else self.folder

    def only(self, exercises: list[str]) -> tuple[list[str], frozenset | None]:
        """The exercises to grade and the checks to run (None: all), ``--failed`` applied."""
        if not self.failed:
            return exercises, None
        from autograde.commands import last_run

        failed = last_run.failed_last_time(self.remembered_as, exercises)
        if failed is None:
            raise click.UsageError("--failed: nothing was graded here yet for this submission; run grade without it first.")
        chosen = [name for name in exercises if name in failed]
        return chosen, frozenset((name, check) for name in chosen for check in failed[name])


@contextlib.contextmanager
def staged(round_: Round):
    """The folder to grade: the submission's, or one rebuilt from the notebook as it is now."""
    if round_.notebook is None:
        yield round_.folder
    else:
        with notebook_folder(round_.notebook) as folder:
            yield folder


@starts_engine
def grade_round(round_: Round, exercises: list[str] | None = None):
    """Grade ``exercises`` (default: the round's), print and write the report; returns it, or
    None when ``--failed`` found nothing to re-run."""
    from rich.console import Console

    from autograde import formats
    from autograde.commands import last_run
    from autograde.grading import engine
    from autograde.sandbox import bubblewrap

    exercises, only = round_.only(exercises or round_.exercises)
    if not exercises:
        click.echo("Nothing failed last time: every check of these exercises passed. Run grade without --failed to grade them all.")
        return None
    console = Console(stderr=True)
    if not bubblewrap.detect().separated:
        console.print("[yellow]warning:[/] your code runs as you, without a sandbox (install bubblewrap for one); see `grade doctor`.")
    options = engine.Options(timeout=round_.timeout, memory_bytes=round_.memory_mib << 20,
                             extra_graders=round_.extra_graders, keyword=round_.keyword, only=only,
                             fresh_inputs=True)
    with staged(round_) as folder, console.status("Starting...") as status:

        def progress(exercise: str, done: int, total: int) -> None:
            status.update(f"Grading {exercise}: {done}/{total} checks done")

        result = engine.grade(folder, exercises, options, progress=progress)
    if options.selects:
        result.exercises = {name: exercise for name, exercise in result.exercises.items() if exercise.tests}
        if not result.exercises and round_.keyword is not None:
            raise click.UsageError(f"no check of {', '.join(exercises)} matches -k {round_.keyword!r}.")
        if not result.exercises:
            raise click.UsageError("none of the checks that failed last time exists any more: run grade without --failed.")
    shown = result if round_.outputs.show_hidden else formats.student_view(result)
    write_outputs(result, shown, round_.outputs, round_.code_hints)
    if not round_.reference:
        last_run.remember(round_.remembered_as, formats.student_view(result.to_json()), complete=not options.selects)
    return result


def write_outputs(result, shown, outputs: Outputs, code_hints: bool) -> None:
    from rich.console import Console

    from autograde import formats
    from autograde.formats import terminal

    if outputs.quiet:
        click.echo(f"{result.score:g}/{result.max_score:g} ({result.percent:.0f}%)")
    else:
        terminal.print_report(shown, Console(), code_hints=code_hints)
    if outputs.json_path:
        formats.write_json(shown, outputs.json_path)
    if outputs.gradescope_path:
        formats.write_gradescope(result, outputs.gradescope_path)
    if outputs.junit_path:
        formats.write_junit(result, outputs.junit_path, show_hidden=outputs.show_hidden)
    if outputs.html_path:
        formats.write_html(result, outputs.html_path, show_hidden=outputs.show_hidden)


def watch_and_grade(round_: Round) -> None:
    """Grade, then grade again each exercise whose file is saved (the whole notebook's when it
    is a notebook), until Ctrl-C. watchfiles waits on the system's file events, not a poll."""
    import logging

    from watchfiles import watch

    logging.getLogger("watchfiles").setLevel(logging.ERROR)  # its own note on Ctrl-C: we say "Stopped watching."
    files = {f"{name}.py": name for name in round_.exercises}

    def wanted(change, path: str) -> bool:
        return Path(path).resolve() == round_.watched if round_.notebook else Path(path).name in files

    waiting = f"Watching {round_.watched} for changes (Ctrl-C to stop)..."
    folder = round_.watched.parent if round_.notebook else round_.watched

    def grade_and_wait(exercises: list[str]) -> None:
        try:
            grade_round(round_, exercises)
        except click.ClickException as error:  # a notebook saved half-written, say: the next save may mend it
            error.show()
        click.echo(waiting, err=True)

    try:
        grade_and_wait(round_.exercises)
        # One watcher for the whole session: a file saved while grading runs is seen next.
        for changes in watch(folder, watch_filter=wanted, raise_interrupt=False):
            grade_and_wait(round_.exercises if round_.notebook else sorted(
                {files[Path(path).name] for _, path in changes}, key=round_.exercises.index))
    except KeyboardInterrupt:
        pass  # Ctrl-C while grading: the watch ends as cleanly as while waiting
    click.echo("Stopped watching.", err=True)
