"""Reference: one step of an LSTM cell, with torch.nn.LSTMCell's layout and formula."""
import torch


def lstm_step(x_t, state, W_ih, W_hh, b_ih, b_hh):
    """Return (h_t, c_t), one LSTM step with torch.nn.LSTMCell's layout and formula.

    x_t (B, I), state = (h_prev, c_prev) each (B, H), W_ih (4H, I), W_hh (4H, H),
    b_ih (4H,), b_hh (4H,) -> (h_t, c_t) each (B, H).
    """
    h_prev, c_prev = state
    gates = x_t @ W_ih.T + b_ih + h_prev @ W_hh.T + b_hh  # (B, 4H)
    i, f, g, o = gates.chunk(4, dim=1)  # each (B, H)
    i, f, g, o = torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)
    c_t = f * c_prev + i * g  # (B, H)
    h_t = o * torch.tanh(c_t)  # (B, H)
    return h_t, c_t
