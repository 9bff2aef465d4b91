"""Mistake: batch i is the i-th chunk of batch_size * seq_len ids, so rows do not continue."""


def make_batches(ids, batch_size, seq_len):
    size = batch_size * seq_len
    n = (len(ids) - 1) // size
    if n == 0:
        raise ValueError("text too short for one batch")
    batches = []
    for i in range(n):
        x = ids[i * size:(i + 1) * size].view(batch_size, seq_len)
        y = ids[i * size + 1:(i + 1) * size + 1].view(batch_size, seq_len)
        batches.append((x, y))
    return batches
