"""Finding forbidden APIs in a submission's source, in the trusted process.

Reads the file as text and walks its syntax tree; the submission is never imported here. It
catches the names as written (``nn.RNNCell``, ``from torch import rnn_tanh_cell as f``,
``getattr(torch, "rnn_tanh_cell")``); the runtime guard in the runner catches the rest.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class Finding:
    name: str
    line: int
    code: str


def _torch_aliases(tree: ast.AST) -> set[str]:
    """Names bound to torch or to anything imported from it (``F``, ``nn``, ``vf``, ``torch``)."""
    aliases = {"torch"}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.partition(".")[0] == "torch":
                    aliases.add(alias.asname or "torch")
        elif isinstance(node, ast.ImportFrom) and (node.module or "").partition(".")[0] == "torch":
            aliases.update(alias.asname or alias.name for alias in node.names)
    return aliases


def _root_name(node: ast.AST) -> str | None:
    while isinstance(node, (ast.Attribute, ast.Call, ast.Subscript)):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


def find_forbidden(source: str, forbidden: list[str]) -> list[Finding]:
    """Every use of a forbidden API's name: reached from torch, imported, or named in a call.

    Matching is by the last part of each dotted name, on attribute chains rooted in torch or
    in a name imported from it, so ``self.embedding`` is fine and ``F.embedding`` is not;
    names of Tensor methods (``x.log_softmax``) are caught on any object.
    String arguments of calls (``getattr(torch, "rnn_tanh_cell")``) count too; ``__all__``
    and docstrings do not. Raises SyntaxError for source that does not parse.
    """
    leaves = {name.rpartition(".")[2]: name for name in forbidden}
    tree = ast.parse(source)
    torch_names = _torch_aliases(tree)
    tensor_methods = {leaf for leaf in leaves if hasattr(torch.Tensor, leaf)}  # x.log_softmax(...)
    lines = source.splitlines()
    findings = []

    def found(leaf: str, node: ast.AST) -> None:
        code = lines[node.lineno - 1].strip() if 0 < node.lineno <= len(lines) else ""
        findings.append(Finding(leaves[leaf], node.lineno, code))

    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in leaves and (
            _root_name(node.value) in torch_names or node.attr in tensor_methods
        ):
            found(node.attr, node)
        elif isinstance(node, ast.ImportFrom) and (node.module or "").partition(".")[0] == "torch":
            for alias in node.names:
                if alias.name in leaves:
                    found(alias.name, node)
        elif isinstance(node, ast.Call):
            for argument in node.args:
                if isinstance(argument, ast.Constant) and argument.value in leaves:
                    found(argument.value, argument)
    return sorted(findings, key=lambda f: f.line)
