"""Every fault the scripted server can play ends in the right typed error or a successful retry,
over real HTTP with real waits (kept short: Retry-After of 0.2 s, idle timeouts of 300 ms)."""

from __future__ import annotations

import dataclasses
import re
import socket
from typing import TYPE_CHECKING

import msgspec
import pytest
from model_client_helpers import API_KEY, WIRES, Run, make_settings, run_stream

from codeloop.errors import (
    AuthenticationError,
    BadRequestError,
    ContextWindowExceededError,
    ModelConnectionError,
    QuotaExceededError,
    RateLimitError,
    ServerError,
    StreamIdleTimeoutError,
    StreamInterruptedError,
    UsageLimitError,
)
from codeloop.model.api_errors import EXCERPT_LIMIT
from codeloop.model.retry import AttemptTracker
from codeloop.protocol.items import Message, OutputText
from codeloop.protocol.response_events import Completed, Created, OutputItemDone
from codeloop.testing import (
    CutStream,
    HttpError,
    MalformedSSE,
    MessageStep,
    NoCompleted,
    ScriptedModelServer,
    ScriptedResponse,
    Stall,
    faults,
)

if TYPE_CHECKING:
    from codeloop.config.providers import WireApi

#: Stream faults are decoded by each wire's own code: test both. HTTP status faults go through the
#: shared transport: one wire each (alternating) keeps the suite fast.
both_wires = pytest.mark.parametrize("wire", WIRES)
responses_wire = pytest.mark.parametrize("wire", ["responses"])
chat_wire = pytest.mark.parametrize("wire", ["chat"])

ANSWER = "All done here, nothing else to do."
OK = ScriptedResponse(output=[MessageStep(ANSWER, chunk_size=8)])


def answered(run: Run) -> None:
    """The run succeeded, and its last attempt holds the whole answer."""
    assert run.error is None, run.error
    tracker = AttemptTracker()
    for event in run.events:
        tracker.feed(event)
    assert tracker.completed
    done = [e.item for e in tracker.events if isinstance(e, OutputItemDone)]
    assert done == [Message(role="assistant", content=[OutputText(ANSWER)], id=done[0].id)]  # type: ignore[union-attr]


def repeat(response: ScriptedResponse) -> ScriptedResponse:
    return msgspec.structs.replace(response, repeat=True)


# -- HTTP status faults ------------------------------------------------------------------------


@both_wires
async def test_429_retry_after_seconds_then_success(
    server: ScriptedModelServer, wire: WireApi
) -> None:
    server.add(faults.rate_limited(retry_after="0.2"), OK)
    run = await run_stream(make_settings(server, wire))
    answered(run)
    assert len(server.requests) == 2
    first, second = server.requests
    assert second.received_at - first.received_at >= 0.2
    assert run.elapsed >= 0.2
    [notice] = run.retries
    assert notice.delay_ms == 200
    assert (notice.attempt, notice.max_attempts) == (1, 4)
    assert "HTTP 429" in notice.message
    assert notice.message.endswith("retrying in 0.2s (attempt 1/4)")


@responses_wire
async def test_429_retry_after_http_date(server: ScriptedModelServer, wire: WireApi) -> None:
    server.add(faults.rate_limited_http_date(seconds_from_now=0.3), OK)
    run = await run_stream(make_settings(server, wire))
    answered(run)
    assert len(server.requests) == 2
    [notice] = run.retries
    # an HTTP date has whole seconds: the asked wait is 0.3 s rounded up to the next second
    assert 0 < notice.delay_ms <= 1400
    first, second = server.requests
    assert second.received_at - first.received_at >= notice.delay_ms / 1000 - 0.01


@chat_wire
async def test_429_exhausting_retries_is_rate_limit_error(
    server: ScriptedModelServer, wire: WireApi
) -> None:
    server.add(repeat(faults.rate_limited(retry_after="0.05")))
    run = await run_stream(make_settings(server, wire, request_max_retries=2))
    assert isinstance(run.error, RateLimitError)
    assert len(server.requests) == 3
    assert [n.attempt for n in run.retries] == [1, 2]
    assert run.elapsed >= 0.1
    assert run.error.status == 429
    assert run.error.retry_after == pytest.approx(0.05)
    assert run.error.rate_limits is not None and run.error.rate_limits.remaining == 0


@responses_wire
async def test_usage_limit_is_fatal(server: ScriptedModelServer, wire: WireApi) -> None:
    server.add(faults.usage_limit_reached(plan_type="pro", resets_in_seconds=1800), OK)
    run = await run_stream(make_settings(server, wire))
    assert isinstance(run.error, UsageLimitError)
    assert len(server.requests) == 1
    assert run.retries == []
    assert run.error.plan_type == "pro"
    assert run.error.resets_at is not None
    assert "(pro plan)" in run.error.message
    assert re.search(r"resets in (29m|30m)", run.error.message)


