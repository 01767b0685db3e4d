"""Choose the scripted response for a request (``Match`` and ``predicate``, see script.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterator

    from codeloop.testing.script import Match, RecordedRequest, ScriptedResponse

__all__ = ["accepts", "is_chat_path", "last_input_type"]


def is_chat_path(path: str) -> bool:
    return path.rstrip("/").endswith("/chat/completions")


def last_input_type(request: RecordedRequest) -> str | None:
    """The ``type`` of the last input item (Responses) or its Chat equivalent.

    Chat: ``function_call_output`` when the last message has role ``tool``, else ``message``.
    Responses: a string ``input`` and items with a ``role`` but no ``type`` count as ``message``.
    """
    body = request.body
    if not isinstance(body, dict):
        return None
    if is_chat_path(request.path):
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages:
            return None
        last = messages[-1]
        if isinstance(last, dict) and last.get("role") == "tool":
            return "function_call_output"
        return "message"
    items = body.get("input")
    if isinstance(items, str):
        return "message"
    if not isinstance(items, list) or not items:
        return None
    last = items[-1]
    if not isinstance(last, dict):
        return None
    kind = last.get("type")
    if isinstance(kind, str):
        return kind
    return "message" if "role" in last else None


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _contains(request: RecordedRequest, text: str) -> bool:
    # The decoded strings first: JSON escapes (newlines, quotes, \uXXXX) hide text in the raw body.
    if any(text in s for s in _strings(request.body)):
        return True
    return text in request.raw.decode("utf-8", errors="replace")


def _match(match: Match, request: RecordedRequest) -> bool:
    if match.path is not None and match.path != request.path:
        return False
    if match.last_input_type is not None and match.last_input_type != last_input_type(request):
        return False
    return match.input_contains is None or _contains(request, match.input_contains)


def accepts(response: ScriptedResponse, request: RecordedRequest) -> bool:
    """Whether ``response`` may answer ``request``: its ``match`` and ``predicate`` both hold."""
    if response.match is not None and not _match(response.match, request):
        return False
    return response.predicate is None or bool(response.predicate(request))
