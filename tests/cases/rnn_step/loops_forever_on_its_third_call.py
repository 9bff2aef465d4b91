"""Broken: its first two calls return, the third never does."""

import torch

calls = []


def rnn_step(x_t, h_prev, Wxh, Whh, bh):
    calls.append(1)
    while len(calls) >= 3:
        pass
    return torch.tanh(x_t @ Wxh + h_prev @ Whh + bh)
