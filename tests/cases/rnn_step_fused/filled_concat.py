"""Correct, building the concatenation by index assignment and multiplying with torch.mm."""
import torch


def rnn_step_fused(x_t, h_prev, W_h, b_h):
    hidden = h_prev.shape[1]
    H_t = torch.zeros(x_t.shape[0], W_h.shape[0], dtype=x_t.dtype)
    H_t[:, :hidden] = h_prev
    H_t[:, hidden:] = x_t
    return torch.tanh(torch.mm(H_t, W_h) + b_h)
