"""``grade ci``: grade the submission in the working tree of a pull request, for GitHub Actions.

It prints the report, appends a markdown summary to ``$GITHUB_STEP_SUMMARY``, annotates the
student's files with ``::error file=...,line=...::`` for failed checks, writes JUnit XML with
``--junit`` and exits 1 below ``--fail-under``.

Everything a submission controls (what it printed, messages quoting its code) is printed
between ``::stop-commands::TOKEN`` and ``::TOKEN::`` with a fresh random token, so no line of
it can be read as a workflow command (``::set-output``, ``::error``, ``::add-mask``...): the
grading itself, then each exercise's report inside a ``::group::`` that is opened and closed
outside its block. Our own annotations come after, each message escaped so it stays on one
line: at most 10 ``::error`` lines (GitHub drops the rest), spread so that every failing
exercise has one before any has two, the ``--fail-under`` one always among them, and the score
as a ``::notice``.

Grading without the bubblewrap sandbox (``grade doctor``'s fallback mode) is said twice: a
``::warning`` annotation and a line at the top of the step summary, because a score from an
unsandboxed run says less about what the submission could do.
"""

from __future__ import annotations

import os
import re
import secrets
import sys
from pathlib import Path

import click

from autograde.formats import HIDDEN_CHECKS, causes_of, percent, points, student_view, title
from autograde.commands.options import (
    allow_unsandboxed_option, memory_option, require_separation, resolve_exercises, starts_engine, timeout_option,
)
from autograde.errors import EXIT_BELOW_THRESHOLD
from autograde.sandbox.protocol import DEFAULT_MEMORY_BYTES, DEFAULT_TIMEOUT

MAX_ANNOTATIONS = 10  # GitHub shows at most 10 error annotations per step


# -- workflow commands ------------------------------------------------------------------------


def escape_data(text: str) -> str:
    """A workflow command's message: one line, whatever it holds."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def stop_commands(token: str) -> str:
    return f"::stop-commands::{token}"


def resume_commands(token: str) -> str:
    return f"::{token}::"


def cause_heading(exercise: dict, cause: dict) -> tuple[str, str]:
    """A cause in two parts: the checks it cost, and their points ("every check failed", "0/7")."""
    checks = cause["checks"]
    if len(checks) == len(exercise["tests"]) > 1:
        return "every check failed", f"{points(exercise['score'])}/{points(exercise['max_score'])}"
    tests = {t["name"]: t for t in exercise["tests"]}
    if len(checks) == 1:
        return title(tests[checks[0]]), f"0/{points(tests[checks[0]]['max_score'])}"
    listed = "; ".join(title(tests[check]) for check in checks)
    return listed, f"{len(checks)} checks, {points(cause['points'])} points lost"


def _annotation_groups(report: dict, submission: Path, workspace: Path, notebook: Path | None = None) -> list[list[str]]:
    """Per failing exercise, in order, its ``::error`` lines (an exercise whose checks all failed
    for one reason, a stub, a missing file, an import error, has one line, not one per check)."""
    per_exercise = []
    for name, exercise in report["exercises"].items():
        failed = [t for t in exercise["tests"] if t["status"] != "passed"]
        if not failed:
            continue
        # A notebook's annotations are at the notebook, without a line (lines count in the rebuilt modules).
        student_file = Path(notebook) if notebook is not None else Path(submission) / f"{name}.py"
        path = Path(os.path.relpath(student_file.resolve(), Path(workspace).resolve())).as_posix()
        lines = []
        for cause in causes_of(exercise):
            message = cause["message"]
            if cause.get("hint"):
                message += f"\nHint: {cause['hint']}"
            properties = f"file={escape_property(path)}"
            line = cause.get("line")
            if isinstance(line, int) and notebook is None:
                properties += f",line={line}"
            what, cost = cause_heading(exercise, cause)
            properties += f",title={escape_property(f'{name}: {what} ({cost})')}"
            lines.append(f"::error {properties}::{escape_data(message)}")
        per_exercise.append(lines)
    return per_exercise


def error_annotations(
    report: dict, submission: Path, workspace: Path, *, budget: int = MAX_ANNOTATIONS, notebook: Path | None = None
) -> tuple[list[str], int]:
    """(``::error`` lines for failed checks, how many were left out), at most ``budget`` lines.

    GitHub drops every error annotation of a step after the tenth, so the lines are chosen
    round-robin: every failing exercise gets its first before any gets a second.
    """
    per_exercise = _annotation_groups(report, submission, workspace, notebook)
    chosen: list[tuple[int, int]] = []
    depth = 0
    while len(chosen) < budget and any(depth < len(lines) for lines in per_exercise):
        for index, lines in enumerate(per_exercise):
            if depth < len(lines) and len(chosen) < budget:
                chosen.append((index, depth))
        depth += 1
    kept = sorted(chosen)  # printed grouped by exercise, in the report's order
    left_out = sum(len(lines) for lines in per_exercise) - len(kept)
    return [per_exercise[i][d] for i, d in kept], left_out


def threshold_annotation(report: dict, fail_under: float) -> str:
    text = f"{percent(report):.1f}% is below --fail-under {fail_under:g}%"
    return f"::error title=score below the threshold::{escape_data(text)}"


def score_notice(report: dict, left_out: int) -> str:
    """The score as a ``::notice`` (notices have their own limit of 10, so this one always shows)."""
    text = f"{points(report['score'])}/{points(report['max_score'])} points ({percent(report):.1f}%)"
    if left_out:
        text += f"; {left_out} more failed {'check is' if left_out == 1 else 'checks are'} in the job summary and the log"
    return f"::notice title={escape_property('autograder score')}::{escape_data(text)}"


def sandbox_warning(report: dict) -> str | None:
    """Why the report's submission ran outside the sandbox, or None when it ran inside."""
    protections = report.get("protections") or {}
    if protections.get("mode") == "sandbox":
        return None
    why = protections.get("bubblewrap") or "no record of how it was contained"
    return (
        f"The submission was graded without the bubblewrap sandbox ({why}): only rlimits, a process group "
        "and timeouts contained it. Run the grader as root with bubblewrap installed (see the example workflow)."
    )


