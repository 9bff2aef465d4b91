"""Mistake: tanh written with exp, right for small inputs, nan once exp(2a) overflows."""
import torch


def rnn_step(x_t, h_prev, Wxh, Whh, bh):
    a = x_t @ Wxh + h_prev @ Whh + bh
    e = torch.exp(2 * a)
    return (e - 1) / (e + 1)
