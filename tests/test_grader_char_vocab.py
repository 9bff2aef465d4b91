"""The char_vocab grader against correct variants and realistic mistakes."""

import pytest

from tests.helpers import assert_full_marks, assert_mistake_caught, failures


@pytest.mark.parametrize("case", ["reference", "zip_and_map", "preallocated"])
def test_correct_variants_earn_full_marks(grade_case, case):
    assert_full_marks(grade_case("char_vocab", case))


MISTAKES = {
    "unsorted": {
        "test_itos_is_the_sorted_list_of_distinct_characters": "the vocabulary is not sorted",
        "test_handles_non_ascii_text": "the vocabulary is not sorted",
    },
    "first_appearance": {"test_itos_is_the_sorted_list_of_distinct_characters": "the vocabulary is not sorted"},
    "swapped_return": {"test_itos_is_the_sorted_list_of_distinct_characters": "build_vocab returns (itos, stoi)"},
    "one_based": {"test_stoi_maps_each_character_to_its_index_in_itos": "the ids start at 1"},
    "inverted_stoi": {"test_stoi_maps_each_character_to_its_index_in_itos": "stoi maps ids to characters"},
    "float_ids": {"test_encode_returns_an_int64_tensor_of_shape_len_text": "the ids are floats"},
    "no_dtype": {"test_encode_returns_an_int64_tensor_of_shape_len_text": "encode('', stoi) should have dtype torch.int64"},
    "encode_returns_list": {"test_encode_returns_an_int64_tensor_of_shape_len_text": "encode returns a list of ints"},
    "get_default": {"test_encode_raises_key_error_for_a_character_missing_from_stoi": "stoi.get(ch, default)"},
    "decode_tensor_only": {"test_decode_accepts_a_list_of_ints_or_a_1d_tensor": "should accept ids as a list of ints"},
    "decode_returns_chars": {"test_decode_accepts_a_list_of_ints_or_a_1d_tensor": "decode returns a list of characters"},
    "ascii_only": {"test_handles_non_ascii_text": "missing ['é', 'ö', '✓', '日', '本']"},
}

UNNAMED: set[str] = set()
"""Mistake cases no failing check names as data (the `mistake` field): tests/test_named_mistakes.py counts the rest."""


@pytest.mark.parametrize("case, expected", MISTAKES.items(), ids=list(MISTAKES))
def test_mistakes_lose_points_with_a_message_that_names_them(grade_case, case, expected):
    assert_mistake_caught(grade_case("char_vocab", case), expected, named=case not in UNNAMED)


def test_the_stub_scores_zero_with_a_clear_message(grade_case):
    result = grade_case("char_vocab", "stub")
    assert result.score == 0
    assert all("not implemented yet" in message for message in failures(result).values()), failures(result)
