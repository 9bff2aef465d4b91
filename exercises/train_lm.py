"""Exercise: the training loop for the character-level LSTM (the notebook's training loop).

One optimizer step on a batch (x, y), both (B, T):

    forward x, with the hidden state carried from the batch before   logits (B, T, V)
    loss = the cross-entropy of logits against y, averaged over all B*T positions
    backward; clip the gradient norm; the optimizer's step

Truncated backpropagation through time: the batches from make_batches continue each other row
by row, so the hidden state after one batch is the right starting state for the next. Carry it
over, but detach it first: keep its values, cut the graph, so backward only runs through the
current seq_len steps. When the batches wrap around to the start of the text, reset it to None.
"""
import torch
from torch import nn
import torch.nn.functional as F

from exercises.next_token_batches import make_batches  # yours; while grading, the reference's


def train(model, ids, *, steps, batch_size=32, seq_len=64, lr=3e-3, clip=1.0, seed=0):
    """Train `model` in place for exactly `steps` optimizer steps; return the losses.

    Args:
        model: a CharLSTM (forward(x, hidden=None) -> (logits, hidden)).
        ids: 1-D LongTensor, the encoded training text.
        steps: number of optimizer steps; the batches are cycled through
            (step s uses batch s % len(batches)).
        batch_size, seq_len: passed on to make_batches.
        lr: Adam's learning rate.
        clip: max total gradient norm, applied after backward and before optimizer.step().
        seed: torch.manual_seed(seed) first thing, so a run is deterministic.

    Returns:
        A list of `steps` Python floats: the training loss of each step, in order.

    Allowed here: torch.optim.Adam, F.cross_entropy, torch.nn.utils.clip_grad_norm_.

    Hints:
        - Put the model in training mode (model.train()) and create the optimizer once,
          before the loop.
        - Reset hidden to None on batch 0 of every pass; otherwise detach each tensor of
          the (h, c) pair.
        - optimizer.zero_grad() every step, or the gradients of all steps add up.
        - Record loss.item(), not loss: a tensor would keep its whole graph alive.
    """
    raise NotImplementedError("train: not implemented yet")
