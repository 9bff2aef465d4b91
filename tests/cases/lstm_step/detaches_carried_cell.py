"""Mistake: detaches the cell state carried from an earlier call, to keep its gradient from growing."""
import torch


def lstm_step(x_t, state, W_ih, W_hh, b_ih, b_hh):
    h_prev, c_prev = state
    if c_prev.grad_fn is not None:  # the long-term memory: no gradient through the whole sequence
        c_prev = c_prev.detach()
    gates = x_t @ W_ih.T + b_ih + h_prev @ W_hh.T + b_hh
    i, f, g, o = gates.chunk(4, dim=1)
    c_t = torch.sigmoid(f) * c_prev + torch.sigmoid(i) * torch.tanh(g)
    h_t = torch.sigmoid(o) * torch.tanh(c_t)
    return h_t, c_t
