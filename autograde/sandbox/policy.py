"""The submission policy: what student code may use, checked before it runs and guarded while it runs.

Design. The static part is a RestrictedPython ``RestrictingNodeTransformer`` subclass. We keep what
RestrictedPython is good at: every AST node type must have a reviewed ``visit_`` method or it is
refused (``match``, ``async``, ``except*``, t-strings and future syntax), attribute reads become
``_getattr_(obj, "name")``, subscripts become ``_getitem_``, and errors are collected with their
lines. We replace its name rules (it refuses every ``_name``, so a student's ``_helper`` and
``self._cache`` and ``def __init__`` at the wrong column), its print collector (print must reach
stdout), its ``_getiter_``/``_unpack_sequence_``/``_apply_`` wrapping (nothing to guard there, and
each costs a Python call per loop item), and its refusal of ``x.a += 1`` / ``h[i] += v``. A
transformer written from scratch would need the same node allowlist; subclassing gets it reviewed
and kept current upstream for free, so it wins.

Runtime guards live in a fresh builtins dict (``guarded_namespace``): names of the form ``_x_``
and dunders cannot be written or read by submissions, so the guards cannot be rebound or reached.

Private names. ``obj._x`` is allowed only when (1) the submission's source itself defines ``_x``
(``self._x = ...``, ``def _x``, ``_x = ...`` in a class body, ``setattr(o, "_x", ...)``), (2) ``obj``
is the submission's own: an instance of a class its code created (a registry filled by the guarded
``__build_class__``), such a class, or a function compiled from its file, and (3) no foreign class
in ``obj``'s MRO defines ``_x`` and it is not one of torch's per-instance private attributes
(``nn.Module._parameters``...). So ``self._cache`` works and ``self._parameters`` does not.
"""

from __future__ import annotations

import ast
import builtins as _builtins
import dis
import dataclasses
import linecache
import string
import _string
import sys
import types
import weakref
from typing import Callable

from RestrictedPython.transformer import INSPECT_ATTRIBUTES, RestrictingNodeTransformer

# ----------------------------------------------------------------------------------------------
# The rules, as data (no torch import here: check() also runs in the trusted checker)
# ----------------------------------------------------------------------------------------------

ALLOWED_MODULES = ("torch", "math", "numpy", "itertools", "functools", "collections", "typing",
                   "dataclasses", "__future__")
ALLOWED_LIST = "torch, math, numpy, itertools, functools, collections, typing, dataclasses and exercises.<name>"

# Public-looking module paths that are still refused (prefix match on dotted names).
DENIED_MODULES = frozenset({
    "torch.ops", "torch.library", "torch.jit", "torch.compiler", "torch.hub", "torch.package",
    "torch.serialization", "torch.multiprocessing", "torch.distributed", "torch.fx", "torch.export",
    "torch.onnx", "torch.profiler", "torch.autograd.profiler", "torch.autograd.profiler_util",
    "torch.autograd.profiler_legacy", "torch.overrides", "torch.ao", "torch.quantization",
    "torch.monitor", "torch.futures", "torch.classes", "torch.cpp", "torch.contrib",
    "torch.utils.cpp_extension", "torch.utils.tensorboard", "torch.utils.benchmark",
    "torch.utils.model_zoo", "torch.utils.collect_env", "torch.utils.bottleneck",
    "torch.utils.file_baton", "torch.utils.show_pickle", "torch.utils.bundled_inputs",
    "torch.utils.mobile_optimizer", "torch.utils.jit", "torch.utils.checkpoint",
    "torch.utils.flop_counter", "torch.utils.module_tracker", "torch.utils.backend_registration",
    "torch.utils.throughput_benchmark", "torch.utils.viz", "torch.utils.serialization",
    "torch.utils.hipify", "torch.utils.deterministic",
    "numpy.ctypeslib", "numpy.f2py", "numpy.testing", "numpy.distutils", "numpy.core",
    "numpy.lib.format", "numpy.lib.npyio", "numpy.lib.utils",
})

# Modules that allowed modules re-export as public attributes (torch.os, typing.sys, ...).
FORBIDDEN_MODULE_NAMES = frozenset({
    "os", "sys", "subprocess", "importlib", "ctypes", "inspect", "gc", "marshal", "pickle",
    "builtins", "signal", "socket", "threading", "multiprocessing", "glob", "io", "shutil", "types",
    "pathlib", "tempfile", "copyreg", "weakref", "traceback", "linecache", "runpy", "code",
    "codeop", "abc", "re", "warnings", "platform", "site", "sysconfig", "json",
})

