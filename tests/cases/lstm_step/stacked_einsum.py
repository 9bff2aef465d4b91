"""Correct, the weights viewed as (4, H, in) stacks and contracted with einsum."""
import torch


def lstm_step(x_t, state, W_ih, W_hh, b_ih, b_hh):
    h_prev, c_prev = state
    H = h_prev.shape[1]
    pre = (
        torch.einsum("bi,ghi->gbh", x_t, W_ih.view(4, H, -1))
        + torch.einsum("bj,ghj->gbh", h_prev, W_hh.view(4, H, H))
        + (b_ih + b_hh).view(4, 1, H)
    )  # (4, B, H)
    ifo = torch.sigmoid(pre[[0, 1, 3]])
    g = torch.tanh(pre[2])
    c_t = torch.addcmul(ifo[1] * c_prev, ifo[0], g)
    return ifo[2] * c_t.tanh(), c_t
