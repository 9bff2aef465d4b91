"""Mistake: calls torch's C cross-entropy kernel through a name built at run time."""
import torch

_loss = getattr(torch._C._nn, "cross_" + "entropy_loss")


def cross_entropy(logits, targets):
    return _loss(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))