# Functions and classes refused by their dotted name (resolved to objects at run time, so an
# alias reaching the same object is refused too).
DENIED_OBJECTS = frozenset({
    # files, processes, compilation
    "torch.load", "torch.save", "torch.from_file", "torch.compile", "torch.cond", "torch.while_loop",
    "torch.get_file_path", "torch.prepare_multiprocessing_environment", "torch.set_default_device",
    "torch.quantized_gru", "torch.quantized_lstm",
    "numpy.load", "numpy.save", "numpy.savez", "numpy.savez_compressed", "numpy.loadtxt",
    "numpy.savetxt", "numpy.genfromtxt", "numpy.fromfile", "numpy.fromregex", "numpy.memmap",
    "numpy.DataSource", "numpy.lib.stride_tricks.as_strided", "numpy.rec.fromfile",
    # code evaluation behind a public name
    "typing.get_type_hints", "functools.singledispatch", "functools.singledispatchmethod",
    "dataclasses.make_dataclass", "collections.UserString",  # UserString.format is an unguarded str.format
    # public torch names that switch off TorchFunctionMode / TorchDispatchMode, or run code outside them
    "torch.DisableTorchFunction", "torch.DisableTorchFunctionSubclass", "torch.ExcludeDispatchKeyGuard",
    "torch.DispatchKey", "torch.DispatchKeySet", "torch.autograd.graph.allow_mutation_on_saved_tensors",
})
# torch re-exports every public name of torch._C; only these are ordinary user API.
TORCH_C_ALLOWED = frozenset({
    "AcceleratorError", "Event", "FatalError", "Generator", "OutOfMemoryError", "Size", "Stream",
    "default_generator", "device", "dtype", "finfo", "iinfo", "layout", "memory_format", "qscheme",
    "get_default_dtype", "get_num_threads", "get_num_interop_threads", "set_num_threads",
    "set_num_interop_threads", "has_lapack", "has_mkl", "has_openmp", "has_spectral",
    "is_grad_enabled", "is_inference_mode_enabled", "is_anomaly_enabled",
    "is_anomaly_check_nan_enabled", "is_autocast_enabled", "is_autocast_cpu_enabled",
    "get_autocast_dtype", "get_autocast_cpu_dtype", "get_autocast_gpu_dtype", "set_flush_denormal",
    "LoggerBase", "StorageBase",
})
# The rest of torch._C's public names, listed so check() can refuse them without importing torch.
TORCH_C_DENIED = frozenset("""
AVG AggregationType AliasDb AnyType Argument ArgumentSpec AwaitType BenchmarkConfig
BenchmarkExecutionStats Block BoolType BufferDict CallStack Capsule ClassType Code CompilationUnit
CompleteArgumentSpec ComplexType ConcreteModuleType ConcreteModuleTypeBuilder DeepCopyMemoTable
DeserializationStorageContext DeviceObjType DictType DisableTorchFunction DisableTorchFunctionSubclass
DispatchKey DispatchKeySet EnumType ErrorReport ExcludeDispatchKeyGuard ExecutionPlan FileCheck
FloatType FunctionSchema Future FutureType Gradient Graph GraphExecutorState IODescriptor
InferredType IntType InterfaceType JITException ListType LiteScriptModule LockingLogger ModuleDict
Node NoneType NoopLogger NumberType OperatorInfo OptionalType ParameterDict PyObjectType
PyTorchFileReader PyTorchFileWriter RRefType SUM ScriptClass ScriptClassFunction ScriptDict
ScriptDictIterator ScriptDictKeyIterator ScriptFunction ScriptList ScriptListIterator ScriptMethod
ScriptModule ScriptModuleSerializer ScriptObject ScriptObjectProperty SerializationStorageContext
StaticModule StreamObjType StringType SymBoolType SymIntType Tag TensorType ThroughputBenchmark
TracingState TupleType Type UnionType Use Value autocast_decrement_nesting
autocast_increment_nesting clear_autocast_cache fork import_ir_module import_ir_module_from_buffer
init_num_threads merge_type_from_type_comment parse_ir parse_schema parse_type_comment
set_anomaly_enabled set_autocast_cache_enabled set_autocast_cpu_dtype set_autocast_cpu_enabled
set_autocast_dtype set_autocast_enabled set_autocast_gpu_dtype set_autocast_ipu_dtype
set_autocast_ipu_enabled set_autocast_xla_dtype set_autocast_xla_enabled unify_type_list wait
""".split())

# Attribute names refused on objects the submission did not define, whatever they are on:
# frames, generators, tracebacks (RestrictedPython's list), files, raw memory, split context managers.
DENIED_ATTRS = frozenset(INSPECT_ATTRIBUTES) | frozenset({
    "load", "loads", "save", "savez", "savez_compressed", "savetxt", "loadtxt", "genfromtxt",
    "fromfile", "tofile", "from_file", "dump", "dumps", "memmap", "open_memmap", "ctypes",
    "ctypeslib", "as_strided", "DataSource", "gen", "f_lasti", "co_consts", "co_names",
})

# Refused statically too: no ordinary object of a submission has these.
STATIC_DENIED_ATTRS = frozenset(INSPECT_ATTRIBUTES) | frozenset({
    "tofile", "fromfile", "from_file", "ctypes", "ctypeslib", "as_strided", "f_lasti", "co_consts",
    "co_names"})

ALLOWED_DUNDER_READS = frozenset({"__init__", "__getitem__", "__setitem__", "__len__", "__iter__",
                                  "__next__", "__contains__"})
# Dunders a class may not define: raw-memory protocols (numpy reads __array_interface__ through
# __getattr__ too) and hooks into every attribute lookup.
DENIED_DUNDER_DEFS = frozenset({"__array_interface__", "__array_struct__", "__cuda_array_interface__",
                                "__dlpack__", "__buffer__", "__release_buffer__", "__getattr__",
                                "__getattribute__"})
MODULE_DUNDERS = frozenset({"__name__", "__all__", "__doc__"})  # bare names a module may use

# Builtins left out of the namespace; named here so the refusal can say why.
REFUSED_BUILTINS = {
    "eval": "code is written, not evaluated", "exec": "code is written, not executed",
    "compile": "code is written, not compiled", "globals": "namespaces are not reachable",
    "locals": "namespaces are not reachable", "vars": "namespaces are not reachable",
    "breakpoint": "there is no debugger while grading", "open": "there is no file access",
    "input": "there is no standard input", "help": "there is no interactive help",
    "exit": "a submission does not end the process", "quit": "a submission does not end the process",
    "memoryview": "there is no raw memory access",
}
SAFE_BUILTINS = (
    "abs", "all", "any", "ascii", "bin", "bool", "bytearray", "bytes", "callable", "chr",
    "classmethod", "complex", "dict", "dir", "divmod", "enumerate", "filter", "float", "format",
    "frozenset", "hash", "hex", "id", "int", "isinstance", "issubclass", "iter", "len", "list", "map",
    "max", "min", "next", "object", "oct", "ord", "pow", "print", "property", "range", "repr",
    "reversed", "round", "set", "slice", "sorted", "staticmethod", "str", "sum", "super", "tuple",
    "zip", "NotImplemented", "Ellipsis", "aiter", "anext",
)


