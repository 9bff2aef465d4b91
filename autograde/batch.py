"""``grade batch``: grade a folder of submissions in parallel, resumably, into a gradebook.

The parent process never imports torch, a grader or a reference: it reads the submissions
(folders and .zip files, with limits), journals results and writes the outputs. Grading runs
in long-lived worker processes, each a ``grade`` of its own: it calls ``engine.start()``
before anything else, collects the grader suites once (``engine.plan``), then grades one
submission after another with ``engine.grade``. Tasks and results cross the pipes as JSON
bytes (the documented JSON report), never pickles.

Every submission becomes one row: graded, or the reason it could not be (a corrupt zip, no
exercise files, a grading process that died). Each graded result is appended to
``OUT/journal.jsonl`` with the submission's content hash and a fingerprint of the grading
code, so re-running the same command grades only what is missing or changed.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import stat
import sys
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import click

from autograde.limit_options import memory_option, timeout_option

EXIT_GRADING_FAILED = 3
EXIT_INTERRUPTED = 130
MAX_FILE_BYTES = 1 << 20  # one exercise module; a real one is a few KiB
MAX_ZIP_BYTES = 256 << 20
MAX_ZIP_MEMBERS = 10_000
JOURNAL = "journal.jsonl"
JOURNAL_VERSION = 1
IGNORED_NAMES = ("__MACOSX",)
WORKER_STOP_SECONDS = 15.0


class GradingFailed(click.ClickException):
    """Grading itself failed (a broken grader suite or installation): exit status 3."""

    exit_code = EXIT_GRADING_FAILED


class BatchInterrupted(Exception):
    def __init__(self, done: int, total: int):
        super().__init__(f"interrupted after {done} of {total} submissions")
        self.done, self.total = done, total


class BadSubmission(Exception):
    """The submission cannot be graded as it is; the message becomes its gradebook status."""


# -- reading submissions ----------------------------------------------------------------------


def contract_names() -> tuple[str, ...]:
    from autograde import course

    return course.ORDER


@dataclass
class Submission:
    student: str
    source: Path
    files: dict[str, bytes] = field(default_factory=dict)  # exercise name -> module bytes
    error: str | None = None

    @property
    def digest(self) -> str:
        return content_hash(self.files)


def content_hash(files: dict[str, bytes]) -> str:
    """sha256 of the kept exercise files, names included, in a fixed order."""
    import hashlib

    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(f"{name}\0{len(files[name])}\0".encode())
        digest.update(files[name])
    return digest.hexdigest()


def _visible(name: str) -> bool:
    return not name.startswith(".") and name not in IGNORED_NAMES


def _read_regular_file(path: Path, shown: str) -> bytes:
    """The bytes of ``path``, refusing symlinks, devices, FIFOs and anything too large."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    except OSError as error:
        if os.path.islink(path):
            raise BadSubmission(f"{shown} is a symbolic link: submit the file itself") from None
        raise BadSubmission(f"{shown} could not be read ({error.strerror})") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise BadSubmission(f"{shown} is not a regular file")
        if info.st_size > MAX_FILE_BYTES:
            raise BadSubmission(f"{shown} is larger than {MAX_FILE_BYTES >> 20} MiB")
        chunks, size = [], 0
        while size <= MAX_FILE_BYTES:
            chunk = os.read(fd, MAX_FILE_BYTES + 1 - size)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > MAX_FILE_BYTES:
            raise BadSubmission(f"{shown} is larger than {MAX_FILE_BYTES >> 20} MiB")
        return b"".join(chunks)
    finally:
        os.close(fd)


def _folder_candidates(root: Path) -> list[Path]:
    """Where the exercise files may be: at the top, in exercises/, or inside one wrapping folder."""
    candidates = [root, root / "exercises"]
    with contextlib.suppress(OSError):
        folders = [e for e in os.scandir(root) if _visible(e.name) and e.is_dir(follow_symlinks=False)]
        if len(folders) == 1:
            candidates += [Path(folders[0].path), Path(folders[0].path) / "exercises"]
    return candidates


