"""grade batch --scheduler: the same rows on a Dask cluster as locally, faults, resuming, refusal.

Clusters here listen on 127.0.0.1 only, every wait is bounded, and everything is torn down. Only
``rnn_step`` and ``rnn_step_fused`` are graded, on a few small submissions.
"""

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

distributed = pytest.importorskip("distributed")

import dask  # noqa: E402

from autograde.batch import journal, run  # noqa: E402
from autograde.errors import EXIT_UNSEPARATED, Interrupted  # noqa: E402
from autograde.grading import course, engine, intake  # noqa: E402
from tests.helpers import without_timings  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
EXERCISES = ["rnn_step", "rnn_step_fused"]
SLOW_STEP = """import torch


def rnn_step(x_t, h_prev, Wxh, Whh, bh):
    total = 0
    for i in range(1_500_000):  # slow on purpose: grading takes a few seconds
        total += i
    return torch.tanh(x_t @ Wxh + h_prev @ Whh + bh)
"""


def reference(name: str) -> bytes:
    return (course.reference_dir() / f"{name}.py").read_bytes()


def write_class(folder: Path, students: dict[str, dict[str, bytes]]) -> Path:
    for student, files in students.items():
        (folder / student).mkdir(parents=True)
        for name, data in files.items():
            (folder / student / f"{name}.py").write_bytes(data)
    return folder


def small_class(folder: Path) -> Path:
    """Correct, wrong, incomplete and broken submissions."""
    return write_class(folder, {
        "ann": {name: reference(name) for name in EXERCISES},
        "bo": {"rnn_step": b"def rnn_step(x_t, h_prev, Wxh, Whh, bh):\n    return x_t @ Wxh + h_prev @ Whh + bh\n",
               "rnn_step_fused": reference("rnn_step_fused")},
        "cy": {"rnn_step": reference("rnn_step")},
        "di": {"rnn_step": b"def rnn_step(x_t, h_prev:\n", "rnn_step_fused": b"import os\n"},
    })


@contextlib.contextmanager
def local_cluster(workers: int, **config):
    with dask.config.set(config):
        cluster = distributed.LocalCluster(
            processes=True, n_workers=workers, threads_per_worker=1, host="127.0.0.1", dashboard_address=None,
        )
    try:
        with distributed.Client(cluster, set_as_default=False) as connected:
            connected.wait_for_workers(workers, timeout=120)
            yield connected
    finally:
        cluster.close(timeout=30)


@pytest.fixture(scope="module")
def client():
    """Two worker processes of one thread each."""
    with local_cluster(2) as connected:
        yield connected


def test_a_cluster_gives_each_submission_the_report_it_gets_locally_and_resumes_from_the_journal(client, tmp_path):
    subs = small_class(tmp_path / "submissions")
    out = tmp_path / "out"
    result = run.run_batch(subs, out, EXERCISES, scheduler=client, quiet=True)
    assert result.graded_now == 4 and result.exercise_max == {"rnn_step": 7.0, "rnn_step_fused": 7.0}
    workers = set(client.scheduler_info()["workers"])
    for row in result.rows:
        assert row.status == "graded", row
        assert row.report["worker"] in workers
        assert row.report["protections"]["mode"] in ("sandbox", "fallback")
        assert all(isinstance(e["seconds"], float) for e in row.report["exercises"].values())
        local = engine.grade(subs / row.student, EXERCISES).to_json()
        assert without_timings(row.report) == without_timings(local), row.student
        assert row.report["protections"] == local["protections"]  # the same machine here
    assert {r.student: r.report["score"] for r in result.rows} == {"ann": 14.0, "bo": 9.5, "cy": 7.0, "di": 0.0}
    on_disk = json.loads((out / "reports" / "bo.json").read_text())
    assert without_timings(on_disk) == without_timings(result.rows[1].report)

    again = run.run_batch(subs, out, EXERCISES, scheduler=client, quiet=True)
    assert (again.graded_now, again.reused) == (0, 4)


def test_an_interrupted_cluster_batch_keeps_what_was_journalled_and_a_rerun_grades_the_rest(client, tmp_path, monkeypatch):
    subs = small_class(tmp_path / "submissions")
    out = tmp_path / "out"
    record = run.GradingRun.record

    def record_then_ctrl_c(self, *args):
        record(self, *args)
        raise KeyboardInterrupt

    monkeypatch.setattr(run.GradingRun, "record", record_then_ctrl_c)
    with pytest.raises(Interrupted, match="1 of 4 submissions are done"):
        run.run_batch(subs, out, EXERCISES, scheduler=client, quiet=True)
    assert len(journal.Journal(out / "journal.jsonl").load()) == 1 and not (out / "gradebook.csv").exists()
    monkeypatch.setattr(run.GradingRun, "record", record)
    result = run.run_batch(subs, out, EXERCISES, scheduler=client, quiet=True)
    assert (result.reused, result.graded_now) == (1, 3)
    assert all(r.status == "graded" for r in result.rows)


def test_unseparated_workers_are_refused_unless_allowed(client, tmp_path, monkeypatch):
    from autograde.batch import cluster
    from autograde.errors import Unseparated

    unseparated = {"mode": "fallback", "bubblewrap": "disabled", "runner_uid": False, "network_isolated": False,
                   "separated": False, "runner_namespaces": True}
    monkeypatch.setattr(cluster, "describe_worker", lambda exercises: json.dumps(
        {"protections": unseparated, "uid_note": "needs root", "code": cluster.code_fingerprint(exercises), "host": "h"}))
    subs = write_class(tmp_path / "submissions", {"ann": {"rnn_step": reference("rnn_step")}})
    with pytest.raises(Unseparated, match="2 of 2 Dask workers cannot separate runners"):
        run.run_batch(subs, tmp_path / "out", ["rnn_step"], scheduler=client, quiet=True)
    monkeypatch.setattr(cluster, "code_fingerprint", lambda exercises: "another version")
    with pytest.raises(Exception, match="grade with other code"):
        run.run_batch(subs, tmp_path / "out", ["rnn_step"], scheduler=client, quiet=True, allow_unsandboxed=True)