# ----------------------------------------------------------------------------------------------
# Refusals
# ----------------------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Refusal:
    line: int
    code: str
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}\n    {self.code}"


class PolicyRefusal(Exception):
    """The source uses constructs outside the policy (found before running it)."""

    def __init__(self, refusals: list[Refusal]):
        self.refusals = refusals
        super().__init__("\n".join(str(r) for r in refusals))


class PolicyViolation(Exception):
    """A construct outside the policy was reached while the submission ran."""


def is_dunder(name: str) -> bool:
    return len(name) > 4 and name.startswith("__") and name.endswith("__")


def is_reserved(name: str) -> bool:
    """Names of the form _x_ belong to the policy's guards."""
    return len(name) > 2 and name.startswith("_") and name.endswith("_") and not is_dunder(name)


def is_private(name: str) -> bool:
    return name.startswith("_") and not is_dunder(name)


def module_path_refusal(path: str) -> str | None:
    """Why the dotted module/object path is refused, or None."""
    parts = path.split(".")
    top = parts[0]
    if top == "exercises":
        if len(parts) > 2 or any(is_private(p) or is_dunder(p) for p in parts[1:]):
            return f"`{path}` is not allowed: import another exercise as exercises.<name>"
        return None
    if top not in ALLOWED_MODULES:
        return f"`import {top}` is not allowed in a submission: allowed are {ALLOWED_LIST}"
    for i, part in enumerate(parts[1:], 1):
        if part.startswith("_"):
            return f"`{'.'.join(parts[:i + 1])}` is a private API: use {top}'s public functions"
        if part in FORBIDDEN_MODULE_NAMES:
            return (f"`{'.'.join(parts[:i + 1])}` reaches the module {part}, which a submission may not "
                    f"use: allowed are {ALLOWED_LIST}")
    for i in range(2, len(parts) + 1):
        prefix = ".".join(parts[:i])
        if prefix in DENIED_MODULES:
            return f"`{prefix}` is not allowed in a submission"
        if prefix in DENIED_OBJECTS or (i == 2 and top == "torch" and parts[1] in TORCH_C_DENIED):
            return f"`{prefix}` is not allowed in a submission"
    return None


# ----------------------------------------------------------------------------------------------
# Static check: the transformer
# ----------------------------------------------------------------------------------------------

def _mangle(name: str, class_name: str | None) -> str:
    """Python's private-name mangling, done by hand because `_getattr_(x, "__n")` escapes it."""
    if class_name is None or not name.startswith("__") or name.endswith("__"):
        return name
    stripped = class_name.lstrip("_")
    return f"_{stripped}{name}" if stripped else name


def defined_private_names(tree: ast.AST) -> frozenset[str]:
    """The private names the source itself defines (rule (1) of the module docstring)."""
    found: set[str] = set()

    def walk(node: ast.AST, cls: str | None, in_class_body: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.ClassDef):
                found.add(child.name)
                walk(child, child.name, True)
                continue
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                found.add(_mangle(child.name, cls))
                walk(child, cls, False)
                continue
            if isinstance(child, ast.Attribute) and isinstance(child.ctx, (ast.Store, ast.Del)):
                found.add(_mangle(child.attr, cls))
            elif isinstance(child, ast.Name) and isinstance(child.ctx, ast.Store) and in_class_body:
                found.add(_mangle(child.id, cls))
            elif (isinstance(child, ast.Call) and isinstance(child.func, ast.Name)
                  and child.func.id == "setattr" and len(child.args) >= 2
                  and isinstance(child.args[1], ast.Constant) and isinstance(child.args[1].value, str)):
                found.add(child.args[1].value)
            walk(child, cls, in_class_body and not isinstance(child, (ast.Lambda, ast.ListComp,
                                                                       ast.SetComp, ast.DictComp,
                                                                       ast.GeneratorExp)))

    walk(tree, None, False)
    return frozenset(n for n in found if is_private(n))


