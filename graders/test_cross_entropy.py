"""Grader for cross_entropy: the mean negative log-likelihood of the targets under softmax(logits).

Checks both shape forms (and (B, T, V) inputs not contiguous in memory) against F.cross_entropy
and the reference in float32 and float64, a 0-dim
result, stability for logits of ±1e4, gradients, untouched inputs, and that torch's own
cross-entropy, NLL and log-softmax (under any of their names) are not used.
"""

import pytest
import torch

from autograde.grading.checks import (
    call_on_noncontiguous, expect_close, expect_gradients, expect_gradients_reach, expect_no_forbidden_api, expect_shape,
    expect_unchanged, reference_gradients, with_grad,
)
from autograde.grading.mistakes import Mistake
from graders.objective_cases import describe, logits_inputs, position_nll, torch_cross_entropy
from reference.cross_entropy import cross_entropy as reference

NAMES = ("logits", "targets")


def _flat(logits, targets):
    """(N, V) logits and (N,) targets, whichever shape form came in."""
    return logits.reshape(-1, logits.size(-1)), targets.reshape(-1)


def _every_target_in_every_row(logits, targets):
    z, y = _flat(logits, targets)
    return (torch.logsumexp(z, 1) - z[:, y]).mean()


def _exp_without_max(logits, targets):
    z, y = _flat(logits, targets)
    return (torch.log(torch.exp(z).sum(1)) - z.gather(1, y.unsqueeze(1)).squeeze(1)).mean()


def _log_of_softmax(logits, targets):
    z, y = _flat(logits, targets)
    return -torch.log(torch.softmax(z, 1)).gather(1, y.unsqueeze(1)).mean()


def _softmax_first(logits, targets):
    z, y = _flat(logits, targets)
    return torch_cross_entropy(torch.softmax(z, 1), y)


MISTAKES = [
    Mistake(
        "the losses are summed, not averaged",
        "Take the mean over the N positions (F.cross_entropy's default), not the sum.",
        lambda logits, targets: position_nll(logits, targets).sum(),
    ),
    Mistake(
        "one loss per position is returned, not their mean",
        "Average the per-position losses into one 0-dim tensor with .mean().",
        lambda logits, targets: position_nll(logits, targets).reshape(targets.shape),
    ),
    Mistake(
        "the loss is averaged over the vocabulary too (divided by N·V, not by N)",
        "Sum over the vocabulary (or pick the target's term) first, then average over the N positions only.",
        lambda logits, targets: position_nll(logits, targets).sum() / logits.numel(),
    ),
    Mistake(
        "the sign is flipped: this is the mean log-likelihood, not the negative log-likelihood",
        "Return the mean of logsumexp(z) - z_y, which is never negative.",
        lambda logits, targets: -torch_cross_entropy(logits, targets),
    ),
    Mistake(
        "the loss uses the most likely class (the argmax of the logits) instead of the target",
        "Pick each position's logit at its target, e.g. logits.gather(1, targets.unsqueeze(1)).",
        lambda logits, targets: torch_cross_entropy(logits, logits.argmax(-1)),
    ),
    Mistake(
        "logits[:, targets] picks every target's logit in every row (an N×N table), not one logit per row",
        "Index one element per row: logits[torch.arange(N), targets], or logits.gather(1, targets.unsqueeze(1)).",
        _every_target_in_every_row,
    ),
    Mistake(
        "forgot to subtract the max: exp(logits) overflows to inf (or underflows to 0) for large logits",
        "Use torch.logsumexp, or subtract each row's max m first: logsumexp(z) = m + log(sum(exp(z - m))).",
        _exp_without_max,
    ),
    Mistake(
        "log(softmax(logits)) is not stable: softmax underflows to 0 far below the largest logit, and log(0) = -inf",
        "Compute log p(y) = z_y - logsumexp(z) directly, with torch.logsumexp.",
        _log_of_softmax,
    ),
    Mistake(
        "softmax is applied to the logits first, and the loss then applies it again",
        "The loss takes the raw logits: logsumexp(z) - z_y already contains the softmax. Applied to probabilities, "
        "it computes a second softmax of numbers squeezed into [0, 1], so the loss barely moves.",
        _softmax_first,
    ),
]


def large_logits_inputs():
    """Logits of magnitude 1e4 that break each unstable formula in its own way.

    Rows 0-1 sit near +1e4 and rows 2-3 near -1e4, where exp without the max overflows to inf
    or underflows to 0 (their mean is nan); rows 4-5 spread from -1e4 to +1e4, and row 4's
    target sits at -1e4, where softmax is 0 and log(softmax) gives inf.
    """
    g = torch.Generator().manual_seed(8)
    near = torch.randn(4, 5, generator=g) * 3
    near[:2] += 1e4
    near[2:] -= 1e4
    spread = torch.tensor([[1e4, -1e4, 5e3, -5e3, 0.0], [-5e3, 1e4, 0.0, -1e4, 5e3]])
    return torch.cat([near, spread]), torch.tensor([1, 3, 0, 4, 1, 1])


