"""What both wire renderers share: SSE frames, ids, usage and the split into deltas.

A renderer turns one :class:`~codeloop.testing.script.ScriptedResponse` into a :class:`Rendered`
(the events of the answer, the events that complete it, and the failure event when the fault is
``ResponseFailed``); :mod:`codeloop.testing.playback` then lays faults over it. Keeping rendering
pure (no sockets, no sleeping) is what lets one fault implementation serve both wires.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from typing import Any

import msgspec

from codeloop.testing.script import (
    CustomToolCallStep,
    FunctionCallStep,
    MessageStep,
    ReasoningStep,
    ScriptedResponse,
)

__all__ = [
    "IdAllocator",
    "RenderContext",
    "Rendered",
    "SSEEvent",
    "Usage",
    "arguments_text",
    "json_event",
    "resolve_usage",
    "split_text",
]

#: Characters per token when usage is derived from lengths.
CHARS_PER_TOKEN = 4


@dataclass(frozen=True, slots=True)
class SSEEvent:
    """One server-sent event; ``delay`` is how long to wait before sending it."""

    data: str
    event: str | None = None
    delay: float = 0.0

    def encode(self) -> bytes:
        lines = [f"event: {self.event}"] if self.event else []
        lines.extend(f"data: {line}" for line in self.data.split("\n"))
        return ("\n".join(lines) + "\n\n").encode("utf-8")


def json_event(
    payload: dict[str, Any], *, event: str | None = None, delay: float = 0.0
) -> SSEEvent:
    """An event whose data is ``payload`` as compact JSON."""
    return SSEEvent(msgspec.json.encode(payload).decode("utf-8"), event, delay)


class IdAllocator:
    """Deterministic ids (``resp_1``, ``msg_1``, ``call_1``, ...), one counter per prefix.

    Deterministic so that tests can assert ids; shared by all requests of one server.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: dict[str, int] = {}

    def next(self, prefix: str) -> str:
        with self._lock:
            n = self._counts.get(prefix, 0) + 1
            self._counts[prefix] = n
        return f"{prefix}{n}"


@dataclass(frozen=True, slots=True)
class RenderContext:
    """What a renderer needs to know about the request being answered."""

    ids: IdAllocator
    model: str
    created: int
    request_bytes: int
    #: Chat only: the request asked for ``stream_options.include_usage``.
    include_usage: bool = False


@dataclass(frozen=True, slots=True)
class Rendered:
    """A rendered answer: ``body`` then ``completion`` is the normal stream."""

    body: list[SSEEvent]
    #: The events that mark a complete answer (dropped by ``NoCompleted``).
    completion: list[SSEEvent]
    #: The events sent instead of ``completion`` when the fault is ``ResponseFailed``.
    failure: list[SSEEvent]


@dataclass(frozen=True, slots=True)
class Usage:
    input_tokens: int
    cached_input_tokens: int
    output_tokens: int
    reasoning_output_tokens: int

    @property
    def total_tokens(self) -> int:
        return self.input_tokens + self.output_tokens


def _tokens(chars: int) -> int:
    return math.ceil(chars / CHARS_PER_TOKEN)


def resolve_usage(response: ScriptedResponse, request_bytes: int) -> Usage:
    """The scripted usage, or plausible numbers derived from lengths when none is given."""
    if response.usage is not None:
        u = response.usage
        return Usage(
            u.input_tokens, u.cached_input_tokens, u.output_tokens, u.reasoning_output_tokens
        )
    reasoning_chars = 0
    output_chars = 0
    for step in response.output:
        if isinstance(step, MessageStep):
            output_chars += len(step.text)
        elif isinstance(step, ReasoningStep):
            reasoning_chars += len(step.summary)
        elif isinstance(step, FunctionCallStep):
            output_chars += len(step.name) + len(arguments_text(step))
        elif isinstance(step, CustomToolCallStep):
            output_chars += len(step.name) + len(step.input)
    reasoning = _tokens(reasoning_chars)
    return Usage(_tokens(request_bytes), 0, _tokens(output_chars) + reasoning, reasoning)


def arguments_text(step: FunctionCallStep) -> str:
    """The arguments as sent: a string as is (even invalid JSON), an object encoded."""
    if isinstance(step.arguments, str):
        return step.arguments
    return msgspec.json.encode(step.arguments).decode("utf-8")


def split_text(text: str, chunk_size: int) -> list[str]:
    """``text`` in pieces of ``chunk_size`` characters (one piece when the size is not positive)."""
    if not text:
        return []
    if chunk_size <= 0:
        return [text]
    return [text[i : i + chunk_size] for i in range(0, len(text), chunk_size)]
