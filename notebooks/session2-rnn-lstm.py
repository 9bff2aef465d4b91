# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Session 2 – NLP Models and Training Basics (RNN)
#
# In this notebook, we will dive into fundamental sequence models such as **RNNs** and **LSTMs**. We’ll also cover basic neural embeddings, training objectives, and see how to implement and train a **simple text generator** using an LSTM.
#
# ## Table of Contents
#
# 1. [Introduction and Overview](#overview)
# 2. [Recurrent Neural Networks (RNNs)](#rnns)
#    - [The RNN Cell](#rnn-cell)
#    - [Vanishing and Exploding Gradients](#vanishing)
# 3. [Long Short-Term Memory (LSTM)](#lstm)
#    - [Key Intuition Behind LSTM Gates](#lstm-gates)
# 4. [Embeddings](#embeddings)
# 5. [Basic Training Objectives in Language Modeling](#training-objectives)
#    - [Next Token Prediction](#next-token-pred)
#    - [Perplexity](#perplexity)
# 6. [Implementing a Simple LSTM Text Generator in PyTorch](#implementation)
#    - [Data Preparation](#data-prep)
#    - [Model Definition](#model-def)
#    - [Training Loop](#training-loop)
#    - [Generating Text](#generate-text)
# 7. [Conclusion](#conclusion)
#
# Each section will be followed by one or more **Exercises** to help you practice.
#
# **How the exercises work.** Each exercise is a code cell holding a stub: a function (or class) whose docstring gives the formula, the shapes and hints, and whose body raises `NotImplementedError`. Replace that line with your code, run the cell, then run the `check("...")` cell below it. `check` grades what this notebook defines at that moment, with the same checks, points and hints as the course's `grade` command, and shows a table: ✓ or ✗ per check, and for each ✗ what was expected, what your code returned and a hint. Your code is graded in a separate, time- and memory-limited process, never inside this notebook.
#
# `check` is a practice run in your own kernel, not your grade: the course grades the notebook you submit (with `grade --submission your.ipynb`, or Gradescope). The grader finds each exercise by its cell's tag `exercise:<name>` (keep the exercise cells) or by the names of the stubs (`rnn_step`, `LSTMLayer`, ...), and takes only your imports, `def`s, `class`es and constants from the notebook: test calls, prints and `!pip` lines are not run. If you define a function twice, the last definition counts, as in Jupyter.

# %% [markdown]
# # <a id="overview"></a>1. Overview and Setup
#
# This tutorial assumes you have:
#
# - **Basic Python** knowledge.
# - A local or cloud environment (e.g., Jupyter, Colab) with **PyTorch** installed.
#   - If needed, install PyTorch via `pip install torch` or follow instructions at [pytorch.org](https://pytorch.org/get-started/locally/).
#   - The checks need this course's package (`autograde`): run the notebook from the course repository after `pip install -e .`, or, in Colab, install the course package first as your instructor tells you.
#
# No prior reading of other sessions is required; we’ll present all the essentials here.
#
# - We’ll focus on **RNNs** and **LSTMs**.
# - We’ll learn **why** they are powerful for sequential data.
# - We’ll cover **basic training objectives** (like next-token prediction) for language modeling.
# - Finally, we’ll implement a small **LSTM-based text generator**.
#
# **By the end of this session**, you should be able to:
# 1. Understand how an RNN cell and LSTM cell process sequential data.
# 2. Implement an **LSTM** in a deep learning framework (here, PyTorch).
# 3. Train and evaluate a **text-generation** model.
#
# ### Exercise 1: Quick Setup Check
#
# Run the cell below. Ensure you see a version number (e.g., `2.0.0` or similar) printed. If you get an error, please install or update PyTorch before continuing.

# %%
import math

import torch
from torch import nn
import torch.nn.functional as F

from autograde.notebook import check

print("PyTorch version:", torch.__version__)

