"""Unified diffs of a planned change, for approval prompts and events.

The output is what ``difflib.unified_diff`` prints, without its ``---``/``+++`` header (Codex's
diffs have none either), with ``\\ No newline at end of file`` after an unterminated last line.
Running ``difflib`` on whole files is far too slow for large ones (minutes for 200,000 lines), and
needless: the applier knows which spans changed. So only each changed span, with its context
lines, is compared: with ``difflib.SequenceMatcher`` when its old and new lines share a line (so
``-x``/``+x`` shows as context), else directly as one replacement, which is what difflib would say.
"""

from __future__ import annotations

from difflib import SequenceMatcher
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterator

    from codeloop.tools.apply_patch.textfile import Edit, TextFile

__all__ = ["DEFAULT_CONTEXT", "unified_diff"]

#: Context lines around each change; Codex's apply_patch diffs use 1.
DEFAULT_CONTEXT = 1
#: Above this many old x new lines in one span, skip SequenceMatcher (quadratic) and say replace.
_MATCHER_LIMIT = 250_000
_NO_NEWLINE = "\\ No newline at end of file\n"

_Opcode = tuple[str, int, int, int, int]


def unified_diff(
    old: TextFile, new: TextFile, edits: list[Edit], context: int = DEFAULT_CONTEXT
) -> str:
    """The hunks (``@@ -a,b +c,d @@`` and lines) turning ``old`` into ``new``.

    ``edits`` are the changed spans, sorted; lines outside them must be equal in both files.
    """
    out: list[str] = []
    for window in _windows(edits, context):
        a0, a1 = max(0, window[0][0] - context), min(len(old.lines), window[-1][1] + context)
        b0, b1 = window[0][2] - (window[0][0] - a0), window[-1][3] + (a1 - window[-1][1])
        for group in _groups(old, new, window, (a0, a1, b0, b1), context):
            _format_group(old, new, group, out)
    return "".join(out)


def _windows(edits: list[Edit], context: int) -> Iterator[list[Edit]]:
    """Edits grouped so that those sharing context lines form one hunk."""
    window: list[Edit] = []
    for edit in edits:
        if window and edit[0] - window[-1][1] > 2 * context:
            yield window
            window = []
        window.append(edit)
    if window:
        yield window


def _groups(
    old: TextFile,
    new: TextFile,
    window: list[Edit],
    span: tuple[int, int, int, int],
    context: int,
) -> list[list[_Opcode]]:
    a0, a1, b0, b1 = span
    shared = any(
        not {old.raw_line(i) for i in range(e[0], e[1])}.isdisjoint(
            new.raw_line(j) for j in range(e[2], e[3])
        )
        for e in window
        if e[1] > e[0] and e[3] > e[2]
    )
    if shared and (a1 - a0) * (b1 - b0) <= _MATCHER_LIMIT:
        a = [old.raw_line(i) for i in range(a0, a1)]
        b = [new.raw_line(j) for j in range(b0, b1)]
        matcher = SequenceMatcher(None, a, b, autojunk=False)
        return [
            [(tag, i1 + a0, i2 + a0, j1 + b0, j2 + b0) for tag, i1, i2, j1, j2 in group]
            for group in matcher.get_grouped_opcodes(context)
        ]
    opcodes: list[_Opcode] = []
    i, j = a0, b0
    for e0, e1, f0, f1 in window:
        start_a, start_b = e0, f0
        if e0 > i:
            opcodes.append(("equal", i, e0, j, f0))
        elif opcodes and opcodes[-1][0] != "equal":  # touching edits: one block, as difflib
            start_a, start_b = opcodes.pop()[1::2]
        grows, shrinks = f1 > start_b, e1 > start_a
        tag = "replace" if grows and shrinks else "delete" if shrinks else "insert"
        opcodes.append((tag, start_a, e1, start_b, f1))
        i, j = e1, f1
    if a1 > i:
        opcodes.append(("equal", i, a1, j, b1))
    return [opcodes]


def _format_range(start: int, stop: int) -> str:
    """A ``@@`` range as ``difflib`` writes it (``3``, ``3,2``, ``2,0`` for empty after line 2)."""
    beginning, length = start + 1, stop - start
    if length == 1:
        return str(beginning)
    if not length:
        beginning -= 1
    return f"{beginning},{length}"


def _format_group(old: TextFile, new: TextFile, group: list[_Opcode], out: list[str]) -> None:
    first, last = group[0], group[-1]
    out.append(f"@@ -{_format_range(first[1], last[2])} +{_format_range(first[3], last[4])} @@\n")
    for tag, i1, i2, j1, j2 in group:
        if tag == "equal":
            _emit(" ", old, i1, i2, out)
            continue
        if tag in ("replace", "delete"):
            _emit("-", old, i1, i2, out)
        if tag in ("replace", "insert"):
            _emit("+", new, j1, j2, out)


def _emit(prefix: str, text: TextFile, start: int, stop: int, out: list[str]) -> None:
    for i in range(start, stop):
        out.append(f"{prefix}{text.lines[i]}\n")
        if not text.endings[i]:
            out.append(_NO_NEWLINE)
