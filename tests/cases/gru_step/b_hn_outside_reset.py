"""Mistake: adds both biases up front, so b_hn ends up outside the reset gate."""
import torch


def gru_step(x_t, h_prev, W_ih, W_hh, b_ih, b_hh):
    H = h_prev.shape[1]
    bias = b_ih + b_hh
    x_part = x_t @ W_ih.T + bias
    h_part = h_prev @ W_hh.T
    r = torch.sigmoid(x_part[:, :H] + h_part[:, :H])
    z = torch.sigmoid(x_part[:, H:2 * H] + h_part[:, H:2 * H])
    n = torch.tanh(x_part[:, 2 * H:] + r * h_part[:, 2 * H:])
    return (1 - z) * n + z * h_prev
