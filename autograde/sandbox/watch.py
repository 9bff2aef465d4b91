"""Runtime watch over student code inside the runner: forbidden APIs and matmul counting.

The static scan (``static_scan``) catches forbidden names written in the source; this catches
them however they are reached (``getattr(torch, "rnn_" + "tanh_cell")``, an alias, a helper
module). It lives in the untrusted process, so it is a second line, never the only one.
"""

from __future__ import annotations

import importlib
from collections import Counter

import torch
from torch.overrides import TorchFunctionMode
from torch.utils._python_dispatch import TorchDispatchMode

MATMUL_OPS = frozenset(
    {"mm", "addmm", "bmm", "baddbmm", "addbmm", "mv", "addmv", "dot", "vdot", "_addmm_activation"}
)


class ForbiddenAPIError(RuntimeError):
    """Raised in place of a forbidden API, so that the tests it would pass earn nothing."""


def resolve(qualified_name: str):
    module_name, _, attr = qualified_name.rpartition(".")
    while module_name:
        try:
            owner = importlib.import_module(module_name)
            break
        except ImportError:
            module_name, _, parent_attr = module_name.rpartition(".")
            attr = f"{parent_attr}.{attr}"
    else:
        return None, None, None
    *path, leaf = attr.split(".")
    for part in path:
        owner = getattr(owner, part, None)
    if owner is None or not hasattr(owner, leaf):
        return None, None, None
    return owner, leaf, getattr(owner, leaf)


class ForbiddenAPIGuard(TorchFunctionMode):
    """Makes every forbidden API raise ForbiddenAPIError while student code runs.

    Torch functions are caught by name as they are dispatched (whatever alias reached them);
    plain Python helpers and classes are replaced where they are defined.
    """

    def __init__(self, forbidden: list[str]):
        super().__init__()
        self.leaf_names = {name.rpartition(".")[2] for name in forbidden}
        for name in forbidden:
            owner, leaf, obj = resolve(name)
            if obj is None:
                continue
            if isinstance(obj, type):
                obj.__init__ = self._refuse(name)
            elif getattr(obj, "__module__", None) and not isinstance(obj, type(torch.tanh)):
                setattr(owner, leaf, self._refuse(name))
                # The same function is often re-exported elsewhere (torch.nn.utils.clip_grad_norm_).
                defining = importlib.import_module(obj.__module__)
                if getattr(defining, leaf, None) is obj:
                    setattr(defining, leaf, self._refuse(name))

    @staticmethod
    def _refuse(name: str):
        def refuse(*args, **kwargs):
            raise ForbiddenAPIError(f"{name} is not allowed in this exercise")

        return refuse

    def __torch_function__(self, func, types, args=(), kwargs=None):
        # torch.ops overloads are named "log_softmax.int": the part before the dot is the op.
        name = str(getattr(func, "__name__", "")).partition(".")[0]
        if name in self.leaf_names:
            raise ForbiddenAPIError(f"{name} is not allowed in this exercise")
        return func(*args, **(kwargs or {}))


class OpCounter(TorchDispatchMode):
    """Counts the aten operators a call dispatches, after torch's own decompositions."""

    def __init__(self):
        super().__init__()
        self.counts: Counter[str] = Counter()

    @classmethod
    def _should_skip_dynamo(cls) -> bool:
        # Otherwise torch wraps __torch_dispatch__ in dynamo.disable, and the first call imports
        # all of torch._dynamo (about 1.5 s) in every runner. Nothing is compiled here.
        return False

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        self.counts[func.overloadpacket.__name__] += 1
        return func(*args, **(kwargs or {}))

    def matmuls(self) -> int:
        return sum(n for op, n in self.counts.items() if op in MATMUL_OPS)
