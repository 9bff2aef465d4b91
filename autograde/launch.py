"""Starting runner processes cheaply, from a process that holds nothing worth stealing.

``import torch`` costs 1.5 s per process, so runners are forked from a fork server (a
"zygote") that imported torch, set it single-threaded, and then only ever forks. The zygote is
itself forked from the ``grade`` process before any grader or reference is imported, or, when
this process is no longer clean, started as a fresh interpreter. Where fork is unsafe (macOS),
every runner is a fresh interpreter instead.

Runner sockets and output pipes are created here, in the trusted process, and handed to the
zygote with SCM_RIGHTS, so the checker talks to each runner directly.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
from dataclasses import dataclass

SECRET_MODULES = ("reference", "graders", "exercises")


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


def _serve_zygote(control: socket.socket) -> None:
    """The zygote's loop: fork a runner per request, reap it when asked. Never returns."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    from autograde import runner

    while True:
        try:
            data, fds, _, _ = socket.recv_fds(control, 1 << 20, 2)
        except OSError:
            os._exit(0)
        if not data:
            os._exit(0)
        request = json.loads(data)
        if request["op"] == "spawn":
            pid = os.fork()
            if pid == 0:
                control.close()
                runner.run_child(socket.socket(fileno=fds[0]), fds[1], request["config"], request["limits"])
            for fd in fds:
                os.close(fd)
            control.send(json.dumps({"pid": pid}).encode())
        elif request["op"] == "reap":
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(request["pid"], signal.SIGKILL)
            try:
                _, status = os.waitpid(request["pid"], 0)
                reply = {"status": status}
            except ChildProcessError:
                reply = {"status": None}
            control.send(json.dumps(reply).encode())


def _clean_enough_to_fork() -> bool:
    return sys.platform.startswith("linux") and not any(
        name.partition(".")[0] in SECRET_MODULES for name in sys.modules
    )


class ForkServer:
    """Client of a zygote process; safe to share between threads."""

    def __init__(self, control: socket.socket, process: int | subprocess.Popen):
        self.control = control
        self.process = process
        self.lock = threading.Lock()
        atexit.register(self.close)

    @classmethod
    def start(cls) -> ForkServer:
        import torch

        torch.set_num_threads(1)  # before the first op: forking after threads hangs
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        if _clean_enough_to_fork():
            pid = os.fork()
            if pid == 0:
                ours.close()
                from autograde.containment import die_with_parent

                die_with_parent()
                try:
                    _serve_zygote(theirs)
                finally:
                    os._exit(0)
            theirs.close()
            return cls(ours, pid)
        process = subprocess.Popen(
            [sys.executable, "-m", "autograde.launch", str(theirs.fileno())],
            pass_fds=[theirs.fileno()],
            stdin=subprocess.DEVNULL,
        )
        theirs.close()
        return cls(ours, process)

    def spawn(self, config: dict, limits: dict) -> RunnerProcess:
        checker_end, runner_end, output_read, output_write = _channel_pair()
        try:
            with self.lock:
                request = json.dumps({"op": "spawn", "config": config, "limits": limits}).encode()
                socket.send_fds(self.control, [request], [runner_end.fileno(), output_write])
                reply = json.loads(self.control.recv(1 << 16) or b"{}")
        finally:
            runner_end.close()
            os.close(output_write)
        if "pid" not in reply:
            checker_end.close()
            os.close(output_read)
            raise RuntimeError("the fork server did not start a runner")
        return RunnerProcess(reply["pid"], checker_end, output_read)

    def reap(self, runner: RunnerProcess) -> ExitStatus | None:
        """Kill the runner's whole process group and return how it ended."""
        with self.lock:
            self.control.send(json.dumps({"op": "reap", "pid": runner.pid}).encode())
            reply = json.loads(self.control.recv(1 << 16) or b"{}")
        status = reply.get("status")
        return None if status is None else ExitStatus.from_wait_status(status)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.control.close()
        if isinstance(self.process, subprocess.Popen):
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=5)
        else:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(self.process, 0)


class SubprocessLauncher:
    """One fresh interpreter per runner: slow (torch is imported each time) but fork-free."""

    def __init__(self):
        self.processes: dict[int, subprocess.Popen] = {}

    def spawn(self, config: dict, limits: dict) -> RunnerProcess:
        checker_end, runner_end, output_read, output_write = _channel_pair()
        payload = json.dumps({"config": config, "limits": limits})
        fds = [runner_end.fileno(), output_write]
        process = subprocess.Popen(
            [sys.executable, "-m", "autograde.launch", "runner", *map(str, fds), payload],
            pass_fds=fds,
            stdin=subprocess.DEVNULL,
        )
        runner_end.close()
        os.close(output_write)
        self.processes[process.pid] = process
        return RunnerProcess(process.pid, checker_end, output_read)

    def reap(self, runner: RunnerProcess) -> ExitStatus | None:
        process = self.processes.pop(runner.pid)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(runner.pid, signal.SIGKILL)
        code = process.wait()
        return ExitStatus(signal=-code) if code < 0 else ExitStatus(code=code)

    def close(self) -> None:
        for runner_pid in list(self.processes):
            self.reap(RunnerProcess(runner_pid, None, -1))


_launcher = None


def default_launcher() -> ForkServer | SubprocessLauncher:
    """The process-wide launcher, started on first use (call early, before importing graders)."""
    global _launcher
    if _launcher is None:
        _launcher = SubprocessLauncher() if sys.platform == "darwin" else ForkServer.start()
    return _launcher


def _main(argv: list[str]) -> None:
    if argv[0] == "runner":
        from autograde import runner

        payload = json.loads(argv[3])
        runner.run_child(socket.socket(fileno=int(argv[1])), int(argv[2]), payload["config"], payload["limits"])
    import torch

    torch.set_num_threads(1)
    control = socket.socket(fileno=int(argv[0]))
    from autograde.containment import die_with_parent

    die_with_parent()
    _serve_zygote(control)


if __name__ == "__main__":
    _main(sys.argv[1:])
