"""Correct: passes over the batches with an inner loop that stops after `steps`; model.zero_grad()."""
import torch
import torch.nn.functional as F

from exercises.next_token_batches import make_batches


def train(model, ids, *, steps, batch_size=32, seq_len=64, lr=3e-3, clip=1.0, seed=0):
    torch.manual_seed(seed)
    batches = make_batches(ids, batch_size, seq_len)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    model.train()
    losses = []
    while len(losses) < steps:
        hidden = None  # a new pass over the text
        for x, y in batches:
            if len(losses) == steps:
                break
            model.zero_grad()
            logits, hidden = model(x, hidden)
            loss = F.cross_entropy(logits.transpose(1, 2), y)  # (B, V, T) against (B, T)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=clip)
            optimizer.step()
            hidden = (hidden[0].detach(), hidden[1].detach())
            losses.append(loss.item())
    return losses
