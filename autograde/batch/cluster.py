"""``grade batch --scheduler ADDRESS``: the same batch, graded by the workers of a Dask cluster.

The client (this process) does what a local batch does: intake, the journal, resuming, the
progress bar and the outputs (``run.GradingRun``). Only the grading moves: each Dask worker
runs a ``GraderPlugin`` that starts the engine once (the sandboxed fork server, torch, the
collected grader suites) in a thread of its own, and ``grade_submission`` tasks hand it
submissions as plain data (the kept files as bytes, nothing read from a shared disk). A task
returns the JSON report as JSON text, so nothing of ours is ever unpickled on the client. Dask
itself pickles its messages between the client, the scheduler and the workers, which are all
trusted (the instructor's machines); student code only ever runs in a worker's runners.

A worker that dies or is lost mid-grading costs no row: the scheduler gives its task to another
worker (the client keeps one task per worker thread in flight, so a worker holds only the
submission it is grading). A submission Dask gives up on (``KilledWorker``: its worker was lost
``distributed.scheduler.allowed-failures`` + 1 times, 3 + 1 by default) is submitted again, since
it may only have been queued behind the one that killed them; after ``KILLED_ROUNDS`` such
rounds it becomes a row saying so. The client refuses workers whose runners
cannot be separated from their grading user (unless ``--allow-unsandboxed``) and workers that
grade with other code, references or grader suites than its own. This module imports
``distributed``: only ``grade batch --scheduler`` imports it.
"""

from __future__ import annotations

import contextlib
import json
import queue
import re
import shutil
import socket
import tempfile
import threading
import time
import uuid
from collections import deque
from pathlib import Path

from distributed import WorkerPlugin

from autograde.batch.journal import grading_fingerprint
from autograde.batch.run import GradingRun
from autograde.errors import GraderBroken, Unseparated

PLUGIN_NAME = "autograde-grader"
CONNECT_SECONDS = 30.0
"""The longest the client waits to reach the scheduler."""
WORKERS_SECONDS = 300.0
"""The longest the client waits for a first worker to join, and for one to come back when every
worker has left mid-batch."""
ENGINE_START_SECONDS = 600.0
"""The longest a task waits for its worker's engine to start (torch, the fork server, the suites)."""
POLL_SECONDS = 5.0
KILLED_ROUNDS = 2
"""How many times a submission is submitted again after Dask gave it up (KilledWorker): a task
queued on a worker behind another that kills it is charged for that death too."""
EXTRA_SUITE = re.compile(r"test_[a-z0-9_]+\.py")


def code_fingerprint(exercises: list[str]) -> str:
    """What a worker must share with the client for its results to count: the engine, the
    references and these exercises' suites (limits and hidden suites travel with the tasks)."""
    return grading_fingerprint(exercises, {})


# -- on each worker ------------------------------------------------------------------------------


def describe_worker(exercises: list[str]) -> str:
    """This worker's protections and grading code, as JSON (asked by the client before grading)."""
    from autograde.sandbox import bubblewrap

    found = bubblewrap.detect()
    return json.dumps({
        "protections": found.to_json(), "uid_note": found.uid_note, "code": code_fingerprint(exercises),
        "host": socket.gethostname(),
    })


class EngineThread:
    """The one thread of a worker process that runs the engine: jobs in order, one at a time.

    The fork server (and its sandbox) dies with the thread that started it (PR_SET_PDEATHSIG), so
    it must be started, and restarted, from a thread that lives as long as the process: not one
    of Dask's task threads, nor a plugin's (a batch that registers the plugin again replaces it).
    """

    _instance: EngineThread | None = None
    _guard = threading.Lock()

    @classmethod
    def get(cls) -> EngineThread:
        with cls._guard:
            if cls._instance is None:
                cls._instance = cls()
            return cls._instance

    def __init__(self):
        self.jobs: queue.Queue = queue.Queue()
        threading.Thread(target=self._loop, name="autograde-engine", daemon=True).start()

    def _loop(self) -> None:
        while True:
            job, answer = self.jobs.get()
            try:
                answer.put((True, job()))
            except BaseException as error:  # noqa: BLE001 - the thread outlives any one job
                answer.put((False, error))

    def call(self, job):
        """Run ``job()`` on the engine thread; its result (or exception) here."""
        answer: queue.Queue = queue.Queue()
        self.jobs.put((job, answer))
        ok, value = answer.get()
        if not ok:
            raise value
        return value


