"""Which items are written to a rollout: Codex's ``core/src/rollout/policy.rs``, mirrored.

A rollout records what resuming needs and what a person reading it later wants, not every UI
tick: deltas, begin/approval notifications and lifecycle events are never written.

- Response items: always (the conversation itself).
- ``turn_context`` and ``compacted`` lines: always (they change how history is rebuilt).
- Events, mode ``"compact"`` (the default, as Codex): ``user_message``, ``agent_message``,
  ``agent_reasoning``, ``token_count``, ``context_compacted``, ``turn_aborted`` and
  ``plan_update``. Codex persists plan *items* (``ItemCompleted`` of a plan) for the same reason
  we keep ``plan_update``: the plan is not part of the model history but is restored on resume.
- Mode ``"full"`` (Codex's ``FullHistory``) adds the outcome events: ``error``,
  ``exec_command_end`` and ``patch_apply_end``.
"""

from __future__ import annotations

from typing import Literal

from codeloop.protocol.events import (
    AgentMessage,
    AgentReasoning,
    ContextCompacted,
    Error,
    EventMsg,
    ExecCommandEnd,
    PatchApplyEnd,
    PlanUpdate,
    TokenCount,
    TurnAborted,
    UserMessage,
)

__all__ = [
    "COMPACT_EVENTS",
    "FULL_HISTORY_EVENTS",
    "EventPersistenceMode",
    "persisted_event_types",
    "should_persist_event",
]

#: ``"compact"`` writes what resume needs; ``"full"`` adds command and patch outcomes and errors.
EventPersistenceMode = Literal["compact", "full"]

COMPACT_EVENTS: frozenset[type] = frozenset(
    {
        UserMessage,
        AgentMessage,
        AgentReasoning,
        TokenCount,
        ContextCompacted,
        TurnAborted,
        PlanUpdate,
    }
)

FULL_HISTORY_EVENTS: frozenset[type] = COMPACT_EVENTS | {Error, ExecCommandEnd, PatchApplyEnd}


def persisted_event_types(mode: EventPersistenceMode) -> frozenset[type]:
    """The event classes written in ``mode``."""
    return FULL_HISTORY_EVENTS if mode == "full" else COMPACT_EVENTS


def should_persist_event(event: EventMsg, mode: EventPersistenceMode = "compact") -> bool:
    """Whether ``event`` belongs in the rollout under ``mode``."""
    return type(event) in persisted_event_types(mode)
