"""Correct, with the cell written inline, time steps from x.unbind(1), parameters made biases first."""
import math

import torch
from torch import nn


class LSTMLayer(nn.Module):
    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size
        bound = 1 / math.sqrt(hidden_size)

        def uniform(*shape):
            return nn.Parameter((torch.rand(*shape) * 2 - 1) * bound)

        self.bias_hh = uniform(4 * hidden_size)
        self.bias_ih = uniform(4 * hidden_size)
        self.weight_hh = uniform(4 * hidden_size, hidden_size)
        self.weight_ih = uniform(4 * hidden_size, input_size)

    def forward(self, x, state=None):
        if state is None:
            h = c = torch.zeros(x.shape[0], self.hidden_size, dtype=x.dtype, device=x.device)
        else:
            h, c = state
        outputs = []
        for x_t in x.unbind(1):
            gates = torch.addmm(self.bias_ih + self.bias_hh, x_t, self.weight_ih.t()) + h @ self.weight_hh.t()
            i, f, g, o = gates.split(self.hidden_size, dim=1)
            c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
            h = torch.sigmoid(o) * torch.tanh(c)
            outputs.append(h.unsqueeze(1))
        return torch.cat(outputs, dim=1), (h, c)
