"""The HTTP side shared by both wire clients: headers, one POST that opens an event stream, and
the mapping of transport failures and stalls to :mod:`codeloop.errors`.

Stalls are caught with :func:`asyncio.timeout` around the wait for the response headers and around
each SSE event read (``stream_idle_timeout_ms``), so a server that goes quiet mid-stream ends as
:class:`~codeloop.errors.StreamIdleTimeoutError` rather than a hang. httpx is imported here and in
the client modules only, never by ``import codeloop.model``.
"""

from __future__ import annotations

import asyncio
import os
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

import httpx
import msgspec
from httpx_sse import EventSource, ServerSentEvent

from codeloop import __version__
from codeloop.errors import (
    ModelAPIError,
    ModelConnectionError,
    StreamIdleTimeoutError,
    StreamInterruptedError,
)
from codeloop.model.api_errors import (
    clean_excerpt,
    error_from_event,
    error_from_http,
    redact,
)
from codeloop.model.durations import format_seconds

if TYPE_CHECKING:
    from collections.abc import AsyncGenerator, AsyncIterator

    from codeloop.model.settings import ModelSettings

__all__ = ["HttpTransport", "SSEConnection", "build_headers"]

#: Connecting may take a while on a bad network, but not forever.
_CONNECT_TIMEOUT = 30.0
_WRITE_TIMEOUT = 60.0
#: The most of an error body we read (an HTML page can be large).
_MAX_ERROR_BODY = 64 * 1024


def build_headers(settings: ModelSettings) -> dict[str, str]:
    """Request headers as Codex sends them, plus the provider's static and env headers."""
    provider = settings.provider
    headers: dict[str, str] = {
        "Content-Type": "application/json",
        "Accept": "text/event-stream",
        "User-Agent": f"codeloop/{__version__}",
        "originator": settings.originator,
    }
    if settings.session_id:
        headers["session_id"] = settings.session_id
    headers.update(provider.http_headers or {})
    env = os.environ if settings.env is None else settings.env
    for name, var in (provider.env_http_headers or {}).items():
        value = env.get(var, "").strip()
        if value:
            headers[name] = value
    if settings.api_key:
        headers["Authorization"] = f"Bearer {settings.api_key}"
    return headers


class SSEConnection:
    """An open event stream: its response headers, and events read with an idle timeout."""

    def __init__(self, response: httpx.Response, settings: ModelSettings) -> None:
        self.status = response.status_code
        self.headers: dict[str, str] = {k.lower(): v for k, v in response.headers.items()}
        self._settings = settings
        self._events: AsyncGenerator[ServerSentEvent, None] = EventSource(response).aiter_sse()

    async def next(self) -> ServerSentEvent | None:
        """The next event, ``None`` at the end of the stream."""
        provider = self._settings.provider.name
        try:
            async with asyncio.timeout(self._settings.idle_timeout):
                return await anext(self._events, None)
        except (TimeoutError, httpx.TimeoutException):
            ms = self._settings.provider.effective_stream_idle_timeout_ms
            raise StreamIdleTimeoutError(
                f"no data from {provider} for {format_seconds(ms / 1000)} "
                f"(stream_idle_timeout_ms = {ms})"
            ) from None
        except (httpx.TransportError, httpx.StreamError) as exc:
            detail = redact(str(exc) or type(exc).__name__, [self._settings.api_key])
            raise StreamInterruptedError(
                f"the stream from {provider} broke: {clean_excerpt(detail, 160)}"
            ) from None

    async def aclose(self) -> None:
        await self._events.aclose()


