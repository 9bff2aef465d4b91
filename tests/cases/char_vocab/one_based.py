"""Mistake: ids start at 1 (with a padding slot at 0 in itos)."""
import torch


def build_vocab(text):
    chars = sorted(set(text))
    stoi = {ch: i + 1 for i, ch in enumerate(chars)}
    return stoi, chars


def encode(text, stoi):
    return torch.tensor([stoi[ch] for ch in text], dtype=torch.long)


def decode(ids, itos):
    return "".join(itos[i - 1] for i in ids)