class GraderPlugin(WorkerPlugin):
    """The engine of one Dask worker process: started once, grading one submission at a time.

    Only plain data crosses: ``settings`` and ``extra_suites`` (the hidden suites' texts) come
    from the client, tasks are dicts of bytes, replies are JSON text.
    """

    name = PLUGIN_NAME

    def __init__(self, settings: dict, extra_suites: dict[str, str]):
        self.settings = settings
        self.extra_suites = extra_suites

    def setup(self, worker):
        self.address = worker.address
        self.ready = threading.Event()
        self.failure: str | None = None
        self.plan: dict | None = None
        self.protections: dict | None = None
        self.code: str | None = None
        self.extra_dir: Path | None = None
        # Not waited for: the worker's event loop keeps answering while torch loads.
        threading.Thread(target=lambda: EngineThread.get().call(self._start), name="autograde-engine-start", daemon=True).start()

    def teardown(self, worker):
        if self.extra_dir is not None:
            shutil.rmtree(self.extra_dir, ignore_errors=True)

    def _start(self) -> None:
        try:
            from autograde.grading import engine

            engine.start()  # before any grader or reference is imported: runners fork from the fork server
            from autograde.grading import course
            from autograde.sandbox.launch import default_launcher

            course.resolve_exercises_to_reference()
            exercises = self.settings["exercises"]
            if self.extra_suites:
                self.extra_dir = Path(tempfile.mkdtemp(prefix="grade-extra-graders-"))
                for name, text in self.extra_suites.items():
                    if EXTRA_SUITE.fullmatch(name):
                        (self.extra_dir / name).write_text(text, encoding="utf-8")
            self.options = engine.Options(
                timeout=self.settings["timeout"], memory_bytes=self.settings["memory_bytes"], extra_graders=self.extra_dir,
                fresh_inputs=True,
            )
            self.code = code_fingerprint(exercises)
            self.protections = default_launcher().protections.to_json()
            self.plan = engine.plan(exercises, self.extra_dir)
        except GraderBroken as error:
            self.failure = str(error)
        except Exception as error:  # noqa: BLE001 - a broken installation on this worker
            self.failure = f"the grader suites could not be collected on {self.address} ({type(error).__name__}: {error})"
        finally:
            self.ready.set()

    def grade(self, task: dict) -> dict:
        """Called from a Dask task thread: hand the task to the engine thread and wait."""
        if not self.ready.wait(ENGINE_START_SECONDS):
            return {"kind": "fatal", "error": f"the engine of worker {self.address} did not start within {ENGINE_START_SECONDS:.0f} s"}
        if self.failure is not None:
            return {"kind": "fatal", "error": self.failure}
        if task.get("code") != self.code:
            return {"kind": "fatal", "error": f"worker {self.address} ({socket.gethostname()}) grades with other code, "
                    "references or grader suites than the client: install the same version of the package on every worker"}
        if not self.protections.get("separated") and not self.settings.get("allow_unsandboxed"):
            return {"kind": "refused", "worker": self.address, "protections": self.protections}
        try:
            return EngineThread.get().call(lambda: self._grade(task))
        except BaseException as error:  # noqa: BLE001 - a reply, whatever happened
            return {"kind": "result", "status": f"grading failed: {type(error).__name__}: {error}", "report": None}

    def _grade(self, task: dict) -> dict:
        from autograde.grading import course, engine

        names = set(course.names())
        folder = Path(tempfile.mkdtemp(prefix="grade-submission-"))
        started = time.perf_counter()
        reply = {"kind": "result", "plan": self.plan}
        try:
            for name, data in task["files"].items():
                if name not in names or not isinstance(data, bytes):
                    raise ValueError(f"a task held {name!r}, which is not an exercise file")
                (folder / f"{name}.py").write_bytes(data)
            report = engine.grade(folder, self.settings["exercises"], self.options).to_json()
            report["worker"] = self.address
            reply.update(status="graded", report=report)
        except GraderBroken as error:
            reply.update(status=f"grading failed: {error}", report=None)
        except Exception as error:  # noqa: BLE001 - one submission never ends the batch
            reply.update(status=f"grading failed: {type(error).__name__}: {error}", report=None)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        reply["seconds"] = round(time.perf_counter() - started, 3)
        return reply


