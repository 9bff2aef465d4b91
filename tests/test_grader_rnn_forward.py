"""The rnn_forward grader against correct variants and realistic mistakes."""

import pytest

from tests.helpers import assert_full_marks, assert_mistake_caught, failures


@pytest.mark.parametrize("case", ["reference", "imports_rnn_step", "unbind"])
def test_correct_variants_earn_full_marks(grade_case, case):
    assert_full_marks(grade_case("rnn_forward", case))


def test_the_stub_scores_zero(grade_case):
    result = grade_case("rnn_forward", "stub")
    assert result.score == 0
    assert all("not implemented yet" in m for m in failures(result).values())


MISTAKES = {
    "ignores_h0": {"test_states_match_the_reference_in_float32": "h0 is ignored"},
    "time_major": {"test_returns_all_states_and_the_last_one_with_the_right_shapes": "the batch and time axes are swapped"},
    "states_before_step": {"test_states_match_the_reference_in_float32": "holds the state before step t"},
    "h_last_first": {"test_h_last_is_the_state_after_the_final_step": "h_last equals hs[:, 0]"},
    "float32_zeros": {"test_treats_a_missing_h0_as_zeros": "float != double"},
    "uses_nn_rnn": {"test_does_not_use_torch_builtin_rnn": "torch.nn.RNN is not allowed"},
    "projects_with_view": {
        "test_accepts_inputs_that_are_not_contiguous_in_memory": ".view() is used on a tensor that need not be contiguous",
    },
}

UNNAMED: set[str] = set()
"""Mistake cases no failing check names as data (the `mistake` field): tests/test_named_mistakes.py counts the rest."""


@pytest.mark.parametrize("case, expected", MISTAKES.items(), ids=list(MISTAKES))
def test_mistakes_lose_points_with_a_message_that_names_them(grade_case, case, expected):
    assert_mistake_caught(grade_case("rnn_forward", case), expected, named=case not in UNNAMED)
