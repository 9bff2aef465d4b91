"""Grader for clip_grad_norm: gradient-norm clipping with the result of torch.nn.utils.clip_grad_norm_.

A gradient cannot cross the wire, so the parameters are built inside the runner
(autograde.fixtures.with_grads) and their gradients read back after the call (grads_of). Checks:
the total is the L2 norm of all gradients as one vector, a 0-dim tensor measured before
clipping; gradients are scaled in place by max_norm / (total + 1e-6) only when the total exceeds
max_norm; parameters without a gradient are skipped; a one-shot generator works; no gradients
give tensor(0.); random models agree with torch.nn.utils.clip_grad_norm_ in float32 and float64;
parameter values stay as they were; and nothing in torch.nn.utils does the work.
"""

import pytest
import torch

from autograde.sandbox import fixtures
from autograde.grading.checks import CheckFailed, crash_means, expect_close, expect_no_forbidden_api, fail
from autograde.grading.mistakes import Mistake
from reference.clip_grad_norm import clip_grad_norm as reference


SHAPES = [(4, 3), (3,), (2, 2, 3)]
MAX_NORM = 1.0
"""Below the total norm of every model() here (about 4.6), so these calls clip."""


def model(seed: int, shapes=SHAPES, dtype=torch.float32, scale=1.0, without_grad=()) -> tuple[list, list]:
    """(values, grads) of a small model; the parameters at the indices in ``without_grad`` have no gradient."""
    g = torch.Generator().manual_seed(seed)
    values = [torch.randn(shape, generator=g, dtype=dtype) for shape in shapes]
    grads = [torch.randn(shape, generator=g, dtype=dtype) * scale for shape in shapes]
    return values, [None if k in without_grad else grad for k, grad in enumerate(grads)]


def clip_in_runner(student, values, grads, max_norm, *, generator=False) -> tuple:
    """Run the student's clip_grad_norm on parameters built in the runner: (total_norm, gradients after)."""
    params = student.call("autograde.sandbox.fixtures.with_grads", values, grads).value
    target = student.call("autograde.sandbox.fixtures.as_generator", params).value if generator else params
    total = student.clip_grad_norm(target, max_norm)
    return total, student.call("autograde.sandbox.fixtures.grads_of", params).value


def clip_here(clip, values, grads, max_norm) -> tuple:
    """(total_norm, gradients after) of a trusted ``clip`` on the same parameters."""
    params = fixtures.with_grads(values, grads)
    return clip(list(params), max_norm), fixtures.grads_of(params)


def reference_clip(values, grads, max_norm) -> tuple:
    """(total_norm, gradients after) of the reference on these parameters."""
    return clip_here(reference, values, grads, max_norm)


def total_norm(grads) -> float:
    return torch.linalg.vector_norm(torch.cat([g.flatten() for g in grads if g is not None])).item()


def expect_total(total, expected, grads, max_norm, context: str) -> None:
    args = (grads, max_norm)
    expect_close(total, expected, "the returned total norm", context=context, mistakes=NORM_MISTAKES, args=args)


def expect_gradients_after(after, expected, grads, max_norm, context: str, mistakes=None) -> None:
    """Every gradient after the call equals ``expected`` (None stays None).

    A mistake from ``mistakes`` (SCALING_MISTAKES unless given; () for none) that reproduces
    them all is named.
    """
    if len(after) != len(expected):
        fail(f"could not read back the gradients of {len(expected)} parameters after the call.")
    for k, (got, want) in enumerate(zip(after, expected)):
        if want is None and got is not None:
            fail(f"parameter {k} had no gradient (.grad was None) and should still have none, but now has one ({context}).")
        if want is not None and got is None:
            fail(f"parameter {k} had a gradient, but its .grad is None after the call ({context}).")
        if want is None:
            continue
        try:
            expect_close(got, want, f"the gradient of parameter {k} after the call", context=context)
        except CheckFailed as failure:
            args = (grads, max_norm)
            mistakes = SCALING_MISTAKES if mistakes is None else mistakes
            fail(str(failure), mistakes=mistakes, actual=after, args=args, expected=expected)


def matches(outcome: tuple, expected: tuple) -> bool:
    """Whether (total_norm, gradients after) equals the expected pair, within tolerance."""
    try:
        expect_close(outcome[0], expected[0], "the total norm")
    except CheckFailed:
        return False
    return same_gradients(outcome[1], expected[1])


