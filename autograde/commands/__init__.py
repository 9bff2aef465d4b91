"""The ``grade`` command: one module per subcommand, each only translating options into a call
of the engine. Exit statuses are in ``autograde.errors``."""

from __future__ import annotations

import importlib.util

import click

ANSWER_KEY = importlib.util.find_spec("reference") is not None
"""Whether this is the course repository, with its reference solutions, or the students' release
(``grade release``): there, nothing offers to grade the reference or to build a release."""


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


@click.group(cls=ExerciseCommandGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="rnn-autograder", message="%(version)s")
def main():
    """Grade your solutions to the RNN and LSTM exercises.

    \b
      grade rnn_step            grade one exercise of ./exercises
      grade all                 grade every exercise (so does plain `grade`)
      grade list                the exercises, their points and your last scores
      grade all --reference     grade the instructors' solutions (should be full marks)
      grade release OUT         write the students' repository, without the solutions
      grade train               train your CharLSTM with your train() and sample from it
      grade rnn_step --hint     also show the code-level hint of each failure
      grade rnn_step -k float64 run only the checks whose names match (pytest's -k)
      grade --failed            run only the checks that failed last time
      grade rnn_step --watch    grade again each time you save exercises/rnn_step.py

    Run `grade rnn_step --help` for the grading options (--submission, --json, ...).
    Your code runs in a separate, time- and memory-limited process; the checks compare what it
    returns with the reference solution and with torch's own modules.

    \b
    Exit codes: 0 grading ran, 1 score below --fail-under, 2 usage error,
    3 grading itself failed, 130 interrupted.
    """


def _register() -> None:
    # click and the standard library only: each command imports the engine when it runs.
    from autograde.commands import batch, ci, doctor, export, grade, gradescope, list_exercises, train

    main.add_command(grade.grade_exercises)
    for module in (list_exercises, doctor, batch, export, ci, gradescope, train):
        main.add_command(module.command)
    if ANSWER_KEY:
        from autograde.commands import release

        main.add_command(release.command)
    else:
        main.help = "\n".join(line for line in main.help.splitlines() if "--reference" not in line and "grade release" not in line)


_register()