# %% [markdown]
# # 2. Recurrent Neural Networks (RNNs)<a id="rnns"></a>
#
# Recurrent Neural Networks are designed to handle **sequential data** by maintaining a hidden state that captures information about previous time steps.
#
# ## Key Idea
# At each time step $t$:
# 1. The RNN takes an input $x_t$ and the hidden state from the previous time step $h_{t-1}$.
# 2. It produces a new hidden state $h_t$.
#
# Mathematically, a very **basic** RNN can be written as:
# $$
# \begin{aligned}
# h_t &= \tanh(W_{hh} h_{t-1} + W_{xh} x_t + b_h) \\
# y_t &= W_{hy} h_t + b_y
# \end{aligned}
# $$
#
# - $h_t$ is the updated hidden state.
# - $y_t$ is the output at time step $t$ (used for tasks like classification or next-token prediction).
# - $W_{hh}, W_{xh}, W_{hy}$ are learned weight matrices.
#
# > **In code, one row per sequence.** These formulas treat $x_t$ and $h_{t-1}$ as single column vectors. In PyTorch we process a whole batch at once, with one **row** per sequence: `x_t` has shape `(batch, input_dim)`. The same formula then reads
# > $$h_t = \tanh(x_t W_{xh} + h_{t-1} W_{hh} + b_h)$$
# > with `Wxh` of shape `(input_dim, hidden_dim)` and `Whh` of shape `(hidden_dim, hidden_dim)`: the weights multiply from the right, and each is the transpose of the matrix in the column formula. The exercises use this row-major form throughout.
#
# **Rearrangement of Terms**
#
# Notice that the term $W_{hh} h_{t-1} + W_{xh} x_t$ uses two matrix multiplications and an addition.
# Unless compiled, these two multiplications will be performed sequentially.
# We can gain a slight improvement if we concatenate $h$ and $x$, and use a single matrix multiplication by a larger weight matrix:
#
# $$
# \begin{aligned}
# h_t &= \tanh(W_h H_t + b_h) \\
# y_t &= W_{hy} h_t + b_y
# \end{aligned}
# $$
#
# - $H_t = [h_{t-1}||x_t]$ is the concatenation of $h$ and $x$
# - $W_{h} = [W_{hh}||W_{xh}]$ is the concatenation of $W_{hh}, W_{xh}$
#
# (With row vectors, $H_t$ is a row `[h_prev || x_t]` of length `hidden_dim + input_dim`, and $W_h$ stacks `Whh` **above** `Wxh`, giving shape `(hidden_dim + input_dim, hidden_dim)`.)

# %% [markdown]
# ## Exercise 2: Implement a Toy RNN Cell
# **Goal**:
# 1. Write a Python function that computes a single time-step of an RNN.
# 2. Use PyTorch to do the matrix multiplication and a `tanh` activation. (Earlier versions of this notebook said "NumPy or PyTorch": use PyTorch tensors. The checks send gradients back through your function, and NumPy arrays carry no gradients, so a NumPy version fails them.)
# 3. Test it on a small input (e.g., input dimension of 5, hidden dimension of 3).
#
# *(Keep it simple—focus on the concept, not a full RNN unrolled over time.)*
#
# Fill in the stub below, run it, then run the check. You can try your function in a scratch cell of your own first: calls like `rnn_step(torch.randn(2, 5), torch.zeros(2, 3), ...)` are never run by the grader.

# %% tags=["exercise:rnn_step"]
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


# %%
check("rnn_step")

# %% [markdown]
# ### Exercise 3: The Rearrangement of Terms
#
# Implement the same step with **one** matrix multiplication, as in the rearrangement above: concatenate `h_prev` and `x_t` (in that order) and multiply by the stacked `W_h`. The result must equal `rnn_step` with `Whh = W_h[:hidden_dim]` and `Wxh = W_h[hidden_dim:]`; the check counts your matrix multiplications.

# %% tags=["exercise:rnn_step_fused"]
import torch


def rnn_step_fused(x_t, h_prev, W_h, b_h):
    """Return h_t = tanh([h_prev || x_t] @ W_h + b_h), using exactly one matrix multiplication.

    Args:
        x_t:    (B, I) the inputs at this time step.
        h_prev: (B, H) the previous hidden state.
        W_h:    (H + I, H) Whh stacked above Wxh.
        b_h:    (H,) the bias.

    Returns:
        h_t: (B, H), in the dtype of the inputs.

    Forbidden: torch.nn.RNN, torch.nn.RNNCell, torch.rnn_tanh_cell, torch.rnn_tanh.

    Hints:
        - torch.cat([...], dim=1) joins tensors along the feature axis.
        - The order matters: h_prev must come first, because the first H rows of W_h are Whh.
    """
    raise NotImplementedError("rnn_step_fused: not implemented yet")


# %%
check("rnn_step_fused")

# %% [markdown]
# ## <a id="rnn-cell"></a>The RNN Cell
#
# The **RNN cell** is the fundamental computational unit. At time step $t$:
# 1. **Input**: current token (often embedded) + previous hidden state.
# 2. **Output**: updated hidden state + optional output vector.
#
# If you unroll this cell over time for $T$ steps, you get a **computation graph** that looks like a chain, where each link is an RNN cell: the same weights are used at every step, and the hidden state produced at step $t$ is the input state of step $t+1$.

# %% [markdown]
# ### Exercise 4: Unroll the Cell over Time
#
# Run your cell over a whole batch of sequences `x` of shape `(batch, seq_len, input_dim)`, starting from `h0` (or zeros when `h0` is `None`), and return every hidden state plus the last one. Inside, call the `rnn_step` you wrote above. (When this exercise is graded, `rnn_step` is the instructors' version, so a mistake in Exercise 2 does not cost you marks here.)

# %% tags=["exercise:rnn_forward"]
import torch