def same_gradients(after, expected) -> bool:
    """Whether the gradients after a call equal ``expected``, within the tolerance of their dtype."""
    try:
        expect_gradients_after(after, expected, (), 0.0, "", mistakes=())
    except CheckFailed:
        return False
    return True


# -- Mistakes: each takes (grads, max_norm) and returns what a mistaken call returns, or leaves in .grad --


def _present(grads):
    return [g for g in grads if g is not None]


def _norms(grads):
    return [torch.linalg.vector_norm(g) for g in _present(grads)]


def _true_total(grads):
    return torch.linalg.vector_norm(torch.stack(_norms(grads)))


def _total_after_clipping(grads, max_norm):
    total = _true_total(grads)
    return total * max_norm / (total + 1e-6) if total > max_norm else total


def _per_tensor_clipping(grads, max_norm):
    return [None if g is None else g * min(1.0, max_norm / (torch.linalg.vector_norm(g).item() + 1e-6)) for g in grads]


def _scaled_by(factor):
    def scale(grads, max_norm):
        coef = factor(_true_total(grads), max_norm)
        return [None if g is None else g * coef for g in grads]

    return scale


def _unchanged(grads, max_norm):
    return [None if g is None else g.clone() for g in grads]


NORM_MISTAKES = [
    Mistake(
        "the total is measured after clipping",
        "Measure the total norm before you scale anything, and return that value.",
        _total_after_clipping,
    ),
    Mistake(
        "the per-tensor norms are added up",
        "The total is the norm of all gradients as one vector: sqrt(sum of the squared per-tensor norms).",
        lambda grads, max_norm: torch.stack(_norms(grads)).sum(),
    ),
    Mistake(
        "the square root is missing (this is the squared norm)",
        "Take the square root of the sum of squares, or use torch.linalg.vector_norm.",
        lambda grads, max_norm: torch.stack(_norms(grads)).square().sum(),
    ),
    Mistake(
        "only the last gradient's norm is returned",
        "Combine the norms of all gradients: the total is the norm of all of them as one vector.",
        lambda grads, max_norm: _norms(grads)[-1],
    ),
]

SCALING_MISTAKES = [
    Mistake(
        "each gradient is clipped by its own norm (per-tensor clipping)",
        "Measure one total norm over all gradients together, and scale every gradient by the same max_norm / (total + 1e-6).",
        _per_tensor_clipping,
    ),
    Mistake(
        "the gradients are unchanged: they were scaled on copies, not in place",
        "Scale each p.grad itself in place, e.g. p.grad.mul_(coef) inside torch.no_grad().",
        _unchanged,
    ),
    Mistake(
        "the gradients are scaled even when the total norm is within max_norm",
        "Scale only if total > max_norm; otherwise leave the gradients untouched.",
        _scaled_by(lambda total, max_norm: max_norm / (total + 1e-6)),
    ),
    Mistake(
        "the scale factor is upside down (total / max_norm)",
        "Multiply by max_norm / (total + 1e-6), which is below 1 when clipping.",
        _scaled_by(lambda total, max_norm: total / max_norm if total > max_norm else 1.0),
    ),
    Mistake(
        "max_norm is ignored: the gradients are divided by the total norm",
        "Multiply by max_norm / (total + 1e-6), so the clipped total is max_norm, not 1.",
        _scaled_by(lambda total, max_norm: 1 / total if total > max_norm else 1.0),
    ),
]

NO_EPSILON = Mistake(
    "the 1e-6 is missing from the scale factor",
    "Divide max_norm by the total norm plus 1e-6, as torch does: it guards against a zero total.",
    _scaled_by(lambda total, max_norm: max_norm / total if total > max_norm else 1.0),
)
REPLACES_GRADS = Mistake(
    "p.grad is replaced by a new tensor instead of scaled in place",
    "Scale the tensor p.grad already holds, in place (a method ending in _), so whoever holds it sees the change.",
)
SCALES_PARAMETERS = Mistake("the parameters are scaled instead of their gradients", "Scale each p.grad; leave p itself alone.")
NONE_GRAD_NOT_SKIPPED = Mistake(
    "parameters whose .grad is None are not skipped",
    "Leave out the parameters whose .grad is None, from the norm and from the scaling.",
)
NO_GRADIENTS_NOT_HANDLED = Mistake(
    "no parameter with a gradient is not handled",
    "When no parameter has a gradient, return torch.tensor(0.) before measuring anything.",
)
ITERATED_TWICE = Mistake(
    "the parameters are iterated twice, and a generator is empty the second time",
    "Turn them into a list once (params = list(parameters)) and loop over that list.",
    _unchanged,
)
"""Named when a generator gives another result than a list of the same parameters."""


