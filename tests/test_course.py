"""The course is declared once (graders/course.toml) and everything else agrees with it."""

import ast
import re

import pytest

from autograde.grading import course, engine

EXERCISES = course.names()
TESTS = course.package_dir("tests")


@pytest.mark.parametrize("exercise", EXERCISES)
def test_every_exercise_has_its_stub_reference_grader_and_meta_tests(exercise):
    missing = [
        str(path) for path in (
            course.package_dir("exercises") / f"{exercise}.py",
            course.reference_dir() / f"{exercise}.py",
            course.grader_file(exercise),
            TESTS / f"test_grader_{exercise}.py",
        ) if not path.is_file()
    ]
    assert not missing, f"{exercise} is declared in course.toml but lacks {missing}"


def test_every_grader_suite_is_an_exercise_of_the_course():
    suites = {path.stem.removeprefix("test_") for path in course.graders_dir().glob("test_*.py")}
    assert suites <= set(EXERCISES), f"grader suites not in course.toml: {sorted(suites - set(EXERCISES))}"


def test_the_course_totals_100_points():
    points = engine.plan(list(EXERCISES))
    assert sum(points.values()) == 100, points
    assert all(worth > 0 for worth in points.values()), points


def docstring_of(exercise: str) -> str:
    tree = ast.parse((course.package_dir("exercises") / f"{exercise}.py").read_text(encoding="utf-8"))
    texts = [ast.get_docstring(node) or "" for node in ast.walk(tree) if isinstance(node, (ast.Module, ast.FunctionDef, ast.ClassDef))]
    return re.sub(r"\s+", " ", " ".join(texts))


@pytest.mark.parametrize("exercise", EXERCISES)
def test_the_stub_states_the_forbidden_apis_the_course_declares(exercise):
    declared = course.declared()[exercise]
    text = docstring_of(exercise)
    if not declared.forbidden:
        assert "Forbidden:" not in text, f"the stub of {exercise} forbids APIs that course.toml does not"
        return
    assert declared.forbidden_summary, f"{exercise} forbids APIs but has no forbidden_summary in course.toml"
    assert f"Forbidden: {declared.forbidden_summary}" in text, (
        f"the stub of {exercise} should say 'Forbidden: {declared.forbidden_summary}'"
    )


@pytest.mark.parametrize("exercise", [e for e in EXERCISES if course.forbidden(e)])
def test_every_forbidden_api_exists_in_this_torch(exercise):
    """A misspelt name would forbid nothing: each must resolve to something torch has."""
    from autograde.sandbox.watch import resolve

    unknown = [name for name in course.forbidden(exercise) if resolve(name)[2] is None]
    assert not unknown, f"{exercise} forbids names torch does not have: {unknown}"


@pytest.mark.parametrize("exercise", EXERCISES)
def test_the_stub_and_the_reference_define_the_names_the_course_declares(exercise):
    """Notebook submissions are searched for these names: they must be the contract's."""
    for folder in (course.package_dir("exercises"), course.reference_dir()):
        tree = ast.parse((folder / f"{exercise}.py").read_text(encoding="utf-8"))
        defined = {node.name for node in tree.body if isinstance(node, (ast.FunctionDef, ast.ClassDef))}
        assert set(course.defines(exercise)) <= defined, (folder, exercise, defined)
    assert course.defines(exercise), exercise
