"""Mistake: softmax before F.cross_entropy, which applies it again (the loss barely moves)."""
import torch
import torch.nn.functional as F

from exercises.next_token_batches import make_batches


def train(model, ids, *, steps, batch_size=32, seq_len=64, lr=3e-3, clip=1.0, seed=0):
    torch.manual_seed(seed)
    batches = make_batches(ids, batch_size, seq_len)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    model.train()
    losses = []
    hidden = None
    for step in range(steps):
        i = step % len(batches)
        x, y = batches[i]
        hidden = None if i == 0 else tuple(h.detach() for h in hidden)
        optimizer.zero_grad()
        logits, hidden = model(x, hidden)
        probs = torch.softmax(logits, dim=-1)
        loss = F.cross_entropy(probs.reshape(-1, probs.size(-1)), y.reshape(-1))
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
        optimizer.step()
        losses.append(loss.item())
    return losses
