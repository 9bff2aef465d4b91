"""Runners share nothing with each other or with the grader, and every wait of the checker has a deadline.

Each attack is graded in the sandbox and in the fallback next to an honest exercise, like
tests/test_adversarial.py; here the assertions are about what the attack could see or leave.
"""

from __future__ import annotations

import os
import signal
import sys
import time

import pytest
from pathlib import Path
from click.testing import CliRunner

from autograde.grading import engine
from autograde.sandbox import bubblewrap
from autograde.sandbox.launch import ForkServer
from tests.test_adversarial import LINUX_ROOT, grade_attack, honest_wrong_score, leaked_processes, mode  # noqa: F401

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="namespaces are Linux's")
SECRET = "grader-secret-4f1c"


def test_a_runner_inherits_no_environment_and_no_descriptor(tmp_path, monkeypatch):
    """The fork server starts from a clean environment: /proc/self/environ holds nothing of ours."""
    monkeypatch.setenv("GRADE_TEST_SECRET", SECRET)
    monkeypatch.setenv("GITHUB_OUTPUT", str(tmp_path / "github_output"))
    leaked = os.open(os.devnull, os.O_RDONLY)  # a descriptor of the checker's, not marked inheritable
    os.set_inheritable(leaked, True)
    for protections in [bubblewrap.detect(), bubblewrap.Protections("fallback", "forced by the test", False, LINUX_ROOT)]:
        server = ForkServer(protections)
        try:
            report = grade_attack((protections.mode, server), tmp_path / protections.mode, "inherits_secrets")
        finally:
            server.close()
        printed = report.exercises["rnn_step"].output
        assert "environ:" in printed and "fds: [0, 1, 2, " in printed, printed
        assert SECRET not in printed and "GITHUB_" not in printed and str(tmp_path) not in printed, printed
        fds = eval(printed.split("fds: ")[1].splitlines()[0])  # noqa: S307 - our own test output
        assert len(fds) <= 5, f"{protections.mode}: the runner holds descriptors {fds}"  # 0-2, its channel, listdir's own
    os.close(leaked)


def test_no_message_queue_crosses_from_one_runner_to_the_next(mode, tmp_path):
    first = grade_attack(mode, tmp_path / "first", "stores_in_a_message_queue")
    second = grade_attack(mode, tmp_path / "second", "stores_in_a_message_queue")
    assert "queue found: False" in first.exercises["rnn_step"].output
    assert "queue found: False" in second.exercises["rnn_step"].output, "a SysV queue outlived its runner"


def test_runners_alive_at_once_are_each_the_init_of_their_own_namespaces(mode, tmp_path):
    """Each runner is the init of pid and IPC namespaces of its own (and, as root, of a network
    namespace it makes itself): two runners alive together share none, and the fork server
    that forked them is still the one it was (one that lost its way back would be replaced)."""
    import torch

    from autograde.grading.remote import RemoteExercise

    server = mode[1]
    if not (server.protections.runner_namespaces if mode[0] == "sandbox" else LINUX_ROOT):
        pytest.skip("runners get no namespaces of their own here")
    (tmp_path / "rnn_step.py").write_text((Path(__file__).parent / "adversarial" / "names_its_namespaces.py").read_text())
    server.wait_until_ready()
    fork_server = server.process.pid
    runners = [RemoteExercise(server, "rnn_step", tmp_path / "rnn_step.py", restricted=False) for _ in range(2)]
    try:
        for runner in runners:
            runner.rnn_step(*[torch.zeros(2, 2)] * 5)
        seen = [dict(line.split(": ", 1) for line in runner.printed_output().splitlines()) for runner in runners]
    finally:
        for runner in runners:
            runner.close()
    assert server.process.pid == fork_server, "the fork server was replaced between the two runners"
    assert [view["pid"] for view in seen] == ["1", "1"], seen
    kinds = ("pid", "ipc", "net") if os.geteuid() == 0 else ("pid", "ipc")  # isolate_network acts as root only
    for kind in kinds:
        own = os.readlink(f"/proc/self/ns/{kind}")
        first, second = (view[f"{kind} namespace"] for view in seen)
        assert "unreadable" not in first + second, seen
        assert first != second and own not in (first, second), (kind, seen)


