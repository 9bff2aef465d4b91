"""Starting runner processes cheaply, from a process that holds nothing worth stealing.

``import torch`` costs 1.5 s per process, so runners are forked from a fork server (a
"zygote") that imported torch, set it single-threaded, and then only ever forks. The zygote
is a fresh interpreter, started in parallel with the ``grade`` process's own start-up: inside
the sandbox where bubblewrap works (``sandbox``), outside it otherwise. Where fork is unsafe
(macOS), every runner is a fresh interpreter instead.

The checker sends the zygote the runner's files as text (never paths to read) and the ends of
a socket and an output pipe it created, by SCM_RIGHTS; it then talks to the runner directly.
The zygote writes the files into a private working folder, forks, and cleans up after reaping.
"""

from __future__ import annotations

import atexit
import contextlib
import gc
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from autograde.sandbox import bubblewrap, cgroups

MAX_REQUEST_BYTES = 16 << 20
CONTROL_SECONDS = 30.0
"""The longest a fork server may take to answer; one that does not is replaced."""
START_SECONDS = 120.0
"""The longest a new fork server may take to import torch and say it is ready."""


@dataclass
class RunnerProcess:
    pid: int
    sock: socket.socket
    output_fd: int


@dataclass(frozen=True)
class ExitStatus:
    code: int | None = None
    signal: int | None = None

    def describe(self) -> str:
        if self.signal is not None:
            with contextlib.suppress(ValueError):
                return f"crashed ({signal.Signals(self.signal).name}: {signal.strsignal(self.signal)})"
            return f"crashed (signal {self.signal})"
        return f"exited (status {self.code})"

    @classmethod
    def from_wait_status(cls, status: int) -> ExitStatus:
        if os.WIFSIGNALED(status):
            return cls(signal=os.WTERMSIG(status))
        return cls(code=os.WEXITSTATUS(status))


def _channel_pair() -> tuple[socket.socket, socket.socket, int, int]:
    checker_end, runner_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    output_read, output_write = os.pipe()
    os.set_blocking(output_read, False)
    return checker_end, runner_end, output_read, output_write


def _write_files(folder: Path, files: dict[str, str]) -> None:
    """Text as UTF-8, each inside ``folder``."""
    for name, content in files.items():
        path = (folder / name).resolve()
        if folder.resolve() not in path.parents:
            raise ValueError(f"refusing to write outside the working folder: {name}")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")


def _children_of(pid: int) -> list[int]:
    with contextlib.suppress(OSError):  # Linux lists a thread's children directly
        return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    children = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            with contextlib.suppress(OSError, ValueError, IndexError):
                stat = Path(f"/proc/{entry}/stat").read_text()
                if int(stat.rpartition(")")[2].split()[1]) == pid:
                    children.append(int(entry))
    return children


def _kill_orphans(keep: set[int]) -> None:
    """Kill the processes runners left behind, which a subreaper inherits (setsid daemons included)."""
    for _ in range(20):
        orphans = [pid for pid in _children_of(os.getpid()) if pid not in keep]
        if not orphans:
            return
        for pid in orphans:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        for pid in orphans:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)


def _kill_uid(uid: int) -> None:
    """Kill every process of ``uid`` (a runner's own uid: its orphans and fork bombs)."""
    for _ in range(20):
        found = False
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                with contextlib.suppress(OSError):
                    if os.stat(f"/proc/{entry}").st_uid == uid:
                        found = True
                        os.kill(int(entry), signal.SIGKILL)
        if not found:
            return


