"""Inputs, the torch oracle and the catalogue of mistakes shared by the three RNN graders."""

from __future__ import annotations

import torch

from autograde.grading.mistakes import Mistake


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
