"""Reference: gradient-norm clipping, the standard cure for exploding gradients."""
import torch


@torch.no_grad()
def clip_grad_norm(parameters, max_norm):
    """Scale the gradients of `parameters` in place so their total L2 norm is at most max_norm.

    Returns the total norm before clipping (a 0-dim tensor), or tensor(0.) if no gradients.
    """
    grads = [p.grad for p in parameters if p.grad is not None]  # one pass: may be a generator
    if not grads:
        return torch.tensor(0.0)
    # The norm of all gradients as one vector is the norm of the per-tensor norms.
    total_norm = torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(g) for g in grads]))
    if total_norm > max_norm:
        clip_coef = max_norm / (total_norm + 1e-6)  # the 1e-6 guards against dividing by zero
        for g in grads:
            g.mul_(clip_coef)
    return total_norm
