"""The untrusted side: a runner process that loads one submission module and answers calls.

Everything here runs next to student code, so nothing here is trusted by the checker: the
runner only ever sends plain data (``wire``), and the checker decides what it means. A runner
holds no reference solution (``exercises.X`` is a stand-in: ``standins``) and no expected
values, so there is nothing in its memory worth finding.
"""

from __future__ import annotations

import contextlib
import importlib
import linecache
import os
import socket
import sys
import threading
import time
import traceback
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import torch

from autograde.sandbox import standins, wire
from autograde.sandbox.imports import CoursePackagesHidden, ExerciseImports, PolicedSourceImports, StandInImports
from autograde.sandbox.protocol import HIDDEN_FROM_RUNNERS, MAX_MESSAGE_CHARS
from autograde.sandbox.watch import ForbiddenAPIGuard, OpCounter

FIXTURES = "autograde.sandbox.fixtures"



def install_imports(config: dict) -> None:
    for name in list(sys.modules):
        if name.partition(".")[0] in ("exercises", *HIDDEN_FROM_RUNNERS):
            del sys.modules[name]
    package = types.ModuleType("exercises")
    package.__path__ = []
    sys.modules["exercises"] = package
    sources = dict(config.get("dependencies", {}), **{config["exercise"]: config.get("module_path")})
    faked = [name for name in config.get("standins", []) if name not in sources]
    student_sources = PolicedSourceImports(sources) if config.get("restricted", True) else ExerciseImports(sources)
    sys.meta_path[:0] = [CoursePackagesHidden(), student_sources, StandInImports(faked)]


def describe_exception(error: BaseException, student_file: str | None) -> dict:
    """Type, message and where in the student's file it happened; never our own frames."""
    frames = traceback.extract_tb(error.__traceback__)
    if student_file:
        frames = [f for f in frames if f.filename == student_file]
    if isinstance(error, SyntaxError) and error.lineno:
        where = {"line": error.lineno, "code": (error.text or "").strip()}
    elif frames:
        where = {"line": frames[-1].lineno, "code": (frames[-1].line or "").strip()}
    else:
        where = None
    message = error.msg if isinstance(error, SyntaxError) else str(error)
    if len(message) > MAX_MESSAGE_CHARS:
        message = message[:MAX_MESSAGE_CHARS] + " ..."
    return {
        "type": type(error).__name__,
        "message": message,
        "where": where,
        "traceback": "".join(traceback.format_list(frames[-5:]))[-MAX_MESSAGE_CHARS:],
    }


def flatten_tensors(value: Any) -> list[torch.Tensor]:
    if isinstance(value, torch.Tensor):
        return [value]
    if isinstance(value, (list, tuple)):
        return [t for v in value for t in flatten_tensors(v)]
    if isinstance(value, dict):
        return [t for v in value.values() for t in flatten_tensors(v)]
    return []


class SharedChannel:
    """The runner's socket to the checker, whose frames may be sent from two threads (the main
    thread's replies and served requests, and a ``WhereReporter``): one whole frame at a time."""

    def __init__(self, sock: socket.socket):
        self.sock = sock
        self.lock = threading.Lock()

    def sendall(self, data: bytes) -> None:
        with self.lock:
            self.sock.sendall(data)

    def recv(self, size: int) -> bytes:
        return self.sock.recv(size)


class WhereReporter:
    """Shortly before a call's time runs out, tells the checker which line of the student's file
    the call is running, so that a timeout can name it ("line 12: while True:").

    It is a note from the untrusted side: the checker bounds it, shows it only to explain a
    timeout, and never scores it. One watcher thread serves all the runner's calls: a timer
    thread started and joined per call cost 0.4 ms, a quarter second of a full submission.
    """

    def __init__(self, channel: SharedChannel, student_file: str | None):
        self.channel = channel
        self.student_file = student_file
        self.main = threading.main_thread().ident
        self.state = threading.Condition()
        self.deadline: float | None = None  # when the call under way is to be reported
        self.reporting = False
        self.watcher: threading.Thread | None = None

    @contextlib.contextmanager
    def watching(self, after: float) -> Iterator[None]:
        with self.state:
            if self.watcher is None:
                self.watcher = threading.Thread(target=self._watch, name="where-reporter", daemon=True)
                self.watcher.start()
            self.deadline = time.monotonic() + after
            self.state.notify()
        try:
            yield
        finally:
            with self.state:
                self.deadline = None
                while self.reporting:  # a report under way is sent before the call's reply, never after
                    self.state.wait()

    def _watch(self) -> None:
        with self.state:
            while True:
                if self.deadline is None:
                    self.state.wait()
                    continue
                remaining = self.deadline - time.monotonic()
                if remaining > 0:
                    self.state.wait(remaining)
                    continue
                self.deadline, self.reporting = None, True
                self.state.release()
                try:
                    self.report()
                finally:
                    self.state.acquire()
                    self.reporting = False
                    self.state.notify_all()

    def report(self) -> None:
        frame = sys._current_frames().get(self.main)
        while frame is not None and frame.f_code.co_filename != self.student_file:
            frame = frame.f_back
        if frame is None:
            return
        line = frame.f_lineno
        code = linecache.getline(self.student_file, line).strip()[:MAX_MESSAGE_CHARS]
        with contextlib.suppress(Exception):
            self.channel.sendall(wire.encode({"note": "where", "where": {"line": line, "code": code}}))


