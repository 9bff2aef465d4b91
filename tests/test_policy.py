"""Tests of the submission policy: attacks refused (statically and at run time), idioms kept."""

import glob
import importlib
import io
import os
import sys
import textwrap
import types
from pathlib import Path
from contextlib import redirect_stdout

import pytest
import torch

from autograde.sandbox import policy
from autograde.sandbox.policy import PolicyRefusal, PolicyViolation

REPO = Path(__file__).resolve().parent.parent
COUNTER = iter(range(10**6))


_DUMMIES = {}


def dummy_hook(name):
    if name in _DUMMIES:
        return _DUMMIES[name]
    module = _DUMMIES[name] = types.ModuleType(name)
    module.rnn_step = lambda x_t, h, Wxh, Whh, bh: torch.tanh(x_t @ Wxh + h @ Whh + bh)
    module._secret = "reference internals"
    return module


def load(source, hook=dummy_hook):
    source = textwrap.dedent(source)
    name = f"exercises.t{next(COUNTER)}"
    try:
        return policy.load_module(source, f"/sub/{name}.py", name, hook)
    finally:
        sys.modules.pop(name, None)


def refusals(source):
    return policy.check(textwrap.dedent(source), "/sub/x.py", "exercises.x")


# ---------------------------------------------------------------------------------------------
# Attacks refused before running
# ---------------------------------------------------------------------------------------------

