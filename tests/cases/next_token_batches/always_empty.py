"""Mistake: returns an empty list, on which every per-batch property holds vacuously."""


def make_batches(ids, batch_size, seq_len):
    if len(ids) <= batch_size * seq_len:
        raise ValueError("too short")
    return []