class NoGradientPath(Exception):
    """The result cannot carry gradients back: reported as a finding, not as the student's raise."""


class Runner:
    """Holds the loaded submission module and the objects it returned, and serves requests."""

    def __init__(self, config: dict, channel: SharedChannel | None = None):
        self.config = config
        self.channel = channel
        self.module: types.ModuleType | None = None
        self.load_error: dict | None = None
        self.handles: dict[int, Any] = {}
        forbidden = config.get("forbidden") or []
        self.guard = ForbiddenAPIGuard(forbidden) if forbidden else None
        self.where = WhereReporter(channel, config.get("module_path")) if channel is not None else None

    def load(self) -> dict:
        path = self.config.get("module_path")
        if path is None:
            return {"ok": True, "loaded": False, "error": None}
        install_imports(self.config)
        try:
            self.module = importlib.import_module(f"exercises.{self.config['exercise']}")
        except BaseException as error:  # noqa: B036 - a submission may raise anything on import
            linecache.checkcache(path)
            self.load_error = describe_exception(error, path)
        return {"ok": True, "loaded": self.module is not None, "error": self.load_error}

    def handle(self, request: dict) -> dict:
        op = request.get("op")
        try:
            if op == "call":
                return self.call(request)
            if op == "getattr":
                return {"ok": True, "value": self.to_wire(getattr(self.target(request), request["name"]))}
            if op == "release":
                self.handles.pop(request.get("handle"), None)
                return {"ok": True, "value": None}
            return {"ok": False, "error": {"type": "ProtocolError", "message": f"unknown op {op!r}"}}
        except BaseException as error:  # noqa: B036 - SystemExit and KeyboardInterrupt included
            return {"ok": False, "error": describe_exception(error, self.config.get("module_path"))}

    def target(self, request: dict) -> Any:
        handle = request.get("handle")
        if handle is not None:
            return self.handles[handle]
        module = request.get("module")
        if module is None:
            if self.module is None:
                raise RuntimeError("the submission module is not loaded")
            return self.module
        if module != FIXTURES and not (
            module.startswith("exercises.") and module != f"exercises.{self.config['exercise']}"
        ):
            raise ImportError(f"{module} cannot be called from the checker")
        return importlib.import_module(module)

    def call(self, request: dict) -> dict:
        owner = self.target(request)
        if owner is self.module and not hasattr(owner, request["name"]):
            return {"ok": False, "error": {"type": "MissingName", "message": request["name"]}}
        func = getattr(owner, request["name"])
        args = [self.from_wire(a) for a in request.get("args", [])]
        kwargs = {k: self.from_wire(v) for k, v in request.get("kwargs", {}).items()}
        counter = OpCounter() if request.get("count_ops") else None
        cotangents = request.get("backward")
        with self.where_reporter(request.get("where_after")), self.guard or contextlib.nullcontext():
            with counter or contextlib.nullcontext():
                result = func(*args, **kwargs)
            if cotangents is not None:
                self.backward(result, cotangents)
        reply = {"ok": True, "value": self.to_wire(result)}
        inputs = flatten_tensors([args, kwargs])
        if request.get("inputs_after"):
            reply["inputs_after"] = [t.detach() for t in inputs]
        if cotangents is not None:
            reply["grads"] = [t.grad for t in inputs]
            if isinstance(owner, torch.nn.Module) or isinstance(func, torch.nn.Module):
                module = owner if isinstance(owner, torch.nn.Module) else func
                reply["param_grads"] = {n: p.grad for n, p in module.named_parameters()}
        if counter is not None:
            reply["op_counts"] = dict(counter.counts)
            reply["matmuls"] = counter.matmuls()
        return reply

    def where_reporter(self, after) -> contextlib.AbstractContextManager:
        if self.where is None or type(after) not in (int, float) or not 0 < after < 1e6:
            return contextlib.nullcontext()
        return self.where.watching(after)

    @staticmethod
    def backward(result: Any, cotangents: list) -> None:
        outputs = flatten_tensors(result)
        if len(outputs) != len(cotangents):
            raise NoGradientPath(
                f"returned {len(outputs)} tensor(s) where {len(cotangents)} were expected, so no gradient "
                "can flow back (a Python number from .item() or float() has no autograd graph)"
            )
        pairs = [(o, c) for o, c in zip(outputs, cotangents) if o.requires_grad]
        if not pairs:
            raise NoGradientPath(
                "returned a result that is not connected to the inputs' autograd graph "
                "(was it detached, built under torch.no_grad(), or converted to numbers?)"
            )
        # One scalar, not grad_tensors=: that path imports torch.fx lazily and costs 0.8 s.
        sum((o * c.to(o.dtype)).sum() for o, c in pairs).backward()

    def to_wire(self, value: Any) -> Any:
        if value is None or isinstance(value, (bool, int, float, str, torch.Tensor)):
            return value
        if isinstance(value, (list, tuple)) and type(value) in (list, tuple, torch.Size):
            converted = [self.to_wire(v) for v in value]
            return converted if isinstance(value, list) else tuple(converted)
        if isinstance(value, dict) and all(isinstance(k, (str, int)) for k in value):
            return {k: self.to_wire(v) for k, v in value.items()}
        if isinstance(value, tuple):  # named tuples such as torch's _IncompatibleKeys
            return tuple(self.to_wire(v) for v in value)
        handle = wire.Handle(len(self.handles) + 1, type(value).__name__)
        self.handles[handle.id] = value
        return handle

    def from_wire(self, value: Any) -> Any:
        return wire.map_leaves(value, lambda v: self.handles[v.id] if isinstance(v, wire.Handle) else v)


