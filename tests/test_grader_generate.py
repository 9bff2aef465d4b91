"""The generate grader against correct variants, realistic mistakes and the stub."""

import pytest

from tests.helpers import assert_full_marks, assert_mistake_caught, failures


@pytest.mark.parametrize("case", ["reference", "gumbel_max", "inverse_cdf"])
def test_correct_variants_earn_full_marks(grade_case, case):
    assert_full_marks(grade_case("generate", case))


TEMPERATURE = "test_temperature_divides_the_logits"
MISTAKES = {
    "temperature_ignored": {TEMPERATURE: "the temperature has no effect"},
    "temperature_multiplied": {TEMPERATURE: "multiplied by the temperature instead of divided"},
    "temperature_on_probabilities": {TEMPERATURE: "it divides the probabilities"},
    "top_k_smallest": {"test_top_k_samples_only_among_the_k_largest_logits": "keeps the k smallest logits"},
    "generator_ignored": {"test_the_same_seeded_generator_gives_the_same_ids": "the generator is not passed to torch.multinomial"},
    "prefix_reread": {
        "test_feeds_the_prompt_once_then_each_new_id_with_the_carried_state": "the whole prefix is re-read at every step",
    },
    "left_in_eval": {"test_restores_the_model_train_eval_mode": "is in eval mode after it"},
    "prompt_missing": {"test_returns_the_prompt_followed_by_length_new_ids": "the prompt is missing from the output"},
    "builds_graph": {"test_builds_no_autograd_graph": "ran with autograd recording"},
    "no_greedy": {"test_temperature_zero_is_greedy": "instead of dividing by zero"},
    "double_softmax": {
        "test_samples_follow_the_softmax_of_the_logits": "softmax is taken twice",
        TEMPERATURE: "softmax is taken twice",
        "test_top_k_samples_only_among_the_k_largest_logits": "not among the 3 largest logits",
    },
}

UNNAMED: set[str] = set()
"""Mistake cases no failing check names as data (the `mistake` field): tests/test_named_mistakes.py counts the rest."""


@pytest.mark.parametrize("case, expected", MISTAKES.items(), ids=list(MISTAKES))
def test_mistakes_lose_points_with_a_message_that_names_them(grade_case, case, expected):
    result = grade_case("generate", case)
    assert_mistake_caught(result, expected, named=case not in UNNAMED)
    assert set(failures(result)) == set(expected), f"other checks failed too: {failures(result)}"


def test_the_stub_scores_zero_with_a_clear_message(grade_case):
    result = grade_case("generate", "stub")
    assert result.score == 0
    assert all("not implemented yet" in message for message in failures(result).values()), failures(result)


def test_grading_is_deterministic(grade_case):
    runs = [grade_case("generate", "temperature_multiplied"), grade_case("generate", "temperature_multiplied")]
    assert [(t.name, t.status, t.message) for t in runs[0].tests] == [(t.name, t.status, t.message) for t in runs[1].tests]
