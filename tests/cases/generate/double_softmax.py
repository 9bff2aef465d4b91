"""Mistake: samples from a softmax of the probabilities (torch.multinomial would take them as they are)."""
import torch


def generate(model, prompt_ids, length, temperature=1.0, top_k=None, generator=None):
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            logits, hidden = model(prompt_ids.view(1, -1))
            ids = [int(i) for i in prompt_ids]
            for step in range(length):
                if step > 0:
                    logits, hidden = model(torch.tensor([[ids[-1]]]), hidden)
                last = logits[0, -1]
                if temperature == 0:
                    ids.append(int(last.argmax()))
                    continue
                last = last / temperature
                if top_k is not None:
                    last = last.masked_fill(last < torch.topk(last, top_k).values.min(), float("-inf"))
                probs = torch.softmax(torch.softmax(last, dim=-1), dim=-1)
                ids.append(int(torch.multinomial(probs, 1, generator=generator)))
    finally:
        model.train(was_training)
    return torch.tensor(ids, dtype=torch.long)
