"""What a batch writes: gradebook.csv, reports/, gradescope/ and the class report."""

from __future__ import annotations

import json
from pathlib import Path

from autograde.batch.rows import Row


def _cell(value) -> str:
    """A CSV cell a spreadsheet will not run as a formula."""
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def gradebook_csv(rows: list[Row], exercise_max: dict[str, float]) -> str:
    import csv
    import io

    from autograde.formats import percent, points

    stream = io.StringIO()
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(["student", *exercise_max, "total", "percent", "status"])
    for row in rows:
        if row.report is None:
            writer.writerow([_cell(row.student), *["" for _ in exercise_max], "", "", _cell(row.status)])
            continue
        exercises = row.report["exercises"]
        writer.writerow([
            _cell(row.student),
            *[points(exercises[name]["score"]) if name in exercises else "" for name in exercise_max],
            points(row.report["score"]),
            f"{percent(row.report):.2f}",
            "graded",
        ])
    return stream.getvalue()


def error_report(status: str, exercise_max: dict[str, float]) -> dict:
    return {"score": 0, "max_score": sum(exercise_max.values()), "exercises": {}, "error": status}


def write_outputs(out: Path, rows: list[Row], exercise_max: dict[str, float]) -> None:
    """gradebook.csv, reports/<student>.json, gradescope/<student>.json and report.html."""
    from autograde.formats import gradescope, html, write_atomically

    write_atomically(out / "gradebook.csv", gradebook_csv(rows, exercise_max))
    students = {row.student for row in rows}
    for folder in ("reports", "gradescope"):
        (out / folder).mkdir(exist_ok=True)
        for stale in (out / folder).glob("*.json"):
            if stale.stem not in students:
                stale.unlink()
    for row in rows:
        if row.report is not None:
            report = row.report
            results = gradescope.results(report, execution_time=row.seconds)
        else:
            report = error_report(row.status, exercise_max)
            results = gradescope.error_results(f"This submission could not be graded: {row.status}")
        write_atomically(out / "reports" / f"{row.student}.json", json.dumps(report, indent=2) + "\n")
        gradescope.write(results, out / "gradescope" / f"{row.student}.json")
    write_atomically(out / "report.html", html.render_class([r.as_dict() for r in rows], exercise_max))
