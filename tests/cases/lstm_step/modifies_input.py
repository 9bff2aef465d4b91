"""Mistake: updates c_prev in place into the new cell state."""
import torch


def lstm_step(x_t, state, W_ih, W_hh, b_ih, b_hh):
    h_prev, c_prev = state
    i, f, g, o = (x_t @ W_ih.T + b_ih + h_prev @ W_hh.T + b_hh).chunk(4, dim=1)
    i, f, g, o = torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)
    with torch.no_grad():
        c_prev.mul_(f).add_(i * g)
    return o * torch.tanh(c_prev), c_prev