STATIC_ATTACKS = {
    "vf_getattr": ('import torch\nk = getattr(torch._VF, "rnn_tanh" + "_cell")', "torch._VF"),
    "c_nn": ("import torch\nf = torch._C._nn.cross_entropy_loss", "private API"),
    "disable_c": ("import torch\nwith torch._C.DisableTorchFunction():\n    pass", "torch._C"),
    "disable_public": ("import torch\nwith torch.DisableTorchFunction():\n    pass",
                       "torch.DisableTorchFunction"),
    "disable_subclass": ("import torch\nc = torch.DisableTorchFunctionSubclass", "DisableTorchFunctionSubclass"),
    "exclude_dispatch": ("import torch\nc = torch.ExcludeDispatchKeyGuard", "ExcludeDispatchKeyGuard"),
    "dispatch_key": ("import torch\nk = torch.DispatchKey.Python", "DispatchKey"),
    "python_dispatch": ("import torch\ntorch.utils._python_dispatch._disable_current_modes()", "private"),
    "from_python_dispatch": ("from torch.utils._python_dispatch import TorchDispatchMode", "private"),
    "overrides": ("import torch\nclass M(torch.overrides.TorchFunctionMode):\n    pass", "torch.overrides"),
    "overrides_import": ("from torch.overrides import TorchFunctionMode", "torch.overrides"),
    "reentrant": ("import torch.overrides", "torch.overrides"),
    "mutation_mode": ("import torch\ncm = torch.autograd.graph.allow_mutation_on_saved_tensors()",
                      "allow_mutation_on_saved_tensors"),
    "importlib": ('import importlib\nimportlib.import_module("o" + "s")', "import importlib"),
    "reload": ("import importlib\nimport torch\nimportlib.reload(torch)", "import importlib"),
    "dunder_import": ('m = __import__("os")', "__import__"),
    "subclasses": ("x = ().__class__.__bases__[0].__subclasses__()", "__class__"),
    "globals_attr": ("def f():\n    pass\ng = f.__globals__", "__globals__"),
    "type_dict": ("d = type(1).__dict__", "__dict__"),
    "sys_modules": ("import sys\nm = sys.modules", "import sys"),
    "gi_frame": ("def g():\n    yield 1\nf = g().gi_frame.f_back", "gi_frame"),
    "tb_frame": ("try:\n    1 / 0\nexcept Exception as e:\n    f = e.__traceback__.tb_frame", "__traceback__"),
    "tb_frame2": ("def h(tb):\n    return tb.tb_frame", "tb_frame"),
    "operator": ("import operator\ng = operator.attrgetter('__class__')", "import operator"),
    "type3": ('X = type("X", (), {"__eq__": lambda a, b: True})', "type(name, bases, dict)"),
    "getattribute": ('v = object.__getattribute__(1, "real")', "__getattribute__"),
    "setattr_module": ('import torch\nsetattr(torch, "tanh", abs)', "may not change modules"),
    "assign_module": ("import torch\ntorch.tanh = abs", "may not change modules"),
    "del_module": ("import torch\ndel torch.tanh", "may not change modules"),
    "augassign_module": ("import math\nmath.pi += 1", "may not change modules"),
    "patch_eq": ("import torch\ntorch.Tensor.__eq__ = lambda a, b: True", "may not change modules"),
    "np_format": ("import numpy as np\nm = np.lib.format.open_memmap", "numpy.lib.format"),
    "np_ctypeslib": ("import numpy as np\nc = np.ctypeslib", "numpy.ctypeslib"),
    "np_testing": ("import numpy.testing", "numpy.testing"),
    "ctypes": ("import ctypes", "import ctypes"),
    "os": ("import os", "import os` is not allowed in a submission: allowed are torch"),
    "from_os": ("from os import path", "import os"),
    "torch_os": ("import torch\ntorch.os.system('ls')", "reaches the module os"),
    "from_torch_os": ("from torch import os", "reaches the module os"),
    "eval": ('eval("1")', "`eval`"),
    "exec": ('exec("1")', "`exec`"),
    "compile": ('compile("1", "f", "exec")', "`compile`"),
    "globals": ("g = globals()", "`globals`"),
    "vars": ("v = vars()", "`vars`"),
    "locals": ("v = locals()", "`locals`"),
    "breakpoint": ("breakpoint()", "`breakpoint`"),
    "open": ('open("/etc/passwd")', "`open`"),
    "input": ("input()", "`input`"),
    "torch_load": ('import torch\ntorch.load("f")', "torch.load"),
    "torch_save": ('import torch\ntorch.save(1, "f")', "torch.save"),
    "from_torch_load": ("from torch import load", "torch.load"),
    "from_file": ('import torch\ntorch.from_file("f")', "torch.from_file"),
    "np_load": ('import numpy\nnumpy.load("f")', "numpy.load"),
    "np_save": ('import numpy as np\nnp.save("f", 1)', "numpy.save"),
    "np_fromfile": ('import numpy as np\nnp.fromfile("f")', "fromfile"),
    "tofile": ('def f(a):\n    a.tofile("x")', "tofile"),
    "ops": ("import torch\ntorch.ops.aten.tanh", "torch.ops"),
    "library": ("import torch.library", "torch.library"),
    "jit": ("import torch\ntorch.jit.script(abs)", "torch.jit"),
    "compile_torch": ("import torch\ntorch.compile(abs)", "torch.compile"),
    "hub": ("import torch\ntorch.hub.load('a', 'b')", "torch.hub"),
    "cpp_extension": ("import torch.utils.cpp_extension", "torch.utils.cpp_extension"),
    "torchscript_cu": ("import torch\ncu = torch.CompilationUnit('def f(x):\\n    return x\\n')", "CompilationUnit"),
    "version": ("def f(t):\n    return t._version", "_version"),
    "foreach": ("import torch\ntorch._foreach_norm([])", "torch._foreach_norm"),
    "from_torch_C": ("from torch import _C", "private"),
    "import_torch_C": ("import torch._C as C", "private"),
    "parameters": ("import torch\nclass M(torch.nn.Module):\n    def f(self):\n        return self._parameters",
                   "_parameters"),
    "yield_in_with": ("import torch\ndef g():\n    with torch.no_grad():\n        yield 1", "yield"),
    "getattr_module_computed": ('import torch\nn = "tanh"\nf = getattr(torch, n)', "computed"),
    "hasattr_module_computed": ('import torch\nn = "tanh"\nf = hasattr(torch, n)', "computed"),
    "getattr_literal_private": ('import torch\nf = getattr(torch, "_C")', "private"),
    "getattr_literal_dunder": ('x = getattr(1, "__class__")', "__class__"),
    "array_interface": ("class A:\n    __array_interface__ = {}", "__array_interface__"),
    "getattr_hook": ("class A:\n    def __getattr__(self, n):\n        return 1", "__getattr__"),
    "reserved": ("_getattr_ = None", "reserved"),
    "reserved_param": ("def f(_write_):\n    pass", "reserved"),
    "builtins_name": ("b = __builtins__", "__builtins__"),
    "module_dunder_def": ("def __getattr__(name):\n    return 1", "__getattr__"),
    "metaclass": ("class A(metaclass=abs):\n    pass", "metaclass"),
    "match": ("match 1:\n    case 1:\n        pass", "not allowed"),
    "relative": ("from .rnn_step import rnn_step", "relative imports"),
    "exercise_private": ("from exercises.rnn_step import _helper", "private"),
    "star_import": ("from torch import *", "import *"),
    "set_default_device": ("import torch\ntorch.set_default_device('cpu')", "set_default_device"),
    "get_type_hints": ("import typing\ntyping.get_type_hints(abs)", "typing.get_type_hints"),
    "singledispatch": ("import functools\nf = functools.singledispatch(abs)", "singledispatch"),
    "contextlib": ("import contextlib\ns = contextlib.ExitStack()", "import contextlib"),
    "async": ("async def f():\n    pass", "not allowed"),
    "as_strided_np": ("import numpy as np\nnp.lib.stride_tricks.as_strided", "as_strided"),
}


