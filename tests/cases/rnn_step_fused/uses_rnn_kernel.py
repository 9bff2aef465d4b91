"""Mistake: calls torch's fused RNN cell kernel."""
import torch


def rnn_step_fused(x_t, h_prev, W_h, b_h):
    hidden = h_prev.shape[1]
    return torch.rnn_tanh_cell(x_t, h_prev, W_h[hidden:].T, W_h[:hidden].T, b_h)
