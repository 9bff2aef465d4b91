"""Mistake: builds the targets by rolling ids in place."""
import torch


def make_batches(ids, batch_size, seq_len):
    n = (len(ids) - 1) // (batch_size * seq_len)
    if n < 1:
        raise ValueError("text too short for one batch")
    m = n * batch_size * seq_len
    X = ids[:m].clone().view(batch_size, n * seq_len)
    ids.copy_(torch.roll(ids, -1))
    Y = ids[:m].clone().view(batch_size, n * seq_len)
    return [(X[:, i * seq_len:(i + 1) * seq_len], Y[:, i * seq_len:(i + 1) * seq_len]) for i in range(n)]
