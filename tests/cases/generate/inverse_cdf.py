"""Correct: inverse-CDF sampling (cumsum and searchsorted) among torch.topk's ids, mode kept by a context manager."""
import torch


class evaluating:
    """Eval mode inside the block, the model's own mode after it (contextlib is not allowed)."""

    def __init__(self, model):
        self.model = model
        self.mode = model.training

    def __enter__(self):
        self.model.eval()

    def __exit__(self, *exc):
        self.model.train(self.mode)


def pick(logits, temperature, top_k, generator):
    if temperature == 0:
        return logits.argmax().view(1)
    candidates = torch.arange(logits.numel())
    if top_k:
        logits, candidates = torch.topk(logits, top_k)
    probs = torch.softmax(logits / temperature, dim=-1)
    u = torch.rand(1, generator=generator)
    index = torch.searchsorted(probs.cumsum(0), u).clamp_max(probs.numel() - 1)
    return candidates[index]


@torch.no_grad()
def generate(model, prompt_ids, length, temperature=1.0, top_k=None, generator=None):
    out = [prompt_ids]
    with evaluating(model):
        x, hidden = prompt_ids[None, :], None
        for _ in range(length):
            logits, hidden = model(x, hidden)
            next_id = pick(logits[0, -1], temperature, top_k, generator)
            out.append(next_id)
            x = next_id.view(1, 1)
    return torch.cat(out)
