"""What every command shares: the limit and exercise options, and the rule that starts the engine.

``starts_engine`` is the one place that says "start the fork server before anything imports a
grader or a reference": runners are forked from what this process holds at that moment.
"""

from __future__ import annotations

import functools
from pathlib import Path

import click

from autograde.sandbox.protocol import DEFAULT_MEMORY_BYTES, DEFAULT_TIMEOUT

timeout_option = click.option(
    "--timeout", type=click.FloatRange(min=0.1), default=DEFAULT_TIMEOUT, show_default=True,
    help="Seconds each call of the submission's code may take.",
)
memory_option = click.option(
    "--memory", "memory_mib", type=click.IntRange(min=256), default=DEFAULT_MEMORY_BYTES >> 20, show_default=True,
    help="Memory limit of the process running the submission's code, in MiB.",
)
extra_graders_option = click.option(
    "--extra-graders", type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Folder of instructor-only grader suites (test_<exercise>.py); students see only how many of their checks failed.",
)
exercise_option = click.option(
    "-e", "--exercise", "exercise_names", multiple=True, metavar="EXERCISE",
    help="Grade only this exercise (repeatable). [default: all]",
)


allow_unsandboxed_option = click.option(
    "--allow-unsandboxed", is_flag=True,
    help="Grade even where runners cannot be separated from the grading user (no bubblewrap and not root): "
    "a submission could then change this machine's files, including results.",
)


def require_separation(allowed: bool) -> None:
    """Official grading refuses to let a submission run as the grading user, unless told to."""
    from autograde.errors import Unseparated
    from autograde.sandbox import bubblewrap

    found = bubblewrap.detect()
    if not found.separated and not allowed:
        raise Unseparated(
            f"runners cannot be separated from the grading user here (bubblewrap: {found.bubblewrap}; "
            f"own uid: {found.uid_note}). Install bubblewrap or run as root; or pass --allow-unsandboxed "
            "to grade anyway (see SECURITY.md). `grade doctor` shows what is missing."
        )


def resolve_exercises(names: tuple[str, ...]) -> list[str]:
    """The exercises asked for, in teaching order; an unknown name is a usage error (exit 2)."""
    from autograde.grading import course

    try:
        return course.resolve(names)
    except course.UnknownExercise as error:
        raise click.UsageError(str(error)) from None


def starts_engine(command):
    """Start the engine (the fork server, torch) before the command body imports anything else."""

    @functools.wraps(command)
    def started(*args, **kwargs):
        from autograde.grading import engine

        engine.start()
        return command(*args, **kwargs)

    return started
