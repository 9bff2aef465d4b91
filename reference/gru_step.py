"""Reference: one step of a GRU, with torch.nn.GRUCell's layout and formula."""
import torch


def gru_step(x_t, h_prev, W_ih, W_hh, b_ih, b_hh):
    """Return the next hidden state of a GRU, with torch.nn.GRUCell's layout and formula.

    x_t (B, I), h_prev (B, H), W_ih (3H, I), W_hh (3H, H), b_ih (3H,), b_hh (3H,) -> h_t (B, H).
    """
    # Input and hidden parts stay separate: the reset gate scales only the hidden part of n.
    i_r, i_z, i_n = (x_t @ W_ih.T + b_ih).chunk(3, dim=1)  # each (B, H)
    h_r, h_z, h_n = (h_prev @ W_hh.T + b_hh).chunk(3, dim=1)  # each (B, H)
    r = torch.sigmoid(i_r + h_r)  # reset gate
    z = torch.sigmoid(i_z + h_z)  # update gate
    n = torch.tanh(i_n + r * h_n)  # candidate state
    return (1 - z) * n + z * h_prev  # (B, H)
