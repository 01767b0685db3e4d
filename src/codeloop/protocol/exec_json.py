"""The ``codeloop exec --json`` event stream (``shared/contracts/exec-json.md``).

One object per stdout line, the schema of Codex's ``exec --json`` so its clients work unchanged.
Optional fields are encoded as ``null``, never left out (msgspec's default), and every object has a
``type``. Use :func:`encode_line` to get the bytes of one line.
"""

from __future__ import annotations

from typing import Any, Literal

import msgspec

__all__ = [
    "AgentMessageItem",
    "CommandExecutionItem",
    "CommandStatus",
    "ErrorItem",
    "ExecError",
    "ExecEvent",
    "FileChangeItem",
    "FileUpdateChange",
    "ItemCompleted",
    "ItemStarted",
    "ItemUpdated",
    "McpToolCallError",
    "McpToolCallItem",
    "McpToolCallResult",
    "ReasoningItem",
    "ThreadError",
    "ThreadItem",
    "ThreadStarted",
    "TodoEntry",
    "TodoListItem",
    "TurnCompleted",
    "TurnFailed",
    "TurnStarted",
    "Usage",
    "WebSearchItem",
    "encode_line",
]


class AgentMessageItem(msgspec.Struct, tag="agent_message", tag_field="type"):
    id: str
    text: str


class ReasoningItem(msgspec.Struct, tag="reasoning", tag_field="type"):
    id: str
    text: str


CommandStatus = Literal["in_progress", "completed", "failed", "declined"]


class CommandExecutionItem(msgspec.Struct, tag="command_execution", tag_field="type"):
    id: str
    command: str
    aggregated_output: str
    exit_code: int | None
    status: CommandStatus


class FileUpdateChange(msgspec.Struct):
    path: str
    kind: Literal["add", "delete", "update"]


class FileChangeItem(msgspec.Struct, tag="file_change", tag_field="type"):
    id: str
    changes: list[FileUpdateChange]
    status: Literal["completed", "failed"]


class McpToolCallResult(msgspec.Struct):
    content: list[dict[str, Any]]
    structured_content: Any | None


class McpToolCallError(msgspec.Struct):
    message: str


class McpToolCallItem(msgspec.Struct, tag="mcp_tool_call", tag_field="type"):
    id: str
    server: str
    tool: str
    arguments: Any | None
    result: McpToolCallResult | None
    error: McpToolCallError | None
    status: Literal["in_progress", "completed", "failed"]


class WebSearchItem(msgspec.Struct, tag="web_search", tag_field="type"):
    id: str
    query: str


class TodoEntry(msgspec.Struct):
    text: str
    completed: bool


class TodoListItem(msgspec.Struct, tag="todo_list", tag_field="type"):
    id: str
    items: list[TodoEntry]


class ErrorItem(msgspec.Struct, tag="error", tag_field="type"):
    id: str
    message: str


ThreadItem = (
    AgentMessageItem
    | ReasoningItem
    | CommandExecutionItem
    | FileChangeItem
    | McpToolCallItem
    | WebSearchItem
    | TodoListItem
    | ErrorItem
)


class Usage(msgspec.Struct):
    input_tokens: int
    cached_input_tokens: int
    output_tokens: int
    reasoning_output_tokens: int = 0


class ThreadError(msgspec.Struct):
    message: str


class ThreadStarted(msgspec.Struct, tag="thread.started", tag_field="type"):
    thread_id: str


class TurnStarted(msgspec.Struct, tag="turn.started", tag_field="type"):
    pass


class ItemStarted(msgspec.Struct, tag="item.started", tag_field="type"):
    item: ThreadItem


class ItemUpdated(msgspec.Struct, tag="item.updated", tag_field="type"):
    item: ThreadItem


class ItemCompleted(msgspec.Struct, tag="item.completed", tag_field="type"):
    item: ThreadItem


class TurnCompleted(msgspec.Struct, tag="turn.completed", tag_field="type"):
    usage: Usage


class TurnFailed(msgspec.Struct, tag="turn.failed", tag_field="type"):
    error: ThreadError


class ExecError(msgspec.Struct, tag="error", tag_field="type"):
    message: str


ExecEvent = (
    ThreadStarted
    | TurnStarted
    | ItemStarted
    | ItemUpdated
    | ItemCompleted
    | TurnCompleted
    | TurnFailed
    | ExecError
)

_encoder = msgspec.json.Encoder()


def encode_line(event: ExecEvent) -> bytes:
    """One event as a JSON line (with the trailing newline)."""
    return _encoder.encode(event) + b"\n"