class Zygote:
    """The fork server's side: fork a runner per request, reap and clean up when asked."""

    def __init__(self, control: socket.socket):
        from autograde.sandbox.containment import NamespaceInitForker

        self.control = control
        self.runners: dict[int, tuple[Path, int | None]] = {}
        self.spawned = 0
        self.forker = NamespaceInitForker()

    def serve_forever(self) -> None:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        from autograde.sandbox.containment import become_subreaper

        become_subreaper()  # orphans of runners come back to us, however they detached
        from autograde.sandbox import runner  # imported once here, inherited by every runner

        runner.warm_up()
        self.control.send(json.dumps({"ready": True}).encode())

        while True:
            try:
                data, fds, _, _ = socket.recv_fds(self.control, MAX_REQUEST_BYTES, 2)
            except OSError:
                os._exit(0)
            if not data:
                os._exit(0)
            request = json.loads(data)
            if request["op"] == "spawn":
                reply = self.spawn(request, fds)
            elif request["op"] == "warm_up_training":
                runner.warm_up_training()
                reply = {"ok": True}
            else:
                reply = self.reap(request["pid"])
            self.control.send(json.dumps(reply).encode())

    def spawn(self, request: dict, fds: list[int]) -> dict:
        from autograde.sandbox import runner

        workdir = Path(tempfile.mkdtemp(prefix="runner-"))
        _write_files(workdir, request["files"])
        limits = dict(request["limits"])
        uid = None
        if limits.get("drop_uid") and os.geteuid() == 0:
            uid = bubblewrap.RUNNER_UID_BASE + self.spawned % 1000
            for path in [workdir, *workdir.rglob("*")]:
                os.chown(path, uid, uid)
        limits["uid"] = uid
        self.spawned += 1
        # What this process holds (torch's ~300,000 objects) is never garbage in a runner: frozen,
        # a full collection in a runner that allocates a lot skips it (18 ms) instead of walking
        # it all and copying every page it touches (0.37 s), as the gc documentation advises.
        gc.freeze()

        def start_runner():
            runner.run_child(socket.socket(fileno=fds[0]), fds[1], request["config"], limits, workdir)

        try:
            pid = self.forker.fork() if self.forker.available else None
        except OSError:  # a limit on pid namespaces, say: the intermediate tries as it always did
            pid = None
        if pid is not None:
            if pid == 0:
                from autograde.sandbox import containment

                containment.die_with_parent()
                containment.enter_own_ipc_namespace()
                self.control.close()
                start_runner()
        else:
            pid = os.fork()
            if pid == 0:
                self.control.close()
                _run_alone(start_runner, fds)
        for fd in fds:
            os.close(fd)
        self.runners[pid] = (workdir, uid)
        return {"pid": pid}

    def reap(self, pid: int) -> dict:
        status = _wait_briefly(pid)  # a runner the checker hung up on ends by itself at once
        if status is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pid, signal.SIGKILL)
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
            try:
                _, status = os.waitpid(pid, 0)
            except ChildProcessError:
                status = None
        workdir, uid = self.runners.pop(pid, (None, None))
        if uid is not None:
            _kill_uid(uid)
        if sys.platform.startswith("linux"):
            _kill_orphans(keep=set(self.runners))
        if workdir is not None:
            shutil.rmtree(workdir, ignore_errors=True)
        return {"status": status}


def _run_alone(start_runner, channel: list[int]) -> None:
    """Become the runner's parent in pid and IPC namespaces of its own, then end as it ended:
    the way for a fork server that may not set its children's pid namespace itself (see
    ``containment.NamespaceInitForker``): a normal user's, inside bubblewrap or not.

    The runner is the namespaces' init: when it dies (or this process, whose death it follows),
    the kernel kills everything it started, and its SysV objects go with it.
    """
    from autograde.sandbox import containment

    containment.die_with_parent()
    if not containment.new_process_namespaces():
        start_runner()  # never returns; the fork server's sweeps are then the only cleanup
    inner = os.fork()
    if inner == 0:
        containment.die_with_parent()
        start_runner()
    for fd in channel:  # only the runner holds its channel: its death is the checker's EOF
        os.close(fd)
    containment.set_limit(containment.resource.RLIMIT_CORE, 0)
    _, status = os.waitpid(inner, 0)
    if os.WIFSIGNALED(status):
        signal.signal(os.WTERMSIG(status), signal.SIG_DFL)
        os.kill(os.getpid(), os.WTERMSIG(status))
    os._exit(os.WEXITSTATUS(status) if os.WIFEXITED(status) else 1)


