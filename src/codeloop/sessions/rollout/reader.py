"""The rollout reader: a whole session file back as typed lines, tolerant of damage.

Each line is decoded on its own with a typed msgspec decoder (measured faster than decoding the
whole file as one JSON array), so one bad line costs only itself: it is skipped with a warning
naming the file and line number (DESIGN.md §6); a second, untyped decode says precisely why.
A last line without its newline is what a crash mid-write leaves; it is kept if it still decodes
and dropped with a warning if not. Only a missing or unreadable first ``session_meta`` line makes
the file unusable.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NoReturn

import msgspec

from codeloop.errors import SessionStorageError
from codeloop.protocol.rollout import RolloutLine, SessionMeta, SessionMetaLine

if TYPE_CHECKING:
    from pathlib import Path

__all__ = ["RolloutContents", "RolloutWarning", "read_rollout", "read_session_meta"]

_LINE_TYPES = frozenset({"session_meta", "response_item", "event_msg", "turn_context", "compacted"})
_line_decoder: msgspec.json.Decoder[RolloutLine] = msgspec.json.Decoder(RolloutLine)
_meta_decoder: msgspec.json.Decoder[SessionMetaLine] = msgspec.json.Decoder(SessionMetaLine)
_BAD_META_HINT = "the file is not a codeloop/Codex rollout or its first line is damaged"


@dataclass(frozen=True, slots=True)
class RolloutWarning:
    """A line that was skipped or repaired; ``str()`` reads ``path:line: message``."""

    path: Path
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


@dataclass(frozen=True, slots=True)
class RolloutContents:
    """A decoded rollout: the meta line, every later good line in order, and what was skipped."""

    path: Path
    meta_line: SessionMetaLine
    #: Every decoded line after the first (``session_meta``) one, in file order.
    lines: list[RolloutLine]
    warnings: list[RolloutWarning]

    @property
    def meta(self) -> SessionMeta:
        """The session's metadata (first line's payload)."""
        return self.meta_line.payload


def _explain(raw: bytes, exc: msgspec.DecodeError) -> str:
    """Why ``raw`` is not a rollout line, precisely: bad JSON, unknown type, or wrong shape."""
    try:
        obj: Any = msgspec.json.decode(raw)
    except msgspec.DecodeError as json_exc:
        return f"invalid JSON ({json_exc})"
    if not isinstance(obj, dict):
        return f"not a JSON object but {type(obj).__name__}"
    kind = obj.get("type")
    if kind not in _LINE_TYPES:
        return f"unknown line type {kind!r}"
    return f"{kind} line does not match the schema ({exc})"


def _read_bytes(path: Path) -> bytes:
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError as exc:
        raise SessionStorageError(
            f"cannot read rollout {path}: {exc.strerror or exc}",
        ) from exc


def read_rollout(path: Path) -> RolloutContents:
    """Decode ``path``. Raises :class:`SessionStorageError` if the file cannot be read or its
    first line is not a valid ``session_meta`` line; any other bad line becomes a warning."""
    data = _read_bytes(path)
    chunks = data.split(b"\n")
    tail = chunks.pop()  # b"" when the file ends with a newline (the normal case)
    warnings: list[RolloutWarning] = []

    decoded: list[RolloutLine] = []
    first_lineno = 0
    for lineno, raw in enumerate(chunks, 1):
        try:
            decoded.append(_line_decoder.decode(raw))
        except msgspec.DecodeError as exc:
            if not raw.strip():
                continue  # blank lines are harmless
            if not decoded:  # the first line must be a good session_meta line
                _raise_bad_meta(path, lineno, _explain(raw, exc))
            warnings.append(RolloutWarning(path, lineno, f"{_explain(raw, exc)}; line skipped"))
            continue
        if not first_lineno:
            first_lineno = lineno
    if tail.strip():
        lineno = len(chunks) + 1
        try:
            decoded.append(_line_decoder.decode(tail))
            warnings.append(RolloutWarning(path, lineno, "last line has no trailing newline; kept"))
        except msgspec.DecodeError:
            warnings.append(
                RolloutWarning(path, lineno, "truncated last line (interrupted write); ignored")
            )

    if not decoded:
        if tail.strip():
            _raise_bad_meta(path, 1, "the only line is truncated")
        raise SessionStorageError(f"rollout {path} is empty", hint=_BAD_META_HINT)
    first = decoded[0]
    if not isinstance(first, SessionMetaLine):
        _raise_bad_meta(path, first_lineno or 1, "first line is not session_meta")
    return RolloutContents(path=path, meta_line=first, lines=decoded[1:], warnings=warnings)


def _raise_bad_meta(path: Path, lineno: int, why: str) -> NoReturn:
    raise SessionStorageError(
        f"rollout {path}:{lineno}: no valid session_meta line: {why}", hint=_BAD_META_HINT
    )


def read_session_meta(path: Path) -> SessionMeta:
    """Only the first line's metadata: what listings need, without decoding the whole file."""
    try:
        with open(path, "rb") as f:
            first = f.readline()
    except OSError as exc:
        raise SessionStorageError(f"cannot read rollout {path}: {exc.strerror or exc}") from exc
    if not first.strip():
        raise SessionStorageError(f"rollout {path} is empty", hint=_BAD_META_HINT)
    try:
        return _meta_decoder.decode(first).payload
    except msgspec.DecodeError as exc:
        why = "truncated" if not first.endswith(b"\n") else _explain(first, exc)
        raise SessionStorageError(
            f"rollout {path}:1: no valid session_meta line: {why}", hint=_BAD_META_HINT
        ) from exc
