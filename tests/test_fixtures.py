"""The runner fixtures that build what the wire cannot carry do what the checks say they do."""

import pytest
import torch

from autograde.sandbox import fixtures
from reference.lstm_step import lstm_step
from reference.rnn_step import rnn_step


@pytest.mark.parametrize("shape", [(3, 4), (2, 3, 4), (7,), (3, 1)])
def test_noncontiguous_keeps_the_values_in_memory_that_is_not_contiguous(shape):
    tensor = torch.arange(torch.Size(shape).numel()).reshape(shape)
    laid_out = fixtures.noncontiguous(tensor)
    assert not laid_out.is_contiguous()
    assert torch.equal(laid_out, tensor)


def test_noncontiguous_breaks_a_flattening_view():
    """What the layout checks rely on: .view(-1) refuses it, .reshape(-1) does not."""
    laid_out = fixtures.noncontiguous(torch.zeros(2, 3, 4))
    with pytest.raises(RuntimeError, match="view size is not compatible"):
        laid_out.view(-1)
    assert laid_out.reshape(-1).shape == (24,)


def test_chain_steps_matches_torch_rnn_over_the_same_sequence():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(2, 3, 5, generator=g, dtype=torch.float64)
    h0, Wxh, Whh, bh = (torch.randn(*s, generator=g, dtype=torch.float64) for s in [(2, 4), (5, 4), (4, 4), (4,)])
    cotangents = [[torch.randn(2, 4, generator=g, dtype=torch.float64)] for _ in range(3)]
    chained = fixtures.chain_steps(rnn_step, list(x.unbind(1)), h0, [Wxh, Whh, bh], cotangents)

    rnn = torch.nn.RNN(5, 4, batch_first=True, dtype=torch.float64)
    with torch.no_grad():
        rnn.weight_ih_l0.copy_(Wxh.T)
        rnn.weight_hh_l0.copy_(Whh.T)
        rnn.bias_ih_l0.copy_(bh)
        rnn.bias_hh_l0.zero_()
    h0_leaf = h0.clone().requires_grad_(True)
    hs, _ = rnn(x, h0_leaf.unsqueeze(0))
    (hs * torch.stack([c[0] for c in cotangents], dim=1)).sum().backward()
    assert torch.allclose(torch.stack([s[0] for s in chained["states"]], dim=1), hs.detach())
    assert torch.allclose(chained["first_state"][0], h0_leaf.grad)
    assert torch.allclose(chained["weights"][1], rnn.weight_hh_l0.grad.T)


def test_chain_steps_carries_a_pair_of_states():
    g = torch.Generator().manual_seed(1)
    state = (torch.randn(2, 3, generator=g), torch.randn(2, 3, generator=g))
    weights = [torch.randn(12, 4, generator=g), torch.randn(12, 3, generator=g), torch.randn(12, generator=g), torch.randn(12, generator=g)]
    xs = [torch.randn(2, 4, generator=g) for _ in range(2)]
    chained = fixtures.chain_steps(lstm_step, xs, state, weights, [[torch.ones(2, 3), torch.ones(2, 3)]] * 2)
    assert [len(s) for s in chained["states"]] == [2, 2]
    assert all(grad is not None for grad in chained["first_state"] + chained["weights"] + chained["xs"])
