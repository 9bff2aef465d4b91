"""The ``grade`` command. It only translates: parse options, call the engine, show the report.

Exit codes (the same for every subcommand):
  0  grading ran (whatever the score)
  1  the score is below --fail-under (grade train: your code failed)
  2  usage error: unknown exercise, missing folder, bad option
  3  grading itself failed (a broken grader or installation), not the submission
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from autograde.limit_options import memory_option, timeout_option

EXIT_BELOW_THRESHOLD = 1
EXIT_GRADING_FAILED = 3
LAST_SCORES = Path(".grade") / "last-scores.json"


class GradingFailed(click.ClickException):
    exit_code = EXIT_GRADING_FAILED


class _ImplicitCommandContext(click.Context):
    @property
    def command_path(self) -> str:
        return self.parent.command_path if self.parent else super().command_path


class ImplicitCommand(click.Command):
    """A subcommand whose name is never typed: its usage reads as the group's own."""

    context_class = _ImplicitCommandContext


class ExerciseCommandGroup(click.Group):
    """``grade rnn_step`` and ``grade all`` are the grading command itself, not subcommands."""

    default_command = "exercises"

    def parse_args(self, ctx, args):
        if not args or (args[0] not in self.commands and args[0] not in ("--help", "-h", "--version")):
            args = [self.default_command, *args]
        return super().parse_args(ctx, args)

    def format_usage(self, ctx, formatter):
        formatter.write_usage("grade", "[EXERCISE ...|all] [OPTIONS]\n       grade COMMAND [ARGS]")


def _resolve_exercises(names: tuple[str, ...]) -> list[str]:
    from autograde import course

    try:
        return course.resolve(names)
    except course.UnknownExercise as error:
        raise click.UsageError(str(error)) from None


def _submission_dir(submission: Path | None, reference: bool) -> Path:
    if reference:
        from autograde import course

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


