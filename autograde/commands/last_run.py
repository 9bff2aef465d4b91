"""What ``grade`` remembers of its last runs, under ``.grade/`` (git-ignored), per submission:
each exercise's score, for ``grade list``, and each check's status, for ``grade --failed``.

Both come from the student's view of the report, so a hidden check is remembered only as the
line that stands for them all. Remembering is a convenience: a file that cannot be read or
written is an empty memory, never a failure.
"""

from __future__ import annotations

import json
from pathlib import Path

FOLDER = Path(".grade")
LAST_SCORES = FOLDER / "last-scores.json"  # {submission: {exercise: {"score", "max_score"}}}
LAST_CHECKS = FOLDER / "last-checks.json"  # {submission: {exercise: {check name: "passed" | "failed"}}}


def _load(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _save(path: Path, data: dict) -> None:
    try:
        path.parent.mkdir(exist_ok=True)
        path.write_text(json.dumps(data, indent=1), encoding="utf-8")
    except OSError:
        pass


def load_last_scores() -> dict:
    return _load(LAST_SCORES)


def remember(submission: Path, report: dict, *, complete: bool) -> None:
    """Record ``report`` (the student view, as JSON) for ``submission``. Scores only when every
    check ran (``complete``); check statuses always, over what earlier runs recorded."""
    key = str(submission)
    if complete:
        scores = load_last_scores()
        mine = scores.setdefault(key, {})
        for name, exercise in report["exercises"].items():
            mine[name] = {"score": exercise["score"], "max_score": exercise["max_score"]}
        _save(LAST_SCORES, scores)
    checks = _load(LAST_CHECKS)
    mine = checks.setdefault(key, {})
    for name, exercise in report["exercises"].items():
        earlier = mine.get(name)
        statuses = dict(earlier) if isinstance(earlier, dict) and not complete else {}
        statuses.update({test["name"]: test["status"] for test in exercise["tests"]})
        mine[name] = statuses
    _save(LAST_CHECKS, checks)


def failed_last_time(submission: Path, exercises: list[str]) -> dict[str, list[str]] | None:
    """{exercise: names of its checks that failed in the last run}, for ``exercises`` that had
    any; None when nothing was recorded for this submission."""
    recorded = _load(LAST_CHECKS).get(str(submission))
    if not isinstance(recorded, dict):
        return None
    failed = {}
    for name in exercises:
        statuses = recorded.get(name)
        if isinstance(statuses, dict):
            names = [check for check, status in statuses.items() if status != "passed"]
            if names:
                failed[name] = names
    return failed
