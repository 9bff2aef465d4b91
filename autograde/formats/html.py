"""Self-contained HTML reports: one submission's, and the class report of a batch.

One file each, inline CSS and inline SVG charts, no script and no external resource, so they
open offline from a mail attachment or an LMS download. Every piece of submission text
(messages quoting code, printed output, student ids) goes through ``html.escape``.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter, defaultdict
from html import escape

from autograde.formats import HIDDEN_CHECKS, charts, percent, points, title

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 60rem; color: #222; padding: 0 1rem; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.2rem; margin-top: 2rem; border-bottom: 1px solid #ddd; }
table { border-collapse: collapse; margin: .5rem 0; } td, th { padding: .2rem .6rem; text-align: left; vertical-align: top; }
th { border-bottom: 1px solid #999; } tr:nth-child(even) td { background: #f6f6f6; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.passed { color: #2e7d32; } .failed { color: #c62828; } .muted { color: #777; }
pre { background: #f4f4f4; padding: .5rem; white-space: pre-wrap; word-break: break-word; max-height: 20rem; overflow: auto; }
.hint { color: #00695c; } .total { font-size: 1.2rem; font-weight: bold; }
"""
MAX_PRINTED = 4000


def _page(heading: str, body: list[str]) -> str:
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<title>{escape(heading)}</title><style>{STYLE}</style></head><body>"
        f"<h1>{escape(heading)}</h1>" + "\n".join(body) + "</body></html>\n"
    )


def _check_title(test: dict) -> str:
    return "hidden checks" if test["name"] == HIDDEN_CHECKS else title(test["name"])


# -- one submission ---------------------------------------------------------------------------


def render_submission(report: dict, *, heading: str = "Grading report") -> str:
    """One submission's report (pass the student view unless an instructor reads it)."""
    body = [f'<p class="total">Total: {points(report["score"])}/{points(report["max_score"])} ({percent(report):.0f}%)</p>']
    rows = [
        (name, e["score"] / e["max_score"] if e["max_score"] else 0.0, f"{points(e['score'])}/{points(e['max_score'])}")
        for name, e in report["exercises"].items()
    ]
    if rows:
        body.append(charts.horizontal_bars("exercise-scores", "Score per exercise", rows))
    for name, exercise in report["exercises"].items():
        body.append(f'<h2 id="{escape(name)}">{escape(name)} &nbsp;{points(exercise["score"])}/{points(exercise["max_score"])}</h2>')
        body.append("<table><tr><th></th><th>check</th><th class=\"num\">points</th></tr>")
        for test in exercise["tests"]:
            passed = test["status"] == "passed"
            mark = '<span class="passed">✓</span>' if passed else '<span class="failed">✗</span>'
            body.append(
                f"<tr><td>{mark}</td><td>{escape(_check_title(test))}</td>"
                f'<td class="num">{points(test["score"])}/{points(test["max_score"])}</td></tr>'
            )
        body.append("</table>")
        for test in exercise["tests"]:
            if test["status"] != "passed":
                body.append(f'<h3 class="failed">✗ {escape(_check_title(test))}</h3>')
                body.append(f"<pre>{escape(test.get('message') or 'this check failed')}</pre>")
                if test.get("hint"):
                    body.append(f'<p class="hint"><b>Hint:</b> {escape(test["hint"])}</p>')
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


