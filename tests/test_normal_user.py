"""The sandbox when the grader runs as a normal user, as course staff on their own machines do.

Run as root, the rest of the suite cannot see this mode's failures: root bypasses per-uid limits,
and its runners drop to uids of their own. So this test re-runs the sandbox's attacks as an
unprivileged user. That user must reach the interpreter, which on a root-owned machine may sit
under a 0700 /root: the test gives it a private view of the file system (bwrap as root, a tmpfs
over each closed folder, the needed paths bound back) and changes nothing on the host beyond
creating the user.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

REPOSITORY = Path(__file__).resolve().parents[1]
USER = "autograde-normal"
# The attacks the issue found in this mode, and the regressions it hides from a root run.
ATTACKS = [
    "tests/test_isolation.py::test_no_message_queue_crosses_from_one_runner_to_the_next[sandbox]",
    "tests/test_isolation.py::test_a_chain_of_processes_dies_with_its_runner[sandbox]",
    "tests/test_isolation.py::test_stopping_every_visible_process_stops_nobody_else[sandbox]",
    "tests/test_isolation.py::test_a_runner_inherits_no_environment_and_no_descriptor",
    # As root runners are forked straight into their namespaces; only a normal user's go through
    # the intermediate process (launch._run_alone), so this is where that path is checked.
    "tests/test_isolation.py::test_runners_alive_at_once_are_each_the_init_of_their_own_namespaces[sandbox]",
    "tests/test_adversarial.py::test_tampering_gains_nothing[sandbox-kills_parent]",
    "tests/test_adversarial.py::test_a_detached_daemon_is_gone_when_grading_ends[sandbox]",
    "tests/test_adversarial.py::test_a_fork_bomb_is_contained[sandbox]",
    "tests/test_adversarial.py::test_stdin_and_stray_threads_do_not_hang_grading[sandbox-stray_thread]",
    "tests/test_adversarial.py::test_secrets_and_the_network_are_out_of_reach[sandbox]",
]

pytestmark = [
    pytest.mark.skipif(not sys.platform.startswith("linux") or os.geteuid() != 0, reason="creates a user: needs root on Linux"),
    pytest.mark.skipif(not all(shutil.which(tool) for tool in ("bwrap", "setpriv", "useradd")), reason="needs bwrap, setpriv and useradd"),
]


def closed_folders(paths: list[Path]) -> list[Path]:
    """The outermost folders above ``paths`` that other users cannot enter."""
    closed: list[Path] = []
    for path in paths:
        for folder in reversed(path.parents):
            if any(folder.is_relative_to(outer) for outer in closed):
                break
            if not os.stat(folder).st_mode & 0o001:
                closed.append(folder)
                break
    return closed


def private_view(paths: list[Path]) -> list[str]:
    """A bwrap command line (run as root) in which ``paths`` are reachable by any user."""
    args = ["bwrap", "--dev-bind", "/", "/", "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
    for folder in closed_folders(paths):
        args += ["--perms", "0755", "--tmpfs", str(folder)]
        for path in paths:
            if path.is_relative_to(folder):
                for between in reversed(path.parents):
                    if between.is_relative_to(folder) and between != folder:
                        args += ["--perms", "0755", "--dir", str(between)]
                args += ["--ro-bind", str(path), str(path)]
    return args


@pytest.fixture(scope="module")
def normal_user():
    try:
        pwd.getpwnam(USER)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", USER], check=True)
    return USER


@pytest.mark.slow
def test_the_sandbox_holds_against_its_attacks_when_grading_as_a_normal_user(normal_user):
    home = Path(tempfile.mkdtemp(prefix="autograde-normal-"))  # pytest's own tmp_path is root's, 0700
    shutil.chown(home, normal_user, normal_user)
    try:
        run_attacks_as(normal_user, home)
    finally:
        shutil.rmtree(home, ignore_errors=True)


def run_attacks_as(user: str, home: Path) -> None:
    needed = sorted({Path(sys.base_prefix).resolve(), Path(sys.prefix).resolve(), REPOSITORY})
    command = [
        *private_view(needed),
        "setpriv", "--reuid", user, "--regid", user, "--clear-groups",
        "env", "-i", f"HOME={home}", "PATH=/usr/bin:/bin", f"PYTHONPATH={REPOSITORY}", "PYTHONDONTWRITEBYTECODE=1",
        f"TMPDIR={home}", sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-rs", "-x",
        f"--basetemp={home / 'pytest'}", *ATTACKS,
    ]
    run = subprocess.run(command, cwd=REPOSITORY, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert f"{len(ATTACKS)} passed" in run.stdout, run.stdout[-2000:]
