"""Reading submissions: folders, .zip files and notebooks, kept to the contract's files, with limits.

The trusted side reads a submission as bytes and never runs or extracts anything: only
``<exercise>.py`` files are kept (at the top, in ``exercises/`` or inside one wrapping folder),
each at most ``MAX_FILE_BYTES``. A folder or zip without them may hold one Jupyter notebook
(``.ipynb``, at the top or in one wrapping folder), and a submission may be a notebook itself:
its exercise modules are rebuilt from its code cells (``notebook_intake``). Used by ``grade``,
``grade batch``, ``grade gradescope`` and ``grade ci``.
"""

from __future__ import annotations

import contextlib
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from autograde.errors import BadSubmission
from autograde.grading import student_text, zip_directory

MAX_FILE_BYTES = 1 << 20  # one exercise module; a real one is a few KiB
MAX_ZIP_BYTES = 256 << 20
MAX_ZIP_MEMBERS = 10_000
MAX_ZIP_DIRECTORY_BYTES = 4 << 20  # the central directory of MAX_ZIP_MEMBERS entries with long names
IGNORED_NAMES = ("__MACOSX",)
NOTEBOOK_SUFFIX = ".ipynb"


def contract_names() -> tuple[str, ...]:
    from autograde.grading import course

    return course.names()


@dataclass
class Submission:
    student: str
    source: Path
    files: dict[str, bytes] = field(default_factory=dict)  # exercise name -> module bytes
    error: str | None = None

    @property
    def digest(self) -> str:
        return content_hash(self.files)


def content_hash(files: dict[str, bytes]) -> str:
    """sha256 of the kept exercise files, names included, in a fixed order."""
    import hashlib

    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(f"{name}\0{len(files[name])}\0".encode())
        digest.update(files[name])
    return digest.hexdigest()


def _visible(name: str) -> bool:
    return not name.startswith(".") and name not in IGNORED_NAMES


