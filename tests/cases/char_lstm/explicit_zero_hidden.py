"""Correct, building the zero hidden state itself in the parameters' dtype, and keeping the sizes."""
import torch
from torch import nn


class CharLSTM(nn.Module):
    def __init__(self, vocab_size, embed_dim=32, hidden_dim=128, num_layers=1):
        super(CharLSTM, self).__init__()
        self.hidden_dim, self.num_layers = hidden_dim, num_layers
        self.embedding = nn.Embedding(vocab_size, embed_dim)
        self.lstm = nn.LSTM(embed_dim, hidden_dim, num_layers, batch_first=True)
        self.head = nn.Linear(hidden_dim, vocab_size)

    def init_hidden(self, batch_size):
        weight = self.head.weight
        zeros = torch.zeros(self.num_layers, batch_size, self.hidden_dim, dtype=weight.dtype, device=weight.device)
        return zeros, zeros.clone()

    def forward(self, x, hidden=None):
        if hidden is None:
            hidden = self.init_hidden(x.size(0))
        h, c = hidden
        out, (h, c) = self.lstm(self.embedding(x), (h, c))
        return self.head(out), (h, c)
