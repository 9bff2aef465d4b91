"""The report formats of the field, all built from the documented JSON report.

Every writer takes a ``GradeReport`` or its ``to_json()`` dict (what batch workers send back),
so single grading, batch grading, CI and the Gradescope mode share one representation.

Who reads what decides what it shows:

- students (terminal, ``--json``, ``--junit``, ``--html``, ``grade ci``): the *student view*,
  where the checks an instructor marked hidden (``visibility`` other than ``"visible"``) are
  folded into one line per exercise that says how many failed, never what they check;
- Gradescope (``--gradescope``, ``grade gradescope``, batch ``gradescope/``): every check, each
  with its visibility, because Gradescope itself decides what students see, plus one visible
  line per exercise with the count of failed hidden checks;
- instructors (batch ``reports/``, ``report.html``): everything.

Nothing here imports torch or the engine: the batch parent renders reports without either.
"""

from __future__ import annotations

import contextlib
import math
import os
import tempfile
from pathlib import Path

VISIBLE = "visible"
HIDDEN_CHECKS = "hidden_checks"


def as_json(report) -> dict:
    """The documented JSON report of ``report`` (a GradeReport or already a dict)."""
    return report if isinstance(report, dict) else report.to_json()


def points(value: float) -> str:
    return f"{value:g}"


def title_of(test_name: str) -> str:
    """A test's name as people read it, for checks that declare no ``title=``."""
    return test_name.removeprefix("test_").replace("_", " ")


def title(test: dict) -> str:
    """A check as people read it: its ``title`` (declared or derived from its name when graded),
    else derived from the name, for reports from before that field."""
    if test.get("title"):
        return test["title"]
    return "hidden checks" if test["name"] == HIDDEN_CHECKS else title_of(test["name"])


def causes_of(exercise: dict) -> list[dict]:
    """The exercise's causes (``grading.causes``): as recorded, else grouped from its checks."""
    from autograde.grading import causes

    recorded = exercise.get("causes")
    return recorded if isinstance(recorded, list) else causes.group(exercise.get("tests", []))


def percent(report: dict) -> float:
    return 100.0 * report["score"] / report["max_score"] if report.get("max_score") else 0.0


def is_visible(test: dict) -> bool:
    return test.get("visibility", VISIBLE) == VISIBLE


def hidden_summary(tests: list[dict]) -> dict | None:
    """One visible line standing for the hidden checks among ``tests`` (None if there are none)."""
    hidden = [t for t in tests if not is_visible(t)]
    if not hidden:
        return None
    failed = sum(t["status"] != "passed" for t in hidden)
    noun = "check" if len(hidden) == 1 else "checks"
    message = (
        f"{failed} of {len(hidden)} hidden {noun} failed. Your instructor keeps these checks private: "
        "their details are not shown."
        if failed
        else ""
    )
    return {
        "name": HIDDEN_CHECKS,
        "title": "hidden checks",
        "seconds": round(sum(finite(t.get("seconds")) for t in hidden), 3),
        "score": sum(t["score"] for t in hidden),
        "max_score": sum(t["max_score"] for t in hidden),
        "status": "failed" if failed else "passed",
        "message": message,
        "hint": "",
        "hidden_failed": failed,
        "hidden_total": len(hidden),
    }


def student_view(report):
    """``report`` with its hidden checks folded into one line per exercise (same type as given).

    Scores and totals are unchanged; names, messages and hints of hidden checks are gone.
    """
    from autograde.grading import causes

    data = as_json(report)
    exercises = {}
    for name, exercise in data["exercises"].items():
        tests = [t for t in exercise["tests"] if is_visible(t)]
        summary = hidden_summary(exercise["tests"])
        if summary is not None:
            tests.append(summary)
        exercises[name] = dict(exercise, tests=tests, causes=causes.group(tests))
    view = dict(data, exercises=exercises)
    return view if isinstance(report, dict) else from_json(view)


def from_json(data: dict):
    """A GradeReport from its JSON form (for renderers that take one, like ``report.print_report``)."""
    from autograde.grading.scoring import ExerciseResult, GradeReport, TestResult

    return GradeReport(
        {
            name: ExerciseResult(
                name,
                [
                    TestResult(
                        name=t["name"], score=t["score"], max_score=t["max_score"], status=t["status"],
                        message=t.get("message", ""), hint=t.get("hint", ""), visibility=t.get("visibility", VISIBLE),
                        mistake=t.get("mistake"), mistake_name=t.get("mistake_name"), line=t.get("line"),
                        kind=t.get("kind"), seconds=finite(t.get("seconds")), measurements=list(t.get("measurements") or []),
                        code_hint=t.get("code_hint", ""), title=title(t), error_type=t.get("error_type"),
                        follows_values=t.get("follows_values") is True,
                    )
                    for t in exercise["tests"]
                ],
                output=exercise.get("output", ""),
            )
            for name, exercise in data["exercises"].items()
        },
        protections=data.get("protections"),
    )


def clean_text(text) -> str:
    """Text that survives any strict encoder: no lone surrogates, always a str."""
    return str(text).encode("utf-8", "replace").decode("utf-8")


def finite(value, default: float = 0.0) -> float:
    try:
        value = float(value)
    except (TypeError, ValueError):
        return default
    return value if math.isfinite(value) else default


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def write_atomically(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` in one step: a reader never sees half a file.

    The file gets the permissions ``open()`` would give it (0o666 less the umask): ``mkstemp``
    creates 0600, which would hide every report from the teaching assistants sharing a server.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        os.fchmod(fd, 0o666 & ~_umask())
        with os.fdopen(fd, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


# -- one line each for the CLI ------------------------------------------------------------------


def write_gradescope(report, path: Path, *, execution_time: float | None = None) -> None:
    from autograde.formats import gradescope

    gradescope.write(gradescope.results(as_json(report), execution_time=execution_time), path)


def write_junit(report, path: Path, *, show_hidden: bool = False) -> None:
    from autograde.formats import junit

    data = as_json(report) if show_hidden else student_view(as_json(report))
    write_atomically(path, junit.render(data))


def write_html(report, path: Path, *, show_hidden: bool = False, heading: str = "Grading report") -> None:
    from autograde.formats import html

    data = as_json(report) if show_hidden else student_view(as_json(report))
    write_atomically(path, html.render_submission(data, heading=heading))


def write_json(report, path: Path) -> None:
    """The documented JSON report (README, "The JSON report")."""
    import json

    write_atomically(Path(path), json.dumps(as_json(report), indent=2) + "\n")
