"""Grader for rnn_forward: the RNN cell unrolled over a sequence, returning (hs, h_last)."""

import pytest
import torch

from autograde.grading.checks import (
    call_on_noncontiguous, expect_close, expect_gradients, expect_gradients_reach, expect_no_forbidden_api, expect_pair,
    expect_shape, expect_unchanged, fail, reference_gradients, with_grad,
)
from autograde.grading.mistakes import Mistake
from graders.rnn_cases import HS_MISTAKES, sequence_inputs, torch_rnn
from reference.rnn_forward import rnn_forward as reference

NAMES = ("x", "h0", "Wxh", "Whh", "bh")
H_LAST_FIRST = Mistake("h_last is the first state, not the last", "Return the state after the final step as h_last.")


def run(student, inputs):
    """The student's (hs, h_last), checked to be a pair."""
    return expect_pair(student.rnn_forward(*inputs), "rnn_forward")


def describe(x: torch.Tensor) -> str:
    batch, seq_len, input_dim = x.shape
    return f"batch {batch}, seq_len {seq_len}, input_dim {input_dim}, {str(x.dtype).removeprefix('torch.')}"


@pytest.mark.points(0.5, hint="Return (hs, h_last): hs is (batch, seq_len, hidden_dim), h_last is (batch, hidden_dim).")
def test_returns_all_states_and_the_last_one_with_the_right_shapes(student):
    inputs = sequence_inputs()
    hs, h_last = run(student, inputs)
    expect_shape(hs, (3, 6, 4), "hs", mistakes=HS_MISTAKES, args=inputs)
    expect_shape(h_last, (3, 4), "h_last")


@pytest.mark.points(1, hint="Apply the RNN step at every t to x[:, t] and the previous state, starting from h0; hs[:, t] is the state after step t.",
    code_hint="A Python loop over t, with rnn_step from exercises.rnn_step or your own step, then torch.stack along dim=1.")
def test_states_match_the_reference_in_float32(student):
    inputs = sequence_inputs(seed=1)
    hs, _ = run(student, inputs)
    expect_close(hs, reference(*inputs)[0], "hs", context=describe(inputs[0]), mistakes=HS_MISTAKES, args=inputs)


@pytest.mark.points(0.5, hint="x may be a transposed or sliced view (not contiguous in memory), as a time-major batch turned batch-first is: if you merge its batch and time axes, use an operation that accepts any layout.",
    code_hint=".view() needs memory it can reinterpret without a copy; .reshape() and .flatten() accept any layout.",
    title="accepts inputs that are not contiguous in memory")
def test_accepts_inputs_that_are_not_contiguous_in_memory(student):
    inputs = sequence_inputs(seed=7)  # x stored as x.transpose(1, 2) leaves it, the weights transposed too
    found = expect_pair(call_on_noncontiguous(student, "rnn_forward", *inputs, what="rnn_forward()"), "rnn_forward")
    expect_close(found[0], reference(*inputs)[0], "hs", context=describe(inputs[0]) + ", not contiguous in memory",
                 mistakes=HS_MISTAKES, args=inputs)


@pytest.mark.points(0.5, hint="Keep the inputs' dtype, also for the zeros you start from when h0 is None.",
    code_hint="x.new_zeros(...) makes zeros of x's dtype and device.")
def test_keeps_float64_inputs_in_float64(student):
    inputs = sequence_inputs(dtype=torch.float64, seed=2)
    hs, _ = run(student, inputs)
    expect_close(hs, reference(*inputs)[0], "hs", context=describe(inputs[0]), mistakes=HS_MISTAKES, args=inputs)


@pytest.mark.points(1, hint="When h0 is None, start from zeros of shape (batch, hidden_dim) in x's dtype.")
def test_treats_a_missing_h0_as_zeros(student):
    x, _, Wxh, Whh, bh = sequence_inputs(seed=3)
    for dtype in (torch.float32, torch.float64):
        inputs = (x.to(dtype), None, Wxh.to(dtype), Whh.to(dtype), bh.to(dtype))
        hs, _ = run(student, inputs)
        expect_close(hs, reference(*inputs)[0], "hs with h0=None", context=describe(inputs[0]), mistakes=HS_MISTAKES, args=inputs)


