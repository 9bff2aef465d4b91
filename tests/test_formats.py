"""The report formats: Gradescope results.json, JUnit XML, HTML, and the student view of hidden checks."""

import json
import math
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from autograde import formats
from autograde.formats import gradescope, html, junit

GRADESCOPE_TOP = {"score", "execution_time", "output", "visibility", "stdout_visibility", "tests",
                  "output_format", "test_output_format", "test_name_format", "extra_data"}
GRADESCOPE_TEST = {"name", "score", "max_score", "status", "output", "tags", "visibility", "number",
                   "output_format", "name_format"}


def check(name, score, max_score, *, message="", hint="", visibility=None):
    test = {
        "name": name, "score": score, "max_score": max_score, "status": "passed" if score == max_score else "failed",
        "message": message, "hint": hint if score != max_score else "",
    }
    if visibility:
        test["visibility"] = visibility
    return test


@pytest.fixture
def report():
    """A documented JSON report with visible and hidden checks, and student text worth escaping."""
    tests = [
        check("test_matches_the_formula", 0, 1.5, message="h_t has wrong values <script>alert(1)</script>\n::set-output x",
              hint="Apply torch.tanh."),
        check("test_keeps_the_shape", 0.5, 0.5),
        check("test_secret_batch_of_13", 0, 2, message="with batch 13 the values are wrong", hint="secret hint",
              visibility="hidden"),
        check("test_secret_long_sequence", 1, 1, visibility="after_published"),
    ]
    return {
        "score": 1.5 + 7, "max_score": 5 + 7,
        "exercises": {
            "rnn_step": {"score": 1.5, "max_score": 5, "tests": tests, "output": "printed \x1b[31m\x00 text"},
            "rnn_step_fused": {"score": 7, "max_score": 7, "tests": [check("test_fused", 7, 7)], "output": ""},
        },
    }


def test_the_student_view_folds_hidden_checks_into_a_count_per_exercise(report):
    view = formats.student_view(report)
    tests = view["exercises"]["rnn_step"]["tests"]
    assert [t["name"] for t in tests] == ["test_matches_the_formula", "test_keeps_the_shape", formats.HIDDEN_CHECKS]
    hidden = tests[-1]
    assert (hidden["score"], hidden["max_score"], hidden["status"]) == (1, 3, "failed")
    assert hidden["message"].startswith("1 of 2 hidden checks failed")
    text = json.dumps(view)
    assert "secret" not in text and "batch 13" not in text
    assert (view["score"], view["max_score"]) == (report["score"], report["max_score"])
    assert view["exercises"]["rnn_step_fused"] == dict(report["exercises"]["rnn_step_fused"], causes=[])  # nothing failed


def test_the_student_view_of_a_grade_report_is_a_grade_report(report):
    view = formats.student_view(formats.from_json(report))
    assert view.score == report["score"]
    assert view.exercises["rnn_step"].tests[-1].title == "hidden checks"


def test_gradescope_results_have_the_fields_and_values_gradescope_reads(report):
    results = gradescope.results(report, execution_time=3.4)
    assert gradescope.problems(results) == []
    assert set(results) == GRADESCOPE_TOP
    assert results["score"] == 8.5 and results["execution_time"] == 3
    assert results["stdout_visibility"] in gradescope.VISIBILITIES
    assert results["output_format"] == "text" and all(t["output_format"] == "text" for t in results["tests"])
    graded = [t for t in results["tests"] if "score" in t]
    assert all(set(t) == GRADESCOPE_TEST for t in graded)
    assert sum(t["score"] for t in graded) == results["score"]
    by_name = {t["name"]: t for t in results["tests"]}
    assert by_name["rnn_step: secret batch of 13"]["visibility"] == "hidden"
    assert by_name["rnn_step: secret long sequence"]["visibility"] == "after_published"
    assert by_name["rnn_step: matches the formula"]["visibility"] == "visible"
    assert by_name["rnn_step: matches the formula"]["output"].endswith("Hint: Apply torch.tanh.")
    summary = by_name["rnn_step: hidden checks"]
    assert summary["visibility"] == "visible" and "score" not in summary
    assert "1 of 2 hidden checks failed" in summary["output"] and "secret" not in summary["output"]
    assert {t["status"] for t in results["tests"]} <= {"passed", "failed"}
    assert len({t["number"] for t in results["tests"]}) == len(results["tests"])
    assert "rnn_step printed" in results["output"]
    assert "Total" not in results["output"] and "8.5" not in results["output"]  # hidden checks: no total
    from tests.test_gradescope import assert_gradescope_accepts

    assert_gradescope_accepts(results)


