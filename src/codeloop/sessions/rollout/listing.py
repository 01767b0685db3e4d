"""Finding rollout files by walking ``sessions/YYYY/MM/DD`` (the SQLite index comes later).

File names carry the start time and the id, so listing needs no file to be opened: folders and
names are sorted newest first and the walk stops as soon as it has enough.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from codeloop.errors import SessionStorageError
from codeloop.sessions.rollout.paths import parse_rollout_name, sessions_dir

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

__all__ = ["RolloutFile", "find_rollout_by_id", "iter_rollouts", "list_rollouts"]


@dataclass(frozen=True, slots=True)
class RolloutFile:
    """A rollout found on disk, described from its name alone."""

    path: Path
    session_id: str
    #: Local start time, from the file name (second precision).
    started_at: datetime


def _subdirs_desc(path: Path, width: int) -> list[str]:
    try:
        with os.scandir(path) as it:
            names = [
                e.name
                for e in it
                if len(e.name) == width and e.name.isdigit() and e.is_dir(follow_symlinks=False)
            ]
    except (FileNotFoundError, NotADirectoryError):
        return []
    except OSError as exc:
        raise SessionStorageError(f"cannot list {path}: {exc.strerror or exc}") from exc
    names.sort(reverse=True)
    return names


def iter_rollouts(home: Path) -> Iterator[RolloutFile]:
    """Every rollout under ``home``, newest first (by start time, then id)."""
    root = sessions_dir(home)
    for year in _subdirs_desc(root, 4):
        for month in _subdirs_desc(root / year, 2):
            for day in _subdirs_desc(root / year / month, 2):
                folder = root / year / month / day
                try:
                    with os.scandir(folder) as it:
                        found = [
                            (parsed, e.name)
                            for e in it
                            if (parsed := parse_rollout_name(e.name)) is not None and e.is_file()
                        ]
                except FileNotFoundError:
                    continue
                except OSError as exc:
                    raise SessionStorageError(
                        f"cannot list {folder}: {exc.strerror or exc}"
                    ) from exc
                found.sort(reverse=True)
                for (stamp, session_id), name in found:
                    yield RolloutFile(
                        path=folder / name,
                        session_id=session_id,
                        started_at=datetime.strptime(stamp, "%Y-%m-%dT%H-%M-%S"),
                    )


def list_rollouts(home: Path, *, limit: int | None = None) -> list[RolloutFile]:
    """Rollouts under ``home``, newest first, at most ``limit`` of them."""
    out: list[RolloutFile] = []
    if limit is not None and limit <= 0:
        return out
    for found in iter_rollouts(home):
        out.append(found)
        if limit is not None and len(out) >= limit:
            break
    return out


def _normalize(text: str) -> str:
    return text.strip().lower().replace("-", "")


def find_rollout_by_id(home: Path, id_or_prefix: str) -> Path | None:
    """The rollout whose session id is ``id_or_prefix`` or starts with it (hyphens optional).

    Returns None when nothing matches; raises :class:`SessionStorageError` when the prefix names
    more than one session. A full id that appears twice resolves to the newest file.
    """
    wanted = _normalize(id_or_prefix)
    if not wanted:
        raise SessionStorageError(
            "empty session id", hint="pass a session id or its first characters"
        )
    matches: dict[str, Path] = {}
    for found in iter_rollouts(home):
        key = _normalize(found.session_id)
        if key == wanted:
            return found.path
        if key.startswith(wanted):
            matches.setdefault(found.session_id, found.path)
    if not matches:
        return None
    if len(matches) > 1:
        shown = ", ".join(sorted(matches)[:5])
        more = f" and {len(matches) - 5} more" if len(matches) > 5 else ""
        raise SessionStorageError(
            f"session id prefix {id_or_prefix!r} is ambiguous: {shown}{more}",
            hint="type more characters of the session id",
        )
    return next(iter(matches.values()))
