"""The trusted side's proxy for one exercise of a submission.

Graders call ``student.rnn_step(x, h, ...)`` as if the function were local; the call runs in a
runner process and only plain data comes back. Whatever the submission does (raise, hang,
crash, exit, print), the grader sees either a value or one ``StudentProblem`` with a message
written for the student.
"""

from __future__ import annotations

import contextlib
import os
import select
import socket
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from autograde.grading import course
from autograde.grading.mistakes import CHANGES_DTYPE, CUTS_AUTOGRAD, NUMPY_ROUND_TRIP, Mistake, uses_numpy
from autograde.grading.served import ServedCalls, is_request
from autograde.sandbox import wire
from autograde.sandbox.protocol import DEFAULT_MEMORY_BYTES, DEFAULT_TIMEOUT, MAX_REPLY_BYTES

START_TIMEOUT = 20.0
MAX_OUTPUT_BYTES = 16 << 10
WHERE_AT = 0.9  # the share of a call's timeout after which the runner says which line it is on
MAX_WHERE_CODE = 200  # characters of that line quoted in the timeout's message


def where_of(frame: dict) -> dict | None:
    """The line a runner said its call was running (``runner.WhereReporter``), checked and cut:
    explanatory text from the untrusted side, shown with a timeout and never scored."""
    where = frame.get("where") if frame.get("note") == "where" else None
    if not isinstance(where, dict):
        return None
    line, code = where.get("line"), where.get("code")
    if type(line) is not int or not 0 < line < 1_000_000 or not isinstance(code, str):
        return None
    return {"line": line, "code": code[:MAX_WHERE_CODE]}


class StudentProblem(Exception):
    """A failure caused by the submission; its message is shown to the student as it is.

    ``line`` is the line of the student's file it happened at, when the runner could tell.
    """

    line: int | None = None
    mistake: str | None = None  # as CheckFailed's: the id and words of the mistake the message names
    mistake_name: str | None = None

    def at(self, where: dict | None) -> StudentProblem:
        line = (where or {}).get("line")
        self.line = line if isinstance(line, int) and not isinstance(line, bool) else None
        return self

    def naming(self, mistake: Mistake | None) -> StudentProblem:
        if mistake is not None:
            self.mistake, self.mistake_name = mistake.id, mistake.name
        return self


class NotImplementedYet(StudentProblem):
    pass


class StudentRaised(StudentProblem):
    def __init__(self, message: str, error_type: str):
        super().__init__(message)
        self.error_type = error_type


class StudentTimeout(StudentProblem):
    pass


class RunnerDied(StudentProblem):
    pass


class SubmissionUnavailable(StudentProblem):
    """The module is missing or does not import: every test of the exercise fails the same way."""


@dataclass
class CallResult:
    value: Any
    inputs_after: list | None = None
    grads: list | None = None
    param_grads: dict | None = None
    matmuls: int | None = None
    op_counts: dict = field(default_factory=dict)


class RemoteObject:
    """An object that lives in the runner (a module the student's class built, say)."""

    def __init__(self, submission: RemoteExercise, handle: wire.Handle):
        self._submission = submission
        self._handle = handle
        self.type_name = handle.type_name

    def __call__(self, *args, **kwargs):
        return self._submission.call((self, "__call__"), *args, kwargs=kwargs).value

    def method(self, name: str, *args, **kwargs):
        return self._submission.call((self, name), *args, kwargs=kwargs).value

    def attribute(self, name: str):
        return self._submission.get_attribute(self, name)

    def __repr__(self) -> str:
        return f"<{self.type_name} object in the runner>"


def _describe_error(exercise: str, error: dict, what: str) -> str:
    kind, message = error.get("type", "Exception"), error.get("message", "")
    text = f"{what} raised {kind}: {message}" if message else f"{what} raised {kind}"
    where = error.get("where")
    if where:
        text += f"\n  at line {where['line']} of {exercise}.py: {where['code']}"
    if _numpy_advice(error):
        text += (
            "\nDo not follow torch's advice here: .detach() cuts the tensor off from autograd, and no gradient "
            "flows through a NumPy array, so the gradient checks would fail next. Stay in torch: it has every "
            "operation you need (@, torch.tanh, torch.exp, ...)."
        )
    if _mixed_dtypes(error):
        text += (
            "\nTwo tensors of different dtypes met: one your code created is float32 while the inputs (or the model) are "
            "float64. Create new tensors in the inputs' dtype (x.new_zeros(...), dtype=x.dtype)."
        )
    return text


