"""Mistake: never passes num_layers to nn.LSTM."""
from torch import nn


class CharLSTM(nn.Module):
    """Embedding -> LSTM -> Linear, predicting the next character at every position."""

    def __init__(self, vocab_size, embed_dim=32, hidden_dim=128, num_layers=1):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_dim)
        self.lstm = nn.LSTM(embed_dim, hidden_dim, batch_first=True)
        self.head = nn.Linear(hidden_dim, vocab_size)

    def forward(self, x, hidden=None):
        """Return (logits, hidden) for a batch of id sequences.

        x (B, T) -> logits (B, T, V), hidden (h, c) each (num_layers, B, H).
        """
        emb = self.embedding(x)  # (B, T, E)
        out, hidden = self.lstm(emb, hidden)  # (B, T, H); h, c each (L, B, H)
        logits = self.head(out)  # (B, T, V)
        return logits, hidden