def collect_folder(root: Path, names: tuple[str, ...]) -> dict[str, bytes]:
    for candidate in _folder_candidates(root):
        if candidate != root and (candidate.is_symlink() or not candidate.is_dir()):
            continue
        present = [n for n in names if os.path.lexists(candidate / f"{n}.py")]
        if present:
            relative = candidate.relative_to(root)
            return {n: _read_regular_file(candidate / f"{n}.py", str(relative / f"{n}.py")) for n in present}
    return {}


def _member_path(info) -> PurePosixPath | None:
    """The member's path if it is a plain file with a safe name; None for anything else."""
    name = info.filename.replace("\\", "/")
    path = PurePosixPath(name)
    if info.is_dir() or name.startswith("/") or ".." in path.parts or ":" in path.parts[0]:
        return None
    if stat.S_ISLNK(info.external_attr >> 16):
        return None  # a symlink member: never followed, never kept
    return path


def collect_zip(archive: Path, names: tuple[str, ...]) -> dict[str, bytes]:
    """The exercise files of a zip, read in memory with size limits; nothing is extracted."""
    import zipfile

    try:
        if archive.stat().st_size > MAX_ZIP_BYTES:
            raise BadSubmission(f"the zip file is larger than {MAX_ZIP_BYTES >> 20} MiB")
        with zipfile.ZipFile(archive) as zf:
            infos = zf.infolist()
            if len(infos) > MAX_ZIP_MEMBERS:
                raise BadSubmission(f"the zip file has more than {MAX_ZIP_MEMBERS} entries")
            members: dict[str, list] = {}
            tops = set()
            for info in infos:
                path = _member_path(info)
                if path is None or not all(_visible(part) for part in path.parts):
                    continue
                members.setdefault(str(path), []).append(info)
                if len(path.parts) > 1:
                    tops.add(path.parts[0])
            prefixes = ["", "exercises/"]
            if len(tops) == 1:
                (top,) = tops
                prefixes += [f"{top}/", f"{top}/exercises/"]
            for prefix in prefixes:
                present = [n for n in names if f"{prefix}{n}.py" in members]
                if not present:
                    continue
                files = {}
                for name in present:
                    found = members[f"{prefix}{name}.py"]
                    if len(found) > 1:
                        raise BadSubmission(f"the zip file holds {prefix}{name}.py {len(found)} times")
                    if found[0].file_size > MAX_FILE_BYTES:
                        raise BadSubmission(f"{prefix}{name}.py is larger than {MAX_FILE_BYTES >> 20} MiB")
                    with zf.open(found[0]) as stream:
                        data = stream.read(MAX_FILE_BYTES + 1)  # the header's size may lie
                    if len(data) > MAX_FILE_BYTES:
                        raise BadSubmission(f"{prefix}{name}.py is larger than {MAX_FILE_BYTES >> 20} MiB")
                    files[name] = data
                return files
            return {}
    except BadSubmission:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, RuntimeError, NotImplementedError, EOFError, OSError, ValueError) as error:
        raise BadSubmission(f"the zip file could not be read ({type(error).__name__}: {error})") from None
    except Exception as error:  # noqa: BLE001 - zlib and friends: a broken archive is a row, not a crash
        raise BadSubmission(f"the zip file could not be read ({type(error).__name__}: {error})") from None


def collect(path: Path, names: tuple[str, ...] | None = None) -> dict[str, bytes]:
    """The contract's exercise files in a submission folder or .zip; BadSubmission if there are none."""
    names = names or contract_names()
    if path.is_dir():
        files = collect_folder(path, names)
    elif path.is_file() and path.suffix.lower() == ".zip":
        files = collect_zip(path, names)
    else:
        raise BadSubmission("not a folder or a .zip file")
    if not files:
        raise BadSubmission(
            "no exercise files: expected files such as rnn_step.py at the top, in exercises/, or in one wrapping folder"
        )
    return files


def find_submissions(folder: Path, *, skip: Path | None = None) -> list[Submission]:
    """One Submission per entry of ``folder`` (sorted by student id), each read or marked bad."""
    names = contract_names()
    by_student: dict[str, list[Path]] = {}
    for entry in sorted(folder.iterdir()):
        if not _visible(entry.name) or (skip is not None and entry.resolve() == skip.resolve()):
            continue
        student = entry.stem if entry.is_file() and entry.suffix.lower() == ".zip" else entry.name
        by_student.setdefault(student, []).append(entry)
    submissions = []
    for student, entries in sorted(by_student.items()):
        if len(entries) > 1:
            shown = " and ".join(e.name for e in entries)
            submissions.append(Submission(student, entries[0], error=f"two submissions for one student: {shown}"))
            continue
        submission = Submission(student, entries[0])
        try:
            submission.files = collect(entries[0], names)
        except BadSubmission as error:
            submission.error = str(error)
        submissions.append(submission)
    return submissions


