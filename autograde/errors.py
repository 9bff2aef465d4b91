"""The project's exceptions that end a command, each with its exit status.

Commands raise these; click prints the message and exits with ``exit_code``. The statuses are
the same for every subcommand (README, "Exit codes"):

  0  grading ran, whatever the score
  1  the total is below --fail-under (grade train: the student's code failed; grade release --check: OUT differs)
  2  usage error (click.UsageError): unknown exercise, missing folder, bad option
  3  grading itself failed (a broken grader suite or installation), not the submission
  4  refused: runners could not be separated from the grading user (see --allow-unsandboxed)
  130  interrupted (Ctrl-C); a batch resumes from its journal
"""

from __future__ import annotations

import click

EXIT_BELOW_THRESHOLD = 1
EXIT_USAGE = 2
EXIT_GRADING_FAILED = 3
EXIT_UNSEPARATED = 4
EXIT_INTERRUPTED = 130


class GraderBroken(click.ClickException):
    """Grading itself could not run (a broken grader suite, pytest failing): not a score of zero."""

    exit_code = EXIT_GRADING_FAILED


class Unseparated(click.ClickException):
    """An official mode (batch, Gradescope, CI) where a submission would run as the grading user."""

    exit_code = EXIT_UNSEPARATED


class BelowThreshold(click.ClickException):
    """The total is below ``--fail-under``."""

    exit_code = EXIT_BELOW_THRESHOLD


class ReleaseDiffers(click.ClickException):
    """``grade release OUT --check``: OUT is not what the course repository releases now."""

    exit_code = EXIT_BELOW_THRESHOLD


class YourCodeFailed(click.ClickException):
    """``grade train``: the submission raised, hung or is unfinished."""

    exit_code = EXIT_BELOW_THRESHOLD


class Interrupted(click.ClickException):
    """Ctrl-C; the message says what was kept."""

    exit_code = EXIT_INTERRUPTED


class BadSubmission(Exception):
    """A submission that cannot be graded as it is (not a zip, no exercise files, too large);
    the message says why, and becomes its gradebook status."""
