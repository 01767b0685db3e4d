"""Both clients against the scripted model server: what is sent, and what comes back."""

from __future__ import annotations

from typing import TYPE_CHECKING

import httpx
import msgspec
import pytest
from model_client_helpers import API_KEY, PROMPT, WIRES, make_settings, normalise, run_stream

from codeloop import __version__
from codeloop.model.client import create_client
from codeloop.model.prompt import Prompt
from codeloop.protocol.items import (
    CustomToolCall,
    FunctionCall,
    InputText,
    Message,
    OutputText,
    Reasoning,
    ReasoningSummaryText,
    ReasoningText,
)
from codeloop.protocol.response_events import (
    Completed,
    Created,
    OutputItemAdded,
    OutputItemDone,
    OutputTextDelta,
    RateLimitSnapshot,
    ReasoningContentDelta,
    ReasoningSummaryDelta,
)
from codeloop.protocol.usage import TokenUsage
from codeloop.testing import (
    CustomToolCallStep,
    FunctionCallStep,
    MessageStep,
    OutputStep,
    ReasoningStep,
    ScriptedModelServer,
    ScriptedResponse,
    ScriptedUsage,
    faults,
)

if TYPE_CHECKING:
    from codeloop.config.providers import WireApi

SHELL = {
    "type": "function",
    "name": "shell",
    "description": "Run a command",
    "parameters": {"type": "object", "properties": {}},
    "strict": False,
}
PATCH = {"type": "custom", "name": "apply_patch", "description": "Apply a patch"}
TOOLS_PROMPT = Prompt(instructions="tools!", input=PROMPT.input, tools=[SHELL, PATCH])
USAGE = ScriptedUsage(
    input_tokens=42, cached_input_tokens=7, output_tokens=9, reasoning_output_tokens=3
)


async def test_responses_request_body_and_headers(server: ScriptedModelServer) -> None:
    server.add(ScriptedResponse(output=[MessageStep("hi")]))
    settings = make_settings(
        server,
        session_id="sess-123",
        env={"ORG_VAR": "org-42", "PROJ_VAR": ""},
        provider_kw={
            "env_http_headers": {"OpenAI-Organization": "ORG_VAR", "OpenAI-Project": "PROJ_VAR"},
            "http_headers": {"X-Custom": "yes"},
            "query_params": {"api-version": "2025-01-01"},
        },
    )
    run = await run_stream(settings, TOOLS_PROMPT)
    assert run.error is None
    [request] = server.requests
    assert request.method == "POST"
    assert request.path == "/v1/responses"
    h = request.headers
    assert h["authorization"] == f"Bearer {API_KEY}"
    assert h["session_id"] == "sess-123"
    assert h["originator"] == "codeloop_cli"
    assert h["openai-organization"] == "org-42"
    assert "openai-project" not in h  # empty variables are not sent
    assert h["x-custom"] == "yes"
    assert h["accept"] == "text/event-stream"
    assert h["user-agent"] == f"codeloop/{__version__}"
    assert h["content-type"] == "application/json"
    body = request.body
    assert body == {
        "model": "gpt-4.1",
        "instructions": "tools!",
        "input": [
            {
                "type": "message",
                "role": "user",
                "content": [{"type": "input_text", "text": "hello"}],
            }
        ],
        "tools": [SHELL, PATCH],
        "tool_choice": "auto",
        "parallel_tool_calls": False,
        "store": False,
        "stream": True,
        "include": [],
        "prompt_cache_key": "sess-123",
    }


async def test_query_params_and_an_injected_http_client(server: ScriptedModelServer) -> None:
    """The server records paths without the query, so watch the request through an event hook
    of an injected ``httpx.AsyncClient`` (which the client must not close)."""
    server.add(ScriptedResponse(output=[MessageStep("hi")]))
    seen: list[httpx.Request] = []

    async def record(request: httpx.Request) -> None:
        seen.append(request)

    settings = make_settings(server, provider_kw={"query_params": {"api-version": "v9"}})
    async with httpx.AsyncClient(event_hooks={"request": [record]}) as http:
        async with create_client(settings, http_client=http) as client:
            events = [e async for e in client.stream(PROMPT)]
        assert not http.is_closed
    assert isinstance(events[-1], Completed)
    assert seen[0].url.params["api-version"] == "v9"
    assert seen[0].url.path == "/v1/responses"


async def test_reasoning_only_for_reasoning_models(server: ScriptedModelServer) -> None:
    server.add(
        ScriptedResponse(output=[MessageStep("a")]), ScriptedResponse(output=[MessageStep("b")])
    )
    await run_stream(make_settings(server, model="gpt-5-codex", reasoning_effort="medium"))
    await run_stream(make_settings(server, model="gpt-4.1", reasoning_effort="medium"))
    reasoning, plain = (r.body for r in server.requests)
    assert reasoning["reasoning"] == {"effort": "medium", "summary": "auto"}
    assert reasoning["include"] == ["reasoning.encrypted_content"]
    assert "reasoning" not in plain
    assert plain["include"] == []


