"""The parsed form of a patch in Codex's apply_patch format.

A :class:`Patch` is a list of hunks, one per file operation: :class:`AddFile`, :class:`DeleteFile`
or :class:`UpdateFile`, the last made of :class:`UpdateChunk` s (one per ``@@`` section). The
shapes follow codex-rs ``apply-patch/src/parser.rs`` so behaviour can be compared line by line.
Paths are kept as written (``str``): they are resolved against a working directory only when the
patch is planned.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypeAlias

__all__ = ["AddFile", "DeleteFile", "Hunk", "Patch", "UpdateChunk", "UpdateFile"]


@dataclass(frozen=True, slots=True)
class AddFile:
    """``*** Add File: path``: create (or overwrite) ``path`` with ``contents``.

    ``contents`` is the ``+`` lines, each followed by ``\\n`` (empty when there are none).
    """

    path: str
    contents: str


@dataclass(frozen=True, slots=True)
class DeleteFile:
    """``*** Delete File: path``: remove a file (never a directory)."""

    path: str


@dataclass(frozen=True, slots=True)
class UpdateChunk:
    """One ``@@`` section of an update: replace ``old_lines`` by ``new_lines``.

    ``change_context`` (the text after ``@@ ``) first moves the cursor to the line matching it;
    ``is_end_of_file`` anchors ``old_lines`` at the end of the file. ``context_line_indices``
    pairs the positions of context (`` ``) lines in ``old_lines`` and ``new_lines``: those lines
    are kept as they are in the file (so a fuzzily matched line keeps its own whitespace and line
    ending), and :func:`~codeloop.tools.apply_patch.render_patch` writes them back as context.
    Empty for chunks built by hand: then every old line is replaced.
    """

    change_context: str | None
    old_lines: list[str]
    new_lines: list[str]
    is_end_of_file: bool = False
    context_line_indices: list[tuple[int, int]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class UpdateFile:
    """``*** Update File: path``, maybe ``*** Move to: move_path``, and its chunks in order."""

    path: str
    move_path: str | None
    chunks: list[UpdateChunk]


Hunk: TypeAlias = AddFile | DeleteFile | UpdateFile


@dataclass(frozen=True, slots=True)
class Patch:
    """A whole ``*** Begin Patch`` ... ``*** End Patch`` block."""

    hunks: list[Hunk]
