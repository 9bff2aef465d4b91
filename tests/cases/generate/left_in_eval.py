"""Mistake: the model is switched to eval mode and left there."""
import torch


@torch.no_grad()
def generate(model, prompt_ids, length, temperature=1.0, top_k=None, generator=None):
    model.eval()
    logits, hidden = model(prompt_ids.view(1, -1))
    ids = [prompt_ids]
    for _ in range(length):
        z = logits[0, -1]
        if temperature == 0:
            next_id = z.argmax().view(1)
        else:
            z = z / temperature
            if top_k:
                kth = torch.topk(z, top_k).values[-1]
                z = z.masked_fill(z < kth, float("-inf"))
            next_id = torch.multinomial(torch.softmax(z, -1), 1, generator=generator)
        ids.append(next_id)
        logits, hidden = model(next_id.view(1, 1), hidden)
    return torch.cat(ids)
