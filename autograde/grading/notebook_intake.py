"""Notebook submissions: the exercise modules a Jupyter notebook (.ipynb) defines.

A notebook is read as data (nbformat parses the JSON; nothing in it runs in the checker) and
each exercise's module is rebuilt from its code cells, to be graded like a ``<exercise>.py``:

- **Where an exercise is.** Its names are the contract's (``course.defines``: ``rnn_step``;
  ``Embedding`` and ``cosine_neighbors``; ``build_vocab``, ``encode`` and ``decode``; ...).
  Each is looked for first in the cells tagged ``exercise:<exercise>`` (the course notebook tags
  its stub cells so), then in every code cell. Of several definitions of a name, the last one
  in the notebook is graded, as Jupyter would have it after running every cell in order, and
  the module prints a note saying so (it shows under the exercise, as what the code printed;
  not for a kernel's history, where running a cell again is how a definition changes).
- **What comes along.** The definitions the exercise's names reference, transitively: other
  top-level ``def``/``class`` statements and constants assigned a literal (``EPS = 1e-6``), each
  in its last version; and the import statements that bind a name the kept code uses (one per
  name, so ``import torch, os`` keeps only ``torch`` if ``os`` is unused). An unused import is
  left out: the notebook's own ``from autograde.notebook import check`` or ``import
  matplotlib.pyplot as plt`` would make the policy refuse the module. A reference to another,
  earlier exercise's name (``rnn_step`` inside ``rnn_forward``) becomes ``from
  exercises.rnn_step import rnn_step``, which grading resolves to the reference, as it does for a
  folder: one unfinished exercise never costs marks on another.
- **What does not run.** Only imports, ``def``, ``class`` and literal constants are kept; every
  other top-level statement (test calls, ``check(...)``, prints, loops, training runs) is
  dropped. Shell lines (``!pip install ...``) and line magics (``%matplotlib inline``) are
  blanked; cells starting with a cell magic (``%%time``) are skipped whole; a cell that does not
  parse is skipped, and a missing definition's message says so when that cell held it.
- **What is missing.** An exercise none of whose names is defined gets a module that raises
  ``NotInNotebook("no definition of rnn_step in work.ipynb ...")`` on import: it scores 0 with
  that message, and nothing else is affected. A notebook that defines no exercise at all, is not
  JSON or is not nbformat 4 is a ``BadSubmission``.

The same extraction serves ``check()`` in a live kernel (``autograde.notebook``), fed with the
kernel's input history instead of the file's cells (there are no tags there).
"""

from __future__ import annotations

import ast
import json
import warnings
from dataclasses import dataclass, field

from autograde.errors import BadSubmission

MAX_NOTEBOOK_BYTES = 32 << 20  # a notebook keeps its outputs (plots as base64): a few MiB is usual
TAG_PREFIX = "exercise:"


@dataclass(frozen=True)
class Cell:
    """One code cell: its text, its tags and how a student finds it ("cell 12", "In [5]")."""

    where: str
    source: str
    tags: tuple[str, ...] = ()


@dataclass
class Module:
    """An exercise's module rebuilt from a notebook."""

    exercise: str
    code: str
    found: bool  # False: the module only raises NotInNotebook
    notes: list[str] = field(default_factory=list)


# -- reading ----------------------------------------------------------------------------------


def read_cells(data: bytes, shown: str) -> list[Cell]:
    """The code cells of the notebook ``data`` (named ``shown`` in messages).

    BadSubmission if it is not UTF-8 JSON of an nbformat 4 notebook.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise BadSubmission(f"{shown} is not UTF-8 text, so it is not a Jupyter notebook") from None
    try:
        content = json.loads(text)
    except (ValueError, RecursionError) as error:
        raise BadSubmission(
            f"{shown} is not valid JSON, so it is not a Jupyter notebook ({str(error)[:120]}); "
            "save it again from Jupyter or Colab (File > Download > .ipynb)"
        ) from None
    if not isinstance(content, dict) or "nbformat" not in content:
        raise BadSubmission(f"{shown} is JSON but not a Jupyter notebook (it has no nbformat field)")
    version = content.get("nbformat")
    if version != 4:
        raise BadSubmission(
            f"{shown} is an nbformat {str(version)[:20]} notebook; only nbformat 4 is read: "
            "open it in a current Jupyter and save it again"
        )
    import nbformat

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # missing cell ids and the like: Jupyter opens those too
            notebook = nbformat.reads(text, as_version=nbformat.NO_CONVERT, capture_validation_error={})
        raw_cells = notebook.get("cells")
        if not isinstance(raw_cells, list):
            raise ValueError("its cells are not a list")
        cells = []
        for number, cell in enumerate(raw_cells, start=1):
            if not isinstance(cell, dict) or cell.get("cell_type") != "code":
                continue
            source = cell.get("source", "")
            if isinstance(source, list):
                source = "".join(str(part) for part in source)
            metadata = cell.get("metadata")
            tags = metadata.get("tags", []) if isinstance(metadata, dict) else []
            if not isinstance(tags, list):
                tags = []
            cells.append(Cell(f"cell {number}", str(source), tuple(str(tag) for tag in tags)))
        return cells
    except Exception as error:  # noqa: BLE001 - any malformed notebook is a row, never a traceback
        raise BadSubmission(f"{shown} is not a valid Jupyter notebook ({type(error).__name__}: {str(error)[:200]})") from None


def cells_from_history(inputs: list[str]) -> list[Cell]:
    """A kernel's input history (IPython's ``In``, already magics-transformed) as cells."""
    return [Cell(f"In [{number}]", source) for number, source in enumerate(inputs) if number and source.strip()]


# -- one cell's kept statements -----------------------------------------------------------------


@dataclass(frozen=True)
class Binding:
    """A top-level statement that binds ``name``: an import, a def/class or a literal constant."""

    name: str
    kind: str  # "import", "def" or "constant"
    code: str
    order: tuple[int, int]  # (cell index, statement index): the notebook's order
    cell: Cell
    node: ast.AST | None = None  # for defs and constants: where the names it references are


def _python_lines(source: str) -> str | None:
    """The cell with shell lines and line magics blanked; None for a cell magic's cell."""
    if source.lstrip().startswith("%%"):
        return None
    lines = []
    for line in source.split("\n"):
        stripped = line.lstrip()
        if stripped.startswith(("!", "%")):
            line = line[: len(line) - len(stripped)] + "pass"
        lines.append(line)
    return "\n".join(lines)


