"""Broken: imports a module that does not exist."""
import torchh  # noqa: F401


def rnn_step(x_t, h_prev, Wxh, Whh, bh):
    return x_t
