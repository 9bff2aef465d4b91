"""Mistake: starts every step from the initial state instead of the previous one."""
import math

import torch
from torch import nn

from exercises.lstm_step import lstm_step


class LSTMLayer(nn.Module):
    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.weight_ih = nn.Parameter(torch.empty(4 * hidden_size, input_size))
        self.weight_hh = nn.Parameter(torch.empty(4 * hidden_size, hidden_size))
        self.bias_ih = nn.Parameter(torch.empty(4 * hidden_size))
        self.bias_hh = nn.Parameter(torch.empty(4 * hidden_size))
        self.reset_parameters()

    def reset_parameters(self):
        bound = 1 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            nn.init.uniform_(p, -bound, bound)

    def forward(self, x, state=None):
        B, T, _ = x.shape
        if state is None:
            zeros = x.new_zeros(B, self.hidden_size)  # (B, H), x's dtype and device
            state = (zeros, zeros)
        outputs = []
        start = state
        for t in range(T):
            state = lstm_step(
                x[:, t], start, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh
            )
            outputs.append(state[0])  # h_t (B, H)
        return torch.stack(outputs, dim=1), state  # (B, T, H), ((B, H), (B, H))
