"""Scores from structured results: pytest-json-report's outcomes and the points planned at collection.

Nothing a runner prints is read here. A test that was planned but has no outcome (it never
ran) scores zero, and so does every outcome other than "passed".

This is also where student text enters a report: every message and printed output goes through
``student_text`` here, once, so every format (terminal, JSON, JUnit, HTML, CI, Gradescope, the
batch's files) shows it with controls made visible and within the report's size limits.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from autograde.formats import title_of
from autograde.grading import causes, student_text
from autograde.grading.plugin import PlannedTest


@dataclass
class TestResult:
    name: str
    score: float
    max_score: float
    status: str  # "passed" | "failed" | "error" (the grader's own fault)
    message: str = ""
    hint: str = ""
    visibility: str = "visible"  # "visible" | "hidden" | "after_due_date" | "after_published"
    mistake: str | None = None  # the id of the catalogued mistake the message names
    mistake_name: str | None = None  # that mistake in words ("the tanh is missing")
    line: int | None = None  # the line of the student's file the failure points at
    kind: str | None = None  # why it failed: one of plugin.KINDS (None when it passed)
    seconds: float = 0.0  # how long the check ran: setup, call and teardown
    measurements: list[dict] = field(default_factory=list)  # {"name", "value", "order"} the checker measured
    code_hint: str = ""  # the code-level hint, shown only on request
    title: str = ""  # as people read it: the declared title, else derived from the name
    error_type: str | None = None  # the exception's type, when the submission's code raised one
    follows_values: bool = False  # failed only because values another check judges are wrong

    def __post_init__(self):
        self.title = self.title or title_of(self.name)


@dataclass
class ExerciseResult:
    name: str
    tests: list[TestResult] = field(default_factory=list)
    output: str = ""
    seconds: float = 0.0  # pytest's setup + call + teardown of its checks: the runner's start and the grading

    @property
    def score(self) -> float:
        return sum(t.score for t in self.tests)

    @property
    def max_score(self) -> float:
        return sum(t.max_score for t in self.tests)

    def causes(self) -> list[dict]:
        """Its failed checks grouped by cause (``grading.causes``), as the JSON report lists them."""
        return causes.group([_test_json(t) for t in self.tests])


@dataclass
class GradeReport:
    exercises: dict[str, ExerciseResult]
    protections: dict | None = None  # how the runners were contained (sandbox.Protections.to_json())

    @property
    def score(self) -> float:
        return sum(e.score for e in self.exercises.values())

    @property
    def max_score(self) -> float:
        return sum(e.max_score for e in self.exercises.values())

    @property
    def percent(self) -> float:
        return 100.0 * self.score / self.max_score if self.max_score else 0.0

    def to_json(self) -> dict:
        """The documented JSON report (README, "The JSON report"); later fields only ever add."""
        return {
            "score": self.score,
            "max_score": self.max_score,
            "exercises": {
                name: {
                    "score": exercise.score,
                    "max_score": exercise.max_score,
                    "tests": [_test_json(t) for t in exercise.tests],
                    "causes": exercise.causes(),
                    "output": exercise.output,
                    "seconds": round(exercise.seconds, 3),
                }
                for name, exercise in self.exercises.items()
            },
            **({"protections": self.protections} if self.protections else {}),
        }


def _test_json(t: TestResult) -> dict:
    failed = t.status != "passed"
    return {
        "name": t.name,
        "title": t.title,
        "score": t.score,
        "max_score": t.max_score,
        "status": "failed" if failed else "passed",
        "message": t.message,
        "hint": t.hint if failed else "",
        "code_hint": t.code_hint if failed else "",
        **({"visibility": t.visibility} if t.visibility != "visible" else {}),
        **({"mistake": t.mistake, "mistake_name": t.mistake_name} if t.mistake else {}),
        **({"line": t.line} if t.line is not None else {}),
        **({"kind": t.kind} if t.kind and failed else {}),
        **({"error_type": t.error_type} if t.error_type and failed else {}),
        **({"follows_values": True} if t.follows_values and failed else {}),
        "seconds": round(t.seconds, 3),
        **({"measurements": t.measurements} if t.measurements else {}),
    }


def _seconds(outcome: dict | None) -> float:
    """The test's run time: pytest-json-report's duration of each phase, added up."""
    total = 0.0
    for phase in ("setup", "call", "teardown"):
        duration = ((outcome or {}).get(phase) or {}).get("duration")
        if isinstance(duration, (int, float)) and not isinstance(duration, bool) and duration >= 0:
            total += float(duration)
    return total


def _measurements(metadata: dict) -> list[dict]:
    found = []
    for item in metadata.get("measurements") or []:
        if isinstance(item, dict) and isinstance(item.get("value"), (int, float)) and item.get("order") in ("asc", "desc"):
            value = float(item["value"])
            if value == value and abs(value) != float("inf"):
                found.append({"name": str(item.get("name", "")), "value": value, "order": item["order"]})
    return found


def _line(value) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _fit(report: GradeReport) -> None:
    """Cut the report's student text to ``MAX_REPORT_TEXT_CHARS`` in all, the longest first."""
    exercises = list(report.exercises.values())
    tests = [t for e in exercises for t in e.tests]
    texts = student_text.within_budget([e.output for e in exercises] + [t.message for t in tests])
    for exercise, text in zip(exercises, texts):
        exercise.output = text
    for test, text in zip(tests, texts[len(exercises):]):
        test.message = text


def score(json_report: dict, planned: dict[str, PlannedTest], exercises: list[str], outputs: dict[str, str]) -> GradeReport:
    outcomes = {test["nodeid"]: test for test in json_report.get("tests", [])}
    report = GradeReport(
        {name: ExerciseResult(name, output=student_text.output(outputs.get(name, ""))) for name in exercises}
    )
    for nodeid, plan in planned.items():
        outcome = outcomes.get(nodeid)
        exercise_result = report.exercises.setdefault(plan.exercise, ExerciseResult(plan.exercise))
        exercise_result.seconds += _seconds(outcome)
        metadata = (outcome or {}).get("metadata") or {}
        mistake = mistake_name = line = kind = error_type = None
        follows_values = False
        if outcome is None:
            status, message, kind = "error", "this check did not run", "grader_error"
        elif outcome.get("outcome") == "passed":
            status, message = "passed", ""
        else:
            status = metadata.get("status", "failed")
            message = metadata.get("message") or f"this check ended as {outcome.get('outcome')}"
            mistake, mistake_name, line = metadata.get("mistake"), metadata.get("mistake_name"), metadata.get("line")
            error_type = metadata.get("error_type") if isinstance(metadata.get("error_type"), str) else None
            kind = metadata.get("kind") or ("grader_error" if status == "error" else "wrong")
            follows_values = metadata.get("follows_values") is True
        exercise_result.tests.append(
            TestResult(
                name=plan.name,
                score=plan.points if status == "passed" else 0.0,
                max_score=plan.points,
                status=status,
                message=student_text.message(message),
                hint=plan.hint,
                visibility=plan.visibility,
                mistake=mistake,
                mistake_name=mistake_name,
                line=_line(line),
                kind=kind,
                seconds=_seconds(outcome),
                measurements=_measurements(metadata),
                code_hint=plan.code_hint,
                title=plan.title,
                error_type=student_text.message(error_type) if error_type else None,
                follows_values=follows_values,
            )
        )
    _fit(report)
    return report
