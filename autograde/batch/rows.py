"""One row of a batch per submission: graded, or the reason it could not be."""

from __future__ import annotations

from dataclasses import dataclass

from autograde.grading import student_text


@dataclass
class Row:
    """Whatever made it (intake, a worker's reply, the journal on disk), a row holds only text
    that is safe to show and bounded: every output of the batch is written from rows."""

    student: str
    status: str
    report: dict | None = None
    seconds: float | None = None
    digest: str | None = None

    def __post_init__(self):
        self.student = student_text.name(self.student)
        self.status = student_text.message(self.status)
        if self.report is not None:
            self.report = student_text.tree(self.report)

    def as_dict(self) -> dict:
        return {"student": self.student, "status": self.status, "report": self.report, "seconds": self.seconds}


@dataclass
class BatchResult:
    rows: list[Row]
    exercise_max: dict[str, float]
    graded_now: int
    reused: int
    seconds: float
