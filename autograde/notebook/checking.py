"""``check()`` in a notebook cell: grade what the notebook defines now, as ``grade`` would.

    from autograde.notebook import check
    check("rnn_step")        # one exercise (the course notebook has such a cell after each stub)
    check()                  # every exercise

**Where the code comes from.** By default, from the kernel's input history (IPython's
``In``): every cell run so far, in the order it ran, so the last definition of a name is the one
the kernel holds now, whether or not the notebook was saved. The .ipynb file is the weaker
source in a live kernel: it is only what Jupyter last saved (autosave runs every two minutes),
Colab keeps it outside the kernel's disk, and a kernel does not reliably know its notebook's
path (JupyterLab, classic Jupyter, VS Code and Colab all differ). ``check("rnn_step",
notebook="work.ipynb")`` reads a saved file instead (then ``exercise:<name>`` cell tags apply).
Either way the exercise's module is rebuilt by the rule graded submissions use
(``autograde/grading/notebook_intake.py``): imports and definitions only, no top-level calls.

**How it is graded.** Never in the kernel's process: the rebuilt modules are written as
``<exercise>.py`` files into a temporary folder, and ``python -m cli <exercise> --submission
DIR --json FILE`` grades them in a child process, with the same runners, limits and sandbox as
``grade``. The result shows as a compact HTML table in Jupyter (``_repr_html_``) and as the
terminal report elsewhere, with the same points, messages and hints.

**What it is worth.** The kernel is the student's own process, and this module runs in it: a
check here is a convenience for the student, not a grade (see SECURITY.md). Grades come from
``grade`` (``--submission work.ipynb``), ``grade batch``, ``grade gradescope`` or ``grade ci``
run by the course on the submitted notebook.
"""

from __future__ import annotations

import html
import io
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

HISTORY = "the cells this kernel has run"
WALL_SECONDS = 1800.0  # the whole child grading run; each call of the student's code has --timeout
PRACTICE = "A practice check run from your kernel, not your grade: the course grades the notebook you submit."


@dataclass
class CheckResult:
    """What ``check()`` found: the JSON report (student view), or why there is none."""

    exercises: list[str]
    report: dict | None = None
    error: str | None = None
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)
    code_hints: bool = False  # show each failure's code-level hint too (``check(..., hint=True)``)

    @property
    def score(self) -> float:
        return self.report["score"] if self.report else 0.0

    @property
    def max_score(self) -> float:
        return self.report["max_score"] if self.report else 0.0

    def text(self) -> str:
        """The terminal report, as plain text."""
        if self.report is None:
            return f"check({', '.join(map(repr, self.exercises))}) could not grade: {self.error}"
        from rich.console import Console

        from autograde import formats
        from autograde.formats import terminal

        buffer = io.StringIO()
        console = Console(
            file=buffer, width=100, color_system=None, highlight=False, force_terminal=False, force_jupyter=False, emoji=False
        )
        terminal.print_report(formats.from_json(self.report), console, code_hints=self.code_hints)
        text = "\n".join(line.rstrip() for line in buffer.getvalue().rstrip().splitlines())
        return text + f"\n({self.seconds:.1f} s. {PRACTICE})"

    def __repr__(self) -> str:
        return self.text()

    def _repr_html_(self) -> str:
        if self.report is None:
            return f'<div style="color:#b00020"><b>check could not grade:</b> <span style="white-space:pre-wrap">{html.escape(self.error or "")}</span></div>'
        return render_html(self.report, self.seconds, code_hints=self.code_hints)


# -- the HTML table ---------------------------------------------------------------------------------

_CELL = 'style="text-align:left;vertical-align:top;padding:2px 8px"'
_RIGHT = 'style="text-align:right;vertical-align:top;padding:2px 8px;white-space:nowrap"'


def _points(value: float) -> str:
    return f"{value:g}"


