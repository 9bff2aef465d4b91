"""One row of a batch per submission: graded, or the reason it could not be."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Row:
    student: str
    status: str
    report: dict | None = None
    seconds: float | None = None
    digest: str | None = None

    def as_dict(self) -> dict:
        return {"student": self.student, "status": self.status, "report": self.report, "seconds": self.seconds}


@dataclass
class BatchResult:
    rows: list[Row]
    exercise_max: dict[str, float]
    graded_now: int
    reused: int
    seconds: float
