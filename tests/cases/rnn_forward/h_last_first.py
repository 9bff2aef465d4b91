"""Mistake: returns the first state as h_last."""
import torch


def rnn_forward(x, h0, Wxh, Whh, bh):
    h = x.new_zeros(x.shape[0], Whh.shape[0]) if h0 is None else h0
    states = []
    for t in range(x.shape[1]):
        h = torch.tanh(x[:, t] @ Wxh + h @ Whh + bh)
        states.append(h)
    hs = torch.stack(states, dim=1)
    return hs, hs[:, 0]
