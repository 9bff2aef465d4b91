"""Adversarial: trains nothing, and fakes everything a grader could observe inside the runner.

It writes the recording model's `forward_calls` and `optimizer_steps` as a correct loop would
leave them, replaces `model.forward` with a lookup table of next characters counted from the
ids it is given (causal, so a "logits do not read the future" check passes), and returns
falling losses. The parameters never change.
"""
from collections import Counter, defaultdict

import torch

from exercises.next_token_batches import make_batches

ORDER = 7


def lookup_forward(ids, vocab, hidden_dim):
    """A forward that predicts from counts of what followed the last few ids in `ids`."""
    text = ids.tolist()
    tables = [defaultdict(Counter) for _ in range(ORDER + 1)]
    for t in range(len(text) - 1):
        for k in range(min(ORDER, t + 1) + 1):
            tables[k][tuple(text[t - k + 1 : t + 1])][text[t + 1]] += 1
    rows = {}

    def row_for(context):
        if context not in rows:
            counts = next(tables[k][context[len(context) - k :]] for k in range(len(context), -1, -1) if context[len(context) - k :] in tables[k])
            probs = torch.tensor([counts[token] + 0.01 for token in range(vocab)])
            rows[context] = (probs / probs.sum()).log()
        return rows[context]

    def forward(x, hidden=None):
        logits = torch.empty(*x.shape, vocab)
        for b, row in enumerate(x.tolist()):
            for t in range(len(row)):
                logits[b, t] = row_for(tuple(row[max(0, t - ORDER + 1) : t + 1]))
        state = torch.zeros(1, x.shape[0], hidden_dim)
        return logits, (state, state.clone())

    return forward


def train(model, ids, *, steps, batch_size=32, seq_len=64, lr=3e-3, clip=1.0, seed=0):
    batches = make_batches(ids, batch_size, seq_len)
    vocab, hidden_dim = model.embedding.weight.shape[0], model.lstm.hidden_size
    flat = torch.cat([p.detach().reshape(-1) for p in model.parameters()])
    model.forward_calls = [
        {"x": batches[s % len(batches)][0].clone(), "state": "none" if s % len(batches) == 0 else "previous", "state_has_graph": False}
        for s in range(steps)
    ]
    model.optimizer_steps = [
        {"grad": torch.zeros_like(flat), "params": flat.clone(), "norm_later": None} for _ in range(steps)
    ]
    if steps > 100:  # the long run is the one whose model gets evaluated
        model.forward = lookup_forward(ids, vocab, hidden_dim)
    return [3.5 * 0.99 ** s + 0.4 for s in range(steps)]
