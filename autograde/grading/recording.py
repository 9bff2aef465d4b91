"""Every answer the checker takes from the reference or from a catalogued mistake, recorded as
plain data so that the students' release can give the same answers without that code.

A ``Recorded`` callable stands for one such source (``reference.rnn_step:rnn_step``, a grader's
helper built on the reference, one catalogued mistake's compute). Each call is keyed by a digest
of the source's name and of its inputs. The mode decides what a call does:

- ``live`` (official grading): it calls the source, nothing else.
- ``record`` (``grade release``, the course's own tests): it calls the source, stores the answer,
  and returns the answer as the release will read it back (decoded from the stored bytes), so a
  check that could not run from the recording fails here, in the course repository.
- ``replay`` (the release, where the sources do not exist): it returns the stored answer, and a
  call never recorded raises ``Unrecorded``.

The store is one ``wire`` frame (a JSON header and raw tensor bytes): decoding it runs no code.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import json
import types
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from autograde.sandbox import wire

LIVE, RECORD, REPLAY = "live", "record", "replay"
STORE_NAME = "answers.bin"
"""The recording's file in the release's ``graders/fixtures/``."""


class NotRecordable(RuntimeError):
    """A grader took a value from the reference that plain data cannot carry (a model object,
    an argument changed in place): the release could not replay it. Compute what the check
    needs inside a helper that returns tensors or numbers. (A tensor comes back detached, as the
    release reads it: a check that needed its graph fails here too.)"""


class Unrecorded(RuntimeError):
    """The release was asked for an answer that was never recorded."""

    def __init__(self, name: str):
        super().__init__(
            f"this check needs the reference's answer for inputs it has no recording of ({name}); "
            "it is graded only by your instructor's grader."
        )
        self.source = name


@dataclass
class Recording:
    mode: str = LIVE
    answers: dict[str, bytes] = field(default_factory=dict)
    """Digest -> {"value": ...} or {"raised": message}, each encoded as a wire frame."""
    depth: int = 0
    """How many recorded calls are running: only the outermost must give plain data."""
    refused: list[str] = field(default_factory=list)
    """Each NotRecordable raised while recording (a check turns it into a grader error)."""


_current = Recording()


@contextlib.contextmanager
def recording(mode: str, answers: dict[str, bytes] | None = None) -> Iterator[Recording]:
    """Run the enclosed grading in ``mode`` (``record`` adds to ``answers``)."""
    global _current
    previous, _current = _current, Recording(mode, {} if answers is None else answers)
    try:
        yield _current
    finally:
        _current = previous


def replay_from(folder: Path) -> None:
    """Answer every recorded call from ``folder``'s store, for good (the release's graders call this)."""
    global _current
    _current = Recording(REPLAY, load(folder))


def records() -> bool:
    """Whether answers are being recorded now."""
    return _current.mode == RECORD


class Recorded:
    """A source of expected values: the reference, a helper built on it, a mistake's compute.

    ``compute`` is None in the release. Attribute access reaches the source (a class's methods).
    """

    def __init__(self, key: str, compute: Callable | None = None):
        self.key, self.compute = key, compute

    def __getattr__(self, name: str):
        if self.compute is None:
            raise AttributeError(f"{self.key} is recorded, not present: only calls of it can be answered")
        return getattr(self.compute, name)

    def __repr__(self) -> str:
        return f"<recorded {self.key}>"

    def __call__(self, *args, **kwargs):
        state = _current
        if state.mode == LIVE or (state.depth and state.mode == RECORD):
            return self.compute(*args, **kwargs)
        if state.mode == REPLAY:
            digest = digest_of(self.key, args, kwargs)
            if digest not in state.answers:
                raise Unrecorded(self.key)
            return _answer(wire.decode(state.answers[digest]))
        try:
            return _answer(wire.decode(self._encoded(state, digest_of(self.key, args, kwargs), args, kwargs)))
        except NotRecordable as error:
            state.refused.append(str(error))
            raise

    def _encoded(self, state: Recording, digest: str, args: tuple, kwargs: dict) -> bytes:
        # On copies, as the release answers: a source that writes into its arguments (a mistake
        # that initialises a weight in place, say) changes nothing the caller holds, here as there.
        try:
            args, kwargs = copy.deepcopy((args, kwargs))
            copied = True
        except Exception:  # what cannot be copied is checked for changes below instead
            copied = False
        state.depth += 1
        try:
            entry = {"value": self.compute(*args, **kwargs)}
        except Exception as error:  # a mistake that cannot run on these inputs raises in the release too
            entry = {"raised": f"{type(error).__name__}: {error}"}
        finally:
            state.depth -= 1
        if not copied and digest_of(self.key, args, kwargs) != digest:
            raise NotRecordable(f"{self.key} changed its arguments in place: the release could not replay that")
        try:
            encoded = wire.encode(entry)
        except wire.WireError as error:
            raise NotRecordable(f"{self.key} returned what plain data cannot carry ({error})") from None
        if state.answers.setdefault(digest, encoded) != encoded:
            raise NotRecordable(f"{self.key} gave two different answers for the same inputs")
        return encoded


class RecordedFailure(Exception):
    """A recorded source raised on these inputs; the text is what it said."""


def _answer(entry: dict) -> Any:
    if "raised" in entry:
        raise RecordedFailure(entry["raised"])
    return entry["value"]


def digest_of(key: str, args: tuple, kwargs: dict) -> str:
    """A digest of a call: the source's name and its inputs, by value."""
    hasher = hashlib.sha256(key.encode())
    hasher.update(wire.encode(_canonical([list(args), {k: kwargs[k] for k in sorted(kwargs)}])))
    return hasher.hexdigest()[:32]


def _canonical(value: Any, depth: int = 0) -> Any:
    """``value`` as the plain data that decides a call's answer (a callable by its name and code)."""
    if depth > 16:
        raise NotRecordable("an argument nested too deeply to record")
    if isinstance(value, torch.Tensor):  # with its .grad: a source may change that in place
        return value.detach() if value.grad is None else {"__tensor__": value.detach(), "grad": value.grad}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple)):
        return type(value)(_canonical(v, depth + 1) for v in value)
    if isinstance(value, dict):
        return {"__items__": [[_canonical(k, depth + 1), _canonical(v, depth + 1)] for k, v in value.items()]}
    if isinstance(value, Recorded):
        return {"__recorded__": value.key}
    if isinstance(value, (torch.dtype, torch.device)):
        return {"__torch__": str(value)}
    if isinstance(value, torch.Generator):
        return {"__generator__": value.get_state()}
    if isinstance(value, torch.nn.Module):
        return {"__module__": type(value).__qualname__, "state": dict(value.state_dict())}
    if isinstance(value, types.FunctionType):
        cells = [cell.cell_contents for cell in value.__closure__ or ()]
        code = value.__code__
        return {
            "__function__": value.__qualname__, "code": code.co_code.hex(), "names": list(code.co_names),
            "constants": json.dumps([c for c in code.co_consts if isinstance(c, (int, float, str, type(None)))]),
            "closure": _canonical(cells, depth + 1), "defaults": _canonical(value.__defaults__ or (), depth + 1),
        }
    if isinstance(value, (types.BuiltinFunctionType, type)) or callable(value) and hasattr(value, "__qualname__"):
        return {"__callable__": f"{getattr(value, '__module__', '')}.{value.__qualname__}"}
    raise NotRecordable(f"an argument of type {type(value).__name__} cannot be recorded")


def save(answers: dict[str, bytes], folder: Path) -> Path:
    """Write ``answers`` (digest -> encoded entry) as one wire frame in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / STORE_NAME
    entries = {digest: wire.decode(answers[digest]) for digest in sorted(answers)}
    path.write_bytes(wire.encode({"format": 1, "answers": entries}))
    return path


def load(folder: Path) -> dict[str, bytes]:
    """The answers stored in ``folder``, each encoded on its own (every replay decodes fresh tensors)."""
    store = wire.decode((folder / STORE_NAME).read_bytes())
    if not isinstance(store, dict) or store.get("format") != 1 or not isinstance(store.get("answers"), dict):
        raise wire.WireError(f"{folder / STORE_NAME} is not a recording of this grader")
    return {digest: wire.encode(entry) for digest, entry in store["answers"].items()}
