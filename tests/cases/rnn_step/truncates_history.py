"""Mistake: detaches h_prev when it comes from an earlier call, "truncating backprop through time" inside the step."""
import torch


def rnn_step(x_t, h_prev, Wxh, Whh, bh):
    # Keep the graph of this step only, so a long sequence does not keep every earlier step alive.
    if h_prev.grad_fn is not None:
        h_prev = h_prev.detach()
    return torch.tanh(x_t @ Wxh + h_prev @ Whh + bh)
