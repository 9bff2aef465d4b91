"""Reference: perplexity, the exponential of the mean negative log-likelihood."""
import torch
import torch.nn.functional as F


@torch.no_grad()
def perplexity(logits, targets):
    """Return exp(mean negative log-likelihood of targets) as a Python float.

    logits (N, V) with targets (N,), or (B, T, V) with (B, T) -> float.
    """
    V = logits.size(-1)
    nll = F.cross_entropy(logits.reshape(-1, V), targets.reshape(-1))  # 0-dim
    return nll.exp().item()
