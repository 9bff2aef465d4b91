"""Mistake: forgets to exclude the row itself."""
import torch
from torch import nn
import torch.nn.functional as F


class Embedding(nn.Module):
    """A lookup table mapping integer ids to learnable vectors, like torch.nn.Embedding."""

    def __init__(self, num_embeddings, embedding_dim):
        super().__init__()
        self.num_embeddings = num_embeddings
        self.embedding_dim = embedding_dim
        self.weight = nn.Parameter(torch.randn(num_embeddings, embedding_dim))  # N(0, 1)

    def forward(self, ids):
        """Return the vectors of `ids`.

        ids of any integer shape (*S) -> (*S, embedding_dim); an id outside the table raises
        IndexError.
        """
        if ids.is_floating_point() or ids.is_complex() or ids.dtype == torch.bool:
            raise TypeError(f"Embedding expects integer ids, got dtype {ids.dtype}")
        # Plain indexing would quietly accept negative ids (weight[-1] is the last row).
        if ids.numel() > 0:
            lo, hi = ids.min().item(), ids.max().item()
            if lo < 0 or hi >= self.num_embeddings:
                raise IndexError(
                    f"Embedding ids must lie in [0, {self.num_embeddings}), "
                    f"got min id {lo} and max id {hi}"
                )
        # Indexing sends gradients only to the rows used, summed over repeats.
        return self.weight[ids.long()]  # (*S, D)


@torch.no_grad()
def cosine_neighbors(weight, index, k):
    """Return the ids of the k rows of `weight` most cosine-similar to row `index`.

    weight (N, D) -> LongTensor (k,), most similar first, row `index` itself excluded.
    """
    N = weight.size(0)
    if not 0 <= k < N:
        raise ValueError(f"k must be between 0 and {N - 1} (the other rows), got {k}")
    unit = F.normalize(weight, dim=1)  # (N, D), rows of length 1
    sims = unit @ unit[index]  # (N,), cosine similarity of every row to row `index`
    return sims.topk(k).indices  # (k,)
