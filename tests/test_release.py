"""`grade release`: the students' repository holds no answer key and grades as the course does.

One release is built for the module (the reference and two rnn_step cases recorded, about a
minute); the release's `grade` then runs in a fresh process that cannot import the course's
``reference`` or ``tests`` (this environment has the course installed too).
"""

from __future__ import annotations

import ast
import re
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from autograde.grading import course
from tests.helpers import without_timings

ROOT = Path(__file__).resolve().parent.parent
CASES = [("rnn_step", ROOT / "tests" / "cases" / "rnn_step" / "no_tanh.py"), ("rnn_step", ROOT / "tests" / "cases" / "rnn_step" / "syntax_error.py")]

WITHOUT_THE_COURSE = '''
import importlib.abc, importlib.util, sys
HIDDEN = ("reference", "tests")
class Hidden(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in HIDDEN:
            raise ModuleNotFoundError(name)
_find = importlib.util.find_spec
importlib.util.find_spec = lambda name, package=None: None if name.partition(".")[0] in HIDDEN else _find(name, package)
sys.meta_path.insert(0, Hidden())
sys.path.insert(0, ".")
import cli
sys.argv = ["grade", *sys.argv[1:]]
cli.main()
'''


@pytest.fixture(scope="module")
def release(tmp_path_factory) -> Path:
    from autograde.release.build import build

    out = tmp_path_factory.mktemp("release") / "course"
    build(out, CASES)
    (out.parent / "run.py").write_text(WITHOUT_THE_COURSE)
    return out


def release_grade(release: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(release.parent / "run.py"), *args], cwd=release, capture_output=True, text=True, timeout=600,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(release), "HOME": str(release.parent)},
    )


def code_lines(path: Path) -> set[str]:
    """The lines of ``path`` that are code (not docstrings or comments), stripped, of some length."""
    text = path.read_text(encoding="utf-8")
    tree = ast.parse(text)
    docstrings = {
        n for node in ast.walk(tree) if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
        for n in range(node.lineno, node.end_lineno + 1)
    }
    return {
        line.strip() for number, line in enumerate(text.splitlines(), 1)
        if number not in docstrings and len(line.strip()) >= 24 and not line.strip().startswith("#")
        and not WORDS.fullmatch(line.strip())
    }


WORDS = re.compile(r'[rf]?"[^"]*",?|[rf]?\'[^\']*\',?')
"""A line that is one string literal: a mistake's name or fix, words the release ships on purpose."""


def test_the_release_is_a_fresh_repository_without_the_answer_key(release):
    log = subprocess.run(["git", "-C", str(release), "log", "--format=%s"], capture_output=True, text=True, check=True)
    assert len(log.stdout.splitlines()) == 1
    for left_out in ("reference", "tests", "docs", "gradescope", "bench", "scripts", "autograde/release"):
        assert not (release / left_out).exists(), left_out
    shipped = {p for p in release.rglob("*") if p.is_file() and ".git" not in p.parts and p.suffix in (".py", ".md", ".ipynb", ".toml")}
    assert (release / "graders" / "fixtures" / "answers.bin").is_file()
    secrets = set().union(*(code_lines(p) for p in course.reference_dir().glob("*.py")))
    # What the release's suites left out of the course's: the mistakes' code and what only it used.
    for path in course.graders_dir().glob("*.py"):
        secrets |= code_lines(path) - code_lines(release / "graders" / path.name)
    # Less what is not a secret: the stubs' signatures, lines the engine has as well.
    public = [*(ROOT / "exercises").glob("*.py"), *(ROOT / "autograde").rglob("*.py")]
    secrets -= set().union(*(code_lines(p) for p in public))
    leaks = {(str(p.relative_to(release)), line) for p in shipped for line in p.read_text(encoding="utf-8").splitlines() if line.strip() in secrets}
    assert not leaks, sorted(leaks)[:10]


def test_the_release_grades_the_solutions_100_and_the_stubs_0(release, tmp_path):
    solutions = tmp_path / "solutions"
    shutil.copytree(course.reference_dir(), solutions, ignore=shutil.ignore_patterns("__pycache__", "__init__.py"))
    graded = release_grade(release, "all", "--submission", str(solutions), "--quiet")
    assert graded.stdout.strip() == "100/100 (100%)", graded.stdout + graded.stderr[-3000:]
    stubs = release_grade(release, "all", "--quiet")
    assert stubs.stdout.strip() == "0/100 (0%)", stubs.stdout + stubs.stderr[-3000:]


def test_the_release_does_not_offer_what_needs_the_answer_key(release):
    shown = release_grade(release, "--help").stdout + release_grade(release, "rnn_step", "--help").stdout
    assert "grade all" in shown
    assert "--reference" not in shown and "release" not in shown


@pytest.mark.parametrize("exercise, case", CASES, ids=[path.stem for _, path in CASES])
def test_a_case_gets_the_same_report_in_the_release_as_in_the_course(release, tmp_path, exercise, case):
    from autograde.commands import main

    folder = tmp_path / "submission"
    folder.mkdir()
    shutil.copyfile(case, folder / f"{exercise}.py")
    graded = release_grade(release, exercise, "--submission", str(folder), "--json", str(tmp_path / "release.json"))
    assert graded.returncode == 0, graded.stderr[-3000:]
    CliRunner().invoke(main, [exercise, "--submission", str(folder), "--json", str(tmp_path / "course.json")], catch_exceptions=False)
    there, here = (without_timings(json.loads((tmp_path / name).read_text())) for name in ("release.json", "course.json"))
    assert there == here


def test_answers_tuned_to_the_recorded_inputs_earn_nothing_in_official_grading(release, tmp_path):
    from autograde.grading import engine

    tuned = tmp_path / "tuned"
    tuned.mkdir()
    shutil.copyfile(ROOT / "tests" / "data" / "fixture_tuned" / "rnn_step.py", tuned / "rnn_step.py")
    honest = tmp_path / "honest"
    honest.mkdir()
    shutil.copyfile(ROOT / "tests" / "cases" / "rnn_step" / "no_tanh.py", honest / "rnn_step.py")
    assert release_grade(release, "rnn_step", "--submission", str(tuned), "--quiet").stdout.strip() == "7/7 (100%)"
    official = engine.Options(fresh_inputs=True)
    tuned_score = engine.grade(tuned, ["rnn_step"], official).exercises["rnn_step"]
    honest_score = engine.grade(honest, ["rnn_step"], official).exercises["rnn_step"]
    assert tuned_score.score <= honest_score.score < 7
    message = next(t.message for t in tuned_score.tests if t.name == "test_matches_the_formula_in_float32")
    assert "on fresh inputs" in message and "the tanh is missing" in message