async def test_output_schema_is_sent_as_text_format(server: ScriptedModelServer) -> None:
    server.add(ScriptedResponse(output=[MessageStep('{"ok": true}')]))
    schema = {
        "type": "object",
        "properties": {"ok": {"type": "boolean"}},
        "required": ["ok"],
        "additionalProperties": False,
    }
    await run_stream(make_settings(server), Prompt(instructions="x", output_schema=schema))
    assert server.requests[0].body["text"] == {
        "format": {
            "type": "json_schema",
            "name": "codex_output_schema",
            "schema": schema,
            "strict": True,
        }
    }


async def test_no_key_no_authorization_header(server: ScriptedModelServer) -> None:
    server.add(ScriptedResponse(output=[MessageStep("hi")]))
    run = await run_stream(make_settings(server, api_key=None))
    assert run.error is None
    assert "authorization" not in server.requests[0].headers


async def test_responses_events(server: ScriptedModelServer) -> None:
    server.add(
        ScriptedResponse(
            output=[
                ReasoningStep("Let me think", encrypted_content="enc=="),
                MessageStep("Hello there!", chunk_size=6),
                FunctionCallStep("shell", {"command": ["ls"]}, call_id="call_a"),
            ],
            usage=USAGE,
        )
    )
    run = await run_stream(make_settings(server, model="gpt-5"), TOOLS_PROMPT)
    assert run.error is None
    assert run.notices == []
    ev = run.events
    assert isinstance(ev[0], Created) and ev[0].response_id
    assert isinstance(ev[1], OutputItemAdded) and isinstance(ev[1].item, Reasoning)
    rs_id = ev[1].item.id
    assert ev[1].item == Reasoning(id=rs_id, summary=[], encrypted_content="enc==")
    assert ev[2] == ReasoningSummaryDelta(delta="Let me think", item_id=rs_id)
    assert ev[3] == OutputItemDone(
        item=Reasoning(
            id=rs_id, summary=[ReasoningSummaryText("Let me think")], encrypted_content="enc=="
        )
    )
    assert [e.delta for e in ev if isinstance(e, OutputTextDelta)] == ["Hello ", "there!"]
    done = [e.item for e in ev if isinstance(e, OutputItemDone)]
    assert isinstance(done[1], Message) and done[1].content == [OutputText("Hello there!")]
    assert isinstance(done[2], FunctionCall)
    assert (done[2].name, done[2].arguments, done[2].call_id) == (
        "shell",
        '{"command":["ls"]}',
        "call_a",
    )
    assert ev[-1] == Completed(
        response_id=ev[0].response_id,
        usage=TokenUsage(
            input_tokens=42,
            cached_input_tokens=7,
            output_tokens=9,
            reasoning_output_tokens=3,
            total_tokens=51,
        ),
    )


async def test_chat_request_body(server: ScriptedModelServer) -> None:
    server.add(ScriptedResponse(output=[MessageStep("hi")]))
    run = await run_stream(make_settings(server, "chat", session_id="s1"), TOOLS_PROMPT)
    assert run.error is None
    [request] = server.requests
    assert request.path == "/v1/chat/completions"
    assert request.headers["authorization"] == f"Bearer {API_KEY}"
    assert request.headers["session_id"] == "s1"
    body = request.body
    assert body["model"] == "gpt-4.1"
    assert body["messages"] == [
        {"role": "system", "content": "tools!"},
        {"role": "user", "content": "hello"},
    ]
    assert body["stream"] is True
    assert body["stream_options"] == {"include_usage": True}
    assert [t["function"]["name"] for t in body["tools"]] == ["shell", "apply_patch"]
    assert body["tools"][1]["function"]["parameters"]["required"] == ["input"]


async def test_chat_events(server: ScriptedModelServer) -> None:
    server.add(
        ScriptedResponse(
            output=[
                ReasoningStep("pondering"),
                MessageStep("Done."),
                CustomToolCallStep("apply_patch", "*** Begin Patch\n*** End Patch", call_id="c9"),
            ],
            usage=USAGE,
        )
    )
    run = await run_stream(make_settings(server, "chat"), TOOLS_PROMPT)
    assert run.error is None
    kinds = [type(e).__name__ for e in run.events]
    assert kinds == [
        "Created",
        "OutputItemAdded",
        "ReasoningContentDelta",
        "OutputItemDone",
        "OutputItemAdded",
        "OutputTextDelta",
        "OutputItemDone",
        "OutputItemAdded",
        "OutputItemDone",
        "Completed",
    ]
    assert run.events[2] == ReasoningContentDelta(delta="pondering", item_id=run.events[1].item.id)  # type: ignore[union-attr]
    reasoning = run.events[3].item  # type: ignore[union-attr]
    assert isinstance(reasoning, Reasoning) and reasoning.content == [ReasoningText("pondering")]
    call = run.events[8].item  # type: ignore[union-attr]
    assert call == CustomToolCall(
        name="apply_patch", input="*** Begin Patch\n*** End Patch", call_id="c9", status="completed"
    )
    assert run.events[-1].usage == TokenUsage(42, 7, 9, 3, 51)  # type: ignore[union-attr]


