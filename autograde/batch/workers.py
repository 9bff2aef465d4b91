"""Long-lived grading workers: each one a ``grade`` process of its own, talking JSON over a pipe.

A worker calls ``engine.start()`` before anything else, collects the grader suites once
(``engine.plan``), then grades one submission after another with ``engine.grade``. Tasks and
results cross the pipes as JSON bytes (the documented JSON report), never pickles.
"""

from __future__ import annotations


import contextlib
import json
import os
import signal
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from autograde.errors import GraderBroken
from autograde.sandbox.protocol import COURSE_PACKAGES

WORKER_STOP_SECONDS = 15.0


def send(conn, message: dict) -> None:
    conn.send_bytes(json.dumps(message).encode("utf-8"))


def receive(conn) -> dict:
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
        from autograde.grading import engine

        engine.start()  # before any grader or reference is imported: runners fork from this
        from autograde.grading import course

        # Before plan() imports the references: one that imports exercises.X (rnn_forward uses
        # rnn_step) must bind the reference, not the stub. (engine.grade does this, plan does not.)
        course.resolve_exercises_to_reference()
        extra = Path(settings["extra_graders"]) if settings.get("extra_graders") else None
        options = engine.Options(timeout=settings["timeout"], memory_bytes=settings["memory_bytes"], extra_graders=extra, fresh_inputs=True)
        exercises = settings["exercises"]
        try:
            plan = engine.plan(exercises, extra)
        except GraderBroken as error:  # a broken suite ends the batch, said once
            send(conn, {"kind": "fatal", "error": str(error)})
            return
        except Exception as error:  # noqa: BLE001 - so does a broken installation
            send(conn, {"kind": "fatal", "error": f"the grader suites could not be collected ({type(error).__name__}: {error})"})
            return
        send(conn, {"kind": "ready", "plan": plan})
        while True:
            task = receive(conn)
            if task.get("kind") != "grade":
                return
            started = time.perf_counter()
            reply = {"kind": "result", "student": task["student"]}
            try:
                report = engine.grade(Path(task["folder"]), exercises, options)
                reply.update(status="graded", report=report.to_json())
            except GraderBroken as error:
                reply.update(status=f"grading failed: {error}", report=None)
            except Exception as error:  # noqa: BLE001 - one submission never ends the batch
                reply.update(status=f"grading failed: {type(error).__name__}: {error}", report=None)
            reply["seconds"] = round(time.perf_counter() - started, 3)
            send(conn, reply)
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
    heavy = {"torch", "autograde.sandbox.launch", "exercises", *COURSE_PACKAGES}
    if sys.platform.startswith("linux") and not heavy & set(sys.modules):
        return "fork"
    return "spawn"


@dataclass(eq=False)  # workers are compared by identity
class Worker:
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
        self.workers: list[Worker] = []
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
        self.workers.append(Worker(process, parent_end))

    def remove(self, worker: Worker) -> None:
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
                            send(worker.conn, {"kind": "stop"})
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
