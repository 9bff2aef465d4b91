"""Exercise: perplexity, the usual way to report a language model's loss.

Perplexity is the exponential of the mean negative log-likelihood (the cross-entropy):

    perplexity = exp(mean NLL)

It reads as "the model is as unsure as if it were choosing uniformly among this many tokens":
a uniform guess over V tokens has perplexity exactly V, a perfect model has perplexity 1.
"""
import torch
import torch.nn.functional as F


def perplexity(logits, targets):
    """Return exp(mean negative log-likelihood of targets) as a Python float.

    Args:
        logits:  (N, V) or (B, T, V) scores over a vocabulary of size V.
        targets: (N,) or (B, T) int64 class ids.

    Returns:
        A Python float (not a tensor).

    Allowed here: any cross-entropy from torch, e.g. F.cross_entropy on the flattened inputs.

    Hints:
        - F.cross_entropy expects (N, V) and (N,): flatten with reshape(-1, V) / reshape(-1).
        - Evaluation needs no autograd graph: wrap it in torch.no_grad(), and turn the 0-dim
          result into a float with .item().
    """
    raise NotImplementedError("perplexity: not implemented yet")
