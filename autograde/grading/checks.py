"""Assertions for grader suites, with messages written for the student.

A failed check says what was expected, what came back, by how much they differ and, where a
catalogued mistake reproduces the result, which mistake it is. Checks raise ``CheckFailed``,
whose text is the message shown, never a traceback.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import torch

from autograde.grading.mistakes import (
    CHANGES_DTYPE, CUTS_AUTOGRAD, FORBIDDEN_API, MODIFIES_INPUT, NOT_A_PAIR, NOT_A_TENSOR, NUMPY_ROUND_TRIP,
    VIEW_NEEDS_CONTIGUOUS, Mistake, identify, uses_numpy,
)
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
    report as fields, so no format has to parse them back out of the message. ``follows_values``:
    the check failed only because values another check judges are wrong (a gradient of wrong
    values), so the report counts it under that check's cause.
    """

    def __init__(self, message: str, *, mistake: Mistake | None = None, line: int | None = None, follows_values: bool = False):
        super().__init__(message)
        self.mistake = mistake.id if mistake else None
        self.mistake_name = mistake.name if mistake else None
        self.line = line
        self.follows_values = follows_values

    def named(self, other: CheckFailed) -> CheckFailed:
        """This failure, naming the mistake ``other`` named."""
        self.mistake, self.mistake_name = other.mistake, other.mistake_name
        return self


def fail(
    message: str, *, mistakes: Sequence[Mistake] = (), actual: Any = None, args: Sequence = (),
    kwargs: dict | None = None, expected: Any = None, mistake: Mistake | None = None, observed: Mistake | None = None,
):
    """Fail with ``message``, naming the catalogued mistake that reproduces ``actual``, if any.

    ``mistake``: one the check has recognised itself, described after the message.
    ``observed``: one the message already states (an input changed in place), which travels
    as the field only.
    """
    known = mistake or (identify(actual, mistakes, args, kwargs, expected) if mistakes else None)
    if known is not None:
        message = f"{message}\n{known.describe()}"
    raise CheckFailed(message, mistake=known or observed)


@contextlib.contextmanager
def crash_means(mistake: Mistake) -> Iterator[None]:
    """Inside, the submission raising is ``mistake`` (a None .grad that breaks the norm, say): the
    message names it after the error, and the line stays the one the error came from."""
    from autograde.grading.remote import StudentRaised

    try:
        yield
    except StudentRaised as error:
        if error.error_type == "ForbiddenAPIError":
            raise
        raise CheckFailed(f"{error}\n{mistake.describe()}", mistake=mistake, line=error.line) from None


def expect_tensor(value: Any, what: str) -> torch.Tensor:
    if not isinstance(value, torch.Tensor):
        fail(f"{what} should be a torch.Tensor, but it is {_kind(value)}.", observed=NOT_A_TENSOR)
    return value


def expect_pair(value: Any, what: str) -> tuple:
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        fail(f"{what} should return a pair (a tuple of two items), but it returned {_kind(value)}.", observed=NOT_A_PAIR)
    return tuple(value)


def expect_shape(value: Any, shape: Sequence[int], what: str, **diagnosis) -> torch.Tensor:
    expect_tensor(value, what)
    if tuple(value.shape) != tuple(shape):
        fail(f"{what} should {shape_words(shape)}, but it {shape_words(value.shape, 'has', 'is')}.", actual=value, **diagnosis)
    return value