def rnn_forward(x, h0, Wxh, Whh, bh):
    """Run the RNN over every time step; return (hs, h_last).

    Args:
        x:   (B, T, I) a batch of sequences, T >= 1.
        h0:  (B, H) the initial hidden state, or None for zeros.
        Wxh: (I, H), Whh: (H, H), bh: (H,) the cell's parameters, as in rnn_step.

    Returns:
        hs:     (B, T, H) hs[:, t] is the hidden state after step t.
        h_last: (B, H) the final hidden state, equal to hs[:, -1].

    Forbidden: torch.nn.RNN, torch.nn.RNNCell, torch.rnn_tanh_cell, torch.rnn_tanh.

    Hints:
        - The zeros for h0=None must match x's dtype and device: x.new_zeros(B, H) does that.
        - Collect the states in a Python list and torch.stack(..., dim=1) them at the end.
          Writing into a preallocated tensor (hs[:, t] = h) is an in-place operation that
          can break autograd.
    """
    raise NotImplementedError("rnn_forward: not implemented yet")


# %%
check("rnn_forward")

# %% [markdown]
# ## <a id="vanishing"></a>Vanishing and Exploding Gradients
#
# **Problem**: Simple RNNs often struggle with **long-term dependencies** due to **vanishing** or **exploding gradients**. That means:
# - When sequences are long, the gradient that flows backward through time either becomes extremely small (**vanishes**) or extremely large (**explodes**).
# - This makes training unstable or ineffective for capturing long-range context.
#
# **Solution**: Specialized RNN variants like **LSTM** or **GRU** mitigate these issues by incorporating gating mechanisms. For exploding gradients there is also a simple, standard cure used when training any RNN: **gradient-norm clipping**. Treat all the gradients as one long vector; if its length exceeds a threshold, scale every gradient down by the same factor, so the update keeps its direction but not its size.

# %% [markdown]
# ### Exercise 5: Clip the Gradient Norm
#
# Implement gradient-norm clipping as `torch.nn.utils.clip_grad_norm_` does it (without calling it): measure the total L2 norm of all the gradients, and scale them in place when it is above `max_norm`. Return the norm measured before clipping.

# %% tags=["exercise:clip_grad_norm"]
import torch


def clip_grad_norm(parameters, max_norm):
    """Scale the gradients of `parameters` in place so their total L2 norm is at most max_norm.

    Args:
        parameters: an iterable of tensors, e.g. model.parameters(). It may be a generator,
            which can only be iterated once. Tensors whose .grad is None are skipped.
        max_norm: a float, the largest total norm allowed.

    Returns:
        total_norm: a 0-dim tensor, the total norm *before* clipping;
            torch.tensor(0.) when no parameter has a gradient.

    Forbidden: anything in torch.nn.utils that clips or measures gradient norms
    (clip_grad_norm_, clip_grads_with_norm_, get_total_norm, ...).

    Hints:
        - Turn the iterable into a list of gradients first; a generator is empty the
          second time you loop over it.
        - torch.linalg.vector_norm(g) is the L2 norm of a whole tensor; the norm of the
          stacked per-tensor norms is the total norm.
        - Scale with an in-place method such as g.mul_(...), inside `with torch.no_grad():`,
          so the parameters' .grad tensors themselves change.
    """
    raise NotImplementedError("clip_grad_norm: not implemented yet")


# %%
check("clip_grad_norm")

# %% [markdown]
# ### Research Note: let's invent a GRU
#
# **RNN** : $h_t = \phi(W_hh_{t-1} + W_xx_{t})$
#
# * **Problem:** To compute the gradient of $h_1$ (or any early token), we need to multiply the gradients by small values in $W_h$, thus **vanishing** it.
# * **Solution:** Intelligently choose the previous memory: $h_t = \phi(W_hh_{t-1} + W_xx_{t})$ or $h_t = h_{t-1}$
#
# **RNN with no vanishing** : $h_t = \alpha\odot\hat{h}_t + (1-\alpha)\odot h_{t-1}$, where $\hat{h}_t=\phi(W_hh_{t-1} + W_xx_{t})$
#
# * **Problem:** To compute the gradient of $h_1$ (or any early token), we need to multiply the gradients by large values in $W_h$, thus **exploding** it.
# * **Solution:** Intelligently choose to set the previous memory to zero before multiplying it by the weights: $h_t = \phi(W_hh_{t-1} + W_xx_{t})$ or $h_t = \phi(W_xx_{t})$
#
# **RNN with no explosion** : $h_t = \phi(W_h(\beta \odot h_{t-1}) + W_xx_{t})$
#
# * **Problem:** How do we decide on the values of $\alpha$ and $\beta$?
# * **Solution:** Don't! Let the data decide (learning)
#
# $$
# \begin{aligned}
# h_t &= \overbrace{\alpha\odot\underbrace{\phi\left(W_h(\beta \odot h_{t-1}) + W_xx_{t}\right)}_{\text{no explosion}} + (1-\alpha)\odot h_{t-1}}^\text{no vanishing} \\
# \text{where}\\
# \alpha &= \sigma\left(Ah_{t-1} + Bx_t\right) &&\text{Update Gate (torch: } 1 - z)\\
# \beta &= \sigma\left(Ch_{t-1} + Dx_t\right) &&\text{Reset Gate (torch: } r)
# \end{aligned}
# $$
#
# **Congratulations**, you have just invented a **Gated Recurrent Network**!
#
# > **Gate names.** Earlier versions of this note called $\alpha$ the reset gate and $\beta$ the update gate. PyTorch (and the exercise below) name them the other way round: $\beta$, which switches the old state off before it meets the weights, is the **reset gate** $r$; $\alpha$, which decides how much of the old state to overwrite, is the **update gate**. PyTorch's update gate $z$ weights the *old* state, so $\alpha = 1 - z$:
# > $$h_t = (1 - z)\odot n + z \odot h_{t-1}$$

