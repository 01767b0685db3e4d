"""The rollout writer: every item that matters for resuming, on disk before it is shown.

Each line is encoded, then written with a single ``os.write`` on an ``O_APPEND`` descriptor, so the
kernel holds it before :meth:`RolloutRecorder.record` returns: a crash of this process (even
SIGKILL) loses at most the line being written, never a line already recorded, and never leaves a
half line followed by more lines. Durability against a power cut is the job of ``fsync``, which is
paid at turn ends by default (``fsync="turn_end"``), after every line (``"always"``), or only on
close (``"never"``).

The file is created, with its ``session_meta`` line, when the recorder is: a session that exists
has a file. Folders are created 0700 and the file 0600, since rollouts hold private code.
"""

from __future__ import annotations

import contextlib
import errno
import os
import threading
from datetime import datetime
from typing import TYPE_CHECKING, Literal, Self, TypeAlias, get_args

import msgspec

from codeloop.errors import SessionStorageError
from codeloop.protocol.events import (
    Error,
    Event,
    EventMsg,
    ShutdownComplete,
    TurnAborted,
    TurnComplete,
)
from codeloop.protocol.items import ResponseItem
from codeloop.protocol.rollout import (
    CompactedItem,
    CompactedLine,
    EventMsgLine,
    GitInfo,
    ResponseItemLine,
    SessionMeta,
    SessionMetaLine,
    SessionSource,
    TurnContext,
    TurnContextLine,
)
from codeloop.sessions.rollout.ids import new_session_id, utc_timestamp
from codeloop.sessions.rollout.paths import rollout_path, sessions_dir
from codeloop.sessions.rollout.policy import EventPersistenceMode, persisted_event_types

if TYPE_CHECKING:
    from collections.abc import Iterable
    from pathlib import Path
    from types import TracebackType

__all__ = ["FsyncPolicy", "RolloutItem", "RolloutRecorder", "new_session_meta"]

#: When the recorder calls ``fsync``: after every line, when a turn ends (or fails), or never
#: (the data still reaches the kernel at once; only a power cut can lose it).
FsyncPolicy = Literal["always", "turn_end", "never"]

#: What :meth:`RolloutRecorder.record` accepts. An :class:`Event` is recorded as its ``msg``.
RolloutItem: TypeAlias = ResponseItem | EventMsg | Event | TurnContext | CompactedItem

_DIR_MODE = 0o700
_FILE_MODE = 0o600
_OPEN_NEW = os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC
_OPEN_EXISTING = os.O_RDWR | os.O_APPEND | os.O_CLOEXEC

# type(item) -> the line class wrapping it; events are looked up separately (policy-dependent).
_LINE_CLASS: dict[type, type[msgspec.Struct]] = {
    **dict.fromkeys(get_args(ResponseItem), ResponseItemLine),
    TurnContext: TurnContextLine,
    CompactedItem: CompactedLine,
}
_EVENT_TYPES: frozenset[type] = frozenset(get_args(EventMsg))
_TURN_END_EVENTS: frozenset[type] = frozenset({TurnComplete, TurnAborted, Error, ShutdownComplete})


def new_session_meta(
    *,
    cwd: str,
    originator: str,
    cli_version: str,
    instructions: str | None = None,
    source: SessionSource = "cli",
    model_provider: str | None = None,
    git: GitInfo | None = None,
) -> SessionMeta:
    """A :class:`SessionMeta` with a fresh time-ordered id and the current time."""
    return SessionMeta(
        id=new_session_id(),
        timestamp=utc_timestamp(),
        cwd=cwd,
        originator=originator,
        cli_version=cli_version,
        instructions=instructions,
        source=source,
        model_provider=model_provider,
        git=git,
    )


def _storage_error(action: str, path: Path, exc: OSError) -> SessionStorageError:
    reason = exc.strerror or str(exc)
    hint = None
    if exc.errno == errno.ENOSPC:
        hint = "free some disk space; the session is not being saved"
    return SessionStorageError(f"cannot {action} rollout {path}: {reason}", hint=hint)


