"""Exercise: an RNN step with one matrix multiplication (the notebook's "rearrangement of terms").

x_t @ Wxh + h_prev @ Whh costs two matrix multiplications. Stack the two weight matrices and
concatenate the two inputs, and one larger multiplication does the same work:

    H_t = [h_prev || x_t]               (B, H + I)   h first, then x
    W_h = [Whh ; Wxh]                   (H + I, H)   Whh stacked above Wxh
    h_t = tanh(H_t @ W_h + b_h)         (B, H)

Block by block, H_t @ W_h = h_prev @ Whh + x_t @ Wxh, so the result equals
rnn_step(x_t, h_prev, W_h[H:], W_h[:H], b_h). (The notebook writes W_h = [W_hh || W_xh] side by
side, for column vectors; with one row per sequence, as here, the blocks are stacked instead.)
"""
import torch


def rnn_step_fused(x_t, h_prev, W_h, b_h):
    """Return h_t = tanh([h_prev || x_t] @ W_h + b_h), using exactly one matrix multiplication.

    Args:
        x_t:    (B, I) the inputs at this time step.
        h_prev: (B, H) the previous hidden state.
        W_h:    (H + I, H) Whh stacked above Wxh.
        b_h:    (H,) the bias.

    Returns:
        h_t: (B, H), in the dtype of the inputs.

    Forbidden: torch.nn.RNN, torch.nn.RNNCell, torch.rnn_tanh_cell, torch.rnn_tanh.

    Hints:
        - torch.cat([...], dim=1) joins tensors along the feature axis.
        - The order matters: h_prev must come first, because the first H rows of W_h are Whh.
    """
    raise NotImplementedError("rnn_step_fused: not implemented yet")
