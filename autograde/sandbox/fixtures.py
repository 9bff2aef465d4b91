"""Trusted helpers that graders call inside the runner, to build what cannot be sent as data.

A tensor's ``.grad``, a generator, a model with instruments: none of these crosses the wire,
so the checker asks the runner to build them here (``student.call("autograde.sandbox.fixtures.X", ...)``)
and gets a handle back. Nothing here is secret; it runs beside student code.
"""

from __future__ import annotations

import torch


class Parameters:
    """Tensors with gradients, kept in the runner (a plain list would be sent back as data)."""

    def __init__(self, tensors: list[torch.Tensor]):
        self.tensors = tensors

    def __iter__(self):
        return iter(self.tensors)

    def __len__(self) -> int:
        return len(self.tensors)


def with_grads(values: list[torch.Tensor], grads: list[torch.Tensor | None]) -> Parameters:
    """Leaf tensors that require grad, each with ``.grad`` set (None stays None)."""
    params = []
    for value, grad in zip(values, grads):
        param = value.detach().clone().requires_grad_(True)
        param.grad = None if grad is None else grad.detach().clone()
        params.append(param)
    return Parameters(params)


def grads_of(params: Parameters) -> list[torch.Tensor | None]:
    return [None if p.grad is None else p.grad.detach().clone() for p in params.tensors]


def as_generator(params: Parameters):
    """A one-shot iterator over the parameters, like ``model.parameters()``."""
    return (p for p in params.tensors)


def parameters_of(module: torch.nn.Module) -> dict[str, torch.Tensor]:
    """A module's registered parameters by name (state_dict() would also list buffers)."""
    return {name: p.detach().clone() for name, p in module.named_parameters()}


def values_of(params: Parameters) -> list[torch.Tensor]:
    """The parameters' values (not their gradients), to check that clipping left them alone."""
    return [p.detach().clone() for p in params.tensors]


# -- language models (train_lm, generate and `grade train`) -------------------------------------


def seeded_char_lstm(vocab_size: int, seed: int, **sizes) -> torch.nn.Module:
    """The runner's ``exercises.char_lstm.CharLSTM``, initialised under ``torch.manual_seed(seed)``."""
    from exercises.char_lstm import CharLSTM

    torch.manual_seed(seed)
    return CharLSTM(vocab_size, **sizes)


def _describe_state(hidden, previous) -> str:
    """How a forward call's incoming state relates to the state the previous call returned."""
    if hidden is None:
        return "none"
    tensors = [t for t in hidden if isinstance(t, torch.Tensor)] if isinstance(hidden, (tuple, list)) else []
    if tensors and all(not t.detach().any() for t in tensors):
        return "zeros"
    if previous is not None and len(tensors) == len(previous) and all(
        t.shape == p.shape and torch.equal(t.detach(), p) for t, p in zip(tensors, previous)
    ):
        return "previous"
    return "other"


class _ForwardRecorder:
    """Mixin for a CharLSTM class: records, per forward call, the ids and the incoming state."""

    def forward(self, x, hidden=None):
        tensors = list(hidden) if isinstance(hidden, (tuple, list)) else []
        self.forward_calls.append({
            "x": x.detach().clone(),
            "state": _describe_state(hidden, self._last_state),
            "state_has_graph": any(
                isinstance(t, torch.Tensor) and (t.requires_grad or t.grad_fn is not None) for t in tensors
            ),
        })
        logits, new_hidden = super().forward(x, hidden)
        self._last_state = [t.detach().clone() for t in new_hidden]
        return logits, new_hidden


