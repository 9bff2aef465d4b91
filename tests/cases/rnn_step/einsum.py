"""Correct, written with einsum."""
import torch


def rnn_step(x_t, h_prev, Wxh, Whh, bh):
    return torch.tanh(torch.einsum("bi,ih->bh", x_t, Wxh) + torch.einsum("bh,hk->bk", h_prev, Whh) + bh)
