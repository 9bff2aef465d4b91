"""JUnit XML that the Jenkins xunit plugin's ``junit-10.xsd`` accepts (and so pytest's readers).

One ``<testsuite>`` per exercise, one ``<testcase>`` per check. What the schema fixes:

- a ``<testcase>`` holds no ``<properties>``: points are the suite's properties, ``score`` and
  ``max_score`` of the exercise and one ``points: <check>`` = ``"0/1.5"`` per check;
- ``name`` is the check's readable title (``matches the formula in float32``), ``classname``
  the exercise, ``time`` the check's run time in seconds (at most three decimals);
- a wrong answer, a stub or a file that cannot be imported is a ``<failure>``; the submission's
  code raising or timing out, its runner dying and the grader's own failure are ``<error>``,
  each with ``type`` saying which (``plugin.KINDS``), the message and the hint as text;
- suites carry ``time``, ``timestamp`` and ``hostname``; what the submission printed is the
  suite's ``<system-out>``.

Characters XML 1.0 cannot hold (control codes a submission may print) are replaced, so the
file always parses.
"""

from __future__ import annotations

import re
import socket
import xml.etree.ElementTree as ET
from datetime import datetime, timezone

from autograde.formats import clean_text, finite, points, title

_NOT_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
CRASHES = ("exception", "timeout", "runner_crash", "grader_error")  # plugin.CRASHES, without importing the engine
TYPES = {
    "wrong": "wrong answer", "not_implemented": "not implemented", "unavailable": "file unavailable",
    "exception": "exception in the submission", "timeout": "timeout", "runner_crash": "runner crashed",
    "grader_error": "grader error",
}


def xml_text(text) -> str:
    return _NOT_XML.sub("\ufffd", clean_text(text))


def seconds(value) -> str:
    """A time the schema's SUREFIRE_TIME accepts: digits, at most three decimals."""
    return f"{max(finite(value), 0.0):.3f}"


def is_crash(test: dict) -> bool:
    return test["status"] != "passed" and test.get("kind") in CRASHES


def render(report: dict, *, name: str = "rnn-autograder", timestamp: datetime | None = None, hostname: str | None = None) -> str:
    """The JUnit XML text of ``report`` (the documented JSON report, usually the student view)."""
    stamp = (timestamp or datetime.now(timezone.utc)).replace(microsecond=0).isoformat()
    host = hostname if hostname is not None else socket.gethostname()
    root = ET.Element("testsuites", name=name)
    total_tests = total_failures = total_errors = 0
    total_time = 0.0
    for exercise_name, exercise in report["exercises"].items():
        tests = exercise["tests"]
        errors = sum(is_crash(t) for t in tests)
        failures = sum(t["status"] != "passed" for t in tests) - errors
        suite_time = sum(finite(t.get("seconds")) for t in tests)
        suite = ET.SubElement(
            root, "testsuite", name=exercise_name, tests=str(len(tests)), failures=str(failures),
            errors=str(errors), skipped="0", time=seconds(suite_time), timestamp=stamp, hostname=host,
        )
        properties = ET.SubElement(suite, "properties")
        values = {"score": points(exercise["score"]), "max_score": points(exercise["max_score"])}
        for test in tests:
            values[f"points: {title(test)}"] = f"{points(finite(test['score']))}/{points(finite(test['max_score']))}"
        for key, value in values.items():
            ET.SubElement(properties, "property", name=xml_text(key), value=xml_text(value))
        for test in tests:
            case = ET.SubElement(
                suite, "testcase", classname=exercise_name, name=xml_text(title(test)), time=seconds(test.get("seconds")),
            )
            if test["status"] != "passed":
                message = test.get("message") or "this check failed"
                kind = test.get("kind") or "wrong"
                element = ET.SubElement(
                    case, "error" if is_crash(test) else "failure",
                    type=TYPES.get(kind, kind), message=xml_text(message.splitlines()[0]),
                )
                element.text = xml_text(
                    f"{message}\n({points(finite(test['score']))}/{points(finite(test['max_score']))} points)"
                    + (f"\nHint: {test['hint']}" if test.get("hint") else "")
                )
        if exercise.get("output", "").strip():
            ET.SubElement(suite, "system-out").text = xml_text(exercise["output"])
        total_tests += len(tests)
        total_failures += failures
        total_errors += errors
        total_time += suite_time
    root.set("tests", str(total_tests))
    root.set("failures", str(total_failures))
    root.set("errors", str(total_errors))
    root.set("time", seconds(total_time))
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