def bound_names(tree: ast.AST) -> set[str]:
    """Every name the source binds anywhere (so `def forward(self, input)` is not `input()`)."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            names.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, ast.alias):
            names.add((node.asname or node.name).partition(".")[0])
        elif isinstance(node, ast.ExceptHandler) and node.name:
            names.add(node.name)
    return names


class PolicyTransformer(RestrictingNodeTransformer):
    """RestrictedPython's transformer with the course's rules (see the module docstring)."""

    def __init__(self, source_lines: list[str], private_names: frozenset[str], bound: set[str]):
        super().__init__(errors=[], warnings=[], used_names={})
        self.lines = source_lines
        self.private_names = private_names
        self.bound = bound
        self.refusals: list[Refusal] = []
        self.aliases: dict[str, str] = {}  # module-level import name -> dotted module path
        self.class_stack: list[str] = []
        self.scopes: list[str] = ["module"]  # "module" | "class" | "function"
        self.with_depth = 0

    # -- reporting --------------------------------------------------------------------------
    def error(self, node: ast.AST, info: str) -> None:
        line = getattr(node, "lineno", 0) or 0
        code = self.lines[line - 1].strip() if 0 < line <= len(self.lines) else ""
        refusal = Refusal(line, code, info)
        if refusal not in self.refusals:
            self.refusals.append(refusal)
        self.errors.append(f"Line {line}: {info}")

    def not_allowed(self, node: ast.AST) -> None:
        self.error(node, f"`{type(node).__name__}` statements are not allowed in a submission")

    def check_name(self, node, name, allow_magic_methods=False):  # noqa: D102 - RestrictedPython hook
        if name is None:
            return
        if is_reserved(name):
            self.error(node, f"`{name}` is a name reserved for the grader's guards")
        elif is_dunder(name) and name not in MODULE_DUNDERS:
            self.error(node, f"`{name}`: dunder names may only be defined as methods or attributes of "
                             "the submission's own classes")

    # -- helpers ------------------------------------------------------------------------------
    @property
    def current_class(self) -> str | None:
        return self.class_stack[-1] if self.class_stack else None

    def dotted(self, node: ast.AST) -> str | None:
        """`F.linear` -> "torch.nn.functional.linear" when F is a module-level import."""
        parts = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if isinstance(node, ast.Name) and node.id in self.aliases:
            return ".".join([self.aliases[node.id], *reversed(parts)])
        return None

    def check_attr_name(self, node: ast.AST, value: ast.AST, attr: str, store: bool) -> None:
        shown = f"{ast.unparse(value)}.{attr}" if len(ast.unparse(value)) < 60 else f"....{attr}"
        if store and self.dotted(value) is not None:
            self.error(node, f"`{self.dotted(value)}.{attr} = ...`: a submission may not change modules "
                             "or anything they define")
            return
        if is_dunder(attr):
            if store:
                self.error(node, f"`{shown}`: writing dunder attributes is not allowed; define them "
                                 "in the class body instead")
            elif attr not in ALLOWED_DUNDER_READS:
                self.error(node, f"`{shown}`: of the dunder attributes only "
                                 f"{', '.join(sorted(ALLOWED_DUNDER_READS))} may be read")
            return
        if attr.startswith("_"):
            target = self.dotted(value)
            if target is not None:
                top = target.split(".")[0]
                self.error(node, f"`{target}.{attr}` is a private API: use {top}'s public functions")
            elif _mangle(attr, self.current_class) not in self.private_names:
                self.error(node, f"`{shown}` is a private attribute the submission does not define: "
                                 "use the public API")
            return
        target = self.dotted(value)
        if target is not None and target.split(".")[0] in ALLOWED_MODULES:
            why = module_path_refusal(f"{target}.{attr}")
            if why:
                self.error(node, why)
                return
        if attr in STATIC_DENIED_ATTRS and not store:
            self.error(node, f"`{shown}` is not allowed in a submission (no file, frame or raw memory access)")

    # -- names, attributes, subscripts ---------------------------------------------------------
    def visit_Name(self, node: ast.Name):
        if is_dunder(node.id):
            in_class = self.scopes[-1] == "class" and isinstance(node.ctx, ast.Store)
            if in_class:
                if node.id in DENIED_DUNDER_DEFS:
                    self.error(node, f"defining `{node.id}` is not allowed (raw memory / attribute hooks)")
            elif node.id in MODULE_DUNDERS and (isinstance(node.ctx, ast.Load) or self.scopes[-1] == "module"):
                pass
            else:
                self.check_name(node, node.id)
        elif is_reserved(node.id):
            self.check_name(node, node.id)
        elif (isinstance(node.ctx, ast.Load) and node.id in REFUSED_BUILTINS
              and node.id not in self.bound):
            self.error(node, f"`{node.id}` is not allowed in a submission: {REFUSED_BUILTINS[node.id]}")
        return node

    def visit_Attribute(self, node: ast.Attribute):
        store = isinstance(node.ctx, (ast.Store, ast.Del))
        self.check_attr_name(node, node.value, node.attr, store)
        attr = _mangle(node.attr, self.current_class)
        node = self.node_contents_visit(node)
        node.attr = attr
        if not store:
            new = ast.Call(func=ast.Name("_getattr_", ast.Load()),
                           args=[node.value, ast.Constant(attr)], keywords=[])
            ast.copy_location(new, node)
            return new
        node.value = ast.copy_location(
            ast.Call(func=ast.Name("_write_", ast.Load()), args=[node.value], keywords=[]), node.value)
        return node

    def visit_Subscript(self, node: ast.Subscript):
        node = self.node_contents_visit(node)
        if isinstance(node.ctx, ast.Load):
            return ast.copy_location(ast.Call(func=ast.Name("_getitem_", ast.Load()),
                                              args=[node.value, node.slice], keywords=[]), node)
        node.value = ast.copy_location(
            ast.Call(func=ast.Name("_write_item_", ast.Load()), args=[node.value], keywords=[]), node.value)
        return node

    # -- calls -----------------------------------------------------------------------------------
    def visit_Call(self, node: ast.Call):
        func = node.func
        if isinstance(func, ast.Name) and func.id not in self.bound:
            if func.id in ("getattr", "hasattr", "setattr", "delattr") and len(node.args) >= 2:
                name = node.args[1]
                if isinstance(name, ast.Constant) and isinstance(name.value, str):
                    self.check_attr_name(node, node.args[0], name.value, store=func.id in ("setattr", "delattr"))
                    if func.id in ("getattr", "hasattr") and not any(
                            isinstance(a, ast.Starred) for a in node.args) and not node.keywords:
                        node = self.node_contents_visit(node)
                        node.func = ast.copy_location(ast.Name(f"_{func.id}_literal_", ast.Load()), func)
                        return node
                elif self.dotted(node.args[0]) is not None:
                    self.error(node, f"`{func.id}` with a name computed at run time on the module "
                                     f"`{self.dotted(node.args[0])}`: names are written, not built")
            elif func.id == "type" and len(node.args) + len(node.keywords) > 1:
                self.error(node, "`type(name, bases, dict)` is not allowed: write a class statement")
        return self.node_contents_visit(node)

    # -- statements ------------------------------------------------------------------------------
    def visit_Assign(self, node: ast.Assign):
        return self.node_contents_visit(node)

    def visit_AnnAssign(self, node: ast.AnnAssign):
        return self.node_contents_visit(node)

    def visit_AugAssign(self, node: ast.AugAssign):
        target = node.target
        if isinstance(target, ast.Attribute):
            self.check_attr_name(target, target.value, target.attr, store=True)
            if target.attr.startswith("_") and not is_dunder(target.attr):
                self.check_attr_name(target, target.value, target.attr, store=False)
        return self.node_contents_visit(node)  # targets become _write_(x).a / _write_item_(x)[i]

    def guard_iter(self, node):
        return self.node_contents_visit(node)

    def visit_With(self, node: ast.With):
        self.with_depth += 1
        try:
            return self.node_contents_visit(node)
        finally:
            self.with_depth -= 1

    def _check_yield(self, node):
        if self.with_depth:
            self.error(node, "`yield` inside a `with` block is not allowed: it lets a context "
                             "(and the grader's watch) be left out of order")
        return self.node_contents_visit(node)

    visit_Yield = _check_yield
    visit_YieldFrom = _check_yield

    def visit_Nonlocal(self, node: ast.Nonlocal):
        for name in node.names:
            self.check_name(node, name)
        return node

    def visit_Global(self, node: ast.Global):
        for name in node.names:
            self.check_name(node, name)
        return node

    # -- imports ---------------------------------------------------------------------------------
    def visit_Import(self, node: ast.Import):
        for alias in node.names:
            why = module_path_refusal(alias.name)
            if why:
                self.error(node, why)
            if alias.asname:
                self.check_name(node, alias.asname)
                if self.scopes == ["module"]:
                    self.aliases[alias.asname] = alias.name
            elif self.scopes == ["module"]:
                top = alias.name.partition(".")[0]
                self.aliases[top] = top
        return node

    def visit_ImportFrom(self, node: ast.ImportFrom):
        if node.level:
            self.error(node, "relative imports are not allowed: write `from exercises.<name> import ...`")
            return node
        module = node.module or ""
        why = module_path_refusal(module)
        if why:
            self.error(node, why)
            return node
        for alias in node.names:
            if alias.name == "*":
                self.error(node, "`import *` is not allowed: import the names you use")
                continue
            if module == "__future__":
                continue
            full = f"{module}.{alias.name}"
            if module.startswith("exercises.") and is_private(alias.name):
                self.error(node, f"`{full}` is a private name of another exercise")
            why = None if module.startswith("exercises.") else module_path_refusal(full)
            if why:
                self.error(node, why)
            self.check_name(node, alias.asname or alias.name)
            if self.scopes == ["module"]:
                self.aliases[alias.asname or alias.name] = full
        return node

    # -- definitions -----------------------------------------------------------------------------
    def _visit_function(self, node):
        if is_dunder(node.name):
            if self.scopes[-1] != "class":
                self.error(node, f"`def {node.name}`: dunder methods may only be defined in classes")
            elif node.name in DENIED_DUNDER_DEFS:
                self.error(node, f"defining `{node.name}` is not allowed (raw memory / attribute hooks)")
        else:
            self.check_name(node, node.name)
        for arg in [*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs,
                    node.args.vararg, node.args.kwarg]:
            if arg is not None:
                self.check_name(node, arg.arg)
        saved_with, self.with_depth = self.with_depth, 0
        self.scopes.append("function")
        try:
            return self.node_contents_visit(node)
        finally:
            self.scopes.pop()
            self.with_depth = saved_with

    def visit_FunctionDef(self, node: ast.FunctionDef):
        return self._visit_function(node)

    def visit_Lambda(self, node: ast.Lambda):
        for arg in [*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs,
                    node.args.vararg, node.args.kwarg]:
            if arg is not None:
                self.check_name(node, arg.arg)
        self.scopes.append("function")
        try:
            return self.node_contents_visit(node)
        finally:
            self.scopes.pop()

    def visit_ClassDef(self, node: ast.ClassDef):
        self.check_name(node, node.name)
        if any(k.arg == "metaclass" for k in node.keywords):
            self.error(node, "`metaclass=` is not allowed in a submission")
        for field in ("bases", "keywords", "decorator_list"):
            setattr(node, field, [self.visit(x) for x in getattr(node, field)])
        self.class_stack.append(node.name)
        self.scopes.append("class")
        try:
            node.body = [n for stmt in node.body for n in self._as_list(self.visit(stmt))]
        finally:
            self.scopes.pop()
            self.class_stack.pop()
        return node

    @staticmethod
    def _as_list(result):
        if result is None:
            return []
        return result if isinstance(result, list) else [result]

    def _visit_comprehension_scope(self, node):
        self.scopes.append("function")
        try:
            return self.node_contents_visit(node)
        finally:
            self.scopes.pop()

    visit_ListComp = visit_SetComp = visit_DictComp = visit_GeneratorExp = _visit_comprehension_scope

    def visit_Module(self, node: ast.Module):
        return self.node_contents_visit(node)


def _transform(source: str, filename: str) -> tuple[ast.Module | None, list[Refusal], frozenset[str]]:
    try:
        tree = ast.parse(source, filename, "exec")
    except SyntaxError:
        return None, [], frozenset()  # compile() reports it with Python's own message
    private = defined_private_names(tree)
    transformer = PolicyTransformer(source.splitlines(), private, bound_names(tree))
    tree = transformer.visit(tree)
    ast.fix_missing_locations(tree)
    return tree, sorted(transformer.refusals, key=lambda r: r.line), private


def check(source: str, filename: str, module_name: str) -> list[Refusal]:
    """Every construct of `source` outside the policy, in line order (empty: nothing refused)."""
    return _transform(source, filename)[1]


_PRIVATE_NAMES: "weakref.WeakKeyDictionary[types.CodeType, frozenset[str]]" = weakref.WeakKeyDictionary()


def compile_submission(source: str, filename: str, module_name: str) -> types.CodeType:
    """Check and compile `source`; raises PolicyRefusal (or SyntaxError) instead of compiling."""
    tree, refusals, private = _transform(source, filename)
    if tree is None:
        compile(source, filename, "exec", dont_inherit=True)  # raises the SyntaxError
    if refusals:
        raise PolicyRefusal(refusals)
    code = compile(tree, filename, "exec", dont_inherit=True)
    _PRIVATE_NAMES[code] = private
    return code


# ----------------------------------------------------------------------------------------------
# Run-time guards
# ----------------------------------------------------------------------------------------------

_TABLES: dict = {}
IMPORT_NAME = dis.opmap["IMPORT_NAME"]


def _runtime_tables() -> dict:
    """Objects the guards refuse by identity, resolved once per process (imports torch lazily)."""
    if _TABLES:
        return _TABLES
    import importlib

    import numpy  # noqa: F401
    import torch

    real_getattr = getattr
    denied: dict[int, str] = {}
    keep_alive = []
    for name in sorted(DENIED_OBJECTS | {f"torch.{n}" for n in TORCH_C_DENIED}):
        mod_name, _, attr = name.rpartition(".")
        try:
            obj = real_getattr(importlib.import_module(mod_name), attr)
        except (ImportError, AttributeError):
            continue
        if obj is None or isinstance(obj, (bool, int, float, str, tuple)):
            continue  # shared constants: refusing them by identity would refuse every None
        denied[id(obj)] = name
        keep_alive.append(obj)
    for name in ("eval", "exec", "compile", "open", "globals", "locals", "vars", "breakpoint",
                 "input", "__import__", "getattr", "setattr", "delattr", "type", "memoryview"):
        obj = real_getattr(_builtins, name)
        denied[id(obj)] = name
        keep_alive.append(obj)
    import torch.overrides
    import torch.utils._python_dispatch as python_dispatch
    forbidden_bases = (torch.overrides.TorchFunctionMode, python_dispatch.TorchDispatchMode, type)
    ops_types = tuple(t for t in (real_getattr(torch._ops, n, None) for n in
                                  ("OpOverloadPacket", "OpOverload", "_OpNamespace", "HigherOrderOperator"))
                      if isinstance(t, type))
    # Values of these types are never modules, metaclasses, ops or denied objects.
    plain_types = frozenset({torch.Tensor, torch.nn.Parameter, int, float, bool, complex, str, type(None),
                             torch.Size, torch.dtype, torch.device, types.MethodType, list, dict})
    _TABLES.update(plain_types=plain_types, denied=denied, keep_alive=keep_alive, forbidden_bases=forbidden_bases,
                   ops_types=ops_types, importlib=importlib)
    return _TABLES


def code_names(code: types.CodeType) -> set:
    """Names and string constants of a code object and the code nested in it."""
    found = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, str):
            found.add(const)
        elif isinstance(const, types.CodeType):
            found |= code_names(const)
    return found


class _SafeTypeMeta(type):
    """Makes the submission's `type` usable as `type(x)` and in `isinstance(c, type)`, nothing more."""

    def __instancecheck__(cls, obj):
        return isinstance(obj, type)

    def __subclasscheck__(cls, sub):
        return issubclass(sub, type)