def stage(files: dict[str, bytes], folder: Path) -> Path:
    """Write the kept files (and nothing else) where a worker grades them."""
    folder.mkdir(parents=True)
    for name, data in files.items():
        (folder / f"{name}.py").write_bytes(data)
    return folder


# -- what a result depends on -------------------------------------------------------------------


def _tree_digest(digest, folder: Path | None, exercises: list[str] | None = None) -> None:
    """Add the .py files of ``folder`` to ``digest``; with ``exercises``, of its suites only
    ``test_<exercise>.py`` for those (helper modules always count)."""
    if folder is None or not folder.is_dir():
        return
    for path in sorted(folder.rglob("*.py")):
        if "__pycache__" in path.parts:
            continue
        if exercises is not None and path.name.startswith("test_") and path.stem.removeprefix("test_") not in exercises:
            continue
        digest.update(str(path.relative_to(folder)).encode() + b"\0")
        digest.update(path.read_bytes())


def grading_fingerprint(exercises: list[str], options: dict) -> str:
    """A hash of everything besides the submission that decides a score: the grading code, the
    reference solutions, the suites of these exercises (extra ones too), and the limits."""
    import hashlib

    from autograde import course

    digest = hashlib.sha256(json.dumps({"exercises": exercises, "options": options}, sort_keys=True).encode())
    _tree_digest(digest, Path(__file__).resolve().parent)
    _tree_digest(digest, course.reference_dir())
    _tree_digest(digest, course.graders_dir(), exercises)
    extra = options.get("extra_graders")
    _tree_digest(digest, Path(extra) if extra else None, exercises)
    return digest.hexdigest()


class Journal:
    """Append-only JSON lines, one per graded submission; the last line for a student wins.

    A line cut short by a crash is skipped when reading, and so is anything that is not a
    result of this version.
    """

    def __init__(self, path: Path):
        self.path = path

    def load(self) -> dict[str, dict]:
        entries = {}
        with contextlib.suppress(FileNotFoundError):
            with open(self.path, encoding="utf-8", errors="replace") as stream:
                for line in stream:
                    try:
                        entry = json.loads(line)
                    except ValueError:
                        continue
                    if isinstance(entry, dict) and entry.get("v") == JOURNAL_VERSION and isinstance(entry.get("student"), str):
                        entries[entry["student"]] = entry
        return entries

    def append(self, entry: dict) -> None:
        line = json.dumps({"v": JOURNAL_VERSION, **entry}, separators=(",", ":")) + "\n"
        with open(self.path, "a", encoding="utf-8") as stream:
            stream.write(line)
            stream.flush()
            os.fsync(stream.fileno())


# -- the workers ------------------------------------------------------------------------------


def _send(conn, message: dict) -> None:
    conn.send_bytes(json.dumps(message).encode("utf-8"))


