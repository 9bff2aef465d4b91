"""Correct: its own cross-entropy and norm clipping, zeros as the reset state, zero_grad after the step."""
import itertools

import torch

from exercises.next_token_batches import make_batches


def cross_entropy(logits, targets):
    log_probs = logits - torch.logsumexp(logits, dim=-1, keepdim=True)  # (B, T, V)
    return -log_probs.gather(-1, targets.unsqueeze(-1)).mean()


def clip_(parameters, max_norm):
    grads = [p.grad for p in parameters if p.grad is not None]
    total = torch.sqrt(sum((g * g).sum() for g in grads))
    if total > max_norm:
        for g in grads:
            g.mul_(max_norm / (total + 1e-6))


def train(model, ids, *, steps, batch_size=32, seq_len=64, lr=3e-3, clip=1.0, seed=0):
    torch.manual_seed(seed)
    batches = make_batches(ids, batch_size, seq_len)
    params = list(model.parameters())
    optimizer = torch.optim.Adam(params, lr=lr)
    model.train()
    losses = []
    h = c = None
    for step, (i, (x, y)) in zip(range(steps), itertools.cycle(enumerate(batches))):
        if i == 0:
            layers, hidden_dim = model.lstm.num_layers, model.lstm.hidden_size
            h = torch.zeros(layers, x.shape[0], hidden_dim)
            c = torch.zeros(layers, x.shape[0], hidden_dim)
        logits, (h, c) = model(x, (h, c))
        loss = cross_entropy(logits, y)
        loss.backward()
        clip_(params, clip)
        optimizer.step()
        optimizer.zero_grad(set_to_none=False)
        h, c = h.detach(), c.detach()
        losses.append(float(loss))
    return losses