@pytest.mark.points(0.5, hint="Return the L2 norm of all gradients taken together as one vector: a 0-dim tensor, not a float.",
    code_hint="torch.linalg.vector_norm measures a whole tensor; the norm of the per-tensor norms is the total norm.")
def test_returns_the_norm_of_all_gradients_together_as_a_0_dim_tensor(student):
    values, grads = model(seed=1)
    total, _ = clip_in_runner(student, values, grads, 100.0)
    expected, _ = reference_clip(values, grads, 100.0)
    expect_total(total, expected, grads, 100.0, "three gradients of shapes (4, 3), (3,), (2, 2, 3), max_norm 100")


@pytest.mark.points(0.5, hint="Measure the total norm first and return that value, even though you then scale the gradients.")
def test_returns_the_norm_measured_before_clipping(student):
    values, grads = model(seed=2)
    total, _ = clip_in_runner(student, values, grads, MAX_NORM)
    expected, _ = reference_clip(values, grads, MAX_NORM)
    expect_total(total, expected, grads, MAX_NORM, f"a total norm of {expected.item():.3g} and max_norm {MAX_NORM:g}")


@pytest.mark.points(1, hint="Above max_norm, scale every gradient by one and the same factor, so the new total norm ends just under max_norm.",
    code_hint="The factor is max_norm over (the total norm + 1e-6); multiply each p.grad by it in place.")
def test_scales_every_gradient_by_one_factor_when_the_total_exceeds_max_norm(student):
    values, grads = model(seed=3)
    _, after = clip_in_runner(student, values, grads, MAX_NORM)
    _, expected = reference_clip(values, grads, MAX_NORM)
    context = f"a total norm of {total_norm(grads):.3g} and max_norm {MAX_NORM:g}"
    expect_gradients_after(after, expected, grads, MAX_NORM, context)
    # A total of about 5e-3 makes the 1e-6 show; so small, every catalogued mistake looks alike.
    values, grads = model(seed=4, dtype=torch.float64, scale=1e-3)
    _, after = clip_in_runner(student, values, grads, 5e-4)
    _, expected = reference_clip(values, grads, 5e-4)
    context = "float64, a total norm of about 5e-3 and max_norm 5e-4"
    try:
        expect_gradients_after(after, expected, grads, 5e-4, context, mistakes=())
    except CheckFailed as failure:
        # A 2e-4 relative difference, too close for the catalogue's tolerance: compared exactly here.
        fail(str(failure), mistake=NO_EPSILON if same_gradients(after, NO_EPSILON.compute(grads, 5e-4)) else None)


@pytest.mark.points(0.5, hint="Scale the existing .grad tensors in place rather than assigning new ones: optimizers and hooks hold those very tensors.",
    code_hint="p.grad.mul_(factor) changes the tensor itself; p.grad = p.grad * factor replaces it.")
def test_scales_the_gradients_in_place(student):
    values, grads = model(seed=5)
    params = student.call("autograde.sandbox.fixtures.with_grads", values, grads).value
    before = student.call("autograde.sandbox.fixtures.grad_identities", params).value
    student.clip_grad_norm(params, MAX_NORM)
    after = student.call("autograde.sandbox.fixtures.grad_identities", params).value
    if before != after:
        fail("clip_grad_norm replaced p.grad with new tensors instead of scaling the existing ones in place.", observed=REPLACES_GRADS)


@pytest.mark.points(0.5, hint="Scale only if total > max_norm; otherwise leave every gradient exactly as it was.")
def test_leaves_gradients_untouched_when_the_total_is_within_max_norm(student):
    values, grads = model(seed=5)
    max_norm = 2 * total_norm(grads)
    _, after = clip_in_runner(student, values, grads, max_norm)
    context = f"a total norm of {total_norm(grads):.3g} and max_norm {max_norm:.3g}"
    expect_gradients_after(after, grads, grads, max_norm, context)


