"""Exercise: unroll an RNN cell over a whole sequence.

The same cell, with the same weights, is applied at every time step; the state it returns is
fed back in at the next step:

    h_0 = h0 (or zeros)
    h_t = tanh(x[:, t] @ Wxh + h_{t-1} @ Whh + bh)     for t = 0 .. T-1

Unrolled, this is a chain of T cells: backpropagating through it multiplies by Whh once per
step, which is where vanishing and exploding gradients come from.
"""
import torch

from exercises.rnn_step import rnn_step  # your cell; while grading, the reference's


def rnn_forward(x, h0, Wxh, Whh, bh):
    """Run the RNN over every time step; return (hs, h_last).

    Args:
        x:   (B, T, I) a batch of sequences, T >= 1.
        h0:  (B, H) the initial hidden state, or None for zeros.
        Wxh: (I, H), Whh: (H, H), bh: (H,) the cell's parameters, as in rnn_step.

    Returns:
        hs:     (B, T, H) hs[:, t] is the hidden state after step t.
        h_last: (B, H) the final hidden state, equal to hs[:, -1].

    Forbidden: torch.nn.RNN, torch.nn.RNNCell, torch.rnn_tanh_cell, torch.rnn_tanh.

    Hints:
        - The zeros for h0=None must match x's dtype and device: x.new_zeros(B, H) does that.
        - Collect the states in a Python list and torch.stack(..., dim=1) them at the end.
          Writing into a preallocated tensor (hs[:, t] = h) is an in-place operation that
          can break autograd.
    """
    raise NotImplementedError("rnn_forward: not implemented yet")
