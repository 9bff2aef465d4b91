"""Broken: the function has another name."""
import torch


def rnn_cell(x_t, h_prev, Wxh, Whh, bh):
    return torch.tanh(x_t @ Wxh + h_prev @ Whh + bh)
