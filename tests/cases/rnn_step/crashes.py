"""Broken: segfaults the interpreter."""
import ctypes


def rnn_step(x_t, h_prev, Wxh, Whh, bh):
    ctypes.string_at(0)
