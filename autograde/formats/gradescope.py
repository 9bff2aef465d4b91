"""Gradescope's ``results.json``: the fields and values its autograder harness reads.

Top level: ``score``, ``execution_time``, ``output``, ``visibility``, ``stdout_visibility``,
``tests``; each test: ``name``, ``score``, ``max_score``, ``status`` ("passed"/"failed"),
``output``, ``tags``, ``visibility`` (hidden, after_due_date, after_published, visible) and
``number``. A missing or malformed file shows students "The autograder failed to execute",
so ``write`` validates what it writes and falls back to a valid zero-score result.

Every text is declared ``text`` (``output_format``, ``test_output_format``, ``test_name_format``
at the top, ``output_format`` and ``name_format`` per test): Gradescope's default,
``simple_format``, renders HTML, and messages quote what the submission wrote.
"""

from __future__ import annotations

import json
from pathlib import Path

from autograde.formats import (
    VISIBLE, clean_text, finite, hidden_summary, points, title, write_atomically,
)

VISIBILITIES = ("hidden", "after_due_date", "after_published", "visible")
STATUSES = ("passed", "failed")
OUTPUT_FORMATS = ("text", "html", "simple_format", "md", "ansi")
TEXT = "text"  # shown as it is, never rendered
MAX_OUTPUT_CHARS = 8000  # per printed output shown in the top-level text
AS_TEXT = {"output_format": TEXT, "test_output_format": TEXT, "test_name_format": TEXT}
TEST_AS_TEXT = {"output_format": TEXT, "name_format": TEXT}
TOP_LEVEL = {"score", "execution_time", "output", "visibility", "stdout_visibility", "tests", *AS_TEXT}
TEST_FIELDS = {"name", "score", "max_score", "status", "output", "tags", "visibility", "number", *TEST_AS_TEXT}


def _test_output(test: dict) -> str:
    if test["status"] == "passed":
        return ""
    text = test.get("message") or "this check failed"
    if test.get("hint"):
        text += f"\nHint: {test['hint']}"
    return text


def results(report: dict, *, execution_time: float | None = None) -> dict:
    """Gradescope's results for one graded submission (``report``: the documented JSON report)."""
    tests, lines = [], [f"Total: {points(report['score'])}/{points(report['max_score'])}"]
    for number, (name, exercise) in enumerate(report["exercises"].items(), start=1):
        for index, test in enumerate(exercise["tests"], start=1):
            tests.append({
                "name": f"{name}: {title(test['name'])}",
                "score": test["score"],
                "max_score": test["max_score"],
                "status": "passed" if test["status"] == "passed" else "failed",
                "output": _test_output(test),
                "tags": [name],
                "visibility": test.get("visibility", VISIBLE),
                "number": f"{number}.{index}",
                **TEST_AS_TEXT,
            })
        summary = hidden_summary(exercise["tests"])
        if summary is not None:
            # Students always learn how many hidden checks failed, never which: Gradescope hides
            # the checks themselves according to their own visibility.
            tests.append({
                "name": f"{name}: hidden checks",
                "status": summary["status"],
                "output": summary["message"] or f"all {summary['hidden_total']} hidden checks passed",
                "tags": [name],
                "visibility": VISIBLE,
                "number": f"{number}.0",
                **TEST_AS_TEXT,
            })
            if summary["hidden_failed"]:
                lines.append(f"{name}: {summary['message'].split('.')[0]}.")
        printed = exercise.get("output", "").rstrip()
        if printed:
            lines.append(f"\n{name} printed:\n{printed[-MAX_OUTPUT_CHARS:]}")
    return {
        "score": report["score"],
        "execution_time": round(finite(execution_time)),
        "output": "\n".join(lines),
        "visibility": VISIBLE,
        "stdout_visibility": "hidden",  # run_autograder's own log is for the instructor
        "tests": tests,
        **AS_TEXT,
    }


def error_results(message: str, *, execution_time: float | None = None) -> dict:
    """A valid result for a submission that could not be graded: zero, and why."""
    return {
        "score": 0,
        "execution_time": round(finite(execution_time)),
        "output": message,
        "visibility": VISIBLE,
        "stdout_visibility": "hidden",
        "tests": [],
        **AS_TEXT,
    }


def problems(data) -> list[str]:
    """What is wrong with ``data`` as a results.json (empty when Gradescope will accept it)."""
    found = []
    if not isinstance(data, dict):
        return ["the top level is not an object"]
    if not isinstance(data.get("score"), (int, float)) or isinstance(data.get("score"), bool):
        found.append("score is not a number")
    if data.get("visibility", VISIBLE) not in VISIBILITIES:
        found.append(f"visibility {data.get('visibility')!r} is not one of {VISIBILITIES}")
    if data.get("stdout_visibility", VISIBLE) not in VISIBILITIES:
        found.append(f"stdout_visibility {data.get('stdout_visibility')!r} is not one of {VISIBILITIES}")
    if not isinstance(data.get("output", ""), str):
        found.append("output is not a string")
    for key in AS_TEXT:
        if data.get(key, TEXT) not in OUTPUT_FORMATS:
            found.append(f"{key} {data.get(key)!r} is not one of {OUTPUT_FORMATS}")
    tests = data.get("tests", [])
    if not isinstance(tests, list):
        return [*found, "tests is not a list"]
    for i, test in enumerate(tests):
        if not isinstance(test, dict):
            found.append(f"tests[{i}] is not an object")
            continue
        if not isinstance(test.get("name"), str):
            found.append(f"tests[{i}].name is not a string")
        for key in ("score", "max_score"):
            if key in test and (not isinstance(test[key], (int, float)) or isinstance(test[key], bool)):
                found.append(f"tests[{i}].{key} is not a number")
        if test.get("status", "passed") not in STATUSES:
            found.append(f"tests[{i}].status {test.get('status')!r} is not passed or failed")
        if test.get("visibility", VISIBLE) not in VISIBILITIES:
            found.append(f"tests[{i}].visibility {test.get('visibility')!r} is not one of {VISIBILITIES}")
        if not isinstance(test.get("output", ""), str) or not isinstance(test.get("number", ""), str):
            found.append(f"tests[{i}].output or number is not a string")
        for key in TEST_AS_TEXT:
            if test.get(key, TEXT) not in OUTPUT_FORMATS:
                found.append(f"tests[{i}].{key} {test.get(key)!r} is not one of {OUTPUT_FORMATS}")
        if not isinstance(test.get("tags", []), list):
            found.append(f"tests[{i}].tags is not a list")
    return found


def _sanitized(value):
    if isinstance(value, dict):
        return {clean_text(k): _sanitized(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_sanitized(v) for v in value]
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, (int, float)):
        return finite(value) if isinstance(value, float) else value
    return clean_text(value)


def dumps(data: dict) -> str:
    """``data`` as strict JSON text (no NaN, no lone surrogates), or a valid zero-score fallback."""
    try:
        data = _sanitized(data)
        wrong = problems(data)
        if wrong:
            raise ValueError("; ".join(wrong))
        return json.dumps(data, indent=2, allow_nan=False) + "\n"
    except Exception as error:  # noqa: BLE001 - whatever went wrong, Gradescope gets valid JSON
        fallback = error_results(
            "The autograder produced an invalid result and could not grade this submission. "
            f"This is not your fault: please tell your instructor. ({type(error).__name__}: {error})"
        )
        return json.dumps(_sanitized(fallback), indent=2, allow_nan=False) + "\n"


def write(data: dict, path: Path) -> None:
    """Write ``data`` to ``path`` atomically; what lands there always parses and validates."""
    write_atomically(Path(path), dumps(data))