@chat_wire
async def test_insufficient_quota_is_fatal(server: ScriptedModelServer, wire: WireApi) -> None:
    server.add(faults.insufficient_quota(), OK)
    run = await run_stream(make_settings(server, wire))
    assert isinstance(run.error, QuotaExceededError)
    assert len(server.requests) == 1


@responses_wire
async def test_401_is_authentication_error(server: ScriptedModelServer, wire: WireApi) -> None:
    server.add(faults.unauthorized(), OK)
    run = await run_stream(make_settings(server, wire))
    assert isinstance(run.error, AuthenticationError)
    assert len(server.requests) == 1
    assert run.error.status == 401
    assert "TESTAI_API_KEY" in run.error.hint
    assert API_KEY not in run.error.one_line()


@chat_wire
async def test_key_echoed_in_a_body_is_redacted(server: ScriptedModelServer, wire: WireApi) -> None:
    body = {
        "error": {"message": f"Incorrect API key provided: {API_KEY}", "code": "invalid_api_key"}
    }
    server.add(ScriptedResponse(fault=HttpError(status=401, body=body)))
    run = await run_stream(make_settings(server, wire))
    assert isinstance(run.error, AuthenticationError)
    assert API_KEY not in run.error.message
    assert API_KEY not in (run.error.body_excerpt or "")


@responses_wire
async def test_400_is_bad_request_with_request_id_and_excerpt(
    server: ScriptedModelServer, wire: WireApi
) -> None:
    message = "Invalid value for 'tools[0].parameters': " + "very long explanation " * 60
    server.add(
        ScriptedResponse(
            fault=HttpError(
                status=400,
                headers={"x-request-id": "req_0123"},
                body={"error": {"message": message, "type": "invalid_request_error"}},
            )
        ),
        OK,
    )
    run = await run_stream(make_settings(server, wire))
    assert type(run.error) is BadRequestError
    assert len(server.requests) == 1
    assert run.error.status == 400
    assert run.error.request_id == "req_0123"
    assert run.error.body_excerpt is not None
    assert len(run.error.body_excerpt) <= EXCERPT_LIMIT
    assert "Invalid value for 'tools[0].parameters'" in run.error.body_excerpt
    assert "req_0123" in run.error.message
    assert "\n" not in run.error.message


@both_wires
async def test_500_then_success(server: ScriptedModelServer, wire: WireApi) -> None:
    server.add(faults.server_error(500), OK)
    run = await run_stream(make_settings(server, wire))
    answered(run)
    assert len(server.requests) == 2
    [notice] = run.retries
    assert notice.attempt == 1
    assert 180 <= notice.delay_ms <= 220  # 200 ms ± 10 % jitter
    assert run.elapsed >= notice.delay_ms / 1000


@chat_wire
async def test_html_502_message_is_short(server: ScriptedModelServer, wire: WireApi) -> None:
    server.add(faults.html_error_page(502))
    run = await run_stream(make_settings(server, wire, request_max_retries=0))
    assert isinstance(run.error, ServerError)
    assert len(server.requests) == 1
    assert run.error.message == "TestAI server error (HTTP 502 Bad Gateway)"
    assert run.error.body_excerpt is not None and "<" not in run.error.body_excerpt


@responses_wire
async def test_unreachable_server_is_connection_error(wire: WireApi) -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with ScriptedModelServer() as srv:
        settings = make_settings(srv, wire, request_max_retries=1)
    provider = msgspec.structs.replace(settings.provider, base_url=f"http://127.0.0.1:{port}/v1")

    run = await run_stream(dataclasses.replace(settings, provider=provider))
    assert isinstance(run.error, ModelConnectionError)
    assert len(run.retries) == 1
    assert f"127.0.0.1:{port}" in run.error.message


# -- stream faults -----------------------------------------------------------------------------


@both_wires
async def test_cut_stream_then_success(server: ScriptedModelServer, wire: WireApi) -> None:
    cut = msgspec.structs.replace(OK, fault=CutStream(after_events=3))
    server.add(cut, OK)
    run = await run_stream(make_settings(server, wire))
    answered(run)
    assert len(server.requests) == 2
    [notice] = run.retries
    assert notice.max_attempts == 5
    # the failed attempt's partial output reached the consumer, then Created restarted it
    assert sum(isinstance(e, Created) for e in run.events) == 2
    assert sum(isinstance(e, Completed) for e in run.events) == 1


