"""Mistake: the wrong activation."""
import torch


def rnn_step(x_t, h_prev, Wxh, Whh, bh):
    return torch.sigmoid(x_t @ Wxh + h_prev @ Whh + bh)