@pytest.mark.parametrize("wire", WIRES)
async def test_rate_limit_headers_give_snapshot_first_and_warning(
    server: ScriptedModelServer, wire: WireApi
) -> None:
    headers = faults.rate_limit_headers(remaining_requests=20, reset_requests="6m0s")
    server.add(ScriptedResponse(output=[MessageStep("hi")], headers=headers))
    run = await run_stream(make_settings(server, wire))
    assert run.error is None
    snap = run.events[0]
    assert isinstance(snap, RateLimitSnapshot)
    assert snap.requests is not None and snap.requests.used_percent == 96.0
    assert snap.requests.resets_in_seconds == 360.0
    assert isinstance(run.events[1], Created)
    assert [w.message for w in run.warnings] == [
        "rate limit nearly reached: 96% of the requests limit used; resets in 6m 0s"
    ]


async def test_no_warning_below_threshold(server: ScriptedModelServer) -> None:
    server.add(ScriptedResponse(output=[MessageStep("hi")], headers=faults.rate_limit_headers()))
    run = await run_stream(make_settings(server))
    assert isinstance(run.events[0], RateLimitSnapshot)
    assert run.warnings == []


# -- the two wires agree -----------------------------------------------------------------------

PARITY_SCRIPTS: dict[str, list[OutputStep]] = {
    "text": [MessageStep("The quick brown fox jumps over the lazy dog.", chunk_size=7)],
    "tools": [
        MessageStep("Let me look."),
        FunctionCallStep("shell", {"command": ["ls", "-la"]}, call_id="call_x"),
        FunctionCallStep("shell", '{"command":["pwd"]}', call_id="call_y"),
        CustomToolCallStep(
            "apply_patch", "*** Begin Patch\n*** Add File: a\n+x\n*** End Patch", call_id="call_z"
        ),
    ],
    "call_only": [FunctionCallStep("shell", {"command": ["true"]}, call_id="c")],
}


@pytest.mark.parametrize("name", sorted(PARITY_SCRIPTS))
async def test_responses_and_chat_yield_the_same_events(name: str) -> None:
    steps = PARITY_SCRIPTS[name]
    results = []
    for wire in WIRES:
        with ScriptedModelServer([ScriptedResponse(output=steps, usage=USAGE)]) as srv:
            run = await run_stream(make_settings(srv, wire), TOOLS_PROMPT)
        assert run.error is None
        results.append(normalise(run.events))
    responses, chat = results
    assert responses == chat
    assert msgspec.json.encode(responses)  # builtins all the way down


async def test_input_history_round_trips_into_both_wires() -> None:
    history = Prompt(
        instructions="x",
        input=[
            Message(role="user", content=[InputText("do it")]),
            FunctionCall(name="shell", arguments="{}", call_id="c1", id="fc_1"),
        ],
    )
    for wire in WIRES:
        with ScriptedModelServer([ScriptedResponse(output=[MessageStep("ok")])]) as srv:
            run = await run_stream(make_settings(srv, wire), history)
            assert run.error is None
            body = srv.requests[0].body
        if wire == "responses":
            assert body["input"][1] == {
                "type": "function_call",
                "name": "shell",
                "arguments": "{}",
                "call_id": "c1",
                "id": "fc_1",
            }
        else:
            assert body["messages"][-1]["tool_calls"][0]["id"] == "c1"


@pytest.mark.parametrize("wire", WIRES)
async def test_consumer_can_stop_early(server: ScriptedModelServer, wire: WireApi) -> None:
    """Breaking out of the stream closes the connection; the client stays usable."""
    long = ScriptedResponse(output=[MessageStep("x" * 2000, chunk_size=10, delay_ms=5)])
    server.add(long, ScriptedResponse(output=[MessageStep("second")]))
    settings = make_settings(server, wire)
    async with create_client(settings) as client:
        stream = client.stream(PROMPT)
        async for event in stream:
            if isinstance(event, OutputTextDelta):
                break
        await stream.aclose()
        events = [e async for e in client.stream(PROMPT)]
    assert isinstance(events[-1], Completed)
    assert len(server.requests) == 2
