"""Correct, reusing the course's cross_entropy and math.exp."""
import math

import torch

from exercises.cross_entropy import cross_entropy


def perplexity(logits, targets):
    with torch.no_grad():
        return math.exp(cross_entropy(logits, targets).item())