def _is_literal(node: ast.AST) -> bool:
    try:
        ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return False
    return True


def _segment(lines: list[str], node: ast.stmt) -> str:
    """The statement's own text (decorators included), or its unparsed form if it shares a line."""
    first = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))])
    if node.col_offset == 0 and node.end_lineno is not None:
        text = "\n".join(lines[first - 1 : node.end_lineno])
        try:
            ast.parse(text)
            return text
        except SyntaxError:
            pass  # `x = 1; y = 2` on one line
    return ast.unparse(node)


def _bindings(cell: Cell, index: int) -> tuple[list[Binding], str | None]:
    """What the cell binds at its top level, and why it was skipped (None if it was not)."""
    source = _python_lines(cell.source)
    if source is None:
        return [], None
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as error:
        line = getattr(error, "lineno", None)
        return [], f"{cell.where} has a syntax error{f' at line {line}' if line else ''} ({getattr(error, 'msg', error)})"
    lines = source.split("\n")
    found = []
    for position, node in enumerate(tree.body):
        order = (index, position)
        if isinstance(node, ast.Import):
            for alias in node.names:
                name = alias.asname or alias.name.split(".")[0]
                found.append(Binding(name, "import", ast.unparse(ast.Import([alias])), order, cell))
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            for alias in node.names:
                if alias.name == "*":
                    continue  # binds names no one can see: left out
                code = ast.unparse(ast.ImportFrom(node.module, [alias], 0))
                found.append(Binding(alias.asname or alias.name, "import", code, order, cell))
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            found.append(Binding(node.name, "def", _segment(lines, node), order, cell, node))
        elif isinstance(node, ast.Assign) and _is_literal(node.value) and all(isinstance(t, ast.Name) for t in node.targets):
            for target in node.targets:
                code = f"{target.id} = {ast.unparse(node.value)}"
                found.append(Binding(target.id, "constant", code, order, cell, node))
        elif (
            isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None
            and _is_literal(node.value)
        ):
            found.append(Binding(node.target.id, "constant", ast.unparse(node), order, cell, node))
    return found, None


def _references(node: ast.AST) -> set[str]:
    """The free names a definition reads: what it loads, less its own parameters and the names
    it assigns (a local ``plt = ...`` must not pull in the notebook's ``import matplotlib.pyplot
    as plt``, which the policy would refuse)."""
    loads = {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        local = {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, (ast.Store, ast.Del))}
        for arguments in (n for n in ast.walk(node) if isinstance(n, ast.arguments)):
            every = [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs, arguments.vararg, arguments.kwarg]
            local |= {a.arg for a in every if a is not None}
        declared = {name for n in ast.walk(node) if isinstance(n, (ast.Global, ast.Nonlocal)) for name in n.names}
        loads -= local - declared
    return loads


# -- building the modules -------------------------------------------------------------------------


def modules(
    cells: list[Cell], exercises: list[str] | tuple[str, ...], source_name: str, *, note_redefinitions: bool = True
) -> dict[str, Module]:
    """Each exercise's module rebuilt from ``cells``; ``source_name`` ("work.ipynb") names the
    notebook in the modules' notes and messages. ``note_redefinitions=False`` for a kernel's
    history, where running a cell again is the usual way to change a definition."""
    from autograde.grading import course

    bindings: dict[str, list[Binding]] = {}
    skipped: list[tuple[Cell, str]] = []
    for index, cell in enumerate(cells):
        found, problem = _bindings(cell, index)
        if problem is not None:
            skipped.append((cell, problem))
        for binding in found:
            bindings.setdefault(binding.name, []).append(binding)
    order = course.names()
    owner = {name: exercise for exercise in order for name in course.defines(exercise)}
    return {
        exercise: _module(exercise, bindings, skipped, owner, order, source_name, note_redefinitions)
        for exercise in exercises
    }


