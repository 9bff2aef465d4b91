"""Mistake: CS231n's gate order i, f, o, g instead of torch's i, f, g, o."""
import torch


def lstm_step(x_t, state, W_ih, W_hh, b_ih, b_hh):
    h_prev, c_prev = state
    a = x_t @ W_ih.T + b_ih + h_prev @ W_hh.T + b_hh
    H = h_prev.shape[1]
    i = torch.sigmoid(a[:, :H])
    f = torch.sigmoid(a[:, H:2 * H])
    o = torch.sigmoid(a[:, 2 * H:3 * H])
    g = torch.tanh(a[:, 3 * H:])
    c_t = f * c_prev + i * g
    return o * torch.tanh(c_t), c_t
