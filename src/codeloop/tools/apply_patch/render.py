""":class:`~codeloop.tools.apply_patch.model.Patch` -> patch text: the inverse of parsing.

``parse_patch(render_patch(p)) == p`` holds for every patch the parser can produce. A hand-built
patch round-trips too as long as its text fits in lines: paths without surrounding whitespace or
line breaks, ``AddFile.contents`` empty or ending with ``\\n``, no ``\\r``/``\\n`` inside lines,
a ``change_context`` that is not blank, and no chunk without lines except one followed by another.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from codeloop.tools.apply_patch.model import AddFile, DeleteFile, UpdateChunk, UpdateFile
from codeloop.tools.apply_patch.parser import (
    ADD_FILE_MARKER,
    BEGIN_PATCH_MARKER,
    CHANGE_CONTEXT_MARKER,
    DELETE_FILE_MARKER,
    EMPTY_CHANGE_CONTEXT_MARKER,
    END_OF_FILE_MARKER,
    END_PATCH_MARKER,
    MOVE_TO_MARKER,
    UPDATE_FILE_MARKER,
)

if TYPE_CHECKING:
    from codeloop.tools.apply_patch.model import Patch

__all__ = ["context_pairs", "render_patch"]


def render_patch(patch: Patch) -> str:
    """The patch as text, ``*** Begin Patch`` to ``*** End Patch``, ending with a newline."""
    out = [BEGIN_PATCH_MARKER]
    for hunk in patch.hunks:
        if isinstance(hunk, AddFile):
            out.append(ADD_FILE_MARKER + hunk.path)
            body = hunk.contents[:-1] if hunk.contents.endswith("\n") else hunk.contents
            if hunk.contents:
                out.extend("+" + line for line in body.split("\n"))
        elif isinstance(hunk, DeleteFile):
            out.append(DELETE_FILE_MARKER + hunk.path)
        elif isinstance(hunk, UpdateFile):
            out.append(UPDATE_FILE_MARKER + hunk.path)
            if hunk.move_path is not None:
                out.append(MOVE_TO_MARKER + hunk.move_path)
            for chunk in hunk.chunks:
                _render_chunk(chunk, out)
    out.append(END_PATCH_MARKER)
    return "\n".join(out) + "\n"


def context_pairs(chunk: UpdateChunk) -> list[tuple[int, int]]:
    """``chunk.context_line_indices`` if they are consistent with its lines, else ``[]``.

    Consistent means increasing, in range, and naming equal lines on both sides; anything else
    (a hand-built chunk gone wrong) is treated as "no context lines known".
    """
    pairs = chunk.context_line_indices
    old, new = chunk.old_lines, chunk.new_lines
    last_old = last_new = -1
    for o, n in pairs:
        if not (last_old < o < len(old) and last_new < n < len(new)) or old[o] != new[n]:
            return []
        last_old, last_new = o, n
    return pairs


def _render_chunk(chunk: UpdateChunk, out: list[str]) -> None:
    if chunk.change_context is None:
        out.append(EMPTY_CHANGE_CONTEXT_MARKER)
    else:
        out.append(CHANGE_CONTEXT_MARKER + chunk.change_context)
    old, new = chunk.old_lines, chunk.new_lines
    o = n = 0
    for oc, nc in context_pairs(chunk):
        out.extend("-" + line for line in old[o:oc])
        out.extend("+" + line for line in new[n:nc])
        out.append(" " + old[oc])
        o, n = oc + 1, nc + 1
    out.extend("-" + line for line in old[o:])
    out.extend("+" + line for line in new[n:])
    if chunk.is_end_of_file:
        out.append(END_OF_FILE_MARKER)
