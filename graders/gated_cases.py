"""Inputs, torch oracles, gate probes and mistake catalogues shared by the gru_step and lstm_step graders.

Both cells take torch's layout: W_ih (gates * H, I), W_hh (gates * H, H), b_ih and b_hh
(gates * H,), with the gate blocks stacked in torch's order (GRU r, z, n; LSTM i, f, g, o).
Random inputs catch most mistakes; the probes push one gate block at a time to saturation with
a large bias, so that a gate read from the wrong block, or used the wrong way round, changes
the result by a lot rather than a little.
"""

from __future__ import annotations

import torch

from autograde.grading.checks import CheckFailed, expect_close, expect_pair, expect_tensor, fail
from autograde.grading.mistakes import Mistake


GRU_GATES = "rzn"
LSTM_GATES = "ifgo"

# Non-square on purpose: with input_dim == hidden_dim a transposed weight goes unnoticed.
BATCH, INPUT_DIM, HIDDEN_DIM = 3, 5, 4
SATURATED = 8.0
"""A bias that pushes a gate to saturation: sigmoid(±8) is 0.9997 or 0.0003."""


def _sampler(seed: int, dtype: torch.dtype):
    g = torch.Generator().manual_seed(seed)

    def randn(*shape, scale=1.0):
        return (torch.randn(*shape, generator=g, dtype=torch.float64) * scale).to(dtype)

    return randn


def _weights(randn, gates: int, input_dim: int, hidden_dim: int) -> tuple:
    """W_ih, W_hh, b_ih, b_hh, scaled to keep the gates away from saturation."""
    rows = gates * hidden_dim
    W_ih, W_hh = randn(rows, input_dim, scale=0.5), randn(rows, hidden_dim, scale=0.5)
    return W_ih, W_hh, randn(rows, scale=0.5), randn(rows, scale=0.5)


def gru_inputs(batch=BATCH, input_dim=INPUT_DIM, hidden_dim=HIDDEN_DIM, dtype=torch.float32, seed=0) -> tuple:
    """(x_t, h_prev, W_ih, W_hh, b_ih, b_hh), random and non-symmetric."""
    randn = _sampler(seed, dtype)
    return (randn(batch, input_dim), randn(batch, hidden_dim), *_weights(randn, 3, input_dim, hidden_dim))


def lstm_inputs(batch=BATCH, input_dim=INPUT_DIM, hidden_dim=HIDDEN_DIM, dtype=torch.float32, seed=0, cell_scale=1.0) -> tuple:
    """(x_t, (h_prev, c_prev), W_ih, W_hh, b_ih, b_hh); a large cell_scale makes tanh(c) differ from c."""
    randn = _sampler(seed, dtype)
    x, h, c = randn(batch, input_dim), randn(batch, hidden_dim), randn(batch, hidden_dim, scale=cell_scale)
    return (x, (h, c), *_weights(randn, 4, input_dim, hidden_dim))


def flat_lstm_inputs(inputs: tuple) -> list[torch.Tensor]:
    """lstm_step's arguments as the flat list of tensors the runner reports: x_t, h_prev, c_prev, weights."""
    x, (h, c), *weights = inputs
    return [x, h, c, *weights]


def nested_lstm_inputs(flat) -> tuple:
    """The inverse of flat_lstm_inputs: lstm_step's arguments with the state as a pair again."""
    x, h, c, *weights = flat
    return (x, (h, c), *weights)


def push_gates(inputs: tuple, order: str, **shifts) -> tuple:
    """The same inputs with gate blocks of b_ih shifted: push_gates(inputs, "ifgo", f=8.0, i=-8.0).

    A shift is one number, or one number per hidden unit.
    """
    *head, b_ih, b_hh = inputs
    blocks = list(b_ih.chunk(len(order)))
    for gate, shift in shifts.items():
        blocks[order.index(gate)] = blocks[order.index(gate)] + torch.as_tensor(shift, dtype=b_ih.dtype)
    return (*head, torch.cat(blocks), b_hh)


