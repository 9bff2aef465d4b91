"""Text a submission controls, made safe to show anywhere: visible controls, bounded sizes.

Everything a runner sends that reaches a report (messages quoting exception types and code
lines, what the code printed) and every student id taken from a file name passes through here
once, on the trusted side, before any format sees it. Control characters become visible
escapes (ESC is the four characters ``\\x1b``), so no terminal, log viewer or page can be
cleared, recoloured, reordered or fed fake lines; each string is cut to a named limit, so one
submission's report stays small in every format. The formats keep their own escaping (HTML,
XML, workflow commands) on top of this.
"""

from __future__ import annotations

import hashlib
import re

MAX_MESSAGE_CHARS = 2000
"""A failure message (the runner cuts the exception's own message to the same size)."""
MAX_OUTPUT_CHARS = 16 << 10
"""What one exercise's code printed (the runner's proxy keeps 16 KiB of bytes)."""
MAX_WORD_CHARS = 200
"""A run of text without spaces inside a message: an exception type name, a dense code line."""
MAX_NAME_CHARS = 200
"""A student id, a dict key of a report."""
MAX_REPORT_TEXT_CHARS = 64 << 10
"""All student text of one report together. The costliest character takes 12 bytes in JSON
(a surrogate pair as ``\\ud83d\\ude00``), 6 in HTML (``&quot;``) and twice 6 in JUnit (the
failure's message attribute and text), so every format of one report stays under 1 MiB."""
MAX_REPORT_BYTES = 1 << 20
"""What the limits above guarantee for one submission's JSON, HTML and JUnit report."""

CUT = " …[cut]"

_INVISIBLE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f"  # C0 but \t and \n, DEL, C1 (U+009B is a one-byte CSI)
    "\u2028\u2029"  # line and paragraph separators: a new line to some viewers
    "\u202a-\u202e\u2066-\u2069"  # bidi embeddings, overrides and isolates: reorder what is shown
    "\ud800-\udfff]"  # lone surrogates (undecodable bytes of a file name): no encoder takes them
)
_INVISIBLE_IN_NAMES = re.compile(f"[\t\n]|{_INVISIBLE.pattern}")
_LONG_WORD = re.compile(rf"\S{{{MAX_WORD_CHARS + 1},}}")


def _escape(match: re.Match) -> str:
    code = ord(match.group())
    if code == 0x0D:
        return "\\r"
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text) -> str:
    """``text`` with every control, bidi and surrogate character written as an escape; ``\\n`` and ``\\t`` stay."""
    return _INVISIBLE.sub(_escape, str(text))


def cut(text: str, limit: int) -> str:
    """``text`` at most ``limit`` characters long, its head kept and the cut marked."""
    if len(text) <= limit:
        return text
    if limit <= len(CUT):
        return text[:limit]
    return text[: limit - len(CUT)] + CUT


def message(text) -> str:
    """A failure message as it may be shown: visible, no word over MAX_WORD_CHARS, at most MAX_MESSAGE_CHARS."""
    # Words first, so a 20 MB exception name does not push out the line after it; then the
    # size, so escaping never works on more than a few messages' worth.
    shown = visible(cut(_short_words(str(text)), 2 * MAX_MESSAGE_CHARS))
    return cut(_short_words(shown), MAX_MESSAGE_CHARS)


def _short_words(text: str) -> str:
    return _LONG_WORD.sub(lambda m: cut(m.group(), MAX_WORD_CHARS), text)


def output(text) -> str:
    """What a submission printed, as it may be shown: visible, at most MAX_OUTPUT_CHARS, and
    saying how much was left out when anything was."""
    text = str(text)
    shown = visible(text[:MAX_OUTPUT_CHARS])
    if len(text) <= MAX_OUTPUT_CHARS and len(shown) <= MAX_OUTPUT_CHARS:
        return shown
    note = f"\n... ({len(text) - MAX_OUTPUT_CHARS // 2} more characters not shown)"
    return visible(text[: MAX_OUTPUT_CHARS // 2])[: MAX_OUTPUT_CHARS - len(note)] + note


def name(text) -> str:
    """A student id or a dict key: one line, visible, at most MAX_NAME_CHARS.

    A longer name keeps its head and gains a hash of the whole, so two long names sharing a
    head stay two ids, and the same name gives the same id on every run (batches resume by id).
    """
    shown = _INVISIBLE_IN_NAMES.sub(_escape, str(text))
    if len(shown) <= MAX_NAME_CHARS:
        return shown
    digest = hashlib.sha256(str(text).encode("utf-8", "surrogateescape")).hexdigest()[:12]
    return f"{shown[: MAX_NAME_CHARS - 14]}…~{digest}"


def within_budget(texts: list[str], budget: int = MAX_REPORT_TEXT_CHARS) -> list[str]:
    """``texts`` cut so that together they hold at most ``budget`` characters.

    The longest are cut first, all to one length, so short messages survive a flood elsewhere.
    """
    if sum(map(len, texts)) <= budget:
        return list(texts)
    lengths = sorted(map(len, texts))
    spent, cap = 0, 0
    for index, length in enumerate(lengths):
        remaining = len(lengths) - index
        if spent + length * remaining > budget:
            cap = (budget - spent) // remaining
            break
        spent += length
    return [cut(text, cap) for text in texts]


def tree(value, *, key: str | None = None):
    """A report-shaped value from another process or a file: every key a ``name``, every string a
    ``message`` (an ``output`` under the key "output"); numbers, booleans and None as they are."""
    if isinstance(value, dict):
        return {name(k): tree(v, key=str(k)) for k, v in value.items()}
    if isinstance(value, list):
        return [tree(v, key=key) for v in value]
    if isinstance(value, str):
        return output(value) if key == "output" else message(value)
    return value
