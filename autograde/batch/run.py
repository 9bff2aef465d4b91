"""``grade batch``: grade a folder of submissions in parallel, resumably, into a gradebook.

The batch process never imports torch, a grader or a reference: it reads the submissions
(``grading.intake``), skips what the journal already holds, hands the rest to grading workers
(``workers``) and writes the outputs (``outputs``). Every submission becomes one row: graded, or
the reason it could not be (a corrupt zip, no exercise files, a grading process that died).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path

import click

from autograde.batch.journal import JOURNAL, Journal, grading_fingerprint
from autograde.batch.outputs import write_outputs
from autograde.batch.progress import Progress
from autograde.batch.rows import BatchResult, Row
from autograde.batch.workers import Worker, WorkerPool, receive, send
from autograde.errors import GraderBroken, Interrupted
from autograde.grading.intake import Submission, find_submissions, stage
from autograde.sandbox.protocol import DEFAULT_MEMORY_BYTES, DEFAULT_TIMEOUT


def default_workers() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


@dataclass(frozen=True)
class BatchSettings:
    """What every worker grades with (sent to each worker as JSON)."""

    exercises: list[str]
    timeout: float = DEFAULT_TIMEOUT
    memory_bytes: int = DEFAULT_MEMORY_BYTES
    extra_graders: str | None = None  # an absolute path

    def to_json(self) -> dict:
        return {"exercises": self.exercises, "timeout": self.timeout, "memory_bytes": self.memory_bytes,
                "extra_graders": self.extra_graders}


def run_batch(
    submissions_dir: Path,
    out: Path,
    exercises: list[str],
    *,
    workers: int | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    memory_bytes: int = DEFAULT_MEMORY_BYTES,
    extra_graders: Path | None = None,
    quiet: bool = False,
    start_method: str | None = None,
    scheduler: str | None = None,
    allow_unsandboxed: bool = False,
) -> BatchResult:
    """Grade every submission in ``submissions_dir`` and write the outputs into ``out``.

    With ``scheduler`` (a Dask scheduler's address, or a ``distributed.Client``), the grading
    runs on that cluster's workers (``cluster.ClusterRun``); intake, the journal, the progress
    bar and the outputs stay here. ``allow_unsandboxed`` then lets workers grade without
    separation (locally, the command checks this process with ``require_separation``).

    Raises ``Interrupted`` on Ctrl-C (what was graded is journalled) and ``GraderBroken`` when
    the grader suites cannot run at all.
    """
    started = time.monotonic()
    out.mkdir(parents=True, exist_ok=True)
    lock = _lock(out)
    try:
        settings = BatchSettings(exercises, timeout, memory_bytes, str(extra_graders.resolve()) if extra_graders else None)
        options = settings.to_json()
        del options["exercises"]
        fingerprint = grading_fingerprint(exercises, options)
        journal = Journal(out / JOURNAL)
        done = journal.load()
        submissions = find_submissions(submissions_dir, skip=out)
        rows: dict[str, Row] = {}
        todo: list[Submission] = []
        for submission in submissions:
            if submission.error is not None:
                rows[submission.student] = Row(submission.student, submission.error)
                continue
            digest = submission.digest
            entry = done.get(submission.student)
            if entry and entry.get("hash") == digest and entry.get("config") == fingerprint and entry.get("report"):
                rows[submission.student] = Row(submission.student, "graded", entry["report"], entry.get("seconds"), digest)
            else:
                todo.append(submission)
        reused = sum(1 for r in rows.values() if r.report is not None)
        plan = None
        if todo and scheduler is not None:
            from autograde.batch.cluster import ClusterRun  # imports distributed: only for a cluster

            grading = ClusterRun(todo, rows, journal, fingerprint, settings, total=len(submissions))
            plan = grading.run(scheduler, quiet, allow_unsandboxed)
        elif todo:
            grading = BatchRun(todo, rows, journal, fingerprint, settings, total=len(submissions))
            plan = grading.run(workers or default_workers(), quiet, start_method)
        if plan is None:
            plan = _plan_from_reports(rows.values(), exercises)
        ordered = [rows[s.student] for s in submissions]
        write_outputs(out, ordered, plan)
        graded_now = sum(rows[s.student].report is not None for s in todo)
        return BatchResult(ordered, plan, graded_now, reused, time.monotonic() - started)
    finally:
        lock.close()


def _lock(out: Path):
    """An exclusive lock on OUT for this batch (released when the returned file closes)."""
    lock = open(out / ".lock", "w")  # noqa: SIM115 - held for the whole batch
    try:
        import fcntl
    except ImportError:  # not on Windows: two batches there must not share an OUT
        return lock
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        lock.close()
        raise click.UsageError(f"another grade batch is writing to {out}: wait for it to finish.") from None
    return lock


def _plan_from_reports(rows, exercises: list[str]) -> dict[str, float]:
    for row in rows:
        if row.report is not None:
            return {name: row.report["exercises"].get(name, {}).get("max_score", 0.0) for name in exercises}
    return dict.fromkeys(exercises, 0.0)


class GradingRun:
    """What every way of grading a batch shares: the rows, the journal and the progress bar.

    An implementation (``BatchRun``: local worker processes; ``cluster.ClusterRun``: the workers
    of a Dask cluster) grades ``todo`` in ``run`` and reports each outcome with ``record`` or
    ``lost``; ``run`` returns the plan (what each exercise is worth) the graders announced.
    """

    def __init__(self, todo: list[Submission], rows: dict[str, Row], journal: Journal, fingerprint: str,
                 settings: BatchSettings, total: int):
        self.todo = todo
        self.rows = rows
        self.journal = journal
        self.fingerprint = fingerprint
        self.settings = settings
        self.total = total
        self.plan: dict[str, float] | None = None
        self.progress: Progress | None = None

    def start_progress(self, quiet: bool, description: str) -> None:
        self.progress = Progress(
            self.total, quiet, done=self.total - len(self.todo), failed=sum(r.report is None for r in self.rows.values())
        )
        self.progress.describe(description)

    def announce(self, plan: dict) -> None:
        """A grader is ready, with the points of each exercise; grading begins."""
        self.plan = self.plan or {str(k): float(v) for k, v in plan.items()}
        if self.progress is not None:
            self.progress.describe("Grading")

    def record(self, student: str, digest: str, status: str, report, seconds) -> Row:
        """A grader's result for one submission: a graded row (journalled at once) or the reason."""
        row = Row(student, str(status), report, seconds if isinstance(seconds, (int, float)) else None, digest)
        if isinstance(row.report, dict):
            row.status = "graded"
            self.journal.append({
                "student": row.student, "hash": digest, "config": self.fingerprint,
                "seconds": row.seconds, "report": row.report,
            })
        else:
            row.report = None
        self.rows[row.student] = row
        self.progress.advance(row.report is not None)
        return row

    def lost(self, student: str, reason: str) -> None:
        """A submission that could not be graded (its grading process died): a row saying why."""
        self.rows[student] = Row(student, reason)
        self.progress.advance(False)

    def interrupted(self) -> Interrupted:
        return Interrupted(
            f"Interrupted: {len(self.rows)} of {self.total} submissions are done and journalled. "
            "Run the same command again to grade the rest."
        )

    def close_progress(self) -> None:
        if self.progress is not None:
            self.progress.close()


class BatchRun(GradingRun):
    """Local grading: hand submissions to worker processes, take their results, replace the dead."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.pending = deque(self.todo)
        self.staging = Path(tempfile.mkdtemp(prefix="grade-batch-"))
        self.pool: WorkerPool | None = None

    def run(self, workers: int, quiet: bool, start_method: str | None) -> dict[str, float] | None:
        from multiprocessing.connection import wait

        size = max(1, min(workers, len(self.todo)))
        try:
            self.pool = WorkerPool(size, self.settings.to_json(), start_method)  # before the progress thread starts
            self.start_progress(quiet, f"Starting {size} worker{'s' if size > 1 else ''}")
            while self.pool.workers and (self.pending or any(w.task for w in self.pool.workers)):
                by_handle = {}
                for worker in self.pool.workers:
                    by_handle[worker.conn] = by_handle[worker.process.sentinel] = worker
                ready: list[Worker] = []
                for handle in wait(list(by_handle), timeout=1.0):
                    if by_handle[handle] not in ready:
                        ready.append(by_handle[handle])
                for worker in ready:
                    self._serve(worker)
            if self.pending:
                raise GraderBroken("every grading process ended before the batch was done: see the messages above")
        except BaseException as error:
            self._close(graceful=False)
            if isinstance(error, KeyboardInterrupt):
                raise self.interrupted() from None
            raise
        else:
            self._close(graceful=True)
        return self.plan

    def _close(self, *, graceful: bool) -> None:
        self.close_progress()
        if self.pool is not None:
            self.pool.stop(graceful=graceful)
        shutil.rmtree(self.staging, ignore_errors=True)

    def _serve(self, worker: Worker) -> None:
        """Read every message a worker has sent; bury it if it died."""
        dead = False
        try:
            while worker.conn.poll():
                self._handle(worker, receive(worker.conn))
        except (EOFError, OSError, ValueError):
            dead = True
        if dead or not worker.process.is_alive():
            self._bury(worker)

    def _assign(self, worker: Worker) -> None:
        if self.pending:
            submission = self.pending.popleft()
            folder = stage(submission.files, self.staging / f"{len(self.todo) - len(self.pending):06d}")
            worker.task = {"kind": "grade", "student": submission.student, "folder": str(folder), "hash": submission.digest}
            send(worker.conn, worker.task)
        else:
            worker.task = None
            send(worker.conn, {"kind": "stop"})

    def _handle(self, worker: Worker, message: dict) -> None:
        kind = message.get("kind")
        if kind == "fatal":
            raise GraderBroken(str(message.get("error")))
        if kind == "ready":
            self.announce(message["plan"])
            self._assign(worker)
        elif kind == "result" and worker.task is not None:
            task = worker.task
            self.record(task["student"], task["hash"], message.get("status"), message.get("report"), message.get("seconds"))
            self._assign(worker)

    def _bury(self, worker: Worker) -> None:
        worker.process.join(5)
        if worker.task is not None:
            self.lost(
                worker.task["student"],
                f"grading failed: the grading process ended (exit code {worker.process.exitcode}) "
                "while grading this submission; re-run to try again",
            )
            worker.task = None
        self.pool.remove(worker)
        if self.pending and not self.pool.add_replacement() and not self.pool.workers:
            raise GraderBroken("every grading process ended before the batch was done: see the messages above")
