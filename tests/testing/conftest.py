"""Fixtures for the scripted model server tests: a server factory and a real-HTTP SSE reader."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from codeloop.testing import ScriptedModelServer, ScriptedResponse

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator


@dataclass
class Event:
    event: str | None
    data: str

    @property
    def json(self) -> Any:
        return json.loads(self.data)

    @property
    def type(self) -> str | None:
        """The Responses ``type`` (the data's), or None for Chat chunks and non-JSON data."""
        try:
            value = json.loads(self.data)
        except ValueError:
            return None
        return value.get("type") if isinstance(value, dict) else None


@dataclass
class Streamed:
    status: int
    headers: httpx.Headers
    raw: bytes
    events: list[Event] = field(default_factory=list)
    #: The exception that ended the read early (an incomplete body), if any.
    error: Exception | None = None


def parse_sse(text: str) -> list[Event]:
    events = []
    for block in text.replace("\r\n", "\n").split("\n\n"):
        if not block.strip():
            continue
        name = None
        data = []
        for line in block.split("\n"):
            if line.startswith("event:"):
                name = line[len("event:") :].strip()
            elif line.startswith("data:"):
                data.append(line[len("data:") :].removeprefix(" "))
        events.append(Event(name, "\n".join(data)))
    return events


def stream(
    server: ScriptedModelServer,
    path: str,
    body: Any,
    *,
    headers: dict[str, str] | None = None,
    timeout: float = 5.0,
) -> Streamed:
    """POST ``body`` to ``base_url + path`` and read the whole SSE answer (tolerating a cut)."""
    raw = bytearray()
    error: Exception | None = None
    with (
        httpx.Client(timeout=timeout) as client,
        client.stream("POST", server.base_url + path, json=body, headers=headers) as response,
    ):
        try:
            for chunk in response.iter_bytes():
                raw.extend(chunk)
        except httpx.HTTPError as exc:
            error = exc
        return Streamed(
            response.status_code,
            response.headers,
            bytes(raw),
            parse_sse(raw.decode("utf-8")),
            error,
        )


@pytest.fixture
def serve() -> Iterator[Callable[..., ScriptedModelServer]]:
    """Start servers for one test; all are stopped at its end."""
    servers: list[ScriptedModelServer] = []

    def start(script: list[ScriptedResponse] | None = None, **kwargs: Any) -> ScriptedModelServer:
        server = ScriptedModelServer(script, **kwargs).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


RESPONSES_BODY: dict[str, Any] = {
    "model": "gpt-test",
    "input": [
        {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "hi"}]}
    ],
    "stream": True,
}
CHAT_BODY: dict[str, Any] = {
    "model": "gpt-test",
    "messages": [{"role": "user", "content": "hi"}],
    "stream": True,
}


@pytest.fixture
def responses_body() -> dict[str, Any]:
    return json.loads(json.dumps(RESPONSES_BODY))


@pytest.fixture
def chat_body() -> dict[str, Any]:
    return json.loads(json.dumps(CHAT_BODY))


@pytest.fixture
def read_stream() -> Callable[..., Streamed]:
    return stream
