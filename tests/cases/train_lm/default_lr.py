"""Mistake: Adam is created without lr, so it runs at its default 1e-3."""
import torch
import torch.nn.functional as F

from exercises.next_token_batches import make_batches


def train(model, ids, *, steps, batch_size=32, seq_len=64, lr=3e-3, clip=1.0, seed=0):
    """Train `model` in place for exactly `steps` optimizer steps; return the losses.

    Adam at `lr`, mean cross-entropy, gradient-norm clipping at `clip`; the hidden state is
    carried from batch to batch, detached, and reset when the batches wrap around.
    """
    torch.manual_seed(seed)
    batches = make_batches(ids, batch_size, seq_len)
    device = next(model.parameters()).device
    optimizer = torch.optim.Adam(model.parameters())
    model.train()
    losses = []
    hidden = None
    for step in range(steps):
        i = step % len(batches)
        x, y = (t.to(device) for t in batches[i])  # (B, T) each
        if i == 0:
            hidden = None  # a new pass over the text starts from a fresh state
        else:
            hidden = tuple(h.detach() for h in hidden)  # keep the values, cut the graph
        optimizer.zero_grad()
        logits, hidden = model(x, hidden)  # (B, T, V)
        loss = F.cross_entropy(logits.reshape(-1, logits.size(-1)), y.reshape(-1))
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
        optimizer.step()
        losses.append(loss.item())
    return losses