def alternating(hidden_dim: int = HIDDEN_DIM) -> torch.Tensor:
    """+SATURATED, -SATURATED, ...: every other unit's gate open, the rest shut."""
    return SATURATED * torch.tensor([(-1.0) ** k for k in range(hidden_dim)])


def torch_cell(cell_type: type, W_ih, W_hh, b_ih, b_hh) -> torch.nn.Module:
    """torch's own nn.GRUCell or nn.LSTMCell loaded with the same weights: an oracle independent of our reference."""
    cell = cell_type(W_ih.shape[1], W_hh.shape[1], dtype=W_ih.dtype)
    with torch.no_grad():
        for param, value in zip((cell.weight_ih, cell.weight_hh, cell.bias_ih, cell.bias_hh), (W_ih, W_hh, b_ih, b_hh)):
            param.copy_(value)
    return cell


def expect_gru_state(result, expected: torch.Tensor, context: str, args: tuple) -> None:
    """gru_step's h_t equals ``expected``; a catalogued mistake that reproduces it is named."""
    expect_close(result, expected, "h_t", context=context, mistakes=GRU_MISTAKES, args=args)


def expect_lstm_state(result, expected: tuple, context: str, args: tuple) -> None:
    """lstm_step's (h_t, c_t) equals ``expected``; a catalogued mistake that reproduces it is named."""
    h_t, c_t = expect_pair(result, "lstm_step")
    expect_tensor(h_t, "h_t")
    expect_tensor(c_t, "c_t")
    try:
        expect_close(h_t, expected[0], "h_t", context=context)
        expect_close(c_t, expected[1], "c_t", context=context)
    except CheckFailed as failure:
        fail(str(failure), mistakes=LSTM_MISTAKES, actual=(h_t, c_t), args=args, expected=tuple(expected))


# -- GRU mistakes: each takes gru_step's arguments and returns what the mistaken h_t would be --


def _gru_parts(x, h, W_ih, W_hh, b_ih, b_hh, order=GRU_GATES):
    """r, z and the input and hidden parts of n, reading the gate blocks in ``order``."""
    gi = dict(zip(order, (x @ W_ih.T + b_ih).chunk(3, dim=1)))
    gh = dict(zip(order, (h @ W_hh.T + b_hh).chunk(3, dim=1)))
    return torch.sigmoid(gi["r"] + gh["r"]), torch.sigmoid(gi["z"] + gh["z"]), gi["n"], gh["n"]


def _gru_order_zrn(x, h, *weights):
    r, z, i_n, h_n = _gru_parts(x, h, *weights, order="zrn")
    return (1 - z) * torch.tanh(i_n + r * h_n) + z * h


def _gru_z_swapped(x, h, *weights):
    r, z, i_n, h_n = _gru_parts(x, h, *weights)
    return z * torch.tanh(i_n + r * h_n) + (1 - z) * h


def _gru_reset_before_matmul(x, h, W_ih, W_hh, b_ih, b_hh):
    r, z, i_n, _ = _gru_parts(x, h, W_ih, W_hh, b_ih, b_hh)
    W_hn, b_hn = W_hh.chunk(3)[2], b_hh.chunk(3)[2]
    return (1 - z) * torch.tanh(i_n + (r * h) @ W_hn.T + b_hn) + z * h


def _gru_b_hn_outside_reset(x, h, W_ih, W_hh, b_ih, b_hh):
    r, z, i_n, h_n = _gru_parts(x, h, W_ih, W_hh, b_ih, b_hh)
    b_hn = b_hh.chunk(3)[2]
    return (1 - z) * torch.tanh(i_n + r * (h_n - b_hn) + b_hn) + z * h


def _gru_reset_unused(x, h, *weights):
    _, z, i_n, h_n = _gru_parts(x, h, *weights)
    return (1 - z) * torch.tanh(i_n + h_n) + z * h


