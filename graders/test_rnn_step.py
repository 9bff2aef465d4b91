"""Grader for rnn_step: one step of a vanilla RNN, h_t = tanh(x_t @ Wxh + h_prev @ Whh + bh)."""

import pytest
import torch

from autograde.grading.checks import (
    expect_close, expect_dtype, expect_gradients, expect_gradients_reach, expect_no_forbidden_api, expect_shape,
    expect_unchanged, reference_gradients, with_grad,
)
from graders.rnn_cases import (
    STEP_MISTAKES, chained_inputs, describe, expect_chained_gradients, step_inputs, torch_rnn_cell,
)
from reference.rnn_step import rnn_step as reference

NAMES = ("x_t", "h_prev", "Wxh", "Whh", "bh")


@pytest.mark.points(0.5, hint="Return h_t with shape (batch, hidden_dim): x_t @ Wxh is (batch, hidden_dim).")
def test_returns_one_hidden_state_per_sequence(student):
    expect_shape(student.rnn_step(*step_inputs()), (3, 4), "h_t", mistakes=STEP_MISTAKES, args=step_inputs())


@pytest.mark.points(1, hint="h_t = tanh(x_t Wxh + h_prev Whh + bh): each of the three terms exactly once, all inside the tanh.")
def test_matches_the_formula_in_float32(student):
    inputs = step_inputs(seed=1)
    expect_close(
        student.rnn_step(*inputs), reference(*inputs), "h_t",
        context=describe(3, 5, 4, torch.float32), mistakes=STEP_MISTAKES, args=inputs,
    )


@pytest.mark.points(1, hint="Keep the inputs' dtype: no .float(), and no new tensors without dtype=x_t.dtype.")
def test_keeps_float64_inputs_in_float64(student):
    inputs = step_inputs(dtype=torch.float64, seed=2)
    result = student.rnn_step(*inputs)
    expect_shape(result, (3, 4), "h_t")
    expect_dtype(result, torch.float64, "h_t")
    expect_close(result, reference(*inputs), "h_t", context=describe(3, 5, 4, torch.float64), mistakes=STEP_MISTAKES, args=inputs)


@pytest.mark.points(1, hint="Your step should agree with torch.nn.RNNCell loaded with weight_ih = Wxh.T, for any batch size and for inputs large enough to saturate the tanh.", title="agrees with torch.nn.RNNCell for batch sizes 1, 2 and 7")
def test_agrees_with_torch_rnncell_for_batch_sizes_1_2_and_7(student):
    for batch, scale in ((1, 1.0), (2, 1.0), (7, 1.0), (2, 100.0)):
        x, h, Wxh, Whh, bh = step_inputs(batch=batch, input_dim=6, hidden_dim=3, seed=10 + batch)
        inputs = (x * scale, h, Wxh, Whh, bh)  # scale 100: pre-activations of about ±100, where exp overflows
        with torch.no_grad():
            expected = torch_rnn_cell(Wxh, Whh, bh)(*inputs[:2])
        context = describe(batch, 6, 3, torch.float32) + (f", x scaled by {scale:g}" if scale != 1 else "")
        expect_close(student.rnn_step(*inputs), expected, "h_t", context=context, mistakes=STEP_MISTAKES, args=inputs)


@pytest.mark.points(0.5, hint="Keep every step in torch (no .detach(), .item() or .numpy()) so gradients reach all five inputs.")
def test_gradients_reach_every_input(student, student_source):
    inputs = with_grad(step_inputs(seed=3))
    result = student.call("rnn_step", *inputs, backward=[torch.ones(3, 4)])
    expect_gradients_reach(result.grads, NAMES, "rnn_step", source=student_source)


@pytest.mark.points(1, hint="If the values are right, the gradients follow; check you do not detach part of the computation.")
def test_gradients_match_the_reference(student):
    inputs = step_inputs(dtype=torch.float64, seed=4)
    cotangent = torch.randn(3, 4, dtype=torch.float64, generator=torch.Generator().manual_seed(5))
    result = student.call("rnn_step", *with_grad(inputs), backward=[cotangent])
    expect_gradients(result.grads, reference_gradients(reference, inputs, [cotangent]), NAMES, "rnn_step",
                     values=(result.value, reference(*inputs)))


@pytest.mark.points(0.5, hint="h_prev may be the output of your previous call: use it as it is given, so the gradient flows back through every step to the first hidden state.",
    title="gradients flow back through four chained calls to the first hidden state")
def test_gradients_flow_back_through_four_chained_calls_to_the_first_hidden_state(student):
    inputs = chained_inputs(step_inputs(dtype=torch.float64, seed=8), steps=4, seed=9)
    expect_chained_gradients(student, "rnn_step", reference, inputs, ("h_0",), NAMES[2:], seed=9)


@pytest.mark.points(0.5, hint="Do not modify the arguments in place (no +=, add_, or writes into x_t or h_prev).")
def test_leaves_its_inputs_unchanged(student):
    inputs = step_inputs(seed=6)
    result = student.call("rnn_step", *inputs, inputs_after=True)
    expect_unchanged(inputs, result.inputs_after, NAMES, "rnn_step")


@pytest.mark.points(1, hint="Write the step with @ and torch.tanh; torch's built-in RNN modules and functions are off limits.", title="does not use torch's built-in RNN")
def test_does_not_use_torch_builtin_rnn(student, student_source, forbidden):
    expect_no_forbidden_api(student_source, forbidden, lambda: student.rnn_step(*step_inputs(seed=7)))
