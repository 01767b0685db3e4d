"""What one model request carries: instructions, the conversation, tools and output options.

The core builds a :class:`Prompt` per request; each wire client translates it into its own body.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from codeloop.protocol.items import ResponseItem

__all__ = ["Prompt"]


@dataclass(frozen=True, slots=True)
class Prompt:
    """One request to the model, independent of the wire API."""

    #: The system prompt (Responses ``instructions``; Chat's first ``system`` message).
    instructions: str
    #: The conversation so far, in Responses item form.
    input: list[ResponseItem] = field(default_factory=list)
    #: Tool specs in Responses form: ``{"type": "function", "name", "description",
    #: "parameters", "strict"}`` or ``{"type": "custom", "name", "description", "format"}``.
    tools: list[dict[str, Any]] = field(default_factory=list)
    parallel_tool_calls: bool = False
    #: A JSON schema the final answer must follow (``--output-schema``), or ``None``.
    output_schema: dict[str, Any] | None = None

    def custom_tool_names(self) -> frozenset[str]:
        """Names of the freeform (``custom``) tools: Chat has none, so it fakes them."""
        return frozenset(
            str(t["name"]) for t in self.tools if t.get("type") == "custom" and "name" in t
        )
