"""``grade release OUT``: the repository students get, without the answer key.

OUT holds the engine, the stubs, the course notebook, the public suites with their sources of
expected values replaced by recordings (``autograde.release.graders``), the recording itself in
``graders/fixtures/`` and a README for students; it is a fresh git repository with one commit.
It holds no reference solution, no mistake's code, no ``tests/`` (their cases are solutions
too), no instructors' docs and no hidden suites (those are never in the course repository).

The recording comes from grading, in ``record`` mode, the reference and every case in
``tests/cases/``: the wrong cases are what make the catalogued mistakes answer on the inputs
where a check fails.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from autograde.grading import course, recording

SHIPPED = ("autograde", "exercises", "notebooks", "cli.py", "SECURITY.md", ".gitignore")
"""What goes into OUT as it is (the graders, pyproject.toml and README.md are written for it)."""
LEFT_OUT_OF_THE_ENGINE = ("release",)
"""Engine folders the release does without: building a release needs the answer key."""
FIXTURES = "fixtures"
STUDENT_README = Path(__file__).with_name("student_readme.md")
WORKFLOW = (Path("examples") / "github-classroom.yml", Path(".github") / "workflows" / "classroom.yml")
"""The Classroom workflow, from the course's examples to where GitHub runs it in the release."""


@dataclass(frozen=True)
class Release:
    out: Path
    answers: int
    """How many recorded answers it holds."""
    fixture_bytes: int
    """What ``graders/fixtures/`` weighs."""


def course_root() -> Path:
    return course.graders_dir().parent


def course_cases(root: Path | None = None) -> list[tuple[str, Path]]:
    """(exercise, file) of every case in ``tests/cases/``."""
    cases = (root or course_root()) / "tests" / "cases"
    return [(folder.name, path) for folder in sorted(cases.iterdir()) if folder.is_dir() for path in sorted(folder.glob("*.py"))]


def record(cases: Iterable[tuple[str, Path]]) -> dict[str, bytes]:
    """The answers the release needs: the reference on every exercise, then each case, graded
    with every source of expected values recording."""
    from autograde.grading import engine

    with recording.recording(recording.RECORD) as taken, tempfile.TemporaryDirectory() as scratch:
        engine.grade(course.reference_dir(), course.exercises())
        for exercise, path in cases:
            folder = Path(scratch) / f"{exercise}-{path.stem}"
            folder.mkdir()
            shutil.copyfile(path, folder / f"{exercise}.py")
            engine.grade(folder, [exercise])
        if taken.refused:
            raise recording.NotRecordable(f"{len(taken.refused)} checks could not be recorded; the first: {taken.refused[0]}")
        return dict(taken.answers)


def build(out: Path, cases: Iterable[tuple[str, Path]] | None = None) -> Release:
    """Record (from ``cases``, every case in tests/cases by default) and write the release to ``out``."""
    out = Path(out)
    if out.exists() and any(out.iterdir()):
        raise FileExistsError(f"{out} is not empty: a release is written to a new folder")
    answers = record(course_cases() if cases is None else cases)
    write(out, answers)
    return Release(out, len(answers), sum(p.stat().st_size for p in (out / "graders" / FIXTURES).iterdir()))


def write(out: Path, answers: dict[str, bytes]) -> None:
    """Write the release of this course, with ``answers`` as its recording, and commit it."""
    from autograde.grading.reference_use import analyse
    from autograde.release.graders import release_sources

    root, graders = course_root(), course.graders_dir()
    out.mkdir(parents=True, exist_ok=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints")
    for name in SHIPPED:
        source = root / name
        if source.is_dir():
            shutil.copytree(source, out / name, ignore=ignore)
        elif source.is_file():
            shutil.copyfile(source, out / name)
    for name in LEFT_OUT_OF_THE_ENGINE:
        shutil.rmtree(out / "autograde" / name, ignore_errors=True)
    (out / "graders").mkdir()
    shutil.copyfile(graders / course.DECLARATION, out / "graders" / course.DECLARATION)
    uses = analyse(graders)
    loaded = {f"graders.{Path(m.__file__).stem}": m for m in list(sys.modules.values()) if _in(m, graders)}
    for name, text in release_sources(graders, uses, loaded).items():
        if name == "__init__.py":
            text += REPLAY
        (out / "graders" / name).write_text(text, encoding="utf-8")
    recording.save(answers, out / "graders" / FIXTURES)
    (out / "pyproject.toml").write_text(_release_pyproject((root / "pyproject.toml").read_text(encoding="utf-8")), encoding="utf-8")
    (out / "README.md").write_text(STUDENT_README.read_text(encoding="utf-8"), encoding="utf-8")
    (out / WORKFLOW[1]).parent.mkdir(parents=True)
    shutil.copyfile(root / WORKFLOW[0], out / WORKFLOW[1])
    _commit(out)


def differences(release: Path, rebuilt: Path) -> list[str]:
    """The files (outside .git) that differ between two releases, missing ones included."""
    def files(root: Path) -> dict[str, bytes]:
        return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file() and ".git" not in p.relative_to(root).parts}

    ours, theirs = files(Path(rebuilt)), files(Path(release))
    return sorted(name for name in ours.keys() | theirs.keys() if ours.get(name) != theirs.get(name))


REPLAY = '''
from pathlib import Path as _Path

from autograde.grading import recording as _recording

# The students' release: every expected value is answered from the recording in fixtures/.
_recording.replay_from(_Path(__file__).parent / "fixtures")
'''


def _in(module, folder: Path) -> bool:
    file = getattr(module, "__file__", None)
    return bool(file) and Path(file).resolve().parent == folder.resolve()


def _release_pyproject(text: str) -> str:
    """The course's pyproject.toml without the reference package, with the recording as package data."""
    replaced = (
        text.replace('"reference*", ', "")
        .replace('graders = ["course.toml"]', f'graders = ["course.toml", "{FIXTURES}/*"]')
    )
    if '"reference*"' in replaced or f"{FIXTURES}/*" not in replaced:
        raise ValueError("pyproject.toml no longer has the lines the release edits (packages.find include, graders package-data)")
    return replaced


def _commit(out: Path) -> None:
    git = ["git", "-C", str(out), "-c", "user.name=grade release", "-c", "user.email=release@localhost"]
    subprocess.run([*git, "init", "-q", "-b", "main"], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "The course's exercises, graders and recorded answers"], check=True)
