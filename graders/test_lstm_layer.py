"""Grader for lstm_layer: an nn.Module with nn.LSTMCell's parameters that runs a batch-first LSTM.

Checks the parameters' names, shapes and initialisation, then the layer's output and final
state against the reference and torch.nn.LSTM(batch_first=True) loaded with the same weights:
from zeros and from a given state, in float32 and float64, run whole or in two halves, with
an input that is not contiguous in memory, with gradients reaching the input, the initial
state and every parameter.
"""

import math

import pytest
import torch

from autograde.grading.checks import (
    call_on_noncontiguous, expect_close, expect_gradients_reach, expect_no_forbidden_api, expect_pair, expect_shape, expect_unchanged, fail,
    with_grad,
)
from autograde.grading.mistakes import Mistake
from graders.module_cases import (
    build, detached_state, expect_parameter_gradients, expect_sequence_result, fail_initialisation, in_two_halves,
    parameters_of, picking, random_state, summarise,
)
from reference.lstm_layer import LSTMLayer
from reference.lstm_step import lstm_step


# Non-square on purpose: with input_size == hidden_size a transposed weight goes unnoticed.
INPUT, HIDDEN = 5, 4
NAMES = ("output", "h_n", "c_n")
INPUT_NAMES = ("x", "h0", "c0")


def layer_shapes(input_size: int, hidden_size: int) -> dict[str, tuple]:
    """nn.LSTMCell's parameters: four gate blocks (i, f, g, o) stacked along the first axis."""
    gates = 4 * hidden_size
    return {
        "weight_ih": (gates, input_size), "weight_hh": (gates, hidden_size),
        "bias_ih": (gates,), "bias_hh": (gates,),
    }


def lstm_weights(input_size=INPUT, hidden_size=HIDDEN, seed=0, dtype=torch.float32) -> dict:
    """Random weights in nn.LSTMCell's layout, the gate biases pushed apart so a gate-order
    mistake changes the result well beyond the tolerance."""
    weights = random_state(layer_shapes(input_size, hidden_size), seed, dtype)
    offsets = torch.tensor([0.5, 1.5, 0.0, -1.0], dtype=dtype).repeat_interleave(hidden_size)
    weights["bias_ih"] = weights["bias_ih"] + offsets
    return weights


def sequence(batch, steps, input_size=INPUT, seed=0, dtype=torch.float32) -> torch.Tensor:
    return torch.randn(batch, steps, input_size, generator=torch.Generator().manual_seed(seed), dtype=dtype)


def initial_state(batch, hidden_size=HIDDEN, seed=0, dtype=torch.float32) -> tuple:
    g = torch.Generator().manual_seed(seed)
    return tuple(torch.randn(batch, hidden_size, generator=g, dtype=dtype) * 0.5 for _ in range(2))


def describe(x: torch.Tensor, hidden_size: int, state) -> str:
    batch, steps, input_size = x.shape
    start = "state=None" if state is None else "a given state"
    return (
        f"batch {batch}, seq_len {steps}, input_size {input_size}, hidden_size {hidden_size}, "
        f"{str(x.dtype).removeprefix('torch.')}, {start}"
    )


def cell_args(weights: dict) -> tuple:
    return weights["weight_ih"], weights["weight_hh"], weights["bias_ih"], weights["bias_hh"]


def reference(weights: dict, x: torch.Tensor, state=None):
    """The reference layer loaded with ``weights``: (output, (h_n, c_n))."""
    hidden_size, input_size = weights["weight_hh"].shape[1], weights["weight_ih"].shape[1]
    layer = LSTMLayer(input_size, hidden_size).to(x.dtype)
    layer.load_state_dict(weights)
    return layer(x, state)


def torch_lstm(weights: dict, x: torch.Tensor, state=None):
    """torch.nn.LSTM(batch_first=True) run with ``weights`` as its parameters: an oracle
    independent of our reference. Its state has a leading layer axis, which the layer's has not."""
    hidden_size, input_size = weights["weight_hh"].shape[1], weights["weight_ih"].shape[1]
    lstm = torch.nn.LSTM(input_size, hidden_size, batch_first=True, dtype=x.dtype)
    hx = None if state is None else (state[0][None], state[1][None])
    # functional_call uses the tensors themselves, so gradients reach them (load_state_dict would copy).
    output, (h_n, c_n) = torch.func.functional_call(lstm, {f"{name}_l0": w for name, w in weights.items()}, (x, hx))
    return output, (h_n[0], c_n[0])


