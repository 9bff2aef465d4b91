"""What crosses the boundary between the checker and a runner, as typed plain data.

Both sides import this module; it imports nothing of either. Everything here is JSON-shaped
(the wire format adds tensors), so a structure can be checked field by field on arrival.
"""

from __future__ import annotations

from typing import Any, Literal, TypedDict

DEFAULT_TIMEOUT = 10.0
"""Seconds one call of the submission's code may take (``--timeout``)."""
DEFAULT_MEMORY_BYTES = 2 << 30
"""RLIMIT_DATA of a runner (``--memory``)."""
DEFAULT_FILE_BYTES = 64 << 20
"""RLIMIT_FSIZE of a runner: the largest file it may write."""
MAX_REPLY_BYTES = 64 << 20
"""The largest reply the checker reads from a runner by default: every reply the graders ask for
is far smaller (a call may allow more), so a runner cannot make the checker buffer gigabytes."""
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


SERVED: dict[str, tuple[str, ...]] = {
    "rnn_step": ("rnn_step",),
    "rnn_step_fused": ("rnn_step_fused",),
    "rnn_forward": ("rnn_forward",),
    "gru_step": ("gru_step",),
    "lstm_step": ("lstm_step",),
    "embedding": ("cosine_neighbors",),
    "cross_entropy": ("cross_entropy",),
    "perplexity": ("perplexity",),
    "char_vocab": ("build_vocab", "encode", "decode"),
    "next_token_batches": ("make_batches",),
}
"""The functions of earlier exercises that the checker runs for a runner (``exercises.X.name``
there is a stand-in that sends the call as data). What cannot cross as data (classes, functions
that change their arguments in place) has a fixture in ``standins`` instead."""

MAX_SERVED_INPUT_BYTES = 64 << 20
"""The most tensor data one served call may send: the checker runs it on the call's clock."""


class RunnerConfig(TypedDict):
    """Which module a runner loads, and what ``exercises.X`` means there."""

    exercise: str
    module: str  # the submission's file, relative to the runner's working folder
    dependencies: dict[str, str]  # exercise -> .py source file in that folder (``grade train``)
    standins: list[str]  # the earlier exercises that ``exercises.X`` serves or fakes (``standins``)
    forbidden: list[str]  # qualified names the runtime watch refuses
    restricted: bool  # the submission runs under the submission policy (False only in tests)


class ServeRequest(TypedDict):
    """A runner asking the checker to run an earlier exercise's function (its reference)."""

    op: Literal["serve"]
    exercise: str
    name: str  # one of SERVED[exercise]
    args: list
    kwargs: dict
    keep: bool  # keep the call for gradient requests (some input requires grad)


class GradientRequest(TypedDict):
    """A runner asking for the vector-Jacobian product of a kept served call."""

    op: Literal["gradient"]
    call: int  # the call id a ServeReply gave
    cotangents: list  # one tensor per floating-point tensor of the call's result, in order


class ServeReply(TypedDict, total=False):
    """The checker's answer to a ServeRequest or GradientRequest (``ok`` False carries ``error``)."""

    ok: bool
    value: Any  # the result (ServeRequest)
    call: int | None  # the id to ask gradients of, when the call was kept
    grads: list  # one tensor or None per tensor argument, in order (GradientRequest)
    error: ErrorInfo


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
