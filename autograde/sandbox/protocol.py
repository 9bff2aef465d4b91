"""What crosses the boundary between the checker and a runner, as typed plain data.

Both sides import this module; it imports nothing of either. Everything here is JSON-shaped
(the wire format adds tensors), so a structure can be checked field by field on arrival.
"""

from __future__ import annotations

from typing import Any, TypedDict

DEFAULT_TIMEOUT = 10.0
"""Seconds one call of the submission's code may take (``--timeout``)."""
DEFAULT_MEMORY_BYTES = 2 << 30
"""RLIMIT_DATA of a runner (``--memory``)."""
DEFAULT_FILE_BYTES = 64 << 20
"""RLIMIT_FSIZE of a runner: the largest file it may write."""
MAX_MESSAGE_CHARS = 2000
"""The longest exception message (and traceback) a runner reports."""

COURSE_PACKAGES = ("reference", "graders", "tests")
"""The course's packages: a process that holds one (or ``exercises``, which the checker binds to
the reference) is not clean enough to fork runners from."""
HIDDEN_FROM_RUNNERS = (*COURSE_PACKAGES, "cli")
"""Top-level packages a runner can never import, whatever sys.path says."""


class Limits(TypedDict, total=False):
    """What a runner limits itself to before any student code runs."""

    memory_bytes: int
    file_bytes: int
    drop_uid: bool  # the fork server gives the runner a uid of its own (as root)
    uid: int | None  # the uid chosen, filled in by the fork server


class RunnerConfig(TypedDict):
    """Which module a runner loads, and what ``exercises.X`` means there."""

    exercise: str
    module: str  # the submission's file, relative to the runner's working folder
    dependencies: dict[str, str]  # exercise -> file (.py source or .pyc bytecode) in that folder
    forbidden: list[str]  # qualified names the runtime watch refuses


class Where(TypedDict):
    line: int
    code: str


class ErrorInfo(TypedDict, total=False):
    """An exception raised in the runner, described for the student."""

    type: str
    message: str
    where: Where | None  # the student's line, when the error happened in their file
    traceback: str


class Reply(TypedDict, total=False):
    """A runner's answer to one request (``ok`` False carries ``error``)."""

    ok: bool
    loaded: bool
    value: Any
    error: ErrorInfo | None
    inputs_after: list
    grads: list
    param_grads: dict
    op_counts: dict[str, int]
    matmuls: int