def guarded_namespace(module_name: str, import_hook: Callable[[str], types.ModuleType], *,
                      filename: str | None = None, private_names: frozenset[str] | None = None) -> dict:
    """Globals for running compiled submission code, with the guards in a fresh builtins dict.

    `import_hook(name)` returns the module for `exercises.<name>` imports. `filename` identifies the
    submission's own functions; `private_names` is what its source defines (see compile_submission).
    """
    tables = _runtime_tables()
    denied, forbidden_bases, ops_types = tables["denied"], tables["forbidden_bases"], tables["ops_types"]
    importlib = tables["importlib"]
    filename = filename or f"<{module_name}>"
    private_names = frozenset(private_names or ())
    own_classes: weakref.WeakSet = weakref.WeakSet()
    hook_modules: dict[int, types.ModuleType] = {}
    module_ok: dict[int, bool] = {}
    foreign_names_cache: "weakref.WeakKeyDictionary[type, frozenset[str]]" = weakref.WeakKeyDictionary()
    ModuleType, FunctionType, MethodType = types.ModuleType, types.FunctionType, types.MethodType
    real_getattr, real_setattr, real_delattr, real_type = getattr, setattr, delattr, type

    def where() -> str:
        frame = sys._getframe(1)
        while frame is not None and frame.f_code.co_filename != filename:
            frame = frame.f_back
        if frame is None:
            return ""
        line = frame.f_lineno
        code = linecache.getline(filename, line).strip()
        return f" (line {line}: {code})" if code else f" (line {line})"

    def refuse(message: str):
        raise PolicyViolation(message + where())

    def allowed_module(mod) -> bool:
        ok = module_ok.get(id(mod))
        if ok is None:
            name = mod.__dict__.get("__name__", "")
            ok = id(mod) in hook_modules or module_path_refusal(name) is None and name.split(".")[0] != "exercises"
            module_ok[id(mod)] = ok
        return ok

    def check_value(value, shown: str):
        tv = real_type(value)
        if isinstance(value, ModuleType):
            if not allowed_module(value):
                refuse(f"`{shown}` is the module {value.__name__}, which a submission may not use: "
                       f"allowed are {ALLOWED_LIST}")
        elif id(value) in denied:
            refuse(f"`{shown}` ({denied[id(value)]}) is not allowed in a submission")
        elif isinstance(value, type) and issubclass(value, type):
            refuse(f"`{shown}` is a metaclass: write a class statement")
        elif tv in ops_types:
            refuse(f"`{shown}` is a torch.ops operator, which a submission may not use")
        return value

    def is_own(obj) -> bool:
        tv = real_type(obj)
        if tv in own_classes:
            return True
        if tv is FunctionType:
            return obj.__code__.co_filename == filename
        if tv is MethodType:
            return is_own(obj.__func__)
        return isinstance(obj, type) and obj in own_classes

    def foreign_names(cls: type) -> frozenset[str]:
        """Private names foreign classes in cls's MRO define or use: their class attributes, and
        every name their methods touch (`self._parameters = ...`, `super().__setattr__("_x", ...)`)."""
        names = foreign_names_cache.get(cls)
        if names is None:
            found = set()
            for base in cls.__mro__:
                if base in own_classes:
                    continue
                for key, member in vars(base).items():
                    found.add(key)
                    for func in (member, getattr(member, "__func__", None), getattr(member, "fget", None),
                                 getattr(member, "fset", None)):
                        code = getattr(func, "__code__", None)
                        if isinstance(code, types.CodeType):
                            found.update(code_names(code))
            names = foreign_names_cache[cls] = frozenset(n for n in found if isinstance(n, str) and is_private(n))
        return names

    private_decisions: dict = {}  # (class, name) -> bool, for instances and classes

    def private_ok(obj, name: str) -> bool:
        if name not in private_names:
            return False
        tv = real_type(obj)
        if tv is FunctionType or tv is MethodType:
            return is_own(obj)
        key = (obj if isinstance(obj, type) else tv, name)
        decision = private_decisions.get(key)
        if decision is None:
            cls = key[0]
            decision = cls in own_classes and name not in foreign_names(cls)
            private_decisions[key] = decision
        return decision

    def check_read(obj, name: str):
        """Slow path of _getattr_: private, dunder and denied names."""
        if is_dunder(name):
            if name not in ALLOWED_DUNDER_READS:
                refuse(f"`.{name}`: of the dunder attributes only "
                       f"{', '.join(sorted(ALLOWED_DUNDER_READS))} may be read")
        elif name.startswith("_"):
            if not private_ok(obj, name):
                refuse(f"`.{name}` is a private API: use torch's public functions "
                       "(a submission may only use private names it defines on its own objects)")
        elif name in DENIED_ATTRS and not is_own(obj):
            refuse(f"`.{name}` is not allowed in a submission (no file, frame or raw memory access)")

    special = DENIED_ATTRS | {"format", "format_map"}
    plain_types = tables["plain_types"]

    def _getattr_(obj, name):
        if isinstance(obj, ModuleType) and not allowed_module(obj):
            refuse(f"the module {obj.__name__} may not be used in a submission")
        if name[:1] == "_" or name in special:
            check_read(obj, name)
            if isinstance(obj, str) or obj is str:
                if name == "format":
                    return safe_format.__get__(obj) if isinstance(obj, str) else safe_format
                if name == "format_map":
                    return safe_format_map.__get__(obj) if isinstance(obj, str) else safe_format_map
        value = real_getattr(obj, name)
        if real_type(value) in plain_types:  # fast path: tensors, numbers, methods can be nothing else
            return value
        if isinstance(value, ModuleType) or id(value) in denied or real_type(value) in ops_types or (
                isinstance(value, type) and issubclass(value, type)):
            check_value(value, f".{name}")
        return value

    class SafeFormatter(string.Formatter):
        """str.format whose `{0.attr}` / `{0[key]}` fields go through the guards."""

        def get_field(self, field_name, args, kwargs):
            first, rest = _string.formatter_field_name_split(field_name)
            obj = self.get_value(first, args, kwargs)
            for is_attr, key in rest:
                obj = _getattr_(obj, key) if is_attr else _getitem_(obj, key)
            return obj, first

    formatter = SafeFormatter()

    def safe_format(self, *args, **kwargs):
        return formatter.vformat(self, args, kwargs)

    def safe_format_map(self, mapping):
        return formatter.vformat(self, (), mapping)

    def _getitem_(obj, key):
        value = obj[key]
        if isinstance(value, ModuleType) or id(value) in denied or real_type(value) in ops_types:
            check_value(value, "[...]")
        return value

    def check_write(obj, name: str):
        if real_type(name) is not str:
            raise TypeError("attribute name must be string")
        if is_dunder(name):
            refuse(f"`.{name} = ...`: writing dunder attributes is not allowed")
        if isinstance(obj, ModuleType):
            refuse(f"`{obj.__name__}.{name} = ...`: a submission may not change modules")
        own = is_own(obj)
        if isinstance(obj, type) and not own:
            refuse(f"`{obj.__name__}.{name} = ...`: a submission may not change classes it did not define")
        if real_type(obj) in (FunctionType, MethodType, types.BuiltinFunctionType) and not own:
            refuse(f"`.{name} = ...`: a submission may not change functions it did not define")
        if name.startswith("_") and not private_ok(obj, name):
            refuse(f"`.{name} = ...` is a private attribute of an object the submission did not define")

    class _AttrWriter:
        """What `_write_(obj)` returns: the target of `obj.name = v`, `del obj.name`, `obj.name += v`."""

        __slots__ = ("_target",)

        def __init__(self, target):
            object.__setattr__(self, "_target", target)

        def __getattribute__(self, name):
            return _getattr_(object.__getattribute__(self, "_target"), name)

        def __setattr__(self, name, value):
            target = object.__getattribute__(self, "_target")
            check_write(target, name)
            real_setattr(target, name, value)

        def __delattr__(self, name):
            target = object.__getattribute__(self, "_target")
            check_write(target, name)
            real_delattr(target, name)

    def _write_(obj):
        return _AttrWriter(obj)

    def _write_item_(obj):
        if isinstance(obj, (ModuleType, type)):
            refuse("a submission may not change modules or classes through item assignment")
        return obj

    def guarded_setattr(obj, name, value):
        check_write(obj, name)
        real_setattr(obj, name, value)

    def guarded_delattr(obj, name):
        check_write(obj, name)
        real_delattr(obj, name)

    def dynamic_target_check(obj, name, what):
        if real_type(name) is not str:
            raise TypeError(f"{what}(): attribute name must be string")
        if isinstance(obj, ModuleType) or (isinstance(obj, type) and not is_own(obj)):
            refuse(f"`{what}` with a name computed at run time on "
                   f"{'the module ' + obj.__name__ if isinstance(obj, ModuleType) else 'a class it did not define'}"
                   ": names are written, not built")

    _missing = object()

    def _getattr_literal_(obj, name, default=_missing):
        try:
            return _getattr_(obj, name)
        except AttributeError:
            if default is _missing:
                raise
            return default

    def _hasattr_literal_(obj, name):
        try:
            _getattr_(obj, name)
        except AttributeError:
            return False
        return True

    def guarded_getattr(obj, name, *default):
        dynamic_target_check(obj, name, "getattr")
        return _getattr_literal_(obj, name, *default)

    def guarded_hasattr(obj, name):
        dynamic_target_check(obj, name, "hasattr")
        return _hasattr_literal_(obj, name)

    class SafeType(metaclass=_SafeTypeMeta):
        """`type(x)` only; `type(name, bases, dict)` and metaclass results are refused."""

        def __new__(cls, *args, **kwargs):
            if cls is not SafeType:
                refuse("subclassing `type` is not allowed in a submission")
            if len(args) != 1 or kwargs:
                refuse("`type(name, bases, dict)` is not allowed: write a class statement")
            result = real_type(args[0])
            if issubclass(result, type):
                refuse("`type(<a class>)` returns a metaclass, which a submission may not use")
            return result

    real_build_class = _builtins.__build_class__
    real_import = _builtins.__import__

    def _build_class_(func, name, *bases, **kwargs):
        if "metaclass" in kwargs:
            refuse("`metaclass=` is not allowed in a submission")
        for base in bases:
            if base is SafeType or (isinstance(base, type) and issubclass(base, forbidden_bases)):
                refuse(f"class {name} may not derive from {getattr(base, '__qualname__', base)}: it "
                       "could switch off the grader's watch over torch calls")
        cls = real_build_class(func, name, *bases, **kwargs)
        if isinstance(cls, type):
            if any(issubclass(c, forbidden_bases) for c in cls.__mro__[1:] if c is not object):
                refuse(f"class {name} derives from a mode or metaclass, which a submission may not use")
            own_classes.add(cls)
        return cls

    def _import_(name, globals=None, locals=None, fromlist=(), level=0):
        # C code run from a submission's frame (numpy's ndarray.sum importing numpy._core._methods)
        # finds this __import__ too: only an `import` statement of the submission is policed.
        frame = sys._getframe(1)
        if frame.f_code.co_filename != filename or frame.f_code.co_code[frame.f_lasti] != IMPORT_NAME:
            return real_import(name, globals, locals, fromlist, level)
        if level:
            refuse("relative imports are not allowed: write `from exercises.<name> import ...`")
        why = module_path_refusal(name)
        if why:
            refuse(why)
        fromlist = tuple(fromlist or ())
        if name.split(".")[0] == "exercises":
            package = types.ModuleType("exercises")
            hook_modules[id(package)] = package
            parts = name.split(".")
            wanted = [parts[1]] if len(parts) > 1 else []
            wanted += [item for item in fromlist if len(parts) == 1]
            for item in wanted:
                if is_private(item) or is_dunder(item):
                    refuse(f"`exercises.{item}` is not allowed: import another exercise as exercises.<name>")
                module = import_hook(f"exercises.{item}")
                hook_modules[id(module)] = module
                real_setattr(package, item, module)
            if len(parts) > 1 and fromlist:
                return real_getattr(package, parts[1])
            return package
        module = importlib.import_module(name)
        for item in fromlist:
            why = module_path_refusal(f"{name}.{item}")
            if why:
                refuse(why)
            if not hasattr(module, item):
                try:
                    importlib.import_module(f"{name}.{item}")
                except ImportError:
                    pass
            check_value(real_getattr(module, item), f"{name}.{item}") if hasattr(module, item) else None
        return module if fromlist else importlib.import_module(name.split(".")[0])

    def refused_builtin(name: str):
        def refused(*args, **kwargs):
            refuse(f"`{name}` is not allowed in a submission: {REFUSED_BUILTINS[name]}")
        return refused

    safe = {name: real_getattr(_builtins, name) for name in SAFE_BUILTINS if hasattr(_builtins, name)}
    safe.update({name: obj for name, obj in vars(_builtins).items()
                 if isinstance(obj, type) and issubclass(obj, BaseException)})
    safe.update({name: refused_builtin(name) for name in REFUSED_BUILTINS})
    safe.update({
        "__build_class__": _build_class_, "__import__": _import_, "type": SafeType,
        "getattr": guarded_getattr, "hasattr": guarded_hasattr, "setattr": guarded_setattr,
        "delattr": guarded_delattr, "_getattr_": _getattr_, "_getitem_": _getitem_,
        "_write_": _write_, "_write_item_": _write_item_, "_getattr_literal_": _getattr_literal_,
        "_hasattr_literal_": _hasattr_literal_, "__debug__": True,
    })
    return {"__name__": module_name, "__builtins__": safe, "__doc__": None, "__file__": filename}


def run_submission(module: types.ModuleType, source: str, filename: str,
                   import_hook: Callable[[str], types.ModuleType]) -> None:
    """Check, compile and run ``source`` in ``module`` under the policy's guards.

    Raises PolicyRefusal before running anything if the source is outside the policy; an import
    system loader calls this from ``exec_module``.
    """
    code = compile_submission(source, filename, module.__name__)
    linecache.cache[filename] = (len(source), None, source.splitlines(keepends=True), filename)  # tracebacks show its lines
    module.__dict__.update(guarded_namespace(module.__name__, import_hook, filename=filename,
                                             private_names=_PRIVATE_NAMES.get(code)))
    exec(code, module.__dict__)


def load_module(source: str, filename: str, module_name: str,
                import_hook: Callable[[str], types.ModuleType]) -> types.ModuleType:
    """``run_submission`` in a new module registered in sys.modules as ``module_name``."""
    module = types.ModuleType(module_name)
    sys.modules[module_name] = module
    try:
        run_submission(module, source, filename, import_hook)
    except BaseException:
        sys.modules.pop(module_name, None)
        raise
    return module
