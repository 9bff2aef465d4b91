"""Correct, filling a preallocated tensor and converting any ids with torch.as_tensor."""
import torch


def build_vocab(text):
    itos = sorted(dict.fromkeys(text))
    stoi = {}
    for i, ch in enumerate(itos):
        stoi[ch] = i
    return stoi, itos


def encode(text, stoi):
    ids = torch.empty(len(text), dtype=torch.long)
    for t, ch in enumerate(text):
        ids[t] = stoi[ch]
    return ids


def decode(ids, itos):
    chars = [itos[i] for i in torch.as_tensor(ids, dtype=torch.long).tolist()]
    return "".join(chars)
