"""Mistake: the head's output goes through a softmax, so the model returns probabilities as logits."""
import torch
from torch import nn


class CharLSTM(nn.Module):
    def __init__(self, vocab_size, embed_dim=32, hidden_dim=128, num_layers=1):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_dim)
        self.lstm = nn.LSTM(embed_dim, hidden_dim, num_layers, batch_first=True)
        self.head = nn.Linear(hidden_dim, vocab_size)

    def forward(self, x, hidden=None):
        out, hidden = self.lstm(self.embedding(x), hidden)
        return torch.softmax(self.head(out), dim=-1), hidden
