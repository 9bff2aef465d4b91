"""Reference: unroll an RNN cell over a whole sequence."""
import torch

from exercises.rnn_step import rnn_step


def rnn_forward(x, h0, Wxh, Whh, bh):
    """Run the RNN over every time step; return (hs, h_last).

    x (B, T, I), h0 (B, H) or None for zeros -> hs (B, T, H), h_last (B, H) == hs[:, -1].
    """
    B, T, _ = x.shape
    h = x.new_zeros(B, Whh.size(0)) if h0 is None else h0  # (B, H)
    hs = []
    for t in range(T):
        h = rnn_step(x[:, t], h, Wxh, Whh, bh)  # (B, H)
        hs.append(h)
    # Stacking a list (rather than writing into a preallocated tensor) keeps autograd simple.
    return torch.stack(hs, dim=1), h  # (B, T, H), (B, H)