@pytest.mark.skipif(not LINUX_ROOT, reason="runners drop to their own uid only as root")
def test_a_runner_that_dropped_its_uid_still_dies_with_its_fork_server(tmp_path):
    """A change of uid disarms the parent-death signal: the runner arms it again afterwards."""
    import torch

    from autograde.grading.remote import RemoteExercise

    server = ForkServer(bubblewrap.Protections("fallback", "forced by the test", True, LINUX_ROOT))
    (tmp_path / "rnn_step.py").write_text((Path(__file__).parent / "adversarial" / "names_its_namespaces.py").read_text())
    runner = RemoteExercise(server, "rnn_step", tmp_path / "rnn_step.py", restricted=False)
    try:
        runner.rnn_step(*[torch.zeros(2, 2)] * 5)
        pid = runner.runner.pid
        assert Path(f"/proc/{pid}/status").read_text().split("Uid:")[1].split()[0] != "0"
        os.kill(server.process.pid, signal.SIGKILL)

        def gone() -> bool:
            try:
                return "State:\tZ" in Path(f"/proc/{pid}/status").read_text()
            except OSError:
                return True

        deadline = time.monotonic() + 5
        while not gone() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert gone(), "the runner outlived its fork server"
    finally:
        runner.close()
        server.close(force=True)


def test_a_chain_of_processes_dies_with_its_runner(mode, tmp_path, honest_wrong_score):
    report = grade_attack(mode, tmp_path, "process_chain")
    assert report.exercises["rnn_step"].score <= honest_wrong_score
    deadline = time.monotonic() + 5
    while leaked_processes("graderchain7") and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not leaked_processes("graderchain7")


def test_stopping_every_visible_process_stops_nobody_else(mode, tmp_path, honest_wrong_score):
    started = time.monotonic()
    report = grade_attack(mode, tmp_path, "stops_everything")  # the honest exercise beside it still grades
    assert report.exercises["rnn_step"].score <= honest_wrong_score
    assert time.monotonic() - started < 60


def test_a_stopped_fork_server_is_replaced_within_its_deadline(tmp_path):
    """In the fallback the server's own pid is the fork server (in the sandbox it would be bwrap's)."""
    fallback = bubblewrap.Protections("fallback", "forced by the test", False, LINUX_ROOT)
    server = ForkServer(fallback, control_seconds=2.0)
    try:
        server.wait_until_ready()
        os.kill(server.process.pid, signal.SIGSTOP)
        started = time.monotonic()
        report = grade_attack(("fallback", server), tmp_path, "stops_everything")
        assert report.exercises["rnn_step_fused"].score == report.exercises["rnn_step_fused"].max_score
        assert time.monotonic() - started < 30
    finally:
        server.close(force=True)


@pytest.mark.parametrize("fault", ["killed", "stopped"])
def test_a_fork_server_lost_while_warming_up_for_training_is_replaced(tmp_path, fault):
    """The warm-up is asked without waiting for its answer: a fork server that never gives it
    is replaced by the next request, whose answer is never mistaken for the warm-up's."""
    fallback = bubblewrap.Protections("fallback", "forced by the test", False, LINUX_ROOT)
    server = ForkServer(fallback, control_seconds=2.0)
    try:
        server.wait_until_ready()
        server.warm_up_training()
        os.kill(server.process.pid, signal.SIGKILL if fault == "killed" else signal.SIGSTOP)
        report = grade_attack(("fallback", server), tmp_path, "stops_everything")
        assert report.exercises["rnn_step_fused"].score == report.exercises["rnn_step_fused"].max_score
        assert not server.warmed_for_training  # its replacement never warmed up
    finally:
        server.close(force=True)


UNSEPARATED = bubblewrap.Protections("fallback", "forced by the test", False, False, "needs root (or the sandbox)")


