"""Mistake: stores the weights input-major, (I, 4H) and (H, 4H), to write x @ W without .T."""
import math

import torch
from torch import nn

from exercises.lstm_step import lstm_step


class LSTMLayer(nn.Module):
    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size
        self.weight_ih = nn.Parameter(torch.empty(input_size, 4 * hidden_size))
        self.weight_hh = nn.Parameter(torch.empty(hidden_size, 4 * hidden_size))
        self.bias_ih = nn.Parameter(torch.empty(4 * hidden_size))
        self.bias_hh = nn.Parameter(torch.empty(4 * hidden_size))
        for p in self.parameters():
            nn.init.uniform_(p, -1 / math.sqrt(hidden_size), 1 / math.sqrt(hidden_size))

    def forward(self, x, state=None):
        if state is None:
            state = (x.new_zeros(x.shape[0], self.hidden_size),) * 2
        outputs = []
        for t in range(x.shape[1]):
            state = lstm_step(x[:, t], state, self.weight_ih.T, self.weight_hh.T, self.bias_ih, self.bias_hh)
            outputs.append(state[0])
        return torch.stack(outputs, dim=1), state
