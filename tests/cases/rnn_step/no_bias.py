"""Mistake: the bias is missing."""
import torch


def rnn_step(x_t, h_prev, Wxh, Whh, bh):
    return torch.tanh(x_t @ Wxh + h_prev @ Whh)
