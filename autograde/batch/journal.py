"""What makes a batch resumable: a journal of graded submissions and what each result depends on.

Each graded result is appended to ``OUT/journal.jsonl`` with the submission's content hash and a
fingerprint of the grading code, so re-running the same command grades only what is missing or
changed.
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path

JOURNAL = "journal.jsonl"
JOURNAL_VERSION = 1


def _tree_digest(digest, folder: Path | None, exercises: list[str] | None = None) -> None:
    """Add every file of ``folder`` to ``digest`` (code, course.toml, recorded data: all of it can
    change a score); with ``exercises``, of its suites only ``test_<exercise>.py`` for those."""
    if folder is None or not folder.is_dir():
        return
    for path in sorted(folder.rglob("*")):
        if "__pycache__" in path.parts or not path.is_file() or path.suffix == ".pyc":
            continue
        if exercises is not None and path.name.startswith("test_") and path.stem.removeprefix("test_") not in exercises:
            continue
        digest.update(str(path.relative_to(folder)).encode() + b"\0")
        digest.update(path.read_bytes())


def grading_fingerprint(exercises: list[str], options: dict) -> str:
    """A hash of everything besides the submission that decides a score: the grading code, the
    reference solutions, the suites of these exercises (extra ones too), the limits, and the
    versions of Python and torch (numerics, and what the policy allows, follow them)."""
    import hashlib
    import importlib.metadata
    import platform

    from autograde.grading import course

    # torch's version from its metadata: the batch process itself never imports torch.
    versions = {"python": platform.python_version(), "torch": importlib.metadata.version("torch")}
    digest = hashlib.sha256(json.dumps({"exercises": exercises, "options": options, **versions}, sort_keys=True).encode())
    _tree_digest(digest, Path(__file__).resolve().parent.parent)  # the whole engine
    _tree_digest(digest, course.reference_dir())
    _tree_digest(digest, course.graders_dir(), exercises)
    extra = options.get("extra_graders")
    _tree_digest(digest, Path(extra) if extra else None, exercises)
    return digest.hexdigest()


class Journal:
    """Append-only JSON lines, one per graded submission; the last line for a student wins.

    A line cut short by a crash is skipped when reading, and so is anything that is not a
    result of this version.
    """

    def __init__(self, path: Path):
        self.path = path

    def load(self) -> dict[str, dict]:
        entries = {}
        with contextlib.suppress(FileNotFoundError):
            with open(self.path, encoding="utf-8", errors="replace") as stream:
                for line in stream:
                    try:
                        entry = json.loads(line)
                    except ValueError:
                        continue
                    if isinstance(entry, dict) and entry.get("v") == JOURNAL_VERSION and isinstance(entry.get("student"), str):
                        entries[entry["student"]] = entry
        return entries

    def append(self, entry: dict) -> None:
        line = json.dumps({"v": JOURNAL_VERSION, **entry}, separators=(",", ":")) + "\n"
        with open(self.path, "a", encoding="utf-8") as stream:
            stream.write(line)
            stream.flush()
            os.fsync(stream.fileno())
