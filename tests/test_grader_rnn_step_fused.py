"""The rnn_step_fused grader against correct variants and realistic mistakes."""

import pytest

from tests.helpers import assert_full_marks, assert_mistake_caught, failures


@pytest.mark.parametrize("case", ["reference", "linear", "filled_concat"])
def test_correct_variants_earn_full_marks(grade_case, case):
    assert_full_marks(grade_case("rnn_step_fused", case))


def test_the_stub_scores_zero(grade_case):
    result = grade_case("rnn_step_fused", "stub")
    assert result.score == 0
    assert all("not implemented yet" in m for m in failures(result).values())


MISTAKES = {
    "two_matmuls": {"test_performs_exactly_one_matrix_multiplication": "performed 2 matrix multiplications"},
    # The checker runs exercises.rnn_step and counts its matmuls into the call's.
    "via_rnn_step": {"test_performs_exactly_one_matrix_multiplication": "performed 2 matrix multiplications"},
    "x_first": {"test_matches_the_formula_in_float32": "x_t comes before h_prev in the concatenation"},
    "no_tanh": {"test_matches_the_formula_in_float32": "the tanh is missing"},
    "no_bias": {"test_matches_the_formula_in_float32": "the bias is missing"},
    "uses_rnn_kernel": {"test_does_not_use_torch_builtin_rnn": "torch.rnn_tanh_cell is not allowed"},
}

UNNAMED: set[str] = set()
"""Mistake cases no failing check names as data (the `mistake` field): tests/test_named_mistakes.py counts the rest."""


@pytest.mark.parametrize("case, expected", MISTAKES.items(), ids=list(MISTAKES))
def test_mistakes_lose_points_with_a_message_that_names_them(grade_case, case, expected):
    result = grade_case("rnn_step_fused", case)
    assert_mistake_caught(result, expected, named=case not in UNNAMED)
    if case in ("two_matmuls", "via_rnn_step"):
        assert result.max_score - result.score == 1.5, "only the fusion check should fail"