# %% [markdown]
# ### Exercise 6: One GRU Step, as PyTorch Computes It
#
# Implement one step of `torch.nn.GRUCell`, with its weight layout (three blocks of rows, in the order $r, z, n$) so that a `GRUCell`'s own weights can be passed in. The docstring gives PyTorch's exact formula; note where the reset gate is applied in the candidate $n$: it differs from the note above and from some textbooks.

# %% tags=["exercise:gru_step"]
import torch


def gru_step(x_t, h_prev, W_ih, W_hh, b_ih, b_hh):
    """Return the next hidden state of a GRU, with torch.nn.GRUCell's layout and formula.

    Args:
        x_t:    (B, I) the inputs at this time step.
        h_prev: (B, H) the previous hidden state.
        W_ih:   (3H, I) input weights, blocks r, z, n.
        W_hh:   (3H, H) hidden weights, blocks r, z, n.
        b_ih:   (3H,) input biases; b_hh: (3H,) hidden biases.

    Returns:
        h_t: (B, H), in the dtype of the inputs.

    Forbidden: torch.nn.GRU, torch.nn.GRUCell, torch.gru_cell, torch.gru.

    Hints:
        - Two matmuls do all the work: x_t @ W_ih.T + b_ih and h_prev @ W_hh.T + b_hh, each
          (B, 3H); then .chunk(3, dim=1) splits each one into its r, z, n parts.
        - Pitfall: the reset gate multiplies the hidden part *after* its matmul and bias,
          r * (h W_hn^T + b_hn), and b_in stays outside. Keeping the input and hidden sums
          separate (rather than adding them first) is what makes this possible.
    """
    raise NotImplementedError("gru_step: not implemented yet")


# %%
check("gru_step")

# %% [markdown]
# # <a id="lstm"></a>3. Long Short-Term Memory (LSTM)
#
# The GRU we just invented keeps one state and decides how much of it to overwrite. The **LSTM** (Hochreiter & Schmidhuber, 1997), older and still the most used gated RNN, keeps **two** states:
#
# - the **cell state** $c_t$, a memory that is only ever scaled and added to, never multiplied by a weight matrix, so gradients can travel far back in time along it;
# - the **hidden state** $h_t$, what the cell shows to the outside (and to the next layer).
#
# ## <a id="lstm-gates"></a>Key Intuition Behind LSTM Gates
#
# At each step, four vectors are computed from the same two inputs, $x_t$ and $h_{t-1}$:
#
# | gate | activation | role |
# | --- | --- | --- |
# | **input gate** $i_t$ | sigmoid | how much of the new candidate to write into memory |
# | **forget gate** $f_t$ | sigmoid | how much of the old memory to keep |
# | **candidate** $g_t$ | tanh | the new values that could be written |
# | **output gate** $o_t$ | sigmoid | how much of the memory to show as $h_t$ |
#
# $$
# \begin{aligned}
# c_t &= f_t \odot c_{t-1} + i_t \odot g_t \\
# h_t &= o_t \odot \tanh(c_t)
# \end{aligned}
# $$
#
# A forget gate near 1 and an input gate near 0 copy the memory forward unchanged: that is the LSTM's answer to vanishing gradients. In code (row-major, as before), PyTorch computes all four at once, as one pre-activation $x_t W_{ih}^\top + b_{ih} + h_{t-1} W_{hh}^\top + b_{hh}$ of shape `(batch, 4 * hidden)`, whose blocks are in the order **i, f, g, o**. (Some texts, and CS231n, use i, f, o, g: with that order your results will not match PyTorch's.)

# %% [markdown]
# ### Exercise 7: One LSTM Step
#
# Implement one step of `torch.nn.LSTMCell`, with its weight layout, returning the new `(h_t, c_t)`.

# %% tags=["exercise:lstm_step"]
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


# %%
check("lstm_step")

# %% [markdown]
# ### Exercise 8: An LSTM Layer as an `nn.Module`
#
# Wrap your cell into a module that owns its parameters (named and shaped like `nn.LSTMCell`'s, so its weights load straight into yours) and runs over a whole batch-first sequence, like `nn.LSTM(batch_first=True)`. Inside, call your `lstm_step` (graded with the instructors' version, as in Exercise 4).

# %% tags=["exercise:lstm_layer"]
import math

import torch
from torch import nn



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


# %%
check("lstm_layer")

