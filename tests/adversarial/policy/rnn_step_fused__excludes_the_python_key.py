"""Hides its ops from dispatch modes with a public guard, then does two matmuls."""
import torch


def rnn_step_fused(x_t, h_prev, W_h, b_h):
    hidden = h_prev.shape[1]
    with torch.ExcludeDispatchKeyGuard(torch.DispatchKeySet(torch.DispatchKey.Python)):
        return torch.tanh(x_t @ W_h[hidden:] + h_prev @ W_h[:hidden] + b_h)
