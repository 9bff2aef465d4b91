"""Mistake: computes in NumPy, which torch refuses for tensors that require grad."""
import numpy as np
import torch


def rnn_step(x_t, h_prev, Wxh, Whh, bh):
    return torch.from_numpy(np.tanh(x_t.numpy() @ Wxh.numpy() + h_prev.numpy() @ Whh.numpy() + bh.numpy()))