def _receive(conn) -> dict:
    message = json.loads(conn.recv_bytes().decode("utf-8"))
    if not isinstance(message, dict):
        raise ValueError("a message that is not an object")
    return message


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def _term_with_parent() -> None:
    """SIGTERM this worker if the batch process dies, so it winds down like on Ctrl-C."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            import ctypes

            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM, 0, 0, 0)  # PR_SET_PDEATHSIG


def worker_main(conn, settings_text: str) -> None:
    """A grading worker: start the engine, announce the plan, grade tasks until told to stop.

    Ctrl-C reaches only the batch process; it stops workers with SIGTERM, which ends the
    current grading as an interrupt (pytest tears the runner down) and then the worker.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _interrupt)
    _term_with_parent()
    try:
        settings = json.loads(settings_text)
        from autograde import engine

        engine.start()  # before any grader or reference is imported: runners fork from this
        from autograde import course

        # Before plan() imports the references: one that imports exercises.X (rnn_forward uses
        # rnn_step) must bind the reference, not the stub. (engine.grade does this, plan does not.)
        course.resolve_exercises_to_reference()
        extra = Path(settings["extra_graders"]) if settings.get("extra_graders") else None
        options = engine.Options(timeout=settings["timeout"], memory_bytes=settings["memory_bytes"], extra_graders=extra)
        exercises = settings["exercises"]
        try:
            plan = engine.plan(exercises, extra)
        except engine.GradingError as error:  # a broken suite ends the batch, said once
            _send(conn, {"kind": "fatal", "error": str(error)})
            return
        except Exception as error:  # noqa: BLE001 - so does a broken installation
            _send(conn, {"kind": "fatal", "error": f"the grader suites could not be collected ({type(error).__name__}: {error})"})
            return
        _send(conn, {"kind": "ready", "plan": plan})
        while True:
            task = _receive(conn)
            if task.get("kind") != "grade":
                return
            started = time.perf_counter()
            reply = {"kind": "result", "student": task["student"]}
            try:
                report = engine.grade(Path(task["folder"]), exercises, options)
                reply.update(status="graded", report=report.to_json())
            except engine.GradingError as error:
                reply.update(status=f"grading failed: {error}", report=None)
            except Exception as error:  # noqa: BLE001 - one submission never ends the batch
                reply.update(status=f"grading failed: {type(error).__name__}: {error}", report=None)
            reply["seconds"] = round(time.perf_counter() - started, 3)
            _send(conn, reply)
    except (KeyboardInterrupt, EOFError, OSError):
        pass  # stopped, or the batch process is gone
    finally:
        with contextlib.suppress(OSError):
            conn.close()


def start_method() -> str:
    """'fork' from a parent that holds nothing heavy (the grade command); 'spawn' otherwise.

    A parent that imported torch or started a fork server (a test run, a notebook) must not be
    forked: the child would share the parent's fork server and its imported modules.
    """
    heavy = {"torch", "autograde.launch", "graders", "reference", "exercises"}
    if sys.platform.startswith("linux") and not heavy & set(sys.modules):
        return "fork"
    return "spawn"


@dataclass(eq=False)  # workers are compared by identity
class _Worker:
    process: object
    conn: object
    task: dict | None = None  # the submission it is grading


class WorkerPool:
    """Long-lived grading workers, one task each at a time; a worker that dies is replaced."""

    def __init__(self, size: int, settings: dict, method: str | None = None):
        import multiprocessing

        self.method = method or start_method()
        self.context = multiprocessing.get_context(self.method)
        self.settings_text = json.dumps(settings)
        self.workers: list[_Worker] = []
        self.replacements = size + 2
        for _ in range(size):
            self._start(self.context)

    def _start(self, context) -> None:
        parent_end, child_end = context.Pipe(duplex=True)
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)  # inherited: Ctrl-C is the parent's
        try:
            process = context.Process(target=worker_main, args=(child_end, self.settings_text), daemon=True)
            process.start()
        finally:
            signal.signal(signal.SIGINT, previous)
        child_end.close()
        self.workers.append(_Worker(process, parent_end))

    def remove(self, worker: _Worker) -> None:
        self.workers.remove(worker)
        with contextlib.suppress(OSError):
            worker.conn.close()
        worker.process.join(1)

    def add_replacement(self) -> bool:
        """Start a worker in place of one that died; False once too many have."""
        if self.replacements <= 0:
            return False
        self.replacements -= 1
        import multiprocessing

        # The progress display's thread runs by now: a replacement is spawned, never forked.
        self._start(multiprocessing.get_context("spawn"))
        return True

    def stop(self, *, graceful: bool) -> None:
        """End every worker and wait for it; nothing is left running afterwards."""
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            for worker in self.workers:
                if worker.process.is_alive():
                    if graceful and worker.task is None:
                        with contextlib.suppress(OSError, ValueError):
                            _send(worker.conn, {"kind": "stop"})
                    else:
                        with contextlib.suppress(OSError):
                            os.kill(worker.process.pid, signal.SIGTERM)
            deadline = time.monotonic() + WORKER_STOP_SECONDS
            for worker in self.workers:
                worker.process.join(max(deadline - time.monotonic(), 0.1))
                if worker.process.is_alive():
                    worker.process.kill()
                    worker.process.join()
                with contextlib.suppress(OSError):
                    worker.conn.close()
            self.workers = []
        finally:
            signal.signal(signal.SIGINT, previous)


