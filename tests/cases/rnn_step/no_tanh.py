"""Mistake: the activation is missing."""


def rnn_step(x_t, h_prev, Wxh, Whh, bh):
    return x_t @ Wxh + h_prev @ Whh + bh
