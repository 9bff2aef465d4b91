"""Mistake: returns the perplexity as a 0-dim tensor."""
import torch.nn.functional as F


def perplexity(logits, targets):
    V = logits.size(-1)
    return F.cross_entropy(logits.reshape(-1, V), targets.reshape(-1)).exp()
