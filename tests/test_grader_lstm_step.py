"""The lstm_step grader against correct variants, realistic mistakes and the stub."""

import pytest

from tests.helpers import assert_full_marks, assert_mistake_caught, failures

TANH_PROBE = "test_hidden_state_is_the_output_gate_times_tanh_of_the_cell_state"
FORBIDDEN = "test_does_not_use_torch_builtin_lstm"


@pytest.mark.parametrize("case", ["reference", "per_gate_linear", "stacked_einsum"])
def test_correct_variants_earn_full_marks(grade_case, case):
    assert_full_marks(grade_case("lstm_step", case))


MISTAKES = {
    "detaches_carried_cell": {"test_gradients_flow_back_through_four_chained_calls_to_the_first_hidden_and_cell_states": "the gradient stops between calls"},
    "order_ifog": {
        "test_reads_the_gate_blocks_in_torch_order_i_f_g_o": "your LSTM uses gate order i, f, o, g (CS231n's); torch's is i, f, g, o",
    },
    "forget_input_swapped": {
        "test_forget_gate_keeps_the_cell_state_and_input_gate_writes_the_candidate": "the forget and input gates are swapped",
    },
    "no_tanh_on_c": {TANH_PROBE: "tanh(c_t) is missing from h_t"},
    "returns_c_as_h": {TANH_PROBE: "c_t is returned as h_t"},
    "returns_c_then_h": {"test_matches_the_formula_in_float32": "h_t and c_t are returned in the wrong order"},
    "returns_only_h": {
        "test_returns_a_pair_of_hidden_and_cell_states_each_batch_by_hidden": "should return a pair (a tuple of two items)",
    },
    "detaches": {"test_gradients_reach_every_input": "no gradient reached c_prev"},
    "modifies_input": {"test_leaves_its_inputs_unchanged": "modified its input c_prev in place"},
    "forces_float32": {"test_keeps_float64_inputs_in_float64": "should have dtype torch.float64"},
    "uses_lstmcell": {FORBIDDEN: "torch.nn.LSTMCell is not allowed", "test_matches_the_formula_in_float32": "is not allowed"},
    "hidden_forbidden_call": {FORBIDDEN: "names are written, not built"},
}

UNNAMED = {"hidden_forbidden_call"}
"""Mistake cases no failing check names as data (the `mistake` field): tests/test_named_mistakes.py counts the rest."""


@pytest.mark.parametrize("case, expected", MISTAKES.items(), ids=list(MISTAKES))
def test_mistakes_lose_points_with_a_message_that_names_them(grade_case, case, expected):
    assert_mistake_caught(grade_case("lstm_step", case), expected, named=case not in UNNAMED)


def test_the_stub_scores_zero_with_a_clear_message(grade_case):
    result = grade_case("lstm_step", "stub")
    assert result.score == 0
    assert all("not implemented yet" in message for message in failures(result).values()), failures(result)
