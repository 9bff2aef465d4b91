"""Mistake: lets F.cross_entropy do the work."""
import torch.nn.functional as F


def cross_entropy(logits, targets):
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))
