"""Mistake: computes in NumPy, taking torch's advice (tensor.detach().numpy()) to get there."""
import numpy as np
import torch


def rnn_step(x_t, h_prev, Wxh, Whh, bh):
    x, h, a, b, c = (t.detach().numpy() for t in (x_t, h_prev, Wxh, Whh, bh))
    return torch.from_numpy(np.tanh(x @ a + h @ b + c))
