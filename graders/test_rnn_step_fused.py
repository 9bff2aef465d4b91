"""Grader for rnn_step_fused: h_t = tanh([h_prev || x_t] @ W_h + b_h), in one matrix multiplication."""

import pytest
import torch

from autograde.grading.checks import (
    expect_close, expect_gradients, expect_gradients_reach, expect_no_forbidden_api, expect_shape,
    expect_unchanged, fail, reference_gradients, with_grad,
)
from autograde.grading.mistakes import Mistake
from graders.rnn_cases import FUSED_MISTAKES, describe, fused_inputs, torch_rnn_cell
from reference.rnn_step import rnn_step as reference_step
from reference.rnn_step_fused import rnn_step_fused as reference

NAMES = ("x_t", "h_prev", "W_h", "b_h")
NOT_FUSED = Mistake("the step is not fused: more than one matrix multiplication", "Concatenate [h_prev, x_t] first, then multiply once by W_h.")


@pytest.mark.points(0.5, hint="Return h_t with shape (batch, hidden_dim).")
def test_returns_one_hidden_state_per_sequence(student):
    inputs = fused_inputs()
    expect_shape(student.rnn_step_fused(*inputs), (3, 4), "h_t", mistakes=FUSED_MISTAKES, args=inputs)


@pytest.mark.points(1.5, hint="Join h_prev and x_t along the feature axis, h first, then one matrix product with W_h, the bias, and tanh.",
    code_hint="torch.cat joins tensors along the dim you give it; the first hidden_dim rows of W_h multiply h_prev.")
def test_matches_the_formula_in_float32(student):
    inputs = fused_inputs(seed=1)
    expect_close(
        student.rnn_step_fused(*inputs), reference(*inputs), "h_t",
        context=describe(3, 5, 4, torch.float32), mistakes=FUSED_MISTAKES, args=inputs,
    )


@pytest.mark.points(0.5, hint="Keep the inputs' dtype: no .float(), and no new tensors without dtype=x_t.dtype.")
def test_keeps_float64_inputs_in_float64(student):
    inputs = fused_inputs(dtype=torch.float64, seed=2)
    expect_close(
        student.rnn_step_fused(*inputs), reference(*inputs), "h_t",
        context=describe(3, 5, 4, torch.float64), mistakes=FUSED_MISTAKES, args=inputs,
    )


@pytest.mark.points(1, hint="The fused step must equal rnn_step(x_t, h_prev, W_h[H:], W_h[:H], b_h) and torch.nn.RNNCell.", title="equals the two-matmul step and torch.nn.RNNCell for batch sizes 1, 2 and 7")
def test_equals_the_two_matmul_step_and_torch_rnncell_for_batch_sizes_1_2_and_7(student):
    for batch in (1, 2, 7):
        x, h, W_h, b_h = inputs = fused_inputs(batch=batch, input_dim=6, hidden_dim=3, seed=10 + batch)
        Wxh, Whh = W_h[3:], W_h[:3]
        with torch.no_grad():
            oracle = torch_rnn_cell(Wxh, Whh, b_h)(x, h)
        result = student.rnn_step_fused(*inputs)
        context = describe(batch, 6, 3, torch.float32)
        expect_close(result, reference_step(x, h, Wxh, Whh, b_h), "h_t", context=context, mistakes=FUSED_MISTAKES, args=inputs)
        expect_close(result, oracle, "h_t", context=context, mistakes=FUSED_MISTAKES, args=inputs)


@pytest.mark.points(1.5, hint="Concatenate first, then multiply once: H_t @ W_h replaces x_t @ Wxh + h_prev @ Whh.")
def test_performs_exactly_one_matrix_multiplication(student):
    result = student.call("rnn_step_fused", *fused_inputs(seed=3), count_ops=True)
    if result.matmuls != 1:
        fail(
            f"rnn_step_fused performed {result.matmuls} matrix multiplications in one call; the point "
            "of the fused step is to do exactly one, on the concatenated [h_prev, x_t].",
            observed=NOT_FUSED,
        )


@pytest.mark.points(0.5, hint="Keep every step in torch (no .detach(), .item() or .numpy()) so gradients reach all four inputs.")
def test_gradients_reach_every_input(student, student_source):
    result = student.call("rnn_step_fused", *with_grad(fused_inputs(seed=4)), backward=[torch.ones(3, 4)])
    expect_gradients_reach(result.grads, NAMES, "rnn_step_fused", source=student_source)


@pytest.mark.points(0.5, hint="If the values are right, the gradients follow; check you do not detach part of the computation.")
def test_gradients_match_the_reference(student):
    inputs = fused_inputs(dtype=torch.float64, seed=5)
    cotangent = torch.randn(3, 4, dtype=torch.float64, generator=torch.Generator().manual_seed(6))
    result = student.call("rnn_step_fused", *with_grad(inputs), backward=[cotangent])
    expect_gradients(result.grads, reference_gradients(reference, inputs, [cotangent]), NAMES, "rnn_step_fused",
                     values=(result.value, reference(*inputs)))


@pytest.mark.points(0.5, hint="Do not modify the arguments in place: torch.cat builds a new tensor.")
def test_leaves_its_inputs_unchanged(student):
    inputs = fused_inputs(seed=7)
    result = student.call("rnn_step_fused", *inputs, inputs_after=True)
    expect_unchanged(inputs, result.inputs_after, NAMES, "rnn_step_fused")


@pytest.mark.points(0.5, hint="Use torch.cat, @ and torch.tanh; torch's built-in RNN modules and functions are off limits.", title="does not use torch's built-in RNN")
def test_does_not_use_torch_builtin_rnn(student, student_source, forbidden):
    expect_no_forbidden_api(student_source, forbidden, lambda: student.rnn_step_fused(*fused_inputs(seed=8)))
