"""Each scripted fault, on both wires, as a real HTTP client sees it."""

from __future__ import annotations

import email.utils
import time

import httpx
import msgspec
import pytest

from codeloop.testing import (
    CutStream,
    HttpError,
    MalformedSSE,
    MessageStep,
    NoCompleted,
    ResponseFailed,
    ScriptedResponse,
    Stall,
    faults,
)

HELLO = [MessageStep("Hello, this is a reply.")]


def _post(server, path="/responses", body=None):
    return httpx.post(server.base_url + path, json=body or {"model": "m", "input": []}, timeout=5)


# -- HttpError ------------------------------------------------------------------------------------


def test_http_error_json_body_and_headers(serve):
    fault = HttpError(
        429, headers={"Retry-After": "7", "X-Custom": "yes"}, body={"error": {"x": 1}}
    )
    server = serve([ScriptedResponse(fault=fault), ScriptedResponse(output=HELLO)])
    response = _post(server)
    assert response.status_code == 429
    assert response.headers["retry-after"] == "7"
    assert response.headers["x-custom"] == "yes"
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"error": {"x": 1}}
    assert _post(server).status_code == 200  # the next response in the script


def test_http_error_string_body_is_sent_as_is(serve):
    server = serve(
        [
            ScriptedResponse(fault=HttpError(503, body="upstream connect error")),
            ScriptedResponse(fault=HttpError(400, body="<b>no</b>", content_type="text/html")),
            ScriptedResponse(fault=HttpError(418)),
        ]
    )
    first = _post(server)
    assert first.status_code == 503
    assert first.text == "upstream connect error"
    assert first.headers["content-type"].startswith("text/plain")
    second = _post(server)
    assert (second.status_code, second.text) == (400, "<b>no</b>")
    assert second.headers["content-type"] == "text/html"
    third = _post(server)
    assert (third.status_code, third.content) == (418, b"")


def test_http_error_on_chat(serve):
    server = serve([faults.unauthorized()])
    response = _post(server, "/chat/completions", {"model": "m", "messages": []})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_api_key"


# -- stream faults --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "body_fixture"), [("/responses", "responses_body"), ("/chat/completions", "chat_body")]
)
def test_cut_stream_is_an_incomplete_read(serve, read_stream, request, path, body_fixture):
    server = serve([ScriptedResponse(output=HELLO, fault=CutStream(after_events=3))])
    result = read_stream(server, path, request.getfixturevalue(body_fixture))
    assert result.status == 200
    assert isinstance(result.error, httpx.RemoteProtocolError)  # no terminating chunk
    assert len(result.events) == 3


def test_cut_stream_with_plain_socket_read_sees_no_terminating_chunk(serve):
    """Below httpx: the raw body has chunk framing but no final ``0\\r\\n\\r\\n``."""
    import socket

    server = serve([ScriptedResponse(output=HELLO, fault=CutStream(after_events=1))])
    body = b'{"model":"m","input":[]}'
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(
            b"POST /v1/responses HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: %d\r\n\r\n%s" % (len(body), body)
        )
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    assert b"Transfer-Encoding: chunked" in received
    assert b"response.created" in received
    assert not received.endswith(b"0\r\n\r\n")


def test_stall_delays_then_finishes(serve, read_stream, responses_body):
    server = serve([ScriptedResponse(output=HELLO, fault=Stall(seconds=0.4, after_events=2))])
    arrivals = []
    with (
        httpx.Client(timeout=5) as client,
        client.stream("POST", server.base_url + "/responses", json=responses_body) as response,
    ):
        for line in response.iter_lines():
            if line.startswith("event:"):
                arrivals.append(time.monotonic())
    assert arrivals[2] - arrivals[1] >= 0.38
    assert arrivals[1] - arrivals[0] < 0.3
    # ... and the answer is complete.
    server.add(ScriptedResponse(output=HELLO, fault=Stall(seconds=0.05)))
    assert read_stream(server, "/responses", responses_body).events[-1].type == "response.completed"


def test_malformed_sse_then_the_rest(serve, read_stream, responses_body, chat_body):
    server = serve(
        [
            ScriptedResponse(output=HELLO, fault=MalformedSSE(after_events=2)),
            ScriptedResponse(output=HELLO, fault=MalformedSSE(after_events=1, data="oops")),
        ]
    )
    result = read_stream(server, "/responses", responses_body)
    assert result.error is None
    assert result.events[2].data == "{not json"
    with pytest.raises(ValueError):
        result.events[2].json  # noqa: B018
    assert result.events[-1].type == "response.completed"
    chat = read_stream(server, "/chat/completions", chat_body)
    assert chat.events[1].data == "oops"
    assert chat.events[-1].data == "[DONE]"


def test_malformed_sse_close_ends_the_stream(serve, read_stream, responses_body):
    server = serve([ScriptedResponse(output=HELLO, fault=MalformedSSE(after_events=2, close=True))])
    result = read_stream(server, "/responses", responses_body)
    assert result.error is None  # a clean end of body...
    assert len(result.events) == 3
    assert result.events[-1].data == "{not json"  # ...right after the bad event


def test_no_completed_responses(serve, read_stream, responses_body):
    server = serve([ScriptedResponse(output=HELLO, fault=NoCompleted())])
    result = read_stream(server, "/responses", responses_body)
    assert result.error is None
    types = [e.type for e in result.events]
    assert "response.completed" not in types
    assert types[-1] == "response.output_item.done"


