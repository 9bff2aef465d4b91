"""Student text in every format: control characters made visible, every string and report bounded."""

import io
import json
import xml.etree.ElementTree as ET

import pytest
from rich.console import Console

from autograde import formats
from autograde.commands import ci
from autograde.formats import gradescope, html, junit, terminal
from autograde.grading import scoring, student_text
from autograde.grading.plugin import PlannedTest

# Clear the screen, go home, draw a fake total; a carriage return; a bidi override; HTML.
HOSTILE = "\x1b[2J\x1b[HTotal: 7/7 (100%)\rok \u202egnirts\u202c <script>alert(1)</script> \x9b31m \ud800"
RAW = ("\x1b", "\r", "\u202e", "\u202c", "\x9b", "\ud800")


def graded(messages: dict[str, str], output: str = "", exercise: str = "rnn_step") -> scoring.GradeReport:
    """A report built the way the engine builds one: pytest-json-report outcomes through ``scoring.score``."""
    planned = {
        f"graders/test_{exercise}.py::{name}": PlannedTest(f"graders/test_{exercise}.py::{name}", exercise, name, 1.0, "a hint")
        for name in messages
    }
    outcomes = {"tests": [
        {"nodeid": nodeid, "outcome": "failed", "metadata": {"status": "failed", "message": messages[plan.name]}}
        for nodeid, plan in planned.items()
    ]}
    return scoring.score(outcomes, planned, [exercise], {exercise: output})


@pytest.fixture
def hostile():
    return graded({"test_one": f"calling rnn_step raised {HOSTILE}", "test_two": "another"}, output=f"printed {HOSTILE}\n")


def assert_clean(text: str) -> None:
    assert not any(c in text for c in RAW), [c for c in RAW if c in text]
    assert "\\x1b[2J" in text  # still there, as text a person can read


def test_control_characters_become_visible_and_newlines_and_tabs_stay():
    assert student_text.visible("a\x1b[2J\tb\nc\rd\x00\x7f\x85") == "a\\x1b[2J\tb\nc\\rd\\x00\\x7f\\x85"
    assert student_text.visible("\u202ex\u2066\ud800") == "\\u202ex\\u2066\\ud800"
    assert student_text.visible("café 你好 😀") == "café 你好 😀"
    assert student_text.name("a\nb\tc") == "a\\x0ab\\x09c"


def test_the_report_holds_student_text_already_visible(hostile):
    data = hostile.to_json()
    exercise = data["exercises"]["rnn_step"]
    assert_clean(exercise["output"])
    assert_clean(exercise["tests"][0]["message"])


def test_the_terminal_shows_no_escape_sequence_from_the_submission(hostile):
    stream = io.StringIO()
    terminal.print_report(hostile, Console(file=stream, width=100, force_terminal=True, color_system="truecolor"))
    shown = stream.getvalue()
    assert "\x1b[2J" not in shown and "\x1b[H" not in shown and "\r" not in shown
    assert not any(c in shown for c in RAW[2:])
    assert "\\x1b[2J" in shown


def test_html_junit_and_gradescope_carry_no_raw_control_character(hostile):
    data = hostile.to_json()
    page = html.render_submission(formats.student_view(data))
    assert_clean(page)
    assert "<script>" not in page
    xml_text = junit.render(formats.student_view(data))
    assert_clean(xml_text)
    ET.fromstring(xml_text)
    results = gradescope.results(data)
    assert results["output_format"] == results["test_output_format"] == results["test_name_format"] == "text"
    assert all(t["output_format"] == t["name_format"] == "text" for t in results["tests"])
    assert_clean(results["output"])
    assert_clean("".join(t["output"] for t in results["tests"]))
    assert_clean(json.loads(gradescope.dumps(results))["output"])


def test_ci_annotations_and_summary_carry_no_raw_control_character(hostile, tmp_path):
    view = formats.student_view(hostile.to_json())
    annotations, _ = ci.error_annotations(view, tmp_path / "exercises", tmp_path)
    assert annotations and all("\n" not in line for line in annotations)
    assert_clean("\n".join(annotations).replace("%0A", "\n"))
    assert_clean(ci.summary_markdown(view))


def test_a_20_mb_exception_type_name_gives_reports_under_1_mib():
    report = graded({"test_one": f"calling rnn_step raised {'A' * 20_000_000}: boom\n  at line 3 of rnn_step.py: raise E"})
    message = report.exercises["rnn_step"].tests[0].message
    assert len(message) <= student_text.MAX_MESSAGE_CHARS
    assert "A" * (student_text.MAX_WORD_CHARS + 1) not in message and "at line 3" in message
    data = report.to_json()
    for text in (json.dumps(data), html.render_submission(data), junit.render(data), gradescope.dumps(gradescope.results(data))):
        assert len(text.encode("utf-8")) < student_text.MAX_REPORT_BYTES


def test_every_format_of_a_flooded_report_stays_under_1_mib():
    """136 checks (the course's count) failing with long messages of the costliest characters,
    and 13 exercises printing as much as they may."""
    report = scoring.GradeReport({})
    for index in range(13):
        part = graded({f"test_{i}": '"😀' * 3000 for i in range(11)}, output='"😀\x1b' * 20_000, exercise=f"exercise_{index}")
        report.exercises.update(part.exercises)
    scoring._fit(report)
    data = report.to_json()
    total = sum(len(e["output"]) + sum(len(t["message"]) for t in e["tests"]) for e in data["exercises"].values())
    assert total <= student_text.MAX_REPORT_TEXT_CHARS
    assert min(len(t["message"]) for e in data["exercises"].values() for t in e["tests"]) > 100  # shared fairly
    for text in (json.dumps(data), html.render_submission(data), junit.render(data), gradescope.dumps(gradescope.results(data))):
        assert len(text.encode("utf-8")) < student_text.MAX_REPORT_BYTES


def test_reports_from_another_process_get_every_key_and_string_bounded():
    data = student_text.tree({"k" * 10_000: {"output": "\x1b" * 100_000, "message": "x" * 10_000, "score": 1.5}})
    (key, inner), = data.items()
    assert len(key) <= student_text.MAX_NAME_CHARS
    assert len(inner["output"]) <= student_text.MAX_OUTPUT_CHARS and "\x1b" not in inner["output"]
    assert len(inner["message"]) <= student_text.MAX_MESSAGE_CHARS and inner["score"] == 1.5


def test_long_names_stay_distinct_and_stable():
    first, second = "s" * 300 + "1", "s" * 300 + "2"
    assert student_text.name(first) != student_text.name(second)
    assert student_text.name(first) == student_text.name(first) == student_text.name(student_text.name(first))
    assert len(student_text.name(first)) <= student_text.MAX_NAME_CHARS
