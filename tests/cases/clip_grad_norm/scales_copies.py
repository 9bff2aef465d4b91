"""Mistake: scales new tensors bound to a loop variable, so the parameters' gradients never change."""
import torch


def clip_grad_norm(parameters, max_norm):
    grads = [p.grad for p in parameters if p.grad is not None]
    if not grads:
        return torch.tensor(0.0)
    total = torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(g) for g in grads]))
    if total > max_norm:
        for g in grads:
            g = g * (max_norm / (total + 1e-6))
    return total
