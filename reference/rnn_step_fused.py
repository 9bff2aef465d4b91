"""Reference: an RNN step with a single matrix multiplication."""
import torch


def rnn_step_fused(x_t, h_prev, W_h, b_h):
    """Return h_t = tanh([h_prev || x_t] @ W_h + b_h), using exactly one matrix multiplication.

    x_t (B, I), h_prev (B, H), W_h (H + I, H) = Whh stacked above Wxh, b_h (H,) -> h_t (B, H).
    """
    H_t = torch.cat([h_prev, x_t], dim=1)  # (B, H + I), h first to line up with Whh's rows
    return torch.tanh(H_t @ W_h + b_h)  # (B, H)