@both_wires
async def test_stall_longer_than_idle_timeout(server: ScriptedModelServer, wire: WireApi) -> None:
    stall = msgspec.structs.replace(OK, fault=Stall(seconds=2.0, after_events=2))
    server.add(stall, stall, OK)
    settings = make_settings(server, wire, stream_idle_timeout_ms=300, stream_max_retries=1)
    run = await run_stream(settings)
    assert isinstance(run.error, StreamIdleTimeoutError)
    assert len(server.requests) == 2
    assert len(run.retries) == 1
    assert run.elapsed >= 0.6
    assert run.elapsed < 2.0  # did not wait the stall out
    assert "stream_idle_timeout_ms = 300" in run.error.message


@both_wires
async def test_stall_then_success(server: ScriptedModelServer, wire: WireApi) -> None:
    stall = msgspec.structs.replace(OK, fault=Stall(seconds=2.0, after_events=1))
    server.add(stall, OK)
    run = await run_stream(make_settings(server, wire, stream_idle_timeout_ms=200))
    answered(run)
    assert len(server.requests) == 2


@both_wires
async def test_slow_but_steady_stream_is_not_idle(
    server: ScriptedModelServer, wire: WireApi
) -> None:
    """The idle timeout is per event, not for the whole response."""
    server.add(ScriptedResponse(output=[MessageStep(ANSWER, chunk_size=8, delay_ms=80)]))
    run = await run_stream(make_settings(server, wire, stream_idle_timeout_ms=200))
    answered(run)
    assert run.elapsed > 0.3
    assert len(server.requests) == 1


@both_wires
@pytest.mark.parametrize("close", [False, True])
async def test_malformed_sse_then_success(
    server: ScriptedModelServer, wire: WireApi, close: bool
) -> None:
    bad = msgspec.structs.replace(OK, fault=MalformedSSE(after_events=2, close=close))
    server.add(bad, OK)
    run = await run_stream(make_settings(server, wire))
    answered(run)
    assert len(server.requests) == 2
    [notice] = run.retries
    assert "malformed" in notice.message


@both_wires
async def test_no_completed_is_stream_interrupted(
    server: ScriptedModelServer, wire: WireApi
) -> None:
    server.add(repeat(msgspec.structs.replace(OK, fault=NoCompleted())))
    run = await run_stream(make_settings(server, wire, stream_max_retries=1))
    assert type(run.error) is StreamInterruptedError
    assert len(server.requests) == 2
    assert len(run.retries) == 1


@both_wires
async def test_context_length_exceeded_is_fatal(server: ScriptedModelServer, wire: WireApi) -> None:
    server.add(faults.context_length_exceeded(), OK)
    run = await run_stream(make_settings(server, wire))
    assert isinstance(run.error, ContextWindowExceededError)
    assert len(server.requests) == 1
    assert run.retries == []


@both_wires
async def test_rate_limit_failed_waits_the_try_again_in_delay(
    server: ScriptedModelServer, wire: WireApi
) -> None:
    server.add(
        faults.rate_limit_failed("Rate limit reached for gpt-5 on TPM. Please try again in 0.2s."),
        OK,
    )
    run = await run_stream(make_settings(server, wire))
    answered(run)
    assert len(server.requests) == 2
    [notice] = run.retries
    assert notice.delay_ms == 200
    first, second = server.requests
    assert second.received_at - first.received_at >= 0.2


@chat_wire
async def test_rate_limit_failed_in_milliseconds(
    server: ScriptedModelServer, wire: WireApi
) -> None:
    server.add(faults.rate_limit_failed("Please try again in 250ms."), OK)
    run = await run_stream(make_settings(server, wire))
    answered(run)
    assert run.retries[0].delay_ms == 250


@both_wires
async def test_server_overloaded_is_retried(server: ScriptedModelServer, wire: WireApi) -> None:
    server.add(faults.server_overloaded(), OK)
    run = await run_stream(make_settings(server, wire))
    answered(run)
    assert len(server.requests) == 2


@responses_wire
async def test_retry_after_is_capped(server: ScriptedModelServer, wire: WireApi) -> None:
    server.add(faults.rate_limited(retry_after="3600"), OK)
    run = await run_stream(make_settings(server, wire, max_server_delay=0.1))
    answered(run)
    assert run.retries[0].delay_ms == 100
    assert run.elapsed < 5


@chat_wire
async def test_script_exhausted_500_ends_as_server_error(
    server: ScriptedModelServer, wire: WireApi
) -> None:
    run = await run_stream(make_settings(server, wire, request_max_retries=1))
    assert isinstance(run.error, ServerError)
    assert "script exhausted" in run.error.message
    assert len(server.requests) == 2


@responses_wire
async def test_no_response_headers_within_idle_timeout(
    server: ScriptedModelServer, wire: WireApi
) -> None:
    slow = msgspec.structs.replace(OK, delay=1.0)
    server.add(slow, OK)
    run = await run_stream(make_settings(server, wire, stream_idle_timeout_ms=200))
    answered(run)
    assert len(server.requests) == 2
    [notice] = run.retries
    assert "no response from TestAI within" in notice.message
