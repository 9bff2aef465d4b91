"""Correct, splitting the rows into column blocks with torch.split."""


def make_batches(ids, batch_size, seq_len):
    n = (ids.numel() - 1) // (batch_size * seq_len)
    if n == 0:
        raise ValueError(f"need at least {batch_size * seq_len + 1} ids, got {ids.numel()}")
    m = n * batch_size * seq_len
    inputs = ids[:m].reshape(batch_size, -1).split(seq_len, dim=1)
    targets = ids[1:m + 1].reshape(batch_size, -1).split(seq_len, dim=1)
    return list(zip(inputs, targets))