def _record_optimizer_steps(model: torch.nn.Module) -> None:
    """Record, per optimizer step over ``model``'s parameters, the gradients it is about to apply
    and the parameters it starts from (``model.optimizer_steps[k]["grad"]`` and ``["params"]``,
    flattened), and, at the next step, the norm those same gradient tensors have by then
    (``"norm_later"``: smaller if they were clipped in place after the step).

    The hooks are global (the submission creates the optimizer), hold the model weakly and only
    look at optimizers that own its parameters, so models of other checks are left alone.
    """
    import weakref

    from torch.optim.optimizer import register_optimizer_step_post_hook, register_optimizer_step_pre_hook

    owner = weakref.ref(model)
    mine = {id(p) for p in model.parameters()}
    applied: list[torch.Tensor] = []  # the gradient tensors the last step used

    def concerns(optimizer) -> torch.nn.Module | None:
        m = owner()
        if m is None or not any(id(p) in mine for group in optimizer.param_groups for p in group["params"]):
            return None
        return m

    def before(optimizer, args, kwargs):
        if (m := concerns(optimizer)) is None:
            return
        if applied and m.optimizer_steps:
            m.optimizer_steps[-1]["norm_later"] = float(torch.cat([g.detach().reshape(-1) for g in applied]).norm())
        grads = [p.grad if p.grad is not None else torch.zeros_like(p) for p in m.parameters()]
        m.optimizer_steps.append({
            "grad": torch.cat([g.detach().reshape(-1) for g in grads]),
            "params": torch.cat([p.detach().reshape(-1) for p in m.parameters()]),
            "norm_later": None,
        })

    def after(optimizer, args, kwargs):
        if concerns(optimizer) is not None:
            applied[:] = [p.grad for p in owner().parameters() if p.grad is not None]

    model.optimizer_steps = []
    model._hooks_of_steps = [register_optimizer_step_pre_hook(before), register_optimizer_step_post_hook(after)]
    weakref.finalize(model, lambda handles: [h.remove() for h in handles], model._hooks_of_steps)


def recording_char_lstm(vocab_size: int, state: dict, **sizes) -> torch.nn.Module:
    """The runner's CharLSTM with ``state`` loaded, recording its forward calls
    (``forward_calls``) and the optimizer steps taken on it (``optimizer_steps``)."""
    from exercises.char_lstm import CharLSTM

    recording = type("CharLSTM", (_ForwardRecorder, CharLSTM), {})
    model = recording(vocab_size, **sizes)
    model.load_state_dict(state)
    model.forward_calls = []
    model._last_state = None
    _record_optimizer_steps(model)
    return model


@torch.no_grad()
def logits_of(model: torch.nn.Module, x: torch.Tensor) -> torch.Tensor:
    """The model's logits for ``x``, without building a graph (held-out text is long)."""
    return model(x)[0]


class TableLM(torch.nn.Module):
    """A language model whose next-token logits depend only on the last token: logits = table[x].

    Its hidden state is the number of tokens fed so far, so the checker can tell whether it was
    carried. Each call is recorded in ``calls``: the ids fed, the count carried in (None without
    a state), whether autograd was recording, and the model's train/eval mode.
    """

    def __init__(self, table: torch.Tensor):
        super().__init__()
        self.table = torch.nn.Parameter(table.clone())
        self.calls: list[dict] = []

    def forward(self, x, hidden=None):
        carried = None
        if isinstance(hidden, (tuple, list)) and hidden and isinstance(hidden[0], torch.Tensor) and hidden[0].numel():
            carried = int(hidden[0].reshape(-1)[0])
        self.calls.append({
            "x": x.detach().clone(),
            "carried": carried,
            "grad_enabled": torch.is_grad_enabled(),
            "training": self.training,
        })
        seen = torch.full((1, x.shape[0], 1), float((carried or 0) + x.shape[-1]))
        return self.table[x], (seen, torch.zeros_like(seen))  # (B, T, V), ((1, B, 1), (1, B, 1))


class ConstantLM(torch.nn.Module):
    """A language model whose next-token logits are the same whatever it is fed, and which
    records nothing: the model of generate's sampling checks, where thousands of draws should
    cost what generate itself does (TableLM's records add half again)."""

    def __init__(self, logits: torch.Tensor):
        super().__init__()
        self.logits = torch.nn.Parameter(logits.clone())
        self.state = (torch.zeros(1, 1, 1), torch.zeros(1, 1, 1))

    def forward(self, x, hidden=None):
        return self.logits.expand(*x.shape, -1).clone(), self.state  # (B, T, V), as TableLM's table[x]