def _numpy_advice(error: dict) -> bool:
    """torch refused .numpy() on a tensor that needs gradients, and suggested .detach().numpy()."""
    return "detach().numpy()" in str(error.get("message", ""))


def _mixed_dtypes(error: dict) -> bool:
    """torch refused to combine float32 and float64 tensors (in a matmul, say)."""
    message = str(error.get("message", ""))
    return "same dtype" in message and ("Float and Double" in message or "float != double" in message)


def _named_by(error: dict) -> Mistake | None:
    """The mistake a raised error itself shows, whatever the exercise."""
    if _numpy_advice(error):
        return NUMPY_ROUND_TRIP
    return CHANGES_DTYPE if _mixed_dtypes(error) else None


class RemoteExercise:
    """One exercise of one submission, graded through a fresh runner process.

    A runner that crashes is replaced for the next call; one that times out is not (the
    remaining calls fail at once instead of each waiting out the timeout again).
    """

    def __init__(
        self,
        launcher,
        exercise: str,
        module_path: Path | None,
        *,
        dependencies: dict[str, str] | None = None,
        forbidden: list[str] | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        memory_bytes: int = DEFAULT_MEMORY_BYTES,
        restricted: bool = True,
    ):
        """``restricted=False`` runs the submission without the submission policy: only for tests
        of the process walls beneath it, never for grading."""
        self.launcher = launcher
        self.restricted = restricted
        self.exercise = exercise
        self.module_path = module_path
        self.source = ""  # the submission's text, once a runner has loaded it
        self.dependencies = dependencies or {}  # exercise -> source (grade train: the student's own)
        self.forbidden = forbidden or []
        self.timeout = timeout
        self.memory_bytes = memory_bytes
        self.runner = None
        self.sticky_problem: StudentProblem | None = None
        self.output = bytearray()
        self.output_dropped = 0
        self.served = ServedCalls(exercise)

    # -- what graders use ------------------------------------------------------------------

    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(name)
        return lambda *args, **kwargs: self.call(name, *args, kwargs=kwargs).value

    def call(
        self,
        target: str | tuple[RemoteObject, str],
        *args,
        kwargs: dict | None = None,
        inputs_after: bool = False,
        backward: list | None = None,
        count_ops: bool = False,
        timeout: float | None = None,
        max_reply_bytes: int = MAX_REPLY_BYTES,
        shown_as: str | None = None,
    ) -> CallResult:
        """Call a function in the runner and return what came back.

        ``target`` is a name the submission defines (``"rnn_step"``), a dotted name in
        ``autograde.sandbox.fixtures`` or in an earlier exercise's stand-in (``"exercises.char_lstm.CharLSTM"``),
        or ``(remote_object, method_name)``. ``inputs_after`` returns the argument tensors as
        they were after the call; ``backward`` (one cotangent per output tensor) returns the
        gradients of the arguments (and of a module's parameters); ``count_ops`` counts the
        aten operators the call dispatched (``matmuls`` includes those of the calls the checker
        served for it). ``shown_as`` names the call in messages instead (a fixture that calls the
        student's function on their behalf: ``"cross_entropy()"``, not the fixture's name).
        """
        if isinstance(target, str):
            module, _, name = target.rpartition(".")
            request = {"op": "call", "handle": None, "module": module or None, "name": name}
            what = f"{name}()"
        else:
            obj, method = target
            request = {"op": "call", "handle": obj._handle.id, "name": method}
            what = f"{obj.type_name}.{method}()" if method != "__call__" else f"{obj.type_name}(...)"
        what = shown_as or what
        limit = timeout or self.timeout
        request.update(
            args=list(args), kwargs=kwargs or {}, inputs_after=inputs_after,
            backward=backward, count_ops=count_ops, where_after=round(WHERE_AT * limit, 3),
        )
        request["args"] = self._unbind(request["args"])
        request["kwargs"] = self._unbind(request["kwargs"])
        self.served.counting, self.served.matmuls = count_ops, 0
        try:
            reply = self._exchange(request, limit, what, max_reply_bytes)
        finally:
            self.served.counting = False
        matmuls = reply.get("matmuls")
        if count_ops and type(matmuls) is int:
            reply["matmuls"] = matmuls + self.served.matmuls
        return CallResult(
            value=self._bind(reply.get("value")),
            inputs_after=reply.get("inputs_after"),
            grads=reply.get("grads"),
            param_grads=reply.get("param_grads"),
            matmuls=reply.get("matmuls"),
            op_counts=reply.get("op_counts") or {},
        )

    def get_attribute(self, obj: RemoteObject | None, name: str):
        request = {"op": "getattr", "handle": obj._handle.id if obj else None, "name": name}
        what = f"{obj.type_name}.{name}" if obj else name
        return self._bind(self._exchange(request, self.timeout, what).get("value"))

    def printed_output(self) -> str:
        text = self.output.decode("utf-8", "replace")
        if self.output_dropped:
            text += f"\n... ({self.output_dropped} more bytes not shown)"
        return text

    def close(self) -> None:
        self._stop_runner()

    # -- the runner's life -----------------------------------------------------------------

    def _ensure_runner(self):
        if self.sticky_problem is not None:
            raise self.sticky_problem
        if self.runner is not None:
            return self.runner
        try:
            source = self.module_path.read_text(encoding="utf-8")
        except (FileNotFoundError, IsADirectoryError):
            self.sticky_problem = SubmissionUnavailable(
                f"{self.exercise}.py is missing from the submission: create it from the stub in exercises/"
            )
            raise self.sticky_problem from None
        except (OSError, UnicodeDecodeError) as error:
            self.sticky_problem = SubmissionUnavailable(f"{self.exercise}.py could not be read as UTF-8 text: {error}")
            raise self.sticky_problem from None
        self.source = source
        if self.restricted:
            self._check_policy({self.exercise: source, **self.dependencies})
        paths = {name: f"lib/{name}.py" for name in self.dependencies}
        files = {f"{self.exercise}.py": source, **{paths[name]: code for name, code in self.dependencies.items()}}
        order = course.names()
        config = {
            "exercise": self.exercise,
            "module": f"{self.exercise}.py",
            "dependencies": paths,
            "standins": list(order[: order.index(self.exercise)]) if self.exercise in order else [],
            "forbidden": self.forbidden,
            "restricted": self.restricted,
        }
        self.runner = self.launcher.spawn(config, files, {"memory_bytes": self.memory_bytes})
        hello = self._receive(START_TIMEOUT, f"importing {self.exercise}.py")
        if hello.get("error"):
            error = hello["error"]
            self._stop_runner()
            if error.get("type") == "SyntaxError":
                where = error.get("where") or {}
                message = f"{self.exercise}.py has a syntax error at line {where.get('line', '?')}: {error['message']}"
            else:
                message = _describe_error(self.exercise, error, f"importing {self.exercise}.py")
            self.sticky_problem = SubmissionUnavailable(message).at(error.get("where"))
            raise self.sticky_problem
        return self.runner

    def _check_policy(self, sources: dict[str, str]) -> None:
        """Refuse, before anything runs, a module that uses what a submission may not (the runner
        enforces the same policy while it runs; checking here too names every construct at once)."""
        from autograde.sandbox import policy

        for name, source in sources.items():
            try:
                refusals = policy.check(source, f"{name}.py", f"exercises.{name}")
            except SyntaxError:
                continue  # the runner reports it, with its line
            if refusals:
                shown = "\n".join(f"  line {r.line}: {r.message}\n      {r.code}" for r in refusals[:3])
                more = f"\n  ... and {len(refusals) - 3} more" if len(refusals) > 3 else ""
                self.sticky_problem = SubmissionUnavailable(
                    f"{name}.py uses what a submission may not (the contract's \"What a submission may use\"):\n"
                    f"{shown}{more}"
                ).at({"line": refusals[0].line})
                raise self.sticky_problem

    def _stop_runner(self):
        status = None
        if self.runner is not None:
            with contextlib.suppress(OSError):
                self.runner.sock.close()
            status = self.launcher.reap(self.runner)
            self._drain_output()
            os.close(self.runner.output_fd)
            self.runner = None
            self.served.forget()
        return status

    def _exchange(self, request: dict, timeout: float, what: str, max_reply_bytes: int = MAX_REPLY_BYTES) -> dict:
        runner = self._ensure_runner()
        try:
            runner.sock.settimeout(timeout)
            runner.sock.sendall(wire.encode(request))
        except (OSError, socket.timeout):
            pass  # the reply (or its absence) below says what happened
        reply = self._receive(timeout, what, max_reply_bytes)
        if reply.get("ok") is True and isinstance(reply, dict):
            return reply
        error = reply.get("error") if isinstance(reply.get("error"), dict) else {}
        kind = error.get("type")
        if kind == "NotImplementedError":
            raise NotImplementedYet(
                f"{what} is not implemented yet (it raised NotImplementedError): fill in exercises/{self.exercise}.py"
            )
        if kind == "MissingName":
            raise StudentRaised(
                f"{self.exercise}.py does not define {request['name']}: check the name against the stub", kind
            )
        if kind == "NoGradientPath":
            if uses_numpy(self.source):
                message = f"{what} returned a result without gradients, and your code goes through NumPy. {NUMPY_ROUND_TRIP.fix}"
                raise StudentRaised(message, kind).naming(NUMPY_ROUND_TRIP)
            raise StudentRaised(f"{what} {error.get('message', '')}", kind).naming(CUTS_AUTOGRAD)
        if kind == "MemoryError":
            raise StudentRaised(
                f"{what} ran out of memory (the limit is {self.memory_bytes >> 20} MiB)", kind
            )
        problem = StudentRaised(_describe_error(self.exercise, error, what), kind or "Exception").at(error.get("where"))
        raise problem.naming(_named_by(error))

    def _receive(self, timeout: float, what: str, max_reply_bytes: int = MAX_REPLY_BYTES) -> dict:
        """Wait for the runner's reply, answering the served calls it asks for meanwhile.

        A frame announcing more than ``max_reply_bytes`` ends the runner before its body is read.
        """
        runner = self.runner
        deadline = time.monotonic() + timeout
        buffer = bytearray()
        where = None
        while True:
            try:
                total = wire.frame_length(buffer, max_reply_bytes)
            except wire.FrameTooLarge as error:
                self._stop_runner()
                raise StudentRaised(
                    f"{what} sent back {error.size} bytes, more than the {error.limit >> 20} MiB this check reads: "
                    "return only what the exercise asks for", "FrameTooLarge",
                ) from None
            if total is not None and len(buffer) >= total:
                frame = wire.decode(bytes(buffer[:total]))
                del buffer[:total]
                if is_request(frame):
                    self._send_answer(frame, deadline)
                    continue
                if isinstance(frame, dict) and frame.get("note") == "where":
                    where = where_of(frame) or where
                    continue
                if not isinstance(frame, dict):
                    raise wire.WireError("reply is not a dict")
                return frame
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self._stop_runner()
                running = f"; it was running line {where['line']} of {self.exercise}.py: {where['code']}" if where else ""
                self.sticky_problem = StudentTimeout(
                    f"{what} did not finish within {timeout:g} s{running}\nLook for an endless loop "
                    "(the remaining checks of this exercise were not run)."
                ).at(where)
                raise self.sticky_problem
            ready, _, _ = select.select([runner.sock, runner.output_fd], [], [], remaining)
            if runner.output_fd in ready:
                self._drain_output()
            if runner.sock in ready:
                chunk = runner.sock.recv(1 << 20)
                if not chunk:
                    status = self._stop_runner()
                    how = status.describe() if status else "ended"
                    raise RunnerDied(f"the process running your code {how} during {what}")
                buffer += chunk

    def _send_answer(self, request: dict, deadline: float) -> None:
        """Answer one served call; a runner that does not read its answer runs into the deadline."""
        answer = self.served.answer(request)
        try:
            frame = wire.encode(answer)
        except wire.WireError as error:
            frame = wire.encode({"ok": False, "error": {"type": "ServedCallFailed", "message": str(error)}})
        try:
            self.runner.sock.settimeout(max(deadline - time.monotonic(), 0.001))
            self.runner.sock.sendall(frame)
        except OSError:
            pass  # the wait for the reply says what happened

    def _drain_output(self) -> None:
        runner = self.runner
        while runner is not None:
            try:
                chunk = os.read(runner.output_fd, 1 << 16)
            except (BlockingIOError, OSError):
                return
            if not chunk:
                return
            room = MAX_OUTPUT_BYTES - len(self.output)
            self.output += chunk[: max(room, 0)]
            self.output_dropped += max(len(chunk) - max(room, 0), 0)

    def _unbind(self, value: Any) -> Any:
        return wire.map_leaves(value, lambda v: v._handle if isinstance(v, RemoteObject) else v)

    def _bind(self, value: Any) -> Any:
        return wire.map_leaves(value, lambda v: RemoteObject(self, v) if isinstance(v, wire.Handle) else v)
