"""Mistake: flattens ids with .view(), which refuses ids that are not contiguous in memory."""
import torch
from torch import nn


class Embedding(nn.Module):
    def __init__(self, num_embeddings, embedding_dim):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(num_embeddings, embedding_dim))

    def forward(self, ids):
        rows = torch.index_select(self.weight, 0, ids.view(-1))
        return rows.view(*ids.shape, self.weight.shape[1])


def cosine_neighbors(weight, index, k):
    weight = weight.detach()
    unit = weight / weight.norm(dim=1, keepdim=True)
    order = torch.argsort(unit @ unit[index], descending=True)
    return order[order != index][:k]
