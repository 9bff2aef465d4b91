"""Correct, with nn.CrossEntropyLoss and float()."""
import torch
from torch import nn


def perplexity(logits, targets):
    loss = nn.CrossEntropyLoss()(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))
    return float(torch.exp(loss.detach()))