# -- the batch --------------------------------------------------------------------------------


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


class Progress:
    """The progress bar (count, ETA, failures so far), or nothing in quiet mode."""

    def __init__(self, total: int, quiet: bool, *, done: int = 0, failed: int = 0):
        self.bar = None
        self.failed = failed
        if quiet:
            return
        from rich.console import Console
        from rich.progress import (
            BarColumn, MofNCompleteColumn, Progress as RichProgress, TextColumn, TimeElapsedColumn, TimeRemainingColumn,
        )

        self.bar = RichProgress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
            TextColumn("[red]{task.fields[failed]} could not be graded"), TimeElapsedColumn(),
            TextColumn("ETA"), TimeRemainingColumn(), console=Console(stderr=True),
        )
        self.task = self.bar.add_task("Starting workers", total=total, completed=done, failed=failed)
        self.bar.start()

    def advance(self, row: Row) -> None:
        if row.report is None:
            self.failed += 1
        if self.bar is not None:
            self.bar.update(self.task, advance=1, failed=self.failed)

    def describe(self, description: str) -> None:
        if self.bar is not None:
            self.bar.update(self.task, description=description)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()
            self.bar = None


def default_workers() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def run_batch(
    submissions_dir: Path,
    out: Path,
    exercises: list[str],
    *,
    workers: int | None = None,
    timeout: float = 10.0,
    memory_bytes: int = 2 << 30,
    extra_graders: Path | None = None,
    quiet: bool = False,
    start_method: str | None = None,
) -> BatchResult:
    """Grade every submission in ``submissions_dir`` and write the outputs into ``out``."""
    started = time.monotonic()
    out.mkdir(parents=True, exist_ok=True)
    lock = _lock(out)
    try:
        options = {
            "timeout": timeout,
            "memory_bytes": memory_bytes,
            "extra_graders": str(extra_graders.resolve()) if extra_graders else None,
        }
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
        plan = _grade(todo, rows, journal, fingerprint, exercises, options, workers, quiet, start_method, len(submissions))
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


def _grade(todo, rows, journal, fingerprint, exercises, options, workers, quiet, method, total) -> dict | None:
    """Grade ``todo`` in worker processes, filling ``rows`` and the journal; returns the plan."""
    if not todo:
        return None
    import shutil
    import tempfile
    from multiprocessing.connection import wait

    size = max(1, min(workers or default_workers(), len(todo)))
    staging = Path(tempfile.mkdtemp(prefix="grade-batch-"))
    pending = deque(todo)
    plan = None
    pool = progress = None

    def assign(worker: _Worker) -> None:
        if pending:
            submission = pending.popleft()
            folder = stage(submission.files, staging / f"{len(todo) - len(pending):06d}")
            worker.task = {"kind": "grade", "student": submission.student, "folder": str(folder), "hash": submission.digest}
            _send(worker.conn, worker.task)
        else:
            worker.task = None
            _send(worker.conn, {"kind": "stop"})

    def handle(worker: _Worker, message: dict) -> None:
        nonlocal plan
        kind = message.get("kind")
        if kind == "fatal":
            raise GradingFailed(str(message.get("error")))
        if kind == "ready":
            plan = plan or {str(k): float(v) for k, v in message["plan"].items()}
            progress.describe("Grading")
            assign(worker)
        elif kind == "result" and worker.task is not None:
            task = worker.task
            row = Row(task["student"], str(message.get("status")), message.get("report"), message.get("seconds"), task["hash"])
            if isinstance(row.report, dict):
                row.status = "graded"
                journal.append({
                    "student": row.student, "hash": task["hash"], "config": fingerprint,
                    "seconds": row.seconds, "report": row.report,
                })
            else:
                row.report = None
            rows[row.student] = row
            progress.advance(row)
            assign(worker)

    def bury(worker: _Worker) -> None:
        worker.process.join(5)
        if worker.task is not None:
            student = worker.task["student"]
            rows[student] = Row(
                student,
                f"grading failed: the grading process ended (exit code {worker.process.exitcode}) "
                "while grading this submission; re-run to try again",
            )
            progress.advance(rows[student])
            worker.task = None
        pool.remove(worker)
        if pending and not pool.add_replacement() and not pool.workers:
            raise GradingFailed("every grading process ended before the batch was done: see the messages above")

    try:
        pool = WorkerPool(size, {"exercises": exercises, **options}, method)  # before the progress thread starts
        progress = Progress(total, quiet, done=total - len(todo), failed=sum(r.report is None for r in rows.values()))
        progress.describe(f"Starting {size} worker{'s' if size > 1 else ''}")
        while pool.workers and (pending or any(w.task for w in pool.workers)):
            handles = {}
            for worker in pool.workers:
                handles[worker.conn] = handles[worker.process.sentinel] = worker
            ready = []
            for handle_ in wait(list(handles), timeout=1.0):
                if handles[handle_] not in ready:
                    ready.append(handles[handle_])
            for worker in ready:
                dead = False
                try:
                    while worker.conn.poll():
                        handle(worker, _receive(worker.conn))
                except (EOFError, OSError, ValueError):
                    dead = True
                if dead or not worker.process.is_alive():
                    bury(worker)
        if pending:
            raise GradingFailed("every grading process ended before the batch was done: see the messages above")
    except BaseException as error:
        if progress is not None:
            progress.close()
        if pool is not None:
            pool.stop(graceful=False)
        if isinstance(error, KeyboardInterrupt):
            raise BatchInterrupted(len(rows), total) from None
        raise
    else:
        progress.close()
        pool.stop(graceful=True)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return plan


