"""Correct, one torch.nn.functional.linear per gate on row slices of the weights."""
import torch
import torch.nn.functional as F


def gru_step(x_t, h_prev, W_ih, W_hh, b_ih, b_hh):
    H = h_prev.shape[1]
    r_rows, z_rows, n_rows = slice(0, H), slice(H, 2 * H), slice(2 * H, 3 * H)
    r = torch.sigmoid(F.linear(x_t, W_ih[r_rows], b_ih[r_rows]) + F.linear(h_prev, W_hh[r_rows], b_hh[r_rows]))
    z = torch.sigmoid(F.linear(x_t, W_ih[z_rows], b_ih[z_rows]) + F.linear(h_prev, W_hh[z_rows], b_hh[z_rows]))
    n = torch.tanh(F.linear(x_t, W_ih[n_rows], b_ih[n_rows]) + r * F.linear(h_prev, W_hh[n_rows], b_hh[n_rows]))
    return n + z * (h_prev - n)
