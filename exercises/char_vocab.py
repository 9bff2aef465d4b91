"""Exercise: a character-level vocabulary (the notebook's data preparation).

A character-level model sees text as a sequence of characters, each mapped to an integer id:

    itos: the distinct characters of the text, sorted    id -> character ("index to string")
    stoi: the dict back from each character to its id     character -> id ("string to index")

Sorting makes the vocabulary deterministic: the same text always gives the same ids.
encode turns a string into a tensor of ids; decode turns ids back into the string, so
decode(encode(s, stoi), itos) == s.
"""
import torch


def build_vocab(text):
    """Return (stoi, itos) for the characters of `text`.

    Returns:
        stoi: dict mapping each distinct character to its id.
        itos: list of the distinct characters, sorted, as one-character strings;
            itos[stoi[ch]] == ch.
    """
    raise NotImplementedError("build_vocab: not implemented yet")


def encode(text, stoi):
    """Return the ids of the characters of `text` as a LongTensor of shape (len(text),).

    A character missing from stoi raises KeyError (a plain dict lookup, stoi[ch], does that).

    Hint: torch.tensor([...], dtype=torch.long) also gives the right shape (0,) for "".
    """
    raise NotImplementedError("encode: not implemented yet")


def decode(ids, itos):
    """Return the string spelled by `ids`.

    Args:
        ids: a list of ints or a 1-D integer tensor.
        itos: the list from build_vocab.

    Hint: ids.tolist() turns a tensor into a list of Python ints, and "".join(...) glues
    characters together.
    """
    raise NotImplementedError("decode: not implemented yet")
