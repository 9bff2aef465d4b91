"""Mistake: stoi maps ids to characters, the same mapping as itos."""
import torch


def build_vocab(text):
    itos = sorted(set(text))
    stoi = {i: ch for i, ch in enumerate(itos)}
    return stoi, itos


def encode(text, stoi):
    return torch.tensor([stoi[ch] for ch in text], dtype=torch.long)


def decode(ids, itos):
    return "".join(itos[i] for i in ids)
