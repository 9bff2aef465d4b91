"""Mistake: clips each gradient by its own norm instead of the global one."""
import torch


@torch.no_grad()
def clip_grad_norm(parameters, max_norm):
    norms = []
    for p in parameters:
        if p.grad is None:
            continue
        norm = torch.linalg.vector_norm(p.grad)
        norms.append(norm)
        if norm > max_norm:
            p.grad.mul_(max_norm / (norm + 1e-6))
    if not norms:
        return torch.tensor(0.0)
    return torch.linalg.vector_norm(torch.stack(norms))
