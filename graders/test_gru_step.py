"""Grader for gru_step: one GRU step with torch.nn.GRUCell's layout (gate blocks r, z, n) and formula.

Checks the formula against the reference (float32 and float64) and against nn.GRUCell loaded
with the same weights, then three probes that saturate one gate at a time, so that reading the
blocks in another order, swapping z and 1 - z, or applying the reset gate before the hidden
matmul each fail a check named after it. Then gradients (also through four chained calls),
unchanged inputs, and no built-in GRU.
"""

import pytest
import torch

from autograde.grading.checks import (
    expect_dtype, expect_gradients, expect_gradients_reach, expect_no_forbidden_api, expect_shape,
    expect_unchanged, reference_gradients, with_grad,
)
from graders.gated_cases import (
    GRU_GATES, SATURATED, alternating, expect_gru_state, gru_inputs, push_gates, torch_cell,
)
from graders.rnn_cases import chained_inputs, describe, expect_chained_gradients
from reference.gru_step import gru_step as reference

NAMES = ("x_t", "h_prev", "W_ih", "W_hh", "b_ih", "b_hh")


def expect_like_grucell(student, inputs: tuple, context: str) -> None:
    x, h, *weights = inputs
    with torch.no_grad():
        expected = torch_cell(torch.nn.GRUCell, *weights)(x, h)
    expect_gru_state(student.gru_step(*inputs), expected, context, inputs)


@pytest.mark.points(0.5, hint="Return h_t with shape (batch, hidden): W_ih is (3*hidden, input), laid out like nn.GRUCell's weights.",
    code_hint="Multiply by the transposed weights: x_t @ W_ih.T is (batch, 3*hidden).")
def test_returns_one_hidden_state_per_sequence(student):
    expect_shape(student.gru_step(*gru_inputs()), (3, 4), "h_t")


@pytest.mark.points(0.5, hint="Follow nn.GRUCell: blocks r, z, n; n = tanh(x W_in^T + b_in + r * (h W_hn^T + b_hn)); h_t = (1 - z) * n + z * h.")
def test_matches_the_formula_in_float32(student):
    inputs = gru_inputs(seed=1)
    expect_gru_state(student.gru_step(*inputs), reference(*inputs), describe(3, 5, 4, torch.float32), inputs)


@pytest.mark.points(0.5, hint="Keep the inputs' dtype: no .float(), and no new tensors without dtype=x_t.dtype.")
def test_keeps_float64_inputs_in_float64(student):
    inputs = gru_inputs(dtype=torch.float64, seed=2)
    result = student.gru_step(*inputs)
    expect_shape(result, (3, 4), "h_t")
    expect_dtype(result, torch.float64, "h_t")
    expect_gru_state(result, reference(*inputs), describe(3, 5, 4, torch.float64), inputs)


@pytest.mark.points(1, hint="Your step should equal torch.nn.GRUCell given weight_ih=W_ih, weight_hh=W_hh, bias_ih=b_ih, bias_hh=b_hh.")
def test_agrees_with_torch_grucell_in_float32_and_float64_for_batch_sizes_1_2_and_7(student):
    for batch, dtype in ((1, torch.float32), (2, torch.float64), (7, torch.float32)):
        inputs = gru_inputs(batch=batch, input_dim=6, hidden_dim=3, dtype=dtype, seed=10 + batch)
        expect_like_grucell(student, inputs, describe(batch, 6, 3, dtype))


@pytest.mark.points(1, hint="torch stacks the gate blocks as r, z, n: chunk(3, dim=1) gives the reset gate first.")
def test_reads_the_gate_blocks_in_torch_order_r_z_n(student):
    """r open and z shut make h_t the candidate n; a cell that reads block 0 as z keeps h_prev instead."""
    inputs = push_gates(gru_inputs(seed=20), GRU_GATES, r=SATURATED, z=-SATURATED)
    expect_like_grucell(student, inputs, "a bias of +8 on the r block and -8 on the z block")


@pytest.mark.points(0.5, hint="The update gate z weights the old state: with z near 1 the step keeps h_prev, with z near 0 it takes the candidate n.")
def test_update_gate_near_one_keeps_the_previous_state(student):
    for shift in (SATURATED, -SATURATED):
        inputs = push_gates(gru_inputs(seed=21), GRU_GATES, z=shift)
        expect_like_grucell(student, inputs, f"a bias of {shift:+g} on the z block")


@pytest.mark.points(0.5, hint="The reset gate scales the hidden part of the candidate after its matmul and bias, not h_prev before it.",
    code_hint="In n = tanh(x W_in^T + b_in + r * (h W_hn^T + b_hn)), r multiplies the whole bracket.")
def test_reset_gate_scales_the_hidden_part_after_its_matmul(student):
    """Half the units' reset gates shut, and z shut so that h_t shows the candidate n as it is."""
    inputs = push_gates(gru_inputs(seed=22), GRU_GATES, r=alternating(), z=-SATURATED)
    expect_like_grucell(student, inputs, "r pushed to 1 and 0 on alternate units, z to 0")


@pytest.mark.points(0.5, hint="Keep every step in torch (no .detach(), .item() or .numpy()) so gradients reach all six inputs.")
def test_gradients_reach_every_input(student, student_source):
    inputs = with_grad(gru_inputs(seed=3))
    result = student.call("gru_step", *inputs, backward=[torch.ones(3, 4)])
    expect_gradients_reach(result.grads, NAMES, "gru_step", source=student_source)


@pytest.mark.points(0.5, hint="If the values are right, the gradients follow; check you do not detach part of the computation.")
def test_gradients_match_the_reference(student):
    inputs = gru_inputs(dtype=torch.float64, seed=4)
    cotangent = torch.randn(3, 4, dtype=torch.float64, generator=torch.Generator().manual_seed(5))
    result = student.call("gru_step", *with_grad(inputs), backward=[cotangent])
    expect_gradients(result.grads, reference_gradients(reference, inputs, [cotangent]), NAMES, "gru_step",
                     values=(result.value, reference(*inputs)))


@pytest.mark.points(0.5, hint="h_prev may be the output of your previous call: use it as it is given, so the gradient flows back through every step to the first hidden state.",
    title="gradients flow back through four chained calls to the first hidden state")
def test_gradients_flow_back_through_four_chained_calls_to_the_first_hidden_state(student):
    inputs = chained_inputs(gru_inputs(dtype=torch.float64, seed=8), steps=4, seed=9)
    expect_chained_gradients(student, "gru_step", reference, inputs, ("h_0",), NAMES[2:], seed=9)


@pytest.mark.points(0.5, hint="Do not modify the arguments in place (no +=, add_, or writes into h_prev or the weights).")
def test_leaves_its_inputs_unchanged(student):
    inputs = gru_inputs(seed=6)
    result = student.call("gru_step", *inputs, inputs_after=True)
    expect_unchanged(inputs, result.inputs_after, NAMES, "gru_step")


@pytest.mark.points(0.5, hint="Write the step with @, torch.sigmoid and torch.tanh; torch's built-in GRU modules and functions are off limits.")
def test_does_not_use_torch_builtin_gru(student, student_source, forbidden):
    expect_no_forbidden_api(student_source, forbidden, lambda: student.gru_step(*gru_inputs(seed=7)))
