"""Import files for an LMS gradebook, built from a batch's gradebook.csv and the LMS's own roster.

The roster is the file the LMS exports (Canvas: Grades > Export; Moodle: Grade administration >
Export > Plain text file), so every student's identifiers are the LMS's own and the import
matches them without a mapping step.

- **Canvas** reads ``Student, ID, SIS User ID, SIS Login ID, Section`` and then one column per
  assignment, and creates a new assignment for every other column it finds: the file has those
  five columns, copied from the roster, then the assignment's column (or one per exercise), and
  a ``Points Possible`` row under the header, as Canvas's own export has. A roster column
  ``<assignment> (<canvas id>)`` is reused as it is, so the import updates that assignment.
- **Moodle** identifies users by a column chosen at import (username, email address or ID
  number): the file keeps every identifying column the roster has, then the grade columns.
  Moodle has no points-possible row (it would be read as a user): the maximum is set on the
  grade item, and the command prints it.

A submission matches the roster row one of whose identifiers (Canvas: SIS Login ID, SIS User
ID, ID, the name; Moodle: username, ID number, email address, the email's local part) equals
its id, ignoring case; an id that matches several rows matches none. Students on the roster
with no graded submission get 0 or a blank cell (``missing``), and both lists of the unmatched
are returned.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from autograde.formats import points

CANVAS_IDENTITY = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
CANVAS_MATCH = ("SIS Login ID", "SIS User ID", "ID", "Student")
MOODLE_IDENTITY = ("First name", "Last name", "Surname", "Username", "ID number", "Institution", "Department", "Email address")
MOODLE_MATCH = ("Username", "ID number", "Email address")
MOODLE_NEEDS = ("Username", "ID number", "Email address")  # Moodle can identify users by one of these
POINTS_POSSIBLE = "Points Possible"


class RosterError(ValueError):
    """The roster or the results cannot be read as the LMS or the batch writes them."""


@dataclass
class Gradebook:
    """A batch's gradebook.csv: the maximum per exercise, and per student id the points (None when not graded)."""

    exercise_max: dict[str, float]
    scores: dict[str, dict[str, float] | None]
    statuses: dict[str, str] = field(default_factory=dict)


@dataclass
class Export:
    text: str
    no_submission: list[str]  # roster students (as the roster names them) with no graded submission
    no_roster_match: list[str]  # submission ids that match no roster row (or several)
    ungraded: list[str]  # roster students whose submission could not be graded
    maximum: dict[str, float]  # the points possible of each column written


def read_gradebook(results: Path) -> Gradebook:
    """``results/gradebook.csv`` as ``grade batch`` writes it (its second row gives the points possible)."""
    path = Path(results) / "gradebook.csv"
    try:
        with open(path, newline="", encoding="utf-8") as stream:
            rows = list(csv.DictReader(stream))
    except OSError as error:
        raise RosterError(f"{path} cannot be read ({error.strerror}): pass the folder `grade batch -o` wrote") from None
    if not rows or rows[0].get("student") != POINTS_POSSIBLE:
        raise RosterError(f"{path} has no '{POINTS_POSSIBLE}' row: grade the class again with this version of grade batch")
    fixed = {"student", "student_as_text", "total", "percent", "status"}
    exercises = [name for name in rows[0] if name not in fixed]
    exercise_max = {name: float(rows[0][name]) for name in exercises}
    scores, statuses = {}, {}
    for row in rows[1:]:
        graded = row["status"] == "graded"
        scores[row["student"]] = {name: float(row[name] or 0) for name in exercises} if graded else None
        statuses[row["student"]] = row["status"]
    return Gradebook(exercise_max, scores, statuses)