def _details(message: str, hint: str, code_hints: list[str] = ()) -> str:
    text = f'<div style="color:#b00020;white-space:pre-wrap">{html.escape(message)}</div>' if message else ""
    if hint:
        text += f'<div style="color:#00695c;white-space:pre-wrap"><b>Hint:</b> {html.escape(hint)}</div>'
    for code_hint in code_hints:
        text += f'<div style="color:#00695c;white-space:pre-wrap"><b>Code hint:</b> {html.escape(code_hint)}</div>'
    return text


def _explained(exercise: dict, code_hints: bool) -> dict[str, str]:
    """Each failed check's details, one diagnosis per cause: its first check says it, the others
    point there."""
    from autograde.formats import causes_of, title

    tests = {t["name"]: t for t in exercise["tests"]}
    explained = {}
    for cause in causes_of(exercise):
        first, *others = cause["checks"]
        explained[first] = _details(cause["message"], cause.get("hint", ""), cause.get("code_hints", []) if code_hints else [])
        for name in others:
            explained[name] = f'<div style="color:#b00020">same cause as “{html.escape(title(tests[first]))}”</div>'
    return explained


def render_html(report: dict, seconds: float = 0.0, *, code_hints: bool = False) -> str:
    """One table row per check (✓/✗, name, points), one diagnosis per cause; an exercise whose
    checks all failed for one reason says it once, as the terminal report does."""
    from autograde.formats import title

    rows = []
    for name, exercise in report["exercises"].items():
        complete = exercise["score"] == exercise["max_score"]
        colour = "#1b5e20" if complete else ("#b00020" if exercise["score"] == 0 else "#e65100")
        rows.append(
            f'<tr style="border-top:1px solid #ccc"><th colspan="2" {_CELL}><code>{html.escape(name)}</code></th>'
            f'<th {_RIGHT}><span style="color:{colour}">{_points(exercise["score"])}/{_points(exercise["max_score"])}</span></th></tr>'
        )
        tests = exercise["tests"]
        failed = [t for t in tests if t["status"] != "passed"]
        if len(failed) == len(tests) > 1 and len({t.get("message", "") for t in failed}) == 1:
            rows.append(
                f'<tr><td {_CELL}>✗</td><td {_CELL}>every check failed{_details(failed[0].get("message", ""), "")}</td>'
                f'<td {_RIGHT}>0/{_points(exercise["max_score"])}</td></tr>'
            )
        else:
            explained = _explained(exercise, code_hints)
            for test in tests:
                passed = test["status"] == "passed"
                label = title(test)
                extra = explained.get(test["name"], "")
                rows.append(
                    f'<tr><td {_CELL}>{"✓" if passed else "✗"}</td><td {_CELL}>{html.escape(label)}{extra}</td>'
                    f'<td {_RIGHT}>{_points(test["score"])}/{_points(test["max_score"])}</td></tr>'
                )
        printed = exercise.get("output", "").rstrip()
        if printed:
            rows.append(
                f'<tr><td></td><td colspan="2" {_CELL}><details><summary>Your code printed</summary>'
                f'<pre style="white-space:pre-wrap">{html.escape(printed[-2000:])}</pre></details></td></tr>'
            )
    total = f'{_points(report["score"])}/{_points(report["max_score"])}'
    return (
        '<div class="autograde-check"><table style="border-collapse:collapse;font-size:90%">'
        + "".join(rows)
        + f'<tr style="border-top:1px solid #ccc"><th colspan="2" {_CELL}>Total</th><th {_RIGHT}>{total}</th></tr>'
        + f'</table><div style="color:#666;font-size:80%">{seconds:.1f} s. {html.escape(PRACTICE)}</div></div>'
    )


# -- reading the notebook ----------------------------------------------------------------------------


