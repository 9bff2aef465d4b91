"""The train_lm grader against correct variants, realistic mistakes and the stub."""

import pytest

from tests.helpers import assert_full_marks, assert_mistake_caught, failures


@pytest.mark.parametrize("case", ["reference", "manual_pieces", "passes"])
def test_correct_variants_earn_full_marks(grade_case, case):
    assert_full_marks(grade_case("train_lm", case))


MISTAKES = {
    "no_zero_grad": {
        "test_gradients_do_not_accumulate_across_steps": "optimizer.zero_grad() is never called",
        "test_losses_match_the_reference_step_by_step": "optimizer.zero_grad() is never called",
    },
    "never_carried": {
        "test_carries_the_hidden_state_from_batch_to_batch": "the hidden state is never carried",
        "test_losses_match_the_reference_step_by_step": "the hidden state is never carried",
    },
    "never_detached": {
        "test_detaches_the_hidden_state_between_batches": "carried without .detach()",
        "test_reaches_the_reference_held_out_perplexity_on_the_built_in_corpus": "carried without .detach()",
    },
    "never_reset": {
        "test_resets_the_hidden_state_when_the_batches_wrap_around": "not reset when the batches wrap around",
        "test_losses_match_the_reference_step_by_step": "not reset when the batches wrap around",
    },
    "clip_after_step": {"test_clips_the_gradient_norm_before_the_optimizer_step": "clipped after optimizer.step()"},
    "one_step_short": {
        "test_returns_one_python_float_per_step": "one step too few",
        "test_gradients_do_not_accumulate_across_steps": "one step too few",
    },
    "losses_as_tensors": {"test_returns_one_python_float_per_step": "the losses are returned as tensors"},
    "default_lr": {
        "test_losses_match_the_reference_step_by_step": "Adam runs at its default learning rate",
        "test_one_step_leaves_the_parameters_of_one_adam_step": "Adam runs at its default learning rate",
    },
    "softmax_before_loss": {"test_losses_match_the_reference_step_by_step": "softmax is applied to the logits before the cross-entropy"},
}

UNNAMED: set[str] = set()
"""Mistake cases no failing check names as data (the `mistake` field): tests/test_named_mistakes.py counts the rest."""


@pytest.mark.parametrize("case, expected", MISTAKES.items(), ids=list(MISTAKES))
def test_mistakes_lose_points_with_a_message_that_names_them(grade_case, case, expected):
    assert_mistake_caught(grade_case("train_lm", case), expected, named=case not in UNNAMED)


def test_faking_the_instruments_earns_no_more_than_not_training(grade_case):
    """A submission that writes the recording model's forward_calls and optimizer_steps itself,
    replaces model.forward with a lookup table and returns falling losses, without training,
    scores no more than one that honestly returns [0.0] * steps: points come from the trained
    parameters and the losses, judged in the checker, never from what the runner records."""
    faked, idle = grade_case("train_lm", "fakes_instruments"), grade_case("train_lm", "returns_zeros")
    assert faked.score <= idle.score, (faked.score, idle.score, failures(faked))
    assert faked.score < faked.max_score / 10, failures(faked)


def test_the_stub_scores_zero_with_a_clear_message(grade_case):
    result = grade_case("train_lm", "stub")
    assert result.score == 0
    assert all("not implemented yet" in message for message in failures(result).values()), failures(result)


def test_grading_is_deterministic(grade_case):
    first, second = grade_case("train_lm", "default_lr"), grade_case("train_lm", "default_lr")
    assert [(t.name, t.score, t.message) for t in first.tests] == [(t.name, t.score, t.message) for t in second.tests]