def warning_annotation(message: str) -> str:
    return f"::warning title={escape_property('graded without a sandbox')}::{escape_data(message)}"


# -- the step summary -------------------------------------------------------------------------


def _fenced(text: str) -> str:
    """A fenced code block that ``text`` cannot close, whatever backticks it holds."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}text\n{text}\n{fence}"


def summary_markdown(report: dict, *, fail_under: float | None = None) -> str:
    """The job summary: a table per exercise, then each failure with its message and hint.

    Text from the submission only ever appears inside fenced code blocks.
    """
    total = f"{points(report['score'])}/{points(report['max_score'])} ({percent(report):.0f}%)"
    verdict = ""
    if fail_under is not None:
        verdict = " — below" if percent(report) < fail_under else " — at or above"
        verdict += f" the required {fail_under:g}%"
    lines = [f"## Autograder: {total}{verdict}", ""]
    warning = sandbox_warning(report)
    if warning is not None:
        lines += [f"> ⚠️ {warning}", ""]
    lines += ["| exercise | score | failed checks |", "| --- | ---: | ---: |"]
    for name, exercise in report["exercises"].items():
        failed = sum(t["status"] != "passed" for t in exercise["tests"] if t["name"] != HIDDEN_CHECKS)
        hidden = next((t for t in exercise["tests"] if t["name"] == HIDDEN_CHECKS), None)
        if hidden is not None and hidden["status"] != "passed":
            failed_text = f"{failed} (+ hidden checks)"
        else:
            failed_text = str(failed)
        mark = "✅" if exercise["score"] == exercise["max_score"] else "❌"
        lines.append(f"| {mark} `{name}` | {points(exercise['score'])}/{points(exercise['max_score'])} | {failed_text} |")
    for name, exercise in report["exercises"].items():
        failed = [t for t in exercise["tests"] if t["status"] != "passed"]
        if not failed and not exercise.get("output", "").strip():
            continue
        lines += ["", f"### `{name}`"]
        for cause in causes_of(exercise):
            text = cause["message"]
            if cause.get("hint"):
                text += f"\nHint: {cause['hint']}"
            what, cost = cause_heading(exercise, cause)
            lines += ["", f"**✗ {what}** ({cost})", "", _fenced(text)]
        printed = exercise.get("output", "").rstrip()
        if printed:
            lines += ["", "<details><summary>What your code printed</summary>", "", _fenced(printed[-4000:]), "", "</details>"]
    return "\n".join(lines) + "\n"


# -- the command ------------------------------------------------------------------------------


@starts_engine
def run_ci(
    submission: Path,
    exercises: list[str],
    *,
    junit: Path | None = None,
    fail_under: float | None = None,
    summary: Path | None = None,
    workspace: Path | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    memory_bytes: int = DEFAULT_MEMORY_BYTES,
    out=None,
    notebook: Path | None = None,
) -> int:
    """Grade, print the wrapped report and the annotations, write the summary and JUnit; returns the exit status.

    ``notebook``: the .ipynb the modules in ``submission`` were rebuilt from (annotations point at it).
    """
    from autograde.grading import engine
    from autograde import formats

    out = out or sys.stdout
    token = secrets.token_hex(16)
    # Everything from here to the resume line is inert for the runner, including anything that
    # reaches this job's output while the submission runs.
    print(stop_commands(token), file=out, flush=True)
    try:
        report = engine.grade(submission, exercises, engine.Options(timeout=timeout, memory_bytes=memory_bytes))
        view = student_view(report.to_json())
    finally:
        print(resume_commands(token), file=out, flush=True)
    print_grouped_report(view, out)
    workspace = workspace or Path(os.environ.get("GITHUB_WORKSPACE") or Path.cwd())
    warning = sandbox_warning(view)
    if warning is not None:
        print(warning_annotation(warning), file=out)
    below = fail_under is not None and percent(view) < fail_under
    errors, left_out = error_annotations(view, submission, workspace, budget=MAX_ANNOTATIONS - below, notebook=notebook)
    for line in errors:
        print(line, file=out)
    summary = summary or (Path(os.environ["GITHUB_STEP_SUMMARY"]) if os.environ.get("GITHUB_STEP_SUMMARY") else None)
    if summary is not None:
        with open(summary, "a", encoding="utf-8") as stream:
            stream.write(summary_markdown(view, fail_under=fail_under))
    if junit is not None:
        formats.write_junit(view, junit, show_hidden=True)  # already the student view
    print(f"Total: {points(view['score'])}/{points(view['max_score'])} ({percent(view):.1f}%)", file=out)
    print(score_notice(view, left_out), file=out)
    if below:
        print(threshold_annotation(view, fail_under), file=out)
    out.flush()
    return EXIT_BELOW_THRESHOLD if below else 0


def print_grouped_report(view: dict, out) -> None:
    """The report, one collapsible ``::group::`` per exercise.

    A group line inside a stop-commands block would be inert, so each group is opened and
    closed outside, and only the exercise's own text (which quotes the submission) sits in a
    stop-commands block of its own, with a fresh token. Group titles are exercise names and
    points: ours, never the submission's.
    """
    from rich.console import Console

    from autograde import formats
    from autograde.formats import terminal as reports

    report = formats.from_json(view)
    console = Console(file=out, width=100, no_color=True)
    for exercise in report.exercises.values():
        heading = f"{exercise.name} {points(exercise.score)}/{points(exercise.max_score)}"
        print(f"::group::{escape_data(heading)}", file=out, flush=True)
        token = secrets.token_hex(16)
        print(stop_commands(token), file=out, flush=True)
        try:
            reports.print_one(exercise, console)
            out.flush()
        finally:
            print(resume_commands(token), file=out, flush=True)
            print("::endgroup::", file=out, flush=True)


@click.command("ci")
@click.argument("names", nargs=-1, metavar="[EXERCISE ...|all]")
@click.option("--submission", type=click.Path(exists=True, path_type=Path), default=Path("exercises"),
              show_default=True, help="The folder of the pull request's <exercise>.py files, or its .ipynb notebook.")
@click.option("--junit", type=click.Path(dir_okay=False, path_type=Path), help="Also write JUnit XML (points as properties).")
@click.option("--fail-under", type=click.FloatRange(0, 100), help="Exit with status 1 if the total is below this percentage.")
@click.option("--summary", type=click.Path(dir_okay=False, path_type=Path),
              help="Append the markdown summary here. [default: $GITHUB_STEP_SUMMARY when set]")
@timeout_option
@memory_option
@allow_unsandboxed_option
def command(names, submission, junit, fail_under, summary, timeout, memory_mib, allow_unsandboxed):
    """Grade a pull request's submission for GitHub Actions (summary, annotations, JUnit)."""
    from autograde.commands.grade import is_notebook, notebook_folder

    exercises = resolve_exercises(names)
    require_separation(allow_unsandboxed)
    options = dict(junit=junit, fail_under=fail_under, summary=summary, timeout=timeout, memory_bytes=memory_mib << 20)
    if is_notebook(submission):
        with notebook_folder(submission) as folder:
            status = run_ci(folder, exercises, notebook=submission.resolve(), **options)
    elif submission.is_dir():
        status = run_ci(submission.resolve(), exercises, **options)
    else:
        raise click.UsageError(f"--submission {str(submission)!r} is neither a folder nor a .ipynb notebook.")
    sys.exit(status)
