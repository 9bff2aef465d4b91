"""Ignores SIGTERM and SIGINT and never returns."""
import signal

signal.signal(signal.SIGTERM, signal.SIG_IGN)
signal.signal(signal.SIGINT, signal.SIG_IGN)


def rnn_step(x_t, h_prev, Wxh, Whh, bh):
    while True:
        pass
