"""Shared fixtures: grade a one-file submission in-process, exactly as `grade` does."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from autograde.grading import engine, recording

# Start the fork server before any test module imports a reference or a grader, so that
# runners are forked from a process that holds neither.
engine.start()

CASES = Path(__file__).parent / "cases"


RECORDED: dict[str, bytes] = {}
"""Every answer the cases took from the reference and the mistakes, over the whole session."""


@pytest.fixture
def grade_case(tmp_path):
    """grade_case(exercise, case) -> ExerciseResult for tests/cases/<exercise>/<case>.py.

    The case "reference" grades the reference solution; "stub" the shipped exercise stub.
    Grading records (``autograde.grading.recording``): every check then sees its expected values
    as the students' release reads them back, so each case's verdict here is its verdict there,
    and a check that could not be replayed fails here.
    """
    from autograde.grading import course

    def grade(exercise: str, case: str, timeout: float = 10.0):
        if case == "reference":
            folder = course.reference_dir()
        else:
            source = course.package_dir("exercises") / f"{exercise}.py" if case == "stub" else CASES / exercise / f"{case}.py"
            shutil.copyfile(source, tmp_path / f"{exercise}.py")
            folder = tmp_path
        with recording.recording(recording.RECORD, RECORDED):
            report = engine.grade(folder, [exercise], engine.Options(timeout=timeout))
        return report.exercises[exercise]

    return grade
