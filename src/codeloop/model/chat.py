"""The Chat Completions client (``POST {base_url}/chat/completions``) for OpenAI-compatible
servers (Ollama, vLLM, LM Studio, OpenRouter, ...), yielding the same events as the Responses
client for the same answer.

Request: ``instructions`` become the first ``system`` message; ``developer`` messages are sent as
``system`` (many servers reject the newer role); consecutive function / custom tool calls join one
assistant message's ``tool_calls`` (the API requires the tool results to follow that one message);
custom (freeform) tools become functions taking ``{"input": string}``. **Reasoning items are
dropped** from the request: Chat has no standard field for them and servers differ on
``reasoning_content`` (some reject it), while the model does not need its old reasoning.

Response: ``content`` deltas become a message item, ``reasoning_content`` (or ``reasoning``)
deltas a reasoning item with :class:`ReasoningContentDelta` (Chat streams raw reasoning, never a
summary), ``tool_calls`` deltas are assembled by index into function calls (or custom tool calls
when the name is a custom tool of the prompt). An item is done when the next kind of output
starts or the choice finishes; ``Completed`` carries the final usage chunk. A stream that ends
with neither ``finish_reason`` nor ``[DONE]`` is :class:`~codeloop.errors.StreamInterruptedError`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import msgspec

from codeloop.errors import ContextWindowExceededError, StreamInterruptedError
from codeloop.model.api_errors import clean_excerpt, error_from_event
from codeloop.model.base import WireClient
from codeloop.model.responses import OUTPUT_SCHEMA_NAME
from codeloop.model.usage import usage_from_wire
from codeloop.protocol.items import (
    CustomToolCall,
    CustomToolCallOutput,
    FunctionCall,
    FunctionCallOutput,
    InputImage,
    Message,
    OutputText,
    Reasoning,
    ReasoningText,
    ResponseItem,
    message_text,
)
from codeloop.protocol.response_events import (
    Completed,
    Created,
    OutputItemAdded,
    OutputItemDone,
    OutputTextDelta,
    ReasoningContentDelta,
    ResponseEvent,
)

if TYPE_CHECKING:
    from codeloop.model.prompt import Prompt
    from codeloop.model.settings import ModelSettings
    from codeloop.protocol.usage import TokenUsage

__all__ = [
    "ChatClient",
    "ChatDecoder",
    "build_chat_body",
    "chat_messages",
    "chat_tools",
    "chat_usage",
]

log = logging.getLogger(__name__)


# --------------------------------------------------------------------------------------------
# request


def _message(item: Message) -> dict[str, Any]:
    role = "system" if item.role == "developer" else item.role
    if role == "user" and any(isinstance(c, InputImage) for c in item.content):
        parts: list[dict[str, Any]] = []
        for c in item.content:
            if isinstance(c, InputImage):
                parts.append({"type": "image_url", "image_url": {"url": c.image_url}})
            else:
                parts.append({"type": "text", "text": c.text})
        return {"role": role, "content": parts}
    return {"role": role, "content": message_text(item)}


def chat_messages(prompt: Prompt) -> list[dict[str, Any]]:
    """The conversation as Chat ``messages`` (see the module docstring for the choices)."""
    messages: list[dict[str, Any]] = []
    if prompt.instructions:
        messages.append({"role": "system", "content": prompt.instructions})
    # The assistant message that the next tool calls attach to, if any.
    assistant: dict[str, Any] | None = None
    for item in prompt.input:
        if isinstance(item, Message):
            msg = _message(item)
            messages.append(msg)
            assistant = msg if msg["role"] == "assistant" else None
        elif isinstance(item, FunctionCall | CustomToolCall):
            arguments = (
                item.arguments
                if isinstance(item, FunctionCall)
                else msgspec.json.encode({"input": item.input}).decode()
            )
            call = {
                "id": item.call_id,
                "type": "function",
                "function": {"name": item.name, "arguments": arguments},
            }
            if assistant is None:
                assistant = {"role": "assistant", "content": None}
                messages.append(assistant)
            assistant.setdefault("tool_calls", []).append(call)
        elif isinstance(item, FunctionCallOutput | CustomToolCallOutput):
            messages.append({"role": "tool", "tool_call_id": item.call_id, "content": item.output})
            assistant = None
        # Reasoning: dropped (module docstring).
    return messages


def _custom_tool_description(tool: dict[str, Any]) -> str:
    description = str(tool.get("description", ""))
    fmt = tool.get("format")
    if isinstance(fmt, dict) and fmt.get("type") == "grammar" and fmt.get("definition"):
        syntax = fmt.get("syntax", "grammar")
        description += (
            f"\n\nPass the raw input as the `input` string; it must follow this {syntax} "
            f"grammar:\n{fmt['definition']}"
        )
    return description


def chat_tools(tools: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Responses tool specs as Chat tools; tool types Chat cannot express are left out."""
    out: list[dict[str, Any]] = []
    for tool in tools:
        kind = tool.get("type")
        if kind == "function":
            function = {
                k: tool[k] for k in ("name", "description", "parameters", "strict") if k in tool
            }
            out.append({"type": "function", "function": function})
        elif kind == "custom":
            out.append(
                {
                    "type": "function",
                    "function": {
                        "name": tool["name"],
                        "description": _custom_tool_description(tool),
                        "parameters": {
                            "type": "object",
                            "properties": {
                                "input": {"type": "string", "description": "The raw input."}
                            },
                            "required": ["input"],
                            "additionalProperties": False,
                        },
                    },
                }
            )
        else:
            log.debug("tool type %r has no Chat Completions form; not sent", kind)
    return out


