"""Trusted helpers that graders call inside the runner, to build what cannot be sent as data.

A tensor's ``.grad``, a generator, a model with instruments: none of these crosses the wire,
so the checker asks the runner to build them here (``student.call("autograde.fixtures.X", ...)``)
and gets a handle back. Nothing here is secret; it runs beside student code.
"""

from __future__ import annotations

import torch


class Parameters:
    """Tensors with gradients, kept in the runner (a plain list would be sent back as data)."""

    def __init__(self, tensors: list[torch.Tensor]):
        self.tensors = tensors

    def __iter__(self):
        return iter(self.tensors)

    def __len__(self) -> int:
        return len(self.tensors)


def with_grads(values: list[torch.Tensor], grads: list[torch.Tensor | None]) -> Parameters:
    """Leaf tensors that require grad, each with ``.grad`` set (None stays None)."""
    params = []
    for value, grad in zip(values, grads):
        param = value.detach().clone().requires_grad_(True)
        param.grad = None if grad is None else grad.detach().clone()
        params.append(param)
    return Parameters(params)


def grads_of(params: Parameters) -> list[torch.Tensor | None]:
    return [None if p.grad is None else p.grad.detach().clone() for p in params.tensors]


def as_generator(params: Parameters):
    """A one-shot iterator over the parameters, like ``model.parameters()``."""
    return (p for p in params.tensors)


def parameters_of(module: torch.nn.Module) -> dict[str, torch.Tensor]:
    """A module's registered parameters by name (state_dict() would also list buffers)."""
    return {name: p.detach().clone() for name, p in module.named_parameters()}


def values_of(params: Parameters) -> list[torch.Tensor]:
    """The parameters' values (not their gradients), to check that clipping left them alone."""
    return [p.detach().clone() for p in params.tensors]