# -- outputs ----------------------------------------------------------------------------------


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


# -- the command ------------------------------------------------------------------------------


def resolve_exercises(names: tuple[str, ...]) -> list[str]:
    from autograde import course

    try:
        return course.resolve(names)
    except course.UnknownExercise as error:
        raise click.UsageError(str(error)) from None


@click.command("batch")
@click.argument("submissions", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("-o", "--output", "out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder for gradebook.csv, report.html, reports/ and gradescope/ (and the journal that makes re-runs resume).")
@click.option("--workers", type=click.IntRange(min=1), help="Submissions graded in parallel. [default: the number of cores]")
@click.option("-e", "--exercise", "exercise_names", multiple=True, metavar="EXERCISE",
              help="Grade only this exercise (repeatable). [default: all]")
@click.option("--extra-graders", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Folder of instructor-only grader suites (test_<exercise>.py), hidden from students by default.")
@timeout_option
@memory_option
@click.option("-q", "--quiet", is_flag=True, help="No progress bar; print only the summary line.")
def batch_command(submissions, out, workers, exercise_names, extra_graders, timeout, memory_mib, quiet):
    """Grade every submission in SUBMISSIONS (folders and/or .zip files, named by student id).

    Re-running the same command grades only submissions that are new or changed since the last
    run (and those an interruption left ungraded). Delete OUT/journal.jsonl to grade all again.
    """
    exercises = resolve_exercises(exercise_names)
    try:
        result = run_batch(
            submissions, out, exercises, workers=workers, timeout=timeout, memory_bytes=memory_mib << 20,
            extra_graders=extra_graders, quiet=quiet,
        )
    except BatchInterrupted as stopped:
        click.echo(
            f"Interrupted: {stopped.done} of {stopped.total} submissions are done and journalled. "
            "Run the same command again to grade the rest.",
            err=True,
        )
        sys.exit(EXIT_INTERRUPTED)
    graded = [r for r in result.rows if r.report is not None]
    from autograde.formats import percent

    mean = sum(percent(r.report) for r in graded) / len(graded) if graded else 0.0
    click.echo(
        f"{len(result.rows)} submissions: {len(graded)} graded ({result.graded_now} now, {result.reused} from the journal), "
        f"{len(result.rows) - len(graded)} could not be graded; mean {mean:.1f}%. "
        f"Wrote {out / 'gradebook.csv'} and {out / 'report.html'} in {result.seconds:.1f} s."
    )


def register(main: click.Group) -> None:
    main.add_command(batch_command)


if __name__ == "__main__":  # python -m autograde.batch SUBMISSIONS -o OUT (before cli.py registers it)
    batch_command()
