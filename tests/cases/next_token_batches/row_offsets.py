"""Correct, gathering each row's window by offset arithmetic."""
import torch


def make_batches(ids, batch_size, seq_len):
    row_len = (len(ids) - 1) // (batch_size * seq_len) * seq_len
    if row_len == 0:
        raise ValueError("text too short for one batch")
    batches = []
    for start in range(0, row_len, seq_len):
        x = torch.stack([ids[b * row_len + start:b * row_len + start + seq_len] for b in range(batch_size)])
        y = torch.stack([ids[b * row_len + start + 1:b * row_len + start + seq_len + 1] for b in range(batch_size)])
        batches.append((x, y))
    return batches