@pytest.mark.parametrize("name", sorted(STATIC_ATTACKS))
def test_static_attacks_refused(name):
    source, expected = STATIC_ATTACKS[name]
    found = policy.check(source, "/sub/x.py", "exercises.x")
    assert found, f"{name}: nothing refused"
    assert any(expected in r.message for r in found), [r.message for r in found]
    assert all(r.line >= 1 and r.code for r in found)
    with pytest.raises(PolicyRefusal):
        policy.compile_submission(source, "/sub/x.py", "exercises.x")


def test_refusal_names_line_and_code():
    (refusal,) = refusals("import torch\n\n\ndef f(x):\n    return torch._VF.rnn_tanh(x)\n")
    assert refusal.line == 5
    assert refusal.code == "return torch._VF.rnn_tanh(x)"
    assert refusal.message == "`torch._VF` is a private API: use torch's public functions"
    (refusal,) = refusals("import os\n")
    assert refusal.message == ("`import os` is not allowed in a submission: allowed are torch, math, numpy, "
                               "itertools, functools, collections, typing, dataclasses and exercises.<name>")


# ---------------------------------------------------------------------------------------------
# Attacks that get past the static check, refused while running
# ---------------------------------------------------------------------------------------------

RUNTIME_ATTACKS = {
    "computed_getattr_module": ('import torch\nm = [torch][0]\nk = getattr(m, "_" + "VF")', "computed"),
    "computed_getattr_class": ('import torch\nk = getattr(torch.Tensor, "log_" + "softmax")', "computed"),
    "partial_getattr": ('import functools, torch\nf = functools.partial(getattr, torch)\nf("_C")', "computed"),
    "reduce_getattr": ('import functools\nfunctools.reduce(getattr, ["__cl" + "ass__"], 1)', "dunder"),
    "map_getattr": ('x = list(map(getattr, [1], ["__cla" + "ss__"]))', "dunder"),
    "format_attr": ('s = "{0.__class__}".format(1)', "dunder"),
    "format_globals": ('def f():\n    pass\ns = "{0.__globals__}".format(f)', "dunder"),
    "format_unbound": ('fmt = str.format\ns = fmt("{0.__class__.__bases__}", 1)', "dunder"),
    "format_map": ('s = "{x.__class__}".format_map({"x": 1})', "dunder"),
    "format_private": ('import torch\ns = "{0._C}".format(torch)', "private"),
    "module_write_alias": ("import torch\nt = [torch][0]\nt.tanh = abs", "may not change modules"),
    "module_setattr_alias": ('import torch\nt = [torch][0]\nsetattr(t, "tanh", abs)', "may not change modules"),
    "module_delattr_alias": ('import torch\nt = [torch][0]\ndelattr(t, "tanh")', "may not change modules"),
    "class_write": ("import torch\nT = [torch.Tensor][0]\nT.add = abs", "classes it did not define"),
    "class_aug_write": ("import torch\nT = [torch.nn.Module][0]\nT.dump_patches += 1", "classes it did not define"),
    "function_write": ("import torch\nf = [torch.nn.functional.relu][0]\nf.x = 1", "functions it did not define"),
    "module_value_os": ("import torch\nt = [torch][0]\no = t.os", "module os"),
    "module_value_sys": ("import typing\nt = [typing][0]\no = t.sys", "module sys"),
    "module_value_builtins": ("import dataclasses\nd = [dataclasses][0]\nb = d.builtins", "module builtins"),
    "module_item": ("import torch\nd = {'m': torch.os} if False else {'m': [torch][0]}\nd['m'].os", "module os"),
    "metaclass_type": ("import torch\nm = type(torch.nn.Module)", "metaclass"),
    "metaclass_attr": ("import torch\nt = [torch][0]\nm = t.autograd.function.FunctionMeta", "metaclass"),
    "subclass_type": ("class X(type):\n    pass", "type"),
    "disable_alias": ("import torch\nt = [torch][0]\nc = t.DisableTorchFunction", "DisableTorchFunction"),
    "exclude_alias": ("import torch\nt = [torch][0]\nc = t.ExcludeDispatchKeyGuard", "ExcludeDispatchKeyGuard"),
    "compilation_unit_alias": ("import torch\nt = [torch][0]\nc = t.CompilationUnit", "CompilationUnit"),
    "mutation_alias": ("import torch\na = [torch.autograd][0]\nc = a.graph.allow_mutation_on_saved_tensors",
                       "allow_mutation_on_saved_tensors"),
    "ops_alias": ("import torch\nt = [torch][0]\no = t.ops", "torch.ops"),
    "quantized_ops": ("import torch\nt = [torch][0]\no = t.quantized_lstm", "not allowed"),
    "load_alias": ("import torch\nt = [torch][0]\nf = t.load", "`.load` is not allowed"),
    "np_load_alias": ("import numpy\nn = [numpy][0]\nf = n.load", "not allowed"),
    "foreign_private_on_own_module": (
        "import torch\nclass M(torch.nn.Module):\n    def __init__(self):\n        super().__init__()\n"
        "        self._parameters = self._parameters\nM()", "private"),
    "foreign_private_method": (
        "import torch\nclass M(torch.nn.Module):\n    def _call_impl(self):\n        pass\n"
        "m = torch.nn.Linear(1, 1)\nm._call_impl", "private"),
    "private_on_tensor": ("import torch\nclass A:\n    _version = 0\nx = torch.ones(1)\nv = x._version", "private"),
    "private_on_module_alias": ("import torch\nclass A:\n    _C = 0\nt = [torch][0]\nc = t._C", "private"),
    "exercise_module_private": ("import exercises.rnn_step as r\nclass A:\n    _secret = 1\ns = r._secret", "private"),
    "dunder_setattr": ('class A:\n    pass\nsetattr(A(), "__cl" + "ass__", int)', "dunder"),
    "dunder_array_setattr": ('class A:\n    pass\nsetattr(A, "__array_" + "interface__", {})', "dunder"),
    "type_hints_alias": ("import typing\nt = [typing][0]\nt.get_type_hints", "get_type_hints"),
    "make_dataclass_alias": ("import dataclasses\nd = [dataclasses][0]\nd.make_dataclass", "make_dataclass"),
    "serialization_alias": ("import torch\nt = [torch][0]\nt.serialization", "serialization"),
    "mode_base_via_value": (
        "import torch\nt = [torch][0]\nM = t.overrides", "torch.overrides"),
    "userstring_format": ('import collections\nc = [collections][0]\nu = c.UserString("{0.__class__}")', "UserString"),
    "item_write_module": ("import torch\nt = [torch][0]\nt['x'] = 1", "modules or classes"),
    "exercises_sneak": ("import exercises._private", "exercises"),
}


