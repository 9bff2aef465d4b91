"""Mistake: converts the logits to float32."""
import torch


def cross_entropy(logits, targets):
    z = logits.float()
    return (torch.logsumexp(z, dim=-1) - z.gather(-1, targets.unsqueeze(-1)).squeeze(-1)).mean()
