"""Starts a non-daemon thread that never ends."""
import threading
import time

import torch

threading.Thread(target=lambda: time.sleep(10**6), daemon=False).start()


def rnn_step(x_t, h_prev, Wxh, Whh, bh):
    return torch.tanh(x_t @ Wxh + h_prev @ Whh + bh)
