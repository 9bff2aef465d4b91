"""Exercise: an embedding table, and nearest neighbours by cosine similarity.

A token id is just an index; a network needs a vector. An embedding is a learnable table
`weight` of shape (num_embeddings, embedding_dim) whose row i is the vector for id i:

    embed(ids) = weight[ids]            (*ids.shape, embedding_dim)

Looking up rows is the same as multiplying a one-hot vector by the table, only cheaper: the
gradient reaches only the rows that were used (and adds up when an id appears twice).

After training, ids used in similar contexts get similar vectors. Cosine similarity compares
directions and ignores lengths:

    cos(u, v) = (u . v) / (||u|| ||v||)
"""
import torch
from torch import nn
import torch.nn.functional as F


class Embedding(nn.Module):
    """A lookup table mapping integer ids to learnable vectors, like torch.nn.Embedding.

    Parameter:
        weight: (num_embeddings, embedding_dim), initialised from N(0, 1) (torch.randn),
            registered as an nn.Parameter named `weight`.

    Forbidden: torch.nn.Embedding, torch.nn.functional.embedding.
    """

    def __init__(self, num_embeddings, embedding_dim):
        """Create `weight` (num_embeddings, embedding_dim) from N(0, 1)."""
        super().__init__()
        raise NotImplementedError("Embedding.__init__: not implemented yet")

    def forward(self, ids):
        """Return the vectors of `ids`.

        Args:
            ids: an integer tensor of any shape, e.g. (B, T).

        Returns:
            (*ids.shape, embedding_dim), in weight's dtype.

        Raises:
            IndexError: if any id lies outside [0, num_embeddings), negative ids included,
                with a message that says which values were wrong.

        Hints:
            - Indexing a tensor with an integer tensor, self.weight[ids], does the lookup for
              any shape of ids, and autograd sends gradients only to the rows used.
            - Pitfall: plain indexing accepts negative ids (weight[-1] is the last row), so
              check the range yourself before indexing (ids.min(), ids.max()).
        """
        raise NotImplementedError("Embedding.forward: not implemented yet")


def cosine_neighbors(weight, index, k):
    """Return the ids of the k rows of `weight` most cosine-similar to row `index`.

    Args:
        weight: (N, D) an embedding table.
        index:  an int, the row to find neighbours for.
        k:      how many neighbours, at most N - 1.

    Returns:
        A LongTensor (k,) of row ids, most similar first; row `index` itself is never included.

    Hints:
        - Normalise every row to length 1 (F.normalize, along dim=1); then one
          matrix-vector product gives all N cosine similarities at once.
        - Set the row's similarity to itself to -inf so it is never picked, then take
          torch.topk(...).indices. Do it on a detached copy: this is analysis, not training.
    """
    raise NotImplementedError("cosine_neighbors: not implemented yet")
