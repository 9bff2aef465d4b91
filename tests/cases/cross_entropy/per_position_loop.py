"""Correct, one position at a time in a Python loop."""
import torch


def cross_entropy(logits, targets):
    z = logits.reshape(-1, logits.shape[-1])
    y = targets.reshape(-1).tolist()
    losses = [torch.logsumexp(z[i], dim=0) - z[i, y[i]] for i in range(len(y))]
    return torch.stack(losses).sum() / len(y)
