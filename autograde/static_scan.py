"""Finding forbidden APIs in a submission's source, in the trusted process.

Reads the file as text and walks its syntax tree; the submission is never imported here. It
catches the names as written (``nn.RNNCell``, ``from torch import rnn_tanh_cell as f``,
``getattr(torch, "rnn_tanh_cell")``); the runtime guard in the runner catches the rest.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass


@dataclass(frozen=True)
class Finding:
    name: str
    line: int
    code: str


def find_forbidden(source: str, forbidden: list[str]) -> list[Finding]:
    """Every use of a forbidden API's name: attribute access, import, or a string naming it.

    Matching is by the last part of each dotted name, so aliases (``import torch.nn as n``)
    are caught too. Raises SyntaxError for source that does not parse.
    """
    leaves = {name.rpartition(".")[2]: name for name in forbidden}
    tree = ast.parse(source)
    lines = source.splitlines()
    findings = []

    def found(leaf: str, node: ast.AST) -> None:
        code = lines[node.lineno - 1].strip() if 0 < node.lineno <= len(lines) else ""
        findings.append(Finding(leaves[leaf], node.lineno, code))

    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in leaves:
            found(node.attr, node)
        elif isinstance(node, ast.ImportFrom):
            for alias in node.names:
                if alias.name in leaves:
                    found(alias.name, node)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in leaves:
            found(node.value, node)
    return sorted(findings, key=lambda f: f.line)