# %% [markdown]
# # <a id="embeddings"></a>4. Embeddings
#
# A network cannot do arithmetic on a token id: id 17 is not "more" than id 3. An **embedding** maps each id to a learned vector: a table `weight` of shape `(vocabulary size, embedding dim)` whose row $i$ is the vector of token $i$. Looking up rows is the same as multiplying a one-hot vector by the table, only much cheaper, and the gradient of a lookup reaches only the rows that were used.
#
# During training, tokens that appear in similar contexts get similar vectors. We compare vectors by **cosine similarity**, which ignores their lengths:
#
# $$\cos(u, v) = \frac{u \cdot v}{\lVert u\rVert\,\lVert v\rVert}$$
#
# so the "nearest neighbours" of a token are the rows of the table pointing in the most similar directions.

# %% [markdown]
# ### Exercise 9: An Embedding Table and its Nearest Neighbours
#
# Implement `Embedding`, a lookup table like `nn.Embedding` (without using it), which refuses ids outside the table, and `cosine_neighbors`, the `k` rows most similar to a given row. Both are graded together as one exercise.

# %% tags=["exercise:embedding"]
import torch
from torch import nn
import torch.nn.functional as F


class Embedding(nn.Module):
    """A lookup table mapping integer ids to learnable vectors, like torch.nn.Embedding.

    Parameter:
        weight: (num_embeddings, embedding_dim), initialised from N(0, 1) (torch.randn),
            registered as an nn.Parameter named `weight`.

    Forbidden: torch.nn.Embedding, torch.nn.functional.embedding.
    """

    def __init__(self, num_embeddings, embedding_dim):
        """Create `weight` (num_embeddings, embedding_dim) from N(0, 1)."""
        super().__init__()
        raise NotImplementedError("Embedding.__init__: not implemented yet")

    def forward(self, ids):
        """Return the vectors of `ids`.

        Args:
            ids: an integer tensor of any shape, e.g. (B, T).

        Returns:
            (*ids.shape, embedding_dim), in weight's dtype.

        Raises:
            IndexError: if any id lies outside [0, num_embeddings), negative ids included,
                with a message that says which values were wrong.

        Hints:
            - Indexing a tensor with an integer tensor, self.weight[ids], does the lookup for
              any shape of ids, and autograd sends gradients only to the rows used.
            - Pitfall: plain indexing accepts negative ids (weight[-1] is the last row), so
              check the range yourself before indexing (ids.min(), ids.max()).
        """
        raise NotImplementedError("Embedding.forward: not implemented yet")


def cosine_neighbors(weight, index, k):
    """Return the ids of the k rows of `weight` most cosine-similar to row `index`.

    Args:
        weight: (N, D) an embedding table.
        index:  an int, the row to find neighbours for.
        k:      how many neighbours, at most N - 1.

    Returns:
        A LongTensor (k,) of row ids, most similar first; row `index` itself is never included.

    Hints:
        - Normalise every row to length 1 (F.normalize, along dim=1); then one
          matrix-vector product gives all N cosine similarities at once.
        - Set the row's similarity to itself to -inf so it is never picked, then take
          torch.topk(...).indices. Do it on a detached copy: this is analysis, not training.
    """
    raise NotImplementedError("cosine_neighbors: not implemented yet")


# %%
check("embedding")

# %% [markdown]
# # <a id="training-objectives"></a>5. Basic Training Objectives in Language Modeling
#
# ## <a id="next-token-pred"></a>Next Token Prediction
#
# A language model reads a sequence of tokens and, at every position, predicts the **next** one. Given tokens $w_1, \dots, w_T$, the model outputs at position $t$ a vector of **logits** $z_t$ (one score per vocabulary entry); a softmax turns them into a distribution $p(\cdot \mid w_{\le t})$. Training maximises the probability of the true next token, i.e. minimises the **cross-entropy**, the mean negative log-likelihood:
#
# $$\mathcal{L} = -\frac{1}{T}\sum_{t} \log p(w_{t+1} \mid w_{\le t}), \qquad \log p(y) = z_y - \log\sum_j e^{z_j}$$
#
# The inputs are the sequence and the targets are the same sequence shifted left by one: no labels are needed, the text is its own supervision.
#
# Computing $e^{z_j}$ directly overflows for large logits. The **log-sum-exp trick** subtracts the largest logit first, so that every exponent is at most 0.

# %% [markdown]
# ### Exercise 10: A Numerically Stable Cross-Entropy
#
# Implement the mean cross-entropy of next-token targets, for logits of shape `(N, V)` or `(B, T, V)`, without PyTorch's own cross-entropy or log-softmax. It must stay finite and correct for logits as large as ±10,000.

# %% tags=["exercise:cross_entropy"]
import torch


