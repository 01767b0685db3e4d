"""Sessions on disk: rollout files (written as a session runs, read to resume) and, later, the
SQLite index. The public names live in :mod:`codeloop.sessions.rollout` and are re-exported here.
"""

from __future__ import annotations

from codeloop.sessions.rollout import (
    EventPersistenceMode,
    FsyncPolicy,
    ResumeState,
    RolloutContents,
    RolloutFile,
    RolloutItem,
    RolloutRecorder,
    RolloutWarning,
    find_rollout_by_id,
    list_rollouts,
    new_session_id,
    new_session_meta,
    read_rollout,
    read_session_meta,
    reconstruct_history,
    resume_state,
)

__all__ = [
    "EventPersistenceMode",
    "FsyncPolicy",
    "ResumeState",
    "RolloutContents",
    "RolloutFile",
    "RolloutItem",
    "RolloutRecorder",
    "RolloutWarning",
    "find_rollout_by_id",
    "list_rollouts",
    "new_session_id",
    "new_session_meta",
    "read_rollout",
    "read_session_meta",
    "reconstruct_history",
    "resume_state",
]
