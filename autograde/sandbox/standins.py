"""What ``exercises.<earlier exercise>`` is in a runner: stand-ins that hold no reference code.

A submission may import another exercise's function (the contract's "General rules"). Its
reference must not enter the runner, so each such module is built here instead:

- functions on plain data (``protocol.SERVED``) send the call to the checker, which runs the
  reference and sends the result back. Gradients flow through ``ServedGradient``: its backward
  asks the checker for the vector-Jacobian product of the kept call.
- what cannot cross as data (modules holding parameters, in-place clipping) is a fixture below,
  written from torch's own modules, equal in behaviour to the contract (checked against the
  reference in tests/test_standins.py).

Served calls are answered while the checker waits for the reply of its own call, so they work
from the runner's main thread only. ``train`` and ``generate`` have no stand-in: nothing graded
after them needs them, and a stand-in would be their answer.
"""

from __future__ import annotations

import threading

import torch
from torch import nn
from torch.nn import functional as F

from autograde.sandbox import wire
from autograde.sandbox.protocol import MAX_MESSAGE_CHARS, SERVED

RAISED_AS_ITSELF = {error.__name__: error for error in (KeyError, IndexError, ValueError, TypeError, RuntimeError)}
"""Errors of a served call that the stand-in raises as the same type (the contract names some)."""

_checker = None  # the runner's socket to the checker, set by connect()


def connect(sock) -> None:
    global _checker
    _checker = sock


class ServedCallFailed(RuntimeError):
    """A served call the checker refused or could not answer."""


def ask(request: dict) -> dict:
    """Send one request to the checker and wait for its answer (the checker's clock is running)."""
    if _checker is None or threading.current_thread() is not threading.main_thread():
        raise ServedCallFailed(f"exercises.{request.get('exercise', '?')} can only be called from the main thread while grading")
    _checker.sendall(wire.encode(request))
    reply = wire.read_frame(_checker)
    if not isinstance(reply, dict):
        raise ServedCallFailed("the checker hung up")
    if reply.get("ok") is not True:
        error = reply.get("error") if isinstance(reply.get("error"), dict) else {}
        kind, message = str(error.get("type", "Error")), str(error.get("message", ""))[:MAX_MESSAGE_CHARS]
        raise RAISED_AS_ITSELF.get(kind, ServedCallFailed)(message if kind in RAISED_AS_ITSELF else f"{kind}: {message}")
    return reply


def _tensors(value) -> list[torch.Tensor]:
    found = []
    wire.map_leaves(value, lambda v: found.append(v) if isinstance(v, torch.Tensor) else None)
    return found


def _differentiable(value) -> list[torch.Tensor]:
    return [t for t in _tensors(value) if t.is_floating_point()]


class ServedGradient(torch.autograd.Function):
    """Attaches a served call's outputs to its inputs' graph; backward asks the checker."""

    @staticmethod
    def forward(ctx, call: int, outputs: list, *inputs):
        ctx.call = call
        ctx.inputs = [(t.dtype, t.device) for t in inputs]
        return tuple(outputs)

    @staticmethod
    def backward(ctx, *cotangents):
        reply = ask({"op": "gradient", "call": ctx.call, "cotangents": list(cotangents)})
        grads = reply.get("grads")
        if not isinstance(grads, list) or len(grads) != len(ctx.inputs):
            raise ServedCallFailed("the checker sent gradients that do not match the inputs")
        moved = [g if g is None else g.to(device=device, dtype=dtype) for g, (dtype, device) in zip(grads, ctx.inputs)]
        return (None, None, *moved)


