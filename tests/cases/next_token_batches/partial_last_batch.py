"""Mistake: uses every column, so the last batch can be narrower than seq_len."""


def make_batches(ids, batch_size, seq_len):
    columns = (len(ids) - 1) // batch_size
    if columns < seq_len:
        raise ValueError("text too short for one batch")
    X = ids[:batch_size * columns].view(batch_size, columns)
    Y = ids[1:batch_size * columns + 1].view(batch_size, columns)
    return [(X[:, i:i + seq_len], Y[:, i:i + seq_len]) for i in range(0, columns, seq_len)]
