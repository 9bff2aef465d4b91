"""Mistake: converts everything to float32."""
import torch


def lstm_step(x_t, state, W_ih, W_hh, b_ih, b_hh):
    h_prev, c_prev = (s.float() for s in state)
    a = x_t.float() @ W_ih.float().T + b_ih.float() + h_prev @ W_hh.float().T + b_hh.float()
    i, f, g, o = a.chunk(4, dim=1)
    i, f, g, o = torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)
    c_t = f * c_prev + i * g
    return o * torch.tanh(c_t), c_t
