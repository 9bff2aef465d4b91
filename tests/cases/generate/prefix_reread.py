"""Mistake: the whole sequence so far is fed again to pick every new id."""
import torch


def generate(model, prompt_ids, length, temperature=1.0, top_k=None, generator=None):
    was_training = model.training
    model.eval()
    ids = prompt_ids.clone()
    try:
        with torch.no_grad():
            for _ in range(length):
                logits, _ = model(ids.view(1, -1))  # (1, len(ids), V)
                z = logits[0, -1]
                if temperature == 0:
                    next_id = z.argmax().view(1)
                else:
                    z = z / temperature
                    if top_k:
                        kth = torch.topk(z, top_k).values[-1]
                        z = z.masked_fill(z < kth, float("-inf"))
                    next_id = torch.multinomial(torch.softmax(z, -1), 1, generator=generator)
                ids = torch.cat([ids, next_id])
    finally:
        model.train(was_training)
    return ids
