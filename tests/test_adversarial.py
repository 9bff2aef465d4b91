"""Submissions written the way a determined student would cheat or break things.

Each attack is graded next to an honest, correct rnn_step_fused, in the sandbox (bubblewrap)
and in the fallback (rlimits, process groups, timeouts). Every attack must score no more than
an honest wrong answer, leave the honest exercise at full marks, and leave nothing behind.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import sys
from pathlib import Path

import pytest

from autograde.grading import course
from autograde.grading import engine
from autograde.sandbox import bubblewrap
from autograde.sandbox.launch import ForkServer, default_launcher
from tests.helpers import failures

ATTACKS = Path(__file__).parent / "adversarial"
CASES = Path(__file__).parent / "cases"
LINUX_ROOT = sys.platform.startswith("linux") and os.geteuid() == 0


@pytest.fixture(scope="session", params=["sandbox", "fallback"])
def mode(request):
    if request.param == "sandbox":
        if bubblewrap.detect().mode != "sandbox":
            pytest.skip(f"bubblewrap unavailable: {bubblewrap.detect().bubblewrap}")
        yield "sandbox", default_launcher()
        return
    fallback = bubblewrap.Protections("fallback", "forced by the test", False, LINUX_ROOT)
    server = ForkServer(fallback)
    yield "fallback", server
    server.close()


@pytest.fixture(scope="session")
def honest_wrong_score(mode):
    """What an honest but wrong rnn_step (the tanh forgotten) earns: no attack may beat it."""
    folder = Path(os.environ.get("TMPDIR", "/tmp")) / f"honest-wrong-{os.getpid()}-{mode[0]}"
    folder.mkdir(exist_ok=True)
    shutil.copyfile(CASES / "rnn_step" / "no_tanh.py", folder / "rnn_step.py")
    score = engine.grade(folder, ["rnn_step"], launcher=mode[1]).exercises["rnn_step"].score
    shutil.rmtree(folder)
    return score


def grade_attack(mode, folder: Path, attack: str, timeout: float = 5.0, **placeholders):
    source = (ATTACKS / f"{attack}.py").read_text()
    for key, value in placeholders.items():
        source = source.replace("{" + key + "}", str(value))
    folder.mkdir(exist_ok=True)
    (folder / "rnn_step.py").write_text(source)
    shutil.copyfile(course.reference_dir() / "rnn_step_fused.py", folder / "rnn_step_fused.py")
    # Without the submission policy: these attacks test the process walls beneath it, which must
    # hold on their own (tests/test_policy_attacks.py attacks the policy itself).
    options = engine.Options(timeout=timeout, restricted=False)
    report = engine.grade(folder, ["rnn_step", "rnn_step_fused"], options, launcher=mode[1])
    fused = report.exercises["rnn_step_fused"]
    assert fused.score == fused.max_score, failures(fused)
    return report


def leaked_processes(name: str) -> list[int]:
    leaked = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if Path(f"/proc/{entry}/comm").read_text().strip() == name:
                    leaked.append(int(entry))
            except OSError:
                pass
    return leaked


TAMPERING = [
    "patches_comparisons", "always_equal", "spoofing_subclass", "fake_results",
    "exits_sysexit", "exits_os_exit", "exits_raise_systemexit", "exits_keyboard_interrupt",
    "exits_base_exception", "kills_parent", "reads_the_reference", "ignores_sigterm",
]


@pytest.mark.parametrize("attack", TAMPERING)
def test_tampering_gains_nothing(mode, honest_wrong_score, tmp_path, attack):
    report_path = tmp_path / "report.json"
    report = grade_attack(
        mode, tmp_path / "submission", attack, timeout=2.0,
        REPORT_PATH=report_path, REFERENCE_PATH=course.reference_dir() / "rnn_step.py",
    )
    score = report.exercises["rnn_step"].score
    if attack == "reads_the_reference" and mode[0] == "fallback":
        pytest.xfail("without a sandbox, files the grading user can read are readable (SECURITY.md)")
    assert score <= honest_wrong_score, failures(report.exercises["rnn_step"])
    if mode[0] == "sandbox":
        assert not report_path.exists(), "a sandboxed runner wrote outside its folder"


def test_files_shipped_beside_the_submission_never_run(mode, honest_wrong_score, tmp_path):
    folder = tmp_path / "submission"
    folder.mkdir()
    marker = tmp_path / "ran"
    payload = f"open({str(marker)!r}, 'w').write('ran')\n"
    for extra in ("conftest.py", "test_extra.py", "sitecustomize.py", "usercustomize.py"):
        (folder / extra).write_text(payload)
    (folder / "evil.pth").write_text(f"import os; {payload}")
    shutil.copyfile(CASES / "rnn_step" / "no_tanh.py", folder / "rnn_step.py")
    shutil.copyfile(course.reference_dir() / "rnn_step_fused.py", folder / "rnn_step_fused.py")
    report = engine.grade(folder, ["rnn_step", "rnn_step_fused"], launcher=mode[1])
    assert not marker.exists()
    assert report.exercises["rnn_step"].score == honest_wrong_score
    assert report.exercises["rnn_step_fused"].score == report.exercises["rnn_step_fused"].max_score


def test_a_detached_daemon_is_gone_when_grading_ends(mode, tmp_path):
    grade_attack(mode, tmp_path / "submission", "leaves_a_daemon")
    assert leaked_processes("graderleak7") == []


def test_a_fork_bomb_is_contained(mode, tmp_path):
    if mode[0] != "sandbox":
        pytest.skip("a fork bomb as root without a sandbox is not something to run on a shared machine")
    report = grade_attack(mode, tmp_path / "submission", "fork_bomb", timeout=2.0)
    assert report.exercises["rnn_step"].score == 0


def test_filling_the_disk_hits_a_cap_and_leaves_the_host_alone(mode, tmp_path):
    if mode[0] != "sandbox":
        pytest.skip("without a sandbox only single files are capped (RLIMIT_FSIZE): SECURITY.md")
    before = shutil.disk_usage("/tmp").free
    report = grade_attack(mode, tmp_path / "submission", "fills_the_disk", timeout=20.0)
    assert report.exercises["rnn_step"].score == 0
    assert "No space left on device" in failures(report.exercises["rnn_step"])["test_matches_the_formula_in_float32"]
    assert before - shutil.disk_usage("/tmp").free < 64 << 20


def test_a_flood_of_output_is_truncated_and_the_report_stays_small(mode, tmp_path):
    report = grade_attack(mode, tmp_path / "submission", "floods_output", timeout=30.0)
    exercise = report.exercises["rnn_step"]
    assert exercise.score == exercise.max_score
    assert len(json.dumps(report.to_json())) < 100_000
    assert "not shown" in exercise.output


@pytest.mark.parametrize("attack", ["reads_stdin", "stray_thread"])
def test_stdin_and_stray_threads_do_not_hang_grading(mode, tmp_path, attack):
    report = grade_attack(mode, tmp_path / "submission", attack, timeout=5.0)
    assert report.exercises["rnn_step"].score == report.exercises["rnn_step"].max_score


def test_secrets_and_the_network_are_out_of_reach(mode, tmp_path, monkeypatch):
    secret = tmp_path / "secret.txt"
    secret.write_text("the-instructor-password")
    secret.chmod(0o600)
    monkeypatch.setenv("GRADER_API_TOKEN", "tok-123456")
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    listener.settimeout(0.5)
    report = grade_attack(
        mode, tmp_path / "submission", "steals_secrets", SECRET_PATH=secret, PORT=listener.getsockname()[1]
    )
    text = json.dumps(report.to_json())
    assert "tok-123456" not in text
    if mode[0] == "sandbox" or mode[1].protections.network_isolated:
        assert "NET connected" not in text
        with pytest.raises(OSError):
            listener.accept()
    if mode[0] == "sandbox":
        assert "the-instructor-password" not in text
    listener.close()