def _wait_briefly(pid: int, seconds: float = 0.2) -> int | None:
    """The wait status of ``pid`` if it ends within ``seconds``, else None."""
    import time

    deadline = time.monotonic() + seconds
    while True:
        with contextlib.suppress(ChildProcessError):
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                return status
        if time.monotonic() > deadline:
            return None
        time.sleep(0.002)


def zygote_environment() -> dict[str, str]:
    """The whole environment a fork server starts with: nothing of the grading user's (secrets,
    GITHUB_*, paths), since /proc/self/environ keeps what a process was started with."""
    from autograde.sandbox.containment import SAFE_ENVIRONMENT

    return {**SAFE_ENVIRONMENT, "PYTHONPATH": str(bubblewrap.engine_root()), "PYTHONDONTWRITEBYTECODE": "1"}


def _start_zygote(
    protections: bubblewrap.Protections, control_seconds: float, budget: cgroups.Budget | None,
) -> tuple[socket.socket, subprocess.Popen]:
    """A fork server in a fresh interpreter (inside bubblewrap where it works, inside its cgroup
    budget where there is one), started from a clean environment with nothing inherited but its
    control socket."""
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    zygote_args = ["-m", "autograde.sandbox.launch", "zygote", str(theirs.fileno())]
    if protections.mode == "sandbox":
        command = bubblewrap.command(zygote_args)
    else:
        command = [sys.executable, *zygote_args]
    if budget is not None:
        command = budget.wrap(command)
    process = subprocess.Popen(
        command, pass_fds=[theirs.fileno()], stdin=subprocess.DEVNULL, env=zygote_environment(), start_new_session=True,
    )
    theirs.close()
    ours.settimeout(control_seconds)
    return ours, process


class ForkServer:
    """Client of a zygote process; safe to share between threads. Restarts a zygote that died."""

    def __init__(self, protections: bubblewrap.Protections, control_seconds: float = CONTROL_SECONDS):
        self.protections = protections
        self.control_seconds = control_seconds
        self.lock = threading.Lock()
        self.budget = cgroups.create()
        self.control, self.process = _start_zygote(protections, control_seconds, self.budget)
        self.ready = False
        self.warmed_for_training = self.warming = False
        atexit.register(self.close)

    def _ask(self, request: dict, fds: list[int] = ()) -> dict:
        data = json.dumps(request).encode()
        for attempt in range(2):
            try:
                self.wait_until_ready()
                if self.warming:  # the answer to a warm-up asked without waiting comes first
                    self.warming = False
                    if not self.control.recv(1 << 10):
                        raise OSError("the fork server ended while warming up")
                    self.warmed_for_training = True
                socket.send_fds(self.control, [data], list(fds))
                reply = self.control.recv(1 << 16)
                if reply:
                    return json.loads(reply)
            except (OSError, ValueError):  # socket.timeout included: a stopped fork server
                pass
            self.close(force=True)  # a submission may have killed or stopped it: never let that stop the others
            self.budget = cgroups.create()
            self.control, self.process = _start_zygote(self.protections, self.control_seconds, self.budget)
            self.ready = self.warmed_for_training = self.warming = False
            if request["op"] != "spawn":
                break  # the runner to reap died with the old fork server
        raise RuntimeError("the fork server stopped answering")

    def wait_until_ready(self) -> None:
        """A fork server starts in parallel with the checker; its first word says it is ready."""
        if self.ready:
            return
        self.control.settimeout(START_SECONDS)
        try:
            hello = self.control.recv(1 << 10)
        finally:
            self.control.settimeout(self.control_seconds)
        if not hello:
            raise OSError("the fork server ended while starting")
        self.ready = True

    def warm_up_training(self) -> None:
        """Have every runner forked from now on inherit a constructed torch optimizer. Asked
        without waiting: the fork server builds it while the checker goes on, and the next
        request waits for it."""
        with self.lock:
            if self.warmed_for_training or self.warming:
                return
            try:
                self.wait_until_ready()
                self.control.send(json.dumps({"op": "warm_up_training"}).encode())
                self.warming = True
            except OSError:
                pass  # a cold runner is slower, not wrong; the next request replaces a dead fork server

    def spawn(self, config: dict, files: dict[str, str], limits: dict) -> RunnerProcess:
        checker_end, runner_end, output_read, output_write = _channel_pair()
        limits = {**limits, "drop_uid": self.protections.runner_uid}
        try:
            with self.lock:
                reply = self._ask(
                    {"op": "spawn", "config": config, "files": files, "limits": limits},
                    [runner_end.fileno(), output_write],
                )
        except RuntimeError:
            checker_end.close()
            os.close(output_read)
            raise
        finally:
            runner_end.close()
            os.close(output_write)
        return RunnerProcess(reply["pid"], checker_end, output_read)

    def reap(self, runner: RunnerProcess) -> ExitStatus | None:
        """Kill the runner and everything it started; return how it ended."""
        with self.lock:
            try:
                reply = self._ask({"op": "reap", "pid": runner.pid})
            except RuntimeError:
                return None
        status = reply.get("status")
        return None if status is None else ExitStatus.from_wait_status(status)

    def close(self, force: bool = False) -> None:
        """Stop the fork server (at once with ``force``), and with it every runner it started."""
        with contextlib.suppress(OSError):
            self.control.close()
        if force:
            with contextlib.suppress(OSError):
                self.process.kill()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)
        if self.budget is not None:
            self.budget.remove()