@pytest.mark.points(0.5, hint="Skip the parameters whose .grad is None (p.grad is None), in the norm and in the scaling.")
def test_skips_parameters_whose_grad_is_none(student):
    values, grads = model(seed=6, shapes=[(4, 3), (5,), (3,), (2, 3)], without_grad=(1, 3))
    with crash_means(NONE_GRAD_NOT_SKIPPED):
        total, after = clip_in_runner(student, values, grads, MAX_NORM)
    expected_total, expected = reference_clip(values, grads, MAX_NORM)
    context = "parameters 1 and 3 have no gradient"
    expect_total(total, expected_total, grads, MAX_NORM, context)
    expect_gradients_after(after, expected, grads, MAX_NORM, context)


@pytest.mark.points(0.5, hint="model.parameters() is a generator: turn it into a list once, then loop over the list as often as you like.")
def test_accepts_a_generator_that_can_be_iterated_only_once(student):
    values, grads = model(seed=7)
    expected = reference_clip(values, grads, MAX_NORM)
    outcome = clip_in_runner(student, values, grads, MAX_NORM, generator=True)
    if not matches(outcome, expected) and matches(clip_in_runner(student, values, grads, MAX_NORM), expected):
        fail("clip_grad_norm is right with a list of parameters, but not with a generator.", mistake=ITERATED_TWICE)
    context = "the parameters given as a generator"
    expect_total(outcome[0], expected[0], grads, MAX_NORM, context)
    expect_gradients_after(outcome[1], expected[1], grads, MAX_NORM, context)


@pytest.mark.points(0.5, hint="If no parameter has a gradient (or there are no parameters), return torch.tensor(0.).")
def test_returns_zero_when_no_parameter_has_a_gradient(student):
    values, grads = model(seed=8, without_grad=(0, 1, 2))
    cases = {"three parameters, none with a gradient": (values, grads), "no parameters": ([], [])}
    for context, (case_values, case_grads) in cases.items():
        with crash_means(NO_GRADIENTS_NOT_HANDLED):
            total, _ = clip_in_runner(student, case_values, case_grads, MAX_NORM)
        expect_close(total, torch.tensor(0.0), "the returned total norm", context=context)


@pytest.mark.points(0.5, hint="Your result should equal torch.nn.utils.clip_grad_norm_'s, in the gradients' dtype, for any shapes of parameters.")
def test_matches_torch_clip_grad_norm_on_random_models_in_float32_and_float64(student):
    models = [  # (seed, dtype, parameter shapes, parameters without gradient, max_norm as a fraction of the total)
        (30, torch.float32, [(6, 5), (6,), (2, 6), (2,)], (), 0.5),
        (31, torch.float64, [(12, 5), (12, 3), (12,), (12,)], (), 0.25),
        (32, torch.float32, [(7, 4), (3, 4, 2), (1,)], (1,), 2.0),
        (33, torch.float64, [(4, 4), (4,)], (), 4.0),
    ]
    for seed, dtype, shapes, without_grad, fraction in models:
        values, grads = model(seed, shapes, dtype, without_grad=without_grad)
        max_norm = fraction * total_norm(grads)
        total, after = clip_in_runner(student, values, grads, max_norm)
        expected_total, expected = clip_here(torch.nn.utils.clip_grad_norm_, values, grads, max_norm)
        context = f"{str(dtype).removeprefix('torch.')} parameters of shapes {shapes}, max_norm {fraction:g} × the total"
        expect_total(total, expected_total, grads, max_norm, context)
        expect_gradients_after(after, expected, grads, max_norm, context)


@pytest.mark.points(0.5, hint="Scale the gradients p.grad, never the parameters p themselves.")
def test_leaves_parameter_values_unchanged(student):
    values, grads = model(seed=9)
    params = student.call("autograde.sandbox.fixtures.with_grads", values, grads).value
    student.clip_grad_norm(params, MAX_NORM)
    after = student.call("autograde.sandbox.fixtures.values_of", params).value
    changed = [str(k) for k, (old, new) in enumerate(zip(values, after)) if not torch.equal(old, new)]
    if changed:
        fail(
            f"clip_grad_norm changed the values of parameter {', '.join(changed)}: scale each p.grad, never p itself.",
            observed=SCALES_PARAMETERS,
        )


@pytest.mark.points(0.5, hint="Compute the norm and scale the gradients yourself; torch.nn.utils's clipping and norm helpers are off limits.")
def test_does_not_use_torch_gradient_clipping(student, student_source, forbidden):
    values, grads = model(seed=10)  # a call that clips, so every forbidden helper it might reach is reached
    expect_no_forbidden_api(student_source, forbidden, lambda: clip_in_runner(student, values, grads, MAX_NORM))
