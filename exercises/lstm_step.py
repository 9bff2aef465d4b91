"""Exercise: one step of an LSTM cell.

An LSTM carries two states: the cell state c, a memory that is only ever scaled and added to
(so gradients can travel far back in time), and the hidden state h, what the cell shows to the
outside. Four gates are computed from the same input and previous hidden state:

    gates = x W_ih^T + b_ih + h_prev W_hh^T + b_hh     (B, 4H), blocks in the order i, f, g, o
    i = sigmoid(gates_i)      input gate: how much of the candidate to write
    f = sigmoid(gates_f)      forget gate: how much of the old memory to keep
    g = tanh(gates_g)         candidate values to write
    o = sigmoid(gates_o)      output gate: how much of the memory to show
    c_t = f ⊙ c_prev + i ⊙ g    (⊙: the elementwise product)
    h_t = o ⊙ tanh(c_t)

The weights use torch.nn.LSTMCell's layout, so an LSTMCell's weight_ih, weight_hh, bias_ih and
bias_hh can be passed straight in.
"""
import torch


def lstm_step(x_t, state, W_ih, W_hh, b_ih, b_hh):
    """Return (h_t, c_t), one LSTM step with torch.nn.LSTMCell's layout and formula.

    Args:
        x_t:   (B, I) the inputs at this time step.
        state: a pair (h_prev, c_prev), each (B, H).
        W_ih:  (4H, I) input weights, blocks i, f, g, o.
        W_hh:  (4H, H) hidden weights, blocks i, f, g, o.
        b_ih:  (4H,) input biases; b_hh: (4H,) hidden biases.

    Returns:
        (h_t, c_t): each (B, H), in the dtype of the inputs.

    Forbidden: torch.nn.LSTM, torch.nn.LSTMCell, torch.lstm_cell, torch.lstm.

    Hints:
        - Compute all four gates with one expression of shape (B, 4H), then split it into
          four (B, H) blocks along dim=1 (Tensor.chunk): i, f, g, o, in that order.
        - g uses tanh, the three others sigmoid; a swapped order (i, f, o, g, as some texts
          write it) will not match torch.
    """
    raise NotImplementedError("lstm_step: not implemented yet")
