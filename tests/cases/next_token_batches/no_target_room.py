"""Mistake: n = len(ids) // (batch_size * seq_len), forgetting the last input's target."""


def make_batches(ids, batch_size, seq_len):
    n = len(ids) // (batch_size * seq_len)
    if n < 1:
        raise ValueError("text too short for one batch")
    m = n * batch_size * seq_len
    X = ids[:m].view(batch_size, n * seq_len)
    Y = ids[1:m + 1].view(batch_size, n * seq_len)
    return [(X[:, i * seq_len:(i + 1) * seq_len], Y[:, i * seq_len:(i + 1) * seq_len]) for i in range(n)]
