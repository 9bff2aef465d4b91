"""Mistake: rebuilds the total norm as a new float32 tensor."""
import torch


@torch.no_grad()
def clip_grad_norm(parameters, max_norm):
    grads = [p.grad for p in parameters if p.grad is not None]
    if not grads:
        return torch.tensor(0.0)
    total = torch.tensor(sum(float(g.pow(2).sum()) for g in grads) ** 0.5)
    if total > max_norm:
        for g in grads:
            g.mul_(max_norm / (float(total) + 1e-6))
    return total
