"""Rollouts: the JSONL record of a session (Codex's format), written as it happens, read to resume.

- :mod:`.recorder`: :class:`RolloutRecorder`, one flushed write per line
- :mod:`.policy`: which events are written
- :mod:`.reader`: :func:`read_rollout`, tolerant of damaged lines
- :mod:`.reconstruct`: history, turn context, usage and plan for resume
- :mod:`.listing`: finding files by id prefix, newest first
- :mod:`.paths`, :mod:`.ids`: file naming, session ids (UUIDv7) and timestamps
"""

from __future__ import annotations

from codeloop.sessions.rollout.ids import new_session_id, utc_timestamp, uuid7
from codeloop.sessions.rollout.listing import (
    RolloutFile,
    find_rollout_by_id,
    iter_rollouts,
    list_rollouts,
)
from codeloop.sessions.rollout.paths import parse_rollout_name, rollout_path, sessions_dir
from codeloop.sessions.rollout.policy import EventPersistenceMode, should_persist_event
from codeloop.sessions.rollout.reader import (
    RolloutContents,
    RolloutWarning,
    read_rollout,
    read_session_meta,
)
from codeloop.sessions.rollout.reconstruct import (
    CompactRebuilder,
    ResumeState,
    build_compacted_history,
    collect_user_messages,
    reconstruct_history,
    resume_state,
)
from codeloop.sessions.rollout.recorder import (
    FsyncPolicy,
    RolloutItem,
    RolloutRecorder,
    new_session_meta,
)

__all__ = [
    "CompactRebuilder",
    "EventPersistenceMode",
    "FsyncPolicy",
    "ResumeState",
    "RolloutContents",
    "RolloutFile",
    "RolloutItem",
    "RolloutRecorder",
    "RolloutWarning",
    "build_compacted_history",
    "collect_user_messages",
    "find_rollout_by_id",
    "iter_rollouts",
    "list_rollouts",
    "new_session_id",
    "new_session_meta",
    "parse_rollout_name",
    "read_rollout",
    "read_session_meta",
    "reconstruct_history",
    "resume_state",
    "rollout_path",
    "sessions_dir",
    "should_persist_event",
    "utc_timestamp",
    "uuid7",
]
