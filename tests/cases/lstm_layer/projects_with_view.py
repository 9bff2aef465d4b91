"""Mistake: projects every input step at once after x.view(B * T, I), which needs contiguous x."""
import math

import torch
from torch import nn


class LSTMLayer(nn.Module):
    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size
        shapes = {
            "weight_ih": (4 * hidden_size, input_size),
            "weight_hh": (4 * hidden_size, hidden_size),
            "bias_ih": (4 * hidden_size,),
            "bias_hh": (4 * hidden_size,),
        }
        for name, shape in shapes.items():
            self.register_parameter(name, nn.Parameter(torch.empty(shape)))
        for p in self.parameters():
            nn.init.uniform_(p, -1 / math.sqrt(hidden_size), 1 / math.sqrt(hidden_size))

    def forward(self, x, state=None):
        B, T, I = x.shape
        H = self.hidden_size
        projected = (x.view(B * T, I) @ self.weight_ih.T).view(B, T, 4 * H) + self.bias_ih + self.bias_hh
        h, c = state if state is not None else (x.new_zeros(B, H), x.new_zeros(B, H))
        output = x.new_empty(B, T, H)
        for t in range(T):
            gates = projected[:, t] + h @ self.weight_hh.T
            i, f, o = (torch.sigmoid(gates[:, k * H:(k + 1) * H]) for k in (0, 1, 3))
            g = torch.tanh(gates[:, 2 * H:3 * H])
            c = f * c + i * g
            h = o * torch.tanh(c)
            output[:, t] = h
        return output, (h, c)
