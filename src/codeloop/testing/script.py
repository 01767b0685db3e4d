"""The script format of the scripted model server (DESIGN.md §5).

A script is a list of :class:`ScriptedResponse`. For each request the server takes the first
response still in the list whose ``match`` accepts the request (``match = None`` accepts any),
removes it unless ``repeat`` is set, and plays it. A request that nothing matches gets HTTP 500
with the body ``{"error": {"message": "scripted model server: script exhausted", ...}}`` so a test
sees at once that the agent asked more than was scripted.

A response is either a normal answer (``output``: text, reasoning, function calls, custom tool
calls, streamed in that order, then ``response.completed`` with ``usage``) or a fault. Faults:

- ``HttpError``: answer with that status, headers and body instead of a stream (429 with
  ``Retry-After``, a ``usage_limit_reached`` body, an HTML 502 page, ...).
- ``ResponseFailed``: stream ``response.failed`` with that error code and message.
- ``CutStream``: stream the first ``after_events`` SSE events of the answer, then drop the
  connection.
- ``Stall``: stream ``after_events`` events, then send nothing for ``seconds``, then finish.
- ``MalformedSSE``: after ``after_events`` events, send ``data`` (not valid JSON) as an event,
  then the rest of the answer (Codex skips events it cannot parse); with ``close`` the stream ends
  cleanly right after the bad event instead (no ``response.completed``).
- ``NoCompleted``: stream the whole answer but end without ``response.completed``.

``usage``: when a response gives none, the server sends plausible numbers derived from lengths
(about 4 characters a token: input from the request body's size, output from the streamed text,
arguments and reasoning summaries, reasoning from the summaries; nothing cached).

The same script drives both wire APIs: ``/v1/responses`` and ``/v1/chat/completions`` (where text
becomes ``content`` deltas, reasoning becomes ``reasoning_content`` deltas, function and custom tool
calls become ``tool_calls`` deltas, and usage comes in a final chunk). ``after_events`` counts the
events of whichever wire is used.

Scripts are written in Python or as JSON files (a list of responses; see :func:`load_script`)::

    [{"output": [{"type": "message", "text": "Hi!"}], "usage": {"input_tokens": 42}},
     {"fault": {"type": "http_error", "status": 429, "headers": {"Retry-After": "1"}}}]
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import msgspec

__all__ = [
    "CustomToolCallStep",
    "CutStream",
    "Fault",
    "FunctionCallStep",
    "HttpError",
    "MalformedSSE",
    "Match",
    "MessageStep",
    "NoCompleted",
    "OutputStep",
    "ReasoningStep",
    "RecordedRequest",
    "ResponseFailed",
    "ScriptedResponse",
    "ScriptedUsage",
    "Stall",
    "load_script",
]


class MessageStep(msgspec.Struct, tag="message", tag_field="type", frozen=True):
    """Assistant text, streamed as deltas of ``chunk_size`` characters ``delay_ms`` apart."""

    text: str
    chunk_size: int = 16
    delay_ms: float = 0


class ReasoningStep(msgspec.Struct, tag="reasoning", tag_field="type", frozen=True):
    """A reasoning item: its summary is streamed as deltas; encrypted content rides along."""

    summary: str
    encrypted_content: str | None = None
    chunk_size: int = 16


class FunctionCallStep(msgspec.Struct, tag="function_call", tag_field="type", frozen=True):
    """A function tool call. ``arguments`` may be a JSON string (sent as is, even if invalid) or
    an object (encoded). ``call_id`` defaults to ``call_<n>``, counted per server."""

    name: str
    arguments: str | dict[str, Any] = "{}"
    call_id: str | None = None
    #: Optional: the arguments are streamed as deltas of this many characters.
    chunk_size: int = 16


class CustomToolCallStep(msgspec.Struct, tag="custom_tool_call", tag_field="type", frozen=True):
    """A freeform custom tool call (``input`` is raw text, e.g. a patch)."""

    name: str
    input: str
    call_id: str | None = None
    #: Optional: the input is streamed as deltas of this many characters.
    chunk_size: int = 16


OutputStep = MessageStep | ReasoningStep | FunctionCallStep | CustomToolCallStep


class HttpError(msgspec.Struct, tag="http_error", tag_field="type", frozen=True):
    status: int
    headers: dict[str, str] = msgspec.field(default_factory=dict)
    #: A string is sent as is; anything else is JSON-encoded.
    body: Any = None
    content_type: str | None = None


class ResponseFailed(msgspec.Struct, tag="response_failed", tag_field="type", frozen=True):
    code: str
    message: str
    after_events: int = 1


class CutStream(msgspec.Struct, tag="cut", tag_field="type", frozen=True):
    after_events: int = 2


class Stall(msgspec.Struct, tag="stall", tag_field="type", frozen=True):
    seconds: float
    after_events: int = 1


class MalformedSSE(msgspec.Struct, tag="malformed", tag_field="type", frozen=True):
    after_events: int = 1
    data: str = "{not json"
    #: Optional: end the stream right after the bad event instead of finishing the answer.
    close: bool = False


class NoCompleted(msgspec.Struct, tag="no_completed", tag_field="type", frozen=True):
    pass


Fault = HttpError | ResponseFailed | CutStream | Stall | MalformedSSE | NoCompleted


class ScriptedUsage(msgspec.Struct, frozen=True):
    input_tokens: int = 0
    cached_input_tokens: int = 0
    output_tokens: int = 0
    reasoning_output_tokens: int = 0


class Match(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Declarative request matcher; every field that is set must hold.

    - ``last_input_type``: the ``type`` of the last item of ``input`` (Responses) or, for Chat,
      ``function_call_output`` when the last message has role ``tool``, else ``message``.
    - ``input_contains``: this text occurs somewhere in the request body.
    - ``path``: the request path (``/v1/responses`` or ``/v1/chat/completions``).
    """

    last_input_type: str | None = None
    input_contains: str | None = None
    path: str | None = None


class ScriptedResponse(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    output: list[OutputStep] = msgspec.field(default_factory=list)
    usage: ScriptedUsage | None = None
    fault: Fault | None = None
    #: Chooses this response only for requests it accepts. In Python a callable taking the
    #: :class:`RecordedRequest` is accepted as well (not in JSON script files).
    match: Match | None = None
    #: Keep this response in the script after it is played (it answers every matching request).
    repeat: bool = False
    #: Seconds to wait before answering at all (time to first byte).
    delay: float = 0
    #: Extra response headers (e.g. ``x-ratelimit-*``) sent with a normal answer.
    headers: dict[str, str] = msgspec.field(default_factory=dict)
    #: A Python-only matcher, see ``match``.
    predicate: Callable[[RecordedRequest], bool] | None = None


class RecordedRequest(msgspec.Struct, frozen=True):
    """One request as the server received it."""

    method: str
    path: str
    headers: dict[str, str]
    #: The decoded JSON body (``None`` when there was none or it was not JSON).
    body: Any
    #: Seconds since the server started (``time.monotonic`` based).
    received_at: float
    #: Optional: the body's bytes as received (before JSON decoding).
    raw: bytes = b""


def load_script(path: str | Path) -> list[ScriptedResponse]:
    """Read a JSON script file: a list of responses (or ``{"responses": [...]}``)."""
    raw = msgspec.json.decode(Path(path).read_bytes())
    if isinstance(raw, dict) and "responses" in raw:
        raw = raw["responses"]
    return msgspec.convert(raw, type=list[ScriptedResponse])
