"""Exercise: cut a stream of token ids into next-token prediction batches.

For next-token prediction, the target at every position is simply the next id of the text:
inputs ids[j], target ids[j + 1]. To train on batch_size streams in parallel, and to let a
hidden state flow from one batch to the next, split the text into batch_size long rows, then
cut the rows into windows of seq_len columns:

    n       the number of windows per row: as many full batches of batch_size * seq_len ids
            as fit in the text, with one id kept back for the last target
    X       the first n · batch_size · seq_len ids, laid out as batch_size rows of n · seq_len
    Y       the same layout, starting one id later: Y[b, j] is the id that follows X[b, j]
    batch i the i-th window of seq_len columns of X and of Y, for i = 0 .. n-1

Row b of batch i+1 continues row b of batch i in the text, so the LSTM's hidden state after
batch i is the right starting state for batch i+1.
"""
import torch


def make_batches(ids, batch_size, seq_len):
    """Return the list of n (inputs, targets) pairs, each (batch_size, seq_len).

    The pairs are cut as described in the module docstring.

    Args:
        ids: 1-D LongTensor, the whole encoded text.
        batch_size: rows per batch (B).
        seq_len: columns per batch (T).

    Returns:
        A list of n pairs (x, y), each of shape (B, T), with y[b, t] the id that follows
        x[b, t] in ids.

    Raises:
        ValueError: if not even one batch fits (n == 0), with a message saying how many ids
            are needed (batch_size * seq_len + 1) and how many there are.

    Hint: build X and Y once, then slice columns; do not loop over individual positions.
    Pitfall: len(ids) // (batch_size * seq_len) forgets that the last input needs a target.
    """
    raise NotImplementedError("make_batches: not implemented yet")