def make_generator(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


class BackgroundCall:
    """A function running in a thread of the runner, so that the checker can show its progress.

    ``progress()`` tells how many optimizer steps have been taken since it started (whatever
    optimizer the function creates) and whether it has finished; ``result()`` waits for it and
    returns its value or raises its exception.
    """

    def __init__(self, target: str, *args, **kwargs):
        import importlib
        import threading

        from torch.optim.optimizer import register_optimizer_step_post_hook

        module, _, name = target.rpartition(".")
        self.function = getattr(importlib.import_module(module), name)
        self.steps = 0
        self.value = None
        self.error: BaseException | None = None
        self._hook = register_optimizer_step_post_hook(self._count)
        self._thread = threading.Thread(target=self._run, args=args, kwargs=kwargs, daemon=True)
        self._thread.start()

    def _count(self, optimizer, args, kwargs) -> None:
        self.steps += 1

    def _run(self, *args, **kwargs) -> None:
        try:
            self.value = self.function(*args, **kwargs)
        except BaseException as error:  # noqa: B036 - handed to the checker by result()
            self.error = error
        finally:
            self._hook.remove()

    def progress(self) -> dict:
        return {"steps": self.steps, "done": not self._thread.is_alive()}

    def result(self):
        self._thread.join()
        if self.error is not None:
            raise self.error
        return self.value


def grad_identities(params: Parameters) -> list[int | None]:
    """Which tensor object each ``.grad`` is, to tell scaling in place from replacing it."""
    return [None if p.grad is None else id(p.grad) for p in params.tensors]


# -- memory layouts and chained steps (contract checks the wire cannot carry) --------------------


def noncontiguous(tensor: torch.Tensor) -> torch.Tensor:
    """The same values in memory that is not contiguous: the last two dimensions stored
    transposed (as ``x.t()`` or ``logits.transpose(0, 1)`` leave them), or, for fewer than two
    dimensions, every other element of a larger buffer. The wire sends tensors contiguous, so
    only the runner can build one."""
    if tensor.ndim >= 2 and tensor.shape[-1] > 1 and tensor.shape[-2] > 1:
        return tensor.transpose(-1, -2).contiguous().transpose(-1, -2)
    if tensor.ndim >= 1 and tensor.numel() > 1:
        buffer = tensor.new_zeros(*tensor.shape[:-1], 2 * tensor.shape[-1])
        view = buffer[..., ::2]
        view.copy_(tensor)
        return view
    return tensor


def call_on_noncontiguous(function, *args):
    """``function(*args)`` with every tensor argument re-laid out by ``noncontiguous``."""
    return function(*(noncontiguous(a) if isinstance(a, torch.Tensor) else a for a in args))


def _tensors_of(value) -> list[torch.Tensor]:
    if isinstance(value, torch.Tensor):
        return [value]
    if isinstance(value, (tuple, list)):
        return [t for v in value for t in _tensors_of(v)]
    return []


def _as_leaves(value):
    if isinstance(value, torch.Tensor):
        return value.detach().clone().requires_grad_(True)
    return type(value)(_as_leaves(v) for v in value)


def chain_steps(step, xs: list[torch.Tensor], state, weights: list[torch.Tensor], cotangents: list[list[torch.Tensor]]) -> dict:
    """Run ``state = step(x, state, *weights)`` for each x in turn, each call fed the state the
    previous one returned, then backpropagate sum(state_t * cotangent_t) over every step at once.

    ``state`` is a tensor (rnn_step, gru_step) or a pair (lstm_step). Returns every step's state
    and the gradients of the first state, the weights and the inputs, as plain tensors (None
    where none arrived). The checker runs the same chain on the reference, in its own process.
    """
    first, weights, xs = _as_leaves(state), _as_leaves(list(weights)), _as_leaves(list(xs))
    states, current = [], first
    for x in xs:
        current = step(x, current, *weights)
        states.append(current)
    pairs = [
        (o, c) for s, cs in zip(states, cotangents) for o, c in zip(_tensors_of(s), cs)
        if isinstance(o, torch.Tensor) and o.requires_grad
    ]
    if pairs:
        sum((o * c.to(o.dtype)).sum() for o, c in pairs).backward()

    def grad(t):
        return None if t.grad is None else t.grad.detach().clone()

    return {
        "states": [[t.detach().clone() for t in _tensors_of(s)] for s in states],
        "first_state": [grad(t) for t in _tensors_of(first)],
        "weights": [grad(t) for t in weights],
        "xs": [grad(t) for t in xs],
    }
