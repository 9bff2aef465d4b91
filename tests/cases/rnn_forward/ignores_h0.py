"""Mistake: always starts from zeros."""
import torch


def rnn_forward(x, h0, Wxh, Whh, bh):
    h = torch.zeros(x.shape[0], Whh.shape[0], dtype=x.dtype)
    states = []
    for t in range(x.shape[1]):
        h = torch.tanh(x[:, t] @ Wxh + h @ Whh + bh)
        states.append(h)
    return torch.stack(states, dim=1), h
