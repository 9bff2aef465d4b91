"""Exercise: one step of a GRU (the notebook's "let's invent a GRU").

A GRU adds two gates to the RNN. The update gate z decides how much of the old state to keep
(no vanishing: the state can be copied forward unchanged); the reset gate r decides how much of
the old state goes into the candidate (no explosion: the state can be switched off before it
is multiplied by the weights). With torch.nn.GRUCell's formula:

    r   = sigmoid(x W_ir^T + b_ir + h W_hr^T + b_hr)          reset gate
    z   = sigmoid(x W_iz^T + b_iz + h W_hz^T + b_hz)          update gate
    n   = tanh(x W_in^T + b_in + r * (h W_hn^T + b_hn))       candidate state
    h_t = (1 - z) * n + z * h

Weights use torch.nn.GRUCell's layout, so a GRUCell's weight_ih, weight_hh, bias_ih, bias_hh
can be passed straight in: the three blocks of rows are stacked in the order r, z, n,
e.g. W_ih = [W_ir ; W_iz ; W_in] of shape (3H, I).

The notebook's "let's invent a GRU" names its gates the other way round: its beta, which
switches the old state off before the weights, is this reset gate r; its alpha, which mixes
the candidate into the old state, is 1 - z, where z is torch's update gate (z weights the old
state h, alpha the candidate).
"""
import torch


def gru_step(x_t, h_prev, W_ih, W_hh, b_ih, b_hh):
    """Return the next hidden state of a GRU, with torch.nn.GRUCell's layout and formula.

    Args:
        x_t:    (B, I) the inputs at this time step.
        h_prev: (B, H) the previous hidden state.
        W_ih:   (3H, I) input weights, blocks r, z, n.
        W_hh:   (3H, H) hidden weights, blocks r, z, n.
        b_ih:   (3H,) input biases; b_hh: (3H,) hidden biases.

    Returns:
        h_t: (B, H), in the dtype of the inputs.

    Forbidden: torch.nn.GRU, torch.nn.GRUCell, torch.gru_cell, torch.gru.

    Hints:
        - Two matmuls do all the work: x_t @ W_ih.T + b_ih and h_prev @ W_hh.T + b_hh, each
          (B, 3H); then .chunk(3, dim=1) splits each one into its r, z, n parts.
        - Pitfall: the reset gate multiplies the hidden part *after* its matmul and bias,
          r * (h W_hn^T + b_hn), and b_in stays outside. Keeping the input and hidden sums
          separate (rather than adding them first) is what makes this possible.
    """
    raise NotImplementedError("gru_step: not implemented yet")