class SubprocessLauncher:
    """One fresh interpreter per runner: slow (torch is imported each time) but fork-free."""

    def warm_up_training(self) -> None:
        """Nothing to inherit from: every runner is a new interpreter."""

    def __init__(self):
        self.protections = bubblewrap.Protections("fallback", "not used without fork", False, False)
        self.processes: dict[int, tuple[subprocess.Popen, Path]] = {}

    def spawn(self, config: dict, files: dict[str, str], limits: dict) -> RunnerProcess:
        checker_end, runner_end, output_read, output_write = _channel_pair()
        workdir = Path(tempfile.mkdtemp(prefix="runner-"))
        _write_files(workdir, files)
        payload = json.dumps({"config": config, "limits": limits, "workdir": str(workdir)})
        fds = [runner_end.fileno(), output_write]
        process = subprocess.Popen(
            [sys.executable, "-m", "autograde.sandbox.launch", "runner", *map(str, fds), payload],
            pass_fds=fds,
            stdin=subprocess.DEVNULL,
        )
        runner_end.close()
        os.close(output_write)
        self.processes[process.pid] = (process, workdir)
        return RunnerProcess(process.pid, checker_end, output_read)

    def reap(self, runner: RunnerProcess) -> ExitStatus | None:
        process, workdir = self.processes.pop(runner.pid)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(runner.pid, signal.SIGKILL)
        code = process.wait()
        shutil.rmtree(workdir, ignore_errors=True)
        return ExitStatus(signal=-code) if code < 0 else ExitStatus(code=code)

    def close(self) -> None:
        for pid in list(self.processes):
            self.reap(RunnerProcess(pid, None, -1))


_launcher = None


def default_launcher() -> ForkServer | SubprocessLauncher:
    """The process-wide launcher, started on first use (call early, before importing graders)."""
    global _launcher
    if _launcher is None:
        _launcher = SubprocessLauncher() if sys.platform == "darwin" else ForkServer(bubblewrap.detect())
    return _launcher


def _main(argv: list[str]) -> None:
    if argv[0] == "runner":
        from autograde.sandbox import runner

        payload = json.loads(argv[3])
        runner.run_child(
            socket.socket(fileno=int(argv[1])), int(argv[2]), payload["config"], payload["limits"], Path(payload["workdir"])
        )
    import torch

    torch.set_num_threads(1)
    from autograde.sandbox.containment import die_with_parent

    die_with_parent()
    Zygote(socket.socket(fileno=int(argv[1]))).serve_forever()


if __name__ == "__main__":
    _main(sys.argv[1:])
