"""Exercise: gradient-norm clipping, the standard cure for exploding gradients.

When the gradient of a recurrent network explodes, one update can throw the weights far away.
Clipping keeps the update's direction but caps its length. Treat all the gradients as one long
vector g = (g_1, g_2, ...) and measure its L2 norm:

    total_norm = sqrt(sum_i ||g_i||^2)

If total_norm > max_norm, scale every gradient by the same factor:

    g_i <- g_i · max_norm / (total_norm + ε),   ε = 1e-6

(ε guards against division by zero), so the new total norm is just under max_norm.
Otherwise leave the gradients alone. This is what torch.nn.utils.clip_grad_norm_ does.
"""
import torch


def clip_grad_norm(parameters, max_norm):
    """Scale the gradients of `parameters` in place so their total L2 norm is at most max_norm.

    Args:
        parameters: an iterable of tensors, e.g. model.parameters(). It may be a generator,
            which can only be iterated once. Tensors whose .grad is None are skipped.
        max_norm: a float, the largest total norm allowed.

    Returns:
        total_norm: a 0-dim tensor, the total norm *before* clipping;
            torch.tensor(0.) when no parameter has a gradient.

    Forbidden: anything in torch.nn.utils that clips or measures gradient norms
    (clip_grad_norm_, clip_grads_with_norm_, get_total_norm, ...).

    Hints:
        - Turn the iterable into a list of gradients first; a generator is empty the
          second time you loop over it.
        - torch.linalg.vector_norm(g) is the L2 norm of a whole tensor; the norm of the
          stacked per-tensor norms is the total norm.
        - Scale with an in-place method such as g.mul_(...), inside `with torch.no_grad():`,
          so the parameters' .grad tensors themselves change.
    """
    raise NotImplementedError("clip_grad_norm: not implemented yet")
