"""Mistake: every batch starts from a fresh state (the hidden state is not carried)."""
import torch
import torch.nn.functional as F

from exercises.next_token_batches import make_batches


def train(model, ids, *, steps, batch_size=32, seq_len=64, lr=3e-3, clip=1.0, seed=0):
    torch.manual_seed(seed)
    batches = make_batches(ids, batch_size, seq_len)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    model.train()
    losses = []
    for step in range(steps):
        x, y = batches[step % len(batches)]
        optimizer.zero_grad()
        logits, _ = model(x)
        loss = F.cross_entropy(logits.reshape(-1, logits.size(-1)), y.reshape(-1))
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
        optimizer.step()
        losses.append(loss.item())
    return losses
