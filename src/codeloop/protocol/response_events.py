"""What a model client yields while a response streams.

Both wire APIs (Responses and Chat Completions) are turned into this one sequence, so the core
never knows which one it talks to: ``Created``, any number of deltas and ``OutputItemDone``, then
exactly one ``Completed``. Failures are raised as :mod:`codeloop.errors`, never yielded.
"""

from __future__ import annotations

import msgspec

from codeloop.protocol.items import ResponseItem
from codeloop.protocol.usage import TokenUsage

__all__ = [
    "Completed",
    "Created",
    "OutputItemAdded",
    "OutputItemDone",
    "OutputTextDelta",
    "RateLimitSnapshot",
    "RateLimitWindow",
    "ReasoningContentDelta",
    "ReasoningSummaryDelta",
    "ResponseEvent",
]


class Created(msgspec.Struct, tag="created", tag_field="type", frozen=True):
    response_id: str | None = None


class OutputItemAdded(msgspec.Struct, tag="output_item_added", tag_field="type", frozen=True):
    item: ResponseItem


class OutputTextDelta(msgspec.Struct, tag="output_text_delta", tag_field="type", frozen=True):
    delta: str
    item_id: str | None = None


class ReasoningSummaryDelta(
    msgspec.Struct, tag="reasoning_summary_delta", tag_field="type", frozen=True
):
    delta: str
    summary_index: int = 0
    item_id: str | None = None


class ReasoningContentDelta(
    msgspec.Struct, tag="reasoning_content_delta", tag_field="type", frozen=True
):
    delta: str
    item_id: str | None = None


class OutputItemDone(msgspec.Struct, tag="output_item_done", tag_field="type", frozen=True):
    item: ResponseItem


class RateLimitWindow(msgspec.Struct, frozen=True):
    used_percent: float | None = None
    limit: int | None = None
    remaining: int | None = None
    resets_in_seconds: float | None = None
    window: str | None = None


class RateLimitSnapshot(msgspec.Struct, tag="rate_limits", tag_field="type", frozen=True):
    """Rate-limit headers of the response, when the server sent any."""

    requests: RateLimitWindow | None = None
    tokens: RateLimitWindow | None = None


class Completed(msgspec.Struct, tag="completed", tag_field="type", frozen=True):
    response_id: str | None = None
    usage: TokenUsage | None = None


ResponseEvent = (
    Created
    | OutputItemAdded
    | OutputTextDelta
    | ReasoningSummaryDelta
    | ReasoningContentDelta
    | OutputItemDone
    | RateLimitSnapshot
    | Completed
)
