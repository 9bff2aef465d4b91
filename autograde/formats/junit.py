"""JUnit XML, as pytest's ``--junitxml`` writes it, with each check's points as properties.

One ``<testsuite>`` per exercise, one ``<testcase>`` per check (``classname`` is the exercise).
Points are ``<property name="score">`` and ``<property name="max_score">`` on both; a failed
check has a ``<failure>`` whose text is the message and the hint; what the submission printed
is the suite's ``<system-out>``. Characters XML 1.0 cannot hold (control codes a submission may
print) are replaced, so the file always parses.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from autograde.formats import clean_text, finite, points, title

_NOT_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(text) -> str:
    return _NOT_XML.sub("\ufffd", clean_text(text))


def _properties(parent: ET.Element, values: dict) -> None:
    element = ET.SubElement(parent, "properties")
    for name, value in values.items():
        ET.SubElement(element, "property", name=name, value=xml_text(value))


def render(report: dict, *, name: str = "rnn-autograder") -> str:
    """The JUnit XML text of ``report`` (the documented JSON report, usually the student view)."""
    root = ET.Element("testsuites", name=name)
    total_tests = total_failures = 0
    for exercise_name, exercise in report["exercises"].items():
        failures = sum(t["status"] != "passed" for t in exercise["tests"])
        suite = ET.SubElement(
            root, "testsuite", name=exercise_name, tests=str(len(exercise["tests"])),
            failures=str(failures), errors="0", skipped="0",
        )
        _properties(suite, {"score": points(exercise["score"]), "max_score": points(exercise["max_score"])})
        for test in exercise["tests"]:
            case = ET.SubElement(suite, "testcase", classname=exercise_name, name=xml_text(test["name"]), time="0")
            _properties(case, {
                "score": points(finite(test["score"])),
                "max_score": points(finite(test["max_score"])),
                "title": title(test["name"]),
            })
            if test["status"] != "passed":
                message = test.get("message") or "this check failed"
                failure = ET.SubElement(case, "failure", message=xml_text(message.splitlines()[0] if message else ""))
                failure.text = xml_text(message + (f"\nHint: {test['hint']}" if test.get("hint") else ""))
        if exercise.get("output", "").strip():
            ET.SubElement(suite, "system-out").text = xml_text(exercise["output"])
        total_tests += len(exercise["tests"])
        total_failures += failures
    root.set("tests", str(total_tests))
    root.set("failures", str(total_failures))
    root.set("errors", "0")
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