def _load_last_scores() -> dict:
    try:
        return json.loads(LAST_SCORES.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _save_last_scores(submission: Path, report) -> None:
    scores = _load_last_scores()
    mine = scores.setdefault(str(submission), {})
    for name, exercise in report.exercises.items():
        mine[name] = {"score": exercise.score, "max_score": exercise.max_score}
    try:
        LAST_SCORES.parent.mkdir(exist_ok=True)
        LAST_SCORES.write_text(json.dumps(scores, indent=1), encoding="utf-8")
    except OSError:
        pass  # remembering scores for `grade list` is a convenience, never a failure


@click.group(cls=ExerciseCommandGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="rnn-autograder", message="%(version)s")
def main():
    """Grade your solutions to the RNN and LSTM exercises.

    \b
      grade rnn_step            grade one exercise of ./exercises
      grade all                 grade every exercise (so does plain `grade`)
      grade list                the exercises, their points and your last scores
      grade all --reference     grade the instructors' solutions (should be full marks)
      grade train               train your CharLSTM with your train() and sample from it

    Run `grade rnn_step --help` for the grading options (--submission, --json, ...).
    Your code runs in a separate, time- and memory-limited process; the checks compare what it
    returns with the reference solution and with torch's own modules.

    \b
    Exit codes: 0 grading ran, 1 score below --fail-under, 2 usage error,
    3 grading itself failed.
    """


@main.command("exercises", hidden=True, cls=ImplicitCommand)
@click.argument("names", nargs=-1, metavar="[EXERCISE ...|all]")
@click.option("--submission", type=click.Path(path_type=Path), help="Folder with your <exercise>.py files. [default: ./exercises]")
@click.option("--reference", is_flag=True, help="Grade the reference solutions instead (a sanity check for instructors).")
@click.option("--json", "json_path", type=click.Path(dir_okay=False, path_type=Path), help="Also write the report as JSON to this file.")
@click.option("--fail-under", type=click.FloatRange(0, 100), help="Exit with status 1 if the total is below this percentage.")
@timeout_option
@memory_option
@click.option("-q", "--quiet", is_flag=True, help="Print only the total.")
@click.option("--gradescope", "gradescope_path", type=click.Path(dir_okay=False, path_type=Path), help="Also write Gradescope's results.json to this file.")
@click.option("--junit", "junit_path", type=click.Path(dir_okay=False, path_type=Path), help="Also write JUnit XML (points as properties) to this file.")
@click.option("--html", "html_path", type=click.Path(dir_okay=False, path_type=Path), help="Also write a self-contained HTML report to this file.")
@click.option("--extra-graders", type=click.Path(exists=True, file_okay=False, path_type=Path), help="Instructor-only grader suites (test_<exercise>.py); reports say only how many of them failed.")
@click.option("--show-hidden", is_flag=True, help="Show hidden checks in full (for instructors).")
def grade_exercises(names, submission, reference, json_path, fail_under, timeout, memory_mib, quiet, gradescope_path, junit_path, html_path, extra_graders, show_hidden):
    """Grade EXERCISE ... (or all of them) and print a scored report."""
    exercises = _resolve_exercises(names)
    folder = _submission_dir(submission, reference)
    from autograde import engine

    engine.start()  # before any grader is imported: runners are forked from what this holds now

    from rich.console import Console

    from autograde import report as reports

    console = Console(stderr=True)
    options = engine.Options(timeout=timeout, memory_bytes=memory_mib << 20, extra_graders=extra_graders)
    try:
        with console.status("Starting...") as status:

            def progress(exercise: str, done: int, total: int) -> None:
                status.update(f"Grading {exercise}: {done}/{total} checks done")

            result = engine.grade(folder, exercises, options, progress=progress)
    except engine.GradingError as error:
        raise GradingFailed(str(error)) from None

    from autograde import formats

    shown = result if show_hidden else formats.student_view(result)
    if quiet:
        click.echo(f"{result.score:g}/{result.max_score:g} ({result.percent:.0f}%)")
    else:
        reports.print_report(shown, Console())
    if json_path:
        reports.write_json(shown, json_path)
    if gradescope_path:
        formats.write_gradescope(result, gradescope_path)
    if junit_path:
        formats.write_junit(result, junit_path, show_hidden=show_hidden)
    if html_path:
        formats.write_html(result, html_path, show_hidden=show_hidden)
    if not reference:
        _save_last_scores(folder, result)
    if fail_under is not None and result.percent < fail_under:
        click.echo(f"Total {result.percent:.1f}% is below --fail-under {fail_under:g}%.", err=True)
        sys.exit(EXIT_BELOW_THRESHOLD)


@main.command("list")
@click.option("--submission", type=click.Path(path_type=Path), help="Show last scores for this folder. [default: ./exercises]")
def list_exercises(submission):
    """List the exercises, what each is worth, and your last score."""
    from autograde import engine

    engine.start()
    from rich.console import Console
    from rich.table import Table

    try:
        points = engine.plan(_resolve_exercises(()))
    except engine.GradingError as error:
        raise GradingFailed(str(error)) from None
    folder = (submission or Path("exercises")).resolve()
    last = _load_last_scores().get(str(folder), {})
    table = Table(title=f"Exercises (last scores for {folder})")
    table.add_column("exercise")
    table.add_column("points", justify="right")
    table.add_column("last score", justify="right")
    for name, worth in points.items():
        score = last.get(name)
        table.add_row(name, f"{worth:g}", "-" if score is None else f"{score['score']:g}/{score['max_score']:g}")
    table.add_row("total", f"{sum(points.values()):g}", "", style="bold")
    Console().print(table)


@main.command("doctor")
def doctor():
    """Show which protections grading has on this machine, and how to get the missing ones."""
    import os
    import platform

    from rich.console import Console
    from rich.table import Table

    from autograde import sandbox
    from autograde.containment import DEFAULT_MEMORY_BYTES, DEFAULT_TIMEOUT

    found = sandbox.detect()
    strong = found.mode == "sandbox"
    rows = [
        ("separate runner process per exercise, plain data only", True, ""),
        (f"wall-clock timeout per call ({DEFAULT_TIMEOUT:g} s), process group killed", True, ""),
        (f"memory cap ({DEFAULT_MEMORY_BYTES >> 20} MiB), output truncated, no stdin, scrubbed environment", True, ""),
        ("bubblewrap sandbox: course files, homes and /tmp invisible, host read-only", strong, found.bubblewrap or ""),
        ("own pid namespace: the checker is invisible, leftovers die with the sandbox", strong, ""),
        ("no network", found.network_isolated, "" if found.network_isolated else "needs bubblewrap, or root on Linux"),
        ("runner drops to its own unprivileged uid", found.runner_uid, "" if found.runner_uid else "needs bubblewrap and root"),
    ]
    table = Table(title=f"Grading protections on {platform.system()} ({'root' if os.geteuid() == 0 else 'user'}): mode {found.mode}")
    table.add_column("protection")
    table.add_column("active", justify="center")
    table.add_column("note")
    for name, active, note in rows:
        table.add_row(name, "[green]yes[/]" if active else "[red]no[/]", note)
    Console().print(table)
    if not strong:
        click.echo("See SECURITY.md for what the fallback mode leaves open.")


from autograde import batch, ci, gradescope, playground  # noqa: E402 - click and the standard library only

for _module in (batch, ci, gradescope, playground):
    _module.register(main)


if __name__ == "__main__":
    main()