@pytest.mark.parametrize("command", [["batch", "{subs}", "-o", "{out}"], ["ci"], ["gradescope", "--submission", "{subs}", "--results", "{out}/results.json"]])
def test_official_modes_refuse_to_run_submissions_as_the_grading_user(tmp_path, monkeypatch, command):
    import cli
    from autograde.errors import EXIT_UNSEPARATED

    monkeypatch.setattr(bubblewrap, "detect", lambda: UNSEPARATED)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "subs").mkdir()
    (tmp_path / "exercises").mkdir()
    (tmp_path / "out").mkdir()
    args = [a.format(subs=tmp_path / "subs", out=tmp_path / "out") for a in command]
    result = CliRunner().invoke(cli.main, args)
    assert result.exit_code == EXIT_UNSEPARATED, result.output
    assert "--allow-unsandboxed" in result.output
    if command[0] == "gradescope":
        assert (tmp_path / "out" / "results.json").is_file()  # Gradescope still gets valid results


def test_every_report_records_how_runners_were_contained(tmp_path):
    (tmp_path / "rnn_step.py").write_text("def rnn_step(*args):\n    raise NotImplementedError\n")
    report = engine.grade(tmp_path, ["rnn_step"]).to_json()
    assert {"mode", "separated", "runner_uid", "runner_namespaces"} <= set(report["protections"])


def test_a_huge_reply_frame_is_refused_unread(mode, tmp_path, honest_wrong_score):
    import resource

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    report = grade_attack(mode, tmp_path, "huge_frame")
    grown_mib = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    result = report.exercises["rnn_step"]
    assert result.score <= honest_wrong_score
    assert any("more than the 64 MiB this check reads" in t.message for t in result.tests), [t.message for t in result.tests]
    assert grown_mib < 256, f"the checker grew by {grown_mib:.0f} MiB reading a runner's reply"


@pytest.mark.slow
@pytest.mark.skipif(not bubblewrap.detect().cpu_budget, reason="needs root and the cgroup cpu controller")
def test_a_cpu_hog_in_one_worker_does_not_slow_another_workers_runner(tmp_path):
    """Two fork servers, as two batch workers have: one runs sixty busy loops, the other honest
    compute-bound rnn_step calls; the honest one runs at about the speed it has alone."""
    import contextlib
    import threading

    import torch

    from autograde.grading import course
    from autograde.grading.remote import RemoteExercise

    (tmp_path / "rnn_step.py").write_text((Path(__file__).parent / "adversarial" / "cpu_hog.py").read_text())
    hog_server, honest_server = ForkServer(bubblewrap.detect()), ForkServer(bubblewrap.detect())
    inputs = (torch.randn(2048, 512), torch.randn(2048, 512), torch.randn(512, 512), torch.randn(512, 512), torch.randn(512))

    def honest_seconds() -> float:
        # Compute-bound calls: throughput is what a hog can steal (rnn_forward's served rnn_step
        # calls would measure wake-up latency instead, which fair shares do not bound).
        honest = RemoteExercise(honest_server, "rnn_step", course.reference_dir() / "rnn_step.py", timeout=60)
        try:
            honest.rnn_step(*inputs)  # warm
            started = time.perf_counter()
            for _ in range(8):
                honest.rnn_step(*inputs)
            return time.perf_counter() - started
        finally:
            honest.close()

    try:
        alone = honest_seconds()
        hog = RemoteExercise(hog_server, "rnn_step", tmp_path / "rnn_step.py", timeout=30, restricted=False)
        def run_the_hog():
            with contextlib.suppress(Exception):  # only its load matters here, not its result
                hog.call("rnn_step", *[torch.zeros(2, 2)] * 5)

        hogging = threading.Thread(target=run_the_hog, daemon=True)
        hogging.start()
        time.sleep(1.0)  # the loops are running
        beside_the_hog = honest_seconds()
        hogging.join(60)
        hog.close()
    finally:
        hog_server.close(force=True)
        honest_server.close(force=True)
    print(f"alone {alone:.2f} s, beside the hog {beside_the_hog:.2f} s")
    assert beside_the_hog < 3 * alone + 0.5, f"alone {alone:.2f} s, beside sixty busy loops {beside_the_hog:.2f} s"
