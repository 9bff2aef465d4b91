"""Correct, modules created head first, the head applied to the flattened (B*T, H) outputs."""
from torch import nn


class CharLSTM(nn.Module):
    def __init__(self, vocab_size, embed_dim=32, hidden_dim=128, num_layers=1):
        super().__init__()
        self.head = nn.Linear(in_features=hidden_dim, out_features=vocab_size)
        self.lstm = nn.LSTM(input_size=embed_dim, hidden_size=hidden_dim, num_layers=num_layers, batch_first=True)
        self.embedding = nn.Embedding(num_embeddings=vocab_size, embedding_dim=embed_dim)

    def forward(self, x, hidden=None):
        B, T = x.shape
        if hidden is None:
            out, hidden = self.lstm(self.embedding(x))
        else:
            out, hidden = self.lstm(self.embedding(x), hidden)
        logits = self.head(out.reshape(B * T, -1)).view(B, T, -1)
        return logits, hidden
