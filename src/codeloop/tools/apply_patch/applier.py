"""Planning a patch against a directory, and writing the plan (codex-rs ``lib.rs``).

:func:`plan_patch` computes every file's new contents and diff without writing anything (what
an approval prompt shows); :func:`apply_planned` writes such a plan; :func:`apply_patch` does both
hunk by hunk, as Codex's ``apply_patch`` does, so a failure part-way leaves the earlier hunks'
changes in place (conformance scenario 015) and says which they were.

Hunks are planned in order against a view of the directory that includes the plan's own earlier
changes, so ``Add File: a`` then ``Update File: a`` works. Paths are relative to ``cwd`` unless
absolute. Files are read and written as UTF-8 bytes (line endings kept); a file that is not
UTF-8 cannot be updated (it can be deleted or overwritten). Every failure, including I/O errors
such as permission denied or a directory where a file is expected, is a :class:`PatchApplyError`
naming the file.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

from codeloop.tools.apply_patch.diff import DEFAULT_CONTEXT, unified_diff
from codeloop.tools.apply_patch.errors import PatchApplyError
from codeloop.tools.apply_patch.model import AddFile, DeleteFile, Patch, UpdateFile
from codeloop.tools.apply_patch.parser import parse_patch
from codeloop.tools.apply_patch.textfile import TextFile
from codeloop.tools.apply_patch.update import apply_chunks

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Sequence

    from codeloop.protocol.events import FileChange as ProtocolFileChange
    from codeloop.tools.apply_patch.model import Hunk

__all__ = [
    "SUMMARY_HEADER",
    "ApplyPatchResult",
    "ChangeKind",
    "FileChange",
    "apply_patch",
    "apply_planned",
    "changes_to_protocol",
    "format_summary",
    "plan_patch",
]

SUMMARY_HEADER = "Success. Updated the following files:"
NO_FILES_MODIFIED = "No files were modified."
_NO_HUNKS_HINT = "the patch has no Add/Delete/Update File hunk"
_MISSING_HINT = "check the path: relative paths are resolved against the working directory"


class ChangeKind(StrEnum):
    ADD = "add"
    UPDATE = "update"
    DELETE = "delete"


_LETTERS = {ChangeKind.ADD: "A", ChangeKind.UPDATE: "M", ChangeKind.DELETE: "D"}


@dataclass(frozen=True, slots=True)
class FileChange:
    """One file's planned change.

    ``path``/``move_path`` are as written in the patch; ``abs_path``/``abs_move_path`` resolved
    against the working directory. ``old_content`` is the text replaced (``None`` for a new file,
    or a deleted/overwritten file that is not UTF-8); ``new_content`` the text written (``None``
    for a delete). ``unified_diff`` shows the change (hunks only, see :mod:`.diff`).
    """

    kind: ChangeKind
    path: str
    abs_path: Path
    unified_diff: str
    old_content: str | None = None
    new_content: str | None = None
    move_path: str | None = None
    abs_move_path: Path | None = None

    @property
    def display_path(self) -> str:
        """The path the summary names: the destination of a move."""
        return self.move_path if self.move_path is not None else self.path

    @property
    def summary_letter(self) -> str:
        return _LETTERS[self.kind]

    def to_protocol(self) -> ProtocolFileChange:
        """As the protocol's ``FileChange`` (content for adds and deletes, the diff for updates)."""
        from codeloop.protocol.events import FileChange as ProtocolFileChange

        if self.kind is ChangeKind.UPDATE:
            move = str(self.abs_move_path) if self.abs_move_path is not None else None
            return ProtocolFileChange(kind="update", diff=self.unified_diff, move_path=move)
        if self.kind is ChangeKind.ADD:
            return ProtocolFileChange(kind="add", diff=self.new_content or "")
        return ProtocolFileChange(kind="delete", diff=self.old_content or "")


