"""Reference: cut a stream of token ids into next-token prediction batches."""


def make_batches(ids, batch_size, seq_len):
    """Return the list of n (inputs, targets) pairs, each (batch_size, seq_len).

    Row b of batch i+1 continues row b of batch i, so a hidden state can be carried across.
    """
    n = (len(ids) - 1) // (batch_size * seq_len)  # windows per row; one id kept for the last target
    if n < 1:
        raise ValueError(
            f"make_batches needs at least batch_size * seq_len + 1 = {batch_size * seq_len + 1} "
            f"ids, got {len(ids)}"
        )
    m = n * batch_size * seq_len
    X = ids[:m].view(batch_size, n * seq_len)  # (B, n*T), each row a stretch of the text
    Y = ids[1:m + 1].view(batch_size, n * seq_len)  # (B, n*T), the id after each id of X
    return [
        (X[:, i * seq_len:(i + 1) * seq_len], Y[:, i * seq_len:(i + 1) * seq_len])  # (B, T) each
        for i in range(n)
    ]
