"""Mistake: build_vocab returns (itos, stoi)."""
import torch


def build_vocab(text):
    itos = sorted(set(text))
    return itos, {ch: i for i, ch in enumerate(itos)}


def encode(text, stoi):
    return torch.tensor([stoi[ch] for ch in text], dtype=torch.long)


def decode(ids, itos):
    return "".join(itos[i] for i in ids)