def zero_state(x: torch.Tensor, weights: dict) -> tuple:
    zeros = x.new_zeros(x.shape[0], weights["weight_hh"].shape[1])
    return zeros, zeros


def _state_reset_every_step(weights, x, state=None):
    start = state if state is not None else zero_state(x, weights)
    hs, cs = zip(*(lstm_step(x[:, t], start, *cell_args(weights)) for t in range(x.shape[1])))
    return torch.stack(hs, dim=1), (hs[-1], cs[-1])


def _time_major_output(weights, x, state=None):
    output, final = reference(weights, x, state)
    return output.transpose(0, 1), final


def _gates_ifog(weights, x, state=None):
    """Reading the blocks as i, f, o, g is the right formula with the g and o blocks swapped."""
    hidden_size = weights["weight_hh"].shape[1]
    order = torch.tensor([0, 1, 3, 2])
    swapped = {name: w.unflatten(0, (4, hidden_size))[order].flatten(0, 1) for name, w in weights.items()}
    return reference(swapped, x, state)


LAYER_MISTAKES = [
    Mistake(
        "the state is reset at every step",
        "Feed the (h_t, c_t) that one step returns into the next step; start from the initial state only once.",
        _state_reset_every_step,
    ),
    Mistake(
        "the output is (seq_len, batch, hidden): time and batch are swapped",
        "Stack the h_t along dim=1 (torch.stack(outputs, dim=1)): the layer is batch-first, (B, T, H).",
        _time_major_output,
    ),
    Mistake(
        "the initial state is ignored",
        "Start from the given (h0, c0) when state is not None; zeros only when it is None.",
        lambda weights, x, state=None: reference(weights, x),
    ),
    Mistake(
        "h0 and c0 are swapped",
        "state is (h0, c0): the hidden state first, then the cell state.",
        lambda weights, x, state=None: reference(weights, x, None if state is None else state[::-1]),
    ),
    Mistake(
        "the gates are taken in the order i, f, o, g",
        "torch (and lstm_step) order the four blocks i, f, g, o: g is the third, with tanh.",
        _gates_ifog,
    ),
]

LAYOUT_MISTAKES = [
    Mistake(
        "the weights are stored transposed",
        "nn.LSTMCell stores weight_ih as (4*hidden, input) and weight_hh as (4*hidden, hidden), used as x @ weight_ih.T.",
        lambda input_size, hidden_size: {
            "weight_ih": (input_size, 4 * hidden_size), "weight_hh": (hidden_size, 4 * hidden_size),
            "bias_ih": (4 * hidden_size,), "bias_hh": (4 * hidden_size,),
        },
    ),
    Mistake(
        "there is a single bias instead of bias_ih and bias_hh",
        "Register both biases, as nn.LSTMCell does, even though only their sum matters.",
        lambda input_size, hidden_size: {
            "weight_ih": (4 * hidden_size, input_size), "weight_hh": (4 * hidden_size, hidden_size),
            "bias": (4 * hidden_size,),
        },
    ),
]


def expect_parameters(params: dict, shapes: dict[str, tuple], what: str, **diagnosis) -> None:
    """The module registers exactly these parameters; ``diagnosis`` (mistakes=, args=) names a
    catalogued mistake whose {name: shape} layout is the one found."""
    found = {name: tuple(value.shape) for name, value in params.items()}
    if found != shapes:
        wanted = ", ".join(f"{name} {shape}" for name, shape in shapes.items())
        got = ", ".join(f"{name} {shape}" for name, shape in found.items()) or "no parameters at all"
        fail(
            f"{what} should register the parameters {wanted} (as nn.Parameter attributes), "
            f"but it has {got}.",
            actual=found, expected=shapes, **diagnosis,
        )


def _uniform(shape, bound, generator):
    return (torch.rand(shape, generator=generator, dtype=torch.float64) * 2 - 1) * bound


