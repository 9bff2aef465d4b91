"""The embedding grader against correct variants, realistic mistakes and the stub."""

import pytest

from tests.helpers import assert_full_marks, assert_mistake_caught, failures


@pytest.mark.parametrize("case", ["reference", "index_select", "one_hot", "plain_indexing"])
def test_correct_variants_earn_full_marks(grade_case, case):
    assert_full_marks(grade_case("embedding", case))


MISTAKES = {
    "index_select_with_view": {
        "test_looks_up_ids_that_are_not_contiguous_in_memory": ".view() is used on a tensor that need not be contiguous",
    },
    "negative_ids_wrap": {"test_a_negative_id_raises_index_error": "negative ids wrap around silently"},
    "index_error_is_runtime_error": {
        "test_an_id_past_the_end_raises_index_error": "should raise IndexError, but: Embedding(...) raised RuntimeError",
        "test_a_negative_id_raises_index_error": "should raise IndexError, but: Embedding(...) raised RuntimeError",
    },
    "flattens_ids": {
        "test_output_shape_is_ids_shape_plus_embedding_dim_for_any_ids_shape": "the output keeps ids flattened",
        "test_rows_match_torch_embedding_in_float32": "the output keeps ids flattened",
    },
    "detached_lookup": {"test_gradients_reach_only_the_rows_used_and_add_up_for_repeats": "not connected"},
    "uniform_init": {"test_weight_is_a_parameter_drawn_from_a_standard_normal": "drawn from [0, 1) (torch.rand)"},
    "small_init": {"test_weight_is_a_parameter_drawn_from_a_standard_normal": "the weight is scaled down"},
    "includes_self": {
        "test_cosine_neighbors_rank_most_similar_first_without_the_row_itself": "the row itself is included",
    },
    "ascending": {
        "test_cosine_neighbors_rank_most_similar_first_without_the_row_itself": "the least similar rows come first",
    },
    "dot_product": {
        "test_cosine_neighbors_rank_by_cosine_not_dot_product": "the similarity is the dot product, not the cosine",
    },
    "columns_normalised": {
        "test_cosine_neighbors_rank_by_cosine_not_dot_product": "the columns are normalised (dim=0) instead of the rows",
    },
    "normalises_in_place": {"test_leaves_its_inputs_unchanged": "cosine_neighbors modified its input weight in place"},
    "uses_nn_embedding": {
        "test_does_not_use_torch_embedding": "torch.nn.Embedding is not allowed",
        "test_rows_match_torch_embedding_in_float32": "torch.nn.Embedding is not allowed",
    },
    "hidden_forbidden_call": {"test_does_not_use_torch_embedding": "names are written, not built"},
    "one_hot_int64_only": {"test_rows_match_torch_embedding_in_float32": "int32 ids are refused"},
    "empty_ids_crash": {"test_output_shape_is_ids_shape_plus_embedding_dim_for_any_ids_shape": "an empty tensor of ids raises"},
}

UNNAMED = {"hidden_forbidden_call"}
"""Mistake cases no failing check names as data (the `mistake` field): tests/test_named_mistakes.py counts the rest."""


@pytest.mark.parametrize("case, expected", MISTAKES.items(), ids=list(MISTAKES))
def test_mistakes_lose_points_with_a_message_that_names_them(grade_case, case, expected):
    assert_mistake_caught(grade_case("embedding", case), expected, named=case not in UNNAMED)


def test_the_stub_scores_zero_with_a_clear_message(grade_case):
    result = grade_case("embedding", "stub")
    assert result.score == 0
    assert all("not implemented yet" in message for message in failures(result).values()), failures(result)
