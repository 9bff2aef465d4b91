"""Mistake: a one-hot product, which F.one_hot allows for int64 ids only (int32 ids raise)."""
import torch
from torch import nn
import torch.nn.functional as F


class Embedding(nn.Module):
    def __init__(self, num_embeddings, embedding_dim):
        super().__init__()
        self.num_embeddings = num_embeddings
        self.weight = nn.Parameter(torch.empty(num_embeddings, embedding_dim))
        nn.init.normal_(self.weight)

    def forward(self, ids):
        bad = (ids < 0) | (ids >= self.num_embeddings)
        if bad.any():
            raise IndexError(f"ids out of range: {ids[bad].tolist()}")
        one_hot = F.one_hot(ids, self.num_embeddings).to(self.weight.dtype)  # (*S, N)
        return one_hot @ self.weight


@torch.no_grad()
def cosine_neighbors(weight, index, k):
    sims = F.cosine_similarity(weight, weight[index].unsqueeze(0), dim=1)
    sims[index] = -float("inf")
    return torch.topk(sims, k).indices