INIT_MISTAKES = [
    Mistake(
        "the bound is 1/sqrt(input_size) instead of 1/sqrt(hidden_size)",
        "nn.LSTMCell uses the hidden size for every parameter: bound = 1 / math.sqrt(hidden_size).",
        lambda input_size, hidden_size, shape, generator: _uniform(shape, 1 / math.sqrt(input_size), generator),
    ),
    Mistake(
        "the bound is 1/hidden_size instead of 1/sqrt(hidden_size)",
        "Take the square root: bound = 1 / math.sqrt(hidden_size).",
        lambda input_size, hidden_size, shape, generator: _uniform(shape, 1 / hidden_size, generator),
    ),
    Mistake(
        "the values are drawn from [0, bound) instead of [-bound, bound]",
        "Draw from the whole interval [-bound, bound]: nn.init.uniform_ takes both ends, or shift and scale torch.rand.",
        lambda input_size, hidden_size, shape, generator: _uniform(shape, 1 / math.sqrt(hidden_size), generator).abs(),
    ),
    Mistake(
        "the parameter is drawn from N(0, 1) (torch.randn)",
        "Draw it uniformly in [-bound, bound], with bound = 1 / sqrt(hidden_size) (nn.init.uniform_ does it in place).",
        lambda input_size, hidden_size, shape, generator: torch.randn(shape, generator=generator, dtype=torch.float64),
    ),
    Mistake(
        "the parameter is left at zero",
        "Initialise every parameter, the biases included, uniformly in [-bound, bound].",
        lambda input_size, hidden_size, shape, generator: torch.zeros(shape, dtype=torch.float64),
    ),
]


def _detached_between_steps(weights, x, state=None):
    state = state if state is not None else zero_state(x, weights)
    outputs = []
    for t in range(x.shape[1]):
        h, c = lstm_step(x[:, t], state, *cell_args(weights))
        outputs.append(h)
        state = (h.detach(), c.detach())
    return torch.stack(outputs, dim=1), state


def gradients(forward, weights: dict, x: torch.Tensor, state: tuple, cotangents: list) -> dict:
    """{name: gradient} of sum(result * cotangent) for x, h0, c0 and every weight, computed locally."""
    leaves = dict(zip(INPUT_NAMES, with_grad([x, *state])), **dict(zip(weights, with_grad(list(weights.values())))))
    with torch.enable_grad():  # mistakes are run under no_grad
        output, (h_n, c_n) = forward({name: leaves[name] for name in weights}, leaves["x"], (leaves["h0"], leaves["c0"]))
        sum((o * c).sum() for o, c in zip((output, h_n, c_n), cotangents)).backward()
    return {name: leaf.grad for name, leaf in leaves.items()}


GRADIENT_MISTAKES = [
    Mistake(
        "the state is detached between steps",
        "Detaching belongs in a training loop between batches (truncated backpropagation), not inside the layer.",
        lambda weights, x, state, cotangents: gradients(_detached_between_steps, weights, x, state, cotangents),
    ),
]


@pytest.mark.points(1, hint="Register weight_ih (4H, I), weight_hh (4H, H), bias_ih (4H,) and bias_hh (4H,) as nn.Parameter attributes.", title="parameters are named and shaped like torch.nn.LSTMCell's")
def test_parameters_are_named_and_shaped_like_lstmcell(student):
    layer = student.LSTMLayer(INPUT, HIDDEN)
    shapes = layer_shapes(INPUT, HIDDEN)
    what = f"LSTMLayer({INPUT}, {HIDDEN})"
    expect_parameters(parameters_of(student, layer), shapes, what, mistakes=LAYOUT_MISTAKES, args=(INPUT, HIDDEN))
    cell = torch.nn.LSTMCell(INPUT, HIDDEN)
    cell.load_state_dict(lstm_weights(seed=1))
    loaded = parameters_of(student, build(student, "LSTMLayer", INPUT, HIDDEN, state=cell.state_dict()))
    for name, value in cell.state_dict().items():
        expect_close(loaded[name], value, f"{name} after load_state_dict(nn.LSTMCell({INPUT}, {HIDDEN}).state_dict())")


@pytest.mark.points(1, hint="Initialise like nn.LSTMCell: every parameter uniform in [-1/sqrt(H), 1/sqrt(H)].",
    code_hint="nn.init.uniform_ fills a parameter in place between the two bounds you give it.")
