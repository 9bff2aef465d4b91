"""Mistake: subtracts the max from the logits in place."""
import torch


def cross_entropy(logits, targets):
    logits -= logits.max(dim=-1, keepdim=True).values
    target_logits = logits.gather(-1, targets.unsqueeze(-1)).squeeze(-1)
    return (torch.log(torch.exp(logits).sum(dim=-1)) - target_logits).mean()