def expect_dtype(value: torch.Tensor, dtype: torch.dtype, what: str) -> None:
    if value.dtype != dtype:
        fail(
            f"{what} should have dtype {dtype} (the dtype of the inputs), but it has dtype {value.dtype}. "
            "Avoid .float(), .double() or new tensors without dtype=...: follow the inputs' dtype.",
            observed=CHANGES_DTYPE,
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
    want, got = distinct_numbers(expected[worst].item(), actual[worst].item())
    tolerance = f"the tolerance is {atol:g} + {rtol:g}·|expected|"
    if worst:
        found = (
            f"the largest difference is {error.max().item():.3g} at index {list(worst)} "
            f"(expected {want}, got {got}; {tolerance})"
        )
    else:  # a scalar: one number, no index to point at
        found = f"expected {want}, got {got} (a difference of {error.item():.3g}; {tolerance})"
    fail(
        f"{what} has wrong values{suffix}: {found}.{_precision_note(actual, expected)}",
        actual=actual,
        expected=expected,
        **diagnosis,
    )


def shape_words(shape: Sequence[int], have: str = "have", be: str = "be") -> str:
    """A shape as the message says it: "have shape (3, 4)", or "be a scalar (shape ())" for 0-dim."""
    return f"{have} shape {tuple(shape)}" if len(shape) else f"{be} a scalar (shape ())"


def distinct_numbers(expected: float, actual: float) -> tuple[str, str]:
    """Both numbers with the fewest significant digits (at least 6) that tell them apart."""
    for digits in range(6, 18):
        want, got = f"{expected:.{digits}g}", f"{actual:.{digits}g}"
        if want != got:
            break
    return want, got


def _precision_note(actual: torch.Tensor, expected: torch.Tensor) -> str:
    """When a float64 result is right only to float32's precision, that is the problem to name."""
    if expected.dtype != torch.float64:
        return ""
    # Values that went through float32 are exactly float32 numbers; float64 results almost never are.
    def float32_numbers(t: torch.Tensor) -> bool:
        return bool(torch.equal(t, t.float().to(t.dtype)))

    rtol, atol = TOLERANCES[torch.float32]
    if not (float32_numbers(actual) and not float32_numbers(expected) and torch.allclose(actual, expected, rtol=rtol, atol=atol)):
        return ""
    return (
        " The values agree only to about 7 digits, float32's precision: part of the computation runs in float32 "
        "(a .float(), or a tensor created without dtype=...), although the result is float64."
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
            "Build new tensors instead (x = x + y, not x += y; avoid methods ending in _ such as add_).",
            observed=MODIFIES_INPUT,
        )


def submitted_function(student, name: str):
    """A handle to the function ``name`` of the submission, to pass to a fixture that calls it;
    a name the module lacks fails as a direct call of it would."""
    from autograde.grading.remote import StudentRaised

    try:
        return student.get_attribute(None, name)
    except StudentRaised as error:
        if error.error_type != "AttributeError":
            raise
        raise StudentRaised(
            f"{student.exercise}.py does not define {name}: check the name against the stub", "MissingName"
        ) from None


def call_on_noncontiguous(student, target: Any, *args: Any, what: str) -> Any:
    """What ``target`` (a name the submission defines, or an object in its runner) returns for
    ``args`` laid out in memory that is not contiguous (``fixtures.noncontiguous``): the wire
    makes every tensor contiguous, so the runner re-lays them out before the call. ``what``
    names the call in the message when it raises."""
    from autograde.grading.remote import StudentRaised

    function = submitted_function(student, target) if isinstance(target, str) else target
    try:
        return student.call("autograde.sandbox.fixtures.call_on_noncontiguous", function, *args, shown_as=what).value
    except StudentRaised as error:
        if error.error_type == "ForbiddenAPIError":
            raise
        message = (
            f"{error}\nThe inputs were not contiguous in memory: "
            "the same values as in the other checks, stored as transposed or strided views (as x.t() or x[:, ::2] leave them)."
        )
        mistake = VIEW_NEEDS_CONTIGUOUS if "view size is not compatible" in message else None
        if mistake is not None:
            message = f"{message}\n{mistake.describe()}"
        raise CheckFailed(message, mistake=mistake, line=error.line) from None


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


def expect_gradients_reach(grads: Sequence | None, names: Sequence[str], what: str, *, source: str = "") -> None:
    """Every input received a gradient (``grads``: as the runner computed them).

    ``source``, the submission's text: when it uses NumPy, that is the likely cut, and the
    message says why NumPy cuts it.
    """
    grads = list(grads or [None] * len(names))
    missing = [name for name, grad in zip(names, grads) if grad is None]
    if missing and uses_numpy(source):
        fail(
            f"no gradient reached {', '.join(missing)} through {what}, and your code goes through NumPy. "
            f"{NUMPY_ROUND_TRIP.fix}",
            observed=NUMPY_ROUND_TRIP,
        )
    if missing:
        fail(
            f"no gradient reached {', '.join(missing)} through {what}. Keep every step in torch "
            "(no .detach(), .item(), .numpy() or torch.no_grad()), and use every input.",
            observed=CUTS_AUTOGRAD,
        )


def expect_gradients(
    actual: Sequence | None, expected: Sequence[torch.Tensor], names: Sequence[str], what: str, *,
    values: tuple[Any, Any] | None = None,
) -> None:
    """Every input received a gradient, equal to the reference's.

    ``values``: (what the call returned, what it should return). Gradients of wrong values are
    wrong too, and no detach is to blame then: the message sends the student to the values first.
    """
    try:
        expect_gradients_reach(actual, names, what)
        for name, got, want in zip(names, actual, expected):
            expect_close(got, want, f"the gradient with respect to {name}")
    except CheckFailed:
        if values is not None and not _agree(*values):
            raise CheckFailed(
                f"the gradients of {what} differ from the expected ones because its results already do: "
                "fix the values first (see the checks on the values); the gradients of correct values follow.",
                follows_values=True,
            ) from None
        raise


def _agree(actual: Any, expected: Any) -> bool:
    """``actual`` matches ``expected`` (a tensor, or a tuple of them) within expected's tolerance."""
    if isinstance(expected, (tuple, list)):
        return isinstance(actual, (tuple, list)) and len(actual) == len(expected) and all(map(_agree, actual, expected))
    try:
        expect_close(actual, expected, "the result")
    except CheckFailed:
        return False
    return True


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
        raise CheckFailed(
            f"{first.name} is not allowed here, but line {first.line} uses it: {first.code}", line=first.line,
            mistake=FORBIDDEN_API,
        )
    try:
        run()
    except StudentRaised as error:
        if error.error_type == "ForbiddenAPIError":
            fail(f"your code reached a forbidden API while it ran: {error}", observed=FORBIDDEN_API)
        raise