@dataclass(frozen=True, slots=True)
class ApplyPatchResult:
    """What was written, in order, and Codex's summary (``Success. Updated the following ...``)."""

    changes: list[FileChange]
    summary: str


def format_summary(changes: Iterable[FileChange]) -> str:
    """Codex's success text: added, then modified, then deleted files, one per line."""
    changes = list(changes)
    lines = [SUMMARY_HEADER]
    for kind in (ChangeKind.ADD, ChangeKind.UPDATE, ChangeKind.DELETE):
        lines += [f"{_LETTERS[kind]} {c.display_path}" for c in changes if c.kind is kind]
    return "\n".join(lines) + "\n"


def changes_to_protocol(changes: Iterable[FileChange]) -> dict[str, ProtocolFileChange]:
    """The protocol's ``changes`` map (absolute path -> change), as approval and events use."""
    return {str(c.abs_path): c.to_protocol() for c in changes}


# -- planning -----------------------------------------------------------------------------------


def plan_patch(
    patch: str | Patch, cwd: str | os.PathLike[str], *, diff_context: int = DEFAULT_CONTEXT
) -> list[FileChange]:
    """Every change ``patch`` would make under ``cwd``, computed without writing anything.

    Raises :class:`PatchParseError` or :class:`PatchApplyError` (an empty patch is one).
    """
    return list(_plan(patch, cwd, diff_context))


def _plan(
    patch: str | Patch, cwd: str | os.PathLike[str], diff_context: int
) -> Iterator[FileChange]:
    parsed = parse_patch(patch) if isinstance(patch, str) else patch
    if not parsed.hunks:
        raise PatchApplyError(NO_FILES_MODIFIED, hint=_NO_HUNKS_HINT)
    view = _DirectoryView(cwd, diff_context)
    for hunk in parsed.hunks:
        yield view.plan(hunk)


_DELETED = None  # an overlay entry for a path removed earlier in the plan


