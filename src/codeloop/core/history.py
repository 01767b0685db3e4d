"""The conversation history a session sends to the model.

History holds response items in order. Before each request it is made *valid*: every function or
custom tool call has an output (an interrupted call gets "aborted"), and no output is left without
its call, because the API rejects either.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from codeloop.protocol.items import (
    CustomToolCall,
    CustomToolCallOutput,
    FunctionCall,
    FunctionCallOutput,
    Message,
    ResponseItem,
    message_text,
)

if TYPE_CHECKING:
    from collections.abc import Iterable

__all__ = ["ABORTED_OUTPUT", "ConversationHistory"]

ABORTED_OUTPUT = "aborted"


class ConversationHistory:
    """An ordered list of response items with the API's pairing rules enforced on read."""

    def __init__(self, items: Iterable[ResponseItem] = ()) -> None:
        self._items: list[ResponseItem] = list(items)

    def __len__(self) -> int:
        return len(self._items)

    def append(self, item: ResponseItem) -> None:
        self._items.append(item)

    def extend(self, items: Iterable[ResponseItem]) -> None:
        self._items.extend(items)

    def replace(self, items: Iterable[ResponseItem]) -> None:
        self._items = list(items)

    def items(self) -> list[ResponseItem]:
        """A copy of the raw items, as recorded."""
        return list(self._items)

    def for_prompt(self) -> list[ResponseItem]:
        """The items to send: calls without outputs get "aborted", orphan outputs are dropped."""
        call_ids = {
            item.call_id for item in self._items if isinstance(item, FunctionCall | CustomToolCall)
        }
        output_ids = {
            item.call_id
            for item in self._items
            if isinstance(item, FunctionCallOutput | CustomToolCallOutput)
        }
        out: list[ResponseItem] = []
        for item in self._items:
            if isinstance(item, FunctionCallOutput | CustomToolCallOutput):
                if item.call_id not in call_ids:
                    continue
                out.append(item)
            else:
                out.append(item)
                if isinstance(item, FunctionCall) and item.call_id not in output_ids:
                    out.append(FunctionCallOutput(call_id=item.call_id, output=ABORTED_OUTPUT))
                elif isinstance(item, CustomToolCall) and item.call_id not in output_ids:
                    out.append(CustomToolCallOutput(call_id=item.call_id, output=ABORTED_OUTPUT))
        return out

    def user_messages(self) -> list[str]:
        """Texts of the user's own messages (not the instructions or environment context)."""
        texts: list[str] = []
        for item in self._items:
            if isinstance(item, Message) and item.role == "user":
                text = message_text(item)
                if not _is_context_message(text):
                    texts.append(text)
        return texts

    def last_agent_message(self) -> str | None:
        for item in reversed(self._items):
            if isinstance(item, Message) and item.role == "assistant":
                return message_text(item)
        return None


def _is_context_message(text: str) -> bool:
    stripped = text.lstrip()
    return stripped.startswith(("<user_instructions>", "<environment_context>"))
