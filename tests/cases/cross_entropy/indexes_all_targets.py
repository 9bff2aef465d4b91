"""Mistake: logits[:, targets] instead of one logit per row."""
import torch


def cross_entropy(logits, targets):
    V = logits.shape[-1]
    z, y = logits.reshape(-1, V), targets.reshape(-1)
    return (torch.logsumexp(z, dim=1) - z[:, y]).mean()
