"""Reference: a character-level vocabulary."""
import torch


def build_vocab(text):
    """Return (stoi, itos) for the characters of `text`.

    itos is sorted(set(text)), so the same text always gives the same ids.
    """
    itos = sorted(set(text))
    stoi = {ch: i for i, ch in enumerate(itos)}
    return stoi, itos


def encode(text, stoi):
    """Return the ids of the characters of `text` as a LongTensor of shape (len(text),)."""
    return torch.tensor([stoi[ch] for ch in text], dtype=torch.long)  # KeyError if unknown


def decode(ids, itos):
    """Return the string spelled by `ids`.

    ids is a list of ints or a 1-D integer tensor.
    """
    if isinstance(ids, torch.Tensor):
        ids = ids.tolist()
    return "".join(itos[i] for i in ids)
