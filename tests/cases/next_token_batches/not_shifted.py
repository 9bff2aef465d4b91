"""Mistake: the targets are the inputs themselves."""


def make_batches(ids, batch_size, seq_len):
    n = (len(ids) - 1) // (batch_size * seq_len)
    if n < 1:
        raise ValueError("text too short for one batch")
    X = ids[:n * batch_size * seq_len].view(batch_size, -1)
    return [(X[:, i * seq_len:(i + 1) * seq_len], X[:, i * seq_len:(i + 1) * seq_len]) for i in range(n)]
