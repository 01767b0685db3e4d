"""The server itself: recording, /v1/models, lifecycle, stopping mid-stream, loopback only."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time

import httpx
import msgspec
import pytest

import codeloop.testing
from codeloop.testing import (
    MessageStep,
    ScriptedModelServer,
    ScriptedResponse,
    Stall,
    load_script,
)

HELLO = [MessageStep("Hello")]


def test_records_requests_with_headers_and_body(serve, responses_body):
    server = serve([ScriptedResponse(output=HELLO)])
    before = time.monotonic()
    httpx.post(
        server.base_url + "/responses?api-version=1",
        json=responses_body,
        headers={"Authorization": "Bearer sk-test-123", "OpenAI-Beta": "responses=experimental"},
        timeout=5,
    )
    (request,) = server.wait_for_requests(1)
    assert request.method == "POST"
    assert request.path == "/v1/responses"
    assert request.headers["authorization"] == "Bearer sk-test-123"
    assert request.headers["openai-beta"] == "responses=experimental"
    assert request.headers["content-type"] == "application/json"
    assert request.body == responses_body
    assert json.loads(request.raw) == responses_body
    assert 0 <= request.received_at <= time.monotonic() - before + 1


def test_non_json_and_empty_bodies_are_recorded_as_none(serve):
    server = serve()
    httpx.post(server.base_url + "/responses", content=b"not json", timeout=5)
    httpx.post(server.base_url + "/responses", timeout=5)
    first, second = server.requests
    assert (first.body, first.raw) == (None, b"not json")
    assert (second.body, second.raw) == (None, b"")


def test_chunked_request_body(serve):
    server = serve([ScriptedResponse(output=HELLO)])

    def body():
        yield b'{"model": "m", '
        yield b'"input": []}'

    response = httpx.post(server.base_url + "/responses", content=body(), timeout=5)
    assert response.status_code == 200
    assert server.requests[0].headers["transfer-encoding"] == "chunked"
    assert server.requests[0].body == {"model": "m", "input": []}


def test_wait_for_requests_times_out(serve):
    server = serve()
    with pytest.raises(TimeoutError, match="0 of 1"):
        server.wait_for_requests(1, timeout=0.1)


def test_wait_for_requests_wakes_on_arrival(serve):
    server = serve([ScriptedResponse(output=HELLO)])
    threading.Timer(
        0.1, lambda: httpx.post(server.base_url + "/responses", json={}, timeout=5)
    ).start()
    assert len(server.wait_for_requests(1, timeout=3)) == 1


def test_models_default_and_custom(serve):
    default = httpx.get(serve().base_url + "/models", timeout=5).json()
    assert default["object"] == "list"
    assert len(default["data"]) >= 2
    assert all(m["object"] == "model" for m in default["data"])
    server = serve(models=["my-model", "other"])
    custom = httpx.get(server.base_url + "/models", timeout=5).json()
    assert [m["id"] for m in custom["data"]] == ["my-model", "other"]
    assert server.requests[0].path == "/v1/models"
    assert server.remaining == []


def test_unknown_path_and_wrong_method(serve):
    server = serve([ScriptedResponse(output=HELLO)])
    assert httpx.post(server.base_url + "/embeddings", json={}, timeout=5).status_code == 404
    assert httpx.get(server.base_url + "/responses", timeout=5).status_code == 405
    assert len(server.remaining) == 1  # neither consumed the script


def test_context_manager_base_url_and_port():
    with ScriptedModelServer([ScriptedResponse(output=HELLO)]) as server:
        assert server.base_url == f"http://127.0.0.1:{server.port}/v1"
        assert server.port > 0
        assert httpx.post(server.base_url + "/responses", json={}, timeout=5).status_code == 200
        port = server.port
    with pytest.raises(httpx.ConnectError):
        httpx.post(f"http://127.0.0.1:{port}/v1/responses", json={}, timeout=1)
    with pytest.raises(RuntimeError):
        _ = server.port


def test_stop_is_idempotent_and_start_twice_fails():
    server = ScriptedModelServer().start()
    with pytest.raises(RuntimeError):
        server.start()
    server.stop()
    server.stop()


def test_stop_returns_quickly_during_a_stall(serve, responses_body):
    server = serve([ScriptedResponse(output=HELLO, fault=Stall(seconds=30, after_events=1))])
    outcome = {}

    def client():
        try:
            with (
                httpx.Client(timeout=10) as c,
                c.stream("POST", server.base_url + "/responses", json=responses_body) as r,
            ):
                outcome["body"] = b"".join(r.iter_bytes())
        except httpx.HTTPError as exc:
            outcome["error"] = exc

    thread = threading.Thread(target=client)
    thread.start()
    server.wait_for_requests(1)
    time.sleep(0.1)  # the first event is out, the stall has begun
    started = time.monotonic()
    server.stop()
    assert time.monotonic() - started < 1.0
    thread.join(timeout=2)
    assert not thread.is_alive()
    assert isinstance(outcome.get("error"), httpx.RemoteProtocolError)  # incomplete stream


def test_stop_returns_quickly_with_an_idle_client_connected(serve):
    server = serve()
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(b"POST /v1/responses HTTP/1.1\r\nHost: x\r\n")  # headers never finish
        time.sleep(0.1)
        started = time.monotonic()
        server.stop()
        assert time.monotonic() - started < 1.0
        assert sock.recv(1024) == b""  # the server closed our connection


def test_stop_during_delay(serve):
    server = serve([ScriptedResponse(output=HELLO, delay=30)])

    def client():
        with pytest.raises(httpx.HTTPError):
            httpx.post(server.base_url + "/responses", json={}, timeout=10)

    thread = threading.Thread(target=client)
    thread.start()
    server.wait_for_requests(1)
    started = time.monotonic()
    server.stop()
    assert time.monotonic() - started < 1.0
    thread.join(timeout=2)
    assert not thread.is_alive()


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.10", "example.com", "::"])
def test_refuses_non_loopback_hosts(host):
    with pytest.raises(ValueError, match="loopback"):
        ScriptedModelServer(host=host)


def test_ipv6_loopback(serve):
    if not socket.has_ipv6:
        pytest.skip("no IPv6")
    try:
        server = serve([ScriptedResponse(output=HELLO)], host="::1")
    except OSError:
        pytest.skip("IPv6 loopback unavailable")
    assert server.base_url == f"http://[::1]:{server.port}/v1"
    assert httpx.post(server.base_url + "/responses", json={}, timeout=5).status_code == 200


def test_load_script_json(tmp_path):
    path = tmp_path / "script.json"
    path.write_text(
        json.dumps(
            {
                "responses": [
                    {"output": [{"type": "message", "text": "Hi!"}], "usage": {"input_tokens": 42}},
                    {
                        "fault": {
                            "type": "http_error",
                            "status": 429,
                            "headers": {"Retry-After": "1"},
                        }
                    },
                    {
                        "output": [{"type": "function_call", "name": "f", "chunk_size": 4}],
                        "fault": {"type": "malformed", "close": True},
                        "match": {"last_input_type": "function_call_output"},
                        "repeat": True,
                    },
                ]
            }
        ),
        encoding="utf-8",
    )
    script = load_script(path)
    assert len(script) == 3
    assert script[0].usage.input_tokens == 42
    assert script[1].fault.status == 429
    assert script[2].output[0].chunk_size == 4
    assert script[2].fault.close is True
    assert script[2].repeat
    with pytest.raises(msgspec.ValidationError):
        msgspec.convert([{"bogus": 1}], type=list[ScriptedResponse])


def test_public_names():
    assert set(codeloop.testing.__all__) >= {
        "ScriptedModelServer",
        "ScriptedResponse",
        "RecordedRequest",
        "MessageStep",
        "FunctionCallStep",
        "CustomToolCallStep",
        "ReasoningStep",
        "HttpError",
        "ResponseFailed",
        "CutStream",
        "Stall",
        "MalformedSSE",
        "NoCompleted",
        "Match",
        "ScriptedUsage",
        "load_script",
        "faults",
    }
    for name in codeloop.testing.__all__:
        assert getattr(codeloop.testing, name) is not None


def test_importing_the_package_is_light():
    code = (
        "import sys, codeloop.testing; print('http.server' in sys.modules, 'httpx' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=30, check=True
    )
    assert out.stdout.split() == ["False", "False"]
