"""An Update hunk's chunks applied to a file's text (codex-rs ``compute_replacements``).

Pure: text in, text out, no file system. Chunks apply in order, each searched from where the
previous one ended (never from the top again): ``@@ context`` first moves the cursor past the
line matching it; then ``old_lines`` are found (see :mod:`~codeloop.tools.apply_patch.seek`)
and replaced, keeping context lines as they are in the file. Two Codex details: when ``old_lines``
are not found and end with an empty line, the search is retried without it (it stood for the
file's final newline); a chunk with no old lines appends at the end of the file. One change from
Codex: such a pure addition after an ``@@ context`` line goes right after that line (Codex appends
at the end of the file even then, which is never what the author meant).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

from codeloop.tools.apply_patch.diff import DEFAULT_CONTEXT, unified_diff
from codeloop.tools.apply_patch.errors import STALE_CONTENT_HINT, PatchApplyError
from codeloop.tools.apply_patch.render import context_pairs
from codeloop.tools.apply_patch.seek import LineMatcher
from codeloop.tools.apply_patch.textfile import TextFile

if TYPE_CHECKING:
    from codeloop.tools.apply_patch.model import UpdateChunk
    from codeloop.tools.apply_patch.textfile import Replacement

__all__ = ["UpdatedText", "apply_chunks", "compute_replacements"]

_SHOWN_LINES = 8


@dataclass(frozen=True, slots=True)
class UpdatedText:
    """The result of :func:`apply_chunks`: the new text and its diff against the old."""

    new_text: str
    unified_diff: str


def apply_chunks(
    text: str, chunks: list[UpdateChunk], path: str, *, diff_context: int = DEFAULT_CONTEXT
) -> UpdatedText:
    """``text`` with ``chunks`` applied; ``path`` only names the file in errors."""
    old = TextFile.parse(text)
    replacements = compute_replacements(old.lines, chunks, path)
    new, edits = old.apply(replacements)
    return UpdatedText(new.text(), unified_diff(old, new, edits, diff_context))


def compute_replacements(
    lines: list[str], chunks: list[UpdateChunk], path: str
) -> list[Replacement]:
    """Where each chunk applies, as sorted ``(start, old_len, new_lines)`` replacements."""
    matcher = LineMatcher(lines)
    replacements: list[Replacement] = []
    cursor = 0
    total = len(chunks)
    for number, chunk in enumerate(chunks, 1):
        where = f"chunk {number} of {total}" if total > 1 else "the only chunk"
        if chunk.change_context is not None:
            found = matcher.seek([chunk.change_context], cursor)
            if found is None:
                raise PatchApplyError(
                    f"Failed to find context '{chunk.change_context}' in {path} ({where})",
                    path=path,
                    hint=STALE_CONTENT_HINT,
                )
            cursor = found + 1

        if not chunk.old_lines:
            if chunk.new_lines:
                at = cursor if chunk.change_context is not None else len(lines)
                replacements.append((at, 0, list(chunk.new_lines)))
            continue

        pattern, new_lines = chunk.old_lines, chunk.new_lines
        start = matcher.seek(pattern, cursor, chunk.is_end_of_file)
        if start is None and pattern[-1] == "":
            # The trailing empty line stood for the file's final newline: retry without it.
            pattern = pattern[:-1]
            if new_lines and new_lines[-1] == "":
                new_lines = new_lines[:-1]
            start = matcher.seek(pattern, cursor, chunk.is_end_of_file)
        if start is None:
            raise PatchApplyError(
                _not_found(chunk, path, where), path=path, hint=STALE_CONTENT_HINT
            )
        _split_around_context(chunk, start, pattern, new_lines, replacements)
        cursor = start + len(pattern)

    replacements.sort(key=_start)  # stable: insertions at one spot keep the patch's order
    return replacements


def _split_around_context(
    chunk: UpdateChunk,
    start: int,
    pattern: list[str],
    new_lines: list[str],
    out: list[Replacement],
) -> None:
    """Replace the matched lines, but leave the chunk's context lines untouched in the file."""
    old_at = new_at = 0
    for old_ctx, new_ctx in context_pairs(chunk):
        if old_ctx >= len(pattern) or new_ctx >= len(new_lines):
            break  # the trailing empty context line dropped by the retry above
        if old_at != old_ctx or new_at != new_ctx:
            out.append((start + old_at, old_ctx - old_at, new_lines[new_at:new_ctx]))
        old_at, new_at = old_ctx + 1, new_ctx + 1
    if old_at != len(pattern) or new_at != len(new_lines):
        out.append((start + old_at, len(pattern) - old_at, new_lines[new_at:]))


def _not_found(chunk: UpdateChunk, path: str, where: str) -> str:
    shown = chunk.old_lines[:_SHOWN_LINES]
    lines = ", ".join(json.dumps(line, ensure_ascii=False) for line in shown)
    more = len(chunk.old_lines) - len(shown)
    if more:
        lines += f", ... ({more} more)"
    anchor = " at the end of the file" if chunk.is_end_of_file else ""
    return f"Failed to find expected lines{anchor} in {path} ({where}): [{lines}]"


def _start(replacement: Replacement) -> int:
    return replacement[0]
