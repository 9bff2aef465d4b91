"""Correct, plain indexing after an explicit range check; neighbours from the top k + 1."""
import torch
from torch import nn


class Embedding(nn.Module):
    def __init__(self, num_embeddings, embedding_dim):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(num_embeddings, embedding_dim))

    def forward(self, ids):
        if ids.numel() and (ids.min() < 0 or ids.max() >= len(self.weight)):
            raise IndexError(f"ids must be in [0, {len(self.weight)})")
        return self.weight[ids]


def cosine_neighbors(weight, index, k):
    norms = weight.detach().norm(dim=1)
    sims = (weight.detach() @ weight.detach()[index]) / (norms * norms[index])
    return sims.topk(k + 1).indices[1:]  # the row itself is always the most similar
