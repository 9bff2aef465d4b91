"""Mistake: torch.tensor without dtype, so the empty text gives a float32 tensor."""
import torch


def build_vocab(text):
    itos = sorted(set(text))
    return {ch: i for i, ch in enumerate(itos)}, itos


def encode(text, stoi):
    return torch.tensor([stoi[ch] for ch in text])


def decode(ids, itos):
    return "".join(itos[i] for i in ids)
