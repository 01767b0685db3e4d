"""Where rollout files live and how they are named (Codex's layout).

``$CODELOOP_HOME/sessions/YYYY/MM/DD/rollout-YYYY-MM-DDTHH-MM-SS-<uuid>.jsonl``, with the date and
time local, so a person browsing the folder finds "today's" sessions where they expect them.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from datetime import datetime
    from pathlib import Path

__all__ = ["SESSIONS_DIRNAME", "parse_rollout_name", "rollout_path", "sessions_dir"]

SESSIONS_DIRNAME = "sessions"

_NAME = re.compile(
    r"^rollout-(\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2})-"
    r"([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})\.jsonl$"
)


def sessions_dir(home: Path) -> Path:
    """The folder holding every rollout under ``home`` (``$CODELOOP_HOME``)."""
    return home / SESSIONS_DIRNAME


def rollout_path(home: Path, session_id: str, started: datetime) -> Path:
    """The file for ``session_id`` started at ``started`` (converted to local time)."""
    local = started.astimezone() if started.tzinfo is not None else started
    day = sessions_dir(home) / f"{local.year:04d}" / f"{local.month:02d}" / f"{local.day:02d}"
    return day / f"rollout-{local.strftime('%Y-%m-%dT%H-%M-%S')}-{session_id}.jsonl"


def parse_rollout_name(name: str) -> tuple[str, str] | None:
    """``(timestamp text, session id)`` of a rollout file name, or None if it is not one."""
    m = _NAME.match(name)
    if m is None:
        return None
    return m.group(1), m.group(2).lower()