STATIC_TOO = {"exercises_sneak", "computed_getattr_class", "exercise_module_private", "module_item"}


@pytest.mark.parametrize("name", sorted(RUNTIME_ATTACKS))
def test_runtime_attacks_refused(name):
    source, expected = RUNTIME_ATTACKS[name]
    static = policy.check(source, "/sub/x.py", "exercises.x")
    if static:  # refused before running is fine too (these are built to get past it, not all do)
        assert name in STATIC_TOO and any(expected in r.message for r in static), [r.message for r in static]
        return
    with pytest.raises(PolicyViolation) as info:
        load(source)
    assert expected in str(info.value), str(info.value)
    assert "(line " in str(info.value)


def test_mode_subclass_refused_at_class_creation():
    # A TorchFunctionMode class obtained without naming torch.overrides (e.g. from type(obj)).
    from torch.overrides import TorchFunctionMode

    hook = lambda name: types.SimpleNamespace(Mode=TorchFunctionMode)  # noqa: E731
    module = types.ModuleType("exercises.m")
    module.Mode = TorchFunctionMode

    def hook(name):  # noqa: F811
        return module

    with pytest.raises(PolicyViolation, match="switch off the grader's watch"):
        load("from exercises.m import Mode\nclass M(Mode):\n    def __enter__(self):\n        return self\n", hook)


