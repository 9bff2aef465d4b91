"""Helpers shared by the graders of the module exercises (lstm_layer, embedding, char_lstm).

A student's module lives in the runner: graders build it there, load known weights into it
(never rely on seeds: the order a module creates its parameters in changes what a seed gives)
and compare what comes back with the reference and torch's own modules loaded with the same
weights.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch

from autograde.grading.checks import expect_close, expect_gradients_reach, expect_pair, expect_tensor, fail
from autograde.grading.mistakes import Mistake
from autograde.grading.remote import RemoteObject, StudentRaised


def build(student, class_name: str, *args, state: dict | None = None, dtype=torch.float32) -> RemoteObject:
    """The student's class built in the runner, in ``dtype``, with ``state`` loaded into it."""
    module = getattr(student, class_name)(*args)
    if dtype == torch.float64:
        module = module.method("double")
    if state is not None:
        try:
            module.method("load_state_dict", state)
        except StudentRaised as error:
            if error.error_type != "RuntimeError":
                raise
            fail(
                f"{class_name}{args} could not load a state dict with the parameters "
                f"{describe_shapes(state)}: {error}"
            )
    return module


def random_state(shapes: dict[str, Sequence[int]], seed: int, dtype=torch.float32) -> dict:
    """A state dict of random, non-symmetric values with the given names and shapes, scaled by
    0.5 to keep sigmoids and tanhs away from saturation."""
    g = torch.Generator().manual_seed(seed)
    return {name: (torch.randn(*shape, generator=g, dtype=torch.float64) * 0.5).to(dtype) for name, shape in shapes.items()}


def describe_shapes(tensors: dict) -> str:
    return ", ".join(f"{name} {tuple(t.shape)}" for name, t in tensors.items()) or "(none)"


def parameters_of(student, module: RemoteObject) -> dict[str, torch.Tensor]:
    """The module's registered parameters, {name: value}, read in the runner."""
    return student.call("autograde.sandbox.fixtures.parameters_of", module).value


def picking(mistakes: Sequence[Mistake], pick: Callable) -> list[Mistake]:
    """The same mistakes, each returning only the part of the result that ``pick`` selects."""
    return [Mistake(m.name, m.fix, lambda *a, m=m, **k: pick(m.compute(*a, **k))) for m in mistakes]


def expect_sequence_result(
    result, expected, names: tuple[str, str, str], what: str, *, context: str = "", mistakes=(), args=(),
) -> None:
    """``result`` is (outputs, (h, c)) and each part equals ``expected``'s.

    Both LSTMLayer and CharLSTM return this structure; a catalogued mistake (returning the
    whole structure) is named on whichever part it gets wrong first.
    """
    outputs, state = expect_pair(result, what)
    h, c = expect_pair(state, f"the state ({names[1]}, {names[2]}) that {what} returns")
    parts = (
        (outputs, expected[0], lambda r: r[0]),
        (h, expected[1][0], lambda r: r[1][0]),
        (c, expected[1][1], lambda r: r[1][1]),
    )
    for name, (got, want, pick) in zip(names, parts):
        expect_close(got, want, name, context=context, mistakes=picking(mistakes, pick), args=args)


def in_two_halves(forward: Callable, split: int) -> Callable:
    """``forward(weights, x, state)`` run on x[:, :split] then x[:, split:], the state passed on.

    Returns (outputs of both halves concatenated, final state): what one run should give.
    """

    def run(weights, x, state=None):
        first, middle = forward(weights, x[:, :split], state)
        second, final = forward(weights, x[:, split:], middle)
        return torch.cat([first, second], dim=1), final

    return run


def detached_state(state, names: tuple[str, str], what: str) -> tuple:
    """The (h, c) a call returned, checked to be two tensors and detached, to be passed back in."""
    pair = expect_pair(state, f"the state ({names[0]}, {names[1]}) that {what} returns")
    return tuple(expect_tensor(t, name).detach() for t, name in zip(pair, names))


def expect_parameter_gradients(actual: dict | None, expected: dict[str, torch.Tensor], what: str) -> None:
    """Every parameter received a gradient, equal to ``expected[name]``."""
    actual = actual or {}
    names = list(expected)
    expect_gradients_reach([actual.get(name) for name in names], names, what)
    for name in names:
        expect_close(actual[name], expected[name], f"the gradient with respect to the parameter {name}")


def summarise(values: torch.Tensor) -> str:
    values = values.double()
    return (
        f"mean {values.mean().item():.3g}, std {values.std().item():.3g}, "
        f"values in [{values.min().item():.3g}, {values.max().item():.3g}]"
    )


def initialisation_mistake(values: torch.Tensor, mistakes: Sequence[Mistake], args: Sequence) -> Mistake | None:
    """The catalogued initialisation whose sample has the mean, spread and range of ``values``.

    Initial values are random, so a mistake cannot be reproduced exactly: each mistake's
    ``compute(*args, generator=...)`` draws a sample of the same shape, and the two are alike
    when their means and stds agree within a tenth of the sample's std, and their extremes
    (noisier) within a quarter of its largest magnitude.
    """
    values = values.detach().double()
    for mistake in mistakes:
        sample = mistake.compute(*args, generator=torch.Generator().manual_seed(0)).double()
        if sample.shape != values.shape:
            continue
        spread, scale = sample.std().item() + 1e-12, sample.abs().max().item() + 1e-12
        tolerances = (
            (torch.mean, 0.1 * spread), (torch.std, 0.1 * spread), (torch.min, 0.25 * scale), (torch.max, 0.25 * scale),
        )
        if all(abs(stat(values).item() - stat(sample).item()) <= tolerance for stat, tolerance in tolerances):
            return mistake
    return None


def fail_initialisation(message: str, values: torch.Tensor, mistakes: Sequence[Mistake], args: Sequence):
    fail(message, mistake=initialisation_mistake(values, mistakes, args))
