"""Small inline SVG charts: no JavaScript, no fonts, no network, so reports read offline.

Every label is escaped; every chart carries ``data-chart="<name>"`` and a ``<title>`` (what a
screen reader announces and what tests look for).
"""

from __future__ import annotations

from html import escape

BAR = "#4c78a8"
BAD = "#e45756"
GOOD = "#54a24b"
GRID = "#dddddd"
TEXT = "#222222"


def _number(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def histogram(name: str, caption: str, labels: list[str], counts: list[int], *, width: int = 640, height: int = 240) -> str:
    """Vertical bars, one per label (e.g. score ranges), with the count above each."""
    left, bottom, top = 36, 36, 20
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
    parts.append("</svg>")
    return "".join(parts)


def horizontal_bars(name: str, caption: str, rows: list[tuple[str, float, str]], *, bad: bool = False, width: int = 640) -> str:
    """One bar per row: (label, fraction in [0, 1], text shown after the bar)."""
    label_w, bar_w, row_h = 200, width - 200 - 90, 20
    height = row_h * len(rows) + 10
    color = BAD if bad else BAR
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" data-chart="{escape(name)}" role="img" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" font-family="sans-serif" font-size="11">',
        f"<title>{escape(caption)}</title>",
    ]
    for i, (label, fraction, text) in enumerate(rows):
        y = 5 + i * row_h
        fraction = min(max(fraction, 0.0), 1.0)
        shown = label if len(label) <= 32 else label[:31] + "…"
        parts.append(f'<text x="{label_w - 6}" y="{y + 14}" text-anchor="end" fill="{TEXT}">{escape(shown)}</text>')
        parts.append(f'<rect x="{label_w}" y="{y + 3}" width="{bar_w}" height="{row_h - 6}" fill="{GRID}"/>')
        parts.append(
            f'<rect x="{label_w}" y="{y + 3}" width="{bar_w * fraction:.1f}" height="{row_h - 6}" fill="{color}">'
            f"<title>{escape(label)}: {escape(text)}</title></rect>"
        )
        parts.append(f'<text x="{label_w + bar_w + 6}" y="{y + 14}" fill="{TEXT}">{escape(text)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def inline_bar(fraction: float, *, bad: bool = False, width: int = 120) -> str:
    """A bar the height of a line of text, for table cells."""
    fraction = min(max(fraction, 0.0), 1.0)
    color = BAD if bad else GOOD
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="10" role="img" data-chart="cell">'
        f'<rect width="{width}" height="10" fill="{GRID}"/><rect width="{width * fraction:.1f}" height="10" fill="{color}"/></svg>'
    )
