"""Correct, r and z from one matmul on [x_t, h_prev]; the candidate's two parts kept apart."""
import torch


def gru_step(x_t, h_prev, W_ih, W_hh, b_ih, b_hh):
    H = h_prev.shape[1]
    xh = torch.cat([x_t, h_prev], dim=1)
    W_rz = torch.cat([W_ih[: 2 * H], W_hh[: 2 * H]], dim=1)
    r, z = torch.sigmoid(xh @ W_rz.T + b_ih[: 2 * H] + b_hh[: 2 * H]).split(H, dim=1)
    n = torch.tanh(torch.addmm(b_ih[2 * H:], x_t, W_ih[2 * H:].T) + r * torch.addmm(b_hh[2 * H:], h_prev, W_hh[2 * H:].T))
    return torch.lerp(n, h_prev, z)
