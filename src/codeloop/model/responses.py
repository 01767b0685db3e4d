"""The Responses API client (``POST {base_url}/responses``), as Codex speaks it.

The body mirrors codex-rs: ``store: false``, ``stream: true``, ``prompt_cache_key`` = session id,
``reasoning`` and ``include: ["reasoning.encrypted_content"]`` only for reasoning models, and the
output schema as ``text.format`` named ``codex_output_schema``. SSE events map one-to-one onto
:mod:`codeloop.protocol.response_events`; items of unknown types are skipped, not fatal.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import msgspec

from codeloop.errors import ModelAPIError, StreamInterruptedError
from codeloop.model.api_errors import clean_excerpt, error_from_event
from codeloop.model.base import WireClient
from codeloop.model.usage import usage_from_wire
from codeloop.protocol.items import ResponseItem
from codeloop.protocol.response_events import (
    Completed,
    Created,
    OutputItemAdded,
    OutputItemDone,
    OutputTextDelta,
    ReasoningContentDelta,
    ReasoningSummaryDelta,
    ResponseEvent,
)

if TYPE_CHECKING:
    from codeloop.model.prompt import Prompt
    from codeloop.model.settings import ModelSettings
    from codeloop.protocol.usage import TokenUsage

__all__ = [
    "OUTPUT_SCHEMA_NAME",
    "ResponsesClient",
    "ResponsesDecoder",
    "build_responses_body",
    "responses_usage",
]

log = logging.getLogger(__name__)

#: The ``text.format.name`` Codex uses for ``--output-schema``.
OUTPUT_SCHEMA_NAME = "codex_output_schema"


def build_responses_body(settings: ModelSettings, prompt: Prompt) -> dict[str, Any]:
    """The request body, field for field as codex-rs builds it."""
    body: dict[str, Any] = {
        "model": settings.model,
        "instructions": prompt.instructions,
        # to_builtins honours omit_defaults: no "id": null on input items.
        "input": msgspec.to_builtins(prompt.input),
        "tools": prompt.tools,
        "tool_choice": "auto",
        "parallel_tool_calls": prompt.parallel_tool_calls,
    }
    include: list[str] = []
    if settings.sends_reasoning:
        reasoning: dict[str, str] = {}
        if settings.reasoning_effort:
            reasoning["effort"] = settings.reasoning_effort
        if settings.reasoning_summary and settings.reasoning_summary != "none":
            reasoning["summary"] = settings.reasoning_summary
        body["reasoning"] = reasoning
        include.append("reasoning.encrypted_content")
    body["store"] = False
    body["stream"] = True
    body["include"] = include
    if settings.session_id:
        body["prompt_cache_key"] = settings.session_id
    text: dict[str, Any] = {}
    if prompt.output_schema is not None:
        text["format"] = {
            "type": "json_schema",
            "name": OUTPUT_SCHEMA_NAME,
            "schema": prompt.output_schema,
            "strict": True,
        }
    if settings.verbosity:
        text["verbosity"] = settings.verbosity
    if text:
        body["text"] = text
    return body


def responses_usage(usage: Any) -> TokenUsage | None:
    """``response.usage`` as :class:`TokenUsage` (cached and reasoning tokens from the details)."""
    return usage_from_wire(usage, input_name="input", output_name="output")


def _item(value: Any) -> ResponseItem | None:
    if not isinstance(value, dict):
        return None
    try:
        item: ResponseItem = msgspec.convert(value, ResponseItem)
        return item
    except msgspec.ValidationError as exc:
        log.debug("skipping output item of type %r: %s", value.get("type"), exc)
        return None


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


class ResponsesDecoder:
    """One attempt's Responses SSE events → :class:`ResponseEvent` s."""

    def __init__(self, settings: ModelSettings) -> None:
        self._settings = settings
        self._created = False
        self.done = False

    def _error_kw(self) -> dict[str, Any]:
        provider = self._settings.provider
        return {
            "provider": provider.name,
            "env_key": provider.env_key,
            "secrets": [self._settings.api_key],
        }

    def feed(self, event: str, data: str) -> list[ResponseEvent]:
        if not data.strip():
            return []
        try:
            payload: Any = msgspec.json.decode(data)
        except msgspec.DecodeError:
            raise StreamInterruptedError(
                f"{self._settings.provider.name} sent a malformed event: {clean_excerpt(data, 80)}"
            ) from None
        if not isinstance(payload, dict):
            return []
        kind = _str(payload.get("type")) or event
        out: list[ResponseEvent] = []
        if kind == "response.created":
            response = payload.get("response") or {}
            self._created = True
            return [Created(response_id=_str(response.get("id")))]
        if not self._created:
            # Every attempt starts with Created (the retry contract), even if the server skipped it.
            self._created = True
            out.append(Created())
        out.extend(self._event(kind, payload))
        return out

    def _event(self, kind: str, payload: dict[str, Any]) -> list[ResponseEvent]:
        item_id = _str(payload.get("item_id"))
        if kind == "response.output_text.delta":
            return [OutputTextDelta(delta=str(payload.get("delta", "")), item_id=item_id)]
        if kind == "response.reasoning_summary_text.delta":
            index = payload.get("summary_index")
            return [
                ReasoningSummaryDelta(
                    delta=str(payload.get("delta", "")),
                    summary_index=index if isinstance(index, int) else 0,
                    item_id=item_id,
                )
            ]
        if kind == "response.reasoning_text.delta":
            return [ReasoningContentDelta(delta=str(payload.get("delta", "")), item_id=item_id)]
        if kind in ("response.output_item.added", "response.output_item.done"):
            item = _item(payload.get("item"))
            if item is None:
                return []
            if kind == "response.output_item.added":
                return [OutputItemAdded(item=item)]
            return [OutputItemDone(item=item)]
        if kind == "response.completed":
            response = payload.get("response") or {}
            self.done = True
            return [
                Completed(
                    response_id=_str(response.get("id")),
                    usage=responses_usage(response.get("usage")),
                )
            ]
        if kind == "response.failed":
            response = payload.get("response") or {}
            raise error_from_event(response.get("error"), **self._error_kw())
        if kind == "error":  # a bare error event: {"type": "error", "code", "message"}
            raise error_from_event(payload, **self._error_kw())
        if kind == "response.incomplete":
            response = payload.get("response") or {}
            details = response.get("incomplete_details") or {}
            reason = _str(details.get("reason")) or "unknown reason"
            # Not retried: the same request would stop at the same place (max_output_tokens,
            # content filter).
            raise ModelAPIError(
                f"{self._settings.provider.name} returned an incomplete response ({reason})",
                hint="ask for a shorter answer or raise the model's output limit",
            )
        return []

    def end(self) -> list[ResponseEvent]:
        raise StreamInterruptedError(
            f"the stream from {self._settings.provider.name} closed before response.completed"
        )


class ResponsesClient(WireClient):
    """``POST {base_url}/responses`` with Codex's body; see :class:`WireClient` for the API."""

    path = "responses"

    def build_body(self, prompt: Prompt) -> dict[str, Any]:
        return build_responses_body(self.settings, prompt)

    def decoder(self, prompt: Prompt) -> ResponsesDecoder:
        return ResponsesDecoder(self.settings)
