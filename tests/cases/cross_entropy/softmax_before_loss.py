"""Mistake: turns the logits into probabilities first, then applies a (stable) cross-entropy to them."""
import torch


def cross_entropy(logits, targets):
    probs = torch.softmax(logits.reshape(-1, logits.size(-1)), dim=-1)
    picked = probs.gather(1, targets.reshape(-1, 1)).squeeze(1)
    return (torch.logsumexp(probs, dim=1) - picked).mean()
