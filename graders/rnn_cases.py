"""Inputs, the torch oracle and the catalogue of mistakes shared by the three RNN graders."""

from __future__ import annotations

import torch

from autograde.grading.checks import CheckFailed, expect_close, fail, submitted_function
from autograde.grading.recording import Recorded
from autograde.grading.mistakes import CUTS_AUTOGRAD, CUTS_HISTORY, Mistake
from autograde.sandbox import fixtures


# Non-square on purpose: with input_dim == hidden_dim a transposed weight goes unnoticed.
BATCH, INPUT_DIM, HIDDEN_DIM = 3, 5, 4


def step_inputs(batch=BATCH, input_dim=INPUT_DIM, hidden_dim=HIDDEN_DIM, dtype=torch.float32, seed=0):
    """(x_t, h_prev, Wxh, Whh, bh), random and non-symmetric, scaled to keep tanh unsaturated."""
    g = torch.Generator().manual_seed(seed)

    def randn(*shape, scale=1.0):
        return (torch.randn(*shape, generator=g, dtype=torch.float64) * scale).to(dtype)

    return (
        randn(batch, input_dim),
        randn(batch, hidden_dim, scale=0.5),
        randn(input_dim, hidden_dim, scale=0.5),
        randn(hidden_dim, hidden_dim, scale=0.5),
        randn(hidden_dim, scale=0.5),
    )


def describe(batch, input_dim, hidden_dim, dtype) -> str:
    return f"batch {batch}, input_dim {input_dim}, hidden_dim {hidden_dim}, {str(dtype).removeprefix('torch.')}"


def torch_rnn_cell(Wxh: torch.Tensor, Whh: torch.Tensor, bh: torch.Tensor) -> torch.nn.RNNCell:
    """torch's own cell loaded with the same weights: an oracle independent of our reference."""
    input_dim, hidden_dim = Wxh.shape
    cell = torch.nn.RNNCell(input_dim, hidden_dim, dtype=Wxh.dtype)
    with torch.no_grad():
        cell.weight_ih.copy_(Wxh.T)
        cell.weight_hh.copy_(Whh.T)
        cell.bias_ih.copy_(bh)
        cell.bias_hh.zero_()
    return cell


def torch_rnn(Wxh: torch.Tensor, Whh: torch.Tensor, bh: torch.Tensor) -> torch.nn.RNN:
    input_dim, hidden_dim = Wxh.shape
    rnn = torch.nn.RNN(input_dim, hidden_dim, batch_first=True, dtype=Wxh.dtype)
    with torch.no_grad():
        rnn.weight_ih_l0.copy_(Wxh.T)
        rnn.weight_hh_l0.copy_(Whh.T)
        rnn.bias_ih_l0.copy_(bh)
        rnn.bias_hh_l0.zero_()
    return rnn


def _tanh_by_exp(a: torch.Tensor) -> torch.Tensor:
    e = torch.exp(2 * a)
    return (e - 1) / (e + 1)


STEP_MISTAKES = [
    Mistake(
        "the tanh is missing",
        "Apply torch.tanh to x_t @ Wxh + h_prev @ Whh + bh.",
        lambda x, h, Wxh, Whh, bh: x @ Wxh + h @ Whh + bh,
    ),
    Mistake(
        "the bias is missing",
        "Add bh inside the tanh.",
        lambda x, h, Wxh, Whh, bh: torch.tanh(x @ Wxh + h @ Whh),
    ),
    Mistake(
        "Whh is used transposed",
        "Multiply h_prev @ Whh: Whh is (hidden_dim, hidden_dim) laid out input-major, like Wxh.",
        lambda x, h, Wxh, Whh, bh: torch.tanh(x @ Wxh + h @ Whh.T + bh),
    ),
    Mistake(
        "the previous hidden state is ignored",
        "Include the h_prev @ Whh term: it is what makes the network recurrent.",
        lambda x, h, Wxh, Whh, bh: torch.tanh(x @ Wxh + bh),
    ),
    Mistake(
        "a sigmoid is used instead of tanh",
        "The vanilla RNN uses torch.tanh.",
        lambda x, h, Wxh, Whh, bh: torch.sigmoid(x @ Wxh + h @ Whh + bh),
    ),
    Mistake(
        "a ReLU is used instead of tanh",
        "The vanilla RNN uses torch.tanh.",
        lambda x, h, Wxh, Whh, bh: torch.relu(x @ Wxh + h @ Whh + bh),
    ),
    Mistake(
        "the tanh is applied before adding the bias",
        "Add bh first, then apply tanh to the whole sum.",
        lambda x, h, Wxh, Whh, bh: torch.tanh(x @ Wxh + h @ Whh) + bh,
    ),
    Mistake(
        "tanh is written with exp, which overflows to nan for large inputs",
        "Use torch.tanh: written as a ratio of exponentials it becomes inf / inf = nan once exp overflows.",
        lambda x, h, Wxh, Whh, bh: _tanh_by_exp(x @ Wxh + h @ Whh + bh),
    ),
]


