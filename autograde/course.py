"""Where the course's parts live, and the exercises in the order the contract teaches them."""

from __future__ import annotations

import importlib.util
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


def reference_files(except_for: str) -> dict[str, str]:
    """The reference module of every exercise but one, for ``exercises.X`` imports in a runner."""
    folder = reference_dir()
    return {name: str(folder / f"{name}.py") for name in ORDER if name != except_for and (folder / f"{name}.py").is_file()}
