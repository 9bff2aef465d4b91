"""Mistake: encode builds a float tensor with torch.Tensor."""
import torch


def build_vocab(text):
    itos = sorted(set(text))
    return {ch: i for i, ch in enumerate(itos)}, itos


def encode(text, stoi):
    return torch.Tensor([stoi[ch] for ch in text])


def decode(ids, itos):
    return "".join(itos[int(i)] for i in ids)