def executing(client) -> set[tuple[str, int]]:
    try:
        found = client.run(lambda dask_worker: [(str(ts.key), os.getpid()) for ts in dask_worker.state.executing])
    except Exception:  # noqa: BLE001 - a worker restarting
        return set()
    return {task for tasks in found.values() for task in tasks}


def kill_workers_running(client, plan: dict[str, int], deadline: float, killed: list) -> None:
    """SIGKILL the worker running a task whose key holds a digest of ``plan``, that many times."""
    while time.monotonic() < deadline and any(plan.values()):
        for key, pid in executing(client):
            digest = next((d for d, n in plan.items() if n and d[:12] in key), None)
            if digest is not None:
                time.sleep(0.5)  # into the grading, then only if that task is still what it runs
                if (key, pid) in executing(client):
                    os.kill(pid, signal.SIGKILL)
                    plan[digest] -= 1
                    killed.append(key)
        time.sleep(0.2)


def test_a_lost_worker_costs_no_row_and_a_submission_that_keeps_killing_workers_becomes_a_row(tmp_path):
    students = {
        "ann": {"rnn_step": SLOW_STEP.encode()},  # its worker dies once: graded again
        "bo": {"rnn_step": SLOW_STEP.encode() + b"# bo\n"},  # its workers die twice: given up
        "cy": {"rnn_step": reference("rnn_step")},
    }
    subs = write_class(tmp_path / "submissions", students)
    plan = {intake.content_hash(students["ann"]): 1, intake.content_hash(students["bo"]): 2}
    killed: list = []
    # Two workers that each hold only the task they run (worker-saturation 1.0), so a death costs
    # that task alone, and grading goes on while a nanny restarts the dead worker (one that comes
    # back slowly under load costs time, not the test). Dask gives a task up at its first lost
    # worker, and the client submits it once more.
    config = {"distributed.scheduler.allowed-failures": 0, "distributed.scheduler.worker-saturation": 1.0}
    with local_cluster(2, **config) as client:
        killer = threading.Thread(target=kill_workers_running, args=(client, plan, time.monotonic() + 300, killed), daemon=True)
        killer.start()
        result = run.run_batch(subs, tmp_path / "out", ["rnn_step"], scheduler=client, quiet=True)
        killer.join(10)
    assert len(killed) == 3, killed
    status = {row.student: row.status for row in result.rows}
    assert status["ann"] == "graded" and status["cy"] == "graded", status
    assert status["bo"].startswith("grading failed: the workers grading this submission died or were lost"), status
    assert [r.report["score"] for r in result.rows if r.report] == [7.0, 7.0]
    assert sorted(journal.Journal(tmp_path / "out" / "journal.jsonl").load()) == ["ann", "cy"]  # bo: on a re-run


# -- a cluster started as a user would -----------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def stop(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=20)


@pytest.mark.slow
def test_the_command_grades_on_a_dask_scheduler_with_two_dask_workers_and_refuses_them_unsandboxed(tmp_path):
    dask_cli = [sys.executable, "-m", "dask"]
    address = f"tcp://127.0.0.1:{free_port()}"
    env = {**os.environ, "PYTHONPATH": str(REPO), "GRADE_SANDBOX": "off"}  # the fallback: unseparated as root here
    processes = []
    try:
        common = dict(env=env, cwd=tmp_path, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        processes.append(subprocess.Popen(
            [*dask_cli, "scheduler", "--host", "127.0.0.1", "--port", address.rsplit(":", 1)[1], "--no-dashboard"], **common))
        for _ in range(2):
            processes.append(subprocess.Popen(
                [*dask_cli, "worker", address, "--nthreads", "1", "--host", "127.0.0.1", "--no-dashboard"], **common))
        with distributed.Client(address, timeout=60, set_as_default=False) as probe:
            probe.wait_for_workers(2, timeout=120)
        subs = small_class(tmp_path / "submissions")
        command = [sys.executable, "-m", "cli", "batch", str(subs), "-o", str(tmp_path / "out"), "-e", "rnn_step",
                   "-e", "rnn_step_fused", "-q", "--scheduler", address]
        refused = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
        assert refused.returncode == EXIT_UNSEPARATED, refused.stderr
        assert "Dask workers cannot separate runners" in refused.stderr and "--allow-unsandboxed" in refused.stderr
        graded = subprocess.run([*command, "--allow-unsandboxed"], cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
        assert graded.returncode == 0, graded.stderr
        assert "4 submissions: 4 graded (4 now, 0 from the journal)" in graded.stdout
        reports = {p.stem: json.loads(p.read_text()) for p in (tmp_path / "out" / "reports").glob("*.json")}
        assert {s: r["score"] for s, r in reports.items()} == {"ann": 14.0, "bo": 9.5, "cy": 7.0, "di": 0.0}
        assert all(r["protections"]["mode"] == "fallback" and not r["protections"]["separated"] for r in reports.values())
        assert len({r["worker"] for r in reports.values()}) <= 2
    finally:
        stop(processes[::-1])
