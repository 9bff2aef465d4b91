"""Correct; names itself in __all__ and calls itself in a self-check, which no forbidden-API check may flag."""
import torch

__all__ = ["clip_grad_norm"]


@torch.no_grad()
def clip_grad_norm(parameters, max_norm):
    grads = [p.grad for p in parameters if p.grad is not None]
    if not grads:
        return torch.tensor(0.0)
    total = torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(g) for g in grads]))
    if total > max_norm:
        for g in grads:
            g.mul_(max_norm / (total + 1e-6))
    return total


if __name__ == "__main__":
    weight = torch.nn.Parameter(torch.ones(3))
    weight.grad = torch.full((3,), 2.0)
    print(clip_grad_norm([weight], 1.0), weight.grad)