def test_parameters_start_uniform_within_one_over_sqrt_hidden_size(student):
    input_size, hidden_size = 16, 256  # the bounds 1/sqrt(16), 1/sqrt(256) and 1/256 are far apart
    bound = 1 / math.sqrt(hidden_size)
    params = parameters_of(student, student.LSTMLayer(input_size, hidden_size))
    missing = [name for name in layer_shapes(input_size, hidden_size) if name not in params]
    if missing:
        fail(
            f"LSTMLayer({input_size}, {hidden_size}) has no parameter named {', '.join(missing)}: "
            "register each as an nn.Parameter attribute."
        )
    for name, values in params.items():
        values = values.double()
        inside = values.abs().max() <= bound * (1 + 1e-6)
        spread = values.min() < -0.9 * bound and values.max() > 0.9 * bound
        centred = values.mean().abs() < 0.15 * bound
        flat = abs(values.std() - bound / math.sqrt(3)) < 0.1 * bound / math.sqrt(3)
        if not (inside and spread and centred and flat):
            fail_initialisation(
                f"{name} of LSTMLayer({input_size}, {hidden_size}) should be uniform in [-{bound:g}, {bound:g}] "
                f"(±1/sqrt(hidden_size)), but it has {summarise(values)}.",
                values, INIT_MISTAKES, (input_size, hidden_size, tuple(values.shape)),
            )


@pytest.mark.points(0.5, hint="Run one LSTM step per time step, each from the state the step before returned; the output holds every step's h.",
    code_hint="Loop over t with lstm_step on x[:, t], collect each h_t, and stack them along dim=1.")
def test_matches_the_reference_from_a_zero_state_in_float32(student):
    weights = lstm_weights(seed=2)
    layer = build(student, "LSTMLayer", INPUT, HIDDEN, state=weights)
    for batch, steps in ((1, 4), (3, 6)):
        x = sequence(batch, steps, seed=10 + batch)
        expect_sequence_result(
            layer(x), reference(weights, x), NAMES, "LSTMLayer(...)",
            context=describe(x, HIDDEN, None), mistakes=LAYER_MISTAKES, args=(weights, x),
        )


@pytest.mark.points(0.5, hint="x may be a transposed or sliced view (not contiguous in memory), as a time-major batch turned batch-first is: if you merge its batch and time axes, use an operation that accepts any layout.",
    code_hint=".view() needs memory it can reinterpret without a copy; .reshape() and .flatten() accept any layout.",
    title="accepts an input sequence that is not contiguous in memory")
def test_accepts_an_input_sequence_that_is_not_contiguous_in_memory(student):
    weights = lstm_weights(seed=6)
    layer = build(student, "LSTMLayer", INPUT, HIDDEN, state=weights)
    x = sequence(3, 6, seed=7)  # stored as x.transpose(1, 2) leaves it
    expect_sequence_result(
        call_on_noncontiguous(student, layer, x, what="LSTMLayer(...)"), reference(weights, x), NAMES, "LSTMLayer(...)",
        context=describe(x, HIDDEN, None) + ", x not contiguous in memory", mistakes=LAYER_MISTAKES, args=(weights, x),
    )


@pytest.mark.points(1, hint="Start from the given (h0, c0), or from zeros in x's dtype and device when state is None.",
    code_hint="x.new_zeros(...) makes zeros of x's dtype and device.")
def test_matches_torch_lstm_in_float64_from_zeros_and_from_a_given_state(student):
    input_size, hidden_size = 3, 7
    weights = lstm_weights(input_size, hidden_size, seed=3, dtype=torch.float64)
    layer = build(student, "LSTMLayer", input_size, hidden_size, state=weights, dtype=torch.float64)
    x = sequence(2, 5, input_size, seed=4, dtype=torch.float64)
    for state in (None, initial_state(2, hidden_size, seed=5, dtype=torch.float64)):
        with torch.no_grad():
            expected = torch_lstm(weights, x, state)
        expect_sequence_result(
            layer(x, state), expected, NAMES, "LSTMLayer(...)",
            context=describe(x, hidden_size, state), mistakes=LAYER_MISTAKES, args=(weights, x, state),
        )


