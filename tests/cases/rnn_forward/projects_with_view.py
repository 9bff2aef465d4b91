"""Mistake: projects every step's input in one matmul after x.view(B * T, I), which needs contiguous x."""
import torch


def rnn_forward(x, h0, Wxh, Whh, bh):
    B, T, I = x.shape
    H = Whh.shape[0]
    # Every step's input projection at once; only h @ Whh is left inside the loop.
    projected = (x.view(B * T, I) @ Wxh).view(B, T, H) + bh
    h = x.new_zeros(B, H) if h0 is None else h0
    hs = []
    for t in range(T):
        h = torch.tanh(projected[:, t] + h @ Whh)
        hs.append(h)
    return torch.stack(hs, dim=1), h
