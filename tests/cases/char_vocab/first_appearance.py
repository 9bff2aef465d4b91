"""Mistake: the vocabulary in order of first appearance."""
import torch


def build_vocab(text):
    itos = []
    for ch in text:
        if ch not in itos:
            itos.append(ch)
    return {ch: i for i, ch in enumerate(itos)}, itos


def encode(text, stoi):
    return torch.tensor([stoi[ch] for ch in text], dtype=torch.long)


def decode(ids, itos):
    return "".join(itos[i] for i in list(ids))