def _make_private_dirs(target: Path) -> None:
    """Create ``target`` and missing parents, all 0700 (``makedirs`` sets only the leaf's mode)."""
    missing: list[Path] = []
    p = target
    while not p.is_dir():
        missing.append(p)
        if p.parent == p:
            break
        p = p.parent
    for d in reversed(missing):
        with contextlib.suppress(FileExistsError):
            os.mkdir(d, _DIR_MODE)


class RolloutRecorder:
    """Appends rollout lines to one session file. Synchronous, thread-safe, one write per line."""

    __slots__ = (
        "_buf",
        "_closed",
        "_encoder",
        "_fd",
        "_fsync",
        "_lock",
        "_needs_newline",
        "_path",
        "_persisted_events",
        "_synced_dir",
        "_unsynced",
        "session_id",
    )

    def __init__(
        self,
        path: Path,
        fd: int,
        session_id: str,
        *,
        persistence: EventPersistenceMode = "compact",
        fsync: FsyncPolicy = "turn_end",
        needs_newline: bool = False,
    ) -> None:
        """Wrap an already-open ``O_APPEND`` descriptor; use :meth:`create` or :meth:`resume`."""
        self._path = path
        self._fd = fd
        self.session_id = session_id
        self._fsync = fsync
        self._persisted_events = persisted_event_types(persistence)
        self._encoder = msgspec.json.Encoder()
        self._buf = bytearray()
        self._lock = threading.Lock()
        self._closed = False
        #: The file ends inside a line (a torn write); terminate it before the next line.
        self._needs_newline = needs_newline
        self._synced_dir = False
        #: Lines were written since the last fsync.
        self._unsynced = False

    # -- construction -------------------------------------------------------------------------

    @classmethod
    def create(
        cls,
        home: Path,
        meta: SessionMeta,
        *,
        persistence: EventPersistenceMode = "compact",
        fsync: FsyncPolicy = "turn_end",
    ) -> RolloutRecorder:
        """Create the session's file under ``home`` and write its ``session_meta`` line.

        The file name's local date and time come from ``meta.timestamp`` so name and content agree.
        """
        try:
            started = datetime.fromisoformat(meta.timestamp)
        except ValueError:
            started = datetime.now().astimezone()
        path = rollout_path(home, meta.id, started)
        try:
            _make_private_dirs(sessions_dir(home).parent)
            _make_private_dirs(path.parent)
            fd = os.open(path, _OPEN_NEW, _FILE_MODE)
        except OSError as exc:
            raise _storage_error("create", path, exc) from exc
        recorder = cls(path, fd, meta.id, persistence=persistence, fsync=fsync)
        try:
            recorder._write_line(SessionMetaLine(timestamp=meta.timestamp, payload=meta))
            if fsync != "never":
                recorder.sync()
        except BaseException:
            recorder.close()
            raise
        return recorder

    @classmethod
    def resume(
        cls,
        path: Path,
        session_id: str,
        *,
        persistence: EventPersistenceMode = "compact",
        fsync: FsyncPolicy = "turn_end",
    ) -> RolloutRecorder:
        """Append to an existing rollout (a resumed session), repairing a torn last line first."""
        try:
            fd = os.open(path, _OPEN_EXISTING)
        except OSError as exc:
            raise _storage_error("open", path, exc) from exc
        try:
            size = os.fstat(fd).st_size
            torn = size > 0 and os.pread(fd, 1, size - 1) != b"\n"
        except OSError as exc:
            os.close(fd)
            raise _storage_error("open", path, exc) from exc
        return cls(path, fd, session_id, persistence=persistence, fsync=fsync, needs_newline=torn)

    # -- recording ----------------------------------------------------------------------------

    @property
    def path(self) -> Path:
        """The rollout file."""
        return self._path

    def record(self, items: RolloutItem | Iterable[RolloutItem]) -> None:
        """Write the items that the persistence policy keeps; return once the kernel has them.

        Items the policy drops (deltas, lifecycle events) are ignored, so callers may pass every
        event. A turn-ending event triggers ``fsync`` under the ``"turn_end"`` policy.
        """
        if isinstance(items, msgspec.Struct):
            self._record_one(items)
        else:
            for item in items:
                self._record_one(item)

    # The narrow methods of ``codeloop.core.session.RolloutSink``.

    def record_items(self, items: list[ResponseItem]) -> None:
        """Record response items (always kept)."""
        self.record(items)

    def record_event(self, msg: EventMsg) -> None:
        """Record an event if the persistence policy keeps it."""
        self._record_one(msg)

    def record_turn_context(self, ctx: TurnContext) -> None:
        """Record the settings a turn runs with."""
        self._record_one(ctx)

    def record_compacted(
        self, summary: str, replacement_history: list[ResponseItem] | None = None
    ) -> None:
        """Record that history was compacted into ``summary``; with ``replacement_history`` (the
        history as it now is), resuming restores exactly that instead of rebuilding it."""
        self._record_one(CompactedItem(message=summary, replacement_history=replacement_history))

    def flush(self) -> None:
        """Make recorded lines durable now, unless ``fsync="never"`` (lines are always already
        written to the kernel; this is about surviving a power cut)."""
        if self._fsync != "never":
            self.sync()

    def _record_one(self, item: RolloutItem) -> None:
        if isinstance(item, Event):
            item = item.msg
        kind = type(item)
        line_class = _LINE_CLASS.get(kind)
        if line_class is not None:
            self._write_line(line_class(timestamp=utc_timestamp(), payload=item))
        elif kind in _EVENT_TYPES:
            if kind in self._persisted_events:
                self._write_line(EventMsgLine(timestamp=utc_timestamp(), payload=item))  # type: ignore[arg-type]
            if self._fsync == "turn_end" and kind in _TURN_END_EVENTS:
                self.sync()
            return
        else:
            raise TypeError(f"cannot record {kind.__name__} in a rollout")
        if self._fsync == "always":
            self.sync()

    def _write_line(self, line: msgspec.Struct) -> None:
        with self._lock:
            if self._closed:
                raise SessionStorageError(f"rollout {self._path} is closed")
            buf = self._buf
            buf.clear()
            if self._needs_newline:
                buf.append(0x0A)
            self._encoder.encode_into(line, buf, len(buf))
            buf.append(0x0A)
            written = 0
            try:
                written = os.write(self._fd, buf)
                while written < len(buf):  # a regular file takes it whole, short of ENOSPC
                    written += os.write(self._fd, bytes(buf[written:]))
            except OSError as exc:
                if written:
                    self._needs_newline = True
                    self._unsynced = True
                raise _storage_error("write", self._path, exc) from exc
            self._needs_newline = False
            self._unsynced = True

    # -- durability and closing ---------------------------------------------------------------

    def sync(self) -> None:
        """``fsync`` the file (and, the first time, its folder, so the new name survives too).

        Free when nothing was written since the last sync.
        """
        with self._lock:
            if self._closed or not self._unsynced:
                return
            try:
                os.fsync(self._fd)
                self._unsynced = False
                if not self._synced_dir:
                    dir_fd = os.open(self._path.parent, os.O_RDONLY | os.O_DIRECTORY)
                    try:
                        os.fsync(dir_fd)
                    finally:
                        os.close(dir_fd)
                    self._synced_dir = True
            except OSError as exc:
                raise _storage_error("sync", self._path, exc) from exc

    def close(self) -> None:
        """Sync (unless ``fsync="never"``) and close. Idempotent."""
        if self._closed:
            return
        try:
            if self._fsync != "never":
                self.sync()
        finally:
            with self._lock:
                if not self._closed:
                    self._closed = True
                    os.close(self._fd)

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` has been called."""
        return self._closed

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"RolloutRecorder({str(self._path)!r})"
