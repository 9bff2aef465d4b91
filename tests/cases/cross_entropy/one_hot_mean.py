"""Mistake: one-hot formulation averaged over the vocabulary too."""
import torch
import torch.nn.functional as F


def cross_entropy(logits, targets):
    log_probs = logits - torch.logsumexp(logits, dim=-1, keepdim=True)
    return -(F.one_hot(targets, logits.shape[-1]) * log_probs).mean()
