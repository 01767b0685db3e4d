"""Render a scripted response as Chat Completions (``POST /v1/chat/completions``) chunks.

The stream is ``data: {chat.completion.chunk}`` lines: a first chunk with the assistant role,
``delta.content`` pieces for text, ``delta.reasoning_content`` pieces for reasoning,
``delta.tool_calls`` for function calls (id, type and name only in the first chunk of a call, the
arguments split over the following ones) and for custom tool calls (a function call whose arguments
are ``{"input": "<text>"}``: Chat has no freeform tools); then a chunk with ``finish_reason``, a
usage chunk with ``choices: []`` when the request set ``stream_options.include_usage``, and
``data: [DONE]``.
"""

from __future__ import annotations

from typing import Any

import msgspec

from codeloop.testing.script import (
    CustomToolCallStep,
    FunctionCallStep,
    MessageStep,
    ReasoningStep,
    ResponseFailed,
    ScriptedResponse,
)
from codeloop.testing.sse import (
    RenderContext,
    Rendered,
    SSEEvent,
    arguments_text,
    json_event,
    resolve_usage,
    split_text,
)

__all__ = ["render_chat"]

#: The OpenAI error ``type`` that goes with a failure code (``server_error`` otherwise).
_ERROR_TYPES = {
    "context_length_exceeded": "invalid_request_error",
    "insufficient_quota": "insufficient_quota",
    "rate_limit_exceeded": "requests",
}


def render_chat(response: ScriptedResponse, ctx: RenderContext) -> Rendered:
    """The Chat Completions chunks of ``response`` (faults are laid over them by playback)."""
    head: dict[str, Any] = {
        "id": ctx.ids.next("chatcmpl-"),
        "object": "chat.completion.chunk",
        "created": ctx.created,
        "model": ctx.model,
    }

    def chunk(
        delta: dict[str, Any], finish_reason: str | None = None, delay: float = 0.0
    ) -> SSEEvent:
        choice = {"index": 0, "delta": delta, "finish_reason": finish_reason}
        return json_event({**head, "choices": [choice]}, delay=delay)

    def tool_call(index: int, call_id: str, name: str, arguments: str, size: int) -> None:
        first = {"index": index, "id": call_id, "type": "function"}
        body.append(chunk({"tool_calls": [{**first, "function": {"name": name, "arguments": ""}}]}))
        for piece in split_text(arguments, size):
            body.append(chunk({"tool_calls": [{"index": index, "function": {"arguments": piece}}]}))

    body = [chunk({"role": "assistant", "content": ""})]
    calls = 0
    for step in response.output:
        if isinstance(step, MessageStep):
            for i, piece in enumerate(split_text(step.text, step.chunk_size)):
                body.append(chunk({"content": piece}, delay=step.delay_ms / 1000 if i else 0.0))
        elif isinstance(step, ReasoningStep):
            for piece in split_text(step.summary, step.chunk_size):
                body.append(chunk({"reasoning_content": piece}))
        elif isinstance(step, FunctionCallStep):
            call_id = step.call_id or ctx.ids.next("call_")
            tool_call(calls, call_id, step.name, arguments_text(step), step.chunk_size)
            calls += 1
        elif isinstance(step, CustomToolCallStep):
            call_id = step.call_id or ctx.ids.next("call_")
            arguments = msgspec.json.encode({"input": step.input}).decode("utf-8")
            tool_call(calls, call_id, step.name, arguments, step.chunk_size)
            calls += 1

    completion = [chunk({}, "tool_calls" if calls else "stop")]
    if ctx.include_usage:
        usage = resolve_usage(response, ctx.request_bytes)
        usage_obj = {
            "prompt_tokens": usage.input_tokens,
            "completion_tokens": usage.output_tokens,
            "total_tokens": usage.total_tokens,
            "prompt_tokens_details": {"cached_tokens": usage.cached_input_tokens},
            "completion_tokens_details": {"reasoning_tokens": usage.reasoning_output_tokens},
        }
        completion.append(json_event({**head, "choices": [], "usage": usage_obj}))
    completion.append(SSEEvent("[DONE]"))

    failure: list[SSEEvent] = []
    fault = response.fault
    if isinstance(fault, ResponseFailed):
        error = {
            "message": fault.message,
            "type": _ERROR_TYPES.get(fault.code, "server_error"),
            "code": fault.code,
            "param": None,
        }
        failure = [json_event({"error": error})]
    return Rendered(body=body, completion=completion, failure=failure)
