"""Gradescope's ``results.json``: the fields and values its autograder harness reads.

Top level: ``score``, ``execution_time``, ``output``, ``visibility``, ``stdout_visibility``,
``tests``; each test: ``name``, ``score``, ``max_score``, ``status`` ("passed"/"failed"),
``output``, ``tags``, ``visibility`` (hidden, after_due_date, after_published, visible) and
``number``. A missing or malformed file shows students "The autograder failed to execute",
so ``write`` validates what it writes and falls back to a valid zero-score result.

While any check is not ``visible``, the spec hides the student's total ("If test cases are
hidden, students will not be able to see their total score"): the visible ``output`` then
gives no total either, only what each exercise's visible checks scored. ``extra_data`` records
the maximum (Gradescope's results carry none: the assignment's "Autograder points" is set in
its settings, and must equal it) with the visible and hidden parts, and a ``leaderboard``
lists what the checker measured (train_lm's held-out perplexity, ``order`` ``asc``).

Every text is declared ``text`` (``output_format``, ``test_output_format``, ``test_name_format``
at the top, ``output_format`` and ``name_format`` per test): Gradescope's default,
``simple_format``, renders HTML, and messages quote what the submission wrote.
"""

from __future__ import annotations

import json
from pathlib import Path

from autograde.formats import (
    VISIBLE, causes_of, clean_text, finite, hidden_summary, points, title, write_atomically,
)

VISIBILITIES = ("hidden", "after_due_date", "after_published", "visible")
STATUSES = ("passed", "failed")
OUTPUT_FORMATS = ("text", "html", "simple_format", "md", "ansi")
TEXT = "text"  # shown as it is, never rendered
MAX_OUTPUT_CHARS = 8000  # per printed output shown in the top-level text
AS_TEXT = {"output_format": TEXT, "test_output_format": TEXT, "test_name_format": TEXT}
TEST_AS_TEXT = {"output_format": TEXT, "name_format": TEXT}
TOP_LEVEL = {"score", "execution_time", "output", "visibility", "stdout_visibility", "tests", "extra_data", "leaderboard", *AS_TEXT}
ORDERS = ("asc", "desc")
TEST_FIELDS = {"name", "score", "max_score", "status", "output", "tags", "visibility", "number", *TEST_AS_TEXT}


def _outputs(exercise_name: str, exercise: dict) -> dict[str, str]:
    """Each failed check's output, one diagnosis per cause (``grading.causes``): the first check a
    cause cost says it, with the hint; the others point to it (a cause never spans visibilities,
    so the check pointed to is one the student may see whenever the pointing one is)."""
    tests = {t["name"]: t for t in exercise["tests"]}
    outputs = {}
    for cause in causes_of(exercise):
        first, *others = cause["checks"]
        text = tests[first].get("message") or "this check failed"
        outputs[first] = text + (f"\nHint: {cause['hint']}" if cause.get("hint") else "")
        for name in others:
            outputs[name] = f'Same cause as "{exercise_name}: {title(tests[first])}": its output says what to fix.'
    return outputs


def results(report: dict, *, execution_time: float | None = None) -> dict:
    """Gradescope's results for one graded submission (``report``: the documented JSON report)."""
    every = [t for exercise in report["exercises"].values() for t in exercise["tests"]]
    hidden_max = sum(t["max_score"] for t in every if t.get("visibility", VISIBLE) != VISIBLE)
    if hidden_max:
        # The spec: while tests are hidden, students do not see their total. Say only what the
        # visible checks scored, per exercise.
        lines = ["Your total is shown once the hidden checks are released."]
        for name, exercise in report["exercises"].items():
            shown = [t for t in exercise["tests"] if t.get("visibility", VISIBLE) == VISIBLE]
            if shown:
                lines.append(
                    f"{name}: visible checks {points(sum(t['score'] for t in shown))}/{points(sum(t['max_score'] for t in shown))}"
                )
    else:
        lines = [f"Total: {points(report['score'])}/{points(report['max_score'])}"]
    tests = []
    for number, (name, exercise) in enumerate(report["exercises"].items(), start=1):
        outputs = _outputs(name, exercise)
        for index, test in enumerate(exercise["tests"], start=1):
            tests.append({
                "name": f"{name}: {title(test)}",
                "score": test["score"],
                "max_score": test["max_score"],
                "status": "passed" if test["status"] == "passed" else "failed",
                "output": outputs.get(test["name"], ""),
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
    data = {
        "score": report["score"],
        "execution_time": round(finite(execution_time)),
        "output": "\n".join(lines),
        "visibility": VISIBLE,
        "stdout_visibility": "hidden",  # run_autograder's own log is for the instructor
        "tests": tests,
        "extra_data": {
            "max_score": report["max_score"],
            "visible_max_score": report["max_score"] - hidden_max,
            "hidden_max_score": hidden_max,
        },
        **AS_TEXT,
    }
    board = leaderboard(report)
    if board:
        data["leaderboard"] = board
    return data


def leaderboard(report: dict) -> list[dict]:
    """Gradescope's leaderboard entries ``{name, value, order}``: every number a check measured
    (the ``measurements`` of its result), named by exercise; the first of a name wins."""
    entries, seen = [], set()
    for name, exercise in report["exercises"].items():
        for test in exercise["tests"]:
            for item in test.get("measurements") or []:
                label = f"{name} {item['name']}"
                if label not in seen:
                    seen.add(label)
                    entries.append({"name": label, "value": finite(item["value"]), "order": item.get("order", "desc")})
    return entries


def maximum_note(report: dict) -> str:
    """For run_autograder's log (the instructor's): what the assignment's points must be."""
    every = [t for exercise in report["exercises"].values() for t in exercise["tests"]]
    hidden = sum(t["max_score"] for t in every if t.get("visibility", VISIBLE) != VISIBLE)
    text = f"maximum score {points(report['max_score'])}"
    if hidden:
        text += f" ({points(report['max_score'] - hidden)} visible + {points(hidden)} in non-visible checks)"
    return text + ": set the assignment's Autograder points to this, or scores will not read as percentages"


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
    if not isinstance(data.get("extra_data", {}), dict):
        found.append("extra_data is not an object")
    board = data.get("leaderboard", [])
    if not isinstance(board, list):
        return [*found, "leaderboard is not a list"]
    for i, entry in enumerate(board):
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            found.append(f"leaderboard[{i}] has no name")
        elif not isinstance(entry.get("value"), (int, float, str)) or isinstance(entry.get("value"), bool):
            found.append(f"leaderboard[{i}].value is not a number or a string")
        elif entry.get("order", "desc") not in ORDERS:
            found.append(f"leaderboard[{i}].order {entry.get('order')!r} is not asc or desc")
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
