"""What a person sees of a score in a terminal (rich).

Short where nothing needs saying: an exercise at full marks, or still the stub, is one line. An
exercise with failures lists its checks, then one block per cause (``grading.causes``): the
diagnosis once, with the checks it cost. Point columns line up across the whole report. A
terminal wraps long lines with a hanging indent; piped output is neither wrapped nor padded, so
a log or ``grep`` sees each message on one line. The report ends with the next step to take.

Student text (messages quoting their code, what their code printed) is always rendered as
plain ``Text``, never as rich markup, so a submission cannot restyle or forge the report.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.console import Console
from rich.text import Text

from autograde.grading.scoring import ExerciseResult, GradeReport

PASS, FAIL = "✓", "✗"
MIN_TITLE_WIDTH = 24  # in a narrow terminal, titles wrap rather than squeeze below this
MAX_PRINTED = 2000  # characters of what the code printed shown under an exercise


def _points(value: float) -> str:
    return f"{value:g}"


def _fraction(score: float, max_score: float) -> str:
    return f"{_points(score)}/{_points(max_score)}"


@dataclass(frozen=True)
class Columns:
    """Widths shared by every exercise of a report, so its point columns line up."""

    name: int
    score: int
    title: int
    points: int

    @classmethod
    def of(cls, report: GradeReport) -> Columns:
        exercises = list(report.exercises.values())
        tests = [t for e in exercises for t in e.tests]
        return cls(
            name=max((len(e.name) for e in exercises), default=0),
            score=max((len(_fraction(e.score, e.max_score)) for e in exercises), default=0),
            title=max((len(t.title) for t in tests), default=0),
            points=max((len(_fraction(t.score, t.max_score)) for t in tests), default=0),
        )


def _emit(console: Console, text: Text, indent: int = 0, hanging: int = 0) -> None:
    """Print ``text`` at ``indent``; in a terminal, wrapped lines continue ``hanging`` further in."""
    if console.is_terminal:
        lines = text.wrap(console, max(console.width - indent - hanging, 20))
    else:
        lines = text.split("\n", allow_blank=True)
    for number, line in enumerate(lines):
        line.rstrip()  # a wrap leaves the space it broke at
        console.print(Text(" " * (indent + (hanging if number else 0))) + line, soft_wrap=True)


def not_started(exercise: ExerciseResult) -> bool:
    """Still the stub: every check failed because the code raised NotImplementedError."""
    return bool(exercise.tests) and all(t.status != "passed" and t.kind == "not_implemented" for t in exercise.tests)


def _header(exercise: ExerciseResult, columns: Columns) -> Text:
    complete = exercise.score == exercise.max_score
    style = "bold green" if complete else ("bold red" if exercise.score == 0 else "bold yellow")
    header = Text(exercise.name.ljust(columns.name), style="bold")
    header.append(f"  {_fraction(exercise.score, exercise.max_score).rjust(columns.score)}", style=style)
    return header


def _check_rows(console: Console, exercise: ExerciseResult, columns: Columns) -> None:
    room = console.width - 4 - 2 - columns.points if console.is_terminal else columns.title
    width = min(columns.title, max(room, MIN_TITLE_WIDTH))
    for test in exercise.tests:
        passed = test.status == "passed"
        title = Text(test.title).wrap(console, width) if console.is_terminal else [Text(test.title)]
        for piece in title:
            piece.rstrip()
        first, *rest = title
        row = Text("  ")
        row.append(PASS if passed else FAIL, style="green" if passed else "red")
        row.append(" ")
        row.append_text(first)
        row.append(" " * (width - first.cell_len + 2))
        row.append(_fraction(test.score, test.max_score).rjust(columns.points), style="dim" if passed else "red")
        console.print(row, soft_wrap=True)
        for piece in rest:
            console.print(Text("    ") + piece, soft_wrap=True)


def _cause(console: Console, exercise: ExerciseResult, cause: dict, code_hints: bool) -> bool:
    """One cause's block; returns whether it had a code-level hint left unshown."""
    titles = {t.name: t.title for t in exercise.tests}
    checks = cause["checks"]
    if len(checks) == len(exercise.tests) > 1:
        heading = "every check failed"
    else:
        heading = "; ".join(titles.get(name, name) for name in checks)
        if len(checks) > 1:
            heading += f" ({len(checks)} checks)"
    _emit(console, Text(f"{FAIL} {heading}", style="bold red"), indent=2, hanging=2)
    _emit(console, Text(cause["message"], style="red"), indent=4)
    if cause.get("hint"):
        _emit(console, Text.assemble(("Hint: ", "bold cyan"), (cause["hint"], "cyan")), indent=4, hanging=6)
    if code_hints:
        for code_hint in cause.get("code_hints", []):
            _emit(console, Text.assemble(("Code hint: ", "bold cyan"), (code_hint, "cyan")), indent=4, hanging=11)
    return bool(cause.get("code_hints")) and not code_hints


