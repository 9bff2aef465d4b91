"""Reference: the cross-entropy loss for next-token prediction, computed stably."""
import torch


def cross_entropy(logits, targets):
    """Return the mean negative log-likelihood of `targets` under softmax(logits).

    logits (N, V) with targets (N,), or (B, T, V) with (B, T) -> 0-dim tensor.
    """
    V = logits.size(-1)
    logits = logits.reshape(-1, V)  # (N, V)
    targets = targets.reshape(-1)  # (N,)
    # -log softmax(z)[y] = logsumexp(z) - z_y; logsumexp subtracts the max, so nothing overflows.
    log_z = torch.logsumexp(logits, dim=1)  # (N,)
    target_logits = logits.gather(1, targets.unsqueeze(1)).squeeze(1)  # (N,)
    return (log_z - target_logits).mean()
