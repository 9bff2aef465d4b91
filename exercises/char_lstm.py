"""Exercise: the character-level LSTM language model (the notebook's model definition).

Three of torch's own modules, one after the other:

    x (B, T) ids --embedding--> (B, T, embed_dim)
                 --lstm-------> (B, T, hidden_dim), plus the final state (h, c)
                 --head-------> (B, T, vocab_size) logits for the next character

The LSTM reads left to right, so the logits at step t depend on x[:, :t+1] only. Passing the
returned state back in continues the sequence: running it in two halves, carrying hidden
across, gives the same logits as one run. Training (carrying state from batch to batch) and
generation (one character at a time) both rely on this.
"""
import torch
from torch import nn


class CharLSTM(nn.Module):
    """Embedding -> LSTM -> Linear, predicting the next character at every position.

    Submodules (create them in this order, with exactly these names):
        embedding: an nn.Embedding of vocab_size vectors of size embed_dim
        lstm:      an nn.LSTM from embed_dim to hidden_dim, with num_layers layers and
                   batch_first=True
        head:      an nn.Linear from hidden_dim to vocab_size

    torch's own modules are allowed here.
    """

    def __init__(self, vocab_size, embed_dim=32, hidden_dim=128, num_layers=1):
        """Create the three submodules.

        Pitfall: without batch_first=True, nn.LSTM expects (T, B, features).
        """
        super().__init__()
        raise NotImplementedError("CharLSTM.__init__: not implemented yet")

    def forward(self, x, hidden=None):
        """Return (logits, hidden) for a batch of id sequences.

        Args:
            x: (B, T) int64 character ids.
            hidden: None (zeros) or the (h, c) returned by a previous call,
                each (num_layers, B, hidden_dim).

        Returns:
            logits: (B, T, vocab_size).
            hidden: (h, c), each (num_layers, B, hidden_dim), the state after the last step.

        Hint: nn.LSTM accepts hidden=None itself and returns (output, (h, c)).
        """
        raise NotImplementedError("CharLSTM.forward: not implemented yet")
