"""Correct, with dict(zip(...)), map and int()."""
import torch


def build_vocab(text):
    itos = sorted(list(set(text)))
    stoi = dict(zip(itos, range(len(itos))))
    return stoi, itos


def encode(text, stoi):
    return torch.as_tensor(list(map(stoi.__getitem__, text)), dtype=torch.int64)


def decode(ids, itos):
    return "".join(itos[int(i)] for i in ids)
