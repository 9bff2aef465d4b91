"""The grader suites as the release holds them: every source of expected values replaced by its
recording.

From ``reference_use``'s reading of the course's suites: an import from the reference becomes a
replayed stub of the same name, a function or class built on the reference becomes one too, and
a module-level catalogue of mistakes becomes its words (name, fix) with a replayed compute. What
no remaining code uses is then left out, so the release holds no mistake's code. The text is
edited in place, line ranges for statements, so the suites keep their comments and layout.
"""

from __future__ import annotations

import ast
import dataclasses
import re
from pathlib import Path
from typing import Any

from autograde.grading.mistakes import Mistake
from autograde.grading.recording import Recorded
from autograde.grading.reference_use import LEFT_OUT, ModuleUse, is_check, mistakes_in

PRELUDE = "from autograde.grading.recording import Recorded\nfrom autograde.grading.mistakes import Mistake\n"


def release_sources(graders: Path, uses: dict[str, ModuleUse], modules: dict[str, Any]) -> dict[str, str]:
    """{file name: release text} for every ``.py`` of ``graders``; ``modules`` are the loaded,
    instrumented suites by dotted name (their catalogues are read from them)."""
    sources = {}
    for path in sorted(Path(graders).glob("*.py")):
        name = f"graders.{path.stem}"
        sources[path.name] = _replace_sources(path.read_text(encoding="utf-8"), uses[name], modules.get(name))
    return {name: _tidy(text) for name, text in _without_unused(sources).items()}


def _tidy(source: str) -> str:
    """At most two blank lines in a row, where removed statements left more."""
    return re.sub(r"\n{4,}", "\n\n\n", source)


def _replace_sources(source: str, use: ModuleUse, module) -> str:
    tree = ast.parse(source)
    edits: list[tuple[int, int, str]] = []  # (first line, last line, replacement), 1-based inclusive
    for node in tree.body:
        first = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))])
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] in LEFT_OUT:
            stubs = [f"{alias.asname or alias.name} = Recorded({use.recorded[alias.asname or alias.name]!r})" for alias in node.names]
            edits.append((first, node.end_lineno, "\n".join(stubs)))
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef)) and node.name in use.recorded and not is_check(node):
            edits.append((first, node.end_lineno, f"{node.name} = Recorded({use.recorded[node.name]!r})"))
        elif isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            name = node.targets[0].id
            value = vars(module).get(name) if module is not None else None
            if name in use.assigned and any(True for _ in mistakes_in(value)):
                edits.append((first, node.end_lineno, f"{name} = {_literal(value)}"))
    if not edits:
        return source
    lines = source.splitlines()
    for start, end, text in sorted(edits, reverse=True):
        lines[start - 1:end] = text.splitlines()
    return _with_prelude("\n".join(lines) + "\n")


def _with_prelude(source: str) -> str:
    """``source`` importing Recorded and Mistake after its docstring and future imports."""
    tree = ast.parse(source)
    after = 0
    for node in tree.body:
        docstring = isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)
        if docstring or (isinstance(node, ast.ImportFrom) and node.module == "__future__"):
            after = node.end_lineno
        else:
            break
    lines = source.splitlines(keepends=True)
    prelude = "".join(line for line in PRELUDE.splitlines(keepends=True) if line not in lines)
    return "".join([*lines[:after], "\n" if after else "", prelude, *lines[after:]])


def _literal(value: Any) -> str:
    """Python text that rebuilds a catalogue: each Mistake's fields, its compute replayed."""
    if isinstance(value, Mistake):
        if not isinstance(value.compute, Recorded):
            raise ValueError(f"the mistake {value.name!r} was never instrumented, so it has no recording")
        fields = [
            f"{f.name}=Recorded({value.compute.key!r})" if f.name == "compute" else f"{f.name}={getattr(value, f.name)!r}"
            for f in dataclasses.fields(value)
        ]
        return f"Mistake({', '.join(fields)})"
    if isinstance(value, list):
        return "[\n" + "".join(f"    {_literal(v)},\n" for v in value) + "]"
    if isinstance(value, tuple):
        return "(\n" + "".join(f"    {_literal(v)},\n" for v in value) + ")"
    if isinstance(value, dict):
        return "{\n" + "".join(f"    {k!r}: {_literal(v)},\n" for k, v in value.items()) + "}"
    if value is None or isinstance(value, (bool, int, float, str)):
        return repr(value)
    raise ValueError(f"a catalogue holds a {type(value).__name__}, which the release cannot write as data")


def _without_unused(sources: dict[str, str]) -> dict[str, str]:
    """``sources`` without the top-level functions, classes and private assignments no code uses."""
    while True:
        trees = {name: ast.parse(text) for name, text in sources.items()}
        used = _names_used_outside(trees)
        removals = {name: [node for node in tree.body if _removable(node, used)] for name, tree in trees.items()}
        if not any(removals.values()):
            return sources
        for name, nodes in removals.items():
            lines = sources[name].splitlines()
            for node in sorted(nodes, key=lambda n: n.lineno, reverse=True):
                first = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))])
                del lines[first - 1:node.end_lineno]
            sources[name] = "\n".join(lines) + "\n"


def _defined(node: ast.stmt) -> str | None:
    if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
        return node.name
    if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
        return node.targets[0].id
    return None


def _removable(node: ast.stmt, used: dict[str, set[int]]) -> bool:
    name = _defined(node)
    if name is None or name.startswith("__") or used.get(name, set()) - {id(node)}:
        return False
    if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
        return not node.decorator_list and not is_check(node)
    return name.startswith("_") or isinstance(node.value, ast.Call) and _is_recorded_call(node.value)


def _is_recorded_call(call: ast.Call) -> bool:
    return isinstance(call.func, ast.Name) and call.func.id == "Recorded"


def _names_used_outside(trees: dict[str, ast.Module]) -> dict[str, set[int]]:
    """{name: ids of the top-level statements that use it} over every module (a name a module
    imports from another counts as used by that import)."""
    used: dict[str, set[int]] = {}
    for tree in trees.values():
        for statement in tree.body:
            for part in ast.walk(statement):
                names = []
                if isinstance(part, ast.Name) and isinstance(part.ctx, ast.Load):
                    names = [part.id]
                elif isinstance(part, ast.Attribute):
                    names = [part.attr]
                elif isinstance(part, ast.ImportFrom):
                    names = [alias.name for alias in part.names]
                elif isinstance(part, ast.Constant) and isinstance(part.value, str) and part.value.isidentifier():
                    names = [part.value]  # getattr(module, "NAME") and fixture names
                for name in names:
                    used.setdefault(name, set()).add(id(statement))
    return used
