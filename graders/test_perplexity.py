"""Grader for perplexity: exp(mean negative log-likelihood), returned as a Python float.

Checks the type, both shape forms against the reference and torch's cross-entropy in float32 and
float64, that a uniform model scores exactly V, and that the inputs are left alone.
"""

import math

import pytest
import torch

from autograde.grading.checks import TOLERANCES, expect_unchanged, fail
from autograde.grading.mistakes import Mistake
from graders.objective_cases import describe, logits_inputs, position_nll, torch_cross_entropy
from reference.perplexity import perplexity as reference

NAMES = ("logits", "targets")


def _target_probabilities(logits, targets):
    return torch.exp(-position_nll(logits, targets))


RETURNS_A_TENSOR = Mistake(
    "the perplexity is returned as a tensor",
    "Turn the 0-dim result into a Python float with .item().",
    lambda logits, targets: torch_cross_entropy(logits, targets).exp(),
)

MISTAKES = [
    Mistake(
        "exp of the summed NLL, not of the mean",
        "Average the negative log-likelihoods over the positions before exp: perplexity = exp(mean NLL).",
        lambda logits, targets: math.exp(position_nll(logits, targets).sum().item()),
    ),
    Mistake(
        "2 ** NLL: base 2 with a natural-log NLL",
        "torch's cross-entropy is in nats (natural log), so its perplexity is exp(NLL), not 2 ** NLL.",
        lambda logits, targets: 2 ** torch_cross_entropy(logits, targets).item(),
    ),
    Mistake(
        "the probabilities are averaged (1 / mean p(y)) instead of the log-probabilities",
        "Perplexity is exp(mean of -log p(y)): average the log-probabilities, not the probabilities.",
        lambda logits, targets: 1 / _target_probabilities(logits, targets).mean().item(),
    ),
    Mistake(
        "exp of the mean probability, not of the mean negative log-probability",
        "Perplexity is exp(mean of -log p(y)): take the cross-entropy (the mean NLL) first.",
        lambda logits, targets: math.exp(_target_probabilities(logits, targets).mean().item()),
    ),
    Mistake(
        "the mean NLL is returned without exp",
        "Perplexity is exp(mean NLL): apply the exponential to the cross-entropy.",
        lambda logits, targets: torch_cross_entropy(logits, targets).item(),
    ),
    Mistake(
        "softmax is applied to the logits before the cross-entropy, which applies it again",
        "Give the cross-entropy the raw logits: it takes the softmax itself, and a second one squeezes the "
        "perplexity towards V.",
        lambda logits, targets: torch_cross_entropy(torch.softmax(logits, -1), targets).exp().item(),
    ),
    Mistake(
        "float64 logits are computed in float32, which keeps only about 7 digits",
        "Compute in the logits' dtype: no .float() or float32 tensors along the way.",
        lambda logits, targets: torch_cross_entropy(logits.float(), targets).exp().item(),
    ),
]


def expect_perplexity(actual, expected: float, dtype: torch.dtype, context: str, inputs) -> None:
    """``actual`` is a number equal to ``expected`` within the tolerance of the inputs' dtype.

    A 0-dim tensor is read as its value here: returning a tensor costs only the type check.
    """
    if isinstance(actual, torch.Tensor) and actual.numel() == 1:
        actual = actual.item()
    if isinstance(actual, bool) or not isinstance(actual, (int, float)):
        fail(f"perplexity should return a number (a Python float), but it returned {type(actual).__name__}.")
    rtol, atol = TOLERANCES[dtype]
    if not math.isclose(actual, expected, rel_tol=rtol, abs_tol=atol):
        fail(
            f"perplexity is wrong ({context}): expected {expected:.10g}, got {actual:.10g} "
            f"(the tolerance is {atol:g} + {rtol:g}·|expected|).",
            mistakes=MISTAKES, actual=float(actual), args=inputs,
        )


@pytest.mark.points(0.5, hint="Return a Python float: .item() turns a 0-dim tensor into one.")
def test_returns_a_python_float(student):
    inputs = logits_inputs(5, seed=1)
    value = student.perplexity(*inputs)
    if isinstance(value, torch.Tensor):
        fail(
            f"perplexity should return a Python float, but it returned a tensor of shape {tuple(value.shape)}.",
            mistakes=[RETURNS_A_TENSOR], actual=value, args=inputs,
        )
    if isinstance(value, bool) or not isinstance(value, float):
        fail(f"perplexity should return a Python float, but it returned {type(value).__name__}.")


@pytest.mark.points(1, hint="perplexity = exp(mean over positions of -log softmax(z)[y]), as a float.")
def test_is_exp_of_the_mean_nll_for_n_by_v_logits(student):
    inputs = logits_inputs(6, seed=2, scale=1.0)
    expect_perplexity(student.perplexity(*inputs), reference(*inputs), torch.float32, describe(inputs[0]), inputs)


@pytest.mark.points(1, hint="Flatten (B, T, V) logits to (B*T, V) and (B, T) targets to (B*T,) before the cross-entropy.")
def test_matches_torch_for_b_t_v_logits_with_batch_sizes_1_and_3(student):
    for batch in (1, 3):
        inputs = logits_inputs(batch, 4, seed=10 + batch, scale=1.0)
        expected = torch_cross_entropy(inputs[0].double(), inputs[1]).exp().item()
        expect_perplexity(student.perplexity(*inputs), expected, torch.float32, describe(inputs[0]), inputs)


@pytest.mark.points(0.5, hint="A model that gives every token the same logit is a uniform guess over V tokens: exp(log V) = V.")
def test_a_uniform_model_has_perplexity_v(student):
    for logits in (torch.zeros(4, 11), torch.full((2, 3, 13), 3.5)):
        targets = torch.randint(logits.size(-1), logits.shape[:-1], generator=torch.Generator().manual_seed(3))
        inputs = (logits, targets)
        expect_perplexity(
            student.perplexity(*inputs), float(logits.size(-1)), torch.float32,
            f"all logits equal, V = {logits.size(-1)}", inputs,
        )


@pytest.mark.points(0.5, hint="Compute in the logits' dtype: no .float() on float64 logits.")
def test_is_precise_for_float64_logits(student):
    inputs = logits_inputs(2, 5, dtype=torch.float64, seed=4, scale=1.0)
    expect_perplexity(student.perplexity(*inputs), reference(*inputs), torch.float64, describe(inputs[0]), inputs)


@pytest.mark.points(0.5, hint="Do not modify the logits or targets in place.")
def test_leaves_its_inputs_unchanged(student):
    inputs = logits_inputs(2, 3, seed=5)
    result = student.call("perplexity", *inputs, inputs_after=True)
    expect_unchanged(inputs, result.inputs_after, NAMES, "perplexity")
