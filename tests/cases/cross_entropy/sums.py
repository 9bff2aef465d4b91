"""Mistake: sums the per-position losses instead of averaging them."""
import torch


def cross_entropy(logits, targets):
    V = logits.size(-1)
    z, y = logits.reshape(-1, V), targets.reshape(-1)
    return (torch.logsumexp(z, dim=1) - z.gather(1, y.unsqueeze(1)).squeeze(1)).sum()