def test_guards_not_rebindable():
    for source in ("_getattr_ = lambda o, n: 1", "global _write_", "import torch as _getitem_",
                   "def f(*_getattr_):\n    pass", "__builtins__['x'] = 1", "for _getiter_ in []:\n    pass",
                   "class _write_item_:\n    pass", "(_getattr_ := 1)"):
        assert refusals(source), source
    module = load("x = 1")
    assert "_getattr_" not in vars(module)  # the guards live in the fresh builtins dict only
    assert module.__builtins__ is not __builtins__


def test_private_rule_is_by_object_not_by_spelling():
    # `_cache` is defined by the submission, but a foreign object does not get it for free.
    source = """
        import torch
        class A:
            def __init__(self):
                self._cache = 1
        def peek(obj):
            return obj._cache
    """
    module = load(source)
    assert module.peek(module.A()) == 1
    with pytest.raises(PolicyViolation, match="private"):
        module.peek(types.SimpleNamespace(_cache=2))


# ---------------------------------------------------------------------------------------------
# Idioms correct code uses
# ---------------------------------------------------------------------------------------------

GOOD = r'''
from __future__ import annotations

import collections
import dataclasses
import functools
import itertools
import math
from typing import Optional

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from exercises.rnn_step import rnn_step
import exercises.rnn_step

__all__ = ["Cell", "run"]
_COUNT = 0


def _helper(x: torch.Tensor, scale: float = 1.0) -> torch.Tensor:
    global _COUNT
    _COUNT += 1
    return x * scale


class Square(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        ctx.note = "public attributes on ctx are fine"
        return x * x

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        assert ctx.needs_input_grad[0]
        return 2 * x * grad


@dataclasses.dataclass
class Config:
    hidden: int = 4
    tags: list = dataclasses.field(default_factory=list)


class Cell(nn.Module):
    def __init__(self, input_size: int, hidden_size: int):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(input_size, hidden_size) * 0.1)
        self.register_buffer("bias", torch.zeros(hidden_size))
        self._cache = {}
        self.__secret = 7
        self.steps = 0

    @property
    def secret(self):
        return self.__secret

    def __len__(self):
        return 3

    def __getitem__(self, i):
        return i * 2

    def __repr__(self):
        return f"Cell({self.weight.shape[0]}, {self.weight.shape[1]})"

    def forward(self, x: torch.Tensor, h: Optional[torch.Tensor] = None):
        B, T, _ = x.shape
        h = x.new_zeros(B, self.weight.shape[1]) if h is None else h
        out = x.new_empty(B, T, self.weight.shape[1])
        for t in range(T):
            h = torch.tanh(F.linear(x[:, t], self.weight.T, self.bias) + h @ torch.eye(h.shape[1], dtype=x.dtype))
            out[:, t] = h
        out[:, 0] += 0.0
        self.steps += T
        self._cache["last"] = h
        return out, h


class Counter:
    count = 0

    def __init__(self):
        Counter.count += 1
        self.items = collections.OrderedDict()

    def __iter__(self):
        yield from range(3)

    def __eq__(self, other):
        return isinstance(other, Counter)

    __hash__ = None


def gen(n):
    for i in range(n):
        yield i * i


def run():
    results = {}
    x = torch.randn(2, 3, dtype=torch.float64, requires_grad=True)
    y = Square.apply(x).sum()
    y.backward()
    results["custom_fn"] = torch.allclose(x.grad, 2 * x.detach())
    results["einsum"] = torch.einsum("bi,ih->bh", x, torch.ones(3, 2, dtype=x.dtype)).shape == (2, 2)
    results["addmm"] = torch.addmm(torch.zeros(2, dtype=x.dtype), x, torch.ones(3, 2, dtype=x.dtype)).shape[1] == 2
    results["vmap"] = torch.func.vmap(torch.dot)(torch.ones(4, 3), torch.ones(4, 3)).tolist() == [3.0] * 4
    results["matmul_T"] = (x @ x.T).shape == (2, 2) and x.mT.shape == (3, 2)
    cell = Cell(3, 4)
    out, h = cell(torch.randn(2, 5, 3))
    results["module"] = out.shape == (2, 5, 4) and cell.steps == 5 and cell.secret == 7
    results["cache"] = cell._cache["last"] is h
    results["dunders"] = len(cell) == 3 and cell[2] == 4 and repr(cell) == "Cell(3, 4)"
    results["state_dict"] = sorted(cell.state_dict()) == ["bias", "weight"]
    results["params"] = len(list(cell.parameters())) == 1
    hs = torch.zeros(2, 3)
    for i in range(2):
        hs[i] += torch.ones(3)
        hs[i, 0] -= 1
    results["aug_subscript"] = hs.sum().item() == 4.0
    results["comprehensions"] = ([i for i in range(3)], {i: i for i in range(2)}, {i % 2 for i in range(4)},
                                 sum(i for i in range(4))) == ([0, 1, 2], {0: 0, 1: 1}, {0, 1}, 6)
    results["generator"] = list(gen(4)) == [0, 1, 4, 9] and list(Counter()) == [0, 1, 2]
    results["lambda_sorted"] = sorted([3, 1, 2], key=lambda v: -v) == [3, 2, 1]
    results["itertools"] = list(itertools.islice(itertools.cycle("ab"), 3)) == ["a", "b", "a"]
    results["functools"] = functools.reduce(lambda a, b: a + b, [1, 2, 3]) == 6
    results["math_np"] = math.isclose(float(np.sqrt(4.0)), 2.0) and np.frombuffer(b"\x01\x02", np.uint8).sum() == 3
    results["dataclass"] = Config(tags=["a"]).hidden == 4
    with torch.no_grad():
        results["no_grad"] = not (x * 2).requires_grad
    args = (1, 2)
    kwargs = {"b": 3}
    results["star_args"] = (lambda *a, **k: (a, k))(*args, **kwargs) == ((1, 2), {"b": 3})
    try:
        raise KeyError("k")
    except (ValueError, KeyError) as e:
        results["try_except"] = isinstance(e, KeyError)
    try:
        [][1]
    except IndexError:
        results["index_error"] = True
    assert Counter() == Counter()
    results["builtins"] = (min(1, 2), max([3, 4]), abs(-1), round(1.26, 1), int("3"), float(1), bool(0),
                           str(1), any([0, 1]), all([1]), list(zip("ab", range(2))), list(enumerate("a")),
                           list(reversed([1, 2])), list(map(str, [1])), list(filter(None, [0, 1])),
                           next(iter([5])), tuple({1}), set([1]), dict(a=1), len("ab")) == (
        1, 4, 1, 1.3, 3, 1.0, False, "1", True, True, [("a", 0), ("b", 1)], [(0, "a")], [2, 1], ["1"], [1], 5,
        (1,), {1}, {"a": 1}, 2)
    results["type_1arg"] = type(x) is torch.Tensor and type(cell) is Cell and isinstance(Cell, type)
    results["issubclass"] = issubclass(Cell, nn.Module) and issubclass(bool, int)
    results["hasattr_literal"] = hasattr(cell, "weight") and not hasattr(cell, "nope") and hasattr(torch, "tanh")
    results["getattr_literal"] = getattr(torch, "float64") is torch.float64 and getattr(cell, "nope", 5) == 5
    name = "weight"
    results["getattr_computed_own"] = getattr(cell, name) is cell.weight
    setattr(cell, "extra_" + name, 1)
    results["setattr_own"] = cell.extra_weight == 1
    results["private_helper"] = _helper(torch.ones(1), 2.0).item() == 2.0 and _COUNT == 1
    results["exercise_import"] = rnn_step is exercises.rnn_step.rnn_step
    results["format"] = ("{} {x}".format(1, x=2), "{0.shape}".format(torch.ones(2)), f"{cell.steps:03d}") == (
        "1 2", "torch.Size([2])", "005")
    results["super_getitem"] = {"a": 1}.__getitem__("a") == 1 and "a".__contains__("a")
    results["walrus"] = (n := 3) == 3
    p = nn.Parameter(torch.ones(2))
    p.grad = torch.full((2,), 2.0)
    p.grad.mul_(0.5)
    results["foreign_public_write"] = p.grad.tolist() == [1.0, 1.0]
    opt = torch.optim.Adam([p], lr=0.1)
    opt.zero_grad()
    results["optim"] = p.grad is None
    if __name__ == "__main__":
        results["main"] = False
    print("printed", 42)
    assert all(results.values()), [k for k, v in results.items() if not v]
    return results
'''


