"""Response items: the conversation as the Responses API sees it.

The same shapes go to the model (``input``), come back from it (``output``) and are written to the
rollout as ``response_item`` lines, so history round-trips without translation. Field names follow
the Responses API and Codex's ``ResponseItem``.

``None`` fields are left out when encoded (``omit_defaults``): the API rejects ``"id": null``.
"""

from __future__ import annotations

from typing import Literal

import msgspec

__all__ = [
    "ContentItem",
    "CustomToolCall",
    "CustomToolCallOutput",
    "FunctionCall",
    "FunctionCallOutput",
    "InputImage",
    "InputText",
    "Message",
    "OutputText",
    "Reasoning",
    "ReasoningSummaryText",
    "ReasoningText",
    "ResponseItem",
    "message_text",
]


class InputText(
    msgspec.Struct, tag="input_text", tag_field="type", frozen=True, omit_defaults=True
):
    text: str


class OutputText(
    msgspec.Struct, tag="output_text", tag_field="type", frozen=True, omit_defaults=True
):
    text: str


class InputImage(
    msgspec.Struct, tag="input_image", tag_field="type", frozen=True, omit_defaults=True
):
    #: A URL or a ``data:image/...;base64,`` URL.
    image_url: str


ContentItem = InputText | OutputText | InputImage

Role = Literal["user", "assistant", "system", "developer"]


class Message(msgspec.Struct, tag="message", tag_field="type", frozen=True, omit_defaults=True):
    role: Role
    content: list[ContentItem]
    id: str | None = None


class ReasoningSummaryText(
    msgspec.Struct, tag="summary_text", tag_field="type", frozen=True, omit_defaults=True
):
    text: str


class ReasoningText(
    msgspec.Struct, tag="reasoning_text", tag_field="type", frozen=True, omit_defaults=True
):
    text: str


class Reasoning(msgspec.Struct, tag="reasoning", tag_field="type", frozen=True, omit_defaults=True):
    """A reasoning item; ``encrypted_content`` is opaque and must be sent back unchanged."""

    id: str
    #: Always present (the API requires it on input), possibly empty.
    summary: list[ReasoningSummaryText]
    content: list[ReasoningText] | None = None
    encrypted_content: str | None = None


class FunctionCall(
    msgspec.Struct, tag="function_call", tag_field="type", frozen=True, omit_defaults=True
):
    name: str
    #: The JSON text of the arguments, exactly as the model produced it.
    arguments: str
    call_id: str
    id: str | None = None


class FunctionCallOutput(
    msgspec.Struct, tag="function_call_output", tag_field="type", frozen=True, omit_defaults=True
):
    call_id: str
    output: str


class CustomToolCall(
    msgspec.Struct, tag="custom_tool_call", tag_field="type", frozen=True, omit_defaults=True
):
    """A freeform tool call (for example apply_patch with a grammar): ``input`` is raw text."""

    name: str
    input: str
    call_id: str
    id: str | None = None
    status: str | None = None


class CustomToolCallOutput(
    msgspec.Struct,
    tag="custom_tool_call_output",
    tag_field="type",
    frozen=True,
    omit_defaults=True,
):
    call_id: str
    output: str


ResponseItem = (
    Message | Reasoning | FunctionCall | FunctionCallOutput | CustomToolCall | CustomToolCallOutput
)


def message_text(item: Message) -> str:
    """The text of a message, its text parts joined (images are skipped)."""
    return "".join(c.text for c in item.content if not isinstance(c, InputImage))