@pytest.mark.points(1, hint="The state a call returns must continue the sequence: pass it as state to the next call.")
def test_two_halves_passing_the_state_on_match_one_torch_lstm_run(student):
    weights = lstm_weights(seed=6)
    layer = build(student, "LSTMLayer", INPUT, HIDDEN, state=weights)
    x, split = sequence(3, 7, seed=7), 3
    halves = [Mistake(m.name, m.fix, in_two_halves(m.compute, split)) for m in LAYER_MISTAKES]
    first_output, middle = expect_pair(layer(x[:, :split]), "LSTMLayer(...)")
    expect_shape(
        first_output, (3, split, HIDDEN), "the output of the first half",
        mistakes=picking(LAYER_MISTAKES, lambda r: r[0]), args=(weights, x[:, :split]),
    )
    middle = detached_state(middle, NAMES[1:], "LSTMLayer(...)")
    second_output, final = expect_pair(layer(x[:, split:], middle), "LSTMLayer(...)")
    expect_shape(second_output, (3, 7 - split, HIDDEN), "the output of the second half")
    with torch.no_grad():
        expected = torch_lstm(weights, x)
    expect_sequence_result(
        (torch.cat([first_output, second_output], dim=1), final), expected, NAMES, "LSTMLayer(...)",
        context=f"steps 0-{split - 1} then {split}-6, passing the state on; " + describe(x, HIDDEN, None),
        mistakes=halves, args=(weights, x),
    )


def gradient_case(seed: int, dtype=torch.float32):
    """(weights, x, (h0, c0), cotangents for output, h_n and c_n)."""
    weights = lstm_weights(seed=seed, dtype=dtype)
    x, state = sequence(2, 4, seed=seed + 1, dtype=dtype), initial_state(2, seed=seed + 2, dtype=dtype)
    g = torch.Generator().manual_seed(seed + 3)
    cotangents = [torch.randn(*shape, generator=g, dtype=dtype) for shape in ((2, 4, HIDDEN), (2, HIDDEN), (2, HIDDEN))]
    return weights, x, state, cotangents


@pytest.mark.points(0.5, hint="Keep every step in torch (no .detach(), .item() or torch.no_grad()) and use the parameters through self.")
def test_gradients_reach_the_input_the_state_and_every_parameter(student):
    weights, x, state, cotangents = gradient_case(seed=8)
    layer = build(student, "LSTMLayer", INPUT, HIDDEN, state=weights)
    x, h0, c0 = with_grad([x, *state])
    result = student.call((layer, "__call__"), x, (h0, c0), backward=cotangents)
    expect_gradients_reach(result.grads, INPUT_NAMES, "LSTMLayer")
    expect_gradients_reach([(result.param_grads or {}).get(name) for name in weights], list(weights), "LSTMLayer")


@pytest.mark.points(0.5, hint="If the values are right the gradients follow: check that nothing detaches the state inside the layer.")
def test_gradients_match_torch_lstm(student):
    weights, x, state, cotangents = gradient_case(seed=9, dtype=torch.float64)
    layer = build(student, "LSTMLayer", INPUT, HIDDEN, state=weights, dtype=torch.float64)
    result = student.call((layer, "__call__"), *with_grad([x]), tuple(with_grad(state)), backward=cotangents)
    expected = gradients(torch_lstm, weights, x, state, cotangents)
    expect_gradients_reach(result.grads, INPUT_NAMES, "LSTMLayer")
    for name, got in zip(INPUT_NAMES, result.grads):
        expect_close(
            got, expected[name], f"the gradient with respect to {name}",
            mistakes=picking(GRADIENT_MISTAKES, lambda grads, name=name: grads[name]), args=(weights, x, state, cotangents),
        )
    expect_parameter_gradients(result.param_grads, {name: expected[name] for name in weights}, "LSTMLayer")


@pytest.mark.points(0.5, hint="Do not write into x or the state you are given (no h0 += ..., no state[0][:] = ...): build new tensors.")
def test_leaves_its_inputs_unchanged(student):
    _, x, state, _ = gradient_case(seed=10)
    result = student.call((student.LSTMLayer(INPUT, HIDDEN), "__call__"), x, state, inputs_after=True)
    expect_unchanged([x, *state], result.inputs_after, INPUT_NAMES, "LSTMLayer.forward")


@pytest.mark.points(0.5, hint="Build the layer from lstm_step (or your own gate arithmetic); torch's LSTM modules and kernels are off limits.", title="does not use torch's built-in LSTM")
def test_does_not_use_torch_builtin_lstm(student, student_source, forbidden):
    def run():
        layer = student.LSTMLayer(INPUT, HIDDEN)
        layer(sequence(2, 3, seed=12))

    expect_no_forbidden_api(student_source, forbidden, run)
