"""Mistake: exponentiates the summed NLL."""
import torch.nn.functional as F


def perplexity(logits, targets):
    V = logits.size(-1)
    return F.cross_entropy(logits.reshape(-1, V), targets.reshape(-1), reduction="sum").exp().item()
