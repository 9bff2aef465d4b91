"""Where the course's parts live, and the exercises in the order the contract teaches them."""

from __future__ import annotations

import base64
import importlib.abc
import importlib.machinery
import importlib.util
import sys
from pathlib import Path

ORDER = (
    "rnn_step", "rnn_step_fused", "rnn_forward", "clip_grad_norm", "gru_step", "lstm_step",
    "lstm_layer", "embedding", "cross_entropy", "perplexity", "char_vocab",
    "next_token_batches", "char_lstm", "train_lm", "generate",
)


def package_dir(name: str) -> Path:
    """The folder of a top-level package of this project, found without importing it.

    (Importing ``reference`` or ``graders`` here would put them in the memory that runners
    are forked from.)
    """
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"the {name!r} package of the course is not installed")
    return Path(next(iter(spec.submodule_search_locations)))


def graders_dir() -> Path:
    return package_dir("graders")


def reference_dir() -> Path:
    return package_dir("reference")


def grader_file(exercise: str, graders: Path | None = None) -> Path:
    return (graders or graders_dir()) / f"test_{exercise}.py"


def exercises() -> list[str]:
    """The exercises that have a grader, in teaching order."""
    graders = graders_dir()
    return [name for name in ORDER if grader_file(name, graders).is_file()]


class UnknownExercise(ValueError):
    """A name that is not an exercise; the message suggests the closest one."""


def resolve(names: tuple[str, ...] | list[str]) -> list[str]:
    """The exercises a user asked for: none or "all" means every one, in teaching order."""
    import difflib

    known = exercises()
    if not names or tuple(names) == ("all",):
        return known
    for name in names:
        if name not in known:
            close = difflib.get_close_matches(name, known, n=1)
            suggestion = f" Did you mean {close[0]!r}?" if close else ""
            raise UnknownExercise(f"there is no exercise {name!r}.{suggestion} Run 'grade list' to see them all.")
    return list(dict.fromkeys(names))


def reference_files(except_for: str) -> dict[str, str]:
    """The reference module of every exercise but one (for ``exercises.X`` in the checker)."""
    folder = reference_dir()
    return {name: str(folder / f"{name}.py") for name in ORDER if name != except_for and (folder / f"{name}.py").is_file()}


def runner_dependencies(exercise: str) -> dict[str, dict]:
    """What a runner for ``exercise`` may import as ``exercises.X``: the exercises taught before it,
    as compiled bytecode without their source (``{name: {"base64": pyc}}``).

    Later exercises build on earlier ones (rnn_forward on rnn_step, train_lm on char_lstm), so
    a runner never needs a later reference, and without source inspect.getsource() cannot
    print a reference into the report.
    """
    folder = reference_dir()
    earlier = ORDER[: ORDER.index(exercise)] if exercise in ORDER else ()
    return {name: _bytecode(folder / f"{name}.py") for name in earlier if (folder / f"{name}.py").is_file()}


def _bytecode(path: Path) -> dict:
    code = compile(path.read_text(encoding="utf-8"), f"<reference {path.stem}>", "exec")
    pyc = importlib._bootstrap_external._code_to_timestamp_pyc(code)
    return {"base64": base64.b64encode(pyc).decode("ascii")}


class ExerciseImports(importlib.abc.MetaPathFinder):
    """Resolves ``exercises.<name>`` to a chosen file per exercise.

    In a runner: the submission for the graded exercise, the reference for every other one,
    so a mistake in one exercise never cascades. In the checker: the reference for all, so
    that a reference module importing ``exercises.rnn_step`` gets the reference, not the stub.
    """

    def __init__(self, sources: dict[str, str | None]):
        self.sources = sources

    def find_spec(self, fullname, path=None, target=None):
        top, _, name = fullname.partition(".")
        if top != "exercises" or not name or self.sources.get(name) is None:
            return None
        source = self.sources[name]
        if source.endswith(".pyc"):
            loader = importlib.machinery.SourcelessFileLoader(fullname, source)
            return importlib.util.spec_from_file_location(fullname, source, loader=loader)
        return importlib.util.spec_from_file_location(fullname, source)


def resolve_exercises_to_reference() -> None:
    """Make ``exercises.X`` mean the reference in this (trusted) process; idempotent."""
    if not any(isinstance(finder, ExerciseImports) for finder in sys.meta_path):
        for name in [m for m in sys.modules if m.startswith("exercises.")]:
            del sys.modules[name]
        sys.meta_path.insert(0, ExerciseImports(reference_files(except_for="")))
