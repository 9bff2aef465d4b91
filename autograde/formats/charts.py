"""Small inline SVG charts: no JavaScript, no fonts, no network, so reports read offline.

Every label is escaped; every chart carries ``data-chart="<name>"`` and a ``<title>`` (what a
screen reader announces and what tests look for), names its axes inside the drawing, and is
wrapped in a ``<figure>`` whose ``<figcaption>`` says what it shows. Bar labels are never cut
short below ``MAX_LABEL`` characters: the label column widens to fit them.
"""

from __future__ import annotations

from html import escape

BAR = "#4c78a8"
BAD = "#e45756"
GOOD = "#54a24b"
GRID = "#dddddd"
TEXT = "#222222"
CHAR_W = 6.2  # about the width of a character at font-size 11 in a sans-serif face
MAX_LABEL = 72


def figure(svg: str, caption: str) -> str:
    return f"<figure>{svg}<figcaption>{escape(caption)}</figcaption></figure>"


def _number(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def histogram(
    name: str, caption: str, labels: list[str], counts: list[int], *, x_label: str, y_label: str,
    width: int = 640, height: int = 260,
) -> str:
    """Vertical bars, one per label (e.g. score ranges), with the count above each."""
    left, bottom, top = 52, 50, 20
    plot_w, plot_h = width - left - 10, height - bottom - top
    highest = max(counts, default=0) or 1
    slot = plot_w / max(len(counts), 1)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" data-chart="{escape(name)}" role="img" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" font-family="sans-serif" font-size="11">',
        f"<title>{escape(caption)}</title>",
    ]
    for step in range(5):
        value = highest * step / 4
        y = top + plot_h - plot_h * step / 4
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - 10}" y2="{y:.1f}" stroke="{GRID}"/>')
        parts.append(f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end" fill="{TEXT}">{_number(value)}</text>')
    for i, (label, count) in enumerate(zip(labels, counts)):
        bar_h = plot_h * count / highest
        x = left + i * slot + slot * 0.1
        y = top + plot_h - bar_h
        parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{slot * 0.8:.1f}" height="{bar_h:.1f}" fill="{BAR}">'
            f"<title>{escape(label)}: {count}</title></rect>"
        )
        if count:
            parts.append(f'<text x="{x + slot * 0.4:.1f}" y="{y - 3:.1f}" text-anchor="middle" fill="{TEXT}">{count}</text>')
        parts.append(
            f'<text x="{x + slot * 0.4:.1f}" y="{height - bottom + 14}" text-anchor="middle" fill="{TEXT}">{escape(label)}</text>'
        )
    parts.append(
        f'<text x="{left + plot_w / 2:.1f}" y="{height - 8}" text-anchor="middle" fill="{TEXT}" font-weight="bold">{escape(x_label)}</text>'
    )
    parts.append(
        f'<text x="12" y="{top + plot_h / 2:.1f}" text-anchor="middle" fill="{TEXT}" font-weight="bold" '
        f'transform="rotate(-90 12 {top + plot_h / 2:.1f})">{escape(y_label)}</text>'
    )
    parts.append("</svg>")
    return figure("".join(parts), caption)


def horizontal_bars(
    name: str, caption: str, rows: list[tuple[str, float, str]], *, x_label: str, bad: bool = False, bar_w: int = 300,
    text_w: int = 190,
) -> str:
    """One bar per row: (label, fraction in [0, 1], text shown after the bar); the axis under
    the bars runs from 0 to 1 and is named ``x_label``."""
    row_h = 20
    longest = max((min(len(label), MAX_LABEL) for label, _, _ in rows), default=10)
    label_w = int(longest * CHAR_W) + 12
    width = label_w + bar_w + text_w
    height = row_h * len(rows) + 44
    color = BAD if bad else BAR
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" data-chart="{escape(name)}" role="img" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" font-family="sans-serif" font-size="11">',
        f"<title>{escape(caption)}</title>",
    ]
    for i, (label, fraction, text) in enumerate(rows):
        y = 5 + i * row_h
        fraction = min(max(fraction, 0.0), 1.0)
        shown = label if len(label) <= MAX_LABEL else label[: MAX_LABEL - 1] + "…"
        parts.append(f'<text x="{label_w - 6}" y="{y + 14}" text-anchor="end" fill="{TEXT}">{escape(shown)}</text>')
        parts.append(f'<rect x="{label_w}" y="{y + 3}" width="{bar_w}" height="{row_h - 6}" fill="{GRID}"/>')
        parts.append(
            f'<rect x="{label_w}" y="{y + 3}" width="{bar_w * fraction:.1f}" height="{row_h - 6}" fill="{color}">'
            f"<title>{escape(label)}: {escape(text)}</title></rect>"
        )
        parts.append(f'<text x="{label_w + bar_w + 6}" y="{y + 14}" fill="{TEXT}">{escape(text)}</text>')
    axis_y = 5 + len(rows) * row_h + 4
    parts.append(f'<line x1="{label_w}" y1="{axis_y}" x2="{label_w + bar_w}" y2="{axis_y}" stroke="{TEXT}"/>')
    for tick in (0, 0.25, 0.5, 0.75, 1):
        x = label_w + bar_w * tick
        parts.append(f'<text x="{x:.1f}" y="{axis_y + 13}" text-anchor="middle" fill="{TEXT}">{tick * 100:.0f}%</text>')
    parts.append(
        f'<text x="{label_w + bar_w / 2:.1f}" y="{axis_y + 30}" text-anchor="middle" fill="{TEXT}" font-weight="bold">{escape(x_label)}</text>'
    )
    parts.append("</svg>")
    return figure("".join(parts), caption)


def inline_bar(fraction: float, *, bad: bool = False, width: int = 120) -> str:
    """A bar the height of a line of text, for table cells."""
    fraction = min(max(fraction, 0.0), 1.0)
    color = BAD if bad else GOOD
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="10" role="img" data-chart="cell">'
        f'<rect width="{width}" height="10" fill="{GRID}"/><rect width="{width * fraction:.1f}" height="10" fill="{color}"/></svg>'
    )
