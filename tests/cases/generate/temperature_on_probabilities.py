"""Mistake: the temperature divides the probabilities, after the softmax."""
import torch


def generate(model, prompt_ids, length, temperature=1.0, top_k=None, generator=None):
    """Return the prompt followed by `length` generated ids, as a 1-D LongTensor.

    The prompt is read once; after that each new id is fed alone, with the carried hidden state,
    except the last one (nothing reads its logits). Leaves the model's train/eval mode as it
    found it.
    """
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            logits, hidden = model(prompt_ids.view(1, -1))  # (1, P, V)
            new_ids = []
            for step in range(length):
                if step > 0:  # feed the id picked last; the final one is never fed (nothing reads its logits)
                    logits, hidden = model(new_ids[-1].view(1, 1), hidden)  # (1, 1, V)
                new_ids.append(_pick(logits[0, -1], temperature, top_k, generator))  # (1,)
    finally:
        model.train(was_training)
    return torch.cat([prompt_ids, *new_ids]).long()  # (P + length,)


def _pick(logits, temperature, top_k, generator):
    """Choose the next id from the last logits (V,): argmax at temperature 0, else sample."""
    if temperature == 0:
        return logits.argmax(dim=-1, keepdim=True)  # (1,)
    if top_k:
        kth = torch.topk(logits, min(top_k, logits.size(-1))).values[-1]
        logits = logits.masked_fill(logits < kth, float("-inf"))
    probs = torch.softmax(logits, dim=-1) / temperature  # (V,)
    return torch.multinomial(probs, 1, generator=generator)  # (1,)
