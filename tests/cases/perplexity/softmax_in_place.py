"""Mistake: normalises the logits in place."""
import math

import torch


def perplexity(logits, targets):
    logits.sub_(torch.logsumexp(logits, dim=-1, keepdim=True))
    return math.exp(-logits.gather(-1, targets.unsqueeze(-1)).mean().item())
