"""Mistake: detaches the logits, so no gradient reaches them."""
import torch


def cross_entropy(logits, targets):
    z = logits.detach()
    loss = (torch.logsumexp(z, dim=-1) - z.gather(-1, targets.unsqueeze(-1)).squeeze(-1)).mean()
    return loss.requires_grad_()
