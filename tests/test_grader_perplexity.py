"""The perplexity grader against correct variants and realistic mistakes."""

import pytest

from tests.helpers import assert_full_marks, assert_mistake_caught, failures


@pytest.mark.parametrize("case", ["reference", "via_cross_entropy_exercise", "log_softmax_gather", "loss_module"])
def test_correct_variants_earn_full_marks(grade_case, case):
    assert_full_marks(grade_case("perplexity", case))


MISTAKES = {
    "returns_tensor": {"test_returns_a_python_float": "the perplexity is returned as a tensor"},
    "exp_of_sum": {"test_is_exp_of_the_mean_nll_for_n_by_v_logits": "exp of the summed NLL"},
    "base_2": {"test_a_uniform_model_has_perplexity_v": "2 ** NLL: base 2"},
    "mean_probability": {
        "test_is_exp_of_the_mean_nll_for_n_by_v_logits": "the probabilities are averaged (1 / mean p(y))",
    },
    "exp_of_mean_probability": {
        "test_matches_torch_for_b_t_v_logits_with_batch_sizes_1_and_3": "exp of the mean probability",
    },
    "no_exp": {"test_a_uniform_model_has_perplexity_v": "the mean NLL is returned without exp"},
    "forces_float32": {"test_is_precise_for_float64_logits": "computed in float32"},
    "softmax_in_place": {"test_leaves_its_inputs_unchanged": "modified its input logits in place"},
    "softmax_before_cross_entropy": {"test_is_exp_of_the_mean_nll_for_n_by_v_logits": "which applies it again"},
}

UNNAMED: set[str] = set()
"""Mistake cases no failing check names as data (the `mistake` field): tests/test_named_mistakes.py counts the rest."""


@pytest.mark.parametrize("case, expected", MISTAKES.items(), ids=list(MISTAKES))
def test_mistakes_lose_points_with_a_message_that_names_them(grade_case, case, expected):
    assert_mistake_caught(grade_case("perplexity", case), expected, named=case not in UNNAMED)


def test_the_stub_scores_zero_with_a_clear_message(grade_case):
    result = grade_case("perplexity", "stub")
    assert result.score == 0
    assert all("not implemented yet" in message for message in failures(result).values()), failures(result)