def one_line(exercise: ExerciseResult, columns: Columns) -> Text | None:
    """The whole report of an exercise at full marks or still the stub; None for the others."""
    header = _header(exercise, columns)
    if exercise.tests and exercise.score == exercise.max_score:
        header.append(f"  {PASS} all {len(exercise.tests)} checks passed", style="green")
        return header
    if not_started(exercise):
        header.append(f"  {FAIL} not implemented yet: every check raised NotImplementedError", style="red")
        return header
    return None


def _print_block(exercise: ExerciseResult, console: Console, columns: Columns, code_hints: bool = False) -> bool:
    """Print the block of an exercise with failures; returns whether a code-level hint was left unshown."""
    console.print(_header(exercise, columns), soft_wrap=True)
    causes = exercise.causes()
    if not (len(causes) == 1 and len(causes[0]["checks"]) == len(exercise.tests)):
        _check_rows(console, exercise, columns)  # one cause that cost every check says all there is
    unshown = False
    for cause in causes:
        unshown |= _cause(console, exercise, cause, code_hints)
    if exercise.output.strip():
        _emit(console, Text("Your code printed:", style="dim"), indent=2)
        _emit(console, Text(exercise.output.rstrip()[-MAX_PRINTED:], style="dim"), indent=4)
    return unshown


def print_one(exercise: ExerciseResult, console: Console, columns: Columns | None = None, code_hints: bool = False) -> bool:
    """One exercise's report, a line or a block; returns whether a code-level hint was left unshown."""
    columns = columns or Columns.of(GradeReport({exercise.name: exercise}))
    line = one_line(exercise, columns)
    if line is not None:
        console.print(line, soft_wrap=True)
        return False
    return _print_block(exercise, console, columns, code_hints)


def next_step(report: GradeReport) -> str:
    """The closing advice: the first exercise to fix (with its number of causes), then the first
    to start."""
    exercises = list(report.exercises.values())
    to_fix = [e for e in exercises if e.score < e.max_score and not not_started(e)]
    to_start = [e for e in exercises if not_started(e)]
    steps = []
    if to_fix:
        count = len(to_fix[0].causes())
        steps.append(f"fix {to_fix[0].name} ({count} {'cause' if count == 1 else 'causes'})")
    if to_start:
        steps.append(f"start {to_start[0].name}")
    return "next: " + ", then ".join(steps) if steps else "every check passed"


def print_report(report: GradeReport, console: Console | None = None, *, code_hints: bool = False) -> None:
    """The report; ``code_hints`` shows each cause's code-level hint (``grade --hint``)."""
    console = console or Console()
    columns = Columns.of(report)
    unshown = after_block = False
    for number, exercise in enumerate(report.exercises.values()):
        line = one_line(exercise, columns)
        if line is None and number and not after_block:
            console.print()
        unshown |= print_one(exercise, console, columns, code_hints)
        after_block = line is None
        if after_block:
            console.print()
    if report.exercises and not after_block:
        console.print()
    total = Text("Total: ", style="bold")
    total.append(f"{_fraction(report.score, report.max_score)} ({report.percent:.0f}%)", style="bold")
    console.print(total, soft_wrap=True)
    console.print(Text(next_step(report), style="bold"), soft_wrap=True)
    if unshown:
        console.print(Text("(--hint shows code-level hints)", style="dim"), soft_wrap=True)
