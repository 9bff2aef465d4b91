"""Mistake: exp of the mean probability of the targets."""
import math

import torch


def perplexity(logits, targets):
    probs = torch.softmax(logits, dim=-1).gather(-1, targets.unsqueeze(-1))
    return math.exp(probs.mean().item())
