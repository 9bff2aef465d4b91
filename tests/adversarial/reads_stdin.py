"""Waits for input that never comes."""
import sys

import torch


def rnn_step(x_t, h_prev, Wxh, Whh, bh):
    sys.stdin.read()
    return torch.tanh(x_t @ Wxh + h_prev @ Whh + bh)