def test_correct_idioms_work():
    module = load(GOOD)
    buffer = io.StringIO()
    with redirect_stdout(buffer):
        results = module.run()
    assert buffer.getvalue() == "printed 42\n"
    assert all(results.values()), results
    assert module.__all__ == ["Cell", "run"]


def test_library_imports_from_c_are_not_policed():
    # ndarray.sum imports numpy._core._methods through the __import__ of the calling frame.
    module = load("import numpy as np\ndef f():\n    return int(np.arange(3).sum())\n")
    assert module.f() == 3


def test_import_statement_inside_function_is_policed():
    module = load("def f():\n    import torch\n    return torch.tanh\n")
    assert module.f() is torch.tanh


def test_tracebacks_show_the_students_line():
    module = load("def f(x):\n    return x.nope\n")
    try:
        module.f(1)
    except AttributeError as error:
        import traceback

        text = "".join(traceback.format_exception(error))
        assert "return x.nope" in text
    else:
        raise AssertionError("no error")


def test_runtime_violation_names_line():
    with pytest.raises(PolicyViolation, match=r"line 3: s = fmt\.format\(1\)"):
        load('import torch\nfmt = "{0.__class__}"\ns = fmt.format(1)\n')


# ---------------------------------------------------------------------------------------------
# The course's own code: nothing correct is refused
# ---------------------------------------------------------------------------------------------

def _correct_sources():
    yield from sorted((REPO / "reference").glob("[a-z]*.py"))
    for path in sorted((REPO / "tests" / "cases").glob("*/*.py")):
        if path.read_text(encoding="utf-8").startswith('"""Correct'):
            yield path


@pytest.mark.parametrize("path", list(_correct_sources()), ids=lambda p: str(p.relative_to(REPO)))
def test_no_reference_or_correct_case_is_refused(path):
    found = policy.check(path.read_text(encoding="utf-8"), str(path), f"exercises.{path.stem}")
    assert not found, "\n".join(str(r) for r in found)