def _module(exercise, bindings, skipped, owner, order, source_name, note_redefinitions) -> Module:
    from autograde.grading import course

    tag = TAG_PREFIX + exercise
    roots, notes = [], []
    for name in course.defines(exercise):
        candidates = [b for b in bindings.get(name, []) if b.kind == "def"]
        tagged = [b for b in candidates if tag in b.cell.tags]
        chosen = tagged or candidates
        if not chosen:
            continue
        roots.append(chosen[-1])
        if len(chosen) > 1 and note_redefinitions:
            places = ", ".join(b.cell.where for b in chosen)
            notes.append(
                f"note: {name} is defined {len(chosen)} times in {source_name} ({places}); "
                f"graded: the last one, in {chosen[-1].cell.where}, as Jupyter has it after running every cell in order."
            )
    if not roots:
        return _missing(exercise, skipped, source_name)
    missing = [name for name in course.defines(exercise) if name not in {r.name for r in roots}]
    if missing:
        notes.append(f"note: {source_name} defines no {', '.join(missing)} (part of {exercise}).")

    kept: dict[str, Binding] = {r.name: r for r in roots}
    from_exercises: dict[str, str] = {}  # name -> "from exercises.X import name"
    pending = list(roots)
    while pending:
        binding = pending.pop()
        for name in sorted(_references(binding.node)):
            if name in kept or name in from_exercises or name not in bindings:
                continue
            last = bindings[name][-1]
            other = owner.get(name)
            if (
                last.kind == "def" and other is not None and other != exercise
                and order.index(other) < order.index(exercise)
            ):
                from_exercises[name] = f"from exercises.{other} import {name}"
                continue
            kept[name] = last
            if last.node is not None:
                pending.append(last)

    imports = sorted((b for b in kept.values() if b.kind == "import"), key=lambda b: b.order)
    bodies = sorted((b for b in kept.values() if b.kind != "import"), key=lambda b: b.order)
    future = [b.code for b in imports if b.code.startswith("from __future__")]
    header = [
        f"# {exercise}, rebuilt from {source_name} by the autograder: its imports and definitions only",
        f"# ({'; '.join(f'{b.name} from {b.cell.where}' for b in roots)}).",
    ]
    parts = [*future, "\n".join(header)]
    lines = [b.code for b in imports if not b.code.startswith("from __future__")]
    lines += list(dict.fromkeys(from_exercises[name] for name in sorted(from_exercises)))
    if lines:
        parts.append("\n".join(dict.fromkeys(lines)))
    parts += [f"print({note!r})" for note in notes]
    parts += [b.code for b in bodies]
    return Module(exercise, "\n\n".join(parts).rstrip() + "\n", True, notes)


def _missing(exercise, skipped, source_name) -> Module:
    from autograde.grading import course

    names = course.defines(exercise)
    message = f"no definition of {' or '.join(names)} in {source_name}"
    wanted = [f"def {name}" for name in names] + [f"class {name}" for name in names]
    broken = [problem for cell, problem in skipped if any(w in cell.source for w in wanted)]
    if broken:
        message += f": {broken[-1]}, so nothing in it was used"
    else:
        message += f": define it in a code cell (or tag the cell that does {TAG_PREFIX}{exercise})"
    code = (
        f"# {exercise}: {source_name} does not define it.\n\n\n"
        "class NotInNotebook(Exception):\n    pass\n\n\n"
        f"MESSAGE = {message!r}\n"
        "raise NotInNotebook(MESSAGE)\n"
    )
    return Module(exercise, code, False, [message])


def files(cells: list[Cell], exercises: tuple[str, ...], source_name: str) -> dict[str, bytes]:
    """The intake's view: ``{exercise: module bytes}`` for every exercise; BadSubmission when the
    notebook defines none of them."""
    built = modules(cells, exercises, source_name)
    if not any(module.found for module in built.values()):
        from autograde.grading import course

        examples = ", ".join(name for exercise in exercises[:3] for name in course.defines(exercise))
        raise BadSubmission(
            f"{source_name} defines none of the exercises ({examples}, ...): keep the course notebook's "
            "exercise cells, or define the functions with the names of the stubs"
        )
    return {name: module.code.encode("utf-8") for name, module in built.items()}


def collect_bytes(data: bytes, shown: str, exercises: tuple[str, ...]) -> dict[str, bytes]:
    """The exercise modules of a notebook given as bytes (a file's or a zip member's)."""
    if len(data) > MAX_NOTEBOOK_BYTES:
        raise BadSubmission(f"{shown} is larger than {MAX_NOTEBOOK_BYTES >> 20} MiB")
    return files(read_cells(data, shown), exercises, shown)
