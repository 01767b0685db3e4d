"""The :class:`ModelClient` protocol the core talks to, and :func:`create_client`, which picks the
wire client for a provider's ``wire_api``. Importing this module does not import httpx.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    import httpx

    from codeloop.model.base import WireClient
    from codeloop.model.prompt import Prompt
    from codeloop.model.retry import RetryPolicy
    from codeloop.model.settings import ModelSettings, Notify
    from codeloop.protocol.response_events import ResponseEvent

__all__ = ["ModelClient", "create_client"]


@runtime_checkable
class ModelClient(Protocol):
    """Streams the model's answer to a prompt.

    ``stream`` yields ``Created``, deltas and items, then one ``Completed``; failures are raised as
    :mod:`codeloop.errors`. Retries happen inside: a ``Created`` that arrives again means the
    previous attempt failed and its partial output must be dropped (:mod:`codeloop.model.retry`).
    """

    def stream(self, prompt: Prompt) -> AsyncIterator[ResponseEvent]: ...


def create_client(
    settings: ModelSettings,
    *,
    http_client: httpx.AsyncClient | None = None,
    notify: Notify | None = None,
    retry_policy: RetryPolicy | None = None,
) -> WireClient:
    """A Responses or Chat Completions client, as ``settings.provider.wire_api`` says."""
    if settings.provider.wire_api == "responses":
        from codeloop.model.responses import ResponsesClient

        return ResponsesClient(
            settings, http_client=http_client, notify=notify, retry_policy=retry_policy
        )
    from codeloop.model.chat import ChatClient

    return ChatClient(settings, http_client=http_client, notify=notify, retry_policy=retry_policy)
