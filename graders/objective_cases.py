"""Inputs and the torch oracle shared by the cross_entropy and perplexity graders."""

from __future__ import annotations

import torch
import torch.nn.functional as F


def logits_inputs(*lead: int, vocab: int = 7, dtype=torch.float32, seed: int = 0, scale: float = 2.0):
    """(logits, targets): logits (*lead, vocab) random, targets (*lead,) int64 ids in [0, vocab).

    ``vocab`` differs from every leading size, so a softmax over the wrong axis shows.
    """
    g = torch.Generator().manual_seed(seed)
    logits = (torch.randn(*lead, vocab, generator=g, dtype=torch.float64) * scale).to(dtype)
    targets = torch.randint(vocab, lead, generator=g)
    return logits, targets


def position_nll(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """-log softmax(logits)[target] at every position, flattened to (N,), by torch's own loss."""
    vocab = logits.size(-1)
    return F.cross_entropy(logits.reshape(-1, vocab), targets.reshape(-1), reduction="none")


def torch_cross_entropy(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """The contract's oracle: F.cross_entropy on the flattened inputs."""
    return position_nll(logits, targets).mean()


def describe(logits: torch.Tensor) -> str:
    shape = ", ".join(str(n) for n in logits.shape)
    return f"logits of shape ({shape}), {str(logits.dtype).removeprefix('torch.')}"
