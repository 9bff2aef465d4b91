"""Mistake: "cleans" the text to ASCII, so non-ASCII characters get no id."""
import torch


def build_vocab(text):
    itos = sorted(set(text.encode("ascii", "ignore").decode("ascii")))
    return {ch: i for i, ch in enumerate(itos)}, itos


def encode(text, stoi):
    return torch.tensor([stoi[ch] for ch in text], dtype=torch.long)


def decode(ids, itos):
    if isinstance(ids, torch.Tensor):
        ids = ids.tolist()
    return "".join(itos[i] for i in ids)