def _cells(notebook: str | os.PathLike | None):
    """The code cells to grade and how messages name their source."""
    from autograde.grading import intake, notebook_intake

    if notebook is not None:
        path = Path(notebook)
        data = intake._read_regular_file(path, path.name, notebook_intake.MAX_NOTEBOOK_BYTES)
        return notebook_intake.read_cells(data, path.name), path.name
    try:
        from IPython import get_ipython
    except ImportError:
        get_ipython = None
    shell = get_ipython() if get_ipython is not None else None
    if shell is None or not isinstance(shell.user_ns.get("In"), list):
        raise RuntimeError(
            "check() grades the cells this Jupyter kernel has run: call it in a notebook, "
            "or name a saved notebook with check(..., notebook='work.ipynb')"
        )
    return notebook_intake.cells_from_history(list(shell.user_ns["In"])), HISTORY


def _command(exercises: list[str], folder: Path, report: Path, timeout: float | None) -> list[str]:
    command = [sys.executable, "-m", "cli", *(exercises or ["all"]), "--submission", str(folder), "--json", str(report), "--quiet"]
    if timeout is not None:
        command += ["--timeout", str(timeout)]
    return command


def in_notebook_terms(report: dict) -> dict:
    """The report with "fill in exercises/rnn_step.py" (what ``grade`` tells a folder's owner)
    said as "fill in the rnn_step cell of this notebook"."""
    for name, exercise in report.get("exercises", {}).items():
        for item in [*exercise.get("tests", []), *exercise.get("causes", [])]:
            if isinstance(item.get("message"), str):
                item["message"] = item["message"].replace(f"exercises/{name}.py", f"the {name} cell of this notebook")
    return report


def check(
    *exercises: str, notebook: str | os.PathLike | None = None, timeout: float | None = None, hint: bool = False
) -> CheckResult:
    """Grade ``exercises`` (every one if none is named) as this notebook defines them now.

    ``notebook``: a saved .ipynb to read instead of the kernel's history; ``timeout``: seconds
    each call of your code may take (``grade --timeout``); ``hint``: also show the code-level
    hint of each failure (``grade --hint``). Returns a CheckResult, which Jupyter shows as a table.
    """
    from autograde.errors import BadSubmission
    from autograde.grading import course, intake, notebook_intake

    try:
        names = course.resolve(list(exercises))
    except course.UnknownExercise as error:
        raise ValueError(str(error)) from None
    started = time.monotonic()
    try:
        cells, source_name = _cells(notebook)
    except BadSubmission as error:
        return CheckResult(names, error=str(error))
    modules = notebook_intake.modules(cells, names, source_name, note_redefinitions=source_name != HISTORY)
    root = Path(__file__).resolve().parents[2]  # where `autograde` and `cli` are importable from
    with tempfile.TemporaryDirectory(prefix="autograde-check-") as temporary:
        folder = intake.stage({name: m.code.encode("utf-8") for name, m in modules.items()}, Path(temporary) / "submission")
        report_path = Path(temporary) / "report.json"
        environment = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in (str(root), os.environ.get("PYTHONPATH")) if p))
        environment.pop("MPLBACKEND", None)  # the kernel's inline backend means nothing to the child
        try:
            done = subprocess.run(
                _command(list(exercises), folder, report_path, timeout), cwd=temporary, env=environment,
                stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=WALL_SECONDS,
            )
        except subprocess.TimeoutExpired:
            return CheckResult(names, error=f"grading took longer than {WALL_SECONDS:g} s", seconds=time.monotonic() - started)
        seconds = time.monotonic() - started
        if done.returncode not in (0, 1) or not report_path.is_file():
            why = (done.stderr or done.stdout).strip()[-3000:]
            return CheckResult(names, error=f"the grader stopped with status {done.returncode}: {why}", seconds=seconds)
        report = in_notebook_terms(json.loads(report_path.read_text(encoding="utf-8")))
    notes = [note for module in modules.values() for note in module.notes]
    return CheckResult(names, report=report, seconds=seconds, notes=notes, code_hints=hint)
