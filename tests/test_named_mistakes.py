"""At least 90 % of the mistake cases in tests/cases/ get a message that names their mistake.

Counted from the grader meta-tests' own tables, without grading anything again: a case of a
``MISTAKES`` table names its mistake unless its file lists it in ``UNNAMED``, and the meta-test
run of each case asserts that one of its failing checks carries the ``mistake`` field.
"""

from __future__ import annotations

import importlib
from pathlib import Path

from autograde.grading import course

TESTS = Path(__file__).resolve().parent
TARGET = 0.9


def tables() -> dict[str, tuple[dict, set]]:
    """{exercise: (its MISTAKES table, its UNNAMED set)}."""
    found = {}
    for exercise in course.exercises():
        module = importlib.import_module(f"tests.test_grader_{exercise}")
        found[exercise] = (module.MISTAKES, module.UNNAMED)
    return found


def test_every_listed_case_exists_and_every_unnamed_one_is_a_mistake_case():
    for exercise, (mistakes, unnamed) in tables().items():
        assert unnamed <= set(mistakes), f"{exercise}: UNNAMED lists {unnamed - set(mistakes)}, which are not mistake cases"
        missing = [case for case in mistakes if not (TESTS / "cases" / exercise / f"{case}.py").is_file()]
        assert not missing, f"{exercise}: no tests/cases/{exercise}/ file for {missing}"


def test_at_least_90_percent_of_the_mistake_cases_name_their_mistake(capsys):
    counts = {exercise: (len(mistakes) - len(unnamed), len(mistakes)) for exercise, (mistakes, unnamed) in tables().items()}
    named, total = (sum(column) for column in zip(*counts.values()))
    with capsys.disabled():
        print(f"\nnamed mistakes: {named} of {total} mistake cases ({named / total:.1%})")
    assert named / total >= TARGET, {exercise: f"{n}/{t}" for exercise, (n, t) in counts.items() if n < t}
