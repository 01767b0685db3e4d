"""Token usage as the wire APIs report it, read defensively.

Responses says ``input_tokens`` / ``output_tokens`` (with ``*_tokens_details``), Chat Completions
says ``prompt_tokens`` / ``completion_tokens``; the shape is otherwise the same, so one reader
serves both. Missing or non-integer fields count as 0.
"""

from __future__ import annotations

from typing import Any

from codeloop.protocol.usage import TokenUsage

__all__ = ["usage_from_wire"]


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def usage_from_wire(usage: Any, *, input_name: str, output_name: str) -> TokenUsage | None:
    """``usage`` (a decoded JSON object) as :class:`TokenUsage`; ``None`` when it is not one.

    ``input_name``/``output_name`` are ``"input"``/``"output"`` (Responses) or
    ``"prompt"``/``"completion"`` (Chat).
    """
    if not isinstance(usage, dict):
        return None
    input_details = usage.get(f"{input_name}_tokens_details") or {}
    output_details = usage.get(f"{output_name}_tokens_details") or {}
    input_tokens = _int(usage.get(f"{input_name}_tokens"))
    output_tokens = _int(usage.get(f"{output_name}_tokens"))
    return TokenUsage(
        input_tokens=input_tokens,
        cached_input_tokens=_int(input_details.get("cached_tokens")),
        output_tokens=output_tokens,
        reasoning_output_tokens=_int(output_details.get("reasoning_tokens")),
        total_tokens=_int(usage.get("total_tokens")) or input_tokens + output_tokens,
    )
