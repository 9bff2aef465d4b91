"""The course: its exercises in teaching order (declared once, in ``graders/course.toml``), and
where its parts live."""

from __future__ import annotations

import functools
import importlib.util
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

from autograde.sandbox.imports import ExerciseImports

DECLARATION = "course.toml"


@dataclass(frozen=True)
class Exercise:
    name: str
    forbidden: tuple[str, ...] = ()  # qualified names the scan and the runtime watch refuse
    forbidden_summary: str = ""  # how the stub's docstring says it
    defines: tuple[str, ...] = ()  # the names the contract asks the module to define
    trains: bool = False  # its runners build torch optimizers (the fork server warms up for that)


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


def has_reference() -> bool:
    """Whether this is the course repository, not the students' release (``grade release``)."""
    return importlib.util.find_spec("reference") is not None


def reference_dir() -> Path:
    return package_dir("reference")


def grader_file(exercise: str, graders: Path | None = None) -> Path:
    return (graders or graders_dir()) / f"test_{exercise}.py"


@functools.cache
def declared() -> dict[str, Exercise]:
    """The course's exercises by name, in teaching order."""
    with open(graders_dir() / DECLARATION, "rb") as stream:
        entries = tomllib.load(stream)["exercise"]
    return {
        entry["name"]: Exercise(
            entry["name"], tuple(entry.get("forbidden", ())), entry.get("forbidden_summary", ""), tuple(entry["defines"]),
            entry.get("trains", False),
        )
        for entry in entries
    }


def trains(exercises: list[str]) -> bool:
    """Whether any of ``exercises`` builds torch optimizers in its runners."""
    return any(declared()[name].trains for name in exercises if name in declared())


def names() -> tuple[str, ...]:
    """The exercises in the order the contract teaches them."""
    return tuple(declared())


def exercises() -> list[str]:
    """Every exercise, in teaching order (each has a grader: tests/test_course.py checks it)."""
    return list(names())


def defines(exercise: str) -> tuple[str, ...]:
    """The names the contract asks ``exercise``'s module to define (``rnn_step``; ``Embedding``,
    ``cosine_neighbors``; ...)."""
    return declared()[exercise].defines


def forbidden(exercise: str) -> list[str]:
    return list(declared()[exercise].forbidden)


class UnknownExercise(ValueError):
    """A name that is not an exercise; the message suggests the closest one."""


def resolve(requested: tuple[str, ...] | list[str]) -> list[str]:
    """The exercises a user asked for: none or "all" means every one, in teaching order."""
    import difflib

    known = exercises()
    if not requested or tuple(requested) == ("all",):
        return known
    for name in requested:
        if name not in known:
            close = difflib.get_close_matches(name, known, n=1)
            suggestion = f" Did you mean {close[0]!r}?" if close else ""
            raise UnknownExercise(f"there is no exercise {name!r}.{suggestion} Run 'grade list' to see them all.")
    return list(dict.fromkeys(requested))


def reference_files(except_for: str) -> dict[str, str]:
    """The reference module of every exercise but one (for ``exercises.X`` in the checker); none
    in the students' release."""
    if not has_reference():
        return {}
    folder = reference_dir()
    return {name: str(folder / f"{name}.py") for name in names() if name != except_for and (folder / f"{name}.py").is_file()}


def resolve_exercises_to_reference() -> None:
    """Make ``exercises.X`` mean the reference in this (trusted) process; idempotent."""
    if not any(isinstance(finder, ExerciseImports) for finder in sys.meta_path):
        for name in [m for m in sys.modules if m.startswith("exercises.")]:
            del sys.modules[name]
        sys.meta_path.insert(0, ExerciseImports(reference_files(except_for="")))
