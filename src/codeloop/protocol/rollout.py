"""Rollout lines: one JSON object per line of ``sessions/YYYY/MM/DD/rollout-*.jsonl``.

``{"timestamp": ..., "type": "session_meta" | "response_item" | "event_msg" | "turn_context" |
"compacted", "payload": {...}}`` as Codex writes them; the first line is always ``session_meta``.
"""

from __future__ import annotations

from typing import Literal

import msgspec

from codeloop.protocol.events import EventMsg
from codeloop.protocol.items import ResponseItem
from codeloop.protocol.policy import AskForApproval, SandboxPolicy

__all__ = [
    "CompactedItem",
    "CompactedLine",
    "EventMsgLine",
    "GitInfo",
    "ResponseItemLine",
    "RolloutLine",
    "SessionMeta",
    "SessionMetaLine",
    "SessionSource",
    "TurnContext",
    "TurnContextLine",
]

SessionSource = Literal["cli", "exec", "mcp", "sdk"]


class GitInfo(msgspec.Struct, frozen=True):
    commit_hash: str | None = None
    branch: str | None = None
    repository_url: str | None = None


class SessionMeta(msgspec.Struct, frozen=True):
    id: str
    timestamp: str
    cwd: str
    originator: str
    cli_version: str
    instructions: str | None = None
    source: SessionSource = "cli"
    model_provider: str | None = None
    git: GitInfo | None = None


class TurnContext(msgspec.Struct, frozen=True):
    cwd: str
    approval_policy: AskForApproval
    sandbox_policy: SandboxPolicy
    model: str
    effort: str | None = None
    summary: str | None = None


class CompactedItem(msgspec.Struct, frozen=True, omit_defaults=True):
    """The summary that replaced older history.

    ``replacement_history``, when present (Codex writes it for remote compaction), is the complete
    history to resume from at this point; otherwise the history is rebuilt from ``message``.
    """

    message: str
    replacement_history: list[ResponseItem] | None = None


class SessionMetaLine(msgspec.Struct, tag="session_meta", tag_field="type", frozen=True):
    timestamp: str
    payload: SessionMeta


class ResponseItemLine(msgspec.Struct, tag="response_item", tag_field="type", frozen=True):
    timestamp: str
    payload: ResponseItem


class EventMsgLine(msgspec.Struct, tag="event_msg", tag_field="type", frozen=True):
    timestamp: str
    payload: EventMsg


class TurnContextLine(msgspec.Struct, tag="turn_context", tag_field="type", frozen=True):
    timestamp: str
    payload: TurnContext


class CompactedLine(msgspec.Struct, tag="compacted", tag_field="type", frozen=True):
    timestamp: str
    payload: CompactedItem


RolloutLine = SessionMetaLine | ResponseItemLine | EventMsgLine | TurnContextLine | CompactedLine
