"""Mistake: builds the zero hidden state with torch.zeros, always float32."""
import torch
from torch import nn


class CharLSTM(nn.Module):
    def __init__(self, vocab_size, embed_dim=32, hidden_dim=128, num_layers=1):
        super().__init__()
        self.hidden_dim, self.num_layers = hidden_dim, num_layers
        self.embedding = nn.Embedding(vocab_size, embed_dim)
        self.lstm = nn.LSTM(embed_dim, hidden_dim, num_layers, batch_first=True)
        self.head = nn.Linear(hidden_dim, vocab_size)

    def forward(self, x, hidden=None):
        if hidden is None:
            zeros = torch.zeros(self.num_layers, x.shape[0], self.hidden_dim)
            hidden = (zeros, zeros)
        out, hidden = self.lstm(self.embedding(x), hidden)
        return self.head(out), hidden
