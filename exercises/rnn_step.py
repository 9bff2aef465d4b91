"""Exercise: one time step of a vanilla RNN (the notebook's Exercise 2).

An RNN reads a sequence one element at a time and carries a hidden state h that summarises
everything seen so far. One step mixes the current input into the previous state:

    h_t = tanh(x_t @ Wxh + h_prev @ Whh + bh)

The weights here are stored "input-major": Wxh is (input_dim, hidden_dim), so the batch of
row vectors is multiplied on the left, exactly as written. (torch.nn.RNNCell stores the
transposes: its weight_ih is Wxh.T and its weight_hh is Whh.T.) The notebook's formula,
tanh(W_hh h_{t-1} + W_xh x_t + b_h), is the same one for a single column vector.

Write it with PyTorch tensors, not NumPy: the notebook says "NumPy or PyTorch", but the checks
send gradients through your function, and NumPy arrays carry none.
"""
import torch


def rnn_step(x_t, h_prev, Wxh, Whh, bh):
    """Return the next hidden state h_t = tanh(x_t @ Wxh + h_prev @ Whh + bh).

    Args:
        x_t:    (B, I) the inputs at this time step, one row per sequence in the batch.
        h_prev: (B, H) the hidden state after the previous step.
        Wxh:    (I, H) input-to-hidden weights.
        Whh:    (H, H) hidden-to-hidden weights.
        bh:     (H,)   the bias, shared by every row of the batch.

    Returns:
        h_t: (B, H), in the dtype of the inputs.

    Forbidden: torch.nn.RNN, torch.nn.RNNCell, torch.rnn_tanh_cell, torch.rnn_tanh.

    Hints:
        - `@` and torch.tanh are all you need; the bias broadcasts over the batch by itself.
        - Use out-of-place operations only (no `+=` into an argument): the inputs must not
          change, and autograd must reach every one of them.
    """
    raise NotImplementedError("rnn_step: not implemented yet")
