"""The next_token_batches grader against correct variants and realistic layout mistakes."""

import pytest

from tests.helpers import assert_full_marks, assert_mistake_caught, failures

CONTINUES = "test_row_b_of_each_batch_continues_row_b_of_the_previous_batch"


@pytest.mark.parametrize("case", ["reference", "split_columns", "row_offsets"])
def test_correct_variants_earn_full_marks(grade_case, case):
    assert_full_marks(grade_case("next_token_batches", case))


MISTAKES = {
    "consecutive_chunks": {
        CONTINUES: "rows of consecutive batches do not continue each other",
        "test_matches_the_contract_layout_for_several_sizes": "you cut the stream into consecutive chunks batch by batch",
    },
    "partial_last_batch": {"test_makes_only_full_batches_with_a_target_for_every_input": "keeps a partial last batch"},
    "no_target_room": {"test_makes_only_full_batches_with_a_target_for_every_input": "forgets that the last input needs a target"},
    "not_shifted": {"test_targets_are_the_inputs_shifted_by_one": "the targets are the inputs, not shifted"},
    "time_major": {"test_returns_a_list_of_int64_pairs_of_shape_batch_size_by_seq_len": "(seq_len, batch_size), time-major"},
    "empty_when_short": {"test_raises_value_error_when_not_even_one_batch_fits": "should raise ValueError, but it returned []"},
    "always_empty": {"test_targets_are_the_inputs_shifted_by_one": "return 3 batches (full windows only, one id kept for the last target), but it returned 0"},
    "generator": {"test_returns_a_list_of_int64_pairs_of_shape_batch_size_by_seq_len": "but it returned a generator"},
    "shifts_ids_in_place": {"test_leaves_ids_unchanged": "modified its input ids in place"},
}

UNNAMED = {"always_empty"}
"""Mistake cases no failing check names as data (the `mistake` field): tests/test_named_mistakes.py counts the rest."""


@pytest.mark.parametrize("case, expected", MISTAKES.items(), ids=list(MISTAKES))
def test_mistakes_lose_points_with_a_message_that_names_them(grade_case, case, expected):
    assert_mistake_caught(grade_case("next_token_batches", case), expected, named=case not in UNNAMED)


def test_the_stub_scores_zero_with_a_clear_message(grade_case):
    result = grade_case("next_token_batches", "stub")
    assert result.score == 0
    assert all("not implemented yet" in message for message in failures(result).values()), failures(result)