class _DirectoryView:
    """The directory as the plan so far would leave it: the disk plus an overlay of changes."""

    def __init__(self, cwd: str | os.PathLike[str], diff_context: int) -> None:
        try:
            self.cwd = Path(os.path.abspath(cwd))
        except (OSError, ValueError) as exc:
            raise PatchApplyError(f"Invalid working directory {os.fsdecode(cwd)!r}: {exc}") from exc
        self.diff_context = diff_context
        self.overlay: dict[str, str | None] = {}

    def resolve(self, path: str) -> tuple[Path, str]:
        """The absolute path, and the key the overlay knows it by."""
        absolute = self.cwd / path
        return absolute, os.path.normpath(absolute)

    def plan(self, hunk: Hunk) -> FileChange:
        if isinstance(hunk, AddFile):
            return self._add(hunk)
        if isinstance(hunk, DeleteFile):
            return self._delete(hunk)
        return self._update(hunk)

    def _add(self, hunk: AddFile) -> FileChange:
        absolute, key = self.resolve(hunk.path)
        self._check_parents(hunk.path, absolute)
        old = self._existing_for_write(hunk.path, absolute, key)
        self.overlay[key] = hunk.contents
        return FileChange(
            kind=ChangeKind.ADD,
            path=hunk.path,
            abs_path=absolute,
            unified_diff=_whole_diff(old, hunk.contents, self.diff_context),
            old_content=old,
            new_content=hunk.contents,
        )

    def _delete(self, hunk: DeleteFile) -> FileChange:
        absolute, key = self.resolve(hunk.path)
        what = f"Failed to delete file {hunk.path}"
        if key in self.overlay:
            old = self.overlay[key]
            if old is _DELETED:
                raise PatchApplyError(
                    f"{what}: No such file or directory", path=hunk.path, hint=_MISSING_HINT
                )
        else:
            st = _lstat(absolute, what, hunk.path)
            if st is None:
                raise PatchApplyError(
                    f"{what}: No such file or directory", path=hunk.path, hint=_MISSING_HINT
                )
            if stat.S_ISDIR(st.st_mode):
                raise PatchApplyError(f"{what}: Is a directory", path=hunk.path)
            old = _read_best_effort(absolute)
        self.overlay[key] = _DELETED
        return FileChange(
            kind=ChangeKind.DELETE,
            path=hunk.path,
            abs_path=absolute,
            unified_diff=_whole_diff(old, None, self.diff_context),
            old_content=old,
        )

    def _update(self, hunk: UpdateFile) -> FileChange:
        absolute, key = self.resolve(hunk.path)
        text = self._read_for_update(hunk.path, absolute, key)
        updated = apply_chunks(text, hunk.chunks, hunk.path, diff_context=self.diff_context)
        abs_move: Path | None = None
        if hunk.move_path is not None:
            abs_move, move_key = self.resolve(hunk.move_path)
            self._check_parents(hunk.move_path, abs_move)
            self._existing_for_write(hunk.move_path, abs_move, move_key)
            if move_key != key:
                self.overlay[key] = _DELETED
            self.overlay[move_key] = updated.new_text
        else:
            self.overlay[key] = updated.new_text
        return FileChange(
            kind=ChangeKind.UPDATE,
            path=hunk.path,
            abs_path=absolute,
            unified_diff=updated.unified_diff,
            old_content=text,
            new_content=updated.new_text,
            move_path=hunk.move_path,
            abs_move_path=abs_move,
        )

    def _read_for_update(self, path: str, absolute: Path, key: str) -> str:
        what = f"Failed to read file to update {path}"
        if key in self.overlay:
            content = self.overlay[key]
            if content is _DELETED:
                raise PatchApplyError(
                    f"{what}: No such file or directory", path=path, hint=_MISSING_HINT
                )
            return content
        try:
            st = os.stat(absolute)
        except FileNotFoundError:
            raise PatchApplyError(
                f"{what}: No such file or directory", path=path, hint=_MISSING_HINT
            ) from None
        except (OSError, ValueError) as exc:
            raise PatchApplyError(f"{what}: {_reason(exc)}", path=path) from exc
        if stat.S_ISDIR(st.st_mode):
            raise PatchApplyError(f"{what}: Is a directory", path=path)
        if not stat.S_ISREG(st.st_mode):
            raise PatchApplyError(f"{what}: not a regular file", path=path)
        data = _read_bytes(absolute, what, path)
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise PatchApplyError(
                f"{what}: not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
                "apply_patch only edits UTF-8 text files",
                path=path,
                hint="edit this file another way (it may be binary)",
            ) from None

    def _existing_for_write(self, path: str, absolute: Path, key: str) -> str | None:
        """The text a write to ``path`` would replace (``None`` if none); refuses directories."""
        if key in self.overlay:
            return self.overlay[key]
        what = f"Failed to write file {path}"
        st = _lstat(absolute, what, path)
        if st is None:
            return None
        if stat.S_ISDIR(st.st_mode):
            raise PatchApplyError(f"{what}: Is a directory", path=path)
        return _read_best_effort(absolute)

    def _check_parents(self, path: str, absolute: Path) -> None:
        """Refuse early when a parent folder would have to be created where a file is."""
        for parent in absolute.parents:
            _, key = self.resolve(str(parent))
            if key in self.overlay:
                if self.overlay[key] is not _DELETED:
                    raise PatchApplyError(
                        f"Failed to create parent directories for {path}: {parent} is a file",
                        path=path,
                    )
                continue
            try:
                st = os.stat(parent)
            except FileNotFoundError:
                continue
            except (OSError, ValueError):
                return  # let the write report it
            if not stat.S_ISDIR(st.st_mode):
                raise PatchApplyError(
                    f"Failed to create parent directories for {path}: {parent} is not a directory",
                    path=path,
                )
            return


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc) or type(exc).__name__


def _lstat(absolute: Path, what: str, path: str) -> os.stat_result | None:
    try:
        return os.lstat(absolute)
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise PatchApplyError(f"{what}: {_reason(exc)}", path=path) from exc


