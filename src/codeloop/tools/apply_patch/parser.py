"""Patch text -> :class:`~codeloop.tools.apply_patch.model.Patch` (codex-rs ``parser.rs``).

The grammar (Codex's Lark grammar)::

    start: begin_patch hunk+ end_patch
    begin_patch: "*** Begin Patch" LF
    end_patch: "*** End Patch" LF?
    hunk: add_hunk | delete_hunk | update_hunk
    add_hunk: "*** Add File: " filename LF add_line+
    delete_hunk: "*** Delete File: " filename LF
    update_hunk: "*** Update File: " filename LF change_move? change?
    change_move: "*** Move to: " filename LF
    change: (change_context | change_line)+ eof_line?
    change_context: ("@@" | "@@ " /(.+)/) LF
    change_line: ("+" | "-" | " ") /(.+)/ LF
    eof_line: "*** End of File" LF

Like Codex (in its lenient mode) the parser also accepts: whitespace around the patch and around
the begin/end markers and file headers; a heredoc wrapper (``<<'EOF'`` ... ``EOF``, as a model
writes when it passes ``apply_patch <<'EOF' ...`` as one argument); blank lines between chunks; a
first chunk without its ``@@`` line; CRLF line ends. Beyond Codex, it accepts a leading byte-order
mark, any heredoc word (``<<'PATCH'``) and an ``apply_patch``/``applypatch`` prefix on the
heredoc line, trailing blanks after ``@@`` and ``*** End of File``, and several ``@@ context``
lines in a row (the documented way to narrow down a repeated block; Codex rejects the second
one). Zero hunks parse (the applier rejects them), as in Codex. Line numbers in errors count
lines of the text as given.
"""

from __future__ import annotations

import re

from codeloop.tools.apply_patch.errors import PatchParseError
from codeloop.tools.apply_patch.model import (
    AddFile,
    DeleteFile,
    Hunk,
    Patch,
    UpdateChunk,
    UpdateFile,
)

__all__ = [
    "ADD_FILE_MARKER",
    "BEGIN_PATCH_MARKER",
    "CHANGE_CONTEXT_MARKER",
    "DELETE_FILE_MARKER",
    "EMPTY_CHANGE_CONTEXT_MARKER",
    "END_OF_FILE_MARKER",
    "END_PATCH_MARKER",
    "MOVE_TO_MARKER",
    "UPDATE_FILE_MARKER",
    "parse_patch",
]

BEGIN_PATCH_MARKER = "*** Begin Patch"
END_PATCH_MARKER = "*** End Patch"
ADD_FILE_MARKER = "*** Add File: "
DELETE_FILE_MARKER = "*** Delete File: "
UPDATE_FILE_MARKER = "*** Update File: "
MOVE_TO_MARKER = "*** Move to: "
END_OF_FILE_MARKER = "*** End of File"
CHANGE_CONTEXT_MARKER = "@@ "
EMPTY_CHANGE_CONTEXT_MARKER = "@@"

_VALID_HEADERS = (
    "Valid hunk headers: '*** Add File: {path}', '*** Delete File: {path}', "
    "'*** Update File: {path}'"
)
_EMPTY_CHUNK = "Update hunk does not contain any lines"
_FIRST_LINE = f"The first line of the patch must be '{BEGIN_PATCH_MARKER}'"
_LAST_LINE = f"The last line of the patch must be '{END_PATCH_MARKER}'"

# `<<EOF`, `<<'EOF'`, `<<"EOF"` (any word), optionally `<<-` and an `apply_patch ` prefix.
_HEREDOC_START = re.compile(
    r"(?:(?:apply_patch|applypatch)\s+)?<<-?\s*(?:'(?P<sq>\w+)'|\"(?P<dq>\w+)\"|(?P<bare>\w+))"
)
_QUOTE_LIMIT = 200


def _quote(line: str) -> str:
    """A line for an error message, cut so one enormous line cannot flood the output."""
    if len(line) > _QUOTE_LIMIT:
        line = line[:_QUOTE_LIMIT] + "..."
    return f"'{line}'"


def parse_patch(text: str) -> Patch:
    """Parse patch text, raising :class:`PatchParseError` saying what is wrong and on which line."""
    _check_encodable(text)
    text = text.removeprefix("\ufeff")  # a byte-order mark from an editor
    stripped = text.strip()
    # Line number (1-based, in ``text``) of the first line of ``stripped``.
    first_number = text.count("\n", 0, len(text) - len(text.lstrip())) + 1
    lines = [line[:-1] if line.endswith("\r") else line for line in stripped.split("\n")]
    if not stripped:
        raise PatchParseError(
            f"the patch is empty; it must start with '{BEGIN_PATCH_MARKER}' "
            f"and end with '{END_PATCH_MARKER}'"
        )
    start, end = _boundaries(lines)
    return Patch(hunks=_Parser(lines, first_number).hunks(start, end))


