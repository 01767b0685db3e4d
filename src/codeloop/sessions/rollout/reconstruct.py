"""Rebuilding a session's state from its rollout, for resume.

History follows Codex's ``reconstruct_history_from_rollout``: ``response_item`` lines are appended
in order; a ``compacted`` line replaces everything before it with its ``replacement_history`` when
it has one, else with Codex's ``build_compacted_history``: the real user messages recorded so far
(newest kept first, within :data:`COMPACT_USER_MESSAGE_MAX_TOKENS`, the oldest kept one cut in the
middle if needed), then one user message holding the summary. Items after it are appended as
usual. The initial context (instructions, environment) is *not* part of the result: the session
adds its current one, as Codex does on resume.

The core may compact differently; it then passes its own ``rebuild(history, summary)`` so a
resumed session rebuilds exactly what the live one had (Codex passes a closure the same way).

Alongside, :func:`resume_state` picks up the last ``turn_context``, the last token usage and the
last plan, so a resumed session shows what it showed before.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeAlias

from codeloop.protocol.events import PlanUpdate, TokenCount
from codeloop.protocol.items import InputImage, InputText, Message, ResponseItem
from codeloop.protocol.rollout import (
    CompactedLine,
    EventMsgLine,
    ResponseItemLine,
    RolloutLine,
    SessionMeta,
    TurnContext,
    TurnContextLine,
)

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from codeloop.protocol.response_events import RateLimitSnapshot
    from codeloop.protocol.usage import TokenUsageInfo
    from codeloop.sessions.rollout.reader import RolloutContents

__all__ = [
    "COMPACT_USER_MESSAGE_MAX_TOKENS",
    "CONTEXT_MESSAGE_PREFIXES",
    "NO_SUMMARY",
    "CompactRebuilder",
    "ResumeState",
    "approx_token_count",
    "build_compacted_history",
    "collect_user_messages",
    "reconstruct_history",
    "resume_state",
]

#: ``rebuild(history_before, summary_message) -> history_after`` for a ``compacted`` line.
CompactRebuilder: TypeAlias = Callable[[list[ResponseItem], str], list[ResponseItem]]

#: Budget of user messages kept across a compaction (Codex's value).
COMPACT_USER_MESSAGE_MAX_TOKENS = 20_000

#: User-role messages that are injected context, not something the person typed; they are not
#: carried across a compaction (the session re-injects its current context instead).
CONTEXT_MESSAGE_PREFIXES: tuple[str, ...] = (
    "<environment_context>",
    "<user_instructions>",
    "# AGENTS.md instructions for ",
)

#: The summary text used when a ``compacted`` line carries an empty message (Codex's wording).
NO_SUMMARY = "(no summary available)"


@dataclass(frozen=True, slots=True)
class ResumeState:
    """What a resumed session starts from."""

    meta: SessionMeta
    history: list[ResponseItem]
    #: The last ``turn_context`` line: model, cwd and policies of the last turn.
    turn_context: TurnContext | None
    #: The last token usage reported (``token_count`` event with usage).
    token_usage: TokenUsageInfo | None
    rate_limits: RateLimitSnapshot | None
    #: The last plan shown (``plan_update`` event).
    plan: PlanUpdate | None


def approx_token_count(text: str) -> int:
    """Codex's estimate: one token per four UTF-8 bytes, rounded up."""
    return (len(text.encode("utf-8")) + 3) // 4


