"""Inputs, the torch oracle and the catalogue of mistakes shared by the three RNN graders."""

from __future__ import annotations

import torch

from autograde.mistakes import Mistake

FORBIDDEN = ["torch.nn.RNN", "torch.nn.RNNCell", "torch.rnn_tanh_cell", "torch.rnn_tanh"]

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


STEP_MISTAKES = [
    Mistake(
        "the tanh is missing",
        "Apply torch.tanh to x_t @ Wxh + h_prev @ Whh + bh.",
        lambda x, h, Wxh, Whh, bh: x @ Wxh + h @ Whh + bh,
    ),
    Mistake(
        "the bias bh is missing",
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
]