def read_roster(path: Path) -> tuple[list[str], list[dict]]:
    """(columns, student rows) of an LMS export; Canvas's Points Possible and posting rows are skipped."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")  # Excel and Moodle may start with a BOM
    except (OSError, UnicodeDecodeError) as error:
        raise RosterError(f"the roster {path} cannot be read as UTF-8 CSV: {error}") from None
    reader = csv.DictReader(io.StringIO(text))
    columns = [c.strip() for c in reader.fieldnames or []]
    students = []
    for raw in reader:
        row = {(k or "").strip(): (v or "").strip() for k, v in raw.items() if k is not None}
        first = row.get(columns[0], "") if columns else ""
        if first == POINTS_POSSIBLE or (not first and "Student" in columns):  # Canvas's extra rows
            continue
        if any(row.values()):
            students.append(row)
    return columns, students


def _match(ids: list[str], roster: list[dict], keys: tuple[str, ...]) -> tuple[dict[int, str], list[str]]:
    """{roster row index: submission id}, and the ids matching no row or several."""
    candidates: dict[str, set[int]] = {}
    for index, row in enumerate(roster):
        for key in keys:
            value = row.get(key, "")
            names = {value} | ({value.split("@")[0]} if key == "Email address" and "@" in value else set())
            for name in names:
                if name:
                    candidates.setdefault(name.casefold(), set()).add(index)
    matched, unmatched = {}, []
    for student in ids:
        rows = candidates.get(student.casefold(), set())
        if len(rows) == 1 and next(iter(rows)) not in matched:
            matched[next(iter(rows))] = student
        else:
            unmatched.append(student)
    return matched, unmatched


def _columns(book: Gradebook, assignment: str, per_exercise: bool) -> dict[str, float]:
    if per_exercise:
        return {f"{assignment}: {name}": worth for name, worth in book.exercise_max.items()}
    return {assignment: sum(book.exercise_max.values())}


def _values(book: Gradebook, student: str | None, per_exercise: bool, missing: str) -> list[str]:
    scores = book.scores.get(student) if student is not None else None
    names = list(book.exercise_max) if per_exercise else [None]
    if scores is None:
        return ["0" if missing == "zero" else "" for _ in names]
    if per_exercise:
        return [points(scores.get(name, 0.0)) for name in names]
    return [points(sum(scores.values()))]


def _reuse_canvas_header(columns: list[str], name: str) -> str:
    """The roster's ``name (12345)`` column if it has one: Canvas then updates that assignment."""
    for column in columns:
        if re.fullmatch(re.escape(name) + r" \(\d+\)", column):
            return column
    return name


def export(lms: str, book: Gradebook, roster_path: Path, *, assignment: str, per_exercise: bool = False,
           missing: str = "blank") -> Export:
    """The import file for ``lms`` ("canvas" or "moodle") and who could not be matched."""
    columns, roster = read_roster(roster_path)
    if lms == "canvas":
        absent = [c for c in CANVAS_IDENTITY if c not in columns]
        if absent:
            raise RosterError(f"{roster_path} is not a Canvas gradebook export: it has no {', '.join(absent)} column")
        identity, keys = list(CANVAS_IDENTITY), CANVAS_MATCH
    elif lms == "moodle":
        if not any(c in columns for c in MOODLE_NEEDS):
            raise RosterError(
                f"{roster_path} has none of {', '.join(MOODLE_NEEDS)}: export the Moodle grades with the user's "
                "email address, username or ID number, which Moodle's import identifies users by"
            )
        identity, keys = [c for c in MOODLE_IDENTITY if c in columns], MOODLE_MATCH
    else:
        raise RosterError(f"unknown LMS {lms!r}: use canvas or moodle")
    maximum = _columns(book, assignment, per_exercise)
    headers = list(maximum)
    if lms == "canvas":
        headers = [_reuse_canvas_header(columns, name) for name in headers]
        maximum = dict(zip(headers, maximum.values()))
    matched, no_roster_match = _match(sorted(book.scores), roster, keys)
    stream = io.StringIO()
    writer = csv.writer(stream, lineterminator="\r\n" if lms == "canvas" else "\n")
    writer.writerow([*identity, *headers])
    if lms == "canvas":
        writer.writerow([f"    {POINTS_POSSIBLE}", *["" for _ in identity[1:]], *[points(v) for v in maximum.values()]])
    no_submission, ungraded = [], []
    for index, row in enumerate(roster):
        student = matched.get(index)
        who = row.get("Student") or row.get("Email address") or row.get("Username") or row.get("ID number") or str(row)
        if student is None:
            no_submission.append(who)
        elif book.scores.get(student) is None:
            ungraded.append(f"{who} ({student}: {book.statuses.get(student, 'not graded')})")
        writer.writerow([row.get(c, "") for c in identity] + _values(book, student, per_exercise, missing))
    return Export(stream.getvalue(), no_submission, no_roster_match, ungraded, maximum)
