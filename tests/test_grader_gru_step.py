"""The gru_step grader against correct variants, realistic mistakes and the stub."""

import pytest

from tests.helpers import assert_full_marks, assert_mistake_caught, failures

RESET_PROBE = "test_reset_gate_scales_the_hidden_part_after_its_matmul"
FORBIDDEN = "test_does_not_use_torch_builtin_gru"


@pytest.mark.parametrize("case", ["reference", "per_gate_linear", "fused_gates"])
def test_correct_variants_earn_full_marks(grade_case, case):
    assert_full_marks(grade_case("gru_step", case))


MISTAKES = {
    "truncates_history": {"test_gradients_flow_back_through_four_chained_calls_to_the_first_hidden_state": "the gradient stops between calls"},
    "order_zrn": {
        "test_reads_the_gate_blocks_in_torch_order_r_z_n": "your GRU uses gate order z, r, n (Keras's); torch's is r, z, n",
        "test_matches_the_formula_in_float32": "your GRU uses gate order z, r, n",
    },
    "z_swapped": {"test_update_gate_near_one_keeps_the_previous_state": "z and 1 - z are swapped"},
    "reset_before_matmul": {RESET_PROBE: "the reset gate is applied before the hidden matmul (the d2l/Keras formula)"},
    "b_hn_outside_reset": {RESET_PROBE: "b_hn is added outside the reset gate"},
    "reset_unused": {RESET_PROBE: "the reset gate is not used"},
    "detaches": {"test_gradients_reach_every_input": "no gradient reached h_prev, W_hh, b_hh"},
    "modifies_input": {"test_leaves_its_inputs_unchanged": "modified its input h_prev in place"},
    "forces_float32": {"test_keeps_float64_inputs_in_float64": "should have dtype torch.float64"},
    "uses_grucell": {FORBIDDEN: "torch.nn.GRUCell is not allowed", "test_matches_the_formula_in_float32": "is not allowed"},
    "hidden_forbidden_call": {FORBIDDEN: "names are written, not built"},
}

UNNAMED = {"hidden_forbidden_call"}
"""Mistake cases no failing check names as data (the `mistake` field): tests/test_named_mistakes.py counts the rest."""


@pytest.mark.parametrize("case, expected", MISTAKES.items(), ids=list(MISTAKES))
def test_mistakes_lose_points_with_a_message_that_names_them(grade_case, case, expected):
    assert_mistake_caught(grade_case("gru_step", case), expected, named=case not in UNNAMED)


def test_the_stub_scores_zero_with_a_clear_message(grade_case):
    result = grade_case("gru_step", "stub")
    assert result.score == 0
    assert all("not implemented yet" in message for message in failures(result).values()), failures(result)
