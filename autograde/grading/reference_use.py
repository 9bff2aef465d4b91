"""Where the grader suites take values from code the students' release leaves out.

Read from the suites' source, once: a name imported from ``reference`` (or ``exercises``, which
the checker resolves to the reference), every top-level function or class of ``graders/`` built
on one, and every module-level catalogue of mistakes. In the course repository ``instrument``
puts a ``recording.Recorded`` in front of each, so a check written the ordinary way (an
expected value from the reference, ``mistakes=CATALOGUE``) is recorded with no work of its own;
``autograde.release`` writes the same names as replayed stubs.
"""

from __future__ import annotations

import ast
import functools
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from autograde.grading.mistakes import Mistake
from autograde.grading.recording import Recorded

LEFT_OUT = ("reference", "exercises")
"""Packages whose code the checker uses but the release does not hold."""


@dataclass(frozen=True)
class ModuleUse:
    module: str
    """The suite's dotted name, ``graders.test_rnn_step``."""
    recorded: dict[str, str]
    """Each binding that gives values from left-out code -> the key its answers are recorded under."""
    assigned: tuple[str, ...]
    """Module-level names assigned here, in order: where catalogues of mistakes are found."""


def module_name(path: Path) -> str:
    return f"graders.{Path(path).stem}"


@functools.cache
def analyse(graders: Path) -> dict[str, ModuleUse]:
    """Every module of ``graders`` by dotted name."""
    trees = {module_name(p): ast.parse(p.read_text(encoding="utf-8")) for p in sorted(Path(graders).glob("*.py"))}
    uses: dict[str, ModuleUse] = {}

    def use_of(name: str) -> ModuleUse:
        if name not in uses:
            uses[name] = _analyse_module(name, trees[name], lambda other: use_of(other) if other in trees else None)
        return uses[name]

    for name in trees:
        use_of(name)
    return uses


def _analyse_module(module: str, tree: ast.Module, use_of) -> ModuleUse:
    recorded: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            package = node.module.split(".")[0]
            source = use_of(node.module) if package == "graders" else None
            for alias in node.names:
                binding = alias.asname or alias.name
                if package in LEFT_OUT:
                    recorded[binding] = f"{node.module}:{alias.name}"
                elif source is not None and alias.name in source.recorded:
                    recorded[binding] = source.recorded[alias.name]
    definitions = [n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef)) and not is_check(n)]
    changed = True
    while changed:
        changed = False
        for node in definitions:
            if node.name not in recorded and names_used(node) & set(recorded):
                recorded[node.name] = f"{module}:{node.name}"
                changed = True
    assigned = tuple(
        target.id for node in tree.body if isinstance(node, ast.Assign)
        for target in node.targets if isinstance(target, ast.Name)
    )
    return ModuleUse(module, recorded, assigned)


CHECK_PARAMETERS = {"student", "student_source"}
"""A function given the submission is a check, not a source of expected values: it stays in the
release, and the reference values it takes inside are recorded one by one."""


CHECK_VERDICTS = {"fail", "CheckFailed"}
"""A function that can fail a check judges a result (``expect_neighbors(result, ...)``): it is a
check too, whatever it is given."""


def is_check(node: ast.FunctionDef | ast.ClassDef) -> bool:
    if node.name.startswith(("test", "expect")):
        return True
    if not isinstance(node, ast.FunctionDef):
        return False
    return bool({a.arg for a in node.args.args + node.args.kwonlyargs} & CHECK_PARAMETERS or names_used(node) & CHECK_VERDICTS)


def names_used(node: ast.AST) -> set[str]:
    """The names ``node`` reads when it runs (not those in its annotations)."""
    found: set[str] = set()

    def visit(part: ast.AST) -> None:
        if isinstance(part, ast.Name) and isinstance(part.ctx, ast.Load):
            found.add(part.id)
        for name, child in ast.iter_fields(part):
            if name in ("annotation", "returns"):
                continue
            for item in child if isinstance(child, list) else [child]:
                if isinstance(item, ast.AST):
                    visit(item)

    visit(node)
    return found


def mistakes_in(value: Any, path: str = "") -> Iterator[tuple[str, Mistake]]:
    """(where, mistake) for every Mistake in a catalogue value (a Mistake, a list, tuple or dict of them)."""
    if isinstance(value, Mistake):
        yield path, value
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            yield from mistakes_in(item, f"{path}[{index}]")
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from mistakes_in(item, f"{path}[{key!r}]")


def instrument(module, graders: Path) -> None:
    """Put a ``Recorded`` in front of every value ``module`` takes from left-out code; idempotent."""
    use = analyse(Path(graders)).get(module_name(Path(module.__file__)))
    if use is None:
        return
    namespace = vars(module)
    for binding, key in use.recorded.items():
        if binding in namespace and not isinstance(namespace[binding], Recorded):
            namespace[binding] = Recorded(key, namespace[binding])
    for name in use.assigned:
        for where, mistake in mistakes_in(namespace.get(name)):
            if not isinstance(mistake.compute, Recorded):
                object.__setattr__(mistake, "compute", Recorded(f"{use.module}:{name}{where}", mistake.compute))


def instrument_loaded(graders: Path, modules=()) -> None:
    """Instrument ``modules`` and every module of ``graders`` already imported."""
    folder = Path(graders).resolve()
    loaded = [m for m in list(sys.modules.values()) if _inside(m, folder)]
    for module in [*modules, *loaded]:
        if _inside(module, folder):
            instrument(module, folder)


def _inside(module, folder: Path) -> bool:
    file = getattr(module, "__file__", None)
    if not isinstance(file, str) or os.path.basename(os.path.dirname(file)) != folder.name:
        return False  # most of sys.modules: ruled out without resolving a path (torch alone has 1,800 modules)
    return Path(file).resolve().parent == folder
