"""Which protections this machine allows, and the bubblewrap command that applies them.

With bubblewrap (Linux), the fork server and every runner it forks live in one sandbox per
``grade`` process (or per batch worker): the host file system is not there except for the
system directories and the Python installation, read-only; the course (references, graders,
tests) and every home and temporary directory are absent; there is no network, and the pid
namespace hides the checker and ends every leftover process with the sandbox. As root, each
runner also drops to an unprivileged uid of its own. Elsewhere the same design runs with
rlimits, process groups and timeouts only (see SECURITY.md for what that leaves open).
"""

from __future__ import annotations

import contextlib
import functools
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

SANDBOX_TMP_BYTES = 512 << 20
RUNNER_UID_BASE = 60000
DISABLE_VARIABLE = "GRADE_SANDBOX"  # GRADE_SANDBOX=off forces the fallback (for debugging)
SYSTEM_DIRS = ("/usr", "/etc")
SYSTEM_LINKS = {"/bin": "usr/bin", "/sbin": "usr/sbin", "/lib": "usr/lib", "/lib64": "usr/lib64"}


@dataclass(frozen=True)
class Protections:
    """What grading on this machine is protected by (shown by `grade doctor`, recorded in reports)."""

    mode: str  # "sandbox" or "fallback"
    bubblewrap: str | None  # why it is or is not used
    runner_uid: bool  # runners drop to their own unprivileged uid
    network_isolated: bool
    uid_note: str = ""  # why runners keep the grading user's uid, when they do
    runner_namespaces: bool = False  # each runner gets pid and IPC namespaces of its own
    namespace_note: str = ""  # why not, when not

    @functools.cached_property
    def cpu_budget(self) -> bool:
        """Each fork server gets a cgroup of its own (fair CPU, bounded processes); probed once,
        not at every report."""
        from autograde.sandbox import cgroups

        budget = cgroups.create()
        if budget is not None:
            budget.remove()
        return budget is not None

    @property
    def separated(self) -> bool:
        """Runners cannot touch the grading user's files or processes: a sandbox, or a uid of their own.

        Without either, a submission runs as the grading user, so the official modes (batch,
        Gradescope, CI) refuse unless told ``--allow-unsandboxed``.
        """
        return self.mode == "sandbox" or self.runner_uid

    def to_json(self) -> dict:
        return {
            "mode": self.mode,
            "bubblewrap": self.bubblewrap,
            "runner_uid": self.runner_uid,
            "network_isolated": self.network_isolated,
            "separated": self.separated,
            "runner_namespaces": self.runner_namespaces,
            "cpu_budget": self.cpu_budget,
        }


def _python_roots() -> list[Path]:
    """Directories the interpreter and its packages live in (bound read-only into the sandbox)."""
    roots = {Path(p).resolve() for p in (sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix)}
    return sorted(roots)


def _autograde_dir() -> Path:
    return Path(__file__).resolve().parent.parent


def engine_root() -> Path:
    """The folder that holds the ``autograde`` package (what a fork server needs on sys.path)."""
    return _autograde_dir().parent


def unreadable_by_others() -> str | None:
    """The first folder of the Python installation or the engine that another uid cannot enter."""
    import stat

    for path in [*_python_roots(), _autograde_dir()]:
        for folder in [*reversed(path.parents), path]:
            with contextlib.suppress(OSError):
                if not os.stat(folder).st_mode & stat.S_IXOTH:
                    return str(folder)
    return None


def command(python_args: list[str]) -> list[str]:
    """The bwrap command line that runs ``python python_args...`` inside the sandbox."""
    args = ["bwrap", "--die-with-parent", "--new-session"]
    if os.geteuid() == 0:
        # No user namespace as root, so that runners can drop to real unprivileged uids.
        args += ["--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts", "--unshare-cgroup-try"]
    else:
        args += ["--unshare-all"]
    for system_dir in SYSTEM_DIRS:
        args += ["--ro-bind", system_dir, system_dir]
    for link, target in SYSTEM_LINKS.items():
        if os.path.islink(link):
            args += ["--symlink", target, link]
        elif os.path.isdir(link):
            args += ["--ro-bind", link, link]
    args += ["--dev", "/dev", "--proc", "/proc", "--size", str(SANDBOX_TMP_BYTES), "--tmpfs", "/tmp"]
    made: set[str] = set()
    for path in [*_python_roots(), _autograde_dir()]:
        # bwrap would create missing parents as 0700, which an unprivileged runner cannot cross.
        for parent in reversed(path.parents):
            if str(parent) not in ("/", *made) and not str(parent).startswith(("/usr", "/etc")):
                args += ["--perms", "0755", "--dir", str(parent)]
                made.add(str(parent))
        args += ["--ro-bind", str(path), str(path)]
    args += [
        "--chdir", "/tmp", "--clearenv",
        "--setenv", "PATH", "/usr/bin:/bin",
        "--setenv", "PYTHONPATH", str(_autograde_dir().parent),
        "--setenv", "PYTHONDONTWRITEBYTECODE", "1",
        "--setenv", "TMPDIR", "/tmp",
        sys.executable, *python_args,
    ]
    return args


NAMESPACE_PROBE = (
    "import sys; from autograde.sandbox.containment import new_process_namespaces; "
    "sys.exit(0 if new_process_namespaces() else 3)"
)
NO_NAMESPACES = 3


def _namespaces(probe_returncode: int) -> tuple[bool, str]:
    if probe_returncode == 0:
        return True, ""
    return False, "this kernel refuses new pid namespaces here (needs root or unprivileged user namespaces)"


@functools.cache
def detect() -> Protections:
    """Probe once whether bubblewrap works here, and whether runners get namespaces of their own
    (two dry runs of a few ms each)."""
    root = os.geteuid() == 0
    linux = sys.platform.startswith("linux")
    network = linux and root  # the fallback still gives each runner its own network namespace as root

    def fallback(reason: str) -> Protections:
        namespaces = (
            _namespaces(subprocess.run([sys.executable, "-c", NAMESPACE_PROBE], env={"PYTHONPATH": str(engine_root())},
                                       capture_output=True, timeout=30).returncode)
            if linux else (False, "only on Linux")
        )
        if not root:
            return Protections("fallback", reason, False, network, "needs root (or the sandbox)", *namespaces)
        unreadable = unreadable_by_others()
        if unreadable:
            return Protections("fallback", reason, False, network, f"another uid cannot read {unreadable}", *namespaces)
        return Protections("fallback", reason, True, network, "", *namespaces)

    if os.environ.get(DISABLE_VARIABLE, "").lower() in ("off", "0", "no"):
        return fallback(f"disabled by {DISABLE_VARIABLE}")
    if not linux:
        return fallback("only on Linux")
    if shutil.which("bwrap") is None:
        return fallback("not installed (Debian/Ubuntu: apt-get install bubblewrap)")
    probe = subprocess.run(command(["-c", NAMESPACE_PROBE]), capture_output=True, text=True, timeout=30)
    if probe.returncode not in (0, NO_NAMESPACES):
        return fallback(f"installed but cannot run here: {probe.stderr.strip()[:200]}")
    return Protections("sandbox", shutil.which("bwrap"), root, True, "" if root else "as a normal user, runners keep its uid inside the sandbox",
                       *_namespaces(probe.returncode))
