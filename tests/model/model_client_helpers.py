"""Helpers for the model client tests (imported by module name: tests/ is not a package).

Settings pointed at a scripted server, and a runner that collects the events, notices, elapsed
time and error of one ``stream()``."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import msgspec

from codeloop.config.providers import ModelProviderInfo, WireApi
from codeloop.model.client import create_client
from codeloop.model.prompt import Prompt
from codeloop.model.settings import ModelSettings
from codeloop.protocol.events import RetryNotice, Warning
from codeloop.protocol.items import InputText, Message
from codeloop.protocol.response_events import (
    Completed,
    Created,
    OutputItemAdded,
    OutputItemDone,
    OutputTextDelta,
    ReasoningContentDelta,
    ReasoningSummaryDelta,
    ResponseEvent,
)

if TYPE_CHECKING:
    from codeloop.testing import ScriptedModelServer, ScriptedResponse

API_KEY = "sk-test-0123456789abcdefghij"

PROMPT = Prompt(
    instructions="You are a helpful assistant.",
    input=[Message(role="user", content=[InputText(text="hello")])],
)

WIRES: tuple[WireApi, ...] = ("responses", "chat")


def make_settings(
    server: ScriptedModelServer,
    wire: WireApi = "responses",
    *,
    model: str = "gpt-4.1",
    api_key: str | None = API_KEY,
    request_max_retries: int | None = None,
    stream_max_retries: int | None = None,
    stream_idle_timeout_ms: int | None = 5_000,
    provider_kw: dict[str, Any] | None = None,
    **kw: Any,
) -> ModelSettings:
    provider = ModelProviderInfo(
        name="TestAI",
        base_url=server.base_url,
        env_key="TESTAI_API_KEY",
        wire_api=wire,
        request_max_retries=request_max_retries,
        stream_max_retries=stream_max_retries,
        stream_idle_timeout_ms=stream_idle_timeout_ms,
        **(provider_kw or {}),
    )
    return ModelSettings(model=model, provider=provider, api_key=api_key, **kw)


@dataclass
class Run:
    events: list[ResponseEvent] = field(default_factory=list)
    notices: list[RetryNotice | Warning] = field(default_factory=list)
    error: Exception | None = None
    elapsed: float = 0.0

    @property
    def retries(self) -> list[RetryNotice]:
        return [n for n in self.notices if isinstance(n, RetryNotice)]

    @property
    def warnings(self) -> list[Warning]:
        return [n for n in self.notices if isinstance(n, Warning)]


async def run_stream(settings: ModelSettings, prompt: Prompt = PROMPT) -> Run:
    """Stream ``prompt`` to completion or failure; never raises."""
    run = Run()
    start = time.monotonic()
    async with create_client(settings, notify=run.notices.append) as client:
        try:
            async for event in client.stream(prompt):
                run.events.append(event)
        except Exception as exc:
            run.error = exc
    run.elapsed = time.monotonic() - start
    return run


def normalise(events: list[ResponseEvent]) -> list[Any]:
    """Events as builtins with every wire-specific id and status removed (they differ by wire)."""
    out: list[Any] = []
    for event in events:
        data = msgspec.to_builtins(event)
        if isinstance(event, Created | Completed):
            data.pop("response_id", None)
        if isinstance(event, OutputTextDelta | ReasoningSummaryDelta | ReasoningContentDelta):
            data.pop("item_id", None)
        if isinstance(event, OutputItemAdded | OutputItemDone):
            data["item"].pop("id", None)
            data["item"].pop("status", None)
        out.append(data)
    return out


def scripted(*responses: ScriptedResponse) -> list[ScriptedResponse]:
    return list(responses)
