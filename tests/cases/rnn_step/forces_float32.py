"""Mistake: converts everything to float32."""
import torch


def rnn_step(x_t, h_prev, Wxh, Whh, bh):
    return torch.tanh(x_t.float() @ Wxh.float() + h_prev.float() @ Whh.float() + bh.float())
