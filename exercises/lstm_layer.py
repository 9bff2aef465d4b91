"""Exercise: an LSTM layer as a torch.nn.Module, built from your lstm_step.

A layer owns its parameters and runs the cell over a whole (batch-first) sequence:

    (h_0, c_0) = state (or zeros)
    (h_t, c_t) = lstm_step(x[:, t], (h_{t-1}, c_{t-1}), weight_ih, weight_hh, bias_ih, bias_hh)
    output[:, t] = h_t

Its parameters are named and shaped like torch.nn.LSTMCell's, so
`layer.load_state_dict(nn.LSTMCell(I, H).state_dict())` works, and with the same weights the
layer computes what torch.nn.LSTM(I, H, batch_first=True) does.
"""
import math

import torch
from torch import nn

from exercises.lstm_step import lstm_step  # your cell; while grading, the reference's


class LSTMLayer(nn.Module):
    """A single-layer, batch-first LSTM with torch.nn.LSTMCell's parameters.

    Parameters (register them with exactly these names, as nn.Parameter attributes):
        weight_ih: (4H, input_size)    weight_hh: (4H, H)
        bias_ih:   (4H,)               bias_hh:   (4H,)
    where H = hidden_size. Initialise all four like nn.LSTMCell does: uniform in
    [-1/sqrt(H), 1/sqrt(H)].

    Forbidden: torch.nn.LSTM, torch.nn.LSTMCell, torch.lstm_cell, torch.lstm.
    """

    def __init__(self, input_size, hidden_size):
        """Create the four parameters and initialise them.

        Hints:
            - nn.Parameter(torch.empty(...)) creates a parameter; assigning it to self.<name>
              registers it under that name.
            - nn.init.uniform_ fills a parameter in place between two bounds; a small
              reset_parameters() method looping over self.parameters() keeps this tidy.
        """
        super().__init__()
        raise NotImplementedError("LSTMLayer.__init__: not implemented yet")

    def forward(self, x, state=None):
        """Run the layer over a batch of sequences; return (output, (h_n, c_n)).

        Args:
            x:     (B, T, input_size).
            state: None for zero initial states, or a pair (h0, c0), each (B, H).

        Returns:
            output: (B, T, H), output[:, t] the hidden state after step t.
            (h_n, c_n): each (B, H), the states after the last step.

        Hints:
            - Zeros for state=None must match x's dtype and device (x.new_zeros).
            - Collect the h_t in a list and torch.stack(..., dim=1) them; do not write into a
              preallocated tensor.
        """
        raise NotImplementedError("LSTMLayer.forward: not implemented yet")
