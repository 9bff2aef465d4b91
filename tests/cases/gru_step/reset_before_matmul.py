"""Mistake: the d2l/Keras candidate, with the reset gate applied to h_prev before the matmul."""
import torch


def gru_step(x_t, h_prev, W_ih, W_hh, b_ih, b_hh):
    H = h_prev.shape[1]
    W_hr, W_hz, W_hn = W_hh.split(H)
    b_hr, b_hz, b_hn = b_hh.split(H)
    i_r, i_z, i_n = (x_t @ W_ih.T + b_ih).chunk(3, dim=1)
    r = torch.sigmoid(i_r + h_prev @ W_hr.T + b_hr)
    z = torch.sigmoid(i_z + h_prev @ W_hz.T + b_hz)
    n = torch.tanh(i_n + (r * h_prev) @ W_hn.T + b_hn)
    return (1 - z) * n + z * h_prev
