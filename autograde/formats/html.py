"""Self-contained HTML reports: one submission's, and the class report of a batch.

One file each, inline CSS and inline SVG charts, no script and no external resource, so they
open offline from a mail attachment or an LMS download. Every piece of submission text
(messages quoting code, printed output, student ids) goes through ``html.escape``.
"""

from __future__ import annotations

import re
import statistics
from collections import defaultdict
from datetime import datetime, timezone
from html import escape as _escape
from urllib.parse import quote

from autograde.formats import causes_of, charts, percent, points, title

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 60rem; color: #222; padding: 0 1rem; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.2rem; margin-top: 2rem; border-bottom: 1px solid #ddd; }
table { border-collapse: collapse; margin: .5rem 0; } td, th { padding: .2rem .6rem; text-align: left; vertical-align: top; }
th { border-bottom: 1px solid #999; } tr:nth-child(even) td { background: #f6f6f6; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.passed { color: #2e7d32; } .failed { color: #c62828; } .muted { color: #777; }
pre { background: #f4f4f4; padding: .5rem; white-space: pre-wrap; word-break: break-word; max-height: 20rem; overflow: auto; }
.hint { color: #00695c; } .total { font-size: 1.2rem; font-weight: bold; }
figure { margin: 1rem 0; } figcaption { color: #555; font-size: .9rem; }
"""
MAX_PRINTED = 4000
# Code points HTML forbids in a document (controls but tab, newline, form feed and return; C1
# controls; noncharacters; lone surrogates): a parser reports each as an error.
_NOT_HTML = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff]")


def escape(text, quote: bool = True) -> str:
    """``html.escape`` of ``text``, with what HTML cannot hold shown as ``\\xNN``."""
    shown = _NOT_HTML.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100 else f"\\u{ord(m.group()):04x}", str(text))
    return _escape(shown, quote=quote)


def _page(heading: str, body: list[str]) -> str:
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<title>{escape(heading)}</title><style>{STYLE}</style></head><body>"
        f"<h1>{escape(heading)}</h1>" + "\n".join(body) + "</body></html>\n"
    )


# -- one submission ---------------------------------------------------------------------------


def render_submission(report: dict, *, heading: str = "Grading report") -> str:
    """One submission's report (pass the student view unless an instructor reads it)."""
    body = [f'<p class="total">Total: {points(report["score"])}/{points(report["max_score"])} ({percent(report):.0f}%)</p>']
    rows = [
        (name, e["score"] / e["max_score"] if e["max_score"] else 0.0, f"{points(e['score'])}/{points(e['max_score'])}")
        for name, e in report["exercises"].items()
    ]
    if rows:
        body.append(charts.horizontal_bars(
            "exercise-scores", "Score per exercise: the bar is the share of the exercise's points earned", rows,
            x_label="share of the exercise's points",
        ))
    for name, exercise in report["exercises"].items():
        body.append(f'<h2 id="{escape(name)}">{escape(name)} &nbsp;{points(exercise["score"])}/{points(exercise["max_score"])}</h2>')
        causes = causes_of(exercise)
        if len(causes) == 1 and len(causes[0]["checks"]) == len(exercise["tests"]) > 1:
            body.append(f'<p class="failed">✗ every check failed ({len(exercise["tests"])} checks):</p>')
            body.append(f"<pre>{escape(causes[0]['message'])}</pre>")
        else:
            body.append("<table><tr><th></th><th>check</th><th class=\"num\">points</th></tr>")
            for test in exercise["tests"]:
                passed = test["status"] == "passed"
                mark = '<span class="passed">✓</span>' if passed else '<span class="failed">✗</span>'
                body.append(
                    f"<tr><td>{mark}</td><td>{escape(title(test))}</td>"
                    f'<td class="num">{points(test["score"])}/{points(test["max_score"])}</td></tr>'
                )
            body.append("</table>")
            titles = {t["name"]: title(t) for t in exercise["tests"]}
            for cause in causes:
                names = "; ".join(titles.get(check, check) for check in cause["checks"])
                count = f" ({len(cause['checks'])} checks)" if len(cause["checks"]) > 1 else ""
                body.append(f'<h3 class="failed">✗ {escape(names)}{count}</h3>')
                body.append(f"<pre>{escape(cause['message'])}</pre>")
                if cause.get("hint"):
                    body.append(f'<p class="hint"><b>Hint:</b> {escape(cause["hint"])}</p>')
        printed = exercise.get("output", "").rstrip()
        if printed:
            body.append('<p class="muted">Your code printed:</p>')
            body.append(f"<pre>{escape(printed[-MAX_PRINTED:])}</pre>")
    return _page(heading, body)


# -- the class -------------------------------------------------------------------------------


def _general(message: str) -> str:
    """A failure message without its numbers, so the same mistake groups across students."""
    first = (message or "").strip().splitlines()[0] if (message or "").strip() else "this check failed"
    first = re.sub(r"\d+(\.\d+)?(e-?\d+)?", "#", first)
    return first if len(first) <= 160 else first[:159] + "…"


NOT_ATTEMPTED = ("not_implemented", "unavailable")  # plugin.KINDS that are no attempt at the exercise


def _is_not_attempted(test: dict) -> bool:
    if test.get("kind"):
        return test["kind"] in NOT_ATTEMPTED
    return "is not implemented yet (it raised NotImplementedError)" in (test.get("message") or "")  # reports from before kind


def class_statistics(rows: list[dict], exercise_max: dict[str, float]) -> dict:
    """Numbers behind the class report. ``rows``: {"student", "status", "seconds", "report"}.

    Mistakes and messages are counted per cause and student: a catalogued mistake is one row
    however many checks it fails, with the number of students who made it; a failure without
    one is a row per (exercise, check). Stubs and files that are missing or do not import are no
    mistake: they are counted apart, per exercise.
    """
    graded = [r for r in rows if r.get("report") is not None]
    percents = [percent(r["report"]) for r in graded]
    bins = [0] * 10
    for value in percents:
        bins[min(int(value // 10), 9)] += 1
    per_exercise, per_test = {}, defaultdict(lambda: [0, 0])
    mistakes: dict[tuple, dict] = {}
    messages: dict[tuple, set] = defaultdict(set)
    not_attempted: dict[tuple, set] = defaultdict(set)
    for name, worth in exercise_max.items():
        scores = [r["report"]["exercises"][name]["score"] for r in graded if name in r["report"]["exercises"]]
        lost = sum(score < worth for score in scores)
        per_exercise[name] = {
            "mean": statistics.fmean(scores) / worth if scores and worth else 0.0,
            "failure_rate": lost / len(scores) if scores else 0.0,
            "lost": lost,
            "graded": len(scores),
        }
    for row in graded:
        student = row["student"]
        for name, exercise in row["report"]["exercises"].items():
            for test in exercise["tests"]:
                key = (name, test["name"])
                per_test[key][1] += 1
                if test["status"] == "passed":
                    continue
                per_test[key][0] += 1
                if _is_not_attempted(test):
                    kind = test.get("kind") or "not_implemented"
                    not_attempted[(name, kind)].add(student)
                    continue
                if test.get("mistake"):
                    cause = (name, "mistake", test["mistake"])
                    label = f"known mistake: {test.get('mistake_name') or test['mistake']}"
                else:
                    cause = (name, "check", test["name"])
                    label = test.get("hint") or ""
                entry = mistakes.setdefault(cause, {"exercise": name, "reason": label, "students": set(), "checks": {}})
                entry["students"].add(student)
                entry["checks"][title(test)] = None
                messages[(name, _general(test.get("message", "")))].add(student)
    slowest = sorted((r for r in graded if r.get("seconds") is not None), key=lambda r: -r["seconds"])[:10]
    ranked = sorted(mistakes.values(), key=lambda e: (-len(e["students"]), e["exercise"], e["reason"]))
    return {
        "submissions": len(rows),
        "graded": len(graded),
        "errors": [r for r in rows if r.get("report") is None],
        "mean": statistics.fmean(percents) if percents else 0.0,
        "median": statistics.median(percents) if percents else 0.0,
        "bins": bins,
        "per_exercise": per_exercise,
        "per_test": {key: (failed, total) for key, (failed, total) in per_test.items()},
        "mistakes": [
            {"exercise": e["exercise"], "reason": e["reason"], "students": len(e["students"]), "checks": list(e["checks"])}
            for e in ranked[:MAX_ROWS]
        ],
        "messages": sorted(((key, len(who)) for key, who in messages.items()), key=lambda item: (-item[1], item[0]))[:MAX_ROWS],
        "not_attempted": sorted(((key, len(who)) for key, who in not_attempted.items()), key=lambda item: (-item[1], item[0])),
        "slowest": slowest,
    }


MAX_ROWS = 15
KIND_WORDS = {"not_implemented": "still the stub (not implemented)", "unavailable": "missing, unreadable or does not import"}


def _version() -> str:
    from importlib import metadata

    try:
        return metadata.version("rnn-autograder")
    except metadata.PackageNotFoundError:
        return "unknown"


def render_class(
    rows: list[dict], exercise_max: dict[str, float], *, heading: str = "Class report",
    links: dict[str, str] | None = None, generated: datetime | None = None,
) -> str:
    """The batch's class report: distribution, failure rates, common mistakes, slowest submissions.

    ``links`` maps a student to the address of their own report (relative to this page).
    """
    stats = class_statistics(rows, exercise_max)
    links = links or {}
    order = {name: i for i, name in enumerate(exercise_max)}
    when = (generated or datetime.now(timezone.utc)).astimezone().strftime("%Y-%m-%d %H:%M %Z")
    graded = stats["graded"]
    body = [
        f'<p class="muted">Generated {escape(when)} by rnn-autograder {escape(_version())}. '
        f"Exercises graded ({len(exercise_max)}): {escape(', '.join(exercise_max))}.</p>",
        f"<p>{stats['submissions']} submissions, {graded} graded, {len(stats['errors'])} could not be graded. "
        f"Mean {stats['mean']:.1f}%, median {stats['median']:.1f}% "
        f"(of {points(sum(exercise_max.values()))} points).</p>",
        "<h2>Score distribution</h2>",
        charts.histogram(
            "score-distribution", f"Number of graded submissions (of {graded}) per range of total score, in percent",
            [f"{10 * i}–{10 * i + 9 if i < 9 else 100}" for i in range(10)], stats["bins"],
            x_label="total score (percent of the points)", y_label="submissions",
        ),
        "<h2>Per exercise</h2>",
        charts.horizontal_bars(
            "exercise-mean", "Mean score per exercise, as a share of the exercise's points",
            [(name, e["mean"], f"{100 * e['mean']:.0f}% mean") for name, e in stats["per_exercise"].items()],
            x_label="mean share of the exercise's points",
        ),
        charts.horizontal_bars(
            "exercise-failure-rate", "Submissions that lost at least one point, per exercise",
            [(name, e["failure_rate"], f"{e['lost']} of {e['graded']} submissions lost points")
             for name, e in stats["per_exercise"].items()],
            x_label="share of graded submissions", bad=True,
        ),
    ]
    failing = sorted(
        ((key, failed, total) for key, (failed, total) in stats["per_test"].items() if failed),
        key=lambda item: (-item[1] / item[2], order.get(item[0][0], 99), item[0][1]),
    )
    body.append("<h2>Per-check failure rates</h2>")
    if failing:
        body.append(
            charts.horizontal_bars(
                "test-failure-rate", "Submissions failing each check (the 20 most failed), stubs and unimportable files included",
                [(f"{ex}: {title({'name': name})}", failed / total, f"{failed} of {total} failed") for (ex, name), failed, total in failing[:20]],
                x_label="share of graded submissions", bad=True,
            )
        )
        body.append('<table><tr><th>exercise</th><th>check</th><th class="num">failed</th><th></th></tr>')
        for (exercise, name), failed, total in failing:
            body.append(
                f"<tr><td>{escape(exercise)}</td><td>{escape(title({'name': name}))}</td><td class=\"num\">{failed} of {total}</td>"
                f"<td>{charts.inline_bar(failed / total, bad=True)}</td></tr>"
            )
        body.append("</table>")
    else:
        body.append("<p>Every graded submission passed every check.</p>")
    body.append("<h2>Most common mistakes</h2>")
    if stats["mistakes"]:
        body.append(
            "<p class=\"muted\">One row per cause: a catalogued mistake however many checks it fails, otherwise a check "
            "and its hint. Stubs and files that do not import are counted in the next section.</p>"
        )
        body.append('<table><tr><th class="num">students</th><th>exercise</th><th>mistake or hint</th><th>checks it failed</th></tr>')
        for entry in stats["mistakes"]:
            body.append(
                f'<tr><td class="num">{entry["students"]} of {graded}</td><td>{escape(entry["exercise"])}</td>'
                f'<td>{escape(entry["reason"])}</td><td>{escape(", ".join(entry["checks"]))}</td></tr>'
            )
        body.append("</table>")
        body.append("<h2>Most common failure messages</h2>")
        body.append('<table><tr><th class="num">students</th><th>exercise</th><th>message (numbers as #)</th></tr>')
        for (exercise, message), count in stats["messages"]:
            body.append(f'<tr><td class="num">{count} of {graded}</td><td>{escape(exercise)}</td><td>{escape(message)}</td></tr>')
        body.append("</table>")
    else:
        body.append("<p>No mistakes: every failed check was a stub or a file that does not import.</p>"
                    if stats["not_attempted"] else "<p>No failed checks.</p>")
    body.append("<h2>Not attempted or not importable</h2>")
    if stats["not_attempted"]:
        body.append('<table><tr><th class="num">students</th><th>exercise</th><th>the file is</th></tr>')
        for (exercise, kind), count in stats["not_attempted"]:
            body.append(
                f'<tr><td class="num">{count} of {graded}</td><td>{escape(exercise)}</td><td>{escape(KIND_WORDS.get(kind, kind))}</td></tr>'
            )
        body.append("</table>")
    else:
        body.append("<p>Every graded submission attempted every exercise, and every file imports.</p>")
    body.append("<h2>Slowest submissions</h2>")
    if stats["slowest"]:
        body.append(
            charts.horizontal_bars(
                "slowest", "Grading time of the 10 slowest submissions, as a share of the slowest one's",
                [(r["student"], r["seconds"] / stats["slowest"][0]["seconds"] if stats["slowest"][0]["seconds"] else 0.0,
                  f"{r['seconds']:.1f} s") for r in stats["slowest"]],
                x_label="share of the slowest grading time",
            )
        )
    if stats["errors"]:
        body.append("<h2>Submissions that could not be graded</h2>")
        body.append("<table><tr><th>student</th><th>why</th></tr>")
        for row in stats["errors"]:
            body.append(f"<tr><td>{_student(row['student'], links)}</td><td>{escape(row['status'])}</td></tr>")
        body.append("</table>")
    body.append("<h2>Every submission</h2>")
    body.append('<table><tr><th>student</th><th class="num">score</th><th class="num">percent</th><th>status</th><th class="num">seconds</th></tr>')
    for row in rows:
        report = row.get("report")
        score = f"{points(report['score'])}/{points(report['max_score'])}" if report else "–"
        share = f"{percent(report):.1f}%" if report else "–"
        seconds = f"{row['seconds']:.1f}" if row.get("seconds") is not None else "–"
        body.append(
            f"<tr><td>{_student(row['student'], links)}</td><td class=\"num\">{score}</td><td class=\"num\">{share}</td>"
            f"<td>{escape(row['status'])}</td><td class=\"num\">{seconds}</td></tr>"
        )
    body.append("</table>")
    return _page(heading, body)


def _student(student: str, links: dict[str, str]) -> str:
    href = links.get(student)
    if not href:
        return escape(student)
    return f'<a href="{escape(quote(href, safe="/~._-@+"), quote=True)}">{escape(student)}</a>'
