"""The char_lstm grader against correct variants, realistic mistakes and the stub."""

import pytest

from tests.helpers import assert_full_marks, assert_mistake_caught, failures


@pytest.mark.parametrize("case", ["reference", "flattened_head", "explicit_zero_hidden"])
def test_correct_variants_earn_full_marks(grade_case, case):
    assert_full_marks(grade_case("char_lstm", case))


MISTAKES = {
    "no_batch_first": {
        "test_submodules_are_an_embedding_an_lstm_and_a_linear_head": "nn.LSTM is missing batch_first=True",
        "test_logits_and_hidden_have_the_documented_shapes": "nn.LSTM is missing batch_first=True",
        "test_matches_the_reference_model_with_the_same_weights_in_float32": "nn.LSTM is missing batch_first=True",
        "test_logits_at_step_t_depend_on_that_sequence_up_to_t_only": "nn.LSTM is missing batch_first=True",
    },
    "num_layers_ignored": {
        "test_submodules_are_an_embedding_an_lstm_and_a_linear_head": "num_layers is not passed to nn.LSTM",
    },
    "bidirectional": {
        "test_submodules_are_an_embedding_an_lstm_and_a_linear_head": "the LSTM is bidirectional",
        "test_logits_at_step_t_depend_on_that_sequence_up_to_t_only": "the LSTM is bidirectional",
    },
    "ignores_hidden": {
        "test_matches_the_reference_model_with_the_same_weights_in_float32": "the hidden argument is ignored",
        "test_two_halves_passing_hidden_on_equal_one_run": "the hidden argument is ignored",
    },
    "head_on_last_state": {
        "test_logits_and_hidden_have_the_documented_shapes": "the logits come from the last hidden state only",
    },
    "detaches_hidden": {"test_gradients_reach_every_parameter_and_the_hidden_state": "no gradient reached h, c"},
    "zero_hidden_in_float32": {"test_keeps_a_float64_model_in_float64": "must have the same dtype"},
    "softmax_head": {"test_matches_the_reference_model_with_the_same_weights_in_float32": "returns probabilities"},
}

UNNAMED: set[str] = set()
"""Mistake cases no failing check names as data (the `mistake` field): tests/test_named_mistakes.py counts the rest."""


@pytest.mark.parametrize("case, expected", MISTAKES.items(), ids=list(MISTAKES))
def test_mistakes_lose_points_with_a_message_that_names_them(grade_case, case, expected):
    assert_mistake_caught(grade_case("char_lstm", case), expected, named=case not in UNNAMED)


def test_the_stub_scores_zero_with_a_clear_message(grade_case):
    result = grade_case("char_lstm", "stub")
    assert result.score == 0
    assert all("not implemented yet" in message for message in failures(result).values()), failures(result)
