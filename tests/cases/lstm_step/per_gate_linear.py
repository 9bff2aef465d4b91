"""Correct, one torch.nn.functional.linear per gate on row slices of the weights."""
import torch
import torch.nn.functional as F


def lstm_step(x_t, state, W_ih, W_hh, b_ih, b_hh):
    h_prev, c_prev = state
    H = h_prev.shape[1]

    def gate(k):
        rows = slice(k * H, (k + 1) * H)
        return F.linear(x_t, W_ih[rows], b_ih[rows]) + F.linear(h_prev, W_hh[rows], b_hh[rows])

    i, f, g, o = torch.sigmoid(gate(0)), torch.sigmoid(gate(1)), torch.tanh(gate(2)), torch.sigmoid(gate(3))
    c_t = f * c_prev + i * g
    return o * torch.tanh(c_t), c_t
