"""What a person sees of a score in a terminal (rich).

Student text (messages quoting their code, what their code printed) is always rendered as
plain ``Text``, never as rich markup, so a submission cannot restyle or forge the report.
"""

from __future__ import annotations

from rich.console import Console, Group
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from autograde.grading.scoring import ExerciseResult, GradeReport

PASS, FAIL = "✓", "✗"


def _points(value: float) -> str:
    return f"{value:g}"


def _exercise_header(exercise: ExerciseResult) -> Text:
    complete = exercise.score == exercise.max_score
    style = "bold green" if complete else ("bold red" if exercise.score == 0 else "bold yellow")
    header = Text(exercise.name, style="bold")
    header.append(f"  {_points(exercise.score)}/{_points(exercise.max_score)}", style=style)
    return header


def _failure_details(message: str, hint: str) -> Padding:
    lines = Text(message, style="red")
    if hint:
        lines.append("\nHint: ", style="bold cyan")
        lines.append(hint, style="cyan")
    return Padding(lines, (0, 0, 0, 4))


def render_exercise(exercise: ExerciseResult) -> Group:
    parts = [_exercise_header(exercise)]
    failed = [t for t in exercise.tests if t.status != "passed"]
    shared = {t.message for t in failed}
    if exercise.tests and len(failed) == len(exercise.tests) and len(shared) == 1 and len(failed) > 1:
        # A stub, a missing file or an import error fails every check the same way: say it once.
        parts.append(Padding(Text(f"{FAIL} every check failed:", style="red"), (0, 0, 0, 2)))
        parts.append(_failure_details(failed[0].message, ""))
    else:
        table = Table.grid(padding=(0, 1))
        table.add_column(width=1)
        table.add_column(ratio=1)
        table.add_column(justify="right")
        for test in exercise.tests:
            passed = test.status == "passed"
            table.add_row(
                Text(PASS if passed else FAIL, style="green" if passed else "red"),
                Text(test.title),
                Text(f"{_points(test.score)}/{_points(test.max_score)}", style="dim" if passed else "red"),
            )
        parts.append(Padding(table, (0, 0, 0, 2)))
        for test in failed:
            parts.append(Padding(Text(f"{FAIL} {test.title}", style="bold red"), (0, 0, 0, 2)))
            parts.append(_failure_details(test.message, test.hint))
    if exercise.output.strip():
        parts.append(Padding(Text("Your code printed:", style="dim"), (0, 0, 0, 2)))
        parts.append(Padding(Text(exercise.output.rstrip()[-2000:], style="dim"), (0, 0, 0, 4)))
    return Group(*parts)


def print_report(report: GradeReport, console: Console | None = None) -> None:
    console = console or Console()
    for exercise in report.exercises.values():
        console.print(render_exercise(exercise))
        console.print()
    total = Text("Total: ", style="bold")
    total.append(f"{_points(report.score)}/{_points(report.max_score)} ({report.percent:.0f}%)", style="bold")
    console.print(total)
