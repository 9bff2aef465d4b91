"""Mistake: delegates to the course's rnn_step (right values, two matmuls, run by the checker)."""
from exercises.rnn_step import rnn_step


def rnn_step_fused(x_t, h_prev, W_h, b_h):
    hidden = h_prev.shape[1]
    return rnn_step(x_t, h_prev, W_h[hidden:], W_h[:hidden], b_h)
