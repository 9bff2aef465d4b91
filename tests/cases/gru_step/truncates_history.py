"""Mistake: detaches h_prev when it is the output of an earlier call, "truncating backprop through time" inside the step."""
import torch


def gru_step(x_t, h_prev, W_ih, W_hh, b_ih, b_hh):
    if not h_prev.is_leaf:  # an earlier step's output: stop here, so long sequences stay cheap
        h_prev = h_prev.detach()
    i_r, i_z, i_n = (x_t @ W_ih.T + b_ih).chunk(3, dim=1)
    h_r, h_z, h_n = (h_prev @ W_hh.T + b_hh).chunk(3, dim=1)
    r = torch.sigmoid(i_r + h_r)
    z = torch.sigmoid(i_z + h_z)
    n = torch.tanh(i_n + r * h_n)
    return (1 - z) * n + z * h_prev
