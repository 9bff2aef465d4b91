"""What a batch writes: gradebook.csv, reports/, gradescope/ and the class report."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from autograde.batch.rows import Row

MAX_FILE_STEM_BYTES = 200  # file systems take 255 bytes per name; ".json" and a margin fit


def file_stem(student: str) -> str:
    """The name of a student's files in reports/ and gradescope/: letters, digits and ``._-@+``
    only, never a leading dot or dash, at most MAX_FILE_STEM_BYTES. A changed id gains a hash of
    itself, so two ids never share a file and re-runs keep the same one."""
    stem = "".join(c if c.isalnum() or c in "._-@+" else "_" for c in student)
    if stem[:1] in ("", ".", "-"):
        stem = "_" + stem
    if stem == student and len(stem.encode()) <= MAX_FILE_STEM_BYTES:
        return stem
    digest = hashlib.sha256(student.encode()).hexdigest()[:12]
    head = stem.encode()[: MAX_FILE_STEM_BYTES - len(digest) - 1].decode("utf-8", "ignore")
    return f"{head}~{digest}"


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
POINTS_POSSIBLE = "Points Possible"  # the second row's first cell, as Canvas names it


def _cell(value) -> str:
    """A CSV cell a spreadsheet will not run as a formula."""
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def gradebook_csv(rows: list[Row], exercise_max: dict[str, float]) -> str:
    """``student`` (the id exactly as given: it matches reports/, the journal and the LMS),
    ``student_as_text`` (the same id, with a ``'`` first when a spreadsheet would run it as a
    formula), one column per exercise, ``total``, ``percent``, ``status``. The second row gives
    the points possible; an ungraded submission scores 0 and its status says why."""
    import csv
    import io

    from autograde.formats import percent, points

    stream = io.StringIO()
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(["student", "student_as_text", *exercise_max, "total", "percent", "status"])
    writer.writerow([
        POINTS_POSSIBLE, POINTS_POSSIBLE, *[points(worth) for worth in exercise_max.values()],
        points(sum(exercise_max.values())), "100.00", "",
    ])
    for row in rows:
        if row.report is None:
            writer.writerow([row.student, _cell(row.student), *["0" for _ in exercise_max], "0", "0.00", _cell(row.status)])
            continue
        exercises = row.report["exercises"]
        writer.writerow([
            row.student,
            _cell(row.student),
            *[points(exercises[name]["score"]) if name in exercises else "0" for name in exercise_max],
            points(row.report["score"]),
            f"{percent(row.report):.2f}",
            "graded",
        ])
    return stream.getvalue()


def error_report(status: str, exercise_max: dict[str, float]) -> dict:
    return {"score": 0, "max_score": sum(exercise_max.values()), "exercises": {}, "error": status}


def write_outputs(out: Path, rows: list[Row], exercise_max: dict[str, float]) -> None:
    """gradebook.csv, reports/<file_stem>.json and .html, gradescope/<file_stem>.json and report.html."""
    from autograde.formats import gradescope, html, write_atomically

    write_atomically(out / "gradebook.csv", gradebook_csv(rows, exercise_max))
    stems = {row.student: file_stem(row.student) for row in rows}
    for folder in ("reports", "gradescope"):
        (out / folder).mkdir(exist_ok=True)
        for stale in [*(out / folder).glob("*.json"), *(out / folder).glob("*.html")]:
            if stale.stem not in stems.values():
                stale.unlink()
    for row in rows:
        if row.report is not None:
            report = row.report
            results = gradescope.results(report, execution_time=row.seconds)
        else:
            report = error_report(row.status, exercise_max)
            results = gradescope.error_results(f"This submission could not be graded: {row.status}")
        write_atomically(out / "reports" / f"{stems[row.student]}.json", json.dumps(report, indent=2) + "\n")
        # The instructor's view of one submission (hidden checks included), linked from report.html.
        heading = f"{row.student}: {row.status}" if row.report is None else f"Grading report: {row.student}"
        write_atomically(out / "reports" / f"{stems[row.student]}.html", html.render_submission(report, heading=heading))
        gradescope.write(results, out / "gradescope" / f"{stems[row.student]}.json")
    links = {student: f"reports/{stem}.html" for student, stem in stems.items()}
    write_atomically(out / "report.html", html.render_class([r.as_dict() for r in rows], exercise_max, links=links))