def test_gradescope_json_is_always_strict_and_valid(tmp_path, report):
    report["exercises"]["rnn_step"]["tests"][0]["message"] = "lone surrogate \ud800 here"
    results = gradescope.results(report)
    results["tests"][1]["score"] = math.nan
    path = tmp_path / "results" / "results.json"
    gradescope.write(results, path)
    data = json.loads(path.read_text(encoding="utf-8"), parse_constant=lambda c: pytest.fail(f"{c} in JSON"))
    assert gradescope.problems(data) == [] and data["tests"][1]["score"] == 0.0

    gradescope.write({"score": "lots", "tests": "none"}, path)  # a malformed result never lands
    fallback = json.loads(path.read_text(encoding="utf-8"))
    assert gradescope.problems(fallback) == [] and fallback["score"] == 0
    assert "not your fault" in fallback["output"]
    assert [p.name for p in path.parent.iterdir()] == ["results.json"]  # no temporary file left


JUNIT_XSD = Path(__file__).parent / "data" / "junit-10.xsd"  # the Jenkins xunit plugin's schema (MIT)


def assert_valid_junit(text: str) -> None:
    """What the Jenkins xunit plugin checks before it reads a file: junit-10.xsd."""
    from lxml import etree

    schema = etree.XMLSchema(etree.parse(str(JUNIT_XSD)))
    document = etree.fromstring(text.encode("utf-8"))
    assert schema.validate(document), schema.error_log


def test_junit_validates_against_the_xunit_schema_and_reads_in_junitparser(tmp_path, report):
    from junitparser import Error, Failure, JUnitXml

    report["exercises"]["rnn_step"]["tests"][0].update(kind="wrong", seconds=0.25)
    report["exercises"]["rnn_step"]["tests"].append(
        dict(check("test_gradients_reach_every_input", 0, 1, message="the process running your code was killed"),
             kind="runner_crash", seconds=1.5)
    )
    report["exercises"]["rnn_step"]["max_score"] += 1
    text = junit.render(formats.student_view(report))
    assert_valid_junit(text)
    path = tmp_path / "junit.xml"
    path.write_text(text, encoding="utf-8")
    xml = JUnitXml.fromfile(str(path))
    suites = {suite.name: suite for suite in xml}
    assert (xml.tests, xml.failures, xml.errors) == (5, 2, 1)
    suite = suites["rnn_step"]
    assert suite.timestamp and suite.hostname and float(suite.time) == pytest.approx(1.75)
    properties = {p.name: p.value for p in suite.properties()}
    assert (properties["score"], properties["max_score"]) == ("1.5", "6")
    assert properties["points: matches the formula"] == "0/1.5" and properties["points: hidden checks"] == "1/3"
    cases = {case.name: case for case in suite}
    formula = cases["matches the formula"]  # the readable title, not test_matches_the_formula
    assert formula.classname == "rnn_step" and formula.time == pytest.approx(0.25)
    (failure,) = formula.result
    assert isinstance(failure, Failure) and failure.type == "wrong answer"
    assert "wrong values" in failure.message and "Hint: Apply torch.tanh." in failure.text
    (error,) = cases["gradients reach every input"].result
    assert isinstance(error, Error) and error.type == "runner crashed"
    assert cases["keeps the shape"].is_passed
    printed = suite._elem.find("system-out").text
    assert "printed" in printed and "\x00" not in printed  # control characters a submission printed
    assert isinstance(cases["hidden checks"].result[0], Failure)
    assert "secret" not in text


def assert_strict_html(page: str) -> None:
    """The page parses under the WHATWG HTML algorithm with no parse error (html5lib strict)."""
    import html5lib

    html5lib.HTMLParser(strict=True, namespaceHTMLElements=False).parse(page)


def test_the_submission_html_is_self_contained_escaped_and_has_its_chart(tmp_path, report):
    path = tmp_path / "report.html"
    formats.write_html(report, path)
    page = path.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and 'data-chart="exercise-scores"' in page
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "secret" not in page and "1 of 2 hidden checks failed" in page
    assert "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "") and "https://" not in page
    assert_strict_html(page)


def test_the_class_report_has_every_plot_and_table():
    worth = {"rnn_step": 5.0, "rnn_step_fused": 7.0}

    def row(student, score, seconds, mistake=True):
        tests = [check("test_matches_the_formula", 0 if mistake else 5, 5,
                       message=f"largest difference is {score}.\nThis looks like a known mistake: the tanh is missing. Fix.",
                       hint="Apply torch.tanh.")]
        if mistake:  # the field the report carries, not the words of the message
            tests[0].update(mistake="the-tanh-is-missing", mistake_name="the tanh is missing")
        report = {"score": score, "max_score": 12, "exercises": {
            "rnn_step": {"score": 0 if mistake else 5, "max_score": 5, "tests": tests, "output": ""},
            "rnn_step_fused": {"score": 7, "max_score": 7, "tests": [check("test_fused", 7, 7)], "output": ""},
        }}
        return {"student": student, "status": "graded", "seconds": seconds, "report": report}

    rows = [row("ann", 7, 1.5), row("ben", 7, 9.25), row("<cy>", 12, 0.5, mistake=False),
            {"student": "dee", "status": "the zip file could not be read", "seconds": None, "report": None}]
    stats = html.class_statistics(rows, worth)
    assert stats["graded"] == 3 and stats["bins"][5] == 2 and stats["bins"][9] == 1
    assert stats["per_exercise"]["rnn_step"]["failure_rate"] == pytest.approx(2 / 3)
    assert stats["mistakes"][0] == {"exercise": "rnn_step", "reason": "known mistake: the tanh is missing", "students": 2,
                                    "checks": ["matches the formula"]}
    assert stats["slowest"][0]["student"] == "ben"
    page = html.render_class(rows, worth)
    for chart in ("score-distribution", "exercise-mean", "exercise-failure-rate", "test-failure-rate", "slowest"):
        assert f'data-chart="{chart}"' in page
    assert "&lt;cy&gt;" in page and "<cy>" not in page
    assert "the zip file could not be read" in page and "9.2 s" in page
    assert_strict_html(page)