def fused_inputs(batch=BATCH, input_dim=INPUT_DIM, hidden_dim=HIDDEN_DIM, dtype=torch.float32, seed=0):
    """(x_t, h_prev, W_h, b_h) with W_h = Whh stacked above Wxh, from the same draws as step_inputs."""
    x, h, Wxh, Whh, bh = step_inputs(batch, input_dim, hidden_dim, dtype, seed)
    return x, h, torch.cat([Whh, Wxh]), bh


def _split(W_h: torch.Tensor, hidden_dim: int) -> tuple[torch.Tensor, torch.Tensor]:
    """(Wxh, Whh) from the stacked W_h."""
    return W_h[hidden_dim:], W_h[:hidden_dim]


def _unfused(step_mistake):
    def compute(x, h, W_h, b_h):
        Wxh, Whh = _split(W_h, h.shape[1])
        return step_mistake(x, h, Wxh, Whh, b_h)

    return compute


FUSED_MISTAKES = [
    Mistake(
        "x_t comes before h_prev in the concatenation",
        "Concatenate [h_prev, x_t] (h first): the first hidden_dim rows of W_h are Whh.",
        lambda x, h, W_h, b_h: torch.tanh(torch.cat([x, h], dim=1) @ W_h + b_h),
    ),
    *(Mistake(m.name, m.fix, _unfused(m.compute)) for m in STEP_MISTAKES),
]


def sequence_inputs(batch=BATCH, seq_len=6, input_dim=INPUT_DIM, hidden_dim=HIDDEN_DIM, dtype=torch.float32, seed=0):
    """(x, h0, Wxh, Whh, bh) for a whole sequence; batch != seq_len so swapped axes show."""
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(batch, seq_len, input_dim, generator=g, dtype=torch.float64).to(dtype)
    _, h0, Wxh, Whh, bh = step_inputs(batch, input_dim, hidden_dim, dtype, seed + 1000)
    return x, h0, Wxh, Whh, bh


def _unrolled(step, x, h0, Wxh, Whh, bh):
    h = x.new_zeros(x.shape[0], Whh.shape[0]) if h0 is None else h0
    states = []
    for t in range(x.shape[1]):
        h = step(x[:, t], h, Wxh, Whh, bh)
        states.append(h)
    return torch.stack(states, dim=1)


def _correct_step(x, h, Wxh, Whh, bh):
    return torch.tanh(x @ Wxh + h @ Whh + bh)


def _states_before_each_step(x, h0, Wxh, Whh, bh):
    hs = _unrolled(_correct_step, x, h0, Wxh, Whh, bh)
    start = torch.zeros_like(hs[:, 0]) if h0 is None else h0
    return torch.cat([start[:, None], hs[:, :-1]], dim=1)


HS_MISTAKES = [
    Mistake(
        "the batch and time axes are swapped (hs is (seq_len, batch, hidden_dim))",
        "Stack the states along dim=1: hs[:, t] is the state after step t.",
        lambda x, h0, Wxh, Whh, bh: _unrolled(_correct_step, x, h0, Wxh, Whh, bh).transpose(0, 1),
    ),
    Mistake(
        "h0 is ignored (every sequence starts from zeros)",
        "Start the recurrence from h0 when it is given; use zeros only when h0 is None.",
        lambda x, h0, Wxh, Whh, bh: _unrolled(_correct_step, x, None, Wxh, Whh, bh),
    ),
    Mistake(
        "hs[:, t] holds the state before step t instead of after it",
        "Append h after computing it at each step, so hs[:, 0] is the state after the first input.",
        _states_before_each_step,
    ),
    Mistake(
        "every step reads x[:, 0] instead of x[:, t]",
        "Index the input of step t as x[:, t].",
        lambda x, h0, Wxh, Whh, bh: _unrolled(_correct_step, x[:, :1].expand_as(x), h0, Wxh, Whh, bh),
    ),
    *(
        Mistake(m.name, m.fix, lambda *args, step=m.compute: _unrolled(step, *args))
        for m in STEP_MISTAKES
    ),
]


