"""Mistake: lets torch.nn.RNN do the work."""
import torch


def rnn_forward(x, h0, Wxh, Whh, bh):
    rnn = torch.nn.RNN(Wxh.shape[0], Wxh.shape[1], batch_first=True, dtype=x.dtype)
    with torch.no_grad():
        rnn.weight_ih_l0.copy_(Wxh.T)
        rnn.weight_hh_l0.copy_(Whh.T)
        rnn.bias_ih_l0.copy_(bh)
        rnn.bias_hh_l0.zero_()
    hs, h_n = rnn(x, None if h0 is None else h0[None])
    return hs, h_n[0]