def _read_bytes(absolute: Path, what: str, path: str) -> bytes:
    try:
        with open(absolute, "rb") as handle:
            return handle.read()
    except (OSError, ValueError) as exc:
        raise PatchApplyError(f"{what}: {_reason(exc)}", path=path) from exc


def _read_best_effort(absolute: Path) -> str | None:
    """A regular file's text for display, or ``None`` (not UTF-8, unreadable, not a file)."""
    try:
        if not stat.S_ISREG(os.stat(absolute).st_mode):
            return None
        with open(absolute, "rb") as handle:
            return handle.read().decode("utf-8")
    except (OSError, ValueError):  # UnicodeDecodeError is a ValueError
        return None


def _whole_diff(old: str | None, new: str | None, context: int) -> str:
    before, after = TextFile.parse(old or ""), TextFile.parse(new or "")
    if not before.lines and not after.lines:
        return ""
    edits = [(0, len(before.lines), 0, len(after.lines))]
    return unified_diff(before, after, edits, context)


# -- writing ------------------------------------------------------------------------------------


def apply_planned(changes: Sequence[FileChange]) -> ApplyPatchResult:
    """Write planned changes in order. On a failure the earlier ones stay written, and the
    :class:`PatchApplyError` lists them."""
    if not changes:
        raise PatchApplyError(NO_FILES_MODIFIED, hint=_NO_HUNKS_HINT)
    done: list[FileChange] = []
    for change in changes:
        try:
            _write_change(change)
        except PatchApplyError as exc:
            raise exc.with_applied(tuple(done)) from exc.__cause__
        done.append(change)
    return ApplyPatchResult(changes=done, summary=format_summary(done))


def apply_patch(
    patch: str | Patch, cwd: str | os.PathLike[str], *, diff_context: int = DEFAULT_CONTEXT
) -> ApplyPatchResult:
    """Parse, plan and write ``patch`` under ``cwd``, hunk by hunk (see the module doc)."""
    done: list[FileChange] = []
    try:
        for change in _plan(patch, cwd, diff_context):
            _write_change(change)
            done.append(change)
    except PatchApplyError as exc:
        raise exc.with_applied(tuple(done)) from exc.__cause__
    return ApplyPatchResult(changes=done, summary=format_summary(done))


def _write_change(change: FileChange) -> None:
    if change.kind is ChangeKind.DELETE:
        try:
            os.remove(change.abs_path)
        except (OSError, ValueError) as exc:
            raise PatchApplyError(
                f"Failed to delete file {change.path}: {_reason(exc)}", path=change.path
            ) from exc
        return
    content = change.new_content or ""
    if change.kind is ChangeKind.ADD or change.abs_move_path is None:
        _write_file(change.abs_path, content, change.path)
        return
    # A move: write the destination, keep the source's permissions, then remove the source.
    assert change.move_path is not None
    _write_file(change.abs_move_path, content, change.move_path)
    try:
        same = os.path.samefile(change.abs_path, change.abs_move_path)
        if not same:
            os.chmod(change.abs_move_path, stat.S_IMODE(os.stat(change.abs_path).st_mode))
            os.remove(change.abs_path)
    except (OSError, ValueError) as exc:
        raise PatchApplyError(
            f"Failed to remove original {change.path}: {_reason(exc)}", path=change.path
        ) from exc


def _write_file(absolute: Path, content: str, path: str) -> None:
    try:
        data = content.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise PatchApplyError(f"Failed to write file {path}: {exc}", path=path) from exc
    parent = absolute.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except (OSError, ValueError) as exc:
        raise PatchApplyError(
            f"Failed to create parent directories for {path}: {_reason(exc)}", path=path
        ) from exc
    try:
        with open(absolute, "wb") as handle:
            handle.write(data)
    except (OSError, ValueError) as exc:
        raise PatchApplyError(f"Failed to write file {path}: {_reason(exc)}", path=path) from exc