def cross_entropy(logits, targets):
    """Return the mean negative log-likelihood of `targets` under softmax(logits).

    Args:
        logits:  (N, V) or (B, T, V) scores over a vocabulary of size V.
        targets: (N,) or (B, T) int64 class ids in [0, V), the same leading shape as logits.

    Returns:
        A 0-dim tensor in logits' dtype, equal to F.cross_entropy on the inputs flattened to
        (N, V) and (N,); finite and correct for logits as large as +-1e4.

    Forbidden: F.cross_entropy, F.nll_loss, F.log_softmax, torch.log_softmax and their
    nn.Module forms (nn.CrossEntropyLoss, nn.NLLLoss, nn.LogSoftmax). torch.logsumexp is allowed.

    Hints:
        - Flatten first, the logits to (N, V) and the targets to (N,), with reshape: then
          one computation handles both shapes.
        - logits.gather(1, targets.unsqueeze(1)) picks each row's target logit
          (or index with logits[torch.arange(N), targets]).
        - Pitfall: torch.log(torch.softmax(...)) is not stable: softmax can underflow to 0
          and log(0) = -inf.
    """
    raise NotImplementedError("cross_entropy: not implemented yet")


# %%
check("cross_entropy")

# %% [markdown]
# ## <a id="perplexity"></a>Perplexity
#
# Cross-entropy in nats is hard to picture. Language models usually report its exponential, the **perplexity**:
#
# $$\text{PPL} = \exp(\mathcal{L})$$
#
# It reads as "the model is as unsure as if it were choosing uniformly among PPL tokens": a model that guesses uniformly over $V$ tokens has perplexity exactly $V$, and a perfect model has perplexity 1.

# %% [markdown]
# ### Exercise 11: Perplexity
#
# Return the perplexity of `targets` under `logits` as a Python float. Here any cross-entropy from PyTorch may be used.

# %% tags=["exercise:perplexity"]
import torch
import torch.nn.functional as F


def perplexity(logits, targets):
    """Return exp(mean negative log-likelihood of targets) as a Python float.

    Args:
        logits:  (N, V) or (B, T, V) scores over a vocabulary of size V.
        targets: (N,) or (B, T) int64 class ids.

    Returns:
        A Python float (not a tensor).

    Allowed here: any cross-entropy from torch, e.g. F.cross_entropy on the flattened inputs.

    Hints:
        - F.cross_entropy expects (N, V) and (N,): flatten with reshape(-1, V) / reshape(-1).
        - Evaluation needs no autograd graph: wrap it in torch.no_grad(), and turn the 0-dim
          result into a float with .item().
    """
    raise NotImplementedError("perplexity: not implemented yet")


# %%
check("perplexity")

# %% [markdown]
# # <a id="implementation"></a>6. Implementing a Simple LSTM Text Generator in PyTorch
#
# We now put everything together: a **character-level** LSTM language model, trained on a text and then used to write new text, one character at a time. The text is the course's built-in corpus: sentences of a small made-up language drawn from a known random source, so that we know exactly how well any model *could* do (its entropy rate, the "floor").
#
# ## <a id="data-prep"></a>Data Preparation
#
# A character-level model sees text as a sequence of characters, each mapped to an integer id by a vocabulary; then the long sequence of ids is cut into batches of next-token prediction examples.

# %% [markdown]
# ### Exercise 12: A Character Vocabulary
#
# Implement `build_vocab` (the sorted distinct characters, and the map back from character to id), `encode` and `decode`, so that `decode(encode(s, stoi), itos) == s`.

# %% tags=["exercise:char_vocab"]
import torch


def build_vocab(text):
    """Return (stoi, itos) for the characters of `text`.

    Returns:
        stoi: dict mapping each distinct character to its id.
        itos: list of the distinct characters, sorted, as one-character strings;
            itos[stoi[ch]] == ch.
    """
    raise NotImplementedError("build_vocab: not implemented yet")


def encode(text, stoi):
    """Return the ids of the characters of `text` as a LongTensor of shape (len(text),).

    A character missing from stoi raises KeyError (a plain dict lookup, stoi[ch], does that).

    Hint: torch.tensor([...], dtype=torch.long) also gives the right shape (0,) for "".
    """
    raise NotImplementedError("encode: not implemented yet")


def decode(ids, itos):
    """Return the string spelled by `ids`.

    Args:
        ids: a list of ints or a 1-D integer tensor.
        itos: the list from build_vocab.

    Hint: ids.tolist() turns a tensor into a list of Python ints, and "".join(...) glues
    characters together.
    """
    raise NotImplementedError("decode: not implemented yet")


# %%
check("char_vocab")

# %% [markdown]
# ### Exercise 13: Next-Token Batches
#
# Cut the ids into `batch_size` parallel rows and the rows into windows of `seq_len`, with targets shifted by one, exactly as the docstring lays out. Row $b$ of batch $i+1$ continues row $b$ of batch $i$ in the text, which is what lets the training loop carry the LSTM's hidden state from one batch to the next.

# %% tags=["exercise:next_token_batches"]
import torch


