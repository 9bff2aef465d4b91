"""Grader for lstm_step: one LSTM step with torch.nn.LSTMCell's layout (gate blocks i, f, g, o) and formula.

Checks the pair (h_t, c_t) against the reference (float32 and float64) and against nn.LSTMCell
loaded with the same weights, then three probes that saturate gates with large biases, so that
CS231n's gate order i, f, o, g, swapped forget and input gates, or a missing tanh(c_t) each fail
a check named after it. Then gradients (also through four chained calls), unchanged inputs,
and no built-in LSTM.
"""

import pytest
import torch

from autograde.grading.checks import (
    expect_dtype, expect_gradients, expect_gradients_reach, expect_no_forbidden_api, expect_pair, expect_shape,
    expect_unchanged, reference_gradients, with_grad,
)
from graders.gated_cases import (
    LSTM_GATES, SATURATED, expect_lstm_state, flat_lstm_inputs, lstm_inputs, nested_lstm_inputs,
    push_gates, torch_cell,
)
from graders.rnn_cases import chained_inputs, describe, expect_chained_gradients
from reference.lstm_step import lstm_step as reference

NAMES = ("x_t", "h_prev", "c_prev", "W_ih", "W_hh", "b_ih", "b_hh")


def expect_like_lstmcell(student, inputs: tuple, context: str) -> None:
    x, state, *weights = inputs
    with torch.no_grad():
        expected = torch_cell(torch.nn.LSTMCell, *weights)(x, state)
    expect_lstm_state(student.lstm_step(*inputs), expected, context, inputs)


def reference_from_flat(*flat):
    """The reference on flat arguments, as reference_gradients passes them."""
    return reference(*nested_lstm_inputs(flat))


@pytest.mark.points(0.5, hint="Return the pair (h_t, c_t), each (batch, hidden): W_ih is (4*hidden, input), laid out like nn.LSTMCell's weights.",
    code_hint="Multiply by the transposed weights: x_t @ W_ih.T is (batch, 4*hidden).")
def test_returns_a_pair_of_hidden_and_cell_states_each_batch_by_hidden(student):
    h_t, c_t = expect_pair(student.lstm_step(*lstm_inputs()), "lstm_step")
    expect_shape(h_t, (3, 4), "h_t")
    expect_shape(c_t, (3, 4), "c_t")


@pytest.mark.points(0.5, hint="Follow nn.LSTMCell: blocks i, f, g, o; c_t = f ⊙ c_prev + i ⊙ g and h_t = o ⊙ tanh(c_t), with ⊙ the elementwise product.")
def test_matches_the_formula_in_float32(student):
    inputs = lstm_inputs(seed=1)
    expect_lstm_state(student.lstm_step(*inputs), reference(*inputs), describe(3, 5, 4, torch.float32), inputs)


@pytest.mark.points(0.5, hint="Keep the inputs' dtype: no .float(), and no new tensors without dtype=x_t.dtype.")
def test_keeps_float64_inputs_in_float64(student):
    inputs = lstm_inputs(dtype=torch.float64, seed=2)
    h_t, c_t = result = expect_pair(student.lstm_step(*inputs), "lstm_step")
    for value, what in ((h_t, "h_t"), (c_t, "c_t")):
        expect_shape(value, (3, 4), what)
        expect_dtype(value, torch.float64, what)
    expect_lstm_state(result, reference(*inputs), describe(3, 5, 4, torch.float64), inputs)


@pytest.mark.points(1, hint="Your step should equal torch.nn.LSTMCell given weight_ih=W_ih, weight_hh=W_hh, bias_ih=b_ih, bias_hh=b_hh.", title="agrees with torch.nn.LSTMCell in float32 and float64 for batch sizes 1, 2 and 7")
def test_agrees_with_torch_lstmcell_in_float32_and_float64_for_batch_sizes_1_2_and_7(student):
    for batch, dtype in ((1, torch.float32), (2, torch.float64), (7, torch.float32)):
        inputs = lstm_inputs(batch=batch, input_dim=6, hidden_dim=3, dtype=dtype, seed=10 + batch)
        expect_like_lstmcell(student, inputs, describe(batch, 6, 3, dtype))


