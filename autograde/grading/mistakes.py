"""Naming the mistake behind a wrong answer.

Each exercise keeps a catalogue of realistic mistakes, each written as a function with the
exercise's own signature that makes exactly that mistake. When a result is wrong, the checker
runs every catalogued mistake on the same inputs, in the trusted process, and if one of them
reproduces the student's result, the message names it. One mechanism for every grader, no
ad-hoc guessing from error sizes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
import re

import torch

from autograde.grading import recording


@dataclass(frozen=True)
class Mistake:
    name: str
    """What went wrong, as the message says it: "the tanh is missing"."""
    fix: str
    """How to put it right, in one sentence."""
    compute: Callable[..., Any] | None = None
    """Takes the exercise's inputs, returns what a submission with this mistake returns; None for
    a mistake a check observes directly (an input changed in place) rather than reproduces."""

    @property
    def id(self) -> str:
        """A stable name for reports and statistics: the mistake's words, lowercased and hyphenated."""
        return re.sub(r"[^a-z0-9]+", "-", self.name.lower()).strip("-")

    def describe(self) -> str:
        return f"This looks like a known mistake: {self.name}. {self.fix}"


def _same(actual: Any, wrong: Any) -> bool:
    if isinstance(actual, torch.Tensor) != isinstance(wrong, torch.Tensor):
        return False
    if isinstance(actual, torch.Tensor):
        if actual.shape != wrong.shape:
            return False
        actual, wrong = actual.detach().double(), wrong.detach().double()
        return bool(torch.allclose(actual, wrong, rtol=1e-3, atol=1e-4, equal_nan=True))
    if isinstance(actual, (tuple, list)) and isinstance(wrong, (tuple, list)):
        return len(actual) == len(wrong) and all(_same(a, w) for a, w in zip(actual, wrong))
    if isinstance(actual, float) and isinstance(wrong, float):
        return abs(actual - wrong) <= 1e-4 * max(1.0, abs(wrong))
    return actual == wrong


def uses_numpy(source: str) -> bool:
    """The submission's text converts to NumPy or calls it: where gradients stop, that is why."""
    return bool(re.search(r"\.numpy\(|\bnp\.|\bnumpy\.", source))


def identify(
    actual: Any, mistakes: Sequence[Mistake], args: Sequence[Any], kwargs: dict | None = None, expected: Any = None
) -> Mistake | None:
    """The first catalogued mistake that reproduces ``actual`` on these inputs, if any.

    A mistake that gives the right answer on these inputs too (say, "clips even below
    max_norm" on inputs that need clipping) tells nothing, and is never named. While recording,
    every mistake runs, so that the release can name any of them on these inputs.
    """
    found = None
    for mistake in mistakes:
        if mistake.compute is None:
            continue
        try:
            with torch.no_grad():
                wrong = mistake.compute(*args, **(kwargs or {}))
        except Exception:  # a mistake that cannot run on these inputs (or has no recorded answer) is not the one
            continue
        if found is None and _same(actual, wrong) and not (expected is not None and _same(expected, wrong)):
            found = mistake
            if not recording.records():
                break
    return found


# Mistakes a check sees for itself, whatever the exercise: the message already says what
# happened; naming them lets every report count and group them like the catalogued ones.
MODIFIES_INPUT = Mistake("an input is modified in place", "Build new tensors instead of writing into the arguments.")
CHANGES_DTYPE = Mistake("the result does not keep the inputs' dtype", "Follow the inputs' dtype in every tensor you create.")
CUTS_AUTOGRAD = Mistake(
    "the computation is cut off from autograd", "Keep every step in torch, on tensors that come from the inputs."
)
NUMPY_ROUND_TRIP = Mistake(
    "the computation goes through NumPy",
    "Gradients cannot flow through NumPy arrays (that is why torch asks for .detach() before .numpy()): "
    "stay in torch from the inputs to the result.",
)
NOT_A_TENSOR = Mistake("the result is not a torch.Tensor", "Return the tensor itself, not a number, list or array made from it.")
NOT_A_PAIR = Mistake("the result is not a pair", "Return a tuple of the two results the contract names, in its order.")
FORBIDDEN_API = Mistake("a forbidden API does the work", "Write the computation yourself with basic tensor operations.")
VIEW_NEEDS_CONTIGUOUS = Mistake(
    ".view() is used on a tensor that need not be contiguous in memory",
    "Inputs may be transposed or sliced views: .view() refuses a shape their memory cannot give without a copy, "
    ".reshape() (or .flatten()) works for any layout.",
)
CUTS_HISTORY = Mistake(
    "the step cuts the gradient path to the earlier steps",
    "Use the state you are given as it is, whether it is a fresh tensor or the output of the previous call: truncating "
    "backpropagation through time is the training loop's job, between batches, never the step's.",
)
