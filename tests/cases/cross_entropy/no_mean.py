"""Mistake: returns the loss of every position instead of their mean."""
import torch


def cross_entropy(logits, targets):
    target_logits = logits.gather(-1, targets.unsqueeze(-1)).squeeze(-1)
    return torch.logsumexp(logits, dim=-1) - target_logits