def _read_regular_file(path: Path, shown: str, limit: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of ``path``, refusing symlinks, devices, FIFOs and anything larger than ``limit``."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    except OSError as error:
        if os.path.islink(path):
            raise BadSubmission(f"{shown} is a symbolic link: submit the file itself") from None
        raise BadSubmission(f"{shown} could not be read ({error.strerror})") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise BadSubmission(f"{shown} is not a regular file")
        if info.st_size > limit:
            raise BadSubmission(f"{shown} is larger than {limit >> 20} MiB")
        chunks, size = [], 0
        while size <= limit:
            chunk = os.read(fd, limit + 1 - size)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > limit:
            raise BadSubmission(f"{shown} is larger than {limit >> 20} MiB")
        return b"".join(chunks)
    finally:
        os.close(fd)


def _folder_candidates(root: Path) -> list[Path]:
    """Where the exercise files may be: at the top, in exercises/, or inside one wrapping folder."""
    candidates = [root, root / "exercises"]
    with contextlib.suppress(OSError):
        folders = [e for e in os.scandir(root) if _visible(e.name) and e.is_dir(follow_symlinks=False)]
        if len(folders) == 1:
            candidates += [Path(folders[0].path), Path(folders[0].path) / "exercises"]
    return candidates


def collect_folder(root: Path, names: tuple[str, ...]) -> dict[str, bytes]:
    for candidate in _folder_candidates(root):
        if candidate != root and (candidate.is_symlink() or not candidate.is_dir()):
            continue
        present = [n for n in names if os.path.lexists(candidate / f"{n}.py")]
        if present:
            relative = candidate.relative_to(root)
            return {n: _read_regular_file(candidate / f"{n}.py", str(relative / f"{n}.py")) for n in present}
    return _folder_notebook(root, names)


def _is_notebook(name: str) -> bool:
    return name.lower().endswith(NOTEBOOK_SUFFIX)


def _one_notebook(found: list[str], where: str) -> str | None:
    if len(found) > 1:
        shown = ", ".join(readable(name) for name in sorted(found)[:5])
        raise BadSubmission(f"{where} holds {len(found)} notebooks ({shown}) and no exercise files: submit one notebook")
    return found[0] if found else None


def _folder_notebook(root: Path, names: tuple[str, ...]) -> dict[str, bytes]:
    """The exercise modules of the one notebook at the top of ``root`` or in one wrapping folder."""
    from autograde.grading import notebook_intake

    for candidate in _folder_candidates(root):
        if candidate != root and (candidate.is_symlink() or not candidate.is_dir()):
            continue
        with contextlib.suppress(OSError):
            found = [e.name for e in os.scandir(candidate) if _visible(e.name) and _is_notebook(e.name)]
            name = _one_notebook(found, "the submission" if candidate == root else readable(candidate.name))
            if name is not None:
                shown = str((candidate / name).relative_to(root))
                data = _read_regular_file(candidate / name, readable(shown), notebook_intake.MAX_NOTEBOOK_BYTES)
                return notebook_intake.collect_bytes(data, readable(Path(shown).name), names)
    return {}


def collect_notebook(path: Path, names: tuple[str, ...]) -> dict[str, bytes]:
    """The exercise modules of a notebook file (``grade --submission work.ipynb``, a batch entry)."""
    from autograde.grading import notebook_intake

    shown = readable(path.name)
    data = _read_regular_file(path, shown, notebook_intake.MAX_NOTEBOOK_BYTES)
    return notebook_intake.collect_bytes(data, shown, names)


def _member_path(info) -> PurePosixPath | None:
    """The member's path if it is a plain file with a safe name; None for anything else."""
    name = info.filename.replace("\\", "/")
    path = PurePosixPath(name)
    if info.is_dir() or name.startswith("/") or ".." in path.parts or ":" in path.parts[0]:
        return None
    if stat.S_ISLNK(info.external_attr >> 16):
        return None  # a symlink member: never followed, never kept
    return path


def collect_zip(archive: Path, names: tuple[str, ...]) -> dict[str, bytes]:
    """The exercise files of a zip, read in memory with size limits; nothing is extracted."""
    import zipfile

    try:
        if archive.stat().st_size > MAX_ZIP_BYTES:
            raise BadSubmission(f"the zip file is larger than {MAX_ZIP_BYTES >> 20} MiB")
        with open(archive, "rb") as fp:
            _check_directory(fp)
            return _collect_zip(zipfile.ZipFile(fp), names)
    except BadSubmission:
        raise
    except zip_directory.BadDirectory as error:
        raise BadSubmission(f"the zip file could not be read: {error}") from None
    except (zipfile.BadZipFile, zipfile.LargeZipFile, RuntimeError, NotImplementedError, EOFError, OSError, ValueError) as error:
        raise BadSubmission(f"the zip file could not be read ({type(error).__name__}: {error})") from None
    except Exception as error:  # noqa: BLE001 - zlib and friends: a broken archive is a row, not a crash
        raise BadSubmission(f"the zip file could not be read ({type(error).__name__}: {error})") from None


def _check_directory(fp) -> None:
    """Refuse a zip whose central directory is too large before zipfile parses it."""
    directory = zip_directory.locate(fp)
    if directory.size > MAX_ZIP_DIRECTORY_BYTES:
        raise BadSubmission(f"the zip file's directory is larger than {MAX_ZIP_DIRECTORY_BYTES >> 20} MiB")
    if directory.entries > MAX_ZIP_MEMBERS or zip_directory.count_entries(fp, directory) > MAX_ZIP_MEMBERS:
        raise BadSubmission(f"the zip file has more than {MAX_ZIP_MEMBERS} entries")


def _collect_zip(zf, names: tuple[str, ...]) -> dict[str, bytes]:
    """The exercise files among a parsed zip's members (``_check_directory`` bounded how many)."""
    with zf:
        members: dict[str, list] = {}
        tops = set()
        for info in zf.infolist():
            path = _member_path(info)
            if path is None or not all(_visible(part) for part in path.parts):
                continue
            members.setdefault(str(path), []).append(info)
            if len(path.parts) > 1:
                tops.add(path.parts[0])
        prefixes = ["", "exercises/"]
        if len(tops) == 1:
            (top,) = tops
            prefixes += [f"{top}/", f"{top}/exercises/"]
        for prefix in prefixes:
            present = [n for n in names if f"{prefix}{n}.py" in members]
            if not present:
                continue
            files = {}
            for name in present:
                found = members[f"{prefix}{name}.py"]
                if len(found) > 1:
                    raise BadSubmission(f"the zip file holds {prefix}{name}.py {len(found)} times")
                if found[0].file_size > MAX_FILE_BYTES:
                    raise BadSubmission(f"{prefix}{name}.py is larger than {MAX_FILE_BYTES >> 20} MiB")
                with zf.open(found[0]) as stream:
                    data = stream.read(MAX_FILE_BYTES + 1)  # the header's size may lie
                if len(data) > MAX_FILE_BYTES:
                    raise BadSubmission(f"{prefix}{name}.py is larger than {MAX_FILE_BYTES >> 20} MiB")
                files[name] = data
            return files
        return _zip_notebook(zf, members, prefixes[::2], names)


def _zip_notebook(zf, members: dict[str, list], prefixes: list[str], names: tuple[str, ...]) -> dict[str, bytes]:
    """The exercise modules of the zip's one notebook (at the top or in its one folder)."""
    from autograde.grading import notebook_intake

    limit = notebook_intake.MAX_NOTEBOOK_BYTES
    for prefix in prefixes:
        found = [path for path in members if _is_notebook(path) and "/" not in path[len(prefix):] and path.startswith(prefix)]
        path = _one_notebook(found, "the zip file")
        if path is None:
            continue
        if len(members[path]) > 1:
            raise BadSubmission(f"the zip file holds {path} {len(members[path])} times")
        if members[path][0].file_size > limit:
            raise BadSubmission(f"{path} is larger than {limit >> 20} MiB")
        with zf.open(members[path][0]) as stream:
            data = stream.read(limit + 1)  # the header's size may lie
        return notebook_intake.collect_bytes(data, PurePosixPath(path).name, names)
    return {}


def collect(path: Path, names: tuple[str, ...] | None = None) -> dict[str, bytes]:
    """The contract's exercise files in a submission folder or .zip; BadSubmission if there are none."""
    names = names or contract_names()
    if path.is_dir():
        files = collect_folder(path, names)
    elif path.is_file() and path.suffix.lower() == ".zip":
        files = collect_zip(path, names)
    elif path.is_file() and _is_notebook(path.name):
        files = collect_notebook(path, names)
    else:
        raise BadSubmission("not a folder or a .zip file (nor a .ipynb notebook)")
    if not files:
        raise BadSubmission(
            "no exercise files: expected files such as rnn_step.py at the top, in exercises/, or in one wrapping "
            "folder, or one .ipynb notebook"
        )
    return files


def readable(file_name: str) -> str:
    """A file name as text: bytes that are not UTF-8 as ``\\xNN`` (Linux names may hold any byte)."""
    return os.fsencode(file_name).decode("utf-8", "backslashreplace")


def student_id(entry: Path) -> str:
    """The id of the student an entry of the submissions folder belongs to: its name without
    ``.zip`` or ``.ipynb``, readable, one line, bounded; the same name gives the same id on every run."""
    name = entry.name
    if entry.is_file() and entry.suffix.lower() in (".zip", NOTEBOOK_SUFFIX):
        name = name[: -len(entry.suffix)]
    return student_text.name(readable(name))


def find_submissions(folder: Path, *, skip: Path | None = None) -> list[Submission]:
    """One Submission per entry of ``folder`` (sorted by student id), each read or marked bad."""
    names = contract_names()
    by_student: dict[str, list[Path]] = {}
    for entry in sorted(folder.iterdir()):
        if not _visible(entry.name) or (skip is not None and entry.resolve() == skip.resolve()):
            continue
        by_student.setdefault(student_id(entry), []).append(entry)
    submissions = []
    for student, entries in sorted(by_student.items()):
        if len(entries) > 1:
            shown = " and ".join(readable(e.name) for e in entries)
            submissions.append(Submission(student, entries[0], error=f"two submissions for one student: {shown}"))
            continue
        submission = Submission(student, entries[0])
        try:
            submission.files = collect(entries[0], names)
        except BadSubmission as error:
            submission.error = str(error)
        submissions.append(submission)
    return submissions


def stage(files: dict[str, bytes], folder: Path) -> Path:
    """Write the kept files (and nothing else) where a worker grades them."""
    folder.mkdir(parents=True)
    for name, data in files.items():
        (folder / f"{name}.py").write_bytes(data)
    return folder
