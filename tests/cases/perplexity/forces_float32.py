"""Mistake: converts the logits to float32 first."""
import torch.nn.functional as F


def perplexity(logits, targets):
    V = logits.size(-1)
    return F.cross_entropy(logits.float().reshape(-1, V), targets.reshape(-1)).exp().item()