def make_batches(ids, batch_size, seq_len):
    """Return the list of n (inputs, targets) pairs, each (batch_size, seq_len).

    The pairs are cut as described in the module docstring.

    Args:
        ids: 1-D LongTensor, the whole encoded text.
        batch_size: rows per batch (B).
        seq_len: columns per batch (T).

    Returns:
        A list of n pairs (x, y), each of shape (B, T), with y[b, t] the id that follows
        x[b, t] in ids.

    Raises:
        ValueError: if not even one batch fits (n == 0), with a message saying how many ids
            are needed (batch_size * seq_len + 1) and how many there are.

    Hint: build X and Y once, then slice columns; do not loop over individual positions.
    Pitfall: len(ids) // (batch_size * seq_len) forgets that the last input needs a target.
    """
    raise NotImplementedError("make_batches: not implemented yet")


# %%
check("next_token_batches")

# %% [markdown]
# ## <a id="model-def"></a>Model Definition
#
# The model is three of PyTorch's own modules in a row: an embedding of the characters, an LSTM over the sequence, and a linear "head" giving logits for the next character at every position. (You built the first two yourself above; here the built-in `nn.Embedding` and `nn.LSTM` are allowed.)

# %% [markdown]
# ### Exercise 14: The Character-Level LSTM
#
# Create the three submodules with the names and sizes the docstring gives, and a `forward` that returns the logits and the LSTM's final state, so that a sequence can be continued where it stopped.

# %% tags=["exercise:char_lstm"]
import torch
from torch import nn


class CharLSTM(nn.Module):
    """Embedding -> LSTM -> Linear, predicting the next character at every position.

    Submodules (create them in this order, with exactly these names):
        embedding: an nn.Embedding of vocab_size vectors of size embed_dim
        lstm:      an nn.LSTM from embed_dim to hidden_dim, with num_layers layers and
                   batch_first=True
        head:      an nn.Linear from hidden_dim to vocab_size

    torch's own modules are allowed here.
    """

    def __init__(self, vocab_size, embed_dim=32, hidden_dim=128, num_layers=1):
        """Create the three submodules.

        Pitfall: without batch_first=True, nn.LSTM expects (T, B, features).
        """
        super().__init__()
        raise NotImplementedError("CharLSTM.__init__: not implemented yet")

    def forward(self, x, hidden=None):
        """Return (logits, hidden) for a batch of id sequences.

        Args:
            x: (B, T) int64 character ids.
            hidden: None (zeros) or the (h, c) returned by a previous call,
                each (num_layers, B, hidden_dim).

        Returns:
            logits: (B, T, vocab_size).
            hidden: (h, c), each (num_layers, B, hidden_dim), the state after the last step.

        Hint: nn.LSTM accepts hidden=None itself and returns (output, (h, c)).
        """
        raise NotImplementedError("CharLSTM.forward: not implemented yet")


# %%
check("char_lstm")

# %% [markdown]
# ## <a id="training-loop"></a>Training Loop
#
# Each optimizer step takes one batch, computes the logits and the mean cross-entropy, backpropagates, clips the gradient norm (Exercise 5's remedy for exploding gradients) and updates the weights with Adam.
#
# Because consecutive batches continue each other, the hidden state at the end of one batch is the right starting state for the next: we carry it over, but **detach** it first, so that backpropagation stops at the batch boundary. This is **truncated backpropagation through time**.

# %% [markdown]
# ### Exercise 15: The Training Loop
#
# Implement `train`: exactly `steps` optimizer steps over `make_batches(ids, batch_size, seq_len)`, cycling through the batches, carrying the detached hidden state and resetting it when the batches wrap around, and return the loss of every step. The check trains a model with your loop for 60 steps (about a second) and measures the held-out loss it reaches.

# %% tags=["exercise:train_lm"]
import torch
from torch import nn
import torch.nn.functional as F



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


# %%
check("train_lm")

# %% [markdown]
# ## <a id="generate-text"></a>Generating Text
#
# To write text, feed a prompt once, then repeatedly take the logits at the last position, pick a next character, and feed that character alone back in with the carried hidden state. How we pick matters:
#
# - **temperature** $\tau$: sample from $\text{softmax}(z/\tau)$. Low temperatures make the text safer and more repetitive; high ones more surprising; $\tau = 0$ means always taking the most likely character (greedy decoding).
# - **top-k**: sample only among the $k$ most likely characters, so that a long tail of unlikely ones can never be drawn.

# %% [markdown]
# ### Exercise 16: Generate Text
#
# Implement `generate`, with temperature, greedy decoding at temperature 0, optional top-k and a `torch.Generator` for reproducible samples, without building autograd graphs and leaving the model in the mode it was in.

# %% tags=["exercise:generate"]
import torch
import torch.nn.functional as F