# -- a step chained with itself ------------------------------------------------------------------


def chained_inputs(step_inputs: tuple, steps: int, seed: int) -> tuple:
    """(xs, first_state, weights) for ``steps`` calls: one step's inputs, with fresh x_t per call."""
    x, state, *weights = step_inputs
    g = torch.Generator().manual_seed(seed)
    xs = [torch.randn(x.shape, generator=g, dtype=torch.float64).to(x.dtype) for _ in range(steps)]
    return xs, state, weights


reference_chain = Recorded("graders.rnn_cases:reference_chain", fixtures.chain_steps)
"""The reference chained here, recorded as a whole: the release holds the chain's gradients
(inside, the reference runs live, so its graph is there to differentiate)."""


def _parts(state) -> list:
    return [state] if isinstance(state, torch.Tensor) else list(state)


def expect_chained_gradients(student, name: str, reference, inputs: tuple, state_names: tuple, weight_names: tuple, *, seed: int) -> None:
    """``name`` called len(xs) times in a row in the runner (``fixtures.chain_steps``), each call
    fed the state the previous one returned, then one backward through every call: each state and
    every gradient (first state, weights, each call's x_t) equal to the reference's, chained here.

    The one mistake only a chain shows is a cut between calls: the last call's x_t then gets the
    right gradient (it is one step from the loss) while the first state and x_1 do not.
    """
    from autograde.grading.remote import StudentRaised

    xs, state, weights = inputs
    steps = len(xs)
    g = torch.Generator().manual_seed(seed + 1)
    cotangents = [[torch.randn(t.shape, generator=g, dtype=torch.float64).to(t.dtype) for t in _parts(state)] for _ in xs]
    expected = reference_chain(reference, xs, state, weights, cotangents)
    chain = f"{name} called {steps} times in a row, each call given the state the previous one returned"
    try:
        found = student.call(
            "autograde.sandbox.fixtures.chain_steps", submitted_function(student, name), xs, state, weights, cotangents,
            shown_as=f"{name}()",
        ).value
    except StudentRaised as error:
        if error.error_type == "ForbiddenAPIError":
            raise
        raise CheckFailed(f"{error}\n(while {chain})", line=error.line) from None
    if not isinstance(found, dict) or not all(isinstance(found.get(k), list) for k in expected):
        fail(f"{chain}: the runner sent back {type(found).__name__}, not the states and gradients of the chain.")
    returned = [n.replace("_0", "_t") for n in state_names]
    for k, (got, want) in enumerate(zip(found["states"] + [[]] * steps, expected["states"])):
        for what, got_part, want_part in zip(returned, list(got) + [None] * len(want), want):
            if k == 0 and not _agrees(got_part, want_part):
                raise CheckFailed(
                    f"{chain}: the first call's result is already wrong: fix the values first (see the checks on "
                    "the values); the chained gradients of correct values follow.",
                    follows_values=True,
                )
            expect_close(got_part, want_part, f"the {what} returned by call {k + 1}", context=chain)
    names = [*state_names, *weight_names, *(f"x_t of call {k + 1}" for k in range(steps))]
    got_grads = (found["first_state"] + found["weights"] + found["xs"] + [None] * len(names))[: len(names)]
    want_grads = expected["first_state"] + expected["weights"] + expected["xs"]
    wrong = [n for n, got, want in zip(names, got_grads, want_grads) if not _agrees(got, want)]
    if not wrong:
        return
    missing = [n for n in wrong if got_grads[names.index(n)] is None]
    if missing:  # cut inside one call too: the single-step gradient checks say where
        fail(
            f"{chain}: no gradient reached {', '.join(missing)}. Keep every step in torch "
            "(no .detach(), .item(), .numpy() or torch.no_grad()).",
            observed=CUTS_AUTOGRAD,
        )
    cut = [n for n in wrong if n in state_names or n == "x_t of call 1"]
    if cut and names[-1] not in wrong:
        fail(
            f"{chain}: the gradient with respect to {', '.join(cut)} is wrong, while the last call's own x_t "
            "gets the right one: the gradient stops between calls.",
            mistake=CUTS_HISTORY,
        )
    index = names.index(wrong[0])
    expect_close(got_grads[index], want_grads[index], f"the gradient with respect to {wrong[0]}", context=chain)


def _agrees(got, want) -> bool:
    try:
        expect_close(got, want, "the gradient")
    except CheckFailed:
        return False
    return True