def served(exercise: str, name: str):
    """A function that runs ``exercises.<exercise>.<name>`` (the reference) in the checker."""

    def call(*args, **kwargs):
        inputs = _tensors([args, kwargs])
        keep = torch.is_grad_enabled() and any(t.requires_grad for t in inputs)
        reply = ask({"op": "serve", "exercise": exercise, "name": name, "args": list(args), "kwargs": kwargs, "keep": keep})
        value = reply.get("value")
        if inputs and inputs[0].device.type != "cpu":
            value = wire.map_leaves(value, lambda v: v.to(inputs[0].device) if isinstance(v, torch.Tensor) else v)
        outputs = _differentiable(value)
        if not (keep and outputs and isinstance(reply.get("call"), int)):
            return value
        attached = iter(ServedGradient.apply(reply["call"], outputs, *inputs))
        return wire.map_leaves(value, lambda v: next(attached) if any(v is o for o in outputs) else v)

    call.__name__ = call.__qualname__ = name
    call.__doc__ = f"The course's {name}, run by the checker (exercise {exercise})."
    return call


# -- fixtures: what cannot cross as data, written from torch's own modules ----------------------


class LSTMLayer(nn.LSTMCell):
    """torch.nn.LSTMCell stepped over a batch-first sequence: its parameters, names and init."""

    def __init__(self, input_size, hidden_size):
        super().__init__(input_size, hidden_size)

    def forward(self, x, state=None):
        steps = []
        for x_t in x.unbind(1):
            state = super().forward(x_t, state)
            steps.append(state[0])
        return torch.stack(steps, 1), state


class Embedding(nn.Module):
    """F.embedding over a N(0, 1) table, refusing ids outside it with IndexError."""

    def __init__(self, num_embeddings, embedding_dim):
        super().__init__()
        self.num_embeddings, self.embedding_dim = num_embeddings, embedding_dim
        self.weight = nn.Parameter(torch.randn(num_embeddings, embedding_dim))

    def forward(self, ids):
        if ids.dtype in (torch.bool, torch.float16, torch.bfloat16, torch.float32, torch.float64) or ids.is_complex():
            raise TypeError(f"Embedding wants integer ids, not {ids.dtype}")
        if ids.numel() and not bool(((ids >= 0) & (ids < self.num_embeddings)).all()):
            raise IndexError(f"an id lies outside [0, {self.num_embeddings}): {ids.min().item()} .. {ids.max().item()}")
        return F.embedding(ids.long(), self.weight)


class CharLSTM(nn.Module):
    """The contract's char_lstm: submodules ``embedding``, ``lstm`` (batch first) and ``head``."""

    def __init__(self, vocab_size, embed_dim=32, hidden_dim=128, num_layers=1):
        super().__init__()
        self.embedding, self.lstm, self.head = (
            nn.Embedding(vocab_size, embed_dim),
            nn.LSTM(embed_dim, hidden_dim, num_layers, batch_first=True),
            nn.Linear(hidden_dim, vocab_size),
        )

    def forward(self, x, hidden=None):
        features, hidden = self.lstm(self.embedding(x), hidden)
        return self.head(features), hidden


def clip_grad_norm(parameters, max_norm):
    """torch's clipping, except that gradients at or under ``max_norm`` are left untouched."""
    with_grads = [p for p in parameters if p.grad is not None]
    if not with_grads:
        return torch.zeros(())
    total = nn.utils.get_total_norm([p.grad for p in with_grads])
    if total > max_norm:
        nn.utils.clip_grads_with_norm_(with_grads, max_norm, total)
    return total


FIXTURES = {
    "clip_grad_norm": {"clip_grad_norm": clip_grad_norm},
    "lstm_layer": {"LSTMLayer": LSTMLayer},
    "embedding": {"Embedding": Embedding},
    "char_lstm": {"CharLSTM": CharLSTM},
}


def has_standin(exercise: str) -> bool:
    return exercise in SERVED or exercise in FIXTURES


def fill(exercise: str, namespace: dict) -> None:
    """Put the stand-ins of ``exercise``'s public names into its module's namespace."""
    namespace.update({name: served(exercise, name) for name in SERVED.get(exercise, ())})
    namespace.update(FIXTURES.get(exercise, {}))
    namespace["__all__"] = sorted(n for n in namespace if not n.startswith("_"))