def warm_up() -> None:
    """Pay torch's lazy first-use costs (dispatch modes, autograd) once, in the fork server.

    Every runner forked afterwards inherits the result; otherwise each exercise's first
    counted call would spend seconds importing, and a tight timeout would punish the student.
    """
    x = torch.ones(2, 2, requires_grad=True)
    with OpCounter(), ForbiddenAPIGuard([]):
        y = torch.tanh(x @ x)
    y.sum().backward()
    from autograde.sandbox import policy  # RestrictedPython and the policy's tables of torch names

    policy.load_module("import torch\nx = torch.zeros(1).shape\n", "<warm-up>", "exercises.warm_up", importlib.import_module)
    sys.modules.pop("exercises.warm_up", None)


def warm_up_training() -> None:
    """Pay the first construction of a torch optimizer (it imports torch._dynamo: 1.6 s) once,
    in the fork server, when an exercise that trains is to be graded; not at every fork server's
    start, where a one-exercise `grade` would wait for it for nothing."""
    model = torch.nn.LSTM(2, 2)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    model(torch.ones(1, 1, 2))[0].sum().backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    optimizer.step()


def send_reply(sock: socket.socket | SharedChannel, reply: dict) -> None:
    try:
        frame = wire.encode(reply)
    except wire.WireError as error:
        frame = wire.encode({"ok": False, "error": {"type": "UnsendableResult", "message": str(error)}})
    sock.sendall(frame)


def serve(sock: socket.socket, config: dict) -> None:
    """Answer requests until the checker hangs up. Runs in the runner process."""
    torch.set_num_threads(1)
    channel = SharedChannel(sock)
    standins.connect(channel)  # served calls of exercises.X ask the checker on this socket
    runner = Runner(config, channel)
    send_reply(channel, runner.load())
    while True:
        request = wire.read_frame(channel)
        if request is None:
            return
        reply = runner.handle(request)
        with contextlib.suppress(Exception):
            sys.stdout.flush()
            sys.stderr.flush()
        send_reply(channel, reply)


def run_child(sock: socket.socket, output_fd: int, config: dict, limits: dict, workdir: Path) -> None:
    """Turn the current (freshly forked or started) process into a contained runner."""
    from autograde.sandbox import containment

    containment.contain(output_fd, sock.fileno(), limits, workdir)
    config = dict(
        config,
        module_path=str(workdir / config["module"]),
        dependencies={name: str(workdir / path) for name, path in config.get("dependencies", {}).items()},
    )
    try:
        serve(sock, config)
    finally:
        with contextlib.suppress(Exception):
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(0)
