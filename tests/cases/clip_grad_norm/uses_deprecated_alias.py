"""Mistake: calls torch's deprecated torch.nn.utils.clip_grad_norm, as old tutorials do."""
from torch.nn import utils


def clip_grad_norm(parameters, max_norm):
    return utils.clip_grad_norm(parameters, max_norm)
