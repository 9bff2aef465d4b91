"""The rnn_step grader against correct variants, realistic mistakes and broken submissions."""

import pytest

from tests.helpers import assert_full_marks, assert_mistake_caught, failures


@pytest.mark.parametrize("case", ["reference", "einsum", "addmm", "filled_by_index"])
def test_correct_variants_earn_full_marks(grade_case, case):
    assert_full_marks(grade_case("rnn_step", case))


MISTAKES = {
    "no_tanh": {"test_matches_the_formula_in_float32": "the tanh is missing"},
    "sigmoid": {"test_matches_the_formula_in_float32": "a sigmoid is used instead of tanh"},
    "no_bias": {"test_matches_the_formula_in_float32": "the bias is missing"},
    "whh_transposed": {
        "test_matches_the_formula_in_float32": "Whh is used transposed",
        "test_agrees_with_torch_rnncell_for_batch_sizes_1_2_and_7": "Whh is used transposed",
    },
    "modifies_input": {"test_leaves_its_inputs_unchanged": "modified its input h_prev in place"},
    "forces_float32": {"test_keeps_float64_inputs_in_float64": "should have dtype torch.float64"},
    "uses_rnncell": {
        "test_does_not_use_torch_builtin_rnn": "torch.nn.RNNCell is not allowed",
        "test_matches_the_formula_in_float32": "torch.nn.RNNCell is not allowed",
    },
    "hidden_forbidden_call": {"test_does_not_use_torch_builtin_rnn": "names are written, not built"},
    "detaches": {"test_gradients_reach_every_input": "no gradient reached h_prev, Whh"},
    "numpy_round_trip": {"test_gradients_reach_every_input": "Gradients cannot flow through NumPy arrays"},
    "numpy_without_detach": {"test_gradients_reach_every_input": "Do not follow torch's advice here"},
    "manual_tanh": {"test_agrees_with_torch_rnncell_for_batch_sizes_1_2_and_7": "tanh is written with exp"},
    "truncates_history": {
        "test_gradients_flow_back_through_four_chained_calls_to_the_first_hidden_state": "the gradient stops between calls",
    },
}

UNNAMED = {"hidden_forbidden_call"}
"""Mistake cases no failing check names as data (the `mistake` field): tests/test_named_mistakes.py counts the rest."""


@pytest.mark.parametrize("case, expected", MISTAKES.items(), ids=list(MISTAKES))
def test_mistakes_lose_points_with_a_message_that_names_them(grade_case, case, expected):
    assert_mistake_caught(grade_case("rnn_step", case), expected, named=case not in UNNAMED)


BROKEN = {
    "stub": "not implemented yet",
    "syntax_error": "syntax error at line 4",
    "import_error": "`import torchh` is not allowed in a submission",
    "wrong_name": "does not define rnn_step",
    "crashes": "`import ctypes` is not allowed in a submission",
}


@pytest.mark.parametrize("case, text", BROKEN.items(), ids=list(BROKEN))
def test_broken_submissions_score_zero_with_a_clear_message(grade_case, case, text):
    result = grade_case("rnn_step", case)
    assert result.score == 0
    assert all(text in message for message in failures(result).values()), failures(result)


def test_a_submission_that_never_returns_is_stopped_by_the_timeout(grade_case):
    result = grade_case("rnn_step", "loops_forever", timeout=1.0)
    assert result.score == 0
    messages = failures(result).values()
    assert all("did not finish within 1 s" in m for m in messages), messages
