"""The clip_grad_norm grader against correct variants, realistic mistakes and the stub."""

import pytest

from tests.helpers import assert_full_marks, assert_mistake_caught, failures

SCALES = "test_scales_every_gradient_by_one_factor_when_the_total_exceeds_max_norm"
TOTAL = "test_returns_the_norm_of_all_gradients_together_as_a_0_dim_tensor"
FORBIDDEN = "test_does_not_use_torch_gradient_clipping"


@pytest.mark.parametrize("case", ["reference", "cat_flatten", "torch_like", "python_loop", "names_itself"])
def test_correct_variants_earn_full_marks(grade_case, case):
    assert_full_marks(grade_case("clip_grad_norm", case))


MISTAKES = {
    "replaces_grads": {"test_scales_the_gradients_in_place": "replaced p.grad with new tensors"},
    "per_tensor_clipping": {SCALES: "each gradient is clipped by its own norm (per-tensor clipping)"},
    "norm_after_clipping": {"test_returns_the_norm_measured_before_clipping": "the total is measured after clipping"},
    "sum_of_norms": {TOTAL: "the per-tensor norms are added up"},
    "no_sqrt": {TOTAL: "the square root is missing"},
    "returns_float": {TOTAL: "should be a torch.Tensor, but it is a float object"},
    "always_scales": {
        "test_leaves_gradients_untouched_when_the_total_is_within_max_norm": "scaled even when the total norm is within max_norm",
    },
    "scales_copies": {SCALES: "they were scaled on copies, not in place"},
    "no_epsilon": {SCALES: "float64, a total norm of about 5e-3 and max_norm 5e-4"},
    "crashes_on_none": {"test_skips_parameters_whose_grad_is_none": "raised TypeError"},
    "iterates_twice": {
        "test_accepts_a_generator_that_can_be_iterated_only_once": "the parameters are iterated twice, and a generator is empty",
    },
    "fails_without_gradients": {"test_returns_zero_when_no_parameter_has_a_gradient": "stack expects a non-empty TensorList"},
    "forces_float32": {
        "test_matches_torch_clip_grad_norm_on_random_models_in_float32_and_float64": "should have dtype torch.float64",
    },
    "scales_parameters": {"test_leaves_parameter_values_unchanged": "changed the values of parameter 0, 1, 2"},
    "uses_clip_grad_norm_": {FORBIDDEN: "torch.nn.utils.clip_grad_norm_ is not allowed", TOTAL: "is not allowed"},
    "uses_deprecated_alias": {FORBIDDEN: "forbidden API", TOTAL: "torch.nn.utils.clip_grad_norm_ is not allowed"},
    "hidden_forbidden_call": {FORBIDDEN: "names are written, not built"},
}

UNNAMED = {"hidden_forbidden_call"}
"""Mistake cases no failing check names as data (the `mistake` field): tests/test_named_mistakes.py counts the rest."""


@pytest.mark.parametrize("case, expected", MISTAKES.items(), ids=list(MISTAKES))
def test_mistakes_lose_points_with_a_message_that_names_them(grade_case, case, expected):
    assert_mistake_caught(grade_case("clip_grad_norm", case), expected, named=case not in UNNAMED)


def test_a_mistake_that_gets_these_inputs_right_is_not_named(grade_case):
    """Without the 1e-6 the clipped gradients are off by 1e-6 relative: that is named, and not as a mistake
    it only resembles at the catalogue's tolerance ('scaled even when within max_norm')."""
    result = grade_case("clip_grad_norm", "no_epsilon")
    assert {t.mistake_name for t in result.tests if t.mistake} == {"the 1e-6 is missing from the scale factor"}, failures(result)


def test_the_stub_scores_zero_with_a_clear_message(grade_case):
    result = grade_case("clip_grad_norm", "stub")
    assert result.score == 0
    assert all("not implemented yet" in message for message in failures(result).values()), failures(result)
