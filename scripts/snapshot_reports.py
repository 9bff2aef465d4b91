"""Grade the reference, the stubs and every case in tests/cases/, and write their JSON reports.

Run it before and after a change that must not change behaviour, then compare the two files:

    python scripts/snapshot_reports.py before.json
    ... change ...
    python scripts/snapshot_reports.py after.json
    python scripts/snapshot_reports.py --compare before.json after.json

The comparison allows fields that only the newer report has (the README promises that later
versions only add fields) and prints every other difference.
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
from pathlib import Path

COMPARE = len(sys.argv) > 1 and sys.argv[1] == "--compare"
if not COMPARE:
    from autograde.grading import engine

    engine.start()  # before any grader or reference is imported

    from autograde.grading import course

CASES = Path(__file__).resolve().parent.parent / "tests" / "cases"


def report_of(folder: Path, exercises: list[str]) -> dict:
    report = engine.grade(folder, exercises).to_json()
    report.pop("protections", None)  # how this machine contains runners, not what was graded
    for exercise in report["exercises"].values():  # timings measure the machine, not the submission
        exercise.pop("seconds", None)
        for test in exercise["tests"]:
            test.pop("seconds", None)
    return report


def main(out: Path) -> None:
    exercises = course.exercises()
    snapshot = {
        "reference": report_of(course.reference_dir(), exercises),
        "stubs": report_of(course.package_dir("exercises"), exercises),
    }
    for case in sorted(CASES.glob("*/*.py")):
        exercise = case.parent.name
        with tempfile.TemporaryDirectory() as folder:
            shutil.copyfile(case, Path(folder) / f"{exercise}.py")
            snapshot[f"{exercise}/{case.stem}"] = report_of(Path(folder), [exercise])
        print(f"{exercise}/{case.stem}", snapshot[f"{exercise}/{case.stem}"]["score"], file=sys.stderr)
    out.write_text(json.dumps(snapshot, indent=1, sort_keys=True) + "\n", encoding="utf-8")


def differences(old, new, where: str = "") -> list[str]:
    """Where ``new`` differs from ``old``, keys that only ``new`` has excepted."""
    if isinstance(old, dict) and isinstance(new, dict):
        found = [f"{where}/{key}: missing" for key in old if key not in new]
        for key in old:
            if key in new:
                found += differences(old[key], new[key], f"{where}/{key}")
        return found
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        return [d for i, (a, b) in enumerate(zip(old, new)) for d in differences(a, b, f"{where}[{i}]")]
    return [] if old == new else [f"{where}: {old!r} -> {new!r}"]


if __name__ == "__main__":
    if COMPARE:
        before, after = (json.loads(Path(name).read_text(encoding="utf-8")) for name in sys.argv[2:4])
        changed = differences(before, after)
        print("\n".join(changed) or f"same reports for all {len(before)} submissions")
        sys.exit(1 if changed else 0)
    main(Path(sys.argv[1]))
