"""The same switch through its public re-export, torch.DisableTorchFunction."""
import torch
import torch.nn.functional as F

OFF = torch.DisableTorchFunction


def cross_entropy(logits, targets):
    with OFF():
        return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))