def build_chat_body(settings: ModelSettings, prompt: Prompt) -> dict[str, Any]:
    body: dict[str, Any] = {
        "model": settings.model,
        "messages": chat_messages(prompt),
        "stream": True,
        "stream_options": {"include_usage": True},
    }
    tools = chat_tools(prompt.tools)
    if tools:  # tool_choice / parallel_tool_calls without tools is a 400 on OpenAI
        body["tools"] = tools
        body["tool_choice"] = "auto"
        body["parallel_tool_calls"] = prompt.parallel_tool_calls
    if settings.sends_reasoning and settings.reasoning_effort:
        body["reasoning_effort"] = settings.reasoning_effort
    if prompt.output_schema is not None:
        body["response_format"] = {
            "type": "json_schema",
            "json_schema": {
                "name": OUTPUT_SCHEMA_NAME,
                "schema": prompt.output_schema,
                "strict": True,
            },
        }
    return body


# --------------------------------------------------------------------------------------------
# response


def chat_usage(usage: Any) -> TokenUsage | None:
    """A Chat ``usage`` object as :class:`TokenUsage`."""
    return usage_from_wire(usage, input_name="prompt", output_name="completion")


def _text_of(value: Any) -> str:
    """Delta text from a string, a ``{"text"|"content": ...}`` object or a list of parts."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        inner = value.get("text", value.get("content"))
        return inner if isinstance(inner, str) else ""
    if isinstance(value, list):
        return "".join(_text_of(part) for part in value)
    return ""


@dataclass
class _ToolCall:
    call_id: str
    name: str = ""
    arguments: list[str] = field(default_factory=list)


class ChatDecoder:
    """One attempt's Chat chunks → the same :class:`ResponseEvent` s the Responses wire gives."""

    def __init__(self, settings: ModelSettings, custom_tools: frozenset[str]) -> None:
        self._settings = settings
        self._custom_tools = custom_tools
        self._response_id: str | None = None
        self._created = False
        self._usage: TokenUsage | None = None
        self._finished = False
        self._items = 0
        # The open item: ("text" | "reasoning", id, parts) or ("tool", index).
        self._text: tuple[str, list[str]] | None = None
        self._reasoning: tuple[str, list[str]] | None = None
        self._tool_index: int | None = None
        self._tools: dict[int, _ToolCall] = {}
        self._closed_tools: set[int] = set()
        self.done = False

    # -- items ---------------------------------------------------------------------------------

    def _next_id(self, prefix: str) -> str:
        self._items += 1
        return f"{prefix}_{self._response_id or 'chat'}_{self._items}"

    def _close_text(self) -> list[ResponseEvent]:
        if self._text is None:
            return []
        item_id, parts = self._text
        self._text = None
        item = Message(role="assistant", content=[OutputText(text="".join(parts))], id=item_id)
        return [OutputItemDone(item=item)]

    def _close_reasoning(self) -> list[ResponseEvent]:
        if self._reasoning is None:
            return []
        item_id, parts = self._reasoning
        self._reasoning = None
        item = Reasoning(id=item_id, summary=[], content=[ReasoningText(text="".join(parts))])
        return [OutputItemDone(item=item)]

    def _tool_item(self, call: _ToolCall, *, done: bool) -> ResponseItem:
        arguments = "".join(call.arguments) if done else ""
        if call.name in self._custom_tools:
            text = arguments
            if done:
                try:
                    decoded: Any = msgspec.json.decode(arguments)
                except msgspec.DecodeError:
                    decoded = None
                if isinstance(decoded, dict) and isinstance(decoded.get("input"), str):
                    text = decoded["input"]
            status = "completed" if done else "in_progress"
            return CustomToolCall(name=call.name, input=text, call_id=call.call_id, status=status)
        return FunctionCall(name=call.name, arguments=arguments, call_id=call.call_id)

    def _close_tool(self) -> list[ResponseEvent]:
        if self._tool_index is None:
            return []
        index = self._tool_index
        self._tool_index = None
        self._closed_tools.add(index)
        return [OutputItemDone(item=self._tool_item(self._tools[index], done=True))]

    def _close_all(self) -> list[ResponseEvent]:
        return [*self._close_reasoning(), *self._close_text(), *self._close_tool()]

    # -- deltas --------------------------------------------------------------------------------

    def _on_reasoning(self, text: str) -> list[ResponseEvent]:
        out: list[ResponseEvent] = []
        if self._reasoning is None:
            out += [*self._close_text(), *self._close_tool()]
            self._reasoning = (self._next_id("rs"), [])
            out.append(OutputItemAdded(item=Reasoning(id=self._reasoning[0], summary=[])))
        self._reasoning[1].append(text)
        out.append(ReasoningContentDelta(delta=text, item_id=self._reasoning[0]))
        return out

    def _on_text(self, text: str) -> list[ResponseEvent]:
        out: list[ResponseEvent] = []
        if self._text is None:
            out += [*self._close_reasoning(), *self._close_tool()]
            self._text = (self._next_id("msg"), [])
            item = Message(role="assistant", content=[], id=self._text[0])
            out.append(OutputItemAdded(item=item))
        self._text[1].append(text)
        out.append(OutputTextDelta(delta=text, item_id=self._text[0]))
        return out

    def _on_tool(self, delta: dict[str, Any]) -> list[ResponseEvent]:
        index = delta.get("index")
        if not isinstance(index, int):
            index = self._tool_index if self._tool_index is not None else len(self._tools)
        if index in self._closed_tools:
            log.debug("ignoring a tool_calls delta for finished call %d", index)
            return []
        function = delta.get("function") or {}
        out: list[ResponseEvent] = []
        call = self._tools.get(index)
        if call is None:
            out += [*self._close_reasoning(), *self._close_text(), *self._close_tool()]
            call_id = delta.get("id")
            call = _ToolCall(call_id=call_id if isinstance(call_id, str) else f"call_{index}")
            self._tools[index] = call
            self._tool_index = index
            name = function.get("name")
            call.name = name if isinstance(name, str) else ""
            out.append(OutputItemAdded(item=self._tool_item(call, done=False)))
        elif isinstance(function.get("name"), str) and not call.name:
            call.name = function["name"]
        arguments = function.get("arguments")
        if isinstance(arguments, str):
            call.arguments.append(arguments)
        return out

    # -- events --------------------------------------------------------------------------------

    def _complete(self) -> list[ResponseEvent]:
        self.done = True
        return [
            *self._start([]),
            *self._close_all(),
            Completed(response_id=self._response_id, usage=self._usage),
        ]

    def _start(self, out: list[ResponseEvent]) -> list[ResponseEvent]:
        if not self._created:
            self._created = True
            out.append(Created(response_id=self._response_id))
        return out

    def feed(self, event: str, data: str) -> list[ResponseEvent]:
        text = data.strip()
        if not text:
            return []
        if text == "[DONE]":
            return self._complete()
        provider = self._settings.provider
        try:
            payload: Any = msgspec.json.decode(text)
        except msgspec.DecodeError:
            raise StreamInterruptedError(
                f"{provider.name} sent a malformed event: {clean_excerpt(text, 80)}"
            ) from None
        if not isinstance(payload, dict):
            return []
        error = payload.get("error")
        if isinstance(error, dict):
            raise error_from_event(
                error,
                provider=provider.name,
                env_key=provider.env_key,
                secrets=[self._settings.api_key],
            )
        if self._response_id is None and isinstance(payload.get("id"), str):
            self._response_id = payload["id"]
        out = self._start([])
        usage = chat_usage(payload.get("usage"))
        if usage is not None:
            self._usage = usage
        choices = payload.get("choices")
        for choice in choices if isinstance(choices, list) else []:
            if not isinstance(choice, dict) or choice.get("index", 0) != 0:
                continue  # n > 1 is never requested
            delta = choice.get("delta") or {}
            reasoning = _text_of(delta.get("reasoning_content") or delta.get("reasoning"))
            if reasoning:
                out += self._on_reasoning(reasoning)
            content = _text_of(delta.get("content"))
            if content:
                out += self._on_text(content)
            for tool_delta in delta.get("tool_calls") or []:
                if isinstance(tool_delta, dict):
                    out += self._on_tool(tool_delta)
            finish = choice.get("finish_reason")
            if finish:
                self._finished = True
                out += self._close_all()
                if finish == "length":
                    # We never set max_tokens, so running out of room means the context is full
                    # (Codex maps it the same way).
                    raise ContextWindowExceededError(
                        "the model ran out of context window while answering"
                    )
        return out

    def end(self) -> list[ResponseEvent]:
        if self._finished:  # some servers finish without [DONE]
            return self._complete()
        raise StreamInterruptedError(
            f"the stream from {self._settings.provider.name} closed before the answer finished"
        )


class ChatClient(WireClient):
    """``POST {base_url}/chat/completions``; see :class:`WireClient` for the API."""

    path = "chat/completions"

    def build_body(self, prompt: Prompt) -> dict[str, Any]:
        return build_chat_body(self.settings, prompt)

    def decoder(self, prompt: Prompt) -> ChatDecoder:
        return ChatDecoder(self.settings, prompt.custom_tool_names())
