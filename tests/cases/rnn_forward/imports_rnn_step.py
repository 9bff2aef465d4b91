"""Correct, reusing rnn_step from the exercises package and filling a preallocated tensor."""
import torch

from exercises.rnn_step import rnn_step


def rnn_forward(x, h0, Wxh, Whh, bh):
    batch, seq_len, _ = x.shape
    h = torch.zeros(batch, Whh.shape[0], dtype=x.dtype) if h0 is None else h0
    hs = torch.zeros(batch, seq_len, Whh.shape[0], dtype=x.dtype)
    for t in range(seq_len):
        h = rnn_step(x[:, t], h, Wxh, Whh, bh)
        hs[:, t] = h
    return hs, h
