"""Correct, like torch: a sum of squares, and a factor clamped to 1 applied every time."""
import torch


def clip_grad_norm(parameters, max_norm):
    params = list(parameters)
    squares = [p.grad.pow(2).sum() for p in params if p.grad is not None]
    if len(squares) == 0:
        return torch.tensor(0.0)
    total = torch.stack(squares).sum().sqrt()
    factor = torch.clamp(max_norm / (total + 1e-6), max=1.0)
    with torch.no_grad():
        for p in params:
            if p.grad is not None:
                p.grad.mul_(factor)
    return total

