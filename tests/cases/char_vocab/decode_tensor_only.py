"""Mistake: decode calls ids.tolist(), which a plain list does not have."""
import torch


def build_vocab(text):
    itos = sorted(set(text))
    return {ch: i for i, ch in enumerate(itos)}, itos


def encode(text, stoi):
    return torch.tensor([stoi[ch] for ch in text], dtype=torch.long)


def decode(ids, itos):
    return "".join(itos[i] for i in ids.tolist())
