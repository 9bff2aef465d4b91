"""Assertions for grader suites, with messages written for the student.

A failed check says what was expected, what came back, by how much they differ and, where a
catalogued mistake reproduces the result, which mistake it is. Checks raise ``CheckFailed``,
whose text is the message shown, never a traceback.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import torch

from autograde.grading.mistakes import Mistake, identify
from autograde.grading.recording import Recorded

TOLERANCES = {
    torch.float16: (1e-2, 1e-3),
    torch.bfloat16: (2e-2, 1e-2),
    torch.float32: (1e-4, 1e-5),
    torch.float64: (1e-9, 1e-11),
}
"""(rtol, atol) per dtype: correct float32 code differs from float64 by about 3e-7 relative,
real mistakes by 0.1 to 1, so these separate them with room on both sides."""


class CheckFailed(AssertionError):
    """A check that failed; its message is shown to the student as it is.

    ``mistake`` (a catalogued mistake's id, with ``mistake_name`` its words) and ``line`` (the student's line) travel to the
    report as fields, so no format has to parse them back out of the message.
    """

    def __init__(self, message: str, *, mistake: Mistake | None = None, line: int | None = None):
        super().__init__(message)
        self.mistake = mistake.id if mistake else None
        self.mistake_name = mistake.name if mistake else None
        self.line = line

    def named(self, other: CheckFailed) -> CheckFailed:
        """This failure, naming the mistake ``other`` named."""
        self.mistake, self.mistake_name = other.mistake, other.mistake_name
        return self


def fail(
    message: str, *, mistakes: Sequence[Mistake] = (), actual: Any = None, args: Sequence = (),
    kwargs: dict | None = None, expected: Any = None,
):
    """Fail with ``message``, naming the catalogued mistake that reproduces ``actual``, if any."""
    known = identify(actual, mistakes, args, kwargs, expected) if mistakes else None
    if known is not None:
        message = f"{message}\n{known.describe()}"
    raise CheckFailed(message, mistake=known)


def expect_tensor(value: Any, what: str) -> torch.Tensor:
    if not isinstance(value, torch.Tensor):
        fail(f"{what} should be a torch.Tensor, but it is {_kind(value)}.")
    return value


def expect_pair(value: Any, what: str) -> tuple:
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        fail(f"{what} should return a pair (a tuple of two items), but it returned {_kind(value)}.")
    return tuple(value)


def expect_shape(value: Any, shape: Sequence[int], what: str, **diagnosis) -> torch.Tensor:
    expect_tensor(value, what)
    if tuple(value.shape) != tuple(shape):
        fail(f"{what} should have shape {tuple(shape)}, but it has shape {tuple(value.shape)}.", actual=value, **diagnosis)
    return value


def expect_dtype(value: torch.Tensor, dtype: torch.dtype, what: str) -> None:
    if value.dtype != dtype:
        fail(
            f"{what} should have dtype {dtype} (the dtype of the inputs), but it has dtype {value.dtype}. "
            "Avoid .float(), .double() or new tensors without dtype=...: follow the inputs' dtype."
        )


def expect_close(actual: Any, expected: torch.Tensor, what: str, *, context: str = "", **diagnosis) -> None:
    """``actual`` equals ``expected`` within the tolerance of expected's dtype.

    ``diagnosis`` (mistakes=, args=, kwargs=) lets a wrong result be matched to a known mistake.
    """
    expect_shape(actual, expected.shape, what, expected=expected, **diagnosis)
    expect_dtype(actual, expected.dtype, what)
    rtol, atol = TOLERANCES.get(expected.dtype, TOLERANCES[torch.float64])
    actual, expected = actual.detach(), expected.detach()
    if torch.allclose(actual, expected, rtol=rtol, atol=atol):
        return
    suffix = f" ({context})" if context else ""
    if not torch.isfinite(actual).all() and torch.isfinite(expected).all():
        fail(
            f"{what} contains nan or inf where every expected value is finite{suffix}.",
            actual=actual, expected=expected, **diagnosis,
        )
    error = (actual.double() - expected.double()).abs()
    worst = tuple(int(i) for i in torch.unravel_index(error.argmax(), error.shape)) if error.ndim else ()
    fail(
        f"{what} has wrong values{suffix}: the largest difference is {error.max().item():.3g} at index "
        f"{list(worst)} (expected {expected[worst].item():.6g}, got {actual[worst].item():.6g}; "
        f"the tolerance is {atol:g} + {rtol:g}·|expected|).",
        actual=actual,
        expected=expected,
        **diagnosis,
    )


def expect_unchanged(before: Sequence[torch.Tensor], after: Sequence[torch.Tensor] | None, names: Sequence[str], what: str) -> None:
    """No input was modified in place (``after``: the inputs as the runner saw them after the call)."""
    if after is None or len(after) != len(before):
        fail(f"could not observe {what}'s inputs after the call.")
    changed = [
        name
        for name, old, new in zip(names, before, after)
        if old.shape != new.shape or not torch.equal(old.detach(), new)
    ]
    if changed:
        fail(
            f"{what} modified its input{'s' if len(changed) > 1 else ''} {', '.join(changed)} in place. "
            "Build new tensors instead (x = x + y, not x += y; avoid methods ending in _ such as add_)."
        )


def with_grad(tensors: Sequence[torch.Tensor]) -> list[torch.Tensor]:
    """Fresh leaf copies that require grad, to send to the runner or to run the reference on."""
    return [t.detach().clone().requires_grad_(True) for t in tensors]


def _reference_gradients(function: Callable, args: Sequence[torch.Tensor], cotangents: Sequence[torch.Tensor]) -> list:
    """The gradient of sum(output * cotangent) with respect to each argument, computed locally."""
    leaves = with_grad(args)
    outputs = function(*leaves)
    outputs = list(outputs) if isinstance(outputs, (tuple, list)) else [outputs]
    # One scalar, not grad_tensors=: that path imports torch.fx lazily and costs 0.8 s.
    sum((o * c).sum() for o, c in zip(outputs, cotangents)).backward()
    return [leaf.grad for leaf in leaves]


reference_gradients = Recorded("autograde.grading.checks:reference_gradients", _reference_gradients)
"""Recorded as a whole: the release holds the gradients, not the graph they came from."""


def expect_gradients_reach(grads: Sequence | None, names: Sequence[str], what: str) -> None:
    """Every input received a gradient (``grads``: as the runner computed them)."""
    grads = list(grads or [None] * len(names))
    missing = [name for name, grad in zip(names, grads) if grad is None]
    if missing:
        fail(
            f"no gradient reached {', '.join(missing)} through {what}. Keep every step in torch "
            "(no .detach(), .item(), .numpy() or torch.no_grad()), and use every input."
        )


def expect_gradients(actual: Sequence | None, expected: Sequence[torch.Tensor], names: Sequence[str], what: str) -> None:
    """Every input received a gradient, equal to the reference's."""
    expect_gradients_reach(actual, names, what)
    for name, got, want in zip(names, actual, expected):
        expect_close(got, want, f"the gradient with respect to {name}")


def _kind(value: Any) -> str:
    if value is None:
        return "None (did you forget to return it?)"
    if isinstance(value, (tuple, list)):
        return f"a {type(value).__name__} of {len(value)} items"
    return f"a {getattr(value, 'type_name', type(value).__name__)} object"


def expect_no_forbidden_api(source: str, forbidden: Sequence[str], run: Callable[[], Any]) -> None:
    """Neither the source names a forbidden API nor does running it reach one.

    ``run`` calls the submission once: a call that cannot run earns nothing here either, so a
    stub never collects these points for free.
    """
    from autograde.grading.remote import StudentRaised
    from autograde.grading.static_scan import find_forbidden

    findings = find_forbidden(source, list(forbidden))
    if findings:
        first = findings[0]
        raise CheckFailed(f"{first.name} is not allowed here, but line {first.line} uses it: {first.code}", line=first.line)
    try:
        run()
    except StudentRaised as error:
        if error.error_type == "ForbiddenAPIError":
            fail(f"your code reached a forbidden API while it ran: {error}")
        raise