GRU_MISTAKES = [
    Mistake(
        "your GRU uses gate order z, r, n (Keras's); torch's is r, z, n",
        "Chunk W_ih, W_hh, b_ih and b_hh as r, z, n: the reset gate is the first block.",
        _gru_order_zrn,
    ),
    Mistake(
        "z and 1 - z are swapped",
        "h_t = (1 - z) * n + z * h_prev: an update gate near 1 keeps the previous state.",
        _gru_z_swapped,
    ),
    Mistake(
        "the reset gate is applied before the hidden matmul (the d2l/Keras formula)",
        "torch applies it after the matmul and its bias: n = tanh(x W_in^T + b_in + r * (h W_hn^T + b_hn)).",
        _gru_reset_before_matmul,
    ),
    Mistake(
        "b_hn is added outside the reset gate",
        "Keep b_hn inside: r * (h W_hn^T + b_hn), so add b_hh to h_prev @ W_hh.T before you chunk it.",
        _gru_b_hn_outside_reset,
    ),
    Mistake(
        "the reset gate is not used",
        "Scale the hidden part of the candidate by r: n = tanh(x W_in^T + b_in + r * (h W_hn^T + b_hn)).",
        _gru_reset_unused,
    ),
]


# -- LSTM mistakes: each takes lstm_step's arguments and returns the mistaken (h_t, c_t) --


def _lstm_parts(x, state, W_ih, W_hh, b_ih, b_hh, order=LSTM_GATES):
    """The activated gates i, f, g, o and c_prev, reading the gate blocks in ``order``."""
    h, c = state
    gates = dict(zip(order, (x @ W_ih.T + b_ih + h @ W_hh.T + b_hh).chunk(4, dim=1)))
    return torch.sigmoid(gates["i"]), torch.sigmoid(gates["f"]), torch.tanh(gates["g"]), torch.sigmoid(gates["o"]), c


def _lstm_combine(i, f, g, o, c):
    c_t = f * c + i * g
    return o * torch.tanh(c_t), c_t


def _lstm_order_ifog(*inputs):
    return _lstm_combine(*_lstm_parts(*inputs, order="ifog"))


def _lstm_forget_input_swapped(*inputs):
    i, f, g, o, c = _lstm_parts(*inputs)
    return _lstm_combine(f, i, g, o, c)


def _lstm_no_tanh_on_c(*inputs):
    i, f, g, o, c = _lstm_parts(*inputs)
    c_t = f * c + i * g
    return o * c_t, c_t


def _lstm_c_as_h(*inputs):
    _, c_t = _lstm_combine(*_lstm_parts(*inputs))
    return c_t, c_t


def _lstm_pair_swapped(*inputs):
    h_t, c_t = _lstm_combine(*_lstm_parts(*inputs))
    return c_t, h_t


LSTM_MISTAKES = [
    Mistake(
        "your LSTM uses gate order i, f, o, g (CS231n's); torch's is i, f, g, o",
        "Chunk the gates as i, f, g, o: the candidate g is the third block, the output gate o the last.",
        _lstm_order_ifog,
    ),
    Mistake(
        "the forget and input gates are swapped",
        "The forget gate (second block) scales the old cell state; the input gate (first block) scales the candidate g.",
        _lstm_forget_input_swapped,
    ),
    Mistake(
        "tanh(c_t) is missing from h_t",
        "The output gate multiplies tanh of the new cell state, not the cell state itself.",
        _lstm_no_tanh_on_c,
    ),
    Mistake(
        "c_t is returned as h_t",
        "h_t is the output gate times tanh of c_t; return both, (h_t, c_t).",
        _lstm_c_as_h,
    ),
    Mistake(
        "h_t and c_t are returned in the wrong order",
        "Return the pair (h_t, c_t), the hidden state first.",
        _lstm_pair_swapped,
    ),
]
