"""Mistake: records the state before each update."""
import torch


def rnn_forward(x, h0, Wxh, Whh, bh):
    h = x.new_zeros(x.shape[0], Whh.shape[0]) if h0 is None else h0
    states = []
    for t in range(x.shape[1]):
        states.append(h)
        h = torch.tanh(x[:, t] @ Wxh + h @ Whh + bh)
    return torch.stack(states, dim=1), h