@pytest.mark.points(1, hint="torch stacks the gate blocks as i, f, g, o: the candidate g is the third block (tanh), o the fourth (sigmoid).", title="reads the gate blocks in torch's order i, f, g, o")
def test_reads_the_gate_blocks_in_torch_order_i_f_g_o(student):
    """g pushed to -1 and o open; a cell that reads the blocks as i, f, o, g gets g = +1 and o shut."""
    inputs = push_gates(lstm_inputs(seed=20), LSTM_GATES, g=-SATURATED, o=SATURATED)
    expect_like_lstmcell(student, inputs, "a bias of -8 on the g block and +8 on the o block")


@pytest.mark.points(0.5, hint="The forget gate (second block) keeps the old cell state, the input gate (first block) writes the candidate g.")
def test_forget_gate_keeps_the_cell_state_and_input_gate_writes_the_candidate(student):
    for f, i in ((SATURATED, -SATURATED), (-SATURATED, SATURATED)):
        inputs = push_gates(lstm_inputs(seed=21), LSTM_GATES, f=f, i=i)
        expect_like_lstmcell(student, inputs, f"a bias of {f:+g} on the f block and {i:+g} on the i block")


@pytest.mark.points(0.5, hint="h_t = o ⊙ tanh(c_t): with the output gate open and a large cell state, h_t stays within (-1, 1).")
def test_hidden_state_is_the_output_gate_times_tanh_of_the_cell_state(student):
    """o open, f open and i shut: c_t is c_prev, large on purpose, and h_t is tanh(c_prev)."""
    inputs = push_gates(lstm_inputs(seed=22, cell_scale=3.0), LSTM_GATES, o=SATURATED, f=SATURATED, i=-SATURATED)
    expect_like_lstmcell(student, inputs, "c_prev about 3 in size, biases pushing o and f to 1 and i to 0")


@pytest.mark.points(0.5, hint="Keep every step in torch (no .detach(), .item() or .numpy()) so gradients reach all seven inputs.")
def test_gradients_reach_every_input(student, student_source):
    inputs = nested_lstm_inputs(with_grad(flat_lstm_inputs(lstm_inputs(seed=3))))
    result = student.call("lstm_step", *inputs, backward=[torch.ones(3, 4), torch.ones(3, 4)])
    expect_gradients_reach(result.grads, NAMES, "lstm_step", source=student_source)


@pytest.mark.points(0.5, hint="If the values are right, the gradients follow; check you do not detach part of the computation.")
def test_gradients_match_the_reference(student):
    flat = flat_lstm_inputs(lstm_inputs(dtype=torch.float64, seed=4))
    g = torch.Generator().manual_seed(5)
    cotangents = [torch.randn(3, 4, dtype=torch.float64, generator=g) for _ in range(2)]
    result = student.call("lstm_step", *nested_lstm_inputs(with_grad(flat)), backward=cotangents)
    expect_gradients(result.grads, reference_gradients(reference_from_flat, flat, cotangents), NAMES, "lstm_step",
                     values=(result.value, reference_from_flat(*flat)))


@pytest.mark.points(0.5, hint="the state (h_prev, c_prev) may be the output of your previous call: use it as it is given, so the gradient flows back through every step to the first hidden and cell states.",
    title="gradients flow back through four chained calls to the first hidden and cell states")
def test_gradients_flow_back_through_four_chained_calls_to_the_first_hidden_and_cell_states(student):
    inputs = chained_inputs(lstm_inputs(dtype=torch.float64, seed=8), steps=4, seed=9)
    expect_chained_gradients(student, "lstm_step", reference, inputs, ("h_0", "c_0"), NAMES[3:], seed=9)


@pytest.mark.points(0.5, hint="Do not modify the arguments in place (no +=, mul_, or writes into h_prev, c_prev or the weights).")
def test_leaves_its_inputs_unchanged(student):
    inputs = lstm_inputs(seed=6)
    result = student.call("lstm_step", *inputs, inputs_after=True)
    expect_unchanged(flat_lstm_inputs(inputs), result.inputs_after, NAMES, "lstm_step")


@pytest.mark.points(0.5, hint="Write the step with @, torch.sigmoid and torch.tanh; torch's built-in LSTM modules and functions are off limits.", title="does not use torch's built-in LSTM")
def test_does_not_use_torch_builtin_lstm(student, student_source, forbidden):
    expect_no_forbidden_api(student_source, forbidden, lambda: student.lstm_step(*lstm_inputs(seed=7)))
