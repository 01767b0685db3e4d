"""What the two wire clients share: one attempt = POST, rate-limit snapshot, decode SSE events;
``stream`` = attempts under the retry policy. Each wire supplies a body and a decoder.
"""

from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, Any, Protocol, Self

import msgspec

from codeloop.model.http import HttpTransport
from codeloop.model.rate_limits import parse_rate_limit_headers, rate_limit_warning
from codeloop.model.retry import RetryPolicy, Sleep, stream_with_retries

if TYPE_CHECKING:
    from collections.abc import AsyncGenerator
    from types import TracebackType

    import httpx

    from codeloop.model.prompt import Prompt
    from codeloop.model.settings import ModelSettings, Notify
    from codeloop.protocol.response_events import ResponseEvent

__all__ = ["StreamDecoder", "WireClient"]


class StreamDecoder(Protocol):
    """Turns one attempt's SSE events into :class:`ResponseEvent` s (or raises typed errors)."""

    #: Set once the response is complete; the client stops reading.
    done: bool

    def feed(self, event: str, data: str) -> list[ResponseEvent]:
        """Events for one SSE event (``event`` is its name, ``data`` its payload)."""
        ...

    def end(self) -> list[ResponseEvent]:
        """The stream closed before :attr:`done`: final events, or raise
        :class:`~codeloop.errors.StreamInterruptedError`."""
        ...


class WireClient(ABC):
    """A :class:`~codeloop.model.client.ModelClient` over one wire API."""

    #: Path under ``base_url`` that takes the POST.
    path: str

    def __init__(
        self,
        settings: ModelSettings,
        *,
        http_client: httpx.AsyncClient | None = None,
        notify: Notify | None = None,
        retry_policy: RetryPolicy | None = None,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.settings = settings
        self.notify = notify
        self.retry_policy = retry_policy or RetryPolicy.for_provider(
            settings.provider, max_server_delay=settings.max_server_delay
        )
        self._sleep = sleep
        self._transport = HttpTransport(settings, http_client)

    @abstractmethod
    def build_body(self, prompt: Prompt) -> dict[str, Any]:
        """The JSON request body for ``prompt``."""

    @abstractmethod
    def decoder(self, prompt: Prompt) -> StreamDecoder:
        """A fresh decoder for one attempt."""

    def stream(self, prompt: Prompt) -> AsyncGenerator[ResponseEvent, None]:
        """The response to ``prompt``, retried per :attr:`retry_policy` (see
        :mod:`codeloop.model.retry` for what a restarted attempt looks like)."""
        return stream_with_retries(
            lambda: self.stream_once(prompt), self.retry_policy, self.notify, sleep=self._sleep
        )

    async def stream_once(self, prompt: Prompt) -> AsyncGenerator[ResponseEvent, None]:
        """One attempt, no retries: failures are raised as :mod:`codeloop.errors`."""
        body = msgspec.json.encode(self.build_body(prompt))
        async with self._transport.open_stream(self.path, body) as conn:
            snapshot = parse_rate_limit_headers(conn.headers)
            if snapshot is not None:
                warning = rate_limit_warning(snapshot)
                if warning is not None and self.notify is not None:
                    self.notify(warning)
                yield snapshot
            decoder = self.decoder(prompt)
            while not decoder.done:
                sse = await conn.next()
                if sse is None:
                    for event in decoder.end():
                        yield event
                    return
                for event in decoder.feed(sse.event, sse.data):
                    yield event

    async def aclose(self) -> None:
        """Close the HTTP client if this client created it."""
        await self._transport.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()
