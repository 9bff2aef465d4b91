"""Assertions about grading results, shared by the grader meta-tests."""


def failures(result) -> dict[str, str]:
    """{test name: message} of every check that did not pass."""
    return {t.name: t.message for t in result.tests if t.status != "passed"}


def assert_full_marks(result) -> None:
    assert result.score == result.max_score > 0, failures(result)


def assert_mistake_caught(result, expected: dict[str, str], *, named: bool = True) -> None:
    """The submission lost points, and each named check failed with a message containing its text.

    ``named``: one of those checks also names the mistake as data (its result's ``mistake``);
    tests/test_named_mistakes.py counts the cases that do from this flag, which these runs verify.
    """
    lost = failures(result)
    assert result.score < result.max_score, "a wrong submission earned full marks"
    for test, text in expected.items():
        assert test in lost, f"{test} passed; failing checks were: {lost}"
        assert text in lost[test], f"{test} said: {lost[test]!r}; expected it to mention {text!r}"
    if named:
        assert any(t.mistake for t in result.tests if t.name in expected), f"no check of {list(expected)} named the mistake"


def without_timings(report: dict) -> dict:
    """A JSON report without what varies from run to run: each exercise's ``seconds``, the
    and check's ``seconds``, the ``worker`` that graded it (cluster batches) and the ``protections`` of the machine."""
    kept = {k: v for k, v in report.items() if k not in ("protections", "worker")}
    kept["exercises"] = {
        name: {
            **{k: v for k, v in exercise.items() if k != "seconds"},
            "tests": [{k: v for k, v in test.items() if k != "seconds"} for test in exercise.get("tests", [])],
        }
        for name, exercise in report.get("exercises", {}).items()
    }
    return kept
