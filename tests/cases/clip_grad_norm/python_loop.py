"""Correct, accumulating the squared norm in a loop and scaling by a Python float."""
import torch


@torch.no_grad()
def clip_grad_norm(parameters, max_norm):
    grads = []
    squared = None
    for p in parameters:
        if p.grad is None:
            continue
        grads.append(p.grad)
        term = (p.grad * p.grad).sum()
        squared = term if squared is None else squared + term
    if squared is None:
        return torch.tensor(0.)
    total = torch.sqrt(squared)
    if total.item() > max_norm:
        coef = max_norm / (total.item() + 1e-6)
        for g in grads:
            g *= coef
    return total
