"""The checker's side of served calls: a runner's ``exercises.X.f(...)`` run here, on the reference.

No reference enters a runner (``autograde.sandbox.standins``), so when a submission calls an
earlier exercise's function, the runner sends the call as data and the checker answers it while
it waits for the reply of its own call (``RemoteExercise._receive``). Every field of a request is
checked here first; a bad request is answered with an error, which fails the student's call,
never the checker.

For gradients, a call whose inputs require grad is kept with its autograd graph, and a later
gradient request gets the vector-Jacobian product. A runner may keep the last
``MAX_KEPT_CALLS`` calls, holding at most ``MAX_KEPT_BYTES`` of tensors (inputs and outputs;
the graph's own buffers come on top); older ones are forgotten, and asking for their gradient
is an error.
"""

from __future__ import annotations

import importlib
from collections import OrderedDict
from dataclasses import dataclass

import torch

from autograde.grading import course
from autograde.sandbox import wire
from autograde.sandbox.protocol import MAX_MESSAGE_CHARS, MAX_SERVED_INPUT_BYTES, SERVED
from autograde.sandbox.watch import OpCounter

MAX_KEPT_CALLS = 4096
MAX_KEPT_BYTES = 256 << 20
REQUESTS = ("serve", "gradient")


class BadRequest(Exception):
    """A served-call request that does not follow ``protocol.ServeRequest``/``GradientRequest``."""


@dataclass
class KeptCall:
    inputs: list[torch.Tensor]  # every tensor argument, in order
    outputs: list[torch.Tensor]  # every floating-point tensor of the result, in order
    nbytes: int


def is_request(frame) -> bool:
    return isinstance(frame, dict) and frame.get("op") in REQUESTS


def _tensors(value) -> list[torch.Tensor]:
    found = []
    wire.map_leaves(value, lambda v: found.append(v) if isinstance(v, torch.Tensor) else None)
    return found


def _bytes(tensors: list[torch.Tensor]) -> int:
    return sum(t.numel() * t.element_size() for t in tensors)


class ServedCalls:
    """Answers the served-call requests of one runner grading ``exercise``."""

    def __init__(self, exercise: str):
        order = course.names()
        self.earlier = set(order[: order.index(exercise)]) if exercise in order else set()
        self.kept: OrderedDict[int, KeptCall] = OrderedDict()
        self.kept_bytes = 0
        self.last_id = 0
        self.counting = False  # count the matmuls of served calls (the checker's call counts ops)
        self.matmuls = 0

    def answer(self, request: dict) -> dict:
        """The reply (``protocol.ServeReply``) to one request; never raises."""
        try:
            if request["op"] == "serve":
                return self._serve(request)
            return self._gradient(request)
        except BadRequest as error:
            return {"ok": False, "error": {"type": "ServedCallRefused", "message": str(error)[:MAX_MESSAGE_CHARS]}}
        except Exception as error:  # noqa: BLE001 - the reference raised on the runner's inputs
            message = str(error.args[0]) if isinstance(error, KeyError) and error.args else str(error)
            return {"ok": False, "error": {"type": type(error).__name__, "message": message[:MAX_MESSAGE_CHARS]}}

    def forget(self) -> None:
        self.kept.clear()
        self.kept_bytes = 0

    def _serve(self, request: dict) -> dict:
        exercise, name = request.get("exercise"), request.get("name")
        args, kwargs, keep = request.get("args"), request.get("kwargs"), request.get("keep")
        if not (isinstance(exercise, str) and exercise in self.earlier and exercise in SERVED):
            raise BadRequest(f"exercises.{str(exercise)[:80]} cannot be served here (only earlier exercises' functions can)")
        if name not in SERVED[exercise]:
            raise BadRequest(f"exercises.{exercise} has no served function {str(name)[:80]!r}")
        if not (isinstance(args, list) and isinstance(kwargs, dict) and all(isinstance(k, str) for k in kwargs)):
            raise BadRequest("the arguments must be a list and a dict with str keys")
        if not isinstance(keep, bool):
            raise BadRequest("keep must be a bool")
        handles = []
        wire.map_leaves([args, kwargs], lambda v: handles.append(v) if isinstance(v, wire.Handle) else None)
        if handles:
            raise BadRequest(f"{name}() can only be sent plain data, not objects of the runner ({handles[0].type_name[:80]})")
        inputs = _tensors([args, kwargs])
        if _bytes(inputs) > MAX_SERVED_INPUT_BYTES:
            raise BadRequest(f"{name}() was sent more than {MAX_SERVED_INPUT_BYTES >> 20} MiB of tensors")

        course.resolve_exercises_to_reference()
        function = getattr(importlib.import_module(f"exercises.{exercise}"), name)
        with torch.enable_grad() if keep else torch.no_grad():
            if self.counting:
                with OpCounter() as counter:
                    value = function(*args, **kwargs)
                self.matmuls += counter.matmuls()
            else:
                value = function(*args, **kwargs)
        reply = {"ok": True, "value": value, "call": None}
        outputs = [t for t in _tensors(value) if t.is_floating_point()]
        if keep and any(o.requires_grad for o in outputs):
            reply["call"] = self._keep(KeptCall(inputs, outputs, _bytes(inputs) + _bytes(outputs)))
        return reply

    def _keep(self, call: KeptCall) -> int:
        self.last_id += 1
        self.kept[self.last_id] = call
        self.kept_bytes += call.nbytes
        while len(self.kept) > MAX_KEPT_CALLS or (self.kept_bytes > MAX_KEPT_BYTES and len(self.kept) > 1):
            self.kept_bytes -= self.kept.popitem(last=False)[1].nbytes
        return self.last_id

    def _gradient(self, request: dict) -> dict:
        call_id, cotangents = request.get("call"), request.get("cotangents")
        call = self.kept.get(call_id) if type(call_id) is int else None
        if call is None:
            raise BadRequest(
                f"the checker no longer holds served call {str(call_id)[:20]} (it keeps the last {MAX_KEPT_CALLS})"
            )
        if not (
            isinstance(cotangents, list) and len(cotangents) == len(call.outputs)
            and all(isinstance(c, torch.Tensor) and c.shape == o.shape for c, o in zip(cotangents, call.outputs))
        ):
            raise BadRequest("the gradient request must send one tensor per output, shaped like it")
        pairs = [(o, c.to(o.dtype)) for o, c in zip(call.outputs, cotangents) if o.requires_grad]
        wanted = [t for t in call.inputs if t.requires_grad]
        grads = torch.autograd.grad(
            [o for o, _ in pairs], wanted, [c for _, c in pairs], retain_graph=True, allow_unused=True
        ) if pairs and wanted else [None] * len(wanted)
        by_input = dict(zip(map(id, wanted), grads))
        return {"ok": True, "grads": [by_input.get(id(t)) for t in call.inputs]}
