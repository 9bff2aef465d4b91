"""Mistake: reaches the fused GRU kernel through torch._VF by a name the source never spells out."""
import torch

_kernel = getattr(torch._VF, "gr" + "u_cell")


def gru_step(x_t, h_prev, W_ih, W_hh, b_ih, b_hh):
    return _kernel(x_t, h_prev, W_ih, W_hh, b_ih, b_hh)
