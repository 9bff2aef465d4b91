"""Correct: Gumbel-max sampling from the generator's uniforms, top-k by sorting, the last id fed too."""
import torch


def generate(model, prompt_ids, length, temperature=1.0, top_k=None, generator=None):
    was_training = model.training
    model.eval()
    ids = prompt_ids.tolist()
    try:
        with torch.no_grad():
            logits, hidden = model(prompt_ids.unsqueeze(0))
            for _ in range(length):
                z = logits[0, -1]
                if temperature == 0:
                    next_id = int(z.argmax())
                else:
                    z = z / temperature
                    if top_k is not None:
                        cutoff = z.sort(descending=True).values[top_k - 1]
                        z = torch.where(z >= cutoff, z, torch.full_like(z, float("-inf")))
                    u = torch.rand(z.shape, generator=generator).clamp_min(1e-20)
                    next_id = int((z - torch.log(-torch.log(u))).argmax())
                ids.append(next_id)
                logits, hidden = model(torch.tensor([[next_id]]), hidden)
    finally:
        model.train(was_training)
    return torch.tensor(ids, dtype=torch.long)
