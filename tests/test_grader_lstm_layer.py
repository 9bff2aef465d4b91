"""The lstm_layer grader against correct variants, realistic mistakes and the stub."""

import pytest

from tests.helpers import assert_full_marks, assert_mistake_caught, failures


@pytest.mark.parametrize("case", ["reference", "own_cell_unbind", "projected_inputs", "uses_lstm_step"])
def test_correct_variants_earn_full_marks(grade_case, case):
    assert_full_marks(grade_case("lstm_layer", case))


MISTAKES = {
    "projects_with_view": {
        "test_accepts_an_input_sequence_that_is_not_contiguous_in_memory": ".view() is used on a tensor that need not be contiguous",
    },
    "resets_state": {
        "test_matches_the_reference_from_a_zero_state_in_float32": "the state is reset at every step",
        "test_two_halves_passing_the_state_on_match_one_torch_lstm_run": "the state is reset at every step",
    },
    "time_major_output": {"test_matches_the_reference_from_a_zero_state_in_float32": "time and batch are swapped"},
    "ignores_state": {
        "test_matches_torch_lstm_in_float64_from_zeros_and_from_a_given_state": "the initial state is ignored",
        "test_two_halves_passing_the_state_on_match_one_torch_lstm_run": "the initial state is ignored",
        "test_gradients_reach_the_input_the_state_and_every_parameter": "no gradient reached h0, c0",
    },
    "swaps_h0_c0": {"test_matches_torch_lstm_in_float64_from_zeros_and_from_a_given_state": "h0 and c0 are swapped"},
    "gates_ifog": {"test_matches_the_reference_from_a_zero_state_in_float32": "the gates are taken in the order i, f, o, g"},
    "transposed_weights": {"test_parameters_are_named_and_shaped_like_lstmcell": "the weights are stored transposed"},
    "bound_input_size": {
        "test_parameters_start_uniform_within_one_over_sqrt_hidden_size": "the bound is 1/sqrt(input_size)",
    },
    "zero_biases": {"test_parameters_start_uniform_within_one_over_sqrt_hidden_size": "the parameter is left at zero"},
    "zeros_in_float32": {"test_matches_torch_lstm_in_float64_from_zeros_and_from_a_given_state": "dtype"},
    "detaches_state": {"test_gradients_match_torch_lstm": "the state is detached between steps"},
    "writes_state_in_place": {"test_leaves_its_inputs_unchanged": "modified its inputs h0, c0 in place"},
    "uses_lstmcell": {
        "test_does_not_use_torch_builtin_lstm": "torch.nn.LSTMCell is not allowed",
        "test_matches_the_reference_from_a_zero_state_in_float32": "torch.nn.LSTMCell is not allowed",
    },
    "hidden_forbidden_call": {"test_does_not_use_torch_builtin_lstm": "names are written, not built"},
}

UNNAMED = {"hidden_forbidden_call"}
"""Mistake cases no failing check names as data (the `mistake` field): tests/test_named_mistakes.py counts the rest."""


@pytest.mark.parametrize("case, expected", MISTAKES.items(), ids=list(MISTAKES))
def test_mistakes_lose_points_with_a_message_that_names_them(grade_case, case, expected):
    assert_mistake_caught(grade_case("lstm_layer", case), expected, named=case not in UNNAMED)


def test_the_stub_scores_zero_with_a_clear_message(grade_case):
    result = grade_case("lstm_layer", "stub")
    assert result.score == 0
    assert all("not implemented yet" in message for message in failures(result).values()), failures(result)