def class_statistics(rows: list[dict], exercise_max: dict[str, float]) -> dict:
    """Numbers behind the class report. ``rows``: {"student", "status", "seconds", "report"}."""
    graded = [r for r in rows if r.get("report") is not None]
    percents = [percent(r["report"]) for r in graded]
    bins = [0] * 10
    for value in percents:
        bins[min(int(value // 10), 9)] += 1
    per_exercise, per_test = {}, defaultdict(lambda: [0, 0])
    mistakes, messages = Counter(), Counter()
    for name, worth in exercise_max.items():
        scores = [r["report"]["exercises"][name]["score"] for r in graded if name in r["report"]["exercises"]]
        lost = sum(score < worth for score in scores)
        per_exercise[name] = {
            "mean": statistics.fmean(scores) / worth if scores and worth else 0.0,
            "failure_rate": lost / len(scores) if scores else 0.0,
            "graded": len(scores),
        }
    for row in graded:
        for name, exercise in row["report"]["exercises"].items():
            for test in exercise["tests"]:
                key = (name, test["name"])
                per_test[key][1] += 1
                if test["status"] == "passed":
                    continue
                per_test[key][0] += 1
                known = test.get("mistake_name")
                reason = f"known mistake: {known}" if known else (test.get("hint") or "")
                mistakes[(name, title(test["name"]), reason)] += 1
                messages[(name, _general(test.get("message", "")))] += 1
    slowest = sorted((r for r in graded if r.get("seconds") is not None), key=lambda r: -r["seconds"])[:10]
    return {
        "submissions": len(rows),
        "graded": len(graded),
        "errors": [r for r in rows if r.get("report") is None],
        "mean": statistics.fmean(percents) if percents else 0.0,
        "median": statistics.median(percents) if percents else 0.0,
        "bins": bins,
        "per_exercise": per_exercise,
        "per_test": {key: (failed, total) for key, (failed, total) in per_test.items()},
        "mistakes": mistakes.most_common(15),
        "messages": messages.most_common(15),
        "slowest": slowest,
    }


def render_class(rows: list[dict], exercise_max: dict[str, float], *, heading: str = "Class report") -> str:
    """The batch's class report: distribution, failure rates, common mistakes, slowest submissions."""
    stats = class_statistics(rows, exercise_max)
    order = {name: i for i, name in enumerate(exercise_max)}
    body = [
        f"<p>{stats['submissions']} submissions, {stats['graded']} graded, {len(stats['errors'])} could not be graded. "
        f"Mean {stats['mean']:.1f}%, median {stats['median']:.1f}% "
        f"(of {points(sum(exercise_max.values()))} points).</p>",
        "<h2>Score distribution</h2>",
        charts.histogram(
            "score-distribution", "Number of submissions per score range (percent)",
            [f"{10 * i}–{10 * i + 9 if i < 9 else 100}" for i in range(10)], stats["bins"],
        ),
        "<h2>Per exercise</h2>",
        charts.horizontal_bars(
            "exercise-mean", "Mean score per exercise (fraction of its points)",
            [(name, e["mean"], f"{100 * e['mean']:.0f}% mean") for name, e in stats["per_exercise"].items()],
        ),
        charts.horizontal_bars(
            "exercise-failure-rate", "Share of submissions that lost points, per exercise",
            [(name, e["failure_rate"], f"{100 * e['failure_rate']:.0f}% lost points") for name, e in stats["per_exercise"].items()],
            bad=True,
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
                "test-failure-rate", "Share of submissions failing each check (the 20 most failed)",
                [(f"{ex}: {title(name)}", failed / total, f"{failed}/{total}") for (ex, name), failed, total in failing[:20]],
                bad=True,
            )
        )
        body.append('<table><tr><th>exercise</th><th>check</th><th class="num">failed</th><th></th></tr>')
        for (exercise, name), failed, total in failing:
            body.append(
                f"<tr><td>{escape(exercise)}</td><td>{escape(title(name))}</td><td class=\"num\">{failed}/{total}</td>"
                f"<td>{charts.inline_bar(failed / total, bad=True)}</td></tr>"
            )
        body.append("</table>")
    else:
        body.append("<p>Every graded submission passed every check.</p>")
    body.append("<h2>Most common mistakes</h2>")
    if stats["mistakes"]:
        body.append('<table><tr><th class="num">submissions</th><th>exercise</th><th>check</th><th>mistake or hint</th></tr>')
        for (exercise, check, reason), count in stats["mistakes"]:
            body.append(
                f'<tr><td class="num">{count}</td><td>{escape(exercise)}</td><td>{escape(check)}</td><td>{escape(reason)}</td></tr>'
            )
        body.append("</table>")
        body.append("<h2>Most common failure messages</h2>")
        body.append('<table><tr><th class="num">checks</th><th>exercise</th><th>message (numbers as #)</th></tr>')
        for (exercise, message), count in stats["messages"]:
            body.append(f'<tr><td class="num">{count}</td><td>{escape(exercise)}</td><td>{escape(message)}</td></tr>')
        body.append("</table>")
    else:
        body.append("<p>No failed checks.</p>")
    body.append("<h2>Slowest submissions</h2>")
    if stats["slowest"]:
        body.append(
            charts.horizontal_bars(
                "slowest", "Grading time of the slowest submissions (seconds)",
                [(r["student"], r["seconds"] / stats["slowest"][0]["seconds"] if stats["slowest"][0]["seconds"] else 0.0,
                  f"{r['seconds']:.1f} s") for r in stats["slowest"]],
            )
        )
    if stats["errors"]:
        body.append("<h2>Submissions that could not be graded</h2>")
        body.append("<table><tr><th>student</th><th>why</th></tr>")
        for row in stats["errors"]:
            body.append(f"<tr><td>{escape(row['student'])}</td><td>{escape(row['status'])}</td></tr>")
        body.append("</table>")
    body.append("<h2>Every submission</h2>")
    body.append('<table><tr><th>student</th><th class="num">score</th><th class="num">percent</th><th>status</th><th class="num">seconds</th></tr>')
    for row in rows:
        report = row.get("report")
        score = f"{points(report['score'])}/{points(report['max_score'])}" if report else "–"
        share = f"{percent(report):.1f}%" if report else "–"
        seconds = f"{row['seconds']:.1f}" if row.get("seconds") is not None else "–"
        body.append(
            f"<tr><td>{escape(row['student'])}</td><td class=\"num\">{score}</td><td class=\"num\">{share}</td>"
            f"<td>{escape(row['status'])}</td><td class=\"num\">{seconds}</td></tr>"
        )
    body.append("</table>")
    return _page(heading, body)