def _check_encodable(text: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise PatchParseError(
            f"the patch text is not valid Unicode (lone surrogate at character {exc.start})"
        ) from None


def _strict_error(lines: list[str], start: int, end: int) -> str | None:
    """Why ``lines[start:end]`` is not framed by the begin/end markers, or ``None``."""
    first = lines[start].strip()
    last = lines[end - 1].strip()
    if end - start >= 2 and first == BEGIN_PATCH_MARKER and last == END_PATCH_MARKER:
        return None
    if first != BEGIN_PATCH_MARKER:
        return f"{_FIRST_LINE}, got: {_quote(first)}"
    return f"{_LAST_LINE}, got: {_quote(last)}"


def _boundaries(lines: list[str]) -> tuple[int, int]:
    """The slice of ``lines`` holding the hunks, after the markers (and a heredoc wrapper)."""
    error = _strict_error(lines, 0, len(lines))
    if error is None:
        return 1, len(lines) - 1
    if len(lines) >= 4:
        match = _HEREDOC_START.fullmatch(lines[0].strip())
        if match is not None:
            word = match["sq"] or match["dq"] or match["bare"]
            if lines[-1].rstrip().endswith(word):
                inner = _strict_error(lines, 1, len(lines) - 1)
                if inner is not None:
                    raise PatchParseError(inner)
                return 2, len(lines) - 2
    raise PatchParseError(error)


def _is_context_header(line: str) -> bool:
    return line.rstrip() == EMPTY_CHANGE_CONTEXT_MARKER or line.startswith(CHANGE_CONTEXT_MARKER)


class _Parser:
    """Walks the hunk lines; ``number(i)`` is the line number of ``lines[i]`` in the input."""

    def __init__(self, lines: list[str], first_number: int) -> None:
        self.lines = lines
        self.first_number = first_number

    def number(self, index: int) -> int:
        return self.first_number + index

    def error(self, message: str, index: int) -> PatchParseError:
        return PatchParseError(message, line_number=self.number(index))

    def hunks(self, start: int, end: int) -> list[Hunk]:
        hunks: list[Hunk] = []
        i = start
        while i < end:
            hunk, i = self.hunk(i, end)
            hunks.append(hunk)
        return hunks

    def hunk(self, i: int, end: int) -> tuple[Hunk, int]:
        lines = self.lines
        header = lines[i].strip()
        if header.startswith(ADD_FILE_MARKER):
            path = header[len(ADD_FILE_MARKER) :].strip()
            j = i + 1
            while j < end and lines[j].startswith("+"):
                j += 1
            contents = "".join(line[1:] + "\n" for line in lines[i + 1 : j])
            return AddFile(path=path, contents=contents), j
        if header.startswith(DELETE_FILE_MARKER):
            return DeleteFile(path=header[len(DELETE_FILE_MARKER) :].strip()), i + 1
        if header.startswith(UPDATE_FILE_MARKER):
            return self.update(i, end, header[len(UPDATE_FILE_MARKER) :].strip())
        raise self.error(f"{_quote(header)} is not a valid hunk header. {_VALID_HEADERS}", i)

    def update(self, i: int, end: int, path: str) -> tuple[UpdateFile, int]:
        lines = self.lines
        j = i + 1
        move_path: str | None = None
        if j < end:
            candidate = lines[j].strip()
            if candidate.startswith(MOVE_TO_MARKER):
                move_path = candidate[len(MOVE_TO_MARKER) :].strip()
                j += 1
            elif candidate == MOVE_TO_MARKER.rstrip():
                raise self.error(f"'{MOVE_TO_MARKER.rstrip()}' needs a destination path", j)
        chunks: list[UpdateChunk] = []
        while j < end:
            line = lines[j]
            if not line.strip():  # blank lines may separate chunks
                j += 1
                continue
            if line.startswith("*"):
                break
            chunk, j = self.chunk(j, end, allow_missing_context=not chunks)
            chunks.append(chunk)
        if not chunks:
            raise self.error(f"Update file hunk for path '{path}' is empty", i)
        return UpdateFile(path=path, move_path=move_path, chunks=chunks), j

    def chunk(self, j: int, end: int, *, allow_missing_context: bool) -> tuple[UpdateChunk, int]:
        lines = self.lines
        first = lines[j]
        context: str | None = None
        if first.rstrip() == EMPTY_CHANGE_CONTEXT_MARKER:
            k = j + 1
        elif first.startswith(CHANGE_CONTEXT_MARKER):
            context = first[len(CHANGE_CONTEXT_MARKER) :]
            if not context.strip():
                context = None
            k = j + 1
        elif allow_missing_context:
            k = j
        else:
            raise self.error(
                f"Expected update hunk to start with a @@ context marker, got: {_quote(first)}", j
            )
        if k >= end:
            raise self.error(_EMPTY_CHUNK, k)
        if k > j and _is_context_header(lines[k]):
            # `@@ class A` directly followed by `@@ def f():`: only moves the cursor.
            return UpdateChunk(change_context=context, old_lines=[], new_lines=[]), k

        old: list[str] = []
        new: list[str] = []
        pairs: list[tuple[int, int]] = []
        is_end_of_file = False
        parsed = 0
        while k < end:
            line = lines[k]
            tag = line[:1]
            if tag == "*" and line.rstrip() == END_OF_FILE_MARKER:
                if parsed == 0:
                    raise self.error(_EMPTY_CHUNK, k)
                is_end_of_file = True
                k += 1
                break
            if tag in ("", " "):
                pairs.append((len(old), len(new)))
                old.append(line[1:])
                new.append(line[1:])
            elif tag == "+":
                new.append(line[1:])
            elif tag == "-":
                old.append(line[1:])
            else:
                if parsed == 0:
                    raise self.error(
                        f"Unexpected line found in update hunk: {_quote(line)}. Every line should "
                        "start with ' ' (context line), '+' (added line), or '-' (removed line)",
                        k,
                    )
                break  # the start of the next chunk or hunk
            parsed += 1
            k += 1
        chunk = UpdateChunk(
            change_context=context,
            old_lines=old,
            new_lines=new,
            is_end_of_file=is_end_of_file,
            context_line_indices=pairs,
        )
        return chunk, k