def generate(model, prompt_ids, length, temperature=1.0, top_k=None, generator=None):
    """Return the prompt followed by `length` generated ids, as a 1-D LongTensor.

    Args:
        model: forward(x (1, T), hidden=None) -> (logits (1, T, V), hidden), e.g. a CharLSTM.
        prompt_ids: a non-empty 1-D LongTensor (P,).
        length: how many new ids to generate (0 returns the prompt).
        temperature: 0 for greedy decoding, else the softmax temperature.
        top_k: None, or sample only among the top_k largest logits.
        generator: a torch.Generator to pass to torch.multinomial, for reproducible samples.

    Returns:
        (P + length,) int64: the prompt, then the new ids.

    Requirements:
        - Feed the prompt once as (1, P), then each new id alone as (1, 1) with the carried
          hidden state. (The last new id need not be fed: nothing reads its logits.)
        - No autograd graphs (torch.no_grad()).
        - Leave the model in the train/eval mode it had: remember model.training, call
          model.eval(), and restore with model.train(was_training) in a `finally:` block.

    Hints:
        - torch.multinomial(probs, num_samples, generator=...) draws ids from probs (V,).
        - torch.topk(z, k).values[-1] is the k-th largest logit; z.masked_fill(z < kth,
          float("-inf")) drops the rest.
    """
    raise NotImplementedError("generate: not implemented yet")


# %%
check("generate")

# %% [markdown]
# ## Putting it Together: Train your Model and Let it Write
#
# The cells below are the whole of section 6 with **your** code: your vocabulary, your batches, your `CharLSTM`, your `train` and your `generate`, on the built-in corpus, with the training arguments the `train_lm` check uses (60 steps; the check trains a narrower model, this cell the default `CharLSTM`: a few seconds on a laptop). They run in this notebook's kernel. (The `grade train` command does the same from a terminal, in the grader's contained process.) Until every piece is implemented, the training cell says which one is missing and the next cells skip.

# %%
from autograde.grading import corpus

text = corpus.builtin()  # .train, .held_out (the last 10 %), and .floor, its entropy rate in nats per character
print(f"{len(text.train):,} training characters, {len(text.held_out):,} held out; a sample:")
print(text.train[:200])

# %%
budget = corpus.BUDGET  # steps, batch_size, seq_len, lr, clip, seed: train_lm's grading budget
losses = None
try:
    stoi, itos = build_vocab(text.train + text.held_out)
    train_ids = encode(text.train, stoi)
    held_out_ids = encode(text.held_out, stoi)
    torch.manual_seed(budget["seed"])
    model = CharLSTM(len(itos))
    losses = train(model, train_ids, **budget)
    print(f"Trained {len(losses)} steps; the last training loss is {losses[-1]:.3f} nats per character.")
except NotImplementedError as error:
    print(f"Not trained yet: {error}. Finish the exercises of section 6, then run this cell again.")

# %%
# %matplotlib inline
import matplotlib.pyplot as plt

if losses:
    with torch.no_grad():
        logits, _ = model(held_out_ids[:-1].unsqueeze(0))
        held_out_loss = F.cross_entropy(logits[0], held_out_ids[1:]).item()
    window = 20
    running = [sum(losses[max(0, i - window + 1): i + 1]) / len(losses[max(0, i - window + 1): i + 1]) for i in range(len(losses))]
    figure, axes = plt.subplots(figsize=(8, 4))
    axes.plot(losses, alpha=0.3, label="training loss")
    axes.plot(running, label=f"running mean ({window} steps)")
    axes.axhline(held_out_loss, color="tab:green", label=f"held-out {held_out_loss:.3f} (perplexity {math.exp(held_out_loss):.2f})")
    axes.axhline(text.unigram, color="tab:red", linestyle="--", label=f"unigram baseline {text.unigram:.3f}")
    axes.axhline(text.floor, color="black", linestyle=":", label=f"floor {text.floor:.3f} (unbeatable)")
    axes.set_xlabel("optimizer step")
    axes.set_ylabel("cross-entropy (nats per character)")
    axes.legend()
    plt.show()
else:
    print("No loss curve yet: the model is not trained.")

# %%
if losses:
    prompt = text.held_out[:12]
    for temperature in (0.0, 0.5, 1.0):
        generator = torch.Generator().manual_seed(0)
        try:
            ids = generate(model, encode(prompt, stoi), 200, temperature=temperature, generator=generator)
        except NotImplementedError as error:
            print(f"No samples yet: {error}.")
            break
        print(f"--- temperature {temperature:g}")
        print(decode(ids, itos))
else:
    print("No samples yet: the model is not trained.")

# %% [markdown]
# # <a id="conclusion"></a>7. Conclusion
#
# In this session we:
#
# - built an **RNN cell** and unrolled it over time, and saw why gradients **vanish or explode** along the chain, with clipping as the standard cure for explosion;
# - invented a **GRU** from two ideas, a gate that copies the old state and a gate that switches it off, and implemented PyTorch's exact version;
# - built an **LSTM** cell and layer, whose additive cell state carries memory (and gradients) over long distances;
# - turned ids into vectors with **embeddings**, and compared them by cosine similarity;
# - trained a model by **next-token prediction** with a stable **cross-entropy**, and measured it by **perplexity**;
# - put it all together into a character-level **LSTM text generator**: vocabulary, batches, model, training loop with truncated backpropagation through time, and sampling with temperature and top-k.
#
# Run `check()` below for a summary of every exercise. To be graded, submit this notebook (File > Download > .ipynb) as your course tells you.

# %%
check()
