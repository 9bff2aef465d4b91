"""The cross_entropy grader against correct variants, realistic mistakes and forbidden shortcuts."""

import pytest

from tests.helpers import assert_full_marks, assert_mistake_caught, failures


@pytest.mark.parametrize("case", ["reference", "max_shift_and_arange", "one_hot", "per_position_loop"])
def test_correct_variants_earn_full_marks(grade_case, case):
    assert_full_marks(grade_case("cross_entropy", case))


MISTAKES = {
    "sums": {"test_matches_the_reference_for_n_by_v_logits_in_float32": "the losses are summed, not averaged"},
    "no_mean": {"test_returns_a_0_dim_tensor": "one loss per position is returned, not their mean"},
    "one_hot_mean": {
        "test_matches_torch_for_b_t_v_logits_with_batch_sizes_1_and_3": "averaged over the vocabulary too",
    },
    "indexes_all_targets": {
        "test_matches_the_reference_for_n_by_v_logits_in_float32": "logits[:, targets] picks every target's logit",
    },
    "uses_prediction": {
        "test_matches_the_reference_for_n_by_v_logits_in_float32": "the most likely class (the argmax of the logits)",
    },
    "sign_flipped": {"test_keeps_float64_logits_in_float64": "the sign is flipped"},
    "log_of_softmax": {"test_is_finite_and_correct_for_logits_of_plus_or_minus_1e4": "log(softmax(logits)) is not stable"},
    "no_max_shift": {"test_is_finite_and_correct_for_logits_of_plus_or_minus_1e4": "forgot to subtract the max"},
    "shifts_in_place": {"test_leaves_its_inputs_unchanged": "modified its input logits in place"},
    "forces_float32": {"test_keeps_float64_logits_in_float64": "should have dtype torch.float64"},
    "detaches": {"test_gradients_reach_the_logits": "no gradient reached logits"},
    "uses_f_cross_entropy": {
        "test_does_not_use_torch_cross_entropy_nll_or_log_softmax": "torch.nn.functional.cross_entropy is not allowed",
        "test_matches_the_reference_for_n_by_v_logits_in_float32": "torch.nn.functional.cross_entropy is not allowed",
    },
    "uses_log_softmax_method": {
        "test_does_not_use_torch_cross_entropy_nll_or_log_softmax": "log_softmax is not allowed here, but line 5",
        "test_is_finite_and_correct_for_logits_of_plus_or_minus_1e4": "log_softmax is not allowed",
    },
    "hidden_log_softmax": {"test_does_not_use_torch_cross_entropy_nll_or_log_softmax": "names are written, not built"},
    "hidden_c_loss": {"test_does_not_use_torch_cross_entropy_nll_or_log_softmax": "names are written, not built"},
    "softmax_before_loss": {"test_matches_the_reference_for_n_by_v_logits_in_float32": "the loss then applies it again"},
    "flattens_with_view": {
        "test_accepts_b_t_v_logits_and_targets_that_are_not_contiguous_in_memory": ".view() is used on a tensor that need not be contiguous",
    },
}

UNNAMED = {"hidden_log_softmax", "hidden_c_loss"}
"""Mistake cases no failing check names as data (the `mistake` field): tests/test_named_mistakes.py counts the rest."""


@pytest.mark.parametrize("case, expected", MISTAKES.items(), ids=list(MISTAKES))
def test_mistakes_lose_points_with_a_message_that_names_them(grade_case, case, expected):
    assert_mistake_caught(grade_case("cross_entropy", case), expected, named=case not in UNNAMED)


def test_the_stub_scores_zero_with_a_clear_message(grade_case):
    result = grade_case("cross_entropy", "stub")
    assert result.score == 0
    assert all("not implemented yet" in message for message in failures(result).values()), failures(result)
