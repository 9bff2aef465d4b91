"""Mistake: lets torch.nn.RNNCell do the work."""
import torch


def rnn_step(x_t, h_prev, Wxh, Whh, bh):
    cell = torch.nn.RNNCell(Wxh.shape[0], Wxh.shape[1], dtype=x_t.dtype)
    with torch.no_grad():
        cell.weight_ih.copy_(Wxh.T)
        cell.weight_hh.copy_(Whh.T)
        cell.bias_ih.copy_(bh)
        cell.bias_hh.zero_()
    return cell(x_t, h_prev)