def test_no_completed_chat(serve, read_stream, chat_body):
    chat_body["stream_options"] = {"include_usage": True}
    server = serve([ScriptedResponse(output=HELLO, fault=NoCompleted())])
    result = read_stream(server, "/chat/completions", chat_body)
    assert result.error is None
    assert all(e.data != "[DONE]" for e in result.events)
    chunks = [e.json for e in result.events]
    assert all(c["choices"] and c["choices"][0]["finish_reason"] is None for c in chunks)
    assert "".join(c["choices"][0]["delta"].get("content", "") for c in chunks) == HELLO[0].text


def test_response_failed_responses(serve, read_stream, responses_body):
    server = serve([ScriptedResponse(fault=ResponseFailed("server_is_overloaded", "busy"))])
    events = read_stream(server, "/responses", responses_body).events
    assert [e.type for e in events] == ["response.created", "response.failed"]
    failed = events[1].json
    assert failed["response"]["id"] == events[0].json["response"]["id"]
    assert failed["response"]["status"] == "failed"
    assert failed["response"]["error"] == {"code": "server_is_overloaded", "message": "busy"}
    assert failed["sequence_number"] == 1


def test_response_failed_after_some_output(serve, read_stream, responses_body):
    fault = ResponseFailed("rate_limit_exceeded", "slow down", after_events=4)
    server = serve([ScriptedResponse(output=HELLO, fault=fault)])
    events = read_stream(server, "/responses", responses_body).events
    assert len(events) == 5
    assert events[3].type == "response.output_text.delta"
    assert events[4].type == "response.failed"


def test_response_failed_chat(serve, read_stream, chat_body):
    server = serve([faults.context_length_exceeded()])
    result = read_stream(server, "/chat/completions", chat_body)
    assert result.error is None
    assert len(result.events) == 2
    error = result.events[1].json["error"]
    assert error["code"] == "context_length_exceeded"
    assert error["type"] == "invalid_request_error"
    assert "context window" in error["message"]


def test_delay_before_answering(serve):
    server = serve([ScriptedResponse(output=HELLO, delay=0.3)])
    started = time.monotonic()
    assert _post(server).status_code == 200
    assert time.monotonic() - started >= 0.29


def test_headers_on_a_normal_answer(serve):
    headers = faults.rate_limit_headers(remaining_requests=3, reset_requests="6m0s")
    server = serve([ScriptedResponse(output=HELLO, headers={**headers, "x-request-id": "req_1"})])
    response = _post(server)
    assert response.headers["x-ratelimit-remaining-requests"] == "3"
    assert response.headers["x-ratelimit-reset-requests"] == "6m0s"
    assert response.headers["x-ratelimit-limit-tokens"] == "30000"
    assert response.headers["x-request-id"] == "req_1"
    assert "response.completed" in response.text


# -- fault helpers --------------------------------------------------------------------------------


def test_fault_helpers_over_http(serve):
    server = serve(
        [
            faults.rate_limited("3"),
            faults.rate_limited_http_date(5),
            faults.usage_limit_reached("pro", resets_in_seconds=120),
            faults.insufficient_quota(),
            faults.server_error(503),
            faults.html_error_page(),
            faults.unauthorized(),
        ]
    )
    limited = _post(server)
    assert limited.status_code == 429
    assert limited.headers["retry-after"] == "3"
    assert limited.headers["x-ratelimit-remaining-requests"] == "0"
    assert limited.json()["error"]["code"] == "rate_limit_exceeded"

    dated = _post(server)
    when = email.utils.parsedate_to_datetime(dated.headers["retry-after"]).timestamp()
    assert 3 <= when - time.time() <= 7

    usage = _post(server)
    assert usage.status_code == 429
    error = usage.json()["error"]
    assert error["type"] == "usage_limit_reached"
    assert error["plan_type"] == "pro"
    assert abs(error["resets_at"] - (time.time() + 120)) < 5

    quota = _post(server)
    assert quota.status_code == 429
    assert quota.json()["error"]["type"] == quota.json()["error"]["code"] == "insufficient_quota"

    assert _post(server).status_code == 503
    page = _post(server)
    assert page.status_code == 502
    assert page.headers["content-type"] == "text/html"
    assert page.text.startswith("<html>")
    assert _post(server).status_code == 401


def test_response_failed_helpers():
    ctx = faults.context_length_exceeded().fault
    assert isinstance(ctx, ResponseFailed)
    assert ctx.code == "context_length_exceeded"
    rate = faults.rate_limit_failed().fault
    assert isinstance(rate, ResponseFailed)
    assert rate.code == "rate_limit_exceeded"
    assert "Please try again in 1.5s." in rate.message
    assert faults.rate_limit_failed("try again in 20ms").fault.message == "try again in 20ms"
    assert faults.server_overloaded().fault.code == "server_is_overloaded"


def test_fault_helpers_can_repeat():
    repeated = msgspec.structs.replace(faults.server_error(), repeat=True)
    assert repeated.repeat
    assert repeated.fault == faults.server_error().fault


def test_scripted_content_type_replaces_the_default(serve):
    server = serve([ScriptedResponse(output=HELLO, headers={"Content-Type": "application/json"})])
    response = _post(server)
    assert response.headers.get_list("content-type") == ["application/json"]
