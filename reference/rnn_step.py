"""Reference: one time step of a vanilla RNN (the notebook's Exercise 2)."""
import torch


def rnn_step(x_t, h_prev, Wxh, Whh, bh):
    """Return the next hidden state h_t = tanh(x_t @ Wxh + h_prev @ Whh + bh).

    x_t (B, I), h_prev (B, H), Wxh (I, H), Whh (H, H), bh (H,) -> h_t (B, H).
    """
    return torch.tanh(x_t @ Wxh + h_prev @ Whh + bh)  # (B, H)