@pytest.mark.points(0.5, hint="Return a 0-dim tensor (shape ()): the mean over all positions, not a tensor per position and not a Python float.")
def test_returns_a_0_dim_tensor(student):
    inputs = logits_inputs(5, seed=1)
    expect_shape(student.cross_entropy(*inputs), (), "the loss", mistakes=MISTAKES, args=inputs)


@pytest.mark.points(1, hint="loss = mean over positions of logsumexp(z) - z_y, with z_y the logit of the target.")
def test_matches_the_reference_for_n_by_v_logits_in_float32(student):
    inputs = logits_inputs(5, seed=2)
    expect_close(
        student.cross_entropy(*inputs), reference(*inputs), "the loss",
        context=describe(inputs[0]), mistakes=MISTAKES, args=inputs,
    )


@pytest.mark.points(0.5, hint="Flatten (B, T, V) logits to (B*T, V) and (B, T) targets to (B*T,), then average over all B*T positions.")
def test_matches_torch_for_b_t_v_logits_with_batch_sizes_1_and_3(student):
    for batch in (1, 3):
        inputs = logits_inputs(batch, 4, seed=10 + batch)
        expect_close(
            student.cross_entropy(*inputs), torch_cross_entropy(*inputs), "the loss",
            context=describe(inputs[0]), mistakes=MISTAKES, args=inputs,
        )


@pytest.mark.points(0.5, hint="Logits may come transposed or sliced from a model (not contiguous in memory): flatten them with an operation that accepts any layout.",
    code_hint=".view() needs memory it can reinterpret without a copy; .reshape() and .flatten() accept any layout.",
    title="accepts (B, T, V) logits and targets that are not contiguous in memory")
def test_accepts_b_t_v_logits_and_targets_that_are_not_contiguous_in_memory(student):
    inputs = logits_inputs(3, 4, seed=20)  # transposed in memory, as logits.transpose(0, 1) of a time-major model
    found = call_on_noncontiguous(student, "cross_entropy", *inputs, what="cross_entropy()")
    expect_close(
        found, torch_cross_entropy(*inputs), "the loss",
        context=describe(inputs[0]) + ", not contiguous in memory", mistakes=MISTAKES, args=inputs,
    )


@pytest.mark.points(0.5, hint="Keep the logits' dtype: no .float(), and no new tensors without dtype=logits.dtype.")
def test_keeps_float64_logits_in_float64(student):
    inputs = logits_inputs(2, 3, dtype=torch.float64, seed=3)
    expect_close(
        student.cross_entropy(*inputs), torch_cross_entropy(*inputs), "the loss",
        context=describe(inputs[0]), mistakes=MISTAKES, args=inputs,
    )


@pytest.mark.points(1, hint="Use torch.logsumexp (or subtract each row's max before exp), and never take log(softmax(...)).")
def test_is_finite_and_correct_for_logits_of_plus_or_minus_1e4(student):
    inputs = large_logits_inputs()
    expect_close(
        student.cross_entropy(*inputs), torch_cross_entropy(*inputs), "the loss",
        context="logits of ±1e4, float32", mistakes=MISTAKES, args=inputs,
    )


@pytest.mark.points(0.5, hint="Keep every step in torch (no .detach(), .item() or .numpy()) so the gradient reaches the logits.")
def test_gradients_reach_the_logits(student, student_source):
    logits, targets = logits_inputs(2, 3, seed=4)
    result = student.call("cross_entropy", *with_grad([logits]), targets, backward=[torch.tensor(1.0)])
    expect_gradients_reach(result.grads[:1], NAMES[:1], "cross_entropy", source=student_source)


@pytest.mark.points(0.5, hint="If the loss is right the gradient follows: d loss / d z = (softmax(z) - one_hot(y)) / N.")
def test_gradients_match_torch_cross_entropy(student):
    logits, targets = logits_inputs(3, 2, dtype=torch.float64, seed=5)
    cotangent = torch.tensor(0.7, dtype=torch.float64)
    result = student.call("cross_entropy", *with_grad([logits]), targets, backward=[cotangent])
    expected = reference_gradients(lambda z: torch_cross_entropy(z, targets), [logits], [cotangent])
    expect_gradients(
        result.grads[:1], expected, NAMES[:1], "cross_entropy", values=(result.value, torch_cross_entropy(logits, targets)),
    )


@pytest.mark.points(0.5, hint="Do not modify the logits in place (z = z - m, not z -= m or z.sub_(m)).")
def test_leaves_its_inputs_unchanged(student):
    inputs = logits_inputs(4, seed=6)
    result = student.call("cross_entropy", *inputs, inputs_after=True)
    expect_unchanged(inputs, result.inputs_after, NAMES, "cross_entropy")


@pytest.mark.points(0.5, hint="Write it with torch.logsumexp and gather (or indexing); torch's cross-entropy, NLL and log-softmax are off limits.")
def test_does_not_use_torch_cross_entropy_nll_or_log_softmax(student, student_source, forbidden):
    expect_no_forbidden_api(student_source, forbidden, lambda: student.cross_entropy(*logits_inputs(4, seed=7)))
