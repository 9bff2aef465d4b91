"""One cause, one diagnosis: the failed checks of an exercise that share a cause, grouped.

A single mistake often fails several checks (a wrong LSTM gate order fails five): a report says
the diagnosis once and lists the checks it cost, while points stay per check. Checks share a
cause when they name the same catalogued mistake, raise the same exception at the same line of
the student's file, or fail with the same message (a stub, a missing file, a missing gradient).
A check that failed only because the values are wrong (``follows_values``: a gradient of wrong
values) joins the first other cause of its exercise: fixing that cause fixes it.

It works on checks in their JSON form (README, "The JSON report"), so every format groups the
same way, reports written before ``causes`` existed included. Checks of different visibility
never share a cause: a visible cause never names a hidden check.
"""

from __future__ import annotations


def cause_key(test: dict) -> tuple:
    """What a failed check's cause is, as a key: equal keys, one diagnosis."""
    visibility = test.get("visibility", "visible")
    if test.get("mistake"):
        return (visibility, "mistake", test["mistake"])
    if test.get("kind") == "exception" and test.get("line") is not None and test.get("error_type"):
        return (visibility, "exception", test["error_type"], test["line"])
    return (visibility, "message", test.get("message") or "this check failed")


def group(tests: list[dict]) -> list[dict]:
    """The causes of an exercise's failed checks, in the order their first check ran.

    Each cause: ``checks`` (the names of the checks it cost), ``points`` (the points they
    lost), the first check's ``message`` (with its ``mistake``, ``mistake_name``, ``kind`` and
    ``line`` when it has them), ``hint`` (the checks' hint when they share one: a hint written
    for one check would mislead next to another's diagnosis) and ``code_hints`` (every distinct
    code-level hint of its checks).
    """
    found: dict[tuple, dict] = {}
    hints: dict[tuple, list[str]] = {}
    failed = [test for test in tests if test.get("status") != "passed"]
    # Checks that follow from wrong values come last, so that a cause opens with its own diagnosis.
    for test in sorted(failed, key=lambda t: bool(t.get("follows_values"))):
        key = cause_key(test)
        if test.get("follows_values"):
            visibility = test.get("visibility", "visible")
            key = next((k for k in found if k[0] == visibility), key)
        cause = found.get(key)
        if cause is None:
            cause = found[key] = {
                "checks": [],
                "points": 0.0,
                "message": test.get("message") or "this check failed",
                "hint": "",
                "code_hints": [],
                **{field: test[field] for field in ("mistake", "mistake_name", "kind", "line") if test.get(field) is not None},
            }
        cause["checks"].append(test["name"])
        cause["points"] += test.get("max_score", 0) - test.get("score", 0)
        hints.setdefault(key, []).append(test.get("hint") or "")
        if test.get("code_hint") and test["code_hint"] not in cause["code_hints"]:
            cause["code_hints"].append(test["code_hint"])
    for key, cause in found.items():
        if len(set(hints[key])) == 1:
            cause["hint"] = hints[key][0]
    return list(found.values())