class HttpTransport:
    """Owns (or borrows) the ``httpx.AsyncClient`` and opens event streams."""

    def __init__(
        self, settings: ModelSettings, http_client: httpx.AsyncClient | None = None
    ) -> None:
        self._settings = settings
        self._client = http_client
        self._owns_client = http_client is None

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            # read=None: the idle timeout (asyncio) governs reads, per event.
            timeout = httpx.Timeout(
                connect=_CONNECT_TIMEOUT, read=None, write=_WRITE_TIMEOUT, pool=_CONNECT_TIMEOUT
            )
            if self._settings.base_url.startswith("http://"):
                # Plain-HTTP provider (Ollama, LM Studio, a local server): every request goes to
                # base_url and redirects are not followed, so TLS is never used. Skipping the
                # default SSL context saves loading the CA bundle (~55 ms before the first
                # request).
                self._client = httpx.AsyncClient(timeout=timeout, verify=False)
            else:
                self._client = httpx.AsyncClient(timeout=timeout)
        return self._client

    async def aclose(self) -> None:
        if self._client is not None and self._owns_client:
            await self._client.aclose()
        self._client = None

    def url(self, path: str) -> str:
        return f"{self._settings.base_url}/{path.lstrip('/')}"

    def _secrets(self) -> list[str | None]:
        return [self._settings.api_key]

    @asynccontextmanager
    async def open_stream(self, path: str, body: bytes) -> AsyncIterator[SSEConnection]:
        """POST ``body`` to ``path``; yield the event stream, or raise the typed error."""
        settings = self._settings
        provider = settings.provider
        client = self._http()
        url = self.url(path)
        request = client.build_request(
            "POST",
            url,
            content=body,
            headers=build_headers(settings),
            params=provider.query_params or None,
        )
        try:
            async with asyncio.timeout(settings.idle_timeout):
                response = await client.send(request, stream=True)
        except (TimeoutError, httpx.ReadTimeout):
            ms = provider.effective_stream_idle_timeout_ms
            raise StreamIdleTimeoutError(
                f"no response from {provider.name} within {format_seconds(ms / 1000)} "
                f"(stream_idle_timeout_ms = {ms})"
            ) from None
        except (httpx.UnsupportedProtocol, httpx.InvalidURL) as exc:
            raise ModelAPIError(
                f"cannot send requests to {url}: {exc}",
                hint="check the provider's base_url in config.toml",
            ) from None
        except httpx.TransportError as exc:
            detail = redact(str(exc) or type(exc).__name__, self._secrets())
            raise ModelConnectionError(
                f"could not reach {provider.name} at {url}: {clean_excerpt(detail, 160)}"
            ) from None
        try:
            if not 200 <= response.status_code < 300:
                text = await self._read_body(response)
                raise error_from_http(
                    response.status_code,
                    response.headers,
                    text,
                    provider=provider.name,
                    env_key=provider.env_key,
                    secrets=self._secrets(),
                )
            content_type = response.headers.get("content-type", "")
            if "text/event-stream" not in content_type:
                raise await self._not_a_stream(response, content_type)
            connection = SSEConnection(response, settings)
            try:
                yield connection
            finally:
                await connection.aclose()
        finally:
            await response.aclose()

    async def _read_body(self, response: httpx.Response) -> str:
        chunks: list[bytes] = []
        size = 0
        try:
            async with asyncio.timeout(self._settings.idle_timeout):
                async for chunk in response.aiter_bytes():
                    chunks.append(chunk)
                    size += len(chunk)
                    if size >= _MAX_ERROR_BODY:
                        break
        except (TimeoutError, httpx.TransportError, httpx.StreamError):
            pass  # classify by status with whatever arrived
        return b"".join(chunks).decode("utf-8", errors="replace")

    async def _not_a_stream(self, response: httpx.Response, content_type: str) -> ModelAPIError:
        """A 2xx that is not an event stream: an error object in JSON, or a misconfiguration."""
        provider = self._settings.provider
        text = await self._read_body(response)
        try:
            data: Any = msgspec.json.decode(text)
        except msgspec.DecodeError:
            data = None
        if isinstance(data, dict) and isinstance(data.get("error"), dict):
            return error_from_event(
                data["error"],
                provider=provider.name,
                env_key=provider.env_key,
                secrets=self._secrets(),
            )
        excerpt = redact(clean_excerpt(text, 120), self._secrets())
        kind = content_type.split(";", maxsplit=1)[0].strip() or "no content type"
        return ModelAPIError(
            f"{provider.name} answered with {kind} instead of an event stream"
            + (f": {excerpt}" if excerpt else ""),
            status=response.status_code,
            body_excerpt=excerpt or None,
            hint="check that base_url points at an OpenAI-compatible API and wire_api matches it",
        )
