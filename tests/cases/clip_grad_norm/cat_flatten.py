"""Correct, written as one long vector with torch.cat, scaled in place tensor by tensor."""
import torch


def clip_grad_norm(parameters, max_norm):
    grads = [p.grad for p in parameters if p.grad is not None]
    if not grads:
        return torch.tensor(0.0)
    with torch.no_grad():
        total = torch.cat([g.reshape(-1) for g in grads]).norm()
        if total > max_norm:
            for grad in grads:
                grad.mul_(max_norm / (total + 1e-6))
    return total
