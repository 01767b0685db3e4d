"""Render a scripted response as Responses API (``POST /v1/responses``) server-sent events.

The stream is ``response.created``; per output item ``response.output_item.added``, the item's
own events (content part and text deltas, reasoning summary part and deltas, function call
argument deltas, custom tool call input deltas) and ``response.output_item.done`` with the full
item; then ``response.completed`` with ``usage``. Every event carries ``sequence_number``. These are
the shapes codex-rs parses (``output_item.done`` items, text and reasoning deltas, ``completed``
usage and ``failed`` errors).
"""

from __future__ import annotations

from typing import Any

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

__all__ = ["render_responses"]


class _Stream:
    """Collects events in order, numbering them from ``first_sequence``."""

    def __init__(self, first_sequence: int = 0) -> None:
        self.first_sequence = first_sequence
        self.events: list[SSEEvent] = []

    def emit(self, type_: str, *, delay: float = 0.0, **fields: Any) -> None:
        sequence = self.first_sequence + len(self.events)
        payload: dict[str, Any] = {"type": type_, "sequence_number": sequence}
        payload.update(fields)
        self.events.append(json_event(payload, event=type_, delay=delay))


def _response_object(
    response_id: str, ctx: RenderContext, status: str, **fields: Any
) -> dict[str, Any]:
    obj: dict[str, Any] = {
        "id": response_id,
        "object": "response",
        "created_at": ctx.created,
        "status": status,
        "model": ctx.model,
    }
    obj.update(fields)
    return obj


def _message(s: _Stream, step: MessageStep, index: int, ctx: RenderContext) -> dict[str, Any]:
    item_id = ctx.ids.next("msg_")
    s.emit(
        "response.output_item.added",
        output_index=index,
        item={
            "type": "message",
            "id": item_id,
            "status": "in_progress",
            "role": "assistant",
            "content": [],
        },
    )
    where: dict[str, Any] = {"item_id": item_id, "output_index": index, "content_index": 0}
    s.emit(
        "response.content_part.added",
        **where,
        part={"type": "output_text", "text": "", "annotations": []},
    )
    for i, piece in enumerate(split_text(step.text, step.chunk_size)):
        delay = step.delay_ms / 1000 if i else 0.0
        s.emit("response.output_text.delta", delay=delay, **where, delta=piece, logprobs=[])
    s.emit("response.output_text.done", **where, text=step.text, logprobs=[])
    part = {"type": "output_text", "text": step.text, "annotations": []}
    s.emit("response.content_part.done", **where, part=part)
    item = {
        "type": "message",
        "id": item_id,
        "role": "assistant",
        "status": "completed",
        "content": [part],
    }
    s.emit("response.output_item.done", output_index=index, item=item)
    return item


def _reasoning(s: _Stream, step: ReasoningStep, index: int, ctx: RenderContext) -> dict[str, Any]:
    item_id = ctx.ids.next("rs_")
    s.emit(
        "response.output_item.added",
        output_index=index,
        item={
            "type": "reasoning",
            "id": item_id,
            "summary": [],
            "encrypted_content": step.encrypted_content,
        },
    )
    summary: list[dict[str, Any]] = []
    if step.summary:
        where: dict[str, Any] = {"item_id": item_id, "output_index": index, "summary_index": 0}
        s.emit(
            "response.reasoning_summary_part.added",
            **where,
            part={"type": "summary_text", "text": ""},
        )
        for piece in split_text(step.summary, step.chunk_size):
            s.emit("response.reasoning_summary_text.delta", **where, delta=piece)
        s.emit("response.reasoning_summary_text.done", **where, text=step.summary)
        part = {"type": "summary_text", "text": step.summary}
        s.emit("response.reasoning_summary_part.done", **where, part=part)
        summary.append(part)
    item = {
        "type": "reasoning",
        "id": item_id,
        "summary": summary,
        "encrypted_content": step.encrypted_content,
    }
    s.emit("response.output_item.done", output_index=index, item=item)
    return item


def _function_call(
    s: _Stream, step: FunctionCallStep, index: int, ctx: RenderContext
) -> dict[str, Any]:
    item_id = ctx.ids.next("fc_")
    call_id = step.call_id or ctx.ids.next("call_")
    arguments = arguments_text(step)
    head = {"type": "function_call", "id": item_id, "call_id": call_id, "name": step.name}
    s.emit(
        "response.output_item.added",
        output_index=index,
        item={**head, "arguments": "", "status": "in_progress"},
    )
    where: dict[str, Any] = {"item_id": item_id, "output_index": index}
    for piece in split_text(arguments, step.chunk_size):
        s.emit("response.function_call_arguments.delta", **where, delta=piece)
    s.emit("response.function_call_arguments.done", **where, arguments=arguments)
    item = {**head, "arguments": arguments, "status": "completed"}
    s.emit("response.output_item.done", output_index=index, item=item)
    return item


def _custom_tool_call(
    s: _Stream, step: CustomToolCallStep, index: int, ctx: RenderContext
) -> dict[str, Any]:
    item_id = ctx.ids.next("ctc_")
    call_id = step.call_id or ctx.ids.next("call_")
    head = {"type": "custom_tool_call", "id": item_id, "call_id": call_id, "name": step.name}
    s.emit(
        "response.output_item.added",
        output_index=index,
        item={**head, "input": "", "status": "in_progress"},
    )
    where: dict[str, Any] = {"item_id": item_id, "output_index": index}
    for piece in split_text(step.input, step.chunk_size):
        s.emit("response.custom_tool_call_input.delta", **where, delta=piece)
    s.emit("response.custom_tool_call_input.done", **where, input=step.input)
    item = {**head, "input": step.input, "status": "completed"}
    s.emit("response.output_item.done", output_index=index, item=item)
    return item


def render_responses(response: ScriptedResponse, ctx: RenderContext) -> Rendered:
    """The Responses API events of ``response`` (faults are laid over them by playback)."""
    response_id = ctx.ids.next("resp_")
    s = _Stream()
    s.emit(
        "response.created",
        response=_response_object(response_id, ctx, "in_progress", output=[], usage=None),
    )
    items: list[dict[str, Any]] = []
    for index, step in enumerate(response.output):
        if isinstance(step, MessageStep):
            items.append(_message(s, step, index, ctx))
        elif isinstance(step, ReasoningStep):
            items.append(_reasoning(s, step, index, ctx))
        elif isinstance(step, FunctionCallStep):
            items.append(_function_call(s, step, index, ctx))
        else:
            items.append(_custom_tool_call(s, step, index, ctx))
    body = s.events

    usage = resolve_usage(response, ctx.request_bytes)
    usage_obj = {
        "input_tokens": usage.input_tokens,
        "input_tokens_details": {"cached_tokens": usage.cached_input_tokens},
        "output_tokens": usage.output_tokens,
        "output_tokens_details": {"reasoning_tokens": usage.reasoning_output_tokens},
        "total_tokens": usage.total_tokens,
    }
    s = _Stream(len(body))
    s.emit(
        "response.completed",
        response=_response_object(response_id, ctx, "completed", output=items, usage=usage_obj),
    )
    completion = s.events

    failure: list[SSEEvent] = []
    fault = response.fault
    if isinstance(fault, ResponseFailed):
        s = _Stream(min(max(fault.after_events, 0), len(body)))
        error = {"code": fault.code, "message": fault.message}
        s.emit(
            "response.failed",
            response=_response_object(
                response_id, ctx, "failed", output=[], usage=None, error=error
            ),
        )
        failure = s.events
    return Rendered(body=body, completion=completion, failure=failure)