def _truncate_middle(text: str, max_tokens: int) -> str:
    """Keep the head and tail of ``text`` within about ``max_tokens``, marking the cut."""
    total = approx_token_count(text)
    if total <= max_tokens:
        return text
    keep_chars = max(max_tokens * 4, 0)
    head = text[: keep_chars // 2]
    tail = text[len(text) - keep_chars // 2 :] if keep_chars >= 2 else ""
    return f"{head}…{total - max_tokens} tokens truncated…{tail}"


def _user_text(item: Message) -> str | None:
    """Text parts of a message joined by newlines (Codex's ``content_items_to_text``)."""
    parts = [c.text for c in item.content if not isinstance(c, InputImage) and c.text]
    return "\n".join(parts) if parts else None


def collect_user_messages(
    items: Iterable[ResponseItem],
    *,
    summary_prefix: str | None = None,
    context_prefixes: Sequence[str] = CONTEXT_MESSAGE_PREFIXES,
) -> list[str]:
    """Texts of the user's own messages: no injected context, no earlier summaries."""
    out: list[str] = []
    for item in items:
        if not isinstance(item, Message) or item.role != "user":
            continue
        text = _user_text(item)
        if text is None:
            continue
        if summary_prefix is not None and text.startswith(f"{summary_prefix}\n"):
            continue
        if text.lstrip().startswith(tuple(context_prefixes)):
            continue
        out.append(text)
    return out


def build_compacted_history(
    initial_context: Sequence[ResponseItem],
    user_messages: Sequence[str],
    summary_text: str,
    *,
    max_tokens: int = COMPACT_USER_MESSAGE_MAX_TOKENS,
) -> list[ResponseItem]:
    """``initial_context`` + the newest user messages within ``max_tokens`` + the summary."""
    selected: list[str] = []
    remaining = max_tokens
    for message in reversed(user_messages):
        if remaining <= 0:
            break
        tokens = approx_token_count(message)
        if tokens <= remaining:
            selected.append(message)
            remaining -= tokens
        else:
            selected.append(_truncate_middle(message, remaining))
            break
    selected.reverse()
    history: list[ResponseItem] = list(initial_context)
    history.extend(Message(role="user", content=[InputText(text=m)]) for m in selected)
    history.append(Message(role="user", content=[InputText(text=summary_text or NO_SUMMARY)]))
    return history


def _history(
    lines: Iterable[RolloutLine], summary_prefix: str | None, rebuild: CompactRebuilder | None
) -> list[ResponseItem]:
    history: list[ResponseItem] = []
    for line in lines:
        if isinstance(line, ResponseItemLine):
            history.append(line.payload)
        elif isinstance(line, CompactedLine):
            compacted = line.payload
            if compacted.replacement_history is not None:
                history = list(compacted.replacement_history)
            elif rebuild is not None:
                history = rebuild(history, compacted.message)
            else:
                users = collect_user_messages(history, summary_prefix=summary_prefix)
                history = build_compacted_history([], users, compacted.message)
    return history


def reconstruct_history(
    contents: RolloutContents,
    *,
    summary_prefix: str | None = None,
    rebuild: CompactRebuilder | None = None,
) -> list[ResponseItem]:
    """The conversation history to resume with (without the initial context).

    ``summary_prefix`` is the text put before compaction summaries; earlier summaries that start
    with it (and a newline) are not carried as user messages into a later compaction.
    ``rebuild`` replaces Codex's rule for ``compacted`` lines without a replacement history.
    """
    return _history(contents.lines, summary_prefix, rebuild)


def resume_state(
    contents: RolloutContents,
    *,
    summary_prefix: str | None = None,
    rebuild: CompactRebuilder | None = None,
) -> ResumeState:
    """History (see :func:`reconstruct_history`) plus the last turn context, token usage, rate
    limits and plan."""
    turn_context: TurnContext | None = None
    token_usage: TokenUsageInfo | None = None
    rate_limits: RateLimitSnapshot | None = None
    plan: PlanUpdate | None = None
    for line in contents.lines:
        if isinstance(line, TurnContextLine):
            turn_context = line.payload
        elif isinstance(line, EventMsgLine):
            msg = line.payload
            if isinstance(msg, TokenCount):
                if msg.info is not None:
                    token_usage = msg.info
                if msg.rate_limits is not None:
                    rate_limits = msg.rate_limits
            elif isinstance(msg, PlanUpdate):
                plan = msg
    return ResumeState(
        meta=contents.meta,
        history=_history(contents.lines, summary_prefix, rebuild),
        turn_context=turn_context,
        token_usage=token_usage,
        rate_limits=rate_limits,
        plan=plan,
    )
