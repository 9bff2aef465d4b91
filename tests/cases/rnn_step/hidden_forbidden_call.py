"""Mistake: reaches the forbidden fused kernel by a name the source never spells out."""
import torch

_kernel = getattr(torch, "rnn_" + "tanh" + "_cell")


def rnn_step(x_t, h_prev, Wxh, Whh, bh):
    return _kernel(x_t, h_prev, Wxh.T, Whh.T, bh)