@pytest.mark.points(1, hint="h_last is the state after the final step: the same tensor as hs[:, -1].", title="h_last is the state after the final step")
def test_h_last_is_the_state_after_the_final_step(student):
    inputs = sequence_inputs(seed=4)
    hs, h_last = run(student, inputs)
    expect_shape(h_last, (3, 4), "h_last")
    expect_shape(hs, (3, 6, 4), "hs", mistakes=HS_MISTAKES, args=inputs)
    if not torch.equal(h_last, hs[:, -1]):
        if torch.equal(h_last, hs[:, 0]):
            fail(
                "h_last equals hs[:, 0], the state after the first step; it should be hs[:, -1], after the last.",
                observed=H_LAST_FIRST,
            )
        fail("h_last differs from hs[:, -1]: return the state after the final step as h_last.")


@pytest.mark.points(1, hint="Your unrolled RNN should agree with torch.nn.RNN(batch_first=True) loaded with the same weights.", title="agrees with torch.nn.RNN for several batch sizes and lengths")
def test_agrees_with_torch_rnn_for_several_batch_sizes_and_lengths(student):
    for batch, seq_len in ((1, 1), (1, 5), (3, 1), (4, 7)):
        x, h0, Wxh, Whh, bh = inputs = sequence_inputs(batch=batch, seq_len=seq_len, input_dim=6, hidden_dim=3, seed=10 * batch + seq_len)
        with torch.no_grad():
            expected_hs, expected_last = torch_rnn(Wxh, Whh, bh)(x, h0[None])
        hs, h_last = run(student, inputs)
        expect_close(hs, expected_hs, "hs", context=describe(x), mistakes=HS_MISTAKES, args=inputs)
        expect_close(h_last, expected_last[0], "h_last", context=describe(x))


@pytest.mark.points(0.5, hint="Keep every step in torch so gradients flow back through time to x, h0 and the weights.")
def test_gradients_reach_every_input(student, student_source):
    inputs = with_grad(sequence_inputs(seed=5))
    result = student.call("rnn_forward", *inputs, backward=[torch.ones(3, 6, 4), torch.ones(3, 4)])
    expect_gradients_reach(result.grads, NAMES, "rnn_forward", source=student_source)


@pytest.mark.points(1, hint="If the states are right, the gradients follow; check you do not detach h between steps.")
def test_gradients_match_the_reference(student):
    inputs = sequence_inputs(dtype=torch.float64, seed=6)
    g = torch.Generator().manual_seed(7)
    cotangents = [torch.randn(3, 6, 4, dtype=torch.float64, generator=g), torch.randn(3, 4, dtype=torch.float64, generator=g)]
    result = student.call("rnn_forward", *with_grad(inputs), backward=cotangents)
    expect_gradients(result.grads, reference_gradients(reference, inputs, cotangents), NAMES, "rnn_forward",
                     values=(result.value, reference(*inputs)))


@pytest.mark.points(0.5, hint="Do not write into x or h0: build each new state as a new tensor.")
def test_leaves_its_inputs_unchanged(student):
    inputs = sequence_inputs(seed=8)
    result = student.call("rnn_forward", *inputs, inputs_after=True)
    expect_unchanged(inputs, result.inputs_after, NAMES, "rnn_forward")


@pytest.mark.points(0.5, hint="Loop over time with your own step (or rnn_step from exercises.rnn_step); torch.nn.RNN is off limits.", title="does not use torch's built-in RNN")
def test_does_not_use_torch_builtin_rnn(student, student_source, forbidden):
    expect_no_forbidden_api(student_source, forbidden, lambda: student.rnn_forward(*sequence_inputs(seed=9)))