def grade_submission(task: dict) -> str:
    """The Dask task: grade one submission on this worker; the reply as JSON text."""
    from distributed import get_worker

    plugin = get_worker().plugins.get(PLUGIN_NAME)
    if plugin is None:
        return json.dumps({"kind": "fatal", "error": "a worker without the grader plugin"})
    return json.dumps(plugin.grade(task))


# -- on the client ---------------------------------------------------------------------------------


class ClusterRun(GradingRun):
    """Cluster grading: submit the submissions as Dask tasks, take their results as they come."""

    def run(self, scheduler, quiet: bool, allow_unsandboxed: bool) -> dict[str, float] | None:
        from distributed import Client

        self.allow_unsandboxed = allow_unsandboxed
        self.futures: dict = {}
        self.rounds: dict[str, int] = {}  # student -> times Dask gave up on its grading
        own = isinstance(scheduler, str)
        client = None
        try:
            self.start_progress(quiet, f"Connecting to {scheduler}" if own else "Connecting")
            if own:
                try:
                    client = Client(scheduler, timeout=CONNECT_SECONDS, set_as_default=False)
                except (OSError, TimeoutError) as error:
                    raise GraderBroken(f"could not reach the Dask scheduler at {scheduler}: {error}") from None
            else:
                client = scheduler
            self._grade_all(client)
        except BaseException as error:
            self._close(client, own)
            if isinstance(error, KeyboardInterrupt):
                raise self.interrupted() from None
            raise
        else:
            self._close(client, own)
        return self.plan

    def _close(self, client, own: bool) -> None:
        self.close_progress()
        if client is not None:
            with contextlib.suppress(Exception):
                client.cancel(list(self.futures), force=True)
            if own:
                with contextlib.suppress(Exception):
                    client.close(timeout=10)

    def _grade_all(self, client) -> None:
        from distributed import wait

        self.progress.describe("Waiting for workers")
        self._wait_for_workers(client)
        code = code_fingerprint(self.settings.exercises)
        self._check_workers(client, code)
        client.register_plugin(GraderPlugin(self._plugin_settings(), self._extra_suites()), name=PLUGIN_NAME)
        self.progress.describe(f"Starting the engine on {len(client.scheduler_info()['workers'])} workers")
        run_id = uuid.uuid4().hex[:8]
        self.pending = pending = deque(enumerate(self.todo))
        attempt = 0
        while pending or self.futures:
            # One task per worker thread: a worker holds only what it grades, so its death costs no
            # other submission one of its tries (and the scheduler holds few files at a time).
            in_flight = max(1, sum(client.nthreads().values()))
            while pending and len(self.futures) < in_flight:
                index, submission = pending.popleft()
                task = {"files": dict(submission.files), "code": code}
                attempt += 1
                key = f"grade-{run_id}-{index:06d}-{submission.digest[:12]}-{attempt}"
                self.futures[client.submit(grade_submission, task, key=key, pure=False)] = (index, submission)
            try:
                with client.as_current():  # the client need not be the process's default
                    done, _ = wait(list(self.futures), timeout=POLL_SECONDS, return_when="FIRST_COMPLETED")
            except TimeoutError:
                done = set()
            for future in done:
                index, submission = self.futures.pop(future)
                if self._collect(future, submission) == "killed":
                    pending.appendleft((index, submission))
            if not done and not client.scheduler_info()["workers"]:
                self.progress.describe("Waiting for workers (every worker has left)")
                self._wait_for_workers(client)
                self.progress.describe("Grading")

    def _wait_for_workers(self, client) -> None:
        try:
            client.wait_for_workers(1, timeout=WORKERS_SECONDS)
        except TimeoutError:
            raise GraderBroken(f"no Dask worker joined the cluster within {WORKERS_SECONDS:.0f} s") from None

    def _check_workers(self, client, code: str) -> None:
        """Refuse workers that cannot separate runners, or that grade with other code."""
        try:
            described = client.run(describe_worker, self.settings.exercises)
        except Exception as error:  # noqa: BLE001 - a worker without the package, most often
            raise GraderBroken(
                f"the Dask workers cannot run the grader ({type(error).__name__}: {error}); every worker needs this "
                "package installed (docs/cluster.md)"
            ) from None
        workers = {address: json.loads(text) for address, text in described.items()}
        unseparated = {a: w for a, w in workers.items() if not w["protections"].get("separated")}
        if unseparated and not self.allow_unsandboxed:
            address, found = next(iter(unseparated.items()))
            raise Unseparated(
                f"{len(unseparated)} of {len(workers)} Dask workers cannot separate runners from their grading user "
                f"({address} on {found['host']}: bubblewrap: {found['protections'].get('bubblewrap')}; own uid: "
                f"{found['uid_note']}). Install bubblewrap on the workers or run them as root; or pass "
                "--allow-unsandboxed to grade anyway (see SECURITY.md, docs/cluster.md)."
            )
        other = [a for a, w in workers.items() if w["code"] != code]
        if other:
            raise GraderBroken(
                f"{len(other)} of {len(workers)} Dask workers ({', '.join(other[:3])}) grade with other code, references "
                "or grader suites than this machine: install the same version of the package on every worker"
            )

    def _plugin_settings(self) -> dict:
        return {"exercises": self.settings.exercises, "timeout": self.settings.timeout,
                "memory_bytes": self.settings.memory_bytes, "allow_unsandboxed": self.allow_unsandboxed}

    def _extra_suites(self) -> dict[str, str]:
        """The hidden suites' texts: workers get them as data, never as a path on this machine."""
        if not self.settings.extra_graders:
            return {}
        folder = Path(self.settings.extra_graders)
        return {
            path.name: path.read_text(encoding="utf-8")
            for name in self.settings.exercises if (path := folder / f"test_{name}.py").is_file()
        }

    def _collect(self, future, submission) -> str | None:
        """Make the row of a finished task; "killed" when it should be submitted again."""
        from distributed.scheduler import KilledWorker

        try:
            text = future.result()
        except KilledWorker:
            rounds = self.rounds[submission.student] = self.rounds.get(submission.student, 0) + 1
            if rounds < KILLED_ROUNDS:
                return "killed"
            self.lost(
                submission.student,
                f"grading failed: the workers grading this submission died or were lost while grading it, "
                f"{rounds} times more than Dask allows (distributed.scheduler.allowed-failures); re-run to try again",
            )
            return None
        except Exception as error:  # noqa: BLE001 - cancelled by the cluster, or a task that failed there
            self.lost(submission.student, f"grading failed on the cluster ({type(error).__name__}: {error}); re-run to try again")
            return None
        message = json.loads(text) if isinstance(text, str) else None
        if not isinstance(message, dict):
            self.lost(submission.student, "grading failed: a worker sent back something that is not a JSON object")
            return None
        kind = message.get("kind")
        if kind == "fatal":
            raise GraderBroken(str(message.get("error")))
        if kind == "refused":
            raise Unseparated(
                f"Dask worker {message.get('worker')} cannot separate runners from its grading user "
                f"(protections: {json.dumps(message.get('protections'))}); pass --allow-unsandboxed to grade anyway."
            )
        if isinstance(message.get("plan"), dict):
            self.announce(message["plan"])
        self.record(submission.student, submission.digest, message.get("status"), message.get("report"), message.get("seconds"))
        return None
