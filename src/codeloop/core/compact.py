"""Compaction: replace older history with a summary so the conversation fits the window again.

The summary request sends the history plus :data:`SUMMARY_REQUEST`; the model's answer becomes the
``compacted`` rollout line. The new history is a pure function of the old one and the summary
(:func:`build_compacted_history`), so a resumed session rebuilds exactly what the live one had.
"""

from __future__ import annotations

from codeloop.protocol.items import InputText, Message, ResponseItem, message_text

__all__ = [
    "SUMMARY_PREFIX",
    "SUMMARY_REQUEST",
    "USER_MESSAGES_BUDGET_CHARS",
    "build_compacted_history",
]

SUMMARY_REQUEST = """\
You are handing this task over to another instance of yourself, who will see only what you write
now (plus the user's messages). Write a handover summary of the conversation so far:
- the user's goal and any constraints or preferences they stated;
- what has been done: files read or changed (paths), commands run and what they showed;
- the current state: what works, what fails (with the exact error), open questions;
- the next steps you were about to take.
Be specific and brief. Do not call tools."""

SUMMARY_PREFIX = (
    "The conversation so far was compacted to fit the context window. "
    "Here is the handover summary written at that point; continue from it:\n\n"
)

#: How much of the user's own recent messages is kept verbatim beside the summary (~20k tokens).
USER_MESSAGES_BUDGET_CHARS = 80_000


def _is_context(item: ResponseItem) -> bool:
    if not isinstance(item, Message) or item.role != "user":
        return False
    text = message_text(item).lstrip()
    return text.startswith(("<user_instructions>", "<environment_context>"))


def build_compacted_history(history: list[ResponseItem], summary: str) -> list[ResponseItem]:
    """Initial context messages, the most recent user messages (within a budget), the summary."""
    context = [item for item in history if _is_context(item)]
    user_texts = [
        message_text(item)
        for item in history
        if isinstance(item, Message)
        and item.role == "user"
        and not _is_context(item)
        and not message_text(item).startswith(SUMMARY_PREFIX)
    ]
    kept: list[str] = []
    budget = USER_MESSAGES_BUDGET_CHARS
    for text in reversed(user_texts):
        if len(text) > budget:
            break
        kept.append(text)
        budget -= len(text)
    kept.reverse()
    out: list[ResponseItem] = list(context)
    out.extend(Message(role="user", content=[InputText(text=t)]) for t in kept)
    out.append(Message(role="user", content=[InputText(text=SUMMARY_PREFIX + summary)]))
    return out