def test_written_files_follow_the_umask(tmp_path):
    import os

    previous = os.umask(0o022)
    try:
        formats.write_atomically(tmp_path / "shared.txt", "for the teaching assistants too")
        os.umask(0o077)
        formats.write_atomically(tmp_path / "private.txt", "for me only")
    finally:
        os.umask(previous)
    assert (tmp_path / "shared.txt").stat().st_mode & 0o777 == 0o644
    assert (tmp_path / "private.txt").stat().st_mode & 0o777 == 0o600


def stub_exercise(n: int = 12) -> dict:
    message = "rnn_forward(...) is not implemented yet (it raised NotImplementedError): fill in exercises/rnn_forward.py"
    tests = [dict(check(f"test_case_{i}", 0, 1, message=message, hint=f"hint {i}"), kind="not_implemented") for i in range(n)]
    return {"score": 0, "max_score": n, "tests": tests, "output": ""}


def sample_class() -> tuple[list[dict], dict]:
    """Six students: four share one catalogued mistake that fails three checks, two left a stub."""
    worth = {"rnn_step": 5.0, "rnn_forward": 12.0}

    def step(mistake: bool) -> dict:
        tests = []
        for i, name in enumerate(["test_matches_the_formula", "test_agrees_with_torch", "test_gradients_match"]):
            if mistake:
                tests.append(dict(check(name, 0, 1, message=f"largest difference is 0.{i + 3}", hint=f"hint {i}"),
                                  mistake="the-tanh-is-missing", mistake_name="the tanh is missing", kind="wrong"))
            else:
                tests.append(check(name, 1, 1))
        tests.append(check("test_keeps_the_shape", 2, 2))
        score = sum(t["score"] for t in tests)
        return {"score": score, "max_score": 5, "tests": tests, "output": ""}

    def forward(done: bool) -> dict:
        if not done:
            return stub_exercise()
        return {"score": 12, "max_score": 12, "tests": [check(f"test_case_{i}", 1, 1) for i in range(12)], "output": ""}

    rows = []
    for student, mistake, done in [("ann", True, True), ("ben", True, True), ("cy", True, False), ("dee", True, False),
                                   ("eve", False, True), ("fay", False, True)]:
        exercises = {"rnn_step": step(mistake), "rnn_forward": forward(done)}
        score = sum(e["score"] for e in exercises.values())
        rows.append({"student": student, "status": "graded", "seconds": 1.0,
                     "report": {"score": score, "max_score": 17, "exercises": exercises}})
    return rows, worth


def test_the_class_report_counts_each_cause_once_per_student_and_sets_stubs_apart():
    rows, worth = sample_class()
    stats = html.class_statistics(rows, worth)
    assert stats["mistakes"] == [{"exercise": "rnn_step", "reason": "known mistake: the tanh is missing", "students": 4,
                                  "checks": ["matches the formula", "agrees with torch", "gradients match"]}]
    assert stats["not_attempted"] == [(("rnn_forward", "not_implemented"), 2)]
    assert all("not implemented" not in message for (_, message), _ in stats["messages"])
    page = html.render_class(rows, worth, links={"ann": "reports/ann.html"})
    assert_strict_html(page)
    assert "4 of 6" in page and "4 of 6 submissions lost points" in page and "% lost points" not in page
    assert '<a href="reports/ann.html">ann</a>' in page
    assert "rnn-autograder" in page and "Generated " in page and "Exercises graded (2): rnn_step, rnn_forward" in page
    assert page.count("<figcaption>") == page.count("<figure>") >= 4
    assert "still the stub" in page


def test_the_single_report_says_a_repeated_cause_once():
    report = {"score": 0, "max_score": 12, "exercises": {"rnn_forward": stub_exercise()}}
    page = html.render_submission(report)
    assert page.count("is not implemented yet") == 1 and "every check failed (12 checks)" in page
    assert_strict_html(page)
